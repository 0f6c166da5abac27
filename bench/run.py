#!/usr/bin/python3
"""The "speed" benchmark suite: mod_bantin against its server serving the same bytes.

    make bench                          # = /usr/bin/python3 bench/run.py (httpd and nginx)
    bench/run.py --quick                # smoke test, a few minutes
    bench/run.py --server nginx         # the nginx module only (goals 1-4, 6)
    bench/run.py --goals 1,3 --pairs 5  # some goals, more pairs
    bench/run.py --plot                 # + req/s vs connections, both servers
    bench/run.py --profile              # + perf profile of article pages

Every comparison is made inside one run on one server: the module's answer
is saved to a file under the document root of the same server (httpd: same
config, same MPM; nginx: same workers, with the headers the module sent;
no access log), and wrk alternates module and static file (A/B, then B/A,
...), each run after a warm-up; the ratio is the median of the per-pair
ratios.  The goals (see BENCHMARKS.md), on httpd and on nginx
(bench_nginx.py) unless said:

  1  article page, Cookie: bantin_fs=4            >= 1.0x static file
  2  home list, page 1 and page 5,000 of 100k      >= 0.9x static file
  3  article page, Accept-Encoding: gzip           >= 2x static compressed per request
                                                   (mod_deflate; nginx gzip on, level 1)
  4  p99 latency of goal 1's request, 64 connections each pausing
     1 ms after each answer                        <= static's p99
     (the p99 of goal 1's runs, at saturation, is reported beside it)
  5  goals 1-2 while an article is rewritten every second   >= 0.8x (httpd)
  6  start to first page, 10k <= 0.7 s, 100k <= 3 s; memory of 100k
  7  core micro-benchmark (build/bench/micro) and callgrind Ir/request (httpd)

Results go to the terminal and to bench/out/results.{md,json}, the plot
to bench/conns.png (with --quick or --out, everything goes to
bench/out/quick/ or beside --out instead).  It installs nothing: wrk must be there
(`make bench` installs it), and --plot needs bench/deps.sh run first.
Servers (httpd, nginx) run on free 127.0.0.1 ports from configs generated
in a temporary directory, and are stopped before it exits.
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(HERE))
from bantin_httpd import free_port, open_to_all  # noqa: E402
import scale  # noqa: E402  (content_dir, httpd_pids, memory)
import bench_nginx  # noqa: E402
from bench_nginx import NginxBench  # noqa: E402

APACHE = os.environ.get("APACHE_BIN", "/usr/sbin/apache2")
MODULES = Path(os.environ.get("APACHE_MODULES_DIR", "/usr/lib/apache2/modules"))
NGINX = bench_nginx.NGINX
DEFAULT_OUT = HERE / "out"
OUT = DEFAULT_OUT  # where every output goes; bench/out/quick with --quick or beside --out
SEED_SLUG = "2024/giup-do-xa-kho-khan"
ARTICLE = f"/portal/article/{SEED_SLUG}"
COOKIE = "Cookie: bantin_fs=4"
# Goal 4's pause after each answer, per connection: 64 connections offer
# at most 64,000 requests a second (wrk's timers make it about 48,000),
# a third of what nginx serves flat out on this machine and half to two
# thirds of httpd's.
PACE_MS = 1
GZIP = "Accept-Encoding: gzip"
REPORT_LUA = HERE / "wrk" / "report.lua"
STATUS_LUA = HERE / "wrk" / "status.lua"
LOG_PROBLEM = re.compile(r"\[(?:[\w.-]+:)?(?:error|crit|alert|emerg)\]|Segmentation fault|exit signal")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def hdict(headers):
    return dict(h.split(": ", 1) for h in headers)


# ---- httpd -------------------------------------------------------------------

class Httpd(scale.PidFileServer):
    """One httpd in its own ServerRoot: the portal at /portal, static copies
    of its pages under /static/ and, compressed per request by mod_deflate,
    under /static-gz/.  Event MPM, one child per core with threads for every
    connection of the largest run (fixed: no children started or stopped
    during a run), no access log."""

    PROBLEM = LOG_PROBLEM

    def __init__(self, root, content, templates, module, mpm="event", procs=None,
                 threads=160, keepalive_requests=None, check_interval=None):
        self.root = Path(root)
        self.content = Path(content)
        self.templates = Path(templates)
        self.module = Path(module)
        self.mpm = mpm
        self.procs = procs or os.cpu_count() or 2
        self.threads = threads
        self.keepalive_requests = keepalive_requests
        self.check_interval = check_interval
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.conf = self.root / "conf" / "httpd.conf"
        self.pidfile = self.root / "logs" / "httpd.pid"
        self.error_log = self.root / "logs" / "error_log"
        self.htdocs = self.root / "htdocs"
        for d in ("conf", "logs", "run", "htdocs/static", "htdocs/static-gz"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.htdocs / "static" / "ping.html").write_text("ok\n")
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount("http://", requests.adapters.HTTPAdapter(max_retries=2))
        self.write_conf()

    def conf_text(self, one_process=False):
        m = MODULES
        lines = [
            f'ServerRoot "{self.root}"',
            f'PidFile "{self.pidfile}"',
            f'DefaultRuntimeDir "{self.root / "run"}"',
            f'ErrorLog "{self.error_log}"',
            "LogLevel warn bantin:info",  # BT0100 loaded, BT0302 search index in step
            "ServerName 127.0.0.1",
            f'LoadModule mpm_{self.mpm}_module "{m}/mod_mpm_{self.mpm}.so"',
            f'LoadModule authz_core_module "{m}/mod_authz_core.so"',
            f'LoadModule mime_module "{m}/mod_mime.so"',
            f'LoadModule deflate_module "{m}/mod_deflate.so"',
            f'LoadModule bantin_module "{self.module}"',
        ]
        if os.geteuid() == 0:
            lines += ["User nobody", "Group nogroup"]
        lines += [
            f"Listen 127.0.0.1:{self.port}",
            "TypesConfig /etc/mime.types",
            # No CustomLog: no access log, for the module and the files alike.
            f'DocumentRoot "{self.htdocs}"',
            # Debian's apache2.conf: no .htaccess lookups, symlinks followed.
            "<Directory />",
            "    Options FollowSymLinks",
            "    AllowOverride None",
            "    Require all denied",
            "</Directory>",
            f'<Directory "{self.htdocs}">',
            "    Options FollowSymLinks",
            "    AllowOverride None",
            "    Require all granted",
            "</Directory>",
            f'<Directory "{self.htdocs / "static"}">',
            '    ForceType "text/html; charset=utf-8"',
            "</Directory>",
            f'<Directory "{self.htdocs / "static-gz"}">',
            '    ForceType "text/html; charset=utf-8"',
            "    SetOutputFilter DEFLATE",
            "</Directory>",
            '<Location "/portal">',
            "    SetHandler bantin",
            f'    BantinContentDir "{self.content}"',
            f'    BantinTemplateDir "{self.templates}"',
        ]
        if self.check_interval:
            lines.append(f"    BantinCheckInterval {self.check_interval}")
        lines.append("</Location>")
        if self.keepalive_requests is not None:
            lines.append(f"MaxKeepAliveRequests {self.keepalive_requests}")
        if self.mpm == "prefork":
            n = self.procs * 4
            lines += [f"StartServers {n}", f"MinSpareServers {n}", f"MaxSpareServers {n}",
                      f"ServerLimit {max(n, 256)}", "MaxRequestWorkers 256"]
        else:
            t, p = self.threads, self.procs
            lines += [f"StartServers {p}", f"ServerLimit {p}", f"ThreadLimit {t}",
                      f"ThreadsPerChild {t}", f"MaxRequestWorkers {t * p}",
                      "MinSpareThreads 32", f"MaxSpareThreads {t * p}"]
        return "\n".join(lines) + "\n"

    def start_command(self):
        return [APACHE, "-f", str(self.conf), "-k", "start"]

    def _open(self):
        for d in (self.root, self.content, self.templates):
            open_to_all(d)

    def stop(self, timeout=30):
        pid = self.pid()
        if not pid or not self.alive():
            return
        subprocess.run([APACHE, "-f", str(self.conf), "-k", "stop"],
                       capture_output=True, timeout=timeout)
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            log(f"httpd {pid} did not stop in {timeout} s: killing its process group")
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.pidfile.unlink()
        except FileNotFoundError:
            pass

    def get(self, path, headers=()):
        r = self.session.get(self.base + path, headers=hdict(headers), timeout=10)
        return r

    def save_static(self, name, path, headers=(COOKIE,)):
        """Saves the module's answer body for path as static/<name> and static-gz/<name>."""
        r = self.get(path, headers)
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code}")
        body = r.content
        again = self.get(path, headers).content
        if again != body:
            log(f"warning: {path} is not the same from one request to the next")
        for d in ("static", "static-gz"):
            (self.htdocs / d / name).write_bytes(body)
            os.chmod(self.htdocs / d / name, 0o644)
        st = self.get(f"/static/{name}", headers)
        assert st.content == body, "static copy differs"
        assert st.headers.get("Content-Type") == r.headers.get("Content-Type"), \
            (st.headers.get("Content-Type"), r.headers.get("Content-Type"))
        return body

    def wait_search_index(self, timeout=600):
        """Waits until the module says its search index is in step with the
        store (BT0302), which one child does in the background after a start
        with a new index; returns the seconds waited, or None when the module
        has no search index."""
        if b"BT0302" not in self.module.read_bytes():
            return None
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                if "BT0302" in self.error_log.read_text(errors="replace"):
                    return time.time() - t0
            except OSError:
                pass
            time.sleep(0.5)
        log(f"warning: no BT0302 (search index in step) after {timeout} s")
        return time.time() - t0


# ---- wrk ---------------------------------------------------------------------

def cpu_busy_ticks():
    """Busy CPU time of the whole machine so far, in clock ticks."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(f) - f[3] - f[4]  # minus idle and iowait


def proc_ticks(pids):
    t = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])  # utime, stime (all threads)
        except (OSError, IndexError, ValueError):
            pass
    return t


def own_ticks():
    hz = os.sysconf("SC_CLK_TCK")
    c, s = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return (c.ru_utime + c.ru_stime + s.ru_utime + s.ru_stime) * hz


def machine_busy(seconds=2.0):
    """Share of the machine's CPU used by others over `seconds` (0..1)."""
    b0, o0, t0 = cpu_busy_ticks(), own_ticks(), time.time()
    time.sleep(seconds)
    busy = cpu_busy_ticks() - b0 - (own_ticks() - o0)
    return max(0.0, busy / (os.sysconf("SC_CLK_TCK") * (time.time() - t0) * (os.cpu_count() or 1)))


def wrk(url, seconds, conns, threads, headers=(), script=REPORT_LUA, server_pids=(), pace_ms=None):
    """One wrk run; with server_pids, also the share of CPU that processes
    other than the server, wrk and this script used meanwhile ("noise");
    with pace_ms, each connection waits that long after each answer
    before it sends the next request (the scripts' BENCH_PACE_MS)."""
    threads = max(1, min(threads, conns))
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{int(seconds)}s", "--timeout", "10s",
           "--latency", "-s", str(script), url, "--", *headers]
    env = dict(os.environ, BENCH_PACE_MS=str(pace_ms)) if pace_ms else None
    b0, o0, s0, t0 = cpu_busy_ticks(), own_ticks(), proc_ticks(server_pids), time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, env=env)
    elapsed = time.time() - t0
    foreign = (cpu_busy_ticks() - b0) - (own_ticks() - o0) - (proc_ticks(server_pids) - s0)
    tag = "BENCH_STATUS " if script == STATUS_LUA else "BENCH_JSON "
    for line in p.stdout.splitlines():
        if line.startswith(tag):
            d = json.loads(line[len(tag):])
            if "duration_us" in d:
                d["rps"] = d["requests"] / (d["duration_us"] / 1e6)
                d["errors"] = sum(d[k] for k in ("connect_errors", "read_errors", "write_errors",
                                                 "status_errors", "timeouts"))
            if server_pids:
                d["noise"] = max(0.0, foreign / (os.sysconf("SC_CLK_TCK") * elapsed * (os.cpu_count() or 1)))
            return d
    raise RuntimeError(f"wrk gave no result: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")


class Churn(threading.Thread):
    """Rewrites a random article in place (truncate + write, a changed title)
    every `interval` seconds while running."""

    def __init__(self, files, interval=1.0, seed=7):
        super().__init__(daemon=True)
        self.files = list(files)
        self.interval = interval
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.count = 0
        self.original = {}
        self.active = threading.Event()

    def run(self):
        while not self.stop_event.wait(self.interval):
            if not self.active.is_set():
                continue
            f = self.rng.choice(self.files)
            text = self.original.get(f) or f.read_text(encoding="utf-8")
            self.original[f] = text
            i = text.index("</title>")
            new = text[:i] + f" (cập nhật {self.count})" + text[i:]
            with open(f, "w", encoding="utf-8") as fh:
                fh.write(new)
            self.count += 1

    def stop(self):
        self.stop_event.set()
        self.join(5)


# ---- A/B comparisons -----------------------------------------------------------

class Row:
    def __init__(self, goal, what, server, mod_path, static_path, headers, threshold,
                 churn=None, want_gzip=False):
        self.goal, self.what, self.server = goal, what, server
        self.mod_path, self.static_path, self.headers = mod_path, static_path, list(headers)
        self.threshold, self.churn, self.want_gzip = threshold, churn, want_gzip
        self.runs = {"module": [], "static": []}
        self.checks = {}
        self.notes = []
        self.rewrites = 0

    def summary(self):
        m, s = self.runs["module"], self.runs["static"]
        ratios = [a["rps"] / b["rps"] for a, b in zip(m, s)]
        out = {
            "goal": self.goal, "what": self.what,
            "module_rps": statistics.median(r["rps"] for r in m),
            "static_rps": statistics.median(r["rps"] for r in s),
            "ratio": statistics.median(ratios), "ratios": ratios,
            "module_p99_ms": statistics.median(r["p99_us"] for r in m) / 1000,
            "static_p99_ms": statistics.median(r["p99_us"] for r in s) / 1000,
            "threshold": self.threshold,
            "errors": sum(r["errors"] for r in m + s),
            "noise": statistics.median(r["noise"] for r in m + s),
            "checks": self.checks, "notes": list(self.notes),
            "runs": self.runs,
        }
        # threshold None: the throughput is only reported (goal 4's own runs)
        ok = (self.threshold is None or out["ratio"] >= self.threshold) and out["errors"] == 0
        for side, c in self.checks.items():
            if set(c["statuses"]) != {"200"}:
                ok = False
                out["notes"].append(f"{side}: statuses {c['statuses']}")
        lens = {side: set(c.get("lengths", {})) for side, c in self.checks.items()}
        if not self.want_gzip and len(lens) == 2 and (lens["module"] != lens["static"]
                                                      or len(lens["module"]) != 1):
            ok = False
            out["notes"].append(f"body lengths differ: module {sorted(lens['module'])}, "
                                f"static {sorted(lens['static'])}")
        if self.want_gzip:
            for side in ("module", "static"):
                enc = self.checks.get(side, {}).get("encodings", {})
                if set(enc) != {"gzip"}:
                    ok = False
                    out["notes"].append(f"{side} answered Content-Encoding {sorted(enc)}, not gzip")
        if out["noise"] > 0.05:
            out["notes"].append(f"other processes used {100 * out['noise']:.0f}% of the CPU "
                                "during the runs (median): the machine was not quiet")
        if out["errors"]:
            out["notes"].append(f"{out['errors']} wrk errors (non-2xx/3xx, socket, timeout)")
        if self.churn is not None:
            out["rewrites"] = self.rewrites
            out["notes"].append(f"{self.rewrites} articles rewritten during the module's runs "
                                f"(one a second)")
        out["pass"] = ok
        return out


def run_row(row, a, pace_ms=None):
    """Runs row.pairs A/B pairs, alternating which side goes first; with
    pace_ms, each connection waits that long after each answer."""
    log(f"goal {row.goal}: {row.what}")
    before = row.churn.count if row.churn else 0
    urls = {"module": row.server.base + row.mod_path, "static": row.server.base + row.static_path}
    for i in range(a.pairs):
        order = ("module", "static") if i % 2 == 0 else ("static", "module")
        for side in order:
            churn = row.churn if side == "module" else None
            if churn:
                churn.active.set()
            try:
                if a.warmup and (i == 0 or not a.quick):
                    chk = wrk(urls[side], a.warmup, a.connections, a.threads, row.headers, STATUS_LUA,
                              pace_ms=pace_ms)
                    if i == 0:
                        row.checks[side] = chk
                r = wrk(urls[side], a.duration, a.connections, a.threads, row.headers,
                        server_pids=row.server.pids(), pace_ms=pace_ms)
            finally:
                if churn:
                    churn.active.clear()
            row.runs[side].append(r)
            log(f"  pair {i + 1} {side:6s} {r['rps']:9.0f} req/s  p99 {r['p99_us'] / 1000:6.2f} ms"
                f"  noise {100 * r['noise']:4.1f}%" + (f"  errors {r['errors']}" if r["errors"] else ""))
    row.rewrites = (row.churn.count - before) if row.churn else 0
    return row.summary()


# ---- the goals on one server kind ------------------------------------------------

def make_server(kind, root, content, templates, module, a=None):
    """The portal and its static copies on one server: httpd (event MPM)
    or nginx (bench_nginx.py), both with the same methods."""
    if kind == "nginx":
        return NginxBench(root, content, templates, module)
    return Httpd(root, content, templates, module,
                 keepalive_requests=a.keepalive_requests if a else None)


def ab_row(row, a, kind, pace_ms=None):
    r = run_row(row, a, pace_ms)
    r["kind"] = "ab"
    r["server"] = kind
    return r


def p99_row(what, kind, r, judged):
    """Goal 4's line from an A/B row's runs: the median p99 of each side,
    and the median of the per-pair ratios.  Judged (PASS/FAIL) only at an
    offered load both sides carry (PACE_MS): at saturation (goal 1's runs)
    the mean latency is fixed by the throughput (connections / req/s), and
    the p99 says how the kernel shares the two cores between wrk and the
    server, which a faster server makes longer (BENCHMARKS.md)."""
    m, st = r["module_p99_ms"], r["static_p99_ms"]
    ratio = statistics.median(x["p99_us"] / y["p99_us"]
                              for x, y in zip(r["runs"]["module"], r["runs"]["static"]))
    out = {"goal": "4", "what": what, "server": kind,
           "module": f"{m:.2f} ms", "static": f"{st:.2f} ms",
           "ratio": f"{ratio:.2f}x" + (" (≤ 1x)" if judged else ""),
           "p99m": f"{m:.2f} ms", "p99s": f"{st:.2f} ms",
           "result": ("PASS" if ratio <= 1.0 else "FAIL") if judged else "info"}
    return out


def seed_goals(a, kind, tmp, site, results, extra, servers):
    """Goals 1, 3, 4 (and --profile) on one server with the seed content."""
    s = make_server(kind, tmp / f"seed-{kind}", site / "content", site / "templates",
                    a.module_of[kind], a)
    servers.append(s)
    s.start()
    page = s.save_static("article.html", ARTICLE)
    if kind == "nginx":
        s.publish()
        extra["nginx_static_header_differences"] = s.header_notes
        for note in s.header_notes.get("article.html", []):
            log(f"  nginx static vs module: {note}")
    if "micro" in extra and hashlib.sha256(page).hexdigest() != extra["micro"]["page_sha256"]:
        extra["micro"]["note"] = "the module's page differs from micro's render"
    log(f"seed article page ({kind}): {len(page)} bytes")
    extra["article_bytes"] = len(page)
    if a.goals & {"1", "4"}:
        r = ab_row(Row("1", "article page, Cookie: bantin_fs=4", s, ARTICLE,
                       "/static/article.html", [COOKIE], 1.0), a, kind)
        results.append(r)
        if "4" in a.goals:
            results.append(p99_row(f"p99 latency, {a.connections} connections as fast as they go "
                                   "(goal 1 runs)", kind, r, False))
            r4 = ab_row(Row("4", f"article page, each connection pausing {PACE_MS} ms after "
                                 "each answer", s, ARTICLE, "/static/article.html", [COOKIE], None),
                        a, kind, PACE_MS)
            results.append(r4)
            results.append(p99_row(f"p99 latency, {a.connections} connections pausing {PACE_MS} ms",
                                   kind, r4, True))
    if "3" in a.goals:
        hdrs = {"Cookie": "bantin_fs=4", "Accept-Encoding": "gzip"}
        gz = requests.get(s.base + "/static-gz/article.html", headers=hdrs,
                          proxies={"http": None}, timeout=10, stream=True)
        raw = gz.raw.read(decode_content=False)
        mod = requests.get(s.base + ARTICLE, headers=hdrs, proxies={"http": None}, timeout=10, stream=True)
        mraw = mod.raw.read(decode_content=False)
        how = "mod_deflate" if kind == "httpd" else f"nginx gzip on, level {bench_nginx.GZIP_LEVEL}"
        row = Row("3", f"article page, Accept-Encoding: gzip (static: {how})", s, ARTICLE,
                  "/static-gz/article.html", [COOKIE, GZIP], 2.0, want_gzip=True)
        row.notes.append(f"bytes on the wire: module {len(mraw)} "
                         f"({mod.headers.get('Content-Encoding', 'identity')}), "
                         f"{how} {len(raw)} ({gz.headers.get('Content-Encoding', 'identity')})")
        results.append(ab_row(row, a, kind))
    if a.profile:
        log(f"profile: perf ({kind})")
        extra["profile" if kind == "httpd" else f"profile_{kind}"] = profile(a, s, kind)
    s.stop()
    extra["seed_server_problems" if kind == "httpd" else f"seed_{kind}_problems"] = s.problems()


def big_goals(a, kind, tmp, big, templates, chosen, results, extra, servers):
    """Goal 2 (and, on httpd, goal 5) on one server with the generated
    articles plus the seed article."""
    n = a.articles
    b = make_server(kind, tmp / f"big-{kind}", big, templates, a.module_of[kind], a)
    servers.append(b)
    churn = None
    try:
        t = b.start(timeout=120)
        log(f"  {kind} with {n:,} articles up in {t:.2f} s")
        w = b.wait_search_index()
        if w is not None:
            extra["search_index_catch_up_s" if kind == "httpd" else f"search_index_catch_up_{kind}_s"] = w
            log(f"  search index in step {w:.1f} s later (measuring starts now)")
        deep = max(1, min(a.deep_page, n // 10))
        while deep > 1 and b.get(f"/portal/?page={deep}", [COOKIE]).status_code != 200:
            deep //= 2
        b.save_static("list-1.html", "/portal/")
        b.save_static(f"list-{deep}.html", f"/portal/?page={deep}")
        b.save_static("article.html", ARTICLE)
        if kind == "nginx":
            # the reload loads the content again; its workers sync the index
            mark = b.log_size()
            b.publish()
            b.wait_search_index(after=mark)
            extra["nginx_static_header_differences_big"] = b.header_notes
        rows = []
        if "2" in a.goals:
            rows += [Row("2", f"home list page 1 ({n:,} articles)", b, "/portal/",
                         "/static/list-1.html", [COOKIE], 0.9),
                     Row("2", f"home list page {deep:,} ({n:,} articles)", b, f"/portal/?page={deep}",
                         f"/static/list-{deep}.html", [COOKIE], 0.9)]
        if "5" in a.goals and kind == "httpd":
            churn = Churn(chosen)
            churn.start()
            rows += [Row("5", f"churn: article page ({n:,} articles)", b, ARTICLE,
                         "/static/article.html", [COOKIE], 0.8, churn=churn),
                     Row("5", "churn: home list page 1", b, "/portal/",
                         "/static/list-1.html", [COOKIE], 0.8, churn=churn),
                     Row("5", f"churn: home list page {deep:,}", b, f"/portal/?page={deep}",
                         f"/static/list-{deep}.html", [COOKIE], 0.8, churn=churn)]
        for row in rows:
            results.append(ab_row(row, a, kind))
        if churn:
            extra["churn_rewrites"] = churn.count
    finally:
        if churn:
            churn.stop()
        b.stop()
    extra["big_server_problems" if kind == "httpd" else f"big_{kind}_problems"] = b.problems()


# ---- goal 6: cold start ----------------------------------------------------------

def first_article(content):
    """The page of one article of a content dir (its first file by name)."""
    f = min(p for p in Path(content).rglob("*.xml") if "images" not in p.parts)
    return "/portal/article/" + str(f.relative_to(content))[:-len(".xml")]


def cold_start(n, content, templates, module, tmp, runs, kind="httpd"):
    """A first start has an empty runtime dir (no state dir, no search
    index: a new install); `runs` of them are measured, the last one
    followed by the search index's build; then `runs` restarts keep the
    runtime dir.  httpd: `apache2 -k start` to the first home page; nginx:
    `nginx` (the master loads, then forks) to the first article page."""
    res = {"articles": n, "start_s": [], "first_starts_s": [], "server": kind}
    server = make_server(kind, tmp / f"cold-{kind}-{n}", content, templates, module)
    ready = "/portal/" if kind == "httpd" else first_article(content)
    res["ready_path"] = ready
    try:
        for i in range(1 - runs, runs + 1):
            if i <= 0:
                shutil.rmtree(server.root / "run", ignore_errors=True)
                (server.root / "run").mkdir()
            t = server.start(ready_path=ready)
            if i < 0:
                res["first_starts_s"].append(t)
                server.stop()
                log(f"  {n} articles, first start (empty state dir): first page after {t:.2f} s")
                continue
            if i == 0:
                res["first_starts_s"].append(t)
                res["first_start_s"] = statistics.median(res["first_starts_s"])
                # let the search index catch up, as it would before a restart
                res["search_index_catch_up_s"] = server.wait_search_index()
                server.stop()
                log(f"  {n} articles, first start (empty state dir): first page after {t:.2f} s")
                continue
            res["start_s"].append(t)
            time.sleep(1.0)  # let every child finish its catch-up before measuring
            rss, pss = scale.memory(server.pids())
            res["rss_mib"], res["pss_mib"] = rss, pss
            res["processes"] = len(server.pids())
            server.stop()
            log(f"  {n} articles, restart: first page after {t:.2f} s; RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")
    finally:
        server.stop()
    res["start_median_s"] = statistics.median(res["start_s"])
    res["problems"] = server.problems()
    return res


def cold_rows(n, c, kind):
    """The result rows of one cold_start."""
    limit = {10000: 0.7, 100000: 3.0}.get(n)
    t = c["start_median_s"]
    f = c["first_start_s"]
    rows = [{"goal": "6", "server": kind,
             "what": f"start to first page, {n:,} articles, restart (median of {len(c['start_s'])})",
             "module": f"{t:.2f} s", "static": "",
             "ratio": f"max {max(c['start_s']):.2f} s" + (f" (goal ≤ {limit} s)" if limit else ""),
             "result": ("PASS" if t <= limit else "FAIL") if limit else "info"}]
    cu = c.get("search_index_catch_up_s")
    rows.append({"goal": "6", "server": kind,
                 "what": f"start to first page, {n:,} articles, first start "
                         f"(empty state dir, median of {len(c['first_starts_s'])})",
                 "module": f"{f:.2f} s", "static": "",
                 "ratio": f"max {max(c['first_starts_s']):.2f} s; "
                 + (f"search index in step {cu:.1f} s later" if cu is not None else "")
                 + (f" (goal ≤ {limit} s)" if limit else ""),
                 "result": ("PASS" if f <= limit else "FAIL") if limit else "info"})
    rows.append({"goal": "6", "server": kind,
                 "what": f"memory, {n:,} articles, {c['processes']} {kind} processes",
                 "module": f"RSS {c['rss_mib']:.0f} MiB", "static": f"PSS {c['pss_mib']:.0f} MiB",
                 "ratio": f"{c['pss_mib'] * 1024 / n:.2f} KiB PSS/article", "result": "info"})
    return rows


# ---- goal 7: micro-benchmark and callgrind ------------------------------------------

def micro(a):
    build = Path(a.build)
    p = subprocess.run(["make", "-s", "-C", str(HERE), f"BUILD={build}", f"TOP={a.src}"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("make -C bench failed:\n" + p.stdout + p.stderr)
    page = Path(a.tmp) / "micro-page.html"
    p = subprocess.run([str(build / "bench" / "micro"), "-j", "-n", str(a.micro_n), "-s", str(a.src),
                        "-o", str(page)], capture_output=True, text=True, check=True, timeout=600)
    res = json.loads(p.stdout)
    res["page_sha256"] = hashlib.sha256(page.read_bytes()).hexdigest()
    return res


def callgrind(a, tmp, n):
    """Instructions per request: apache2 -X under callgrind, three runs (no
    requests, n article requests, n static-file requests); per request =
    (run - no-request run) / n."""
    if not shutil.which("valgrind"):
        raise RuntimeError("valgrind is not installed")
    site = tmp / "cg-site"
    if not site.exists():
        shutil.copytree(a.src / "content", site / "content")
        shutil.copytree(a.src / "templates", site / "templates")
    out = {}
    for kind in ("none", "module", "static"):
        root = tmp / f"cg-{kind}"
        h = Httpd(root, site / "content", site / "templates", a.module, procs=1, threads=4)
        h.conf.write_text(h.conf_text())
        cgdir = root / "callgrind"
        cgdir.mkdir(exist_ok=True)
        os.chmod(cgdir, 0o1777)  # the one process drops to User nobody before it writes
        open_to_all(root)
        open_to_all(site)
        outfile = cgdir / "callgrind.out"
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={outfile}",
                                 APACHE, "-X", "-f", str(h.conf)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            t0 = time.time()
            while True:
                try:
                    if h.session.get(h.base + "/static/ping.html", timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if proc.poll() is not None or time.time() - t0 > 120:
                    raise RuntimeError("httpd under callgrind did not start: "
                                       + (proc.stderr.read().decode()[-2000:] if proc.poll() is not None else ""))
                time.sleep(0.2)
            # callgrind made its output file as root at startup; the process
            # writes it at exit, after dropping to User nobody.
            if outfile.exists():
                os.chmod(outfile, 0o666)
            if kind == "static":
                (h.htdocs / "static" / "article.html").write_bytes(out["_page"])
                open_to_all(h.htdocs)
            path = {"none": None, "module": ARTICLE, "static": "/static/article.html"}[kind]
            if path:
                for i in range(n):
                    r = h.get(path, [COOKIE])
                    if r.status_code != 200:
                        raise RuntimeError(f"callgrind {kind}: {path} -> {r.status_code}")
                if kind == "module":
                    out["_page"] = r.content
            h.session.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(180)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        text = outfile.read_text(errors="replace") if outfile.exists() else ""
        m = re.search(r"^summary:\s*(\d+)", text, re.M) or re.search(r"^totals:\s*(\d+)", text, re.M)
        if not m:
            raise RuntimeError(f"no callgrind totals in {outfile}")
        out[kind] = int(m.group(1))
        if shutil.which("callgrind_annotate"):
            OUT.mkdir(exist_ok=True)
            ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                                  str(outfile)], capture_output=True, text=True)
            (OUT / f"callgrind-{kind}.txt").write_text(ann.stdout)
            incl = {}
            for line in ann.stdout.splitlines():
                m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+\S*?:([\w.@']+)\s", line)
                if m and m.group(2) not in incl:
                    incl[m.group(2)] = int(m.group(1).replace(",", ""))
            out[f"{kind}_inclusive"] = incl
        log(f"  callgrind {kind}: {out[kind]:,} Ir")
    out.pop("_page", None)
    out["requests"] = n
    out["module_per_request"] = (out["module"] - out["none"]) / n
    out["static_per_request"] = (out["static"] - out["none"]) / n
    # Inclusive instructions per request of the functions a request goes
    # through, minus what the no-request run spent in them (at startup).
    fns = ["ap_process_async_request", "ap_read_request", "ap_process_request_internal",
           "ap_run_translate_name", "ap_run_map_to_storage", "ap_directory_walk", "ap_location_walk",
           "ap_run_fixups", "ap_run_type_checker", "ap_invoke_handler", "bantin_handler",
           "bantin_render_article", "bantin_store_refresh", "bantin_snapshot_get",
           "bantin_fontsize_from_cookie", "default_handler", "ap_pass_brigade",
           "ap_http_header_filter", "ap_core_output_filter", "apr_socket_sendv", "writev",
           "ap_process_request_after_handler", "apr_pool_destroy", "ap_run_log_transaction",
           "handle_article", "bantin_cache_get", "send_rendered_as", "send_body",
           "ap_meets_conditions", "bantin_view_hash", "bantin_theme_hash", "hash_articles",
           "bantin_hash_str", "bantin_hash64", "apr_psprintf", "__memcpy_avx_unaligned_erms",
           "bantin_render_article_ex", "bantin_gzip"]
    mi, si, ni = (out.get(f"{k}_inclusive", {}) for k in ("module", "static", "none"))
    out["per_request_inclusive"] = {f: (max(0, mi.get(f, 0) - ni.get(f, 0)) / n,
                                        max(0, si.get(f, 0) - ni.get(f, 0)) / n)
                                    for f in fns if f in mi or f in si}
    lines = [f"# instructions per request (inclusive), callgrind, apache2 -X, {n} requests",
             f"# total per request (run minus a no-request run): module "
             f"{out['module_per_request']:,.0f}, static {out['static_per_request']:,.0f}",
             f"{'function':36s} {'module':>10s} {'static':>10s}"]
    for f, (mv, sv) in out["per_request_inclusive"].items():
        lines.append(f"{f:36s} {mv:10,.0f} {sv:10,.0f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "callgrind-summary.txt").write_text("\n".join(lines) + "\n")
    for k in ("module", "static", "none"):
        out.pop(f"{k}_inclusive", None)
    return out


# ---- plot: req/s vs connections ---------------------------------------------------------

def plot_connections(a, tmp, site, servers):
    """Requests/s of the seed article page against wrk's connections: the
    httpd module and httpd's static file (one httpd), the nginx module and
    nginx's static file (one nginx), each side's copy saved as in goal 1."""
    if not shutil.which("gnuplot") or not Path(NGINX).exists():
        raise RuntimeError("--plot needs nginx and gnuplot: run bench/deps.sh")
    h = make_server("httpd", tmp / "plot-httpd", site / "content", site / "templates",
                    a.module_of["httpd"], a)
    ng = make_server("nginx", tmp / "plot-nginx", site / "content", site / "templates",
                     a.module_of["nginx"], a)
    servers += [h, ng]
    rows = []
    try:
        h.start()
        ng.start()
        # (the same page but for the site's port in its links)
        size = len(h.save_static("article.html", ARTICLE))
        nsize = len(ng.save_static("article.html", ARTICLE))
        ng.publish()
        lines = (("httpd module", h.base + ARTICLE, size),
                 ("httpd static", h.base + "/static/article.html", size),
                 ("nginx static", ng.base + "/static/article.html", nsize),
                 ("nginx module", ng.base + ARTICLE, nsize))
        for c in a.plot_conns:
            t = max(1, min(a.threads, c))
            vals = []
            for name, url, size in lines:
                if a.warmup:
                    chk = wrk(url, a.warmup, c, t, [COOKIE], STATUS_LUA)
                    if set(chk["statuses"]) != {"200"} or set(chk["lengths"]) != {str(size)}:
                        raise RuntimeError(f"{name}: statuses {chk['statuses']}, lengths {chk['lengths']}")
                r = wrk(url, a.plot_duration, c, t, [COOKIE])
                vals.append(r["rps"])
                log(f"  {c:4d} connections  {name:13s} {r['rps']:9.0f} req/s  p99 {r['p99_us'] / 1000:.2f} ms")
            rows.append((c, *vals))
    finally:
        h.stop()
        ng.stop()
    OUT.mkdir(exist_ok=True)
    dat = OUT / "conns.dat"
    with open(dat, "w") as f:
        f.write("# requests/s of the seed article page (%d bytes) vs wrk connections, %s\n"
                % (size, datetime.date.today().isoformat()))
        f.write("# connections httpd_module httpd_static nginx_static nginx_module\n")
        for r in rows:
            f.write("%d %.0f %.0f %.0f %.0f\n" % r)
    png = HERE / "conns.png" if OUT == DEFAULT_OUT else OUT / "conns.png"
    script = f"""
set terminal pngcairo size 800,460 font "sans,10" noenhanced
set output "{png}"
set title "Seed article page (~{size // 1024} KiB), requests/s vs connections\\n" . \
          "wrk -t2 on the same {os.cpu_count()}-core machine, 127.0.0.1, {datetime.date.today().isoformat()}"
set xlabel "connections (wrk -c)"
set ylabel "requests/s"
set logscale x 2
set xrange [0.8:330]
set xtics ("1" 1, "8" 8, "64" 64, "256" 256)
set format y "%.0s%c"
set grid
set key top left
set yrange [0:*]
plot "{dat}" using 1:2 with linespoints lw 2 pt 7 title "mod_bantin in httpd 2.4 event (Cookie: bantin_fs=4)", \\
     "" using 1:3 with linespoints lw 2 pt 5 title "httpd 2.4 event, same bytes as a static file", \\
     "" using 1:4 with linespoints lw 2 pt 9 title "nginx 1.22, same bytes as a static file", \\
     "" using 1:5 with linespoints lw 2 pt 11 title "ngx_http_bantin_module in nginx 1.22"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return {"conns": rows, "dat": str(dat), "png": str(png),
            "nginx_static_header_differences": ng.header_notes}


# ---- profile -----------------------------------------------------------------------------

def dso_class(dso):
    d = os.path.basename(dso.strip("()"))
    if d.startswith("[kernel") or d.startswith("[vdso") or d == "[unknown]":
        return "kernel" if d.startswith("[kernel") else "other"
    if d in ("mod_bantin.so", "ngx_http_bantin_module.so"):
        return "mod_bantin (our code)"
    if d == "nginx":
        return "nginx core + modules"
    if d.startswith("libxml2"):
        return "libxml2"
    if d == "apache2" or (d.startswith("mod_") and d.endswith(".so")):
        return "httpd core + modules"
    if d.startswith("libapr"):
        return "APR / APR-util"
    if d.startswith("libc.so") or d.startswith("ld-linux"):
        return "libc"
    return "other: " + d


def perf_summary(data, pids):
    """Leaf-sample shares from `perf script`: by process, and for the
    benchmark's httpd (its pids: other httpds on the machine are not
    counted) by code class (ours, httpd, APR, libc, kernel) and by symbol."""
    p = subprocess.run(["perf", "script", "-i", str(data), "-F", "comm,pid,ip,sym,dso"],
                       capture_output=True, text=True)
    by_comm, by_class, by_sym = {}, {}, {}
    total = httpd = 0
    pids = set(pids)
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\S.*?)\s+(\d+)\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if not m:
            continue
        comm, pid, sym, dso = m.groups()
        total += 1
        mine = int(pid) in pids
        if comm in ("apache2", "nginx") and not mine:
            comm = f"{comm} (other servers)"
        by_comm[comm] = by_comm.get(comm, 0) + 1
        if not mine:
            continue
        httpd += 1
        cls = dso_class(dso)
        by_class[cls] = by_class.get(cls, 0) + 1
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        key = f"{sym} [{os.path.basename(dso)}]"
        by_sym[key] = by_sym.get(key, 0) + 1

    def pct(d, n, k):
        return [(name, 100.0 * c / n) for name, c in sorted(d.items(), key=lambda x: -x[1])[:k]] if n else []
    return {"samples": total, "httpd_samples": httpd,
            "by_comm": pct(by_comm, total, 8),
            "httpd_by_class": pct(by_class, httpd, 12),
            "httpd_top_symbols": pct(by_sym, httpd, 30)}


def profile(a, server, kind="httpd"):
    """perf record (cpu-clock sampling, whole machine, leaf only: Debian's
    httpd, nginx, APR and libc have no frame pointers, so call chains would
    be wrong; callgrind gives the inclusive costs) while wrk loads the
    article page, then the static file.  Written to
    profile-nginx-module.txt, profile-nginx-static.txt, and for httpd
    profile-module.txt and profile-static.txt."""
    if not shutil.which("perf"):
        raise RuntimeError("perf is not installed (Debian: linux-perf)")
    OUT.mkdir(exist_ok=True)
    res = {}
    hw = subprocess.run(["perf", "stat", "-x,", "-e", "instructions", "true"],
                        capture_output=True, text=True)
    res["hardware_counters"] = "not supported" not in hw.stderr and hw.returncode == 0
    for side, path in (("module", ARTICLE), ("static", "/static/article.html")):
        data = Path(a.tmp) / f"perf-{kind}-{side}.data"
        rec = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "999", "-a",
                                "-o", str(data), "--", "sleep", str(a.profile_seconds)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)
        r = wrk(server.base + path, max(1, a.profile_seconds - 1), a.connections, a.threads, [COOKIE])
        rec.wait(a.profile_seconds + 60)
        summ = perf_summary(data, server.pids())
        summ["rps"] = r["rps"]
        lines = [f"# perf record -e cpu-clock -F 999 -a; wrk -t{a.threads} -c{a.connections} "
                 f"{path} (Cookie: bantin_fs=4): {r['rps']:.0f} req/s",
                 f"# {summ['samples']} samples, {summ['httpd_samples']} in this benchmark's {kind}", "",
                 "## share of all samples, by process"]
        lines += [f"{v:6.2f}%  {k}" for k, v in summ["by_comm"]]
        lines += ["", f"## the benchmark {kind}'s samples, by code (leaf function's object)"]
        lines += [f"{v:6.2f}%  {k}" for k, v in summ["httpd_by_class"]]
        lines += ["", f"## the benchmark {kind}'s samples, top leaf symbols"]
        lines += [f"{v:6.2f}%  {k}" for k, v in summ["httpd_top_symbols"]]
        name = f"profile-{side}.txt" if kind == "httpd" else f"profile-{kind}-{side}.txt"
        (OUT / name).write_text("\n".join(lines) + "\n")
        res[side] = summ
        log(f"  profile {kind} {side}: {r['rps']:.0f} req/s -> {OUT / name}")
        data.unlink(missing_ok=True)
    return res


# ---- machine, table ---------------------------------------------------------------------

def machine(a):
    def cmd(*c, any_status=False):
        try:
            p = subprocess.run(c, capture_output=True, text=True, timeout=20)
            return (p.stdout + p.stderr).strip() if p.returncode == 0 or any_status else None
        except (OSError, subprocess.TimeoutExpired):
            return None
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    httpd = cmd(APACHE, "-v") or ""
    m = re.search(r"Server version:\s*(.*)", httpd)
    nginx = cmd(NGINX, "-v") if Path(NGINX).exists() else None
    out = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(), "cpu": cpu, "kernel": os.uname().release,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "httpd": m.group(1) if m else httpd,
        "nginx": nginx.replace("nginx version: ", "") if nginx else None,
        "wrk": (cmd("wrk", "-v", any_status=True) or "?").splitlines()[0] if shutil.which("wrk") else None,
        "commit": cmd("git", "-C", str(a.src), "log", "-1", "--oneline"),
        "dirty": cmd("git", "-C", str(a.src), "status", "--porcelain", "--", "mod_bantin", "templates",
                     "Makefile"),
        "loadavg_before": Path("/proc/loadavg").read_text().split()[:3],
        "settings": {k: getattr(a, k) for k in ("duration", "warmup", "pairs", "connections",
                                                "threads", "articles", "quick", "server")},
    }
    for key, so in (("module", Path(a.module)), ("nginx_module", Path(a.nginx_module))):
        if so.exists():
            out[key] = str(so)
            out[f"{key}_sha256"] = hashlib.sha256(so.read_bytes()).hexdigest()[:16]
            out[f"{key}_mtime"] = datetime.datetime.fromtimestamp(so.stat().st_mtime) \
                .astimezone().isoformat(timespec="seconds")
    return out


def fmt_rps(x):
    return f"{x:,.0f}" if isinstance(x, (int, float)) else (x or "")


def table(results):
    hdr = ["goal", "server", "what", "module", "static", "ratio", "p99 module", "p99 static", "result"]
    rows = []
    for r in results:
        if r.get("kind") == "ab":
            rows.append([r["goal"], r.get("server", ""), r["what"], fmt_rps(r["module_rps"]),
                         fmt_rps(r["static_rps"]),
                         f"{r['ratio']:.2f}x" + (f" (≥ {r['threshold']}x)" if r["threshold"] is not None else ""),
                         f"{r['module_p99_ms']:.2f} ms", f"{r['static_p99_ms']:.2f} ms",
                         ("FAIL" if not r["pass"] else "PASS" if r["threshold"] is not None else "info")
                         + ("" if not r["notes"] else " *")])
        else:
            rows.append([r["goal"], r.get("server", ""), r["what"], r.get("module", ""), r.get("static", ""),
                         r.get("ratio", ""), r.get("p99m", ""), r.get("p99s", ""), r.get("result", "")])
    widths = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    lines = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(hdr, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for x in rows:
        lines.append("| " + " | ".join(str(v).ljust(w) for v, w in zip(x, widths)) + " |")
    notes = []
    for r in results:
        for n in r.get("notes", []):
            notes.append(f"* goal {r['goal']} ({r.get('server', '')}: {r['what']}): {n}")
    return "\n".join(lines) + ("\n\n" + "\n".join(notes) if notes else "") + "\n"


# ---- main ------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 2)[2])
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 1 s runs, one warm-up per side, 10,000 articles, no callgrind")
    ap.add_argument("--goals", default="1,2,3,4,5,6,7", help="comma-separated goals (default: all)")
    ap.add_argument("--duration", type=int, help="seconds per measured wrk run (default 10)")
    ap.add_argument("--warmup", type=int, help="seconds of warm-up before each run (default 2; 0: none)")
    ap.add_argument("--pairs", type=int, help="A/B pairs per comparison (default 3)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--articles", type=int, help="generated articles for goals 2, 5, 6 (default 100000)")
    ap.add_argument("--deep-page", type=int, default=5000, help="the deep list page of goal 2")
    ap.add_argument("--cold-runs", type=int,
                    help="first starts and restarts per size in goal 6 (default 3 of each)")
    ap.add_argument("--micro-n", type=int, help="micro-benchmark iterations (default 20000)")
    ap.add_argument("--callgrind", type=int, metavar="N",
                    help="requests per callgrind run (default 1000; 0 skips; off with --quick)")
    ap.add_argument("--keepalive-requests", type=int,
                    help="httpd MaxKeepAliveRequests (default: httpd's own, 100)")
    ap.add_argument("--plot", action="store_true",
                    help="req/s vs connections for mod_bantin, httpd and nginx: bench/out/conns.dat, "
                         "bench/conns.png (needs bench/deps.sh)")
    ap.add_argument("--plot-conns", default="1,8,64,256")
    ap.add_argument("--plot-duration", type=int, help="seconds per plot point (default 5)")
    ap.add_argument("--profile", action="store_true",
                    help="perf profile of article pages and of the static file (bench/out/profile-*.txt)")
    ap.add_argument("--profile-seconds", type=int, default=12)
    ap.add_argument("--server", choices=("httpd", "nginx", "both"), default="both",
                    help="which module goals 1-4 and 6 measure (default both; goals 5 and 7 "
                         "are httpd's; --plot starts both)")
    ap.add_argument("--module", help="mod_bantin.so to measure (default: build/mod_bantin.so)")
    ap.add_argument("--nginx-module",
                    help="ngx_http_bantin_module.so to measure (default: build/ngx_http_bantin_module.so)")
    ap.add_argument("--src", default=str(REPO),
                    help="checkout whose module, library, content and templates are measured")
    ap.add_argument("--wait-idle", type=int, default=0, metavar="SECONDS",
                    help="wait up to this long for other processes to use < 10%% of the CPU")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    ap.add_argument("--out", help="results file prefix; the other outputs go to its directory "
                                  "(default bench/out/results, with --quick bench/out/quick/results)")
    a = ap.parse_args(argv)
    q = a.quick
    a.duration = a.duration or (1 if q else 10)
    a.warmup = a.warmup if a.warmup is not None else (1 if q else 2)
    a.pairs = a.pairs or 3
    a.articles = a.articles or (10000 if q else 100000)
    a.cold_runs = a.cold_runs or (1 if q else 3)
    a.micro_n = a.micro_n or (2000 if q else 20000)
    a.plot_duration = a.plot_duration or (1 if q else 5)
    if a.callgrind is None:
        a.callgrind = 0 if q else 1000
    a.src = Path(a.src).resolve()
    a.build = a.src / "build"
    a.module = Path(a.module).resolve() if a.module else a.build / "mod_bantin.so"
    a.nginx_module = (Path(a.nginx_module).resolve() if a.nginx_module
                      else a.build / "ngx_http_bantin_module.so")
    a.servers = ["httpd", "nginx"] if a.server == "both" else [a.server]
    a.goals = {g.strip() for g in a.goals.split(",") if g.strip()}
    a.plot_conns = [int(c) for c in a.plot_conns.split(",")]
    return a


def main(argv=None):
    global OUT
    a = parse_args(argv if argv is not None else sys.argv[1:])
    # A quick or redirected run must not overwrite the full run's files
    # (results, plot, profiles, callgrind summaries).
    if a.out:
        OUT = Path(a.out).resolve().parent
    elif a.quick:
        OUT = DEFAULT_OUT / "quick"
    OUT.mkdir(parents=True, exist_ok=True)
    # A plain `kill` must still stop the servers and remove the temporary dir.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    needs = (["httpd"] if "httpd" in a.servers or a.plot else []) \
        + (["nginx"] if "nginx" in a.servers or a.plot else [])
    for kind in needs:
        m = a.module if kind == "httpd" else a.nginx_module
        if not m.exists():
            sys.exit(f"run.py: {m} is missing: run `make` first")
    if "nginx" in needs and not Path(NGINX).exists():
        sys.exit(f"run.py: {NGINX} is missing: run bench/deps.sh first (as root)")
    if not shutil.which("wrk"):
        sys.exit("run.py: wrk is missing (`make bench` installs it; Debian package wrk)")
    if a.plot and not (shutil.which("gnuplot") and Path(NGINX).exists()):
        sys.exit("run.py: --plot needs nginx and gnuplot: run bench/deps.sh first (as root)")
    if a.profile and not shutil.which("perf"):
        sys.exit("run.py: --profile needs perf: run bench/deps.sh --profile first (as root)")
    t_start = time.time()
    busy = machine_busy(1.0)
    said = 0
    while a.wait_idle and busy > 0.1 and time.time() - t_start < a.wait_idle:
        if time.time() - said >= 60:
            log(f"waiting for a quiet machine: others use {100 * busy:.0f}% of the CPU")
            said = time.time()
        busy = machine_busy(5.0)
    if busy > 0.1:
        log(f"warning: other processes use {100 * busy:.0f}% of the CPU: results will be noisy")
    tmp = Path(tempfile.mkdtemp(prefix="bantin-bench-"))
    a.tmp = str(tmp)
    info = machine(a)
    # Measure a private copy: a rebuild during the run (make overwrites the
    # .so in place) must neither crash the running httpd nor change what a
    # later server of this run loads.
    a.module_of = {}
    for kind in needs:
        m = a.module if kind == "httpd" else a.nginx_module
        shutil.copy2(m, tmp / m.name)
        a.module_of[kind] = tmp / m.name
    a.module = a.module_of.get("httpd", a.module)
    info["busy_before"] = round(busy, 3)
    log(f"mod_bantin benchmark: {info['commit']}{' (+ uncommitted changes)' if info['dirty'] else ''}; "
        f"{info['nproc']} x {info['cpu']}; {info['httpd']}")
    results, extra = [], {}
    servers = []
    churn = None
    try:
        # ---- goal 7: core micro-benchmark, no httpd
        if "7" in a.goals:
            log("goal 7: core micro-benchmark")
            m = micro(a)
            extra["micro"] = m
            for key, label in (("parse", "micro: parse + validate"), ("render", "micro: render article"),
                               ("parse_render", "micro: parse + render"),
                               ("list", "micro: render home list"),
                               ("gzip", "micro: gzip the article page"),
                               ("hit_gz", "micro: page cache hit (+ gzip copy)"),
                               ("hit", "micro: page cache hit (page only)")):
                if key not in m:
                    continue
                x = m[key]
                results.append({"goal": "7", "what": label, "module": f"{x['ns'] / 1000:.2f} µs/page",
                                "static": "", "ratio": f"{x['mallocs']:.0f} mallocs, {x['pallocs']:.0f} pallocs "
                                                       f"({x['palloc_bytes'] / 1024:.1f} KiB)",
                                "result": "info"})

        site = tmp / "site"
        shutil.copytree(a.src / "content", site / "content")
        shutil.copytree(a.src / "templates", site / "templates")
        templates = site / "templates"

        # ---- goals 1, 3, 4 (+ profile): the seed content, on each server
        if a.goals & {"1", "3", "4"} or a.profile:
            for kind in a.servers:
                seed_goals(a, kind, tmp, site, results, extra, servers)
        if a.plot:
            log("plot: requests/s vs connections")
            extra["plot"] = plot_connections(a, tmp, site, servers)

        # ---- goal 7: callgrind
        if "7" in a.goals and a.callgrind and "httpd" in a.servers:
            log(f"goal 7: callgrind, {a.callgrind} requests per run")
            try:
                cg = callgrind(a, tmp, a.callgrind)
                extra["callgrind"] = cg
                results.append({"goal": "7", "what": "callgrind: instructions per request (apache2 -X)",
                                "server": "httpd",
                                "module": f"{cg['module_per_request']:,.0f} Ir",
                                "static": f"{cg['static_per_request']:,.0f} Ir",
                                "ratio": f"{cg['module_per_request'] / cg['static_per_request']:.2f}x, "
                                         f"+{cg['module_per_request'] - cg['static_per_request']:,.0f} Ir",
                                "result": "info"})
            except (RuntimeError, OSError) as e:
                log(f"callgrind skipped: {e}")
                results.append({"goal": "7", "what": "callgrind", "result": f"skipped: {e}"[:80]})

        # ---- goal 6: cold start
        if "6" in a.goals:
            sizes = sorted({10000, a.articles}) if a.articles >= 10000 else [a.articles]
            for kind in a.servers:
                log(f"goal 6: cold start ({kind})")
                for n in sizes:
                    src = scale.content_dir(n)
                    c = cold_start(n, src, templates, a.module_of[kind], tmp, a.cold_runs, kind)
                    extra[f"cold_{n}" if kind == "httpd" else f"cold_{kind}_{n}"] = c
                    results += cold_rows(n, c, kind)

        # ---- goals 2, 5: the generated content
        if a.goals & {"2", "5"}:
            n = a.articles
            src = scale.content_dir(n)
            big = tmp / f"content-{n}"
            log(f"goals 2/5: {n:,} articles (hard-linked copy of {src})")
            subprocess.run(["cp", "-al", str(src), str(big)], check=True)
            (big / ".done").unlink(missing_ok=True)
            # The seed article (for the article page under churn) and its images.
            (big / "2024").mkdir(exist_ok=True)
            shutil.copy(a.src / "content" / f"{SEED_SLUG}.xml", big / f"{SEED_SLUG}.xml")
            shutil.copytree(a.src / "content" / "images", big / "images", dirs_exist_ok=True)
            # Files the churn rewrites get their own inode, so that the cache stays as generated.
            rng = random.Random(11)
            files = sorted(p for p in big.rglob("bai-*.xml"))
            chosen = rng.sample(files, min(300, len(files)))
            for f in chosen:
                data = f.read_bytes()
                f.unlink()
                f.write_bytes(data)
            for kind in a.servers:
                if kind == "nginx" and "2" not in a.goals:
                    continue  # goal 5 (churn) is httpd's only
                big_goals(a, kind, tmp, big, templates, chosen, results, extra, servers)
    finally:
        if churn:
            churn.stop()
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                log(f"stopping {s.root}: {e}")
        shutil.rmtree(tmp, ignore_errors=True)

    order = {g: i for i, g in enumerate("1234567")}
    results.sort(key=lambda r: order.get(r["goal"], 9))
    text = table(results)
    took = time.time() - t_start
    info["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    head = (f"mod_bantin {info['commit']}{' + uncommitted changes' if info['dirty'] else ''}, "
            f"{info['date']}, {info['nproc']} x {info['cpu']}, kernel {info['kernel']}, "
            f"{info['httpd']}, {info['nginx']}, wrk -t{a.threads} -c{a.connections} -d{a.duration}s "
            f"(warm-up {a.warmup} s), {a.pairs} A/B pairs; others used {100 * busy:.0f}% of the CPU "
            f"before the start; load average {' '.join(info['loadavg_before'])} before, "
            f"{' '.join(info['loadavg_after'])} after; took {took:.0f} s\n\n")
    for k in ("nginx_static_header_differences", "nginx_static_header_differences_big"):
        for name, notes in sorted(extra.get(k, {}).items()):
            text += "".join(f"* nginx static/{name} vs the module: {n}\n" for n in notes)
    print()
    print(head + text)
    for k in sorted(k for k in extra if k.endswith("_problems")):
        if extra.get(k):
            print(f"error log ({k}):\n  " + "\n  ".join(extra[k][:10]))
    OUT.mkdir(exist_ok=True)
    prefix = Path(a.out) if a.out else OUT / "results"
    Path(str(prefix) + ".md").write_text(head + text)
    Path(str(prefix) + ".json").write_text(json.dumps(
        {"machine": info, "results": results, "extra": extra, "seconds": took},
        indent=1, ensure_ascii=False, default=str))
    print(f"written: {prefix}.md, {prefix}.json")
    failed = [r for r in results if r.get("result") == "FAIL" or r.get("pass") is False]
    return 1 if failed and a.strict else 0


if __name__ == "__main__":
    sys.exit(main())
