"""The editors' checker, build/bantin-check (built by `make`): no httpd needed.

    bantin-check [-q] [--lang vi|en] [--tz +HH:MM] FILE.xml|DIR ...

prints "PATH: ok: slug SLUG, ..." per good file (with its date and whether the
portal shows it now), "PATH:LINE:COL: message" per problem, then
"N files checked: G ok, B with problems"; exits 0, 1 when anything is wrong,
2 on bad usage.  These tests read its English (--lang en); its Vietnamese, the
default, and every message word for word are in test_check_messages.py.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from bantin_httpd import REPO, article_xml, module_path

CHECK = Path(os.environ.get("BANTIN_CHECK", str(REPO / "build" / "bantin-check")))
SUMMARY = re.compile(r"^(\d+) files? checked: (\d+) ok, (\d+) with problems$")

NOT_WELL_FORMED = ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n  <title>Hỏng</title>\n'
                   "  <date>2024-06-02</date>\n  <summary>x</summary>\n"
                   "  <body><p>không đóng thẻ</body>\n</article>\n")
INVALID = ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n  <title>Lạ</title>\n'
           "  <date>2024-06-02</date>\n  <summary>x</summary>\n"
           "  <body><weird>x</weird><p>y</p></body>\n</article>\n")


@pytest.fixture(scope="module", autouse=True)
def _checker():
    if module_path() is None:
        pytest.skip("BANTIN_MODULE=none: running without the module's build")
    if not CHECK.exists():
        pytest.fail(f"{CHECK} does not exist: run `make` first (or set BANTIN_CHECK)")


def check(*args, lang="en"):
    p = subprocess.run([str(CHECK), "--lang", lang, *map(str, args)], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout.splitlines(), p.stderr


def summary(lines):
    m = SUMMARY.match(lines[-1]) if lines else None
    assert m, f"no summary line: {lines[-1:]}"
    return tuple(int(g) for g in m.groups())


def problem_lines(lines, path):
    """Lines "PATH:LINE:COL: message" for path; returns [(line, col, message)]."""
    rx = re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): (\S.*)$")
    return [(int(m.group(1)), int(m.group(2)), m.group(3)) for m in map(rx.match, lines) if m]


def test_repository_content_is_ok():
    content = REPO / "content"
    files = sorted(p for p in content.rglob("*.xml"))
    assert len(files) == 12
    rc, lines, err = check(content)
    assert rc == 0, (lines, err)
    assert err == ""
    assert lines[-1] == "12 files checked: 12 ok, 0 with problems"
    ok = lines[:-1]
    assert len(ok) == 12, ok
    for f in files:
        rel = f.relative_to(content)
        slug = str(rel)[:-4]
        mine = [line for line in ok if line.startswith(f"{f}: ")]
        assert len(mine) == 1, (f, ok)
        line = mine[0]
        assert re.match(rf"^{re.escape(str(f))}: ok\b", line), line
        assert re.search(rf"\b{re.escape(slug)}\b", line), (slug, line)
        date = re.search(r"<date>(\d{4})-(\d\d)-(\d\d)", f.read_text(encoding="utf-8"))
        y, m, d = date.groups()
        assert f"{d}/{m}/{y}" in line or f"{y}-{m}-{d}" in line, (date.group(0), line)
        # published in the past, not a draft: the portal shows it now
        assert "visible" in line and "hidden" not in line, line


def test_quiet_prints_only_problems_and_summary(tmp_path):
    rc, lines, err = check("-q", REPO / "content")
    assert (rc, lines, err) == (0, ["12 files checked: 12 ok, 0 with problems"], "")
    bad = tmp_path / "hong.xml"
    bad.write_text(NOT_WELL_FORMED, encoding="utf-8")
    rc, lines, _ = check("-q", REPO / "content", bad)
    assert rc == 1
    assert len(lines) == 2 and problem_lines(lines, bad), lines
    assert summary(lines) == (13, 12, 1)


def test_not_well_formed(tmp_path):
    bad = tmp_path / "hong.xml"
    bad.write_text(NOT_WELL_FORMED, encoding="utf-8")
    rc, lines, _ = check(bad)
    assert rc == 1, lines
    found = problem_lines(lines, bad)
    assert len(found) == 1, lines
    line, col, message = found[0]
    assert line in (6, 7) and col > 0, found  # where the parser stopped
    assert message
    assert lines[-1] == "1 file checked: 0 ok, 1 with problems"


def test_schema_invalid(tmp_path):
    bad = tmp_path / "sai-luoc-do.xml"
    bad.write_text(INVALID, encoding="utf-8")
    missing_date = tmp_path / "thieu-ngay.xml"
    missing_date.write_text(NOT_WELL_FORMED.replace("  <date>2024-06-02</date>\n", "")
                            .replace("không đóng thẻ</body>", "y</p></body>"), encoding="utf-8")
    rc, lines, _ = check(bad, missing_date)
    assert rc == 1, lines
    for path, line_no in ((bad, 6), (missing_date, None)):
        found = problem_lines(lines, path)
        assert found, (path, lines)
        line, col, message = found[0]
        assert line > 0 and col > 0 and message, found
        if line_no:
            assert line == line_no, found
    assert "weird" in problem_lines(lines, bad)[0][2]
    assert summary(lines) == (2, 0, 2)


def test_bad_file_name_in_a_dir(tmp_path):
    d = tmp_path / "content"
    (d / "2024").mkdir(parents=True)
    (d / "Bad Name.xml").write_text(article_xml("Tên sai", "2024-01-01"), encoding="utf-8")
    (d / "2024" / "tot.xml").write_text(article_xml("Tốt", "2024-01-02"), encoding="utf-8")
    # editors' temporary files are skipped, as the portal skips them
    (d / "2024" / ".tot.xml.swp.xml").write_text(NOT_WELL_FORMED, encoding="utf-8")
    rc, lines, _ = check(d)
    assert rc == 1, lines
    bad = [line for line in lines if line.startswith(f"{d / 'Bad Name.xml'}:")]
    assert len(bad) == 1, lines
    assert len(bad[0]) > len(f"{d / 'Bad Name.xml'}: ") + 10, bad  # says what is wrong
    assert not bad[0].startswith(f"{d / 'Bad Name.xml'}: ok"), bad
    assert [line for line in lines if line.startswith(f"{d / '2024' / 'tot.xml'}: ok")]
    assert not [line for line in lines if ".swp" in line]
    assert summary(lines) == (2, 1, 1)


def test_missing_path(tmp_path):
    missing = tmp_path / "khong-co.xml"
    rc, lines, _ = check(missing)
    assert rc == 1
    assert any(line.startswith(str(missing)) for line in lines[:-1]), lines
    assert summary(lines)[2] == 1


def test_usage():
    for args in ((), ("-q",)):
        rc, lines, err = check(*args)
        assert rc == 2, (args, rc)
        assert lines == []
        assert "usage" in err.lower(), err


def test_publication_state(tmp_path):
    """The ok line says whether the portal shows the article now, and why not."""
    files = {
        "hien": article_xml("Hiện", "2024-01-01"),
        "nhap": article_xml("Nháp", "2024-01-01", status="draft"),
        "tuong-lai": article_xml("Tương lai", "2099-01-01T08:00:00+07:00"),
        "het-han": article_xml("Hết hạn", "2020-01-01", expires="2021-01-01"),
        "da-dang": article_xml("Đã đăng", "2024-01-01", status="published",
                               expires="2099-01-01"),
    }
    for name, text in files.items():
        (tmp_path / f"{name}.xml").write_text(text, encoding="utf-8")
    rc, lines, _ = check(tmp_path)
    assert rc == 0, lines
    assert summary(lines) == (5, 5, 0)

    def line(name):
        found = [x for x in lines if x.startswith(f"{tmp_path / name}.xml: ok")]
        assert len(found) == 1, (name, lines)
        return found[0]

    for name in ("hien", "da-dang"):
        assert "visible" in line(name) and "hidden" not in line(name), line(name)
    for name in ("nhap", "tuong-lai", "het-han"):
        assert "hidden" in line(name) and "visible" not in line(name), line(name)
    assert "draft" in line("nhap")
    assert "expire" in line("het-han")


def test_help_prints_usage():
    for flag in ("-h", "--help"):
        rc, lines, err = check(flag)
        assert rc == 0, (flag, rc, lines, err)
        assert err == ""
        assert lines and lines[0].startswith("usage: bantin-check"), (flag, lines)
        assert not any("no such file" in line for line in lines), lines


def test_unknown_option_is_bad_usage(tmp_path):
    rc, lines, err = check("-x", tmp_path)
    assert rc == 2 and lines == []
    assert "-x" in err and "usage" in err.lower(), err


def test_paths_without_doubled_slashes(tmp_path):
    d = tmp_path / "content"
    (d / "2024").mkdir(parents=True)
    (d / "tot.xml").write_text(article_xml("Tốt", "2024-01-02"), encoding="utf-8")
    (d / "2024" / "hong.xml").write_text(NOT_WELL_FORMED, encoding="utf-8")
    for arg in (f"{d}/", f"{d}//"):
        rc, lines, _ = check(arg)
        assert rc == 1, lines
        assert not [line for line in lines if "//" in line], lines
        assert [line for line in lines if line.startswith(f"{d / 'tot.xml'}: ok")], lines
        assert problem_lines(lines, d / "2024" / "hong.xml"), lines
        assert summary(lines) == (2, 1, 1)


def test_links_are_not_followed_as_the_portal_does_not(tmp_path):
    """The checker walks with the portal's own walk: a linked folder is not
    read, a linked file is reported (BT0103 in the portal), not followed."""
    d, outside = tmp_path / "content", tmp_path / "ngoai"
    (d / "that").mkdir(parents=True)
    outside.mkdir()
    (d / "that" / "tot.xml").write_text(article_xml("Tốt", "2024-01-02"), encoding="utf-8")
    (outside / "bi-mat.xml").write_text(article_xml("Bí mật", "2024-01-02"), encoding="utf-8")
    (outside / "hong.xml").write_text(NOT_WELL_FORMED, encoding="utf-8")
    (d / "chuyen-muc").symlink_to(outside, target_is_directory=True)
    (d / "that" / "lien-ket.xml").symlink_to(outside / "bi-mat.xml")
    rc, lines, _ = check(d)
    assert rc == 1, lines
    assert not [line for line in lines if "chuyen-muc" in line or "bi-mat" in line
                or "hong" in line], lines
    linked = [line for line in lines if line.startswith(f"{d / 'that' / 'lien-ket.xml'}:")]
    assert linked == [f"{d / 'that' / 'lien-ket.xml'}: symbolic link not followed: "
                      "put the file itself here"], lines
    assert summary(lines) == (2, 1, 1)


def test_folders_deeper_than_the_portal_reads(tmp_path):
    """32 folders deep is read; the 33rd is not, by the portal (BT0104) nor by the
    checker, which says so with the path the portal's log names."""
    d = tmp_path / "content"
    deep = d.joinpath(*["d"] * 32)
    (deep / "d").mkdir(parents=True)
    (deep / "tot.xml").write_text(article_xml("Tốt", "2024-01-02"), encoding="utf-8")
    (deep / "d" / "qua-sau.xml").write_text(NOT_WELL_FORMED, encoding="utf-8")
    rc, lines, _ = check(d)
    assert rc == 1, lines
    assert [line for line in lines if line.startswith(f"{deep / 'tot.xml'}: ok")], lines
    assert not [line for line in lines if "qua-sau" in line], lines
    assert f"{deep / 'd'}: deeper than 32 folders, not read (the portal skips it too)" in lines
    assert lines[-1] == "1 file checked: 1 ok, 0 with problems; 1 folder too deep, not read"


# ---- categories: one name (issue #14) -------------------------------------

# (in English, as check() asks; the Vietnamese text: test_check_messages.py)
CAT_WARNING = 'warning: category "{}" is spelled differently from "{}", the name the portal uses'
CAT_USES = [("2024/mot", "2024-03-01", "Nông thôn mới"),
            ("2024/hai", "2024-03-02", "Nông thôn mới"),
            ("2024/ba", "2024-03-03", "nong thon moi"),
            ("2024/bon", "2024-03-04", "Nông  thôn   mới"),
            ("2024/nam", "2024-03-05", "Nông Thôn Mới"),
            ("kinh-te", "2024-03-06", "Kinh tế")]


def write_uses(d, uses=CAT_USES):
    paths = {}
    for slug, date, cat in uses:
        p = d / f"{slug}.xml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(article_xml(f"Bài {slug}", date, category=cat), encoding="utf-8")
        paths[slug] = p
    return paths


def category_pos(path):
    """(line, col) of <category> in a file, from its text."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "<category>" in line:
            return n, line.index("<category>") + 1
    raise AssertionError(f"no <category> in {path}")


def portal_name(uses):
    """The counting rule: most used spelling (spacing folded), ties to the oldest."""
    from collections import Counter
    folded = [(date, " ".join(cat.split())) for _, date, cat in sorted(uses, key=lambda u: u[1])]
    counts = Counter(c for _, c in folded)
    order = {}
    for i, (_, c) in enumerate(folded):
        order.setdefault(c, i)
    return min(counts, key=lambda c: (-counts[c], order[c]))


def summary_with_warnings(lines):
    m = re.match(r"^(\d+) files? checked: (\d+) ok, (\d+) with problems(?:; (\d+) warnings?)?$",
                 lines[-1])
    assert m, lines[-1:]
    return tuple(int(g or 0) for g in m.groups())


def test_category_spelled_otherwise_is_warned_with_the_portal_name(tmp_path):
    d = tmp_path / "content"
    paths = write_uses(d)
    rc, lines, _ = check("-q", d)
    ntm = [u for u in CAT_USES if u[2] != "Kinh tế"]
    name = portal_name(ntm)
    want = []
    for slug, _, cat in ntm:
        if cat != name:
            line, col = category_pos(paths[slug])
            want.append((str(paths[slug]), line, col, CAT_WARNING.format(cat, name)))
    got = []
    for slug in paths:
        got += [(str(paths[slug]), *p) for p in problem_lines(lines, paths[slug])]
    assert sorted(got) == sorted(want), lines
    assert len(want) == 3
    # warnings are no problems: the files are good, the exit status 0
    assert rc == 0, lines
    assert summary_with_warnings(lines) == (6, 6, 0, 3)


def test_consistent_categories_give_no_warning(tmp_path):
    d = tmp_path / "content"
    write_uses(d, [u for u in CAT_USES if u[2] in ("Nông thôn mới", "Kinh tế")])
    rc, lines, _ = check(d)
    assert rc == 0 and not [line for line in lines if "warning" in line], lines


def test_names_file_gives_the_name_and_is_checked_as_one(tmp_path):
    d = tmp_path / "content"
    paths = write_uses(d)
    names = d / "chuyen-muc.xml"
    names.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<categories>\n'
                     "  <category>Nông Thôn Mới</category>\n"
                     '  <category slug="kinh-te">Kinh tế - Tài chính</category>\n'
                     "</categories>\n", encoding="utf-8")
    rc, lines, _ = check(d)
    assert rc == 0, lines
    assert f"{names}: ok: category names file, 2 names" in lines
    assert not [line for line in lines if line.startswith(f"{names}: ok: slug")], lines
    # the file's spelling is the one: every other is warned, the newest too
    for slug, _, cat in CAT_USES[:5]:
        line, col = category_pos(paths[slug])
        want = [] if cat == "Nông Thôn Mới" else [
            (line, col, CAT_WARNING.format(cat, "Nông Thôn Mới"))]
        assert problem_lines(lines, paths[slug]) == want, lines
    # a category the file renames outright (another slug's letters): no warning
    assert problem_lines(lines, paths["kinh-te"]) == [], lines
    assert summary_with_warnings(lines) == (7, 7, 0, 4)


def test_broken_names_file_says_where(tmp_path):
    d = tmp_path / "content"
    write_uses(d)
    names = d / "chuyen-muc.xml"
    names.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<categories>\n'
                     '  <category slug="nong-thon-moi">A</category>\n'
                     '  <category slug="nong-thon-moi">B</category>\n'
                     "</categories>\n", encoding="utf-8")
    rc, lines, _ = check(d)
    assert rc == 1, lines
    assert problem_lines(lines, names) == [
        (4, 3, "category nong-thon-moi is already named on line 3")], lines
    # the articles then name it, as the portal does
    assert [line for line in lines
            if CAT_WARNING.format("nong thon moi", portal_name(CAT_USES[:5])) in line], lines
    assert summary_with_warnings(lines)[:3] == (7, 6, 1)


def test_files_given_one_by_one_are_compared_together(tmp_path):
    d = tmp_path / "content"
    paths = write_uses(d, CAT_USES[:3])
    rc, lines, _ = check(*paths.values())
    assert rc == 0, lines
    line, col = category_pos(paths["2024/ba"])
    assert problem_lines(lines, paths["2024/ba"]) == [
        (line, col, CAT_WARNING.format("nong thon moi", "Nông thôn mới"))]
    assert summary_with_warnings(lines) == (3, 3, 0, 1)
