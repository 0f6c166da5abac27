"""Two servers with mod_bantin behind Varnish, with conf/varnish/default.vcl.

Not parametrised over MPMs: this module starts its own pair of servers, both
reading one copy of content/ and templates/, and a varnishd in front of them
(loopback only, its own working dir, 64 MiB of malloc storage), and stops them
all at the end.  The VCL is the shipped one with the two backends' ports put
in.  Every test runs on two pools: two httpd servers (event MPM), and a mixed
one, an nginx with build/ngx_http_bantin_module.so (web1) and an httpd (web2),
which must answer alike, so that a page one of them made validates against the
other.

Needs varnishd (Debian package `varnish`, which `make test` installs): without it
these tests fail, saying so, unless BANTIN_NO_VARNISH=1 leaves them out.
"""

import datetime
import email.utils
import gzip
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from bantin_httpd import (REPO, SEED_SLUG, BantinHttpd, Portal, free_port, module_path,
                          open_to_all, parse_html, write_article)
from bantin_nginx import BantinNginx, nginx_module_path

VARNISHD = os.environ.get("VARNISHD") or shutil.which("varnishd") or "/usr/sbin/varnishd"
VARNISHADM = shutil.which("varnishadm") or "/usr/bin/varnishadm"
VCL = REPO / "conf" / "varnish" / "default.vcl"

# The caller's choice only: a machine without varnishd fails these tests.
pytestmark = pytest.mark.skipif(os.environ.get("BANTIN_NO_VARNISH") == "1",
                                reason="BANTIN_NO_VARNISH=1: the Varnish tests are left out")

# The pools: (web1, web2) server kinds.
POOLS = {"httpd+httpd": ("event", "event"), "nginx+httpd": ("nginx", "event")}


def need_varnishd():
    if not os.access(VARNISHD, os.X_OK):
        pytest.fail(f"{VARNISHD} not found: install the Debian package `varnish` (make "
                    "test-deps does), or set BANTIN_NO_VARNISH=1 to leave these tests out",
                    pytrace=False)

ARTICLE = f"/portal/article/{SEED_SLUG}"
SEARCH = "/portal/search?q=ba+b%E1%BB%83"
SITE = "http://portal.example"
ARTICLE_MAX_AGE = 2  # short, so that a change is seen through Varnish within the test


class Varnish:
    """varnishd in the foreground (-F) as our child, on a loopback port."""

    def __init__(self, workdir, vcl_text, port=None):
        self.workdir = workdir
        self.port = port or free_port()
        self.vcl = workdir / "default.vcl"
        self.name = workdir / "n"  # -n: shared memory log and compiled VCL
        self.log = workdir / "varnishd.log"
        self.proc = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.vcl.write_text(vcl_text)
        open_to_all(workdir)

    def start(self, timeout=30):
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [VARNISHD, "-F",
             "-a", f"127.0.0.1:{self.port}",
             "-T", "127.0.0.1:0",
             "-f", str(self.vcl),
             "-n", str(self.name),
             "-s", "malloc,64m",
             "-p", "vsl_space=4M",
             "-p", "thread_pools=1",
             "-p", "thread_pool_min=10",
             "-p", "thread_pool_max=100"],
            stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"varnishd exited {self.proc.returncode}:\n{self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"varnishd did not listen within {timeout}s:\n{self.log_text()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self._log_file.close()
        self.proc = None

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def adm(self, *args):
        p = subprocess.run([VARNISHADM, "-n", str(self.name), *args], capture_output=True,
                           text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr

    def health(self):
        """{backend name: "healthy"/"sick"} from varnishadm backend.list."""
        rc, out = self.adm("backend.list")
        assert rc == 0, out
        states = {}
        for line in out.splitlines()[1:]:
            parts = line.split()
            if len(parts) < 3:
                continue
            name = parts[0].split(".")[-1]
            low = line.lower()
            states[name] = "sick" if "sick" in low else "healthy" if "healthy" in low else low
        return states


def vcl_for(ports):
    """The shipped VCL with the test servers' ports instead of 8081 and 8082."""
    text = VCL.read_text()
    for default, port in zip(("8081", "8082"), ports):
        pattern = f'.port = "{default}";'
        assert text.count(pattern) == 1, f"{VCL} no longer has {pattern}"
        text = text.replace(pattern, f'.port = "{port}";')
    return text


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = [(k.lower(), v) for k, v in headers]
        self.raw_body = body
        enc = self.get("content-encoding")
        self.body = gzip.decompress(body) if enc == "gzip" else body

    def get(self, name, default=None):
        values = [v for k, v in self.headers if k == name.lower()]
        return ", ".join(values) if values else default

    @property
    def text(self):
        return self.body.decode("utf-8")

    @property
    def hit(self):
        return self.get("x-cache") == "HIT"

    def fs_class(self):
        body = parse_html(self.text).find("body")
        return [c for c in body.classes if c.startswith("bantin-fs-")]

    def title(self):
        h1 = parse_html(self.text).find("h1", cls="bantin-title")
        return h1.text() if h1 is not None else None


class Tier:
    def __init__(self, backends, contents, varnish):
        self.backends = backends
        self.contents = contents
        self.varnish = varnish

    def _raw(self, port, method, path, headers):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            r = conn.getresponse()
            return Resp(r.status, r.getheaders(), r.read())
        finally:
            conn.close()

    def via(self, path, cookie=None, gz=False, method="GET", headers=None):
        hdrs = dict(headers or {})
        if cookie:
            hdrs["Cookie"] = cookie
        if gz:
            hdrs["Accept-Encoding"] = "gzip"
        return self._raw(self.varnish.port, method, path, hdrs)

    def direct(self, i, path, cookie=None, gz=False, method="GET", headers=None):
        hdrs = dict(headers or {})
        if cookie:
            hdrs["Cookie"] = cookie
        if gz:
            hdrs["Accept-Encoding"] = "gzip"
        return self._raw(self.backends[i].port, method, path, hdrs)

    def answered(self, i, path):
        """The statuses backend i's access log shows for exactly `path`."""
        h = self.backends[i]
        name = "access.log" if h.mpm == "nginx" else "access_log"
        try:
            log = (h.root / "logs" / name).read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [int(m.group(1)) for m in
                re.finditer(rf'"(?:GET|HEAD) {re.escape(path)} HTTP/[\d.]+" (\d{{3}}) ', log)]

    def backend_hits(self, path, expect):
        """How many requests for exactly `path` the backends' access logs show.

        A server logs a request after answering it: wait a little for `expect`.
        """
        deadline = time.monotonic() + 2
        while True:
            n = sum(len(self.answered(i, path)) for i in range(len(self.backends)))
            if n == expect or time.monotonic() > deadline:
                return n
            time.sleep(0.05)

    def set_health(self, name, state):
        """varnishadm backend.set_health: "sick" takes a backend out of the round
        robin at once, "auto" gives it back to its probe."""
        rc, out = self.varnish.adm("backend.set_health", name, state)
        assert rc == 0, out

    def everywhere(self, fn):
        """Apply fn(content_dir) to the servers' content (the one dir they read)."""
        for c in self.contents:
            fn(c)

    def wait_direct(self, path, pred, what, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            rs = [self.direct(i, path) for i in range(len(self.backends))]
            if all(pred(r) for r in rs):
                return rs
            if time.monotonic() > deadline:
                raise AssertionError(f"the servers did not pick up {what}")
            time.sleep(0.05)


@pytest.fixture(scope="module", params=list(POOLS))
def tier(request, tmp_path_factory):
    need_varnishd()
    mod = module_path()
    if mod is None:
        pytest.skip("BANTIN_MODULE=none: running without mod_bantin")
    kinds = POOLS[request.param]
    for m in [mod] + ([nginx_module_path()] if "nginx" in kinds else []):
        if not m.exists():
            pytest.fail(f"{m} does not exist: run `make` first")
    base = tmp_path_factory.mktemp("two-tier")
    backends = []
    # One content dir and one templates dir that both servers read: copies
    # would differ in their files' ctimes, which the module counts as the
    # articles' modification times (in Last-Modified and the sitemap's
    # lastmod), so two copies made a second apart would not agree.
    content = base / "srv" / "content"
    templates = base / "srv" / "templates"
    shutil.copytree(REPO / "content", content)
    shutil.copytree(REPO / "templates", templates)
    varnish = None
    try:
        for name, kind in zip(("web1", "web2"), kinds):
            if kind == "nginx":
                # One worker, as the httpd servers here run one child: once
                # one answer shows a change, the whole server has it (each
                # worker watches the content on its own, a moment apart).
                h = BantinNginx(base / name / "nginx", module=nginx_module_path(), workers=1)
            else:
                h = BantinHttpd(base / name / "httpd", mpm=kind, module=mod)
            # As the README recommends: every server knows the public name, so
            # absolute URLs in pages (and so ETags) do not depend on the Host
            # a request (a probe, a direct check) happens to carry: httpd's
            # UseCanonicalName in the httpd pool, BantinSiteURL (which nginx
            # has too) on both servers of the mixed one.
            directives = [f"BantinArticleMaxAge {ARTICLE_MAX_AGE}"]
            if "nginx" in kinds:
                directives.append(f"BantinSiteURL {SITE}")
                extra = ""
            else:
                extra = f"UseCanonicalName On\nServerName {SITE}:80"
            h.configure([Portal("/portal", content=content, templates=templates,
                                directives=directives)], extra=extra)
            h.log_mark()
            h.start()
            backends.append(h)
        varnish = Varnish(base / "varnish", vcl_for([h.port for h in backends]))
        varnish.start()
        t = Tier(backends, [content], varnish)
        # Both servers healthy and their search indexes built (the search
        # page says no-store until then) before the tests start.
        deadline = time.monotonic() + 60
        while set(varnish.health().values()) != {"healthy"}:
            assert time.monotonic() < deadline, varnish.adm("backend.list")[1]
            time.sleep(0.2)
        for i in range(len(backends)):
            while t.direct(i, SEARCH).get("cache-control") == "no-store":
                assert time.monotonic() < deadline, f"web{i + 1}: search never ready"
                time.sleep(0.1)
        yield t
    finally:
        if varnish is not None:
            varnish.stop()
        problems = []
        for h in backends:
            problems += h.log_problems()
            h.stop()
    assert problems == [], "\n".join(problems)


def unique(path):
    """The same page under a URL no earlier test cached (the module ignores unknown
    query parameters; Varnish keys on the whole URL)."""
    sep = "&" if "?" in path else "?"
    return f"{path}{sep}t={uuid.uuid4().hex[:12]}"


def retitle(content, slug, new_title):
    path = content / f"{slug}.xml"
    xml = path.read_text(encoding="utf-8")
    xml = re.sub(r"<title>.*?</title>", f"<title>{new_title}</title>", xml, count=1, flags=re.S)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(xml, encoding="utf-8")
    os.rename(tmp, path)


# ---------------------------------------------------------------------------

def test_shipped_vcl_compiles(tmp_path):
    need_varnishd()
    # varnishd -C reads the file as its own unprivileged user: a copy it can
    # read, wherever the checkout lies (a root user's clone is under 0700 /root).
    vcl = tmp_path / "default.vcl"
    shutil.copyfile(VCL, vcl)
    open_to_all(tmp_path)
    p = subprocess.run([VARNISHD, "-C", "-f", str(vcl), "-n", str(tmp_path / "n")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]


@pytest.mark.parametrize("path", ["/portal/", "/portal/?page=2", ARTICLE,
                                  f"/portal/block/toolbar/{SEED_SLUG}",
                                  f"/portal/block/view/{SEED_SLUG}", "/portal/block/list"])
def test_backends_agree(tier, path):
    for cookie in (None, "bantin_fs=1", "bantin_fs=5"):
        for gz in (False, True):
            a = tier.direct(0, path, cookie=cookie, gz=gz)
            b = tier.direct(1, path, cookie=cookie, gz=gz)
            assert a.status == b.status == 200
            assert a.get("etag") == b.get("etag"), (path, cookie, gz)
            assert re.match(r'^"bt-[0-9a-f]{16}(-gz)?"$', a.get("etag"))
            assert a.body == b.body


# What a pool's servers must answer alike, for the same request.
AGREE = [ARTICLE, "/portal/", "/portal/?page=2", "/portal/category/nong-thon-moi", SEARCH,
         "/portal/feed.xml", "/portal/sitemap.xml", f"/portal/block/toolbar/{SEED_SLUG}",
         f"/portal/block/view/{SEED_SLUG}", "/portal/block/list", f"/portal/print/{SEED_SLUG}",
         "/portal/media/images/ho-ba-be.png", "/portal/static/bantin.css"]
# (not Last-Modified: a page's is also the time its server last built its
# view of the content, which is each server's own)
SAME = ("etag", "content-type", "content-encoding", "vary", "cache-control")
# answers without an ETag: the search page, the theme's files
NO_ETAG = ("/portal/search", "/portal/static/")


def same_headers(r):
    return {k: (r.get(k) or "").replace(", ", ",") for k in SAME}


@pytest.mark.parametrize("path", AGREE)
def test_every_answer_agrees(tier, path):
    """Each server, asked directly, gives the same body and validators for
    every font size, gzip and identity, GET and HEAD."""
    for cookie in (None, "bantin_fs=1", "bantin_fs=5"):
        for gz in (False, True):
            a, b = (tier.direct(i, path, cookie=cookie, gz=gz) for i in (0, 1))
            assert a.status == b.status == 200, (path, a.status, b.status)
            assert same_headers(a) == same_headers(b), (path, cookie, gz)
            assert a.body == b.body, (path, cookie, gz)
            assert (a.get("etag") is None) == path.startswith(NO_ETAG), a.headers
            for i in (0, 1):
                head = tier.direct(i, path, cookie=cookie, gz=gz, method="HEAD")
                assert head.status == 200 and head.raw_body == b""
                assert same_headers(head) == same_headers(a), (i, path, cookie, gz)


@pytest.mark.parametrize("path", [p for p in AGREE if not p.startswith(NO_ETAG)])
def test_the_other_servers_etag_is_a_304(tier, path):
    for cookie in (None, "bantin_fs=5"):
        for gz in (False, True):
            for i, j in ((0, 1), (1, 0)):
                tag = tier.direct(i, path, cookie=cookie, gz=gz).get("etag")
                r = tier.direct(j, path, cookie=cookie, gz=gz, headers={"If-None-Match": tag})
                assert r.status == 304, (path, cookie, gz, i, j)
                assert r.get("etag") == tag and r.raw_body == b""


@pytest.mark.parametrize("path", [ARTICLE, "/portal/", "/portal/block/list",
                                  "/portal/sitemap.xml", "/portal/media/images/ho-ba-be.png"])
def test_a_matching_etag_wins_over_an_older_date(tier, path):
    """Each server's Last-Modified is its own (the moment it last built its
    view of the content counts), and Varnish revalidates with both
    If-None-Match and the If-Modified-Since of the server it fetched from:
    the matching ETag decides, the date is ignored (RFC 9110 13.1.3), or a
    page would never revalidate at a server that built its view later."""
    for i in (0, 1):
        for gz in (False, True):
            r = tier.direct(i, path, gz=gz)
            lm = email.utils.parsedate_to_datetime(r.get("last-modified"))
            older = email.utils.format_datetime(lm - datetime.timedelta(days=1), usegmt=True)
            c = tier.direct(i, path, gz=gz, headers={"If-None-Match": r.get("etag"),
                                                     "If-Modified-Since": older})
            assert c.status == 304, (i, path, gz)
            c = tier.direct(i, path, gz=gz, headers={"If-None-Match": '"bt-0000000000000000"',
                                                     "If-Modified-Since": r.get("last-modified")})
            assert c.status == 200, (i, path, gz)


@pytest.mark.parametrize("cookie", [None, "bantin_fs=5"])
def test_a_cached_copy_validates_against_the_other_server(tier, cookie):
    """A page Varnish fetched from one server: the other server's ETag is a
    304 from the cache; once it expires, the other server revalidates it
    (If-None-Match -> 304) and Varnish keeps serving the body it has."""
    names = ("web1", "web2")
    try:
        for origin in (0, 1):
            other = 1 - origin
            url = unique(ARTICLE)
            tier.set_health(names[origin], "auto")
            tier.set_health(names[other], "sick")
            first = tier.via(url, cookie=cookie, gz=True)
            assert first.status == 200 and not first.hit
            assert tier.backend_hits(url, 1) == 1 and tier.answered(origin, url) == [200]
            # a client holding the page from the other server
            tag = tier.direct(other, ARTICLE, cookie=cookie, gz=True).get("etag")
            assert tag == first.get("etag")
            r = tier.via(url, cookie=cookie, gz=True, headers={"If-None-Match": tag})
            assert r.status == 304 and r.hit, r.headers
            # the other server alone, once the copy expires
            tier.set_health(names[other], "auto")
            tier.set_health(names[origin], "sick")
            deadline = time.monotonic() + ARTICLE_MAX_AGE + 15
            while 304 not in tier.answered(other, url):
                r = tier.via(url, cookie=cookie, gz=True)
                assert r.status == 200 and r.body == first.body
                assert r.get("etag") == first.get("etag")
                assert time.monotonic() < deadline, (tier.answered(origin, url),
                                                     tier.answered(other, url))
                time.sleep(0.1)
            assert tier.answered(origin, url) == [200]
            assert set(tier.answered(other, url)) == {304}
            r = tier.via(url, cookie=cookie, gz=True)
            assert r.hit and r.body == first.body
    finally:
        for name in names:
            tier.set_health(name, "auto")


def test_second_request_is_a_hit(tier):
    url = unique(ARTICLE)
    first = tier.via(url)
    assert first.status == 200 and not first.hit
    second = tier.via(url)
    assert second.status == 200 and second.hit, second.headers
    assert len(second.get("x-varnish").split()) == 2  # this request's id and the object's
    assert second.body == first.body
    assert second.get("etag") == first.get("etag")
    assert tier.backend_hits(url, 1) == 1


def test_gzip_and_plain_clients(tier):
    url = unique("/portal/")
    plain = tier.via(url)
    packed = tier.via(url, gz=True)
    assert plain.get("content-encoding") is None
    assert packed.get("content-encoding") == "gzip"
    assert packed.body == plain.body  # Resp decompressed it
    assert plain.body == tier.direct(0, "/portal/").body
    assert tier.backend_hits(url, 1) == 1  # Varnish made the plain form itself


def test_font_sizes_and_analytics_cookies(tier):
    url = unique(ARTICLE)
    r1 = tier.via(url, cookie="bantin_fs=1")
    r5 = tier.via(url, cookie="bantin_fs=5")
    assert not r1.hit and not r5.hit
    assert r1.fs_class() == ["bantin-fs-1"]
    assert r5.fs_class() == ["bantin-fs-5"]
    # Analytics cookies around the font cookie: the same object as bantin_fs=5 alone.
    for cookie in ("_ga=GA1.2.111.222; bantin_fs=5", "bantin_fs=5; _ga=xyz; _gid=GA1.2.3",
                   "_fbp=fb.1.2; bantin_fs=5;_ga=xyz", " bantin_fs=5 "):
        r = tier.via(url, cookie=cookie)
        assert r.hit, (cookie, r.headers)
        assert r.fs_class() == ["bantin-fs-5"]
        assert r.body == r5.body
    # Analytics cookies alone: the default size, one object for all of them.
    d1 = tier.via(url, cookie="_ga=GA1.2.111.222")
    d2 = tier.via(url, cookie="_gid=abc; _ga=other")
    d3 = tier.via(url)
    assert d1.fs_class() == d2.fs_class() == d3.fs_class() == ["bantin-fs-3"]
    assert not d1.hit and d2.hit and d3.hit
    # Only three fetches reached the servers: sizes 1, 5 and the default.
    assert tier.backend_hits(url, 3) == 3
    # The servers' own answers for size 5 are what Varnish gave.
    assert tier.direct(0, ARTICLE, cookie="bantin_fs=5").body == r5.body


def test_repeated_font_cookie_means_default(tier):
    url = unique(ARTICLE)
    r = tier.via(url, cookie="bantin_fs=1; bantin_fs=5")
    assert r.fs_class() == ["bantin-fs-3"]
    direct = tier.direct(0, ARTICLE, cookie="bantin_fs=1; bantin_fs=5")
    assert direct.fs_class() == ["bantin-fs-3"]


def test_fontsize_is_never_cached(tier):
    for _ in range(2):
        r = tier.via("/portal/fontsize?step=up&back=article/" + SEED_SLUG,
                     cookie="_ga=x; bantin_fs=2")
        assert r.status == 303
        assert not r.hit
        assert "bantin_fs=3" in (r.get("set-cookie") or "")
    conn = http.client.HTTPConnection("127.0.0.1", tier.varnish.port, timeout=10)
    try:
        body = b"step=down&back=article/" + SEED_SLUG.encode()
        conn.request("POST", "/portal/fontsize", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": "bantin_fs=4"})
        r = conn.getresponse()
        r.read()
        assert r.status == 303
        assert "bantin_fs=3" in (r.getheader("Set-Cookie") or "")
    finally:
        conn.close()


def test_static_media_feeds_ignore_cookies(tier):
    for path in ("/portal/static/bantin.css", "/portal/media/images/ho-ba-be.png",
                 "/portal/feed.xml", "/portal/sitemap.xml"):
        url = unique(path)
        a = tier.via(url, cookie="bantin_fs=1")
        b = tier.via(url, cookie="bantin_fs=5; _ga=x")
        assert a.status == b.status == 200
        assert b.hit and a.body == b.body
        assert tier.backend_hits(url, 1) == 1


def test_change_seen_after_ttl(tier):
    slug = f"2024/varnish-{uuid.uuid4().hex[:8]}"
    path = f"/portal/article/{slug}"
    tier.everywhere(lambda c: write_article(c, slug, title="Bản cũ", date="2024-03-01"))
    tier.wait_direct(path, lambda r: r.status == 200 and r.title() == "Bản cũ", "the new article")
    first = tier.via(path, cookie="bantin_fs=2")
    assert first.title() == "Bản cũ" and first.get("cache-control") == f"max-age={ARTICLE_MAX_AGE}"
    t_cached = time.monotonic()
    tier.everywhere(lambda c: retitle(c, slug, "Bản mới"))
    tier.wait_direct(path, lambda r: r.title() == "Bản mới", "the edit")
    r = tier.via(path, cookie="bantin_fs=2")
    if time.monotonic() - t_cached < ARTICLE_MAX_AGE - 0.5:
        assert r.hit and r.title() == "Bản cũ", "cached until its max-age"
    # Polled: the old version until the TTL, and perhaps once after it (grace,
    # while Varnish fetches it again in the background), then the new one; a
    # change not through 10 s after the TTL is lost, not late.
    deadline = t_cached + ARTICLE_MAX_AGE + 10
    while True:
        r = tier.via(path, cookie="bantin_fs=2")
        assert r.status == 200
        if r.title() == "Bản mới":
            break
        assert time.monotonic() < deadline, "the edit never came through Varnish"
        time.sleep(0.1)
    assert r.fs_class() == ["bantin-fs-2"]


def test_purge_list_pages(tier):
    """The list pages keep max-age=60: only a PURGE makes a new article show at once."""
    pages = ["/portal/", "/portal/?page=1", "/portal/block/list", "/portal/block/list?page=1"]
    cookies = (None, "bantin_fs=5")
    for p in pages:
        for c in cookies:
            tier.via(p, cookie=c)
    for p in pages:
        for c in cookies:
            assert tier.via(p, cookie=c).hit, (p, c)
    slug = f"2025/tin-moi-{uuid.uuid4().hex[:8]}"
    title = f"Tin mới nhất {slug}"
    tier.everywhere(lambda c: write_article(c, slug, title=title, date="2025-12-31"))
    tier.wait_direct("/portal/", lambda r: title in r.text, "the new article in the list")
    for p in pages:
        r = tier.via(p)
        assert r.hit and title not in r.text, p
    r = tier.via("/portal/", method="PURGE")
    assert r.status == 200
    for p in pages:
        for c in cookies:
            r = tier.via(p, cookie=c)
            assert not r.hit, (p, c)
            assert title in r.text, (p, c)


def test_purge_refused_outside_the_acl(tier):
    """Only the purgers ACL (127.0.0.1, ::1) may PURGE; 127.0.0.2 is loopback too,
    but not in the ACL."""
    url = unique("/portal/")
    tier.via(url)
    conn = http.client.HTTPConnection("127.0.0.1", tier.varnish.port, timeout=10,
                                     source_address=("127.0.0.2", 0))
    try:
        conn.request("PURGE", url)
        r = conn.getresponse()
        r.read()
        assert r.status == 403
    finally:
        conn.close()
    assert tier.via(url).hit


def test_purge_article_drops_every_size_and_block(tier):
    path = ARTICLE
    toolbar = f"/portal/block/toolbar/{SEED_SLUG}"
    view = f"/portal/block/view/{SEED_SLUG}"
    urls = [path, toolbar, view]
    t0 = time.monotonic()
    for u in urls:
        for c in (None, "bantin_fs=1", "bantin_fs=5"):
            tier.via(u, cookie=c)
    r = tier.via(path, method="PURGE")
    assert r.status == 200
    if time.monotonic() - t0 < ARTICLE_MAX_AGE - 0.5:  # else the TTL did it anyway
        for u in urls:
            for c in (None, "bantin_fs=1", "bantin_fs=5"):
                assert not tier.via(u, cookie=c).hit, (u, c)
    # Another article is untouched.
    other = unique("/portal/article/2023/hoi-nghi-xuc-tien-dau-tu")
    tier.via(other)
    tier.via("/portal/article/2023/hoi-nghi-xuc-tien-dau-tu", method="PURGE")
    assert tier.via(other).hit


def test_one_backend_down(tier):
    """Stop one server: readers keep getting pages, at once (retry on the other) and
    after the probes have marked it sick; then it comes back."""
    down = tier.backends[0]
    down.stop()
    try:
        for i in range(6):  # fresh URLs: each one is a fetch, alternating servers
            url = unique(ARTICLE)
            r = tier.via(url, cookie=f"bantin_fs={1 + i % 5}")
            assert r.status == 200, (i, r.status, r.raw_body[:200])
            assert r.fs_class() == [f"bantin-fs-{1 + i % 5}"]
        deadline = time.monotonic() + 15
        while tier.varnish.health().get("web1") != "sick":
            assert time.monotonic() < deadline, tier.varnish.adm("backend.list")[1]
            time.sleep(0.2)
        for i in range(4):
            r = tier.via(unique("/portal/"))
            assert r.status == 200
            assert tier.via(unique(ARTICLE)).status == 200
    finally:
        down.start()
    deadline = time.monotonic() + 15
    while tier.varnish.health().get("web1") != "healthy":
        assert time.monotonic() < deadline, tier.varnish.adm("backend.list")[1]
        time.sleep(0.2)


def test_missing_varnishd_fails_unless_left_out(tmp_path):
    """`make test` installs varnish: a machine without varnishd fails these
    tests, saying what to install; only BANTIN_NO_VARNISH=1 skips them."""
    env = dict(os.environ, VARNISHD=str(tmp_path / "no-varnishd"))
    env.pop("BANTIN_NO_VARNISH", None)
    here = os.path.dirname(__file__)
    cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
           f"{here}/test_varnish.py::test_shipped_vcl_compiles"]
    p = subprocess.run(cmd + [f"--basetemp={tmp_path / 'a'}"], capture_output=True, text=True,
                       env=env, cwd=here, timeout=120)
    assert p.returncode == 1, p.stdout
    assert "1 failed" in p.stdout and "install the Debian package `varnish`" in p.stdout
    env["BANTIN_NO_VARNISH"] = "1"
    p = subprocess.run(cmd + [f"--basetemp={tmp_path / 'b'}"], capture_output=True, text=True,
                       env=env, cwd=here, timeout=120)
    assert p.returncode == 0 and "1 skipped" in p.stdout, p.stdout
