"""A small harness that runs a real Apache httpd 2.4 with mod_bantin.

Modelled on httpd's own test/pyhttpd: a generated httpd.conf in a temporary
ServerRoot, a free loopback port, LoadModule lines for the chosen MPM, a
per-test portal snippet that tests rewrite before a restart, and error-log
hygiene (new [error]/[warn] lines fail a test unless it expected them).
"""

import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

REPO = Path(__file__).resolve().parents[2]
APACHE_BIN = os.environ.get("APACHE_BIN", "/usr/sbin/apache2")
MODULES_DIR = Path(os.environ.get("APACHE_MODULES_DIR", "/usr/lib/apache2/modules"))
MPMS = ("event", "prefork", "worker")
# Modules every generated config loads (besides the MPM and mod_bantin).
BASE_MODULES = ("authz_core", "mime", "dir")

# Error-log lines that fail a test unless expected: any level from warn up,
# in httpd 2.4's "[module:level]" form and in the older "[level]" form.
LOG_PROBLEM = re.compile(r"\[(?:[\w.-]+:)?(?:warn|error|crit|alert|emerg)\]")
LOG_FATAL = re.compile(r"Segmentation fault|exit signal|AH00052")


def module_path():
    """Path of mod_bantin.so, or None when BANTIN_MODULE=none."""
    value = os.environ.get("BANTIN_MODULE", str(REPO / "build" / "mod_bantin.so"))
    return None if value.lower() == "none" else Path(value)


def modules_conf(*names):
    """LoadModule lines for extra stock modules (for BantinHttpd.configure(extra=...)).

    `names` are short names such as "deflate" or "cache_disk"; the modules every
    config already loads (BASE_MODULES) are skipped, so callers need not care.
    """
    lines = []
    for name in names:
        if name in BASE_MODULES:
            continue
        lines.append(f'LoadModule {name}_module "{MODULES_DIR / f"mod_{name}.so"}"')
    return "\n".join(lines)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_user(fn, user):
    """Run fn() in a child process that is `user` (groups, gid, uid), as
    code of that user would; returns "ok", or "denied" when the user may
    not do it (PermissionError)."""
    pw = pwd.getpwnam(user)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            fn()
            code = 0
        except PermissionError:
            code = 13
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 13), f"{user}'s step failed ({code})"
    return "ok" if code == 0 else "denied"


def open_to_all(path, skip=()):
    """Let httpd's unprivileged children read `path` (a file or a tree).

    pytest makes its temporary directories 0700; the children run as nobody.
    Every ancestor gets o+x, the tree itself o+rX, but for the trees in `skip`
    (the parent's own, such as its start cache).  Modes that are already
    right are left alone: a chmod moves the file's ctime, and the module
    takes a moved ctime for a changed file (its start cache would miss).
    """
    path = Path(path).resolve()
    skip = {Path(p) for p in skip}
    for parent in list(path.parents)[:-1]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
    todo = [path]
    while todo:
        p = todo.pop()
        if p.is_symlink() or p in skip:
            continue
        mode = stat.S_IMODE(p.stat().st_mode)
        want = mode | (0o555 if p.is_dir() else 0o444)
        if want != mode:
            p.chmod(want)
        if p.is_dir():
            todo.extend(p.iterdir())


@dataclass
class Portal:
    """One <Location> served by mod_bantin.

    content/templates left as None mean the server's copies of the repository's
    content/ and templates/ (see BantinHttpd.site).
    """

    prefix: str = "/portal"
    content: Path = None
    templates: Path = None
    directives: list = field(default_factory=list)  # extra lines, e.g. "BantinPageSize 2"

    def conf(self):
        lines = [
            f'<Location "{self.prefix}">',
            "    SetHandler bantin",
            f'    BantinContentDir "{self.content}"',
            f'    BantinTemplateDir "{self.templates}"',
        ]
        lines += [f"    {d}" for d in self.directives]
        lines.append("</Location>")
        return "\n".join(lines)


class HttpdError(Exception):
    pass


class BantinHttpd:
    """One httpd instance in its own ServerRoot, for one MPM (mpm="nginx":
    a BantinNginx, so that a test's second server is of the same kind)."""

    def __new__(cls, *args, **kw):
        if cls is BantinHttpd and kw.get("mpm") == "nginx":
            from bantin_nginx import BantinNginx
            return super().__new__(BantinNginx)
        return super().__new__(cls)

    def __init__(self, server_root, mpm="event", module=None, port=None,
                 user=("nobody", "nogroup"), own_state_dirs=True):
        """`user`: the (User, Group) httpd's children run as when started as root.
        `own_state_dirs`: BantinStateDir and BantinStartCacheDir in the server's
        own run/ (False: the module's defaults, shared under /var/cache when root)."""
        self.own_state_dirs = own_state_dirs
        if mpm not in MPMS:
            raise ValueError(f"unknown MPM {mpm}")
        self.user = user
        self.root = Path(server_root)
        self.mpm = mpm
        self.module = module
        self.port = port or free_port()
        self.conf_file = self.root / "conf" / "httpd.conf"
        self.stop_conf = self.root / "conf" / "stop.conf"
        self.snippet_file = self.root / "conf" / "test.conf"
        self.pid_file = self.root / "logs" / "httpd.pid"
        self.error_log = self.root / "logs" / "error_log"
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.session = requests.Session()
        self.session.trust_env = False  # never a proxy for 127.0.0.1
        self.last_start_output = ""
        self.config_dirty = False
        self._log_mark = 0
        self._expected = []
        for d in ("conf", "logs", "run", "htdocs"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.root / "htdocs" / "index.html").write_text("<!DOCTYPE html><title>ok</title>ok\n")
        # The repository's content and templates, copied so that httpd's children
        # can read them wherever the repository lives, and so that no test edits them.
        self.site = self.root / "site"
        if not self.site.exists():
            for name in ("content", "templates"):
                if (REPO / name).is_dir():
                    shutil.copytree(REPO / name, self.site / name)
        self.portals = []
        self.extra_conf = ""
        self.extra_modules = ()
        self.keep_private = []  # paths start() leaves unreadable (reset by configure)
        self._write_main_conf()
        self._write_stop_conf()

    # ---- configuration -------------------------------------------------

    def _common_conf(self):
        return [
            f'ServerRoot "{self.root}"',
            f'PidFile "{self.pid_file}"',
            f'DefaultRuntimeDir "{self.root / "run"}"',
            f'ErrorLog "{self.error_log}"',
            "ServerName 127.0.0.1",
            f'LoadModule mpm_{self.mpm}_module "{MODULES_DIR / f"mod_mpm_{self.mpm}.so"}"',
        ]

    def _write_main_conf(self):
        lines = self._common_conf()
        for name in BASE_MODULES:
            lines.append(f'LoadModule {name}_module "{MODULES_DIR / f"mod_{name}.so"}"')
        if self.module:
            lines.append(f'LoadModule bantin_module "{self.module}"')
            lines.append("LogLevel warn bantin:debug")
            if self.own_state_dirs:
                # each test server's index and start cache in its own root (a
                # test's snippet may set them again: the last one counts)
                lines.append(f'BantinStateDir "{self.root / "run" / "bantin-state"}"')
                lines.append(f'BantinStartCacheDir "{self.root / "run" / "bantin-startcache"}"')
        else:
            lines.append("LogLevel warn")
        if os.geteuid() == 0:
            lines += [f"User {self.user[0]}", f"Group {self.user[1]}"]
        lines += [
            f"Listen 127.0.0.1:{self.port}",
            "Timeout 10",
        ]
        # BANTIN_COREDUMP_DIR=/some/dir (with `ulimit -c unlimited`) keeps a core
        # of a crashing child there: httpd dumps only with CoreDumpDirectory set.
        if os.environ.get("BANTIN_COREDUMP_DIR"):
            lines.append(f'CoreDumpDirectory "{os.environ["BANTIN_COREDUMP_DIR"]}"')
        lines += [
            "TypesConfig /etc/mime.types",
            f'DocumentRoot "{self.root / "htdocs"}"',
            "DirectoryIndex index.html",
            'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common',
            f'CustomLog "{self.root / "logs" / "access_log"}" common',
        ]
        if self.mpm == "prefork":
            lines += ["StartServers 2", "MinSpareServers 1", "MaxSpareServers 4"]
        else:
            lines += ["StartServers 1", "ThreadsPerChild 10", "MaxRequestWorkers 20",
                      "MinSpareThreads 5", "MaxSpareThreads 20"]
        lines.append(f'Include "{self.snippet_file}"')
        self.conf_file.write_text("\n".join(lines) + "\n")
        self.write_snippet()

    def _write_stop_conf(self):
        # Stopping must work whatever a test did to the portal snippet.
        self.stop_conf.write_text("\n".join(self._common_conf()) + "\n")

    def _filled(self, portal):
        if portal.content is None:
            portal.content = self.site / "content"
        if portal.templates is None:
            portal.templates = self.site / "templates"
        return portal

    def write_snippet(self):
        text = "\n\n".join(self._filled(p).conf() for p in self.portals)
        if self.extra_modules:
            # first, so that the portals' sections may use the modules' directives
            text = modules_conf(*self.extra_modules) + "\n\n" + text
        if self.extra_conf:
            text += "\n" + self.extra_conf
        self.snippet_file.write_text(text + "\n")

    def configure(self, portals=None, extra="", modules=()):
        """Replace the per-test snippet (a list of Portal) and mark the config dirty.

        `modules` are extra stock modules ("deflate", "headers", ...) loaded before
        the portals, so that Portal.directives may use their directives.
        """
        self.portals = list(portals or [])
        self.extra_conf = extra
        self.extra_modules = tuple(modules)
        self.keep_private = []
        self.config_dirty = True
        self.write_snippet()

    def conf_text_with(self, snippet):
        """The full main config with `snippet` in place of the include."""
        text = self.conf_file.read_text()
        return text.replace(f'Include "{self.snippet_file}"', snippet)

    def config_test(self, snippet=None):
        """Run `apache2 -t`; with a snippet (text or a Portal), on a copy of the config using it.

        Returns (exit code, stdout+stderr).
        """
        conf = self.conf_file
        if isinstance(snippet, Portal):
            # as start() does: the server's User must be able to read the content dir
            for d in (self._filled(snippet).content, snippet.templates):
                if Path(d).is_dir():
                    open_to_all(d, skip=[Path(k).resolve() for k in self.keep_private])
            snippet = snippet.conf()
        if snippet is not None:
            conf = self.root / "conf" / "configtest.conf"
            conf.write_text(self.conf_text_with(snippet))
        p = subprocess.run([APACHE_BIN, "-t", "-f", str(conf)], capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr

    # ---- process control ----------------------------------------------

    def pid(self):
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def is_running(self):
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    def start_command(self):
        """The command that starts this server (nginx: its own)."""
        return [APACHE_BIN, "-f", str(self.conf_file), "-k", "start"]

    def start(self, timeout=10):
        name = Path(self.start_command()[0]).name
        if self.is_running():
            raise HttpdError(f"{name} already running")
        open_to_all(self.root, skip=[self.root.resolve() / "run" / "bantin-startcache"])
        for p in self.portals:
            open_to_all(p.content, skip=[Path(k).resolve() for k in self.keep_private])
            open_to_all(p.templates)
        p = subprocess.run(self.start_command(), capture_output=True, text=True, timeout=60)
        self.last_start_output = p.stdout + p.stderr
        if p.returncode != 0:
            raise HttpdError(f"{' '.join(self.start_command())} exited {p.returncode}:\n"
                             f"{self.last_start_output}"
                             f"\n--- error log tail ---\n{self.log_tail()}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.session.get(self.base_url + "/", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise HttpdError(f"{name} did not answer within {timeout}s\n{self.log_tail()}")

    def stop(self, timeout=10):
        pid = self.pid()
        if pid is None or not self.is_running():
            return
        subprocess.run([APACHE_BIN, "-f", str(self.stop_conf), "-k", "stop"],
                       capture_output=True, timeout=60)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._alive(pid):
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            raise HttpdError(f"httpd pid {pid} did not stop within {timeout}s")
        self.session.close()
        self.pid_file.unlink(missing_ok=True)

    def serving_pids(self):
        """The processes that answer requests: httpd's children, nginx's
        workers."""
        pid = self.pid()
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return {int(x) for x in f.read().split()}
        except OSError:
            return set()

    def send_stop(self):
        """Tells the server to stop, as an admin does (`apache2 -k stop`), and
        returns without waiting for its processes to leave."""
        subprocess.run([APACHE_BIN, "-f", str(self.stop_conf), "-k", "stop"],
                       capture_output=True, timeout=60)

    @staticmethod
    def _alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A zombie we do not reap is gone for our purposes.
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().split(") ", 1)[1][0] != "Z"
        except OSError:
            return False

    def restart(self):
        self.stop()
        self.start()

    def signal_restart(self, kind, timeout=30):
        """`apache2 -k restart` or `-k graceful`: the parent stays, reads its
        config again (post_config runs again, as root) and forks new children.
        Returns once the new generation says it resumed and answers."""
        if kind not in ("restart", "graceful"):
            raise ValueError(kind)
        resumed = re.compile(r"resuming normal operations")
        before = sum(1 for line in self.log_text().splitlines() if resumed.search(line))
        p = subprocess.run([APACHE_BIN, "-f", str(self.conf_file), "-k", kind],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise HttpdError(f"httpd -k {kind} exited {p.returncode}:\n{p.stdout}{p.stderr}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = sum(1 for line in self.log_text().splitlines() if resumed.search(line))
            if now > before:
                try:
                    self.session.get(self.base_url + "/", timeout=1)
                    return
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise HttpdError(f"httpd did not come back from -k {kind} within {timeout}s\n"
                         f"{self.log_tail()}")

    # ---- error log -------------------------------------------------------

    def log_text(self):
        try:
            return self.error_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    # what `-t` says of a good config, and the line it adds to a bad one's
    SYNTAX_OK = "Syntax OK"
    LOG_PID = re.compile(r"\[pid (\d+)")  # the process of an error-log line
    DEFAULT_CACHE_BASE = "/var/cache/apache2/mod_bantin"
    CONFIG_TEST_NOISE = re.compile(r"^AH00526")

    @staticmethod
    def directive(name):
        """A directive's name as this server spells it."""
        return name

    @staticmethod
    def level(name):
        """How the error log marks a line of the module at level name."""
        return f"[bantin:{name}]"

    @staticmethod
    def message(line):
        """The message of an error-log line, without its time, level and pid."""
        return line.split("] ", 3)[-1]

    def log_mark(self):
        """Start a new observation window (called before every test)."""
        self._log_mark = len(self.log_text().encode())
        self._expected = []

    def log_end(self):
        """Where the error log ends now: log_lines(since=) reads from there,
        without starting a new observation window."""
        try:
            return self.error_log.stat().st_size
        except FileNotFoundError:
            return 0

    def log_lines(self, since=None):
        """Error-log lines written since the last log_mark() (or since the
        offset `since`, a log_end())."""
        try:
            with open(self.error_log, "rb") as f:
                f.seek(self._log_mark if since is None else since)
                data = f.read()
        except FileNotFoundError:
            return []
        return data.decode("utf-8", "replace").splitlines()

    def expect_log(self, *patterns):
        """Declare warn/error lines matching any regex as expected for this test."""
        self._expected += [re.compile(p) for p in patterns]

    def find_log(self, pattern, since=None):
        rx = re.compile(pattern)
        return [line for line in self.log_lines(since) if rx.search(line)]

    def log_pids(self, pattern, since=None):
        """The processes that wrote a line matching pattern (as find_log)."""
        found = (self.LOG_PID.search(line) for line in self.find_log(pattern, since))
        return {int(m.group(1)) for m in found if m}

    def published_everywhere(self, content, pids, since):
        """Every process of `pids` still there has published a change of
        `content` (BT0107, a debug line) since the log offset `since`: each
        serving process (nginx's workers, httpd's children) has its own
        snapshot, and the next request may reach any."""
        done = self.log_pids(rf"BT0107 {re.escape(str(content))}: \d+ articles changed", since)
        return all(p in done or not self._alive(p) for p in pids)

    def log_problems(self):
        """Lines since the mark that should fail the test."""
        bad = []
        for line in self.log_lines():
            if LOG_FATAL.search(line):
                bad.append(line)
            elif LOG_PROBLEM.search(line) and not any(rx.search(line) for rx in self._expected):
                bad.append(line)
        return bad

    # ---- HTTP ------------------------------------------------------------

    def url(self, path):
        return self.base_url + path

    def get(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        return self.session.get(self.url(path), **kw)

    def head(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        return self.session.head(self.url(path), **kw)

    def post(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        return self.session.post(self.url(path), **kw)

    def raw(self, method, path, headers=None, body=None):
        """Send `path` byte for byte (no client-side normalisation).

        A "Host" in `headers` replaces the one http.client would send.
        Returns (status, list of (name, value) headers, body bytes).
        """
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            skip_host = any(k.lower() == "host" for k in (headers or {}))
            conn.putrequest(method, path, skip_host=skip_host, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def location_path(self, resp_location):
        """Path of a Location header after checking that it stays on this server."""
        u = urlsplit(resp_location)
        if u.scheme or u.netloc:
            assert (u.scheme, u.netloc) == ("http", f"127.0.0.1:{self.port}"), resp_location
        return u.path + (f"?{u.query}" if u.query else "")


# ---- tiny DOM ----------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "em", "i", "kbd", "mark", "q",
          "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var"}
NO_TEXT = {"script", "style", "head", "title", "template"}


class Node:
    def __init__(self, tag, attrs, parent=None, line=0):
        self.tag = tag
        self.attrs = attrs  # list of (name, value) as the parser gave them
        self.parent = parent
        self.children = []  # Node or str
        self.line = line

    def get(self, name, default=None):
        for k, v in self.attrs:
            if k == name:
                return v if v is not None else ""
        return default

    def has(self, name):
        return any(k == name for k, _ in self.attrs)

    @property
    def classes(self):
        return (self.get("class") or "").split()

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag=None, cls=None, id=None, **attrs):
        out = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes:
                continue
            if id and n.get("id") != id:
                continue
            if any(n.get(k) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag=None, cls=None, id=None, **attrs):
        found = self.find_all(tag, cls, id, **attrs)
        return found[0] if found else None

    def raw_text(self):
        """Text as a reader sees it: block boundaries become spaces."""
        parts = []

        def walk(n):
            if n.tag in NO_TEXT:
                return
            block = n.tag not in INLINE
            if block:
                parts.append(" ")
            for c in n.children:
                if isinstance(c, str):
                    parts.append(c)
                else:
                    walk(c)
            if block:
                parts.append(" ")

        walk(self)
        return "".join(parts)

    def text(self):
        return norm(self.raw_text())

    def is_inside(self, other):
        p = self
        while p is not None:
            if p is other:
                return True
            p = p.parent
        return False


def norm(s):
    import unicodedata
    return " ".join(unicodedata.normalize("NFC", s).split())


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [])
        self.cur = self.root
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur, self.getpos()[0])
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur, self.getpos()[0]))

    def handle_endtag(self, tag):
        p = self.cur
        while p is not None and p.tag != tag:
            p = p.parent
        if p is not None and p is not self.root:
            self.cur = p.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_html(text):
    b = _Builder()
    b.feed(text)
    b.close()
    b.root.doctype = b.doctype
    return b.root


# ---- article files -------------------------------------------------------

def _png_1x1():
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PNG_1X1 = _png_1x1()
GIF_1X1 = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000"
                        "010001000002024401003b")


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def article_xml(title, date, summary="Tóm tắt.", paragraphs=("Nội dung.",), figure=None,
                author=None, category=None, escape=True, expires=None, status=None):
    """An article in the contract's format. `figure` is (src or None, caption).

    With escape=False, title/summary/paragraphs are inserted as raw XML.
    `expires` (a date like `date`) ends the publication; `status` is the
    root's status attribute ("draft" or "published").
    """
    e = xml_escape if escape else (lambda s: s)
    root = "<article>" if status is None else f'<article status="{xml_escape(status)}">'
    out = ['<?xml version="1.0" encoding="UTF-8"?>', root,
           f"  <title>{e(title)}</title>", f"  <date>{date}</date>"]
    if expires is not None:
        out.append(f"  <expires>{expires}</expires>")
    if category is not None:
        out.append(f"  <category>{e(category)}</category>")
    out.append(f"  <summary>{e(summary)}</summary>")
    out.append("  <body>")
    if figure is not None:
        src, caption = figure
        src_attr = f' src="{xml_escape(src)}"' if src else ""
        out.append(f"    <figure{src_attr}><caption>{e(caption)}</caption></figure>")
    for p in paragraphs:
        out.append(f"    <p>{e(p)}</p>")
    out.append("  </body>")
    if author is not None:
        out.append(f"  <author>{e(author)}</author>")
    out.append("</article>")
    return "\n".join(out) + "\n"


def write_article(content_dir, slug, **kw):
    path = Path(content_dir) / f"{slug}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_xml(**kw), encoding="utf-8")
    return path


def status_location(path="/bantin-status"):
    """Config text exposing the module's status page at `path` (for configure(extra=...))."""
    return f'<Location "{path}">\n    SetHandler bantin-status\n</Location>'


# ---- measurements reported at the end of the run ---------------------------

# (label, seconds) of every live pick-up a test observed; conftest prints a
# summary (median, max) after the run.
LATENCIES = []


def record_latency(label, seconds):
    LATENCIES.append((label, seconds))


# ---- page checks shared by the tests --------------------------------------

APACHE_DEFAULT_PAGE = re.compile(r"was not found on this server|<address>Apache/|Internal Server Error",
                                 re.I)


def portal_html(resp, status=200):
    """Check what every portal HTML page must have, and its status (an int or a
    tuple of the ones allowed); return the parsed document."""
    allowed = (status,) if isinstance(status, int) else tuple(status)
    assert resp.status_code in allowed, (resp.status_code, resp.url, resp.text[:300])
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.replace(" ", "").lower() == "text/html;charset=utf-8", ctype
    text = resp.content.decode("utf-8")  # strict: must be UTF-8
    assert re.match(r"\s*<!DOCTYPE html>", text, re.I), text[:100]
    doc = parse_html(text)
    html = doc.find("html")
    assert html is not None and html.get("lang") == "vi"
    title = doc.find("title")
    assert title is not None and norm("".join(c for c in title.children if isinstance(c, str)))
    assert doc.find("body") is not None
    return doc


def title_text(doc):
    t = doc.find("title")
    return norm("".join(c for c in t.children if isinstance(c, str)))


def portal_error(resp, status=404):
    """A 404/400 page in the portal layout, not Apache's default error page."""
    if isinstance(status, int):
        status = (status,)
    assert resp.status_code in status, (resp.status_code, resp.text[:300])
    doc = portal_html(resp, status)
    assert not APACHE_DEFAULT_PAGE.search(resp.text), resp.text[:300]
    assert doc.find(cls="bantin-error") is not None, resp.text[:500]
    return doc


def list_items(doc):
    """[(slug, title, date text, summary)] of the home list, in page order."""
    out = []
    ul = doc.find("ul", cls="bantin-list")
    assert ul is not None, "no ul.bantin-list"
    for li in ul.find_all("li", cls="bantin-item"):
        a = li.find("a")
        t = li.find("time")
        ps = li.find_all("p")
        p = li.find("p", cls="bantin-item-summary") or (ps[-1] if ps else None)
        out.append((a.get("href"), a.text(), t.text() if t else None, p.text() if p else None))
    return out


def pager_links(doc):
    nav = doc.find("nav", cls="bantin-pager")
    if nav is None:
        return {}
    return {a.get("rel"): a.get("href") for a in nav.find_all("a") if a.get("rel")}


def cookies_set(headers):
    """{name: (value, {attribute: value})} of every Set-Cookie header."""
    out = {}
    for k, v in headers:
        if k.lower() != "set-cookie":
            continue
        parts = [p.strip() for p in v.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            a, _, av = p.partition("=")
            attrs[a.strip().lower()] = av.strip()
        assert name not in out, f"two Set-Cookie headers for {name}"
        out[name] = (value, attrs)
    return out


def fontsize(httpd, step, back, method="POST", cookie=None, prefix="/portal", raw_query=None):
    """Call <prefix>/fontsize; returns (status, headers, Location path, cookies set)."""
    headers = {"Cookie": cookie} if cookie is not None else {}
    form = urlencode({"step": step, "back": back}) if raw_query is None else raw_query
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, hdrs, body = httpd.raw("POST", f"{prefix}/fontsize", headers, form.encode())
    else:
        status, hdrs, body = httpd.raw("GET", f"{prefix}/fontsize?{form}", headers)
    loc = [v for k, v in hdrs if k.lower() == "location"]
    return status, hdrs, httpd.location_path(loc[0]) if loc else None, cookies_set(hdrs)


def body_fs(doc):
    return [c for c in doc.find("body").classes if c.startswith("bantin-fs-")]


# ---- test data -------------------------------------------------------------

SEED_SLUG = "2024/giup-do-xa-kho-khan"
# The reference page (a copy of shared/seed/, kept in the repository so that the
# tests do not depend on what lies beside the checkout).
SEED_TEXT = REPO / "tests" / "seed" / "000_668397bca45e792e.txt"
SEED_TEXT = Path(os.environ.get("BANTIN_SEED", str(SEED_TEXT)))

# Generated articles for /tin and /tin2, in the order the home list must show
# them (date descending, then slug ascending), with the date the list displays
# (dd/mm/yyyy in the portal's +07:00 time zone).
LIST_ARTICLES = [
    ("2024/nua-dem-utc", "2024-05-10T20:00:00Z", "11/05/2024"),
    ("2024/tin-moi-nhat", "2024-03-15", "15/03/2024"),
    ("2024/a-cung-ngay", "2024-03-10", "10/03/2024"),
    ("2024/b-cung-ngay", "2024-03-10", "10/03/2024"),
    ("tin-goc", "2024-03-09", "09/03/2024"),
    ("2024/thang-hai", "2024-02-28", "28/02/2024"),
    ("2024/z-tin", "2024-02-01T08:30+07:00", "01/02/2024"),
    ("2024/y-tin", "2024-01-20T10:00:00Z", "20/01/2024"),
    ("2024/x-tin", "2024-01-15", "15/01/2024"),
    ("2023/cuoi-nam", "2023-12-31", "31/12/2023"),
    ("2023/giua-nam", "2023-06-15", "15/06/2023"),
    ("2023/dau-nam", "2023-01-02", "02/01/2023"),
    ("2022/a/sau/long-nhau", "2022-05-05", "05/05/2022"),
    ("2021/cu-nhat", "2021-01-01", "01/01/2021"),
    ("2020/rat-cu", "2020-12-31T23:30:00+07:00", "31/12/2020"),
]


# Articles of LIST_ARTICLES that differ from the plain pattern.
LIST_EXTRAS = {
    "2024/tin-moi-nhat": dict(figure=("images/anh.png", "Ảnh minh hoạ")),
    "2024/thang-hai": dict(
        escape=False, figure=("images/dong.gif", "Ảnh động"),
        paragraphs=["Chữ <b>đậm</b>, chữ <i>nghiêng</i> và "
                    '<a href="https://example.org/bai-viet?a=1&amp;b=2">liên kết</a>.',
                    "Đoạn thứ hai."]),
    "2024/z-tin": dict(figure=(None, "Chú thích không có ảnh")),
    "2023/dau-nam": dict(author=None, category="Nông thôn mới"),
}


def list_title(slug):
    return f"Tiêu đề thử nghiệm {slug}"


def make_list_content(root):
    """Write the LIST_ARTICLES content tree (with media files) under root."""
    root.mkdir(parents=True, exist_ok=True)
    for i, (slug, date, _) in enumerate(LIST_ARTICLES):
        kw = dict(title=list_title(slug), date=date, summary=f"Tóm tắt số {i} của {slug}.",
                  paragraphs=[f"Đoạn văn của {slug}."], author="Phóng viên")
        kw.update(LIST_EXTRAS.get(slug, {}))
        write_article(root, slug, **kw)
    images = root / "images"
    images.mkdir(exist_ok=True)
    (images / "anh.png").write_bytes(PNG_1X1)
    (images / "dong.gif").write_bytes(GIF_1X1)
    (images / "ve.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
                                   '</script></svg>\n')
    (images / "ghi-chu.txt").write_text("không phải ảnh\n")
    (images / "trang.html").write_text("<script>alert(1)</script>\n")
    return root
