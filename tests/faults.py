#!/usr/bin/python3
"""Load with faults: mod_bantin under wrk while its content is vandalised.

    /usr/bin/python3 tests/faults.py [--server httpd|nginx] [--seconds 36]
                                     [--connections 200]

(`make faults` runs it for httpd, then for nginx; not part of the fast
suite.)  A real httpd (event MPM, the integration harness's BantinHttpd)
or nginx (BantinNginx, with build/ngx_http_bantin_module.so) serves copies
of content/ and templates/ plus a few "churn" articles.  wrk
(tests/faults/wrk_status.lua) sends a mix of requests -- home and list
pages, articles (stable and churning), blocks, the print view, media, the
stylesheet, font-size POSTs and GETs, a 404 -- on 200 connections, in
three phases of --seconds/3 each:

  1. load while a thread rewrites, corrupts (truncated, binary, DOCTYPE,
     5 MB, a symlink), deletes and restores the churn articles;
  2. the same, with `apache2 -k graceful` a second into the phase (nginx:
     `nginx -s reload` with a changed setting, BantinPageSize 10 -> 4, and
     the home page polled until it shows 4 articles; then, halfway, a
     reload with a broken config -- a template typo -- that the master
     must refuse, logging the emerg, while the old workers serve on);
  3. the same again, after the graceful restart (the reloads).

It fails (exit 1) on: any answer >= 500; any connect error or time-out;
read/write errors (connections closed under a request) above 1 in 1,000
requests in phases 1 and 3 -- httpd's event MPM resets a few under this
load whatever it serves, a static file as well: --no-vandal --no-graceful
shows that baseline, 0 to 4 in 10,000 on the project's loaded 2-core
machine -- or above 2% in phase 2, where the old generation closes its
keep-alive connections as it finishes; a child that crashed
("exit signal", "Segmentation", AH00052 in the error log); or a final state
that is wrong -- once the vandal stops and restores every churn article with
its final title, each must be served with that title (and the broken-file
problems must be gone from what is served).

nginx (--server nginx), the same criteria: zero answers >= 500, no
connect error or time-out, no worker crash ("exited on signal", an "open
socket ... left" alert, any [alert]), the final state right, and the page
size the good reload set still in force after the refused one.  The
read/write bounds, measured: nginx closes no keep-alive connection under
this load (keepalive_requests is unbounded), so phases 1 and 3 allow none
(0 in every phase of three runs, 0.46 to 1.04 million requests a phase,
with the vandal and without: --no-vandal --no-graceful); a reload makes
the old workers close each keep-alive connection once, after its last
answer, which wrk counts as a read error when its next request is already
sent: phase 2 allows one per connection (200 with 200 connections in both
runs with the reloads, among 0.47 and 0.97 million requests).

Sends traffic to 127.0.0.1 only; bounded in time; stops by itself.
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "integration"))

from bantin_httpd import (APACHE_BIN, REPO, BantinHttpd, Portal, article_xml,  # noqa: E402
                          module_path, open_to_all, parse_html)
from bantin_nginx import NGINX_BIN, BantinNginx, nginx_module_path  # noqa: E402

CHURN = [f"churn/bai-{i}" for i in range(8)]
# Enough threads for every connection, and no process stopped for being
# idle: the event MPM closes keep-alive connections when a process is over
# its connection limit, which wrk counts as read errors -- that would be
# httpd's capacity management, not a fault of the module.
MPM_CONF = """StartServers 4
ServerLimit 8
ThreadsPerChild 64
MaxRequestWorkers 512
MinSpareThreads 256
MaxSpareThreads 512
AsyncRequestWorkerFactor 32
MaxKeepAliveRequests 0
KeepAliveTimeout 15
"""
FATAL = re.compile(r"Segmentation fault|exit signal|AH00052|AddressSanitizer|runtime error")
# nginx: a worker that crashed, a connection a worker left open as it exited
# (the module's), any alert.
NGINX_FATAL = re.compile(r"exited on signal|Segmentation fault|open socket .* left|\[alert\]|"
                         r"AddressSanitizer|runtime error")
# httpd's keep-alive settings above, in the form BantinNginx translates.
NGINX_KEEPALIVE = "MaxKeepAliveRequests 0\nKeepAliveTimeout 15\n"
# The setting the nginx reload changes (the default is 10, the content has
# 12 articles besides the churning ones: the home page shows the change),
# and the one the refused reload would have set.
RELOAD_PAGE_SIZE = 4
REFUSED_PAGE_SIZE = 5


def final_title(slug):
    return f"Bài cuối cùng {slug.rsplit('-', 1)[1]} — đã khôi phục"


class Vandal(threading.Thread):
    """Rewrites, corrupts, deletes and restores the churn articles until stopped."""

    def __init__(self, content, outside, seed=1):
        super().__init__(daemon=True)
        self.content = content
        self.outside = outside
        self.rng = random.Random(seed)
        self.stop_flag = threading.Event()
        self.ops = {}
        self.version = 0

    def path(self, slug):
        return self.content / f"{slug}.xml"

    def good(self, slug, title=None):
        self.version += 1
        return article_xml(title=title or f"Phiên bản {self.version} của {slug}",
                           date="2024-05-01", summary=f"Tóm tắt {self.version}.",
                           paragraphs=[f"Đoạn {self.version}. " * 20],
                           figure=("images/ho-ba-be.png", "Hồ Ba Bể"))

    def write(self, slug, data, atomic=False):
        p = self.path(slug)
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_symlink():
            p.unlink()
        data = data.encode() if isinstance(data, str) else data
        if atomic:
            tmp = p.parent / f".{p.name}.tmp"
            tmp.write_bytes(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, p)
        else:
            with open(p, "wb") as f:
                f.write(data)
            os.chmod(p, 0o644)

    def op(self, slug):
        kind = self.rng.choice(["rewrite", "rewrite", "atomic", "truncate", "binary", "doctype",
                                "huge", "symlink", "delete", "restore", "half"])
        self.ops[kind] = self.ops.get(kind, 0) + 1
        p = self.path(slug)
        if kind == "rewrite":
            self.write(slug, self.good(slug))
        elif kind in ("atomic", "restore"):
            self.write(slug, self.good(slug), atomic=True)
        elif kind == "truncate":
            self.write(slug, self.good(slug)[: self.rng.randrange(10, 300)])
        elif kind == "binary":
            self.write(slug, bytes(self.rng.getrandbits(8) for _ in range(2048)))
        elif kind == "doctype":
            self.write(slug, '<?xml version="1.0"?>\n<!DOCTYPE article [<!ENTITY x SYSTEM '
                       '"file:///etc/passwd">]>\n<article><title>&x;</title></article>\n')
        elif kind == "huge":
            with open(p, "wb") as f:
                f.truncate(5 * 1024 * 1024)
        elif kind == "symlink":
            if p.exists() or p.is_symlink():
                p.unlink()
            p.symlink_to(self.outside / "ngoai.xml")
        elif kind == "delete":
            if p.exists() or p.is_symlink():
                p.unlink()
        elif kind == "half":
            # a writer caught mid-write: the first half now, the rest later
            data = self.good(slug).encode()
            with open(p, "wb") as f:
                f.write(data[: len(data) // 2])
                f.flush()
                time.sleep(0.05)
                f.write(data[len(data) // 2:])

    def run(self):
        while not self.stop_flag.is_set():
            self.op(self.rng.choice(CHURN))
            time.sleep(self.rng.uniform(0.005, 0.05))

    def restore_all(self):
        for slug in CHURN:
            self.write(slug, self.good(slug, final_title(slug)), atomic=True)


def wrk_requests():
    slugs = ["2024/giup-do-xa-kho-khan", "2023/hoi-nghi-xuc-tien-dau-tu"] + CHURN
    reqs = ["GET /portal/", "GET /portal/?page=2", "GET /portal/static/bantin.css",
            "GET /portal/media/images/ho-ba-be.png", "GET /portal/article/khong-co",
            "POST /portal/fontsize step=up&back=article/2024/giup-do-xa-kho-khan",
            "GET /portal/fontsize?step=down&back=", "GET /portal/block/list?page=1"]
    for s in slugs:
        reqs += [f"GET /portal/article/{s}", f"GET /portal/block/view/{s}",
                 f"GET /portal/print/{s}"]
    return "|".join(reqs)


def run_wrk(url, seconds, connections, lua):
    env = dict(os.environ, WRK_REQUESTS=wrk_requests())
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua),
           url]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 120)
    out = p.stdout + p.stderr
    statuses = {int(c): int(n) for c, n in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)}
    m = re.search(r"^ERRORS connect=(\d+) read=(\d+) write=(\d+) status=(\d+) timeout=(\d+)$",
                  out, re.M)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({p.returncode}):\n{out}")
    errors = dict(zip(("connect", "read", "write", "status", "timeout"), map(int, m.groups())))
    five = int(re.search(r"^FIVEXX (\d+)$", out, re.M).group(1))
    total = int(re.search(r"^REQUESTS (\d+)$", out, re.M).group(1))
    return {"statuses": statuses, "errors": errors, "fivexx": five, "requests": total,
            "raw": out}



def home_items(h):
    """How many articles the home page lists (None: no list), on a
    connection of its own, so that any of the server's processes answers."""
    r = h.get("/portal/", headers={"Connection": "close"})
    ul = parse_html(r.text).find("ul", cls="bantin-list") if r.status_code == 200 else None
    return None if ul is None else len(ul.find_all("li", cls="bantin-item"))


def nginx_cmd(h, *args):
    p = subprocess.run([NGINX_BIN, "-p", str(h.root), "-c", str(h.conf_file), *args],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def poll(pred, seconds):
    """pred() until true, or False once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not pred():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


class NginxReloads:
    """Phase 2 on nginx: `nginx -s reload` with a changed page size, proved
    applied; then, halfway, a reload with a template typo, which the master
    refuses (logging the emerg) while the same workers serve on with the
    settings in force."""

    EMERG = r"\[emerg\].*bantin_template_dir: .*layout\.html:\d+:\d+"

    def __init__(self, h, content, templates, broken_templates, phase_s):
        self.h = h
        self.content, self.templates, self.broken = content, templates, broken_templates
        self.phase_s = phase_s
        self.failures = []
        self.notes = []

    def configure(self, templates, page_size):
        self.h.configure([Portal("/portal", self.content, templates,
                                 directives=["BantinCheckInterval 0.1",
                                             f"BantinPageSize {page_size}"])],
                         extra=NGINX_KEEPALIVE)

    def reload(self):
        rc, out = nginx_cmd(self.h, "-s", "reload")
        if rc != 0:
            self.failures.append(f"nginx -s reload exited {rc}: {out}")
        return rc == 0

    def run(self):
        h, t_start = self.h, time.monotonic()
        time.sleep(1.0)
        before = home_items(h)
        if before == RELOAD_PAGE_SIZE:
            self.failures.append(f"the home page shows {before} articles before the reload: "
                                 "the changed page size would not show")
        self.configure(self.templates, RELOAD_PAGE_SIZE)
        t0 = time.monotonic()
        if self.reload():
            # applied: every new connection gets the new page size
            if poll(lambda: all(home_items(h) == RELOAD_PAGE_SIZE for _ in range(5)), 30):
                self.notes.append(f"reload: page size {before} -> {RELOAD_PAGE_SIZE} "
                                  f"served {time.monotonic() - t0:.1f} s after the signal")
            else:
                self.failures.append(f"the reload's page size {RELOAD_PAGE_SIZE} never served "
                                     f"(home shows {home_items(h)})")
        time.sleep(max(0.0, self.phase_s / 2 - (time.monotonic() - t_start)))

        master, workers = h.pid(), sorted(h._children(h.pid()))
        self.configure(self.broken, REFUSED_PAGE_SIZE)
        refused = self.reload() and poll(lambda: h.find_log(self.EMERG), 30)
        self.configure(self.templates, RELOAD_PAGE_SIZE)  # the config in force, on disk again
        if not refused:
            self.failures.append("the reload with a template typo: no emerg line naming "
                                 "bantin_template_dir and layout.html:LINE:COL")
            return
        self.notes.append("refused reload: " + BantinNginx.message(h.find_log(self.EMERG)[-1]))
        if h.pid() != master or sorted(h._children(master)) != workers:
            self.failures.append(f"the refused reload changed the processes: master {master} "
                                 f"workers {workers} -> {h.pid()} {h._children(master)}")
        shown = [home_items(h) for _ in range(10)]
        if set(shown) != {RELOAD_PAGE_SIZE}:
            self.failures.append(f"after the refused reload the home page shows {shown} "
                                 f"articles, not {RELOAD_PAGE_SIZE}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", choices=("httpd", "nginx"), default="httpd",
                    help="httpd (event MPM) or nginx")
    ap.add_argument("--seconds", type=int, default=36, help="total load time (>= 30)")
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--graceful-error-rate", type=float, default=0.02,
                    help="read/write errors tolerated in the phase with the graceful "
                    "restart, per request (old children close their keep-alive "
                    "connections as they finish)")
    ap.add_argument("--error-rate", type=float, default=None,
                    help="read errors tolerated per request in the other phases: "
                    "httpd's event MPM resets a few keep-alive connections under this "
                    "load whatever it serves (a static file too; see --no-vandal): "
                    "1e-3; nginx closes none: 0")
    ap.add_argument("--keep", action="store_true", help="keep the server root for inspection")
    ap.add_argument("--no-vandal", action="store_true",
                    help="load only, no file changes (a baseline for comparison)")
    ap.add_argument("--no-graceful", action="store_true",
                    help="no graceful restart (nginx: no reload)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("faults.py: wrk is not installed (apt-get install wrk)")
    nginx = args.server == "nginx"
    restart = "reloads" if nginx else "graceful"
    error_rate = args.error_rate if args.error_rate is not None else 0 if nginx else 1e-3
    mod = nginx_module_path() if nginx else module_path()
    if not mod or not mod.exists():
        sys.exit(f"faults.py: {mod} does not exist: run `make` first "
                 f"(or set {'BANTIN_NGINX_MODULE' if nginx else 'BANTIN_MODULE'})")

    root = Path(tempfile.mkdtemp(prefix="bantin-faults-"))
    content, templates, outside = root / "content", root / "templates", root / "outside"
    shutil.copytree(REPO / "content", content)
    shutil.copytree(REPO / "templates", templates)
    outside.mkdir()
    (outside / "ngoai.xml").write_text(article_xml(title="NGOÀI — không được phục vụ",
                                                   date="2024-01-01"), encoding="utf-8")
    vandal = Vandal(content, outside)
    for slug in CHURN:
        vandal.write(slug, vandal.good(slug))
    open_to_all(outside)

    # A copy of the module: `make` rewrites build/mod_bantin.so in place, and
    # a running httpd that has it mapped dies of SIGBUS/SIGSEGV if that
    # happens during the run.
    shutil.copy2(mod, root / mod.name)
    reloads = None
    if nginx:
        # the templates of the refused reload: the same with a typo
        broken = root / "templates-broken"
        shutil.copytree(templates, broken)
        layout = broken / "layout.html"
        layout.write_text(layout.read_text() + "{{#no-such-block}}\n")
        h = BantinNginx(root / "server", module=root / mod.name)
        reloads = NginxReloads(h, content, templates, broken, max(10, args.seconds // 3))
        h.configure([Portal("/portal", content, templates,
                            directives=["BantinCheckInterval 0.1"])], extra=NGINX_KEEPALIVE)
    else:
        h = BantinHttpd(root / "server", mpm="event", module=root / mod.name)
        h.configure([Portal("/portal", content, templates,
                            directives=["BantinCheckInterval 0.1"])], extra=MPM_CONF)
    h.start()
    failures = []
    phases = []
    phase_s = max(10, args.seconds // 3)
    lua = HERE / "faults" / "wrk_status.lua"
    try:
        if not args.no_vandal:
            vandal.start()
        print(f"faults.py: {args.connections} connections, 3 phases of {phase_s} s, "
              f"{args.server} on {h.base_url}", flush=True)
        # Warm-ups (not counted): right after a start or a graceful restart
        # the event MPM is still adjusting its processes and closes a few
        # keep-alive connections (read errors in wrk, with or without the
        # module's faults: see --no-vandal --no-graceful).
        run_wrk(h.url("/"), 3, args.connections, lua)
        phases.append(("load+faults", run_wrk(h.url("/"), phase_s, args.connections, lua)))

        def graceful():
            if args.no_graceful:
                return
            if nginx:
                reloads.run()
                return
            time.sleep(1.0)
            subprocess.run([APACHE_BIN, "-f", str(h.conf_file), "-k", "graceful"],
                           capture_output=True, timeout=60)
        g = threading.Thread(target=graceful)
        g.start()
        phases.append((restart, run_wrk(h.url("/"), phase_s, args.connections, lua)))
        g.join()
        run_wrk(h.url("/"), 3, args.connections, lua)
        phases.append((f"after {restart}", run_wrk(h.url("/"), phase_s, args.connections, lua)))
    finally:
        vandal.stop_flag.set()
        if vandal.is_alive():
            vandal.join(5)

    try:
        for name, r in phases:
            print(f"  {name:15s} {r['requests']:7d} requests, statuses "
                  f"{dict(sorted(r['statuses'].items()))}, errors {r['errors']}")
            if r["fivexx"]:
                failures.append(f"{name}: {r['fivexx']} answers >= 500")
            # wrk's "status" errors are answers >= 400 (404s of deleted
            # articles): counted above by code, not connection errors.
            e = {k: v for k, v in r["errors"].items() if k != "status"}
            if e["connect"] or e["timeout"]:
                failures.append(f"{name}: connection errors {e}")
            if nginx and name == restart:
                # the old workers close each keep-alive connection once, after
                # its last answer: at most one error per connection
                bound, what = args.connections, "one per connection"
            else:
                rate = args.graceful_error_rate if name == restart else error_rate
                bound, what = rate * r["requests"], f"{rate:g} per request"
            if e["read"] + e["write"] > bound:
                failures.append(f"{name}: {e['read'] + e['write']} read/write errors in "
                                f"{r['requests']} requests (more than {what})")
        print(f"  vandal: {sum(vandal.ops.values())} operations {dict(sorted(vandal.ops.items()))}")
        if args.no_graceful:
            pass
        elif nginx:
            for note in reloads.notes:
                print(f"  {note}")
            failures += reloads.failures
            if len(h.find_log(r"\[notice\].*reconfiguring")) < 2:
                failures.append("the master did not take both reloads (\"reconfiguring\")")
        elif not h.find_log(r"[Gg]raceful restart|AH00493|SIGUSR1"):
            failures.append("the graceful restart did not happen (nothing in the error log)")

        # final state: every churn article restored, served with its final title
        vandal.restore_all()
        deadline = time.monotonic() + 10
        pending = set(CHURN)
        while pending and time.monotonic() < deadline:
            for slug in list(pending):
                r = h.get(f"/portal/article/{slug}")
                if r.status_code == 200 and final_title(slug) in r.text:
                    pending.discard(slug)
            time.sleep(0.1)
        if pending:
            failures.append(f"not served with their final titles: {sorted(pending)}")
        # every process agrees (several requests, each on a connection of its
        # own, land on several children or workers)
        for _ in range(40):
            slug = random.choice(CHURN)
            r = h.get(f"/portal/article/{slug}", headers={"Connection": "close"})
            if r.status_code != 200 or final_title(slug) not in r.text:
                failures.append(f"{slug}: a process still serves {r.status_code}")
                break
        home = h.get("/portal/")
        if home.status_code != 200 or "NGOÀI" in home.text:
            failures.append("home page wrong after the run")
        if nginx and not args.no_graceful and home_items(h) != RELOAD_PAGE_SIZE:
            failures.append(f"the reloaded page size {RELOAD_PAGE_SIZE} is not in force at "
                            "the end")
        fatal_rx = NGINX_FATAL if nginx else FATAL
        fatal = [line for line in h.log_text().splitlines() if fatal_rx.search(line)]
        if fatal:
            failures.append("crashes in the error log:\n" + "\n".join(fatal[:20]))
    finally:
        h.stop()
        if not args.keep and not failures:
            shutil.rmtree(root, ignore_errors=True)

    if failures:
        print("faults.py: FAILED")
        for f in failures:
            print("  - " + f)
        print(f"  (server root kept: {root})")
        return 1
    total = sum(r["requests"] for _, r in phases)
    print(f"faults.py: ok: {total} requests in {3 * phase_s} s, no 5xx, no crash, "
          "final state correct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
