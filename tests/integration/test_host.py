"""A hostile Host: no absolute URL and no cached page shaped by it.

Pages carry absolute URLs (canonical link, og:url, og:image, share links),
and so do the feeds and the sitemap.  They come from BantinSiteURL when it
is set, else from httpd's own rule (ap_construct_url: the Host header
under UseCanonicalName Off, ServerName under On).  What is proven here:

* BantinSiteURL set: a request with `Host: evil.example` gets no "evil" in
  any page, block, feed, sitemap, header or share link; the directive is
  merged the usual way and a bad value fails `apachectl -t` with one line.
* UseCanonicalName On with a ServerName: the same, without the directive.
* UseCanonicalName Off: many Host values alternating on one keep-alive
  connection (one process, one page cache) each get their own URLs, among
  them a Host crafted so that the old 64-bit view hash of its site equals
  the real one's (the hash was invertible: the crafted page took the real
  page's cache entry and ETag).
* 10,000 junk Host values (unknown names, and the server's name with
  junk ports) neither take cache entries nor push the real pages out: the
  real pages stay cache hits, read from the status page's counters.
"""

import random
import re
import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from bantin_httpd import REPO, SEED_SLUG, Portal, status_location

ARTICLE = f"/portal/article/{SEED_SLUG}"
PAGES = ["/portal/", "/portal/?page=1", ARTICLE, f"/portal/print/{SEED_SLUG}",
         f"/portal/block/toolbar/{SEED_SLUG}", "/portal/category/kinh-te",
         "/portal/block/list", "/portal/feed.xml", "/portal/category/kinh-te/feed.xml",
         "/portal/sitemap.xml", "/portal/search?q=ba+be", "/portal/khong-co-trang-nay"]
SITE = "https://portal.example.vn"


# ---- one keep-alive connection -------------------------------------------------

class Conn:
    """HTTP/1.1 on one socket, so that every request reaches the same process.

    `send` writes requests without waiting (pipelining); `read` takes one answer
    (Content-Length or chunked) off the same buffered stream.
    """

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.f = self.sock.makefile("rb")

    def close(self):
        self.f.close()
        self.sock.close()

    def send(self, path, host, headers=()):
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *headers, "", ""]
        self.sock.sendall("\r\n".join(lines).encode("latin-1"))

    def read(self):
        status_line = self.f.readline()
        m = re.match(rb"HTTP/1\.1 (\d{3}) ", status_line)
        assert m, status_line
        headers = {}
        while True:
            line = self.f.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.f.readline().split(b";")[0], 16)
                chunk = self.f.read(size + 2)
                if not size:
                    break
                body += chunk[:-2]
        else:
            body = self.f.read(int(headers.get("content-length", "0")))
        assert headers.get("connection", "").lower() != "close", "the connection would close"
        return int(m.group(1)), headers, body

    def get(self, path, host, headers=()):
        self.send(path, host, headers)
        return self.read()


def status_counters(conn, host):
    """(hits, misses, entries) of the page cache of the process behind conn."""
    status, _, body = conn.get("/bantin-status", host)
    assert status == 200
    text = body.decode("utf-8")

    def value(cls):
        m = re.search(rf'<dd class="{cls}">(\d+)</dd>', text)
        assert m, (cls, text[-800:])
        return int(m.group(1))

    return value("cache-hits"), value("cache-misses"), value("cache-entries")


# ---- what a page says its site is ------------------------------------------------

# Absolute URLs in a body, plain or percent-encoded (share links carry the
# canonical URL encoded).
ABSOLUTE = re.compile(r"https?(?:://|%3A%2F%2F)[^\"'\s<>&]*", re.I)


def site_netlocs(body):
    """(scheme, netloc) of every absolute URL of the portal (path /portal...) in body."""
    out = set()
    for m in ABSOLUTE.finditer(body.decode("utf-8")):
        u = urlsplit(unquote(m.group(0)))
        if u.path.startswith(("/portal", "/tin")):
            out.add((u.scheme, u.netloc))
    return out


def assert_no_evil(status, headers, body, where):
    assert status in (200, 404), (where, status)
    for k, v in headers.items():
        assert "evil" not in v.lower(), (where, k, v)
    assert b"evil" not in body.lower(), (where, body[:2000])


# ---- BantinSiteURL ---------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8443", "EVIL.example"])
def test_site_url_makes_every_absolute_url(httpd, host):
    httpd.configure([Portal("/portal", directives=[f"BantinSiteURL {SITE}"])])
    httpd.restart()
    seen = set()
    conn = Conn(httpd.port)
    try:
        for path in PAGES:
            status, headers, body = conn.get(path, host)
            assert_no_evil(status, headers, body, path)
            seen |= site_netlocs(body)
            if path in ("/portal/", ARTICLE, "/portal/category/kinh-te"):
                assert f'<link rel="canonical" href="{SITE}/portal/'.encode() in body, path
            if path == ARTICLE:
                assert f'<meta property="og:url" content="{SITE}{ARTICLE}">'.encode() in body
                share = re.search(rb'class="bantin-share-facebook"', body)
                assert share and ("u=" + SITE.replace(":", "%3A").replace("/", "%2F")).encode() \
                    in body
            if path.endswith(".xml"):
                assert f"<loc>{SITE}/portal/".encode() in body or \
                    f"<link>{SITE}/portal/".encode() in body, path
    finally:
        conn.close()
    assert seen == {("https", "portal.example.vn")}, seen


def test_site_url_in_an_ssi_page(httpd):
    """Blocks included into another page (SSI subrequests) take the site too."""
    htdocs = httpd.root / "htdocs"
    (htdocs / "site-url.shtml").write_text(
        f'<html><body><!--#include virtual="/portal/block/toolbar/{SEED_SLUG}" --></body></html>\n')
    httpd.configure([Portal("/portal", directives=[f"BantinSiteURL {SITE}"])], modules=("include",),
                    extra=f'<Directory "{htdocs}">\n    Options +Includes\n'
                          '    AddType text/html .shtml\n    AddOutputFilter INCLUDES .shtml\n'
                          '</Directory>')
    httpd.restart()
    status, headers, body = httpd.raw("GET", "/site-url.shtml", {"Host": "evil.example"})
    assert status == 200, body[:300]
    assert b"bantin-share-facebook" in body
    assert_no_evil(status, dict(headers), body, "ssi")
    assert site_netlocs(body) == {("https", "portal.example.vn")}


def test_site_url_is_merged_the_usual_way(httpd, list_content):
    httpd.configure([Portal("/portal"),
                     Portal("/tin", content=list_content,
                            directives=["BantinSiteURL http://tin.example.vn:8080/"])],
                    extra="BantinSiteURL https://Portal.Example.VN")
    httpd.restart()
    _, _, body = httpd.raw("GET", "/portal/feed.xml", {"Host": "evil.example"})
    assert site_netlocs(body) == {("https", "portal.example.vn")}
    _, _, body = httpd.raw("GET", "/tin/feed.xml", {"Host": "evil.example"})
    assert site_netlocs(body) == {("http", "tin.example.vn:8080")}
    assert b"<link>http://tin.example.vn:8080/tin/</link>" in body


@pytest.mark.parametrize("value", [
    "portal.example.vn", "ftp://portal.example.vn", "https//portal.example.vn", "https://",
    "https:///portal", "https://portal.example.vn/portal", "https://portal.example.vn/?a=1",
    "https://portal.example.vn?a=1", "https://portal.example.vn#top",
    "https://user@portal.example.vn", "https://portal.example.vn:", "https://portal.example.vn:0",
    "https://portal.example.vn:65536", "https://portal.example.vn:8o", "https://portal..vn",
    "https://-portal.vn", "https://portal_x.vn", "https://[::1", "https://[xyz]",
    "https://portal.example.vn\\x",
])
def test_bad_site_url_fails_config_test(httpd, value):
    rc, out = httpd.config_test(Portal("/portal", directives=[f'BantinSiteURL "{value}"']))
    assert rc != 0, out
    ours = [line for line in out.splitlines() if httpd.directive("BantinSiteURL") in line]
    assert len(ours) == 1, out
    # (httpd doubles a backslash when it prints the line)
    printed = value if httpd.mpm == "nginx" else value.replace("\\", "\\\\")
    assert printed in ours[0] and "https://portal.example.vn" in ours[0], out
    others = [line for line in out.splitlines()
              if line.strip() and line not in ours and not httpd.CONFIG_TEST_NOISE.search(line)]
    assert not others, out


@pytest.mark.parametrize("value", ["https://portal.example.vn", "http://portal.example.vn/",
                                   "HTTPS://Portal.Example.VN:8443", "http://127.0.0.1:8080",
                                   "https://[2001:db8::1]:8443"])
def test_good_site_url_passes_config_test(httpd, value):
    rc, out = httpd.config_test(Portal("/portal", directives=[f"BantinSiteURL {value}"]))
    assert rc == 0, out


# ---- UseCanonicalName On ---------------------------------------------------------

@pytest.mark.httpd_only("UseCanonicalName")
def test_canonical_name_makes_every_absolute_url(httpd):
    httpd.configure([Portal("/portal")],
                    extra="UseCanonicalName On\nServerName https://portal.example.vn")
    httpd.restart()
    seen = set()
    conn = Conn(httpd.port)
    try:
        for host in ("evil.example", "evil.example:8443", f"127.0.0.1:{httpd.port}"):
            for path in PAGES:
                status, headers, body = conn.get(path, host)
                assert_no_evil(status, headers, body, path)
                seen |= site_netlocs(body)
    finally:
        conn.close()
    assert seen == {("https", "portal.example.vn")}, seen


# ---- UseCanonicalName Off: each Host its own URLs ---------------------------------

MASK = (1 << 64) - 1
MUL = 0x9E3779B97F4A7C15
MUL_INV = pow(MUL, -1, 1 << 64)
INIT = 0xCBF29CE484222325


def _step(h, w):
    h = ((h ^ w) * MUL) & MASK
    return h ^ (h >> 32)


def _unstep(out, w):
    """The h with _step(h, w) == out (each part of a step can be undone)."""
    y = out ^ (out >> 32)
    return ((y * MUL_INV) & MASK) ^ w


def _hash64(h, data):
    """bantin_hash64 as it was (mod_bantin/core/bantin_buf.c)."""
    full = len(data) // 8 * 8
    for i in range(0, full, 8):
        h = _step(h, int.from_bytes(data[i:i + 8], "little"))
    tail = data[full:]
    if tail:
        w = len(tail)
        for i, b in enumerate(tail):
            w |= b << (8 * (i + 1))
        h = _step(h, w)
    return h


def _hash_str(h, s):
    return _hash64(h, s.encode() + b"\0")


def colliding_host(base, real_site):
    """A Host whose site, "http://<host>", left the old view hash in the same state as
    real_site: bantin_view_hash hashed the version, the prefix, then the site, and every
    later input alike, so the two pages got the same cache key and ETag.

    The site is "http://x" + e1 + e2 + e3 (8 letters or digits each) and its NUL.  Going
    forwards from e1 and backwards from e3 leaves e2 = a(e1) ^ v(e3); a meet in the middle
    on the high nibbles (each byte of e2 in 0x61..0x6f, "a".."o") finds one in a second.
    """
    version = re.search(r'#define BANTIN_VERSION "([^"]+)"',
                        (REPO / "mod_bantin" / "core" / "bantin_render.h").read_text()).group(1)
    h = _hash_str(_hash_str(INIT, version), base)
    target = _hash_str(h, real_site)
    r = _unstep(target, 1)  # the tail word of the NUL alone: length 1, byte 0
    h1 = _step(h, int.from_bytes(b"http://x", "little"))
    rnd = random.Random(12)
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789"
    nib = 0xF0F0F0F0F0F0F0F0
    sixes = 0x6060606060606060

    def word():
        return bytes(rnd.choice(alphabet) for _ in range(8))

    forward = {}
    for _ in range(1 << 17):
        e1 = word()
        a = _step(h1, int.from_bytes(e1, "little"))
        forward[(a & nib) ^ sixes] = (e1, a)
    for _ in range(1 << 22):
        e3 = word()
        b = _unstep(r, int.from_bytes(e3, "little"))
        v = _unstep(b, 0)
        hit = forward.get(v & nib)
        if hit is None:
            continue
        e1, a = hit
        e2 = (a ^ v).to_bytes(8, "little")
        if all(0x61 <= c <= 0x6F for c in e2):
            host = (b"x" + e1 + e2 + e3).decode()
            assert _hash_str(h, "http://" + host) == target
            return host
    raise AssertionError("no colliding host found")


def test_colliding_host_collides():
    """The crafted Host really did collide under the old hash (a check of the test)."""
    host = colliding_host("/portal", "http://127.0.0.1")
    assert host != "127.0.0.1" and re.fullmatch(r"[a-z0-9]+", host)


def test_alternating_hosts_on_one_connection(httpd):
    httpd.configure([Portal("/portal")], extra="MaxKeepAliveRequests 0")
    httpd.restart()  # an empty page cache: the crafted Host comes first
    crafted = colliding_host("/portal", "http://127.0.0.1")
    hosts = [crafted, "127.0.0.1", "a.example", f"127.0.0.1:{httpd.port}", "b.example:8080",
             "127.0.0.1:1"]
    pages = [ARTICLE, "/portal/", "/portal/category/kinh-te", f"/portal/block/toolbar/{SEED_SLUG}",
             "/portal/sitemap.xml", "/portal/feed.xml"]
    etags = {}
    conn = Conn(httpd.port)
    try:
        for _ in range(3):
            for path in pages:
                for host in hosts:
                    for gz in ((), ("Accept-Encoding: gzip",)):
                        status, headers, body = conn.get(path, host, gz)
                        assert status == 200, (path, host, status)
                        if gz:
                            etags.setdefault((path, host), set()).add(headers["etag"])
                            continue
                        seen = site_netlocs(body)
                        assert seen == {("http", host)}, (path, host, seen)
    finally:
        conn.close()
    for path in pages:
        # Same page, other site: another ETag, never the crafted one's.
        mine = [etags[(path, host)] for host in hosts]
        assert all(len(e) == 1 for e in mine), mine
        assert len(set().union(*mine)) == len(hosts), (path, mine)


# ---- junk hosts and the page cache -----------------------------------------------

def test_junk_hosts_do_not_evict_real_pages(httpd):
    # 1 MiB holds the real pages, and some 50 pages of other hosts: before the fix,
    # 10,000 junk hosts pushed every real page out.
    httpd.configure([Portal("/portal")],
                    extra="BantinCacheSize 1\nMaxKeepAliveRequests 0\nKeepAliveTimeout 30\n"
                          + status_location())
    httpd.restart()
    real = f"127.0.0.1:{httpd.port}"
    pages = ["/portal/", ARTICLE, "/portal/category/kinh-te"]
    conn = Conn(httpd.port)
    try:
        for path in pages:
            assert conn.get(path, real)[0] == 200
        hits0, misses0, entries0 = status_counters(conn, real)
        for path in pages:  # now cache hits
            assert conn.get(path, real)[0] == 200
        hits1, misses1, _ = status_counters(conn, real)
        assert (hits1 - hits0, misses1 - misses0) == (len(pages), 0)

        # Unknown names, and the server's own name with ports it does not use.
        junk = [f"junk-{i}.example" if i % 2 else f"127.0.0.1:{1024 + i}"
                for i in range(10000)]
        batch = 50
        for start in range(0, len(junk), batch):
            for i, host in enumerate(junk[start:start + batch]):
                conn.send(pages[(start + i) % len(pages)], host)
            for _ in junk[start:start + batch]:
                assert conn.read()[0] == 200

        hits2, misses2, entries2 = status_counters(conn, real)
        for _ in range(5):
            for path in pages:
                assert conn.get(path, real)[0] == 200
        hits3, misses3, entries3 = status_counters(conn, real)
    finally:
        conn.close()
    assert (hits3 - hits2, misses3 - misses2) == (5 * len(pages), 0), \
        "the real pages were pushed out of the cache"
    assert entries2 == entries3 == entries0, "junk hosts took cache entries"


def test_unchanged_pages_are_answered_again(httpd):
    """A page asked for again while nothing it shows changed is answered
    from what the last answer was (bantin_hot.h), in the process that
    answers: the same bytes and validators, counted on the status page."""
    httpd.configure([Portal("/portal")], extra=status_location())
    httpd.restart()
    real = f"127.0.0.1:{httpd.port}"
    pages = ["/portal/", ARTICLE, "/portal/category/kinh-te", "/portal/?page=1",
             ARTICLE + "?print=1"]
    conn = Conn(httpd.port)
    try:
        def again():
            status, _, body = conn.get("/bantin-status", real)
            assert status == 200
            m = re.search(r'<dd class="hot-hits">(\d+)</dd>', body.decode("utf-8"))
            assert m, body[-800:]
            return int(m.group(1))

        before = again()
        for path in pages:
            answers = [conn.get(path, real) for _ in range(3)]
            assert {a[0] for a in answers} == {200}, path
            assert len({a[2] for a in answers}) == 1, f"{path}: the bytes changed"
            assert len({a[1]["etag"] for a in answers}) == 1, f"{path}: the ETag changed"
        # three in a row: at least the last two of each were answered again
        assert again() - before >= 2 * len(pages)
    finally:
        conn.close()


def test_sitemap_is_cached(httpd):
    """The sitemap (up to 50,000 URLs) is rendered once, then served from the cache."""
    httpd.configure([Portal("/portal")], extra=status_location())
    httpd.restart()
    real = f"127.0.0.1:{httpd.port}"
    conn = Conn(httpd.port)
    try:
        first = conn.get("/portal/sitemap.xml", real)
        hits0, misses0, entries0 = status_counters(conn, real)
        again = [conn.get("/portal/sitemap.xml", real, gz) for gz in ((), ("Accept-Encoding: gzip",))]
        hits1, misses1, entries1 = status_counters(conn, real)
    finally:
        conn.close()
    assert first[0] == 200 and first[2] == again[0][2]
    assert again[0][1]["etag"] == first[1]["etag"]
    assert again[1][1].get("content-encoding") == "gzip"
    assert (hits1 - hits0, misses1 - misses0, entries1) == (2, 0, entries0)
