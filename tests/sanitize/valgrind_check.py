#!/usr/bin/python3
"""valgrind_check.py LOGDIR -- reads the vg.<pid>.xml reports that
apache2-valgrind left and fails (exit 1) on any memory error, and on any
definite leak whose stack passes through mod_bantin (a frame in
mod_bantin.so or in a bantin_* function).  Definite leaks of httpd, APR or
libxml2 alone are listed as not ours."""
import glob
import sys
import xml.etree.ElementTree as ET


def frames(err):
    out = []
    for fr in err.iter("frame"):
        fn = fr.findtext("fn") or "?"
        obj = fr.findtext("obj") or ""
        file = fr.findtext("file") or ""
        line = fr.findtext("line") or ""
        out.append((fn, obj, f"{file}:{line}" if file else obj))
    return out


def ours(fr):
    return any("mod_bantin" in obj or fn.startswith("bantin_") or "bantin" in where
               for fn, obj, where in fr)


def main(logdir):
    reports = sorted(glob.glob(f"{logdir}/vg.*.xml"))
    if not reports:
        print(f"valgrind_check: no report in {logdir}")
        return 1
    bad, foreign, runs = [], [], 0
    for path in reports:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            bad.append(f"{path}: unreadable report ({e}): did valgrind finish?")
            continue
        runs += 1
        for err in root.iter("error"):
            kind = err.findtext("kind")
            what = err.findtext("what") or err.findtext("xwhat/text") or kind
            fr = frames(err)
            text = f"{kind}: {what}\n" + "\n".join(f"    {fn} ({where})" for fn, _, where in fr[:15])
            if kind and kind.startswith("Leak_"):
                (bad if ours(fr) else foreign).append(text)
            else:
                bad.append(text)
    for t in foreign:
        print("not ours (httpd/APR/libxml2):", t.splitlines()[0])
    if bad:
        print(f"valgrind_check: {len(bad)} problem(s) in {runs} run(s):")
        for t in bad:
            print(t)
        return 1
    print(f"valgrind_check: {runs} httpd run(s) under memcheck: no error, no definite leak of ours")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
