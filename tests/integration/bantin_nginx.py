"""The nginx controller of the integration harness: BantinNginx runs Debian's
nginx with build/ngx_http_bantin_module.so, with the same methods as
BantinHttpd (configure, start/stop/restart, signal_restart, config_test,
get/head/post/raw, log_mark/log_problems/expect_log), so that the same test
functions run on both servers (conftest.py: the `httpd` fixture's params).

Portals are written as httpd writes them (Portal, "BantinPageSize 2") and
translated: each BantinFooBar becomes bantin_foo_bar, the server-config-only
ones go into the http block.  Config that only httpd understands (other
modules, <Directory>...) has no translation: configure() refuses it, and the
test says it is httpd-only (@pytest.mark.httpd_only).
"""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import requests

from bantin_httpd import REPO, BantinHttpd, HttpdError, Portal, open_to_all

NGINX_BIN = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
# nginx's own levels; "[alert] ... open socket left" and worker crashes too
NGINX_PROBLEM = re.compile(r"\[(?:warn|error|crit|alert|emerg)\]")
NGINX_FATAL = re.compile(r"exited on signal|Segmentation fault|open socket .* left")
# The error_log level of every server here: every level, the module's debug
# lines too (BT0107, as httpd's `LogLevel warn bantin:debug`), without
# nginx's own debugging: a debug mask alone means every level, and nothing
# here logs for the mail module's mask.
MODULE_DEBUG = "debug_mail"
# Directives of the http block only (httpd: server config only).
MAIN_ONLY = {"bantin_cache_size", "bantin_state_dir", "bantin_start_cache_dir"}
# httpd's core directives that tests use, in nginx's words (None: nothing
# to say: nginx's error_log already takes the module's info lines).
CORE_FORMS = {
    "loglevel": lambda args: None,
    "maxkeepaliverequests": lambda args: f"keepalive_requests {args if args != '0' else 1000000};",
    "keepalivetimeout": lambda args: f"keepalive_timeout {args};",
}


class NginxUnsupported(Exception):
    """Config text that only httpd understands."""


def nginx_module_path():
    return Path(os.environ.get("BANTIN_NGINX_MODULE",
                               str(REPO / "build" / "ngx_http_bantin_module.so")))


def nginx_name(name):
    """BantinSiteURL -> bantin_site_url, BantinPageSize -> bantin_page_size."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def nginx_directive(line):
    """One httpd directive line as nginx's, or None when it is no Bantin one."""
    m = re.match(r"\s*(Bantin\w+)\s*(.*?)\s*$", line)
    if not m:
        return None
    name, args = nginx_name(m.group(1)), m.group(2)
    return (name, f"{name} {args};" if args else f"{name};")


def translate(lines, where):
    """(location lines, http lines) of httpd directive lines."""
    loc, main = [], []
    for line in lines:
        if not line.strip() or line.strip().startswith("#"):
            continue
        d = nginx_directive(line)
        word, _, args = line.strip().partition(" ")
        if d is None and word.lower() in CORE_FORMS:
            form = CORE_FORMS[word.lower()](args.strip())
            if form:
                main.append(form)
            continue
        if d is None:
            raise NginxUnsupported(f"{where}: no nginx form of {line.strip()!r}: "
                                   "mark the test @pytest.mark.httpd_only")
        (main if d[0] in MAIN_ONLY else loc).append(d[1])
    return loc, main


STATUS_LOCATION = re.compile(r'<Location "([^"]+)">\s*SetHandler bantin-status\s*</Location>')
LOCATION = re.compile(r'<Location "([^"]+)">\n(.*?)</Location>', re.S)
# httpd's SSI in the document root: .shtml pages with INCLUDES
SSI_DIRECTORY = re.compile(r'<Directory "[^"]+">\s*Options \+Includes\s*'
                           r'AddType text/html \.shtml\s*AddOutputFilter INCLUDES \.shtml\s*'
                           r'</Directory>')


class BantinNginx(BantinHttpd):
    """One nginx instance in its own prefix (httpd's name kept: `kind`)."""

    kind = "nginx"

    def __init__(self, server_root, mpm="nginx", module=None, port=None,
                 user=("nobody", "nogroup"), own_state_dirs=True, workers=2):
        self.workers = workers
        if module is not None and Path(module).name == "mod_bantin.so":
            module = nginx_module_path()  # a test's second server "like httpd"
        self._ready = False
        super().__init__(server_root, mpm="event", module=module, port=port, user=user,
                         own_state_dirs=own_state_dirs)
        self.mpm = "nginx"
        self.http_extra = []  # lines of nginx's own for the http block
        self.log_level = MODULE_DEBUG  # error_log's
        self.conf_file = self.root / "conf" / "nginx.conf"
        self.pid_file = self.root / "logs" / "nginx.pid"
        self.error_log = self.root / "logs" / "error.log"
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        self._ready = True
        self._write_main_conf()

    # ---- configuration -------------------------------------------------

    def _write_main_conf(self):
        if not self._ready:
            return  # BantinHttpd.__init__ calls it before ours is set up
        self.write_snippet()

    def _write_stop_conf(self):
        pass

    def _http_text(self):
        locs, main = [], []
        extra = self.extra_conf or ""
        for m in STATUS_LOCATION.finditer(extra):
            locs.append(f"location = {m.group(1)} {{ bantin_status; }}")
        extra = STATUS_LOCATION.sub("", extra)
        if SSI_DIRECTORY.search(extra):
            # (httpd gives an SSI page no validators: neither does this one)
            locs.append("location ~ \\.shtml$ { ssi on; if_modified_since off; "
                        "types { } default_type text/html; }")
            extra = SSI_DIRECTORY.sub("", extra)
        # a portal written out (Portal.conf()), or an inner <Location> of
        # one: a location nested in the portal's
        portals, inner = list(self.portals), []
        for m in LOCATION.finditer(extra):
            lines = m.group(2).splitlines()
            if any(line.split() == ["SetHandler", "bantin"] for line in lines):
                dirs = {}
                for line in lines:
                    word, _, arg = line.strip().partition(" ")
                    dirs.setdefault(word, []).append(arg.strip().strip('"'))
                portals.append(Portal(m.group(1), content=Path(dirs["BantinContentDir"][0]),
                                      templates=Path(dirs["BantinTemplateDir"][0]),
                                      directives=[line for line in lines if line.split()[0]
                                                  not in ("SetHandler", "BantinContentDir",
                                                          "BantinTemplateDir")]))
            else:
                inner.append((m.group(1), lines))
        extra = LOCATION.sub("", extra)
        for p in portals:
            p = self._filled(p)
            loc, m = translate(p.directives, f"Portal {p.prefix}")
            main += m
            nested = []
            for path, lines in inner:
                if path.startswith(p.prefix):
                    iloc, im = translate(lines, f"<Location {path}>")
                    main += im
                    nested += [f"    location {path} {{", "        bantin;"] \
                        + [f"        {d}" for d in iloc] + ["    }"]
            locs.append("\n".join(
                [f'location {p.prefix} {{', "    bantin;",
                 f'    bantin_content_dir "{p.content}";',
                 f'    bantin_template_dir "{p.templates}";']
                + [f"    {d}" for d in loc] + nested + ["}"]))
        for path, _ in inner:
            if not any(path.startswith(p.prefix) for p in portals):
                raise NginxUnsupported(f"<Location {path}> outside every portal")
        loc, m = translate(extra.splitlines(), "extra config")
        main += m + loc  # server-level Bantin* lines: the http block's defaults
        if set(self.extra_modules) - {"include"}:  # nginx's ssi is built in
            raise NginxUnsupported(f"httpd modules {self.extra_modules}: "
                                   "mark the test @pytest.mark.httpd_only")
        if self.own_state_dirs and self.module:
            main = [f'bantin_state_dir "{self.root / "run" / "bantin-state"}";',
                    f'bantin_start_cache_dir "{self.root / "run" / "bantin-startcache"}";'] + main
        return main, locs

    def conf_text(self, main, locs):
        lines = []
        if self.module:
            lines.append(f'load_module "{self.module}";')
        lines += [
            "daemon on;",
            f"worker_processes {self.workers};",
            f'pid "{self.pid_file}";',
            f'error_log "{self.error_log}" {self.log_level};',
        ]
        if os.geteuid() == 0:
            lines.append(f"user {self.user[0]} {self.user[1]};")
        tmp = self.root / "tmp"
        lines += [
            "events { worker_connections 512; }",
            "http {",
            "    default_type application/octet-stream;",
            f'    access_log "{self.root / "logs" / "access.log"}";',
            f'    client_body_temp_path "{tmp / "body"}";',
            f'    proxy_temp_path "{tmp / "proxy"}";',
            f'    fastcgi_temp_path "{tmp / "fastcgi"}";',
            f'    uwsgi_temp_path "{tmp / "uwsgi"}";',
            f'    scgi_temp_path "{tmp / "scgi"}";',
        ]
        lines += [f"    {m}" for m in main + self.http_extra]
        lines += [
            "    server {",
            f"        listen 127.0.0.1:{self.port};",
            "        server_name 127.0.0.1;",
            f'        root "{self.root / "htdocs"}";',
            "        log_not_found off;  # as httpd: a missing file is no error",
        ]
        for loc in locs:
            lines += [f"        {x}" for x in loc.splitlines()]
        lines += ["    }", "}"]
        return "\n".join(lines) + "\n"

    def write_snippet(self):
        if not self._ready:
            return
        main, locs = self._http_text()
        self.conf_file.write_text(self.conf_text(main, locs))

    def configure(self, portals=None, extra="", modules=()):
        self.portals = list(portals or [])
        self.extra_conf = extra
        self.extra_modules = tuple(modules)
        self.keep_private = []
        self.config_dirty = True
        self.write_snippet()

    def config_test(self, snippet=None):
        """`nginx -t`; with a snippet (a Portal, or httpd text of Bantin*
        lines and status locations), on a copy of the config using it."""
        conf = self.conf_file
        if snippet is not None:
            saved = (self.portals, self.extra_conf)
            if isinstance(snippet, Portal):
                for d in (self._filled(snippet).content, snippet.templates):
                    if Path(d).is_dir():
                        open_to_all(d, skip=[Path(k).resolve() for k in self.keep_private])
                self.portals = [snippet]
                self.extra_conf = ""
            else:
                self.portals = []
                self.extra_conf = snippet
            try:
                main, locs = self._http_text()
            finally:
                self.portals, self.extra_conf = saved
            conf = self.root / "conf" / "configtest.conf"
            conf.write_text(self.conf_text(main, locs))
        p = subprocess.run([NGINX_BIN, "-p", str(self.root), "-c", str(conf), "-t"],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr

    # ---- process control ----------------------------------------------

    def start_command(self):
        return [NGINX_BIN, "-p", str(self.root), "-c", str(self.conf_file)]

    def _children(self, pid):
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def stop(self, timeout=10):
        pid = self.pid()
        if pid is None or not self.is_running():
            return
        workers = self._children(pid)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._alive(pid) and not any(self._alive(w) for w in workers):
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            raise HttpdError(f"nginx pid {pid} did not stop within {timeout}s")
        self.session.close()
        self.pid_file.unlink(missing_ok=True)

    def send_stop(self):
        """`nginx -s stop`, as an admin stops it; returns without waiting for
        the processes to leave."""
        subprocess.run([NGINX_BIN, "-p", str(self.root), "-c", str(self.conf_file),
                        "-s", "stop"], capture_output=True, timeout=60)

    def signal_restart(self, kind, timeout=30):
        """`nginx -s reload` (for httpd's restart and graceful alike): the
        master reads its config again and starts new workers; returns once
        every old worker is gone and the new ones answer."""
        if kind not in ("restart", "graceful", "reload"):
            raise ValueError(kind)
        pid = self.pid()
        old = set(self._children(pid))
        p = subprocess.run([NGINX_BIN, "-p", str(self.root), "-c", str(self.conf_file),
                            "-s", "reload"], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise HttpdError(f"nginx -s reload exited {p.returncode}:\n{p.stdout}{p.stderr}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = set(self._children(pid))
            if now and not (now & old) and not any(self._alive(w) for w in old):
                try:
                    self.session.get(self.base_url + "/", timeout=1)
                    return
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise HttpdError(f"nginx did not come back from reload within {timeout}s\n"
                         f"{self.log_tail()}")

    # ---- error log -------------------------------------------------------

    SYNTAX_OK = "test is successful"
    LOG_PID = re.compile(r"\] (\d+)#\d+: ")
    DEFAULT_CACHE_BASE = "/var/cache/nginx/mod_bantin"
    CONFIG_TEST_NOISE = re.compile(r"^nginx: configuration file .* test failed")

    @staticmethod
    def directive(name):
        return nginx_name(name)

    @staticmethod
    def level(name):
        """How the error log marks a line of level name."""
        return f"[{name}]"

    @staticmethod
    def message(line):
        """The message of an error-log line, without its time, level and pid."""
        return re.sub(r"^\S+ \S+ \[\w+\] \d+#\d+: (?:\*\d+ )?", "", line)

    def log_problems(self):
        bad = []
        for line in self.log_lines():
            if NGINX_FATAL.search(line):
                bad.append(line)
            elif NGINX_PROBLEM.search(line) and not any(rx.search(line) for rx in self._expected):
                bad.append(line)
        return bad
