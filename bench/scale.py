#!/usr/bin/env python3
"""The content store at scale: start time, memory, deep paging, edit latency.

    bench/scale.py [--articles 100000] [--mpm event] [--edits 100]

Generates the articles once (bench/gen-articles.py, cached under
build/bench/content-N-HASH, HASH that of the generator), starts a real
httpd with the built module on a free loopback port, and prints:
  * start: seconds from launching httpd to the first served home page;
  * memory: resident memory summed over all httpd processes (RSS, which
    counts pages shared copy-on-write once per process) and proportional
    set size (PSS, which splits shared pages among their sharers);
  * paging: median time of page 1 and of page 5,000 of the home list;
  * edits: change-to-visible latency (median, max) over N edits of random
    articles, each rewritten in place, while wrk reads the site at 16
    connections (wrk from Debian).
"""
import argparse
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))
from bantin_httpd import BantinHttpd, Portal, module_path, open_to_all  # noqa: E402


def generator_hash():
    """A short hash of bench/gen-articles.py: part of the cache's name, so a changed generator
    never reuses articles written by an older one."""
    return hashlib.sha256((HERE / "gen-articles.py").read_bytes()).hexdigest()[:8]


def content_dir(n):
    """build/bench/content-N-HASH, the articles of `gen-articles.py N`, generated once."""
    out = REPO / "build" / "bench" / f"content-{n}-{generator_hash()}"
    if not (out / ".done").exists():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "gen-articles.py"), str(n), str(out)], check=True)
        (out / ".done").write_text("")
    return out


def httpd_pids(pidfile):
    parent = int(Path(pidfile).read_text())
    pids = [parent]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().split()[3]) == parent:
                    pids.append(int(p.name))
            except (OSError, ValueError, IndexError):
                pass
    return pids


class PidFileServer:
    """A server started from self.conf (written from conf_text()) with
    start_command(), after _open() made its files readable to its user,
    whose master writes self.pidfile and its errors self.error_log, where
    PROBLEM matches a line that should fail the run: httpd or nginx."""

    def start(self, ready_path="/portal/", timeout=60):
        """Starts the server; returns seconds from launch to the first 200
        of ready_path."""
        name = Path(self.start_command()[0]).name
        self._open()
        t0 = time.perf_counter()
        p = subprocess.run(self.start_command(), capture_output=True, text=True,
                           timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"{name} did not start:\n{p.stdout}{p.stderr}\n{self.log_tail()}")
        while True:
            try:
                if self.session.get(self.base + ready_path, timeout=2).status_code == 200:
                    return time.perf_counter() - t0
            except requests.RequestException:
                pass
            if time.perf_counter() - t0 > timeout:
                self.stop()
                raise RuntimeError(f"{name} gave no page in {timeout} s\n{self.log_tail()}")
            time.sleep(0.005)

    def write_conf(self):
        self.conf.write_text(self.conf_text())

    def log_tail(self, n=20):
        try:
            return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def problems(self):
        try:
            text = self.error_log.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if self.PROBLEM.search(line)]

    def pid(self):
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def pids(self):
        try:
            return httpd_pids(self.pidfile)
        except (OSError, ValueError):
            return []

    def alive(self):
        pid = self.pid()
        if not pid:
            return False
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def memory(pids):
    rss = pss = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss / 1024, pss / 1024


def median_ms(session, url, n=200):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = session.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=100000)
    ap.add_argument("--mpm", default="event")
    ap.add_argument("--edits", type=int, default=100)
    args = ap.parse_args()

    src = content_dir(args.articles)
    root = Path(tempfile.mkdtemp(prefix="bantin-scale-"))
    work = root / "content"
    shutil.copytree(src, work, ignore=shutil.ignore_patterns(".done"))
    h = BantinHttpd(root / "server", mpm=args.mpm, module=str(module_path()))
    # Under load the event MPM closes idle keep-alive connections; a GET
    # that meets one is simply sent again.
    h.session.mount("http://", requests.adapters.HTTPAdapter(max_retries=3))
    h.configure([Portal("/portal", content=work)])
    h.write_snippet()
    open_to_all(root)

    t0 = time.perf_counter()
    subprocess.run(["/usr/sbin/apache2", "-f", str(h.conf_file), "-k", "start"], check=True)
    while True:
        try:
            if h.session.get(h.url("/portal/"), timeout=1).status_code == 200:
                break
        except Exception:
            pass
        time.sleep(0.01)
    start = time.perf_counter() - t0
    try:
        rss, pss = memory(httpd_pids(h.pid_file))
        pages = args.articles // 10
        deep = min(5000, pages)
        p1 = median_ms(h.session, h.url("/portal/"))
        pdeep = median_ms(h.session, h.url(f"/portal/?page={deep}"))

        files = sorted(work.rglob("*.xml"))
        rng = random.Random(7)
        wrk = None
        if shutil.which("wrk"):
            wrk = subprocess.Popen(["wrk", "-t2", "-c16", f"-d{max(30, args.edits)}s",
                                    h.url("/portal/")], stdout=subprocess.DEVNULL)
        lat = []
        for i in range(args.edits):
            f = rng.choice(files)
            slug = str(f.relative_to(work))[:-4]
            token = f"Sửa đổi {i} {time.time_ns()}"
            text = f.read_text(encoding="utf-8")
            start_title = text.index("<title>") + 7
            end_title = text.index("</title>")
            new = text[:start_title] + token + text[end_title:]
            t = time.perf_counter()
            with open(f, "w", encoding="utf-8") as fh:  # in place: truncate + write
                fh.write(new)
            while token not in h.session.get(h.url(f"/portal/article/{slug}")).text:
                if time.perf_counter() - t > 5:
                    raise SystemExit(f"edit {i} of {slug} not visible after 5 s")
                time.sleep(0.005)
            lat.append((time.perf_counter() - t) * 1000)
        if wrk:
            wrk.terminate()
            wrk.wait()
    except BaseException:
        print(h.log_tail(20), file=sys.stderr)
        raise
    finally:
        h.stop()
        shutil.rmtree(root, ignore_errors=True)

    print(f"articles           {args.articles}  (MPM {args.mpm})")
    print(f"start to 1st page  {start:.2f} s")
    print(f"memory, all httpd  RSS {rss:.0f} MiB, PSS {pss:.0f} MiB "
          f"({pss * 1024 / args.articles:.2f} KiB PSS per article)")
    print(f"home page 1        {p1:.2f} ms median")
    print(f"home page {deep:<8} {pdeep:.2f} ms median")
    print(f"edit -> visible    median {statistics.median(lat):.0f} ms, "
          f"max {max(lat):.0f} ms over {len(lat)} edits under read load")


if __name__ == "__main__":
    main()
