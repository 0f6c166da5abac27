"""nginx for bench/run.py: one nginx with build/ngx_http_bantin_module.so
serving the portal at /portal and, in the same server, static copies of
its pages under /static/ (and, compressed per request by nginx's gzip
filter, under /static-gz/), each copy with the headers the module sent for
it.  The same methods as run.py's Httpd (start, stop, pids, get,
save_static, wait_search_index, problems), so that run_row, cold_start
and the plot take either server.

The config follows Debian's /etc/nginx/nginx.conf where it matters for
speed (sendfile on, tcp_nopush on, keepalive_timeout 65, gzip's level 1,
nginx's default), with one worker per core (worker_processes 2 on the
2-core machine: `auto`), no access log, and the module's state and start
cache in the server's own prefix.
"""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))
from bantin_httpd import free_port, open_to_all  # noqa: E402
import scale  # noqa: E402  (httpd_pids works for nginx's master and workers too)

NGINX = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
# Debian's nginx.conf says `gzip on;` and leaves gzip_comp_level at
# nginx's default, 1 (its commented-out example says 6).
GZIP_LEVEL = 1
# Headers nginx makes itself for a static file (or for any answer): not
# copied from the module's answer.
OWN_HEADERS = {"date", "server", "content-length", "content-type", "last-modified", "etag",
               "connection", "keep-alive", "accept-ranges", "content-encoding",
               "transfer-encoding"}
PROBLEM = re.compile(r"\[(?:error|crit|alert|emerg)\]|exited on signal|open socket .* left")


def _quote(value):
    """value as an nginx string; `$` would start a variable: refused."""
    if "$" in value:
        raise ValueError(f"a header value with $ has no plain nginx form: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class NginxBench(scale.PidFileServer):
    """One nginx in its own prefix, daemon on (as a service runs it): the
    portal at /portal when module is given, the static copies always."""

    PROBLEM = PROBLEM

    def __init__(self, root, content, templates, module, workers=None):
        self.root = Path(root)
        self.content = Path(content) if content else None
        self.templates = Path(templates) if templates else None
        self.module = Path(module) if module else None
        self.workers = workers or os.cpu_count() or 2
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.conf = self.root / "conf" / "nginx.conf"
        self.pidfile = self.root / "logs" / "nginx.pid"
        self.error_log = self.root / "logs" / "error.log"
        self.htdocs = self.root / "htdocs"
        self.statics = {}  # name -> the module's headers for it (copied onto the static answer)
        self.header_notes = {}  # name -> how the static answer's headers differ
        self.statics_from = {}  # name -> (the module's path, the request headers)
        for d in ("conf", "logs", "tmp", "run", "htdocs/static", "htdocs/static-gz"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.htdocs / "static" / "ping.html").write_text("ok\n")
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount("http://", requests.adapters.HTTPAdapter(max_retries=2))
        self.write_conf()

    # ---- config ------------------------------------------------------------

    def static_locations(self):
        lines = []
        for name, headers in sorted(self.statics.items()):
            add = [f"add_header {k} {_quote(v)};" for k, v in headers]
            lines += [f"location = /static/{name} {{", *[f"    {x}" for x in add], "}",
                      f"location = /static-gz/{name} {{",
                      "    gzip on;", f"    gzip_comp_level {GZIP_LEVEL};",
                      *[f"    {x}" for x in add], "}"]
        return lines

    def conf_text(self):
        p = self.root
        lines = []
        if self.module:
            lines.append(f'load_module "{self.module}";')
        if os.geteuid() == 0:
            lines.append("user nobody nogroup;")
        lines += [
            f"worker_processes {self.workers};",
            f'pid "{self.pidfile}";',
            # info: the module's BT0100 (loaded) and BT0302 (search index in step)
            f'error_log "{self.error_log}" info;',
            "events { worker_connections 1024; }",
            "http {",
            "    access_log off;",
            "    sendfile on;",
            "    tcp_nopush on;",
            "    keepalive_timeout 65;",
            "    default_type application/octet-stream;",
            f'    client_body_temp_path "{p / "tmp" / "body"}";',
            f'    proxy_temp_path "{p / "tmp" / "proxy"}";',
            f'    fastcgi_temp_path "{p / "tmp" / "fastcgi"}";',
            f'    uwsgi_temp_path "{p / "tmp" / "uwsgi"}";',
            f'    scgi_temp_path "{p / "tmp" / "scgi"}";',
        ]
        if self.module:
            lines += [f'    bantin_state_dir "{p / "run" / "bantin-state"}";',
                      f'    bantin_start_cache_dir "{p / "run" / "bantin-startcache"}";']
        lines += [
            "    server {",
            f"        listen 127.0.0.1:{self.port};",
            "        server_name 127.0.0.1;",
            f'        root "{self.htdocs}";',
        ]
        # The copies are text/html; charset=utf-8 as the module's answers:
        # the type by nginx's type (gzip_types compares that), the charset
        # by its charset filter.
        for x in ["location /static/ {", "}", "location /static-gz/ {", "}"] + self.static_locations():
            lines.append(f"        {x}")
            if x.startswith("location "):
                lines += ["            types { }", "            default_type text/html;",
                          "            charset utf-8;"]
        if self.module:
            lines += [
                "        location /portal {",
                "            bantin;",
                f'            bantin_content_dir "{self.content}";',
                f'            bantin_template_dir "{self.templates}";',
                "        }",
            ]
        lines += ["    }", "}"]
        return "\n".join(lines) + "\n"

    def _open(self):
        open_to_all(self.root, skip=[self.root.resolve() / "run" / "bantin-startcache"])
        for d in (self.content, self.templates):
            if d:
                open_to_all(d)

    def start_command(self):
        return [NGINX, "-p", str(self.root), "-c", str(self.conf)]

    def _gone(self, pids, timeout):
        t0 = time.time()
        while time.time() - t0 < timeout:
            left = []
            for pid in pids:
                try:
                    os.kill(pid, 0)
                    left.append(pid)
                except ProcessLookupError:
                    pass
            if not left:
                return True
            time.sleep(0.05)
        return False

    def stop(self, timeout=30):
        pid = self.pid()
        if not pid or not self.alive():
            return
        pids = self.pids()
        os.kill(pid, signal.SIGQUIT)  # graceful: workers finish, master exits
        if not self._gone(pids, timeout):
            print(f"nginx {pid} did not stop in {timeout} s: killing it", file=sys.stderr)
            for x in pids:
                try:
                    os.kill(x, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.session.close()
        self.pidfile.unlink(missing_ok=True)

    def reload(self, timeout=120):
        """nginx -s reload with the config written anew; returns once the
        old workers are gone and a new one answers.  The master loads the
        content again (from its start cache)."""
        pid = self.pid()
        old = set(self.pids()) - {pid}
        self.write_conf()
        self._open()
        p = subprocess.run([NGINX, "-p", str(self.root), "-c", str(self.conf), "-s", "reload"],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"nginx -s reload: {p.stdout}{p.stderr}")
        t0 = time.time()
        while time.time() - t0 < timeout:
            now = set(self.pids()) - {pid}
            if now and not now & old and self._gone(old, 0.01):
                try:
                    if self.session.get(self.base + "/static/ping.html", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not come back from reload in {timeout} s\n{self.log_tail()}")

    # ---- pages ------------------------------------------------------------------

    def get(self, path, headers=()):
        """GET path with headers ("Name: value"); no Accept-Encoding unless
        given (requests would send gzip, and the module answer with its gzip
        form and that form's headers)."""
        h = {"Accept-Encoding": "identity"}
        h.update(x.split(": ", 1) for x in headers)
        return self.session.get(self.base + path, headers=h, timeout=10)

    def save_static(self, name, path, headers=("Cookie: bantin_fs=4",)):
        """Saves the module's answer body for path as static/<name> and
        static-gz/<name>, and its headers (but those nginx makes itself) for
        both: they take effect with publish()."""
        r = self.get(path, headers)
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code}")
        body = r.content
        if self.get(path, headers).content != body:
            print(f"warning: {path} is not the same from one request to the next", file=sys.stderr)
        for d in ("static", "static-gz"):
            (self.htdocs / d / name).write_bytes(body)
            os.chmod(self.htdocs / d / name, 0o644)
        self.statics[name] = [(k, v) for k, v in r.headers.items() if k.lower() not in OWN_HEADERS]
        self.statics_from[name] = (path, list(headers))
        return body

    def publish(self):
        """Reloads nginx with the saved pages' headers, then checks each
        static copy: the same bytes, the same Content-Type; what differs in
        the other headers is kept in header_notes."""
        self.reload()
        for name, (path, headers) in self.statics_from.items():
            m = self.get(path, headers)
            s = self.get(f"/static/{name}", headers)
            if s.content != m.content:
                raise RuntimeError(f"static/{name} differs from {path}")
            if s.headers.get("Content-Type") != m.headers.get("Content-Type"):
                raise RuntimeError(f"static/{name}: Content-Type {s.headers.get('Content-Type')!r}, "
                                   f"module {m.headers.get('Content-Type')!r}")
            notes = []
            for k in sorted({k.lower() for k in list(m.headers) + list(s.headers)} - {"date"}):
                mv, sv = m.headers.get(k), s.headers.get(k)
                if mv != sv:
                    notes.append(f"{k}: module {mv!r}, static {sv!r}")
            self.header_notes[name] = notes

    def wait_search_index(self, timeout=600, after=0):
        """Waits for the module's BT0302 (search index in step) in the
        error log after byte offset `after`; returns the seconds waited."""
        if not self.module or b"BT0302" not in self.module.read_bytes():
            return None
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                with open(self.error_log, "rb") as f:
                    f.seek(after)
                    if b"BT0302" in f.read():
                        return time.time() - t0
            except OSError:
                pass
            time.sleep(0.5)
        print(f"warning: no BT0302 (search index in step) after {timeout} s", file=sys.stderr)
        return time.time() - t0

    def log_size(self):
        try:
            return self.error_log.stat().st_size
        except OSError:
            return 0
