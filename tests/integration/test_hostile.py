"""Hostile input, end to end: what test_routes.py, test_fontsize.py and
test_content.py do not already cover.

Every test here would fail if the module let the attack through:

* XML: external entities, DTDs and XIncludes that would reach a local
  listener or another file, entity blow-ups, deep nesting, a 50 MB file,
  random bytes, invalid UTF-8, UTF-16, BOMs, NUL bytes, a FIFO named like an
  article -- each refused (or read safely), logged once per server, no byte
  of another file anywhere, memory bounded, the server answering.
* Paths: symbolic links inside the content dir (to files and folders
  outside, to a FIFO) never followed; encoded, double-encoded, overlong and
  backslashed traversal on every route that takes a path.
* HTML: a hostile article's strings escaped in every context of every route
  (pages, blocks, print view, feeds, sitemap); nothing from the request
  echoed raw; only safe tags, attributes and URLs.
* Cookies, redirects, requests: repeated Cookie headers, a spoofed Host, the
  add-slash redirect, very long and malformed requests, odd methods: 4xx,
  never 5xx, never a header split.

Tests named test_security_headers_* check the headers every HTML answer
must carry (CSP, nosniff, Referrer-Policy): `pytest -k security_headers`.

The bugs these tests once reproduced (SECURITY.md, "Fixed issues") are fixed;
the tests keep them fixed.
"""

import os
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest

from bantin_httpd import (PNG_1X1, SEED_SLUG, Portal, article_xml, open_to_all, parse_html,
                          portal_html, write_article)

SECRET = "zqsecret-root:x:0:0:bantin-hostile-test"
# Time bounds stretch under the memory checkers (tests/sanitize.sh sets it).
SLOW = {"valgrind": 25, "asan": 3}.get(os.environ.get("BANTIN_SANITIZER", ""), 1)
# Text that must never appear raw in an answer: markup, a quote that would
# leave an attribute, an event handler.
MARK = "zq\"'<zq>"

# ---- helpers ------------------------------------------------------------


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                continue
            try:
                conn.settimeout(0.5)
                self.hits.append(conn.recv(1024))
            except OSError:
                self.hits.append(b"")
            finally:
                conn.close()

    def close(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def httpd_pids(httpd):
    """The parent and its children."""
    parent = httpd.pid()
    pids = [parent] if parent else []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if parent and int(fields[1]) == parent:
            pids.append(int(d.name))
    return pids


def peak_rss_mb(httpd):
    """The highest VmHWM (peak resident set) among httpd's processes, in MB."""
    peak = 0
    for pid in httpd_pids(httpd):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) // 1024)
        except OSError:
            pass
    return peak


def raw_bytes(httpd, request, timeout=10):
    """Send a request byte for byte on a socket; return (status or None, whole answer)."""
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(m.group(1)) if m else None), data


def assert_nothing_leaked(httpd, *texts):
    for t in texts:
        if isinstance(t, bytes):
            t = t.decode("utf-8", "replace")
        assert SECRET not in t
        assert "root:x:0:0" not in t
    log = httpd.log_text()
    assert SECRET not in log
    assert "root:x:0:0" not in log


def restart_with(httpd, content, templates, *expect, **portal_kw):
    httpd.configure([Portal("/portal", content, templates, **portal_kw)],
                    extra='<Location "/bantin-status">\n    SetHandler bantin-status\n</Location>')
    if expect:
        httpd.expect_log(*expect)
    t0 = time.monotonic()
    httpd.start() if not httpd.is_running() else httpd.restart()
    return time.monotonic() - t0


SAFE_URL = re.compile(r"^(https?:|mailto:|/|#|\?|[a-z0-9._~-])", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "poster", "srcset", "xlink:href", "data")


def assert_safe_html(text, prefix="/portal"):
    """No injected markup: no on* attribute, no script but ours, safe URLs,
    and the marker never raw."""
    assert MARK not in text
    assert "<zq>" not in text
    doc = parse_html(text)
    for n in doc.iter():
        for name, value in n.attrs:
            assert not name.lower().startswith("on"), (n.tag, name, value)
            if name.lower() in URL_ATTRS and value:
                squeezed = "".join(ch for ch in value if ord(ch) > 0x20)
                assert SAFE_URL.match(squeezed), (n.tag, name, value)
                assert not re.match(r"(javascript|vbscript|data|file):", squeezed, re.I)
        if n.tag == "img":
            src = n.get("src") or ""
            assert src.startswith(prefix + "/media/") or re.match(r"https?://", src), src
        if n.tag == "script":
            assert (n.get("src") or "").startswith(prefix + "/static/"), n.get("src")
            assert not "".join(c for c in n.children if isinstance(c, str)).strip()
        assert n.tag not in ("iframe", "object", "embed", "svg", "math", "base", "zq")
    return doc


# ---- hostile XML --------------------------------------------------------------

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
GOOD_REST = ("<article>\n  <title>{t}</title>\n  <date>2024-06-01</date>\n"
             "  <summary>S</summary>\n  <body><p>{p}</p></body>\n</article>\n")


def hostile_files(secret_path, port):
    """name -> bytes of article files that must be refused (or, see BOM, read safely)."""
    url = f"http://127.0.0.1:{port}"
    lol = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    big = "x" * 100000
    deep = "<body>" * 10000
    files = {
        "xxe-file": HEAD + f'<!DOCTYPE article [<!ENTITY x SYSTEM "file://{secret_path}">]>\n'
        + GOOD_REST.format(t="&x;", p="&x;"),
        "xxe-net": HEAD + f'<!DOCTYPE article [<!ENTITY x SYSTEM "{url}/x">]>\n'
        + GOOD_REST.format(t="&x;", p="&x;"),
        "dtd-net": HEAD + f'<!DOCTYPE article SYSTEM "{url}/article.dtd">\n'
        + GOOD_REST.format(t="T", p="x"),
        "dtd-file": HEAD + f'<!DOCTYPE article SYSTEM "{secret_path}">\n'
        + GOOD_REST.format(t="T", p="x"),
        "param-entity": HEAD + f'<!DOCTYPE article [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>\n'
        + GOOD_REST.format(t="T", p="x"),
        "xinclude": HEAD + GOOD_REST.format(
            t="T", p=f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            f'href="{secret_path}" parse="text"/><xi:include '
            f'xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/xi"/>'),
        "schema-location": HEAD + GOOD_REST.format(t="T", p="x").replace(
            "<article>", '<article xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:noNamespaceSchemaLocation="{url}/a.xsd">'),
        "billion-laughs": HEAD + f'<!DOCTYPE article [<!ENTITY l0 "lol">{lol}]>\n'
        + GOOD_REST.format(t="&l9;", p="&l9;"),
        "quadratic": HEAD + f'<!DOCTYPE article [<!ENTITY a "{big}">]>\n'
        + GOOD_REST.format(t="T", p="&a;" * 30000),
        "deep": HEAD + "<article>" + deep + "</body>" * 10000 + "</article>\n",
        "invalid-utf8": (HEAD + GOOD_REST.format(t="T", p="x")).encode().replace(
            b"<title>T", b"<title>T\xc0\xaf\xed\xa0\x80\xff"),
        "utf16": ("\ufeff" + HEAD.replace("UTF-8", "UTF-16") + GOOD_REST.format(t="T", p="x"))
        .encode("utf-16-le"),
        "utf16-no-bom": (HEAD.replace("UTF-8", "UTF-16") + GOOD_REST.format(t="T", p="x"))
        .encode("utf-16-be"),
        "nul": (HEAD + GOOD_REST.format(t="T", p="x")).encode().replace(b"<title>T",
                                                                         b"<title>T\x00x"),
        "random": bytes((i * 7919 + (i >> 3) * 104729) & 0xff for i in range(1 << 20)),
        "zeros": b"\x00" * 65536,
    }
    return {k: (v.encode() if isinstance(v, str) else v) for k, v in files.items()}


@pytest.fixture
def hostile_site(site_copy, tmp_path, listener):
    content, templates = site_copy
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n")
    outside = tmp_path / "outside"
    # an article and an image outside the content dir, to be reached by links
    write_article(outside, "ngoai", title=SECRET, date="2024-06-01", summary=SECRET)
    (outside / "ngoai.png").write_bytes(PNG_1X1)
    (outside / "secret.png").write_text(SECRET)
    bad = content / "2030"
    bad.mkdir()
    files = hostile_files(secret, listener.port)
    for name, data in files.items():
        (bad / f"{name}.xml").write_bytes(data)
    # a 50 MB file (sparse: costs no disk)
    with open(bad / "nam-muoi-mb.xml", "wb") as f:
        f.truncate(50 * 1024 * 1024)
    # a good one with a UTF-8 BOM: read, without the BOM in its title
    (bad / "bom.xml").write_bytes(b"\xef\xbb\xbf" + (HEAD + GOOD_REST.format(
        t="Có BOM", p="x")).encode())
    # symbolic links: to a file and a folder outside, to an outside article
    (bad / "lien-ket.xml").symlink_to(outside / "ngoai.xml")
    (bad / "thu-muc").symlink_to(outside)
    (content / "images" / "leak.png").symlink_to(secret)
    (content / "images" / "ngoai.png").symlink_to(outside / "ngoai.png")
    (content / "images2").symlink_to(outside)
    (content / "images" / "passwd.png").symlink_to("/etc/passwd")
    # a FIFO named like an article and like an image: never opened
    os.mkfifo(bad / "ong.xml")
    os.mkfifo(content / "images" / "ong.png")
    # a folder named like an image
    (content / "images" / "thu-muc.png").mkdir()
    return content, templates, files, secret


LOGGED = [r"2030/[a-z0-9-]+\.xml", r"BT0103", r"BT0102"]


def test_hostile_xml_refused_logged_once_nothing_leaks(httpd, hostile_site, listener):
    content, templates, files, secret = hostile_site
    # (how fast is for bench/: the start's own timeout is the only bound here)
    restart_with(httpd, content, templates, *LOGGED)

    for name in files:
        r = httpd.get(f"/portal/article/2030/{name}")
        assert r.status_code == 404, (name, r.status_code)
        assert_nothing_leaked(httpd, r.text)
    r = httpd.get("/portal/article/2030/nam-muoi-mb")
    assert r.status_code == 404
    r = httpd.get("/portal/article/2030/bom")
    assert r.status_code == 200
    assert "Có BOM" in r.text and "\ufeff" not in r.text

    # the rest of the portal is untouched and keeps answering
    assert httpd.get(f"/portal/article/{SEED_SLUG}").status_code == 200
    home = httpd.get("/portal/")
    assert home.status_code == 200
    assert_nothing_leaked(httpd, home.text)
    status = httpd.get("/bantin-status")
    assert status.status_code == 200
    assert_nothing_leaked(httpd, status.text)

    # no network access was even tried (DTD, entities, XInclude, schemaLocation):
    # the files were parsed at the start, seconds ago, so a connection would
    # have been recorded by now (no need to wait)
    assert listener.hits == [], listener.hits

    # each refused file is logged, once per server, not per request or process
    for _ in range(20):
        httpd.get("/portal/")
    # Past BantinCheckInterval, so that every process looks again: a chance
    # to log twice, which must not be taken (a slow machine makes the test
    # weaker, never fail).
    time.sleep(0.6)
    httpd.get("/portal/")
    for name in list(files) + ["nam-muoi-mb"]:
        lines = httpd.find_log(rf"2030/{name}\.xml")
        assert len(lines) == 1, (name, lines)
        assert "BT0101" in lines[0], lines[0]
        assert len(lines[0]) < 1000
    assert "larger than" in httpd.find_log(r"nam-muoi-mb\.xml")[0]
    for name in ("xxe-file", "xxe-net", "dtd-net", "dtd-file", "param-entity",
                 "billion-laughs", "quadratic"):
        assert "DOCTYPE" in httpd.find_log(rf"2030/{name}\.xml")[0], name
    assert_nothing_leaked(httpd)


def test_hostile_memory_stays_bounded(httpd, hostile_site):
    if os.environ.get("BANTIN_SANITIZER"):
        pytest.skip("sanitizer runtimes change the memory figures")
    content, templates, files, secret = hostile_site
    restart_with(httpd, content, templates, *LOGGED)
    for name in files:
        httpd.get(f"/portal/article/2030/{name}")
    peak = peak_rss_mb(httpd)
    # The whole server with these files: far from 50 MB per read of the big
    # one, or gigabytes of expanded entities.
    assert peak < int(os.environ.get("BANTIN_MEM_BOUND_MB", "200")), f"peak RSS {peak} MB"


def test_symlinks_and_special_files_never_followed(httpd, hostile_site):
    content, templates, files, secret = hostile_site
    restart_with(httpd, content, templates, *LOGGED)
    for path in ["/portal/article/2030/lien-ket", "/portal/article/2030/thu-muc/ngoai",
                 "/portal/article/2030/ong", "/portal/media/images/leak.png",
                 "/portal/media/images/ngoai.png", "/portal/media/images2/ngoai.png",
                 "/portal/media/images2/secret.png", "/portal/media/images/passwd.png",
                 "/portal/media/images/ong.png", "/portal/media/images/thu-muc.png",
                 "/portal/print/2030/lien-ket", "/portal/block/view/2030/lien-ket"]:
        # a FIFO opened would hang: the request's timeout is the bound
        r = httpd.get(path, timeout=10 * SLOW)
        assert r.status_code == 404, (path, r.status_code)
        assert_nothing_leaked(httpd, r.content)
    # the links are named in the log (BT0103), the FIFO is skipped silently
    assert httpd.find_log(r"BT0103 .*lien-ket\.xml")
    # an image reached without a link is served
    (content / "images" / "that.png").write_bytes(PNG_1X1)
    assert httpd.get("/portal/media/images/that.png").status_code == 200


# ---- paths --------------------------------------------------------------------

TRAVERSALS = [
    # double encoding: %25 decodes to a literal '%', never to a second round
    "media/%252e%252e/%252e%252e/etc/passwd",
    "media/images/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    # overlong UTF-8 for '.' and '/'
    "media/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "media/images/%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
    "media/%e0%80%ae%e0%80%ae/etc/passwd",
    # fullwidth dots and slashes
    "media/%ef%bc%8e%ef%bc%8e%ef%bc%8fetc%ef%bc%8fpasswd",
    # backslashes, raw and encoded
    "media/images%5c..%5c..%5cetc%5cpasswd",
    "media/..%5c..%5cetc%5cpasswd",
    # NUL
    "media/images/anh.png%00",
    "article/2024/tin-moi-nhat%00.xml",
    # absolute paths
    "media//etc/passwd", "media/%2fetc%2fpasswd", "media/file:///etc/passwd",
    # path parameters and fragments
    "media/images/anh.png;/../../../etc/passwd", "media/images/anh.png%23/../x",
    # the same on the other routes that take a path
    "article/%2e%2e/%2e%2e/etc/passwd", "article/..%252f..%252fetc%252fpasswd",
    "print/%2e%2e/%2e%2e/etc/passwd", "print/%c0%ae%c0%ae/x",
    "block/view/%2e%2e/%2e%2e/etc/passwd", "block/toolbar/..%5c..%5cx",
    "category/%2e%2e", "category/..%2f..%2fetc", "category/x/..%2f..%2ffeed.xml",
    "static/%2e%2e/%2e%2e/etc/passwd", "static/..%5cbantin.css",
    "sitemap-..%2f1.xml",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_encoded_traversal_refused(httpd, path):
    httpd.expect_log(r"AH10244: invalid URI path", r"AH00126: Invalid URI in request")
    status, headers, body = httpd.raw("GET", "/tin/" + path)
    if path.startswith(("media/", "static/")):
        assert status in (400, 403, 404), (status, body[:200])
    else:
        # httpd resolves "%2e%2e" itself: "/tin/category/.." is the home page
        assert status in (200, 400, 403, 404), (status, body[:200])
    assert b"root:" not in body
    assert b"<?xml" not in body
    assert b"LoadModule" not in body


@pytest.mark.parametrize("raw", [b"/portal/article/\xff\xfe", b"/portal/media/images/\xc0\xae.png",
                                 b"/portal/\x7f", b"/portal/article/2024/a\x01b",
                                 b"/portal/media/images/anh.png\x00.xml",
                                 b"/tin/media/images/anh.png\\..\\..\\x"])
def test_non_utf8_and_control_bytes_in_path(httpd, raw):
    httpd.expect_log(r"AH\d+")
    status, data = raw_bytes(httpd, b"GET " + raw + b" HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\n\r\n")
    assert status is None or 400 <= status < 500, (status, data[:300])
    assert b"root:" not in data


@pytest.mark.parametrize("path", ["/tin/media/images/anh.png", "/tin/media/images/dong.gif"])
def test_media_types_and_nosniff(httpd, path):
    r = httpd.get(path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] in ("image/png", "image/gif")
    assert r.headers.get("X-Content-Type-Options") == "nosniff"


MEDIA_NAMES = ["x.svg", "x.html", "x.htm", "x.xml", "x.js", "x.css", "x.txt", "x.png.html",
               "x.xhtml", "x.shtml", "x.php", "x.pnG.svg", ".x.png", "x.", "x"]


def test_media_only_known_image_types(httpd, site_copy):
    content, templates = site_copy
    for name in MEDIA_NAMES:
        (content / "images" / name).write_bytes(b"<script>alert(1)</script>" + PNG_1X1)
    restart_with(httpd, content, templates, r"images/x\.xml")  # not an article either
    for name in MEDIA_NAMES:
        r = httpd.get(f"/portal/media/images/{quote(name)}")
        assert r.status_code == 404, (name, r.status_code, r.headers.get("Content-Type"))
        assert b"<script>" not in r.content


# ---- HTML: every string escaped in its context, on every route -------------------

def hostile_article(listener_port=9):
    return article_xml(
        title=f"Tiêu đề {MARK}<script>alert(1)</script>",
        date="2024-06-01",
        category=f"Văn hóa zq {MARK} / ../../x",
        summary=f"Tóm tắt {MARK} </p><img src=x onerror=alert(2)>",
        author=f"Tác giả {MARK}",
        figure=("images/anh-xau.png", f"Chú thích {MARK} \" onerror=\"alert(3)"),
        paragraphs=[f"Đoạn {MARK} <b>không</b> &amp;lt;",
                    "<![CDATA[</p><script>alert(4)</script>]]>"],
    )


def hostile_article_raw(port):
    """Inline markup that is allowed, with hostile attribute values."""
    return (HEAD + "<article>\n  <title>Liên kết</title>\n  <date>2024-06-02</date>\n"
            "  <category>Văn hóa zq&quot; / ../../x</category>\n"
            "  <summary>S</summary>\n  <body>\n"
            f'    <figure src="http://127.0.0.1:{port}/x.png&quot; onerror=&quot;alert(5)">'
            "<caption>c</caption></figure>\n"
            '    <p><a href="https://example.org/&quot;&gt;&lt;zq&gt;">a</a> '
            '<a href="javascript:alert(6)">b</a> <a href="//example.org/x">c</a> '
            '<a href="mailto:x@example.org?subject=&lt;zq&gt;">d</a> '
            '<a href="data:text/html,&lt;script&gt;alert(7)&lt;/script&gt;">e</a> '
            '<a href=" java&#x09;script:alert(8)">f</a></p>\n'
            "  </body>\n</article>\n")


def routes_for(slug, cat):
    return [
        "/portal/", f"/portal/article/{slug}", f"/portal/article/{slug}?print=1",
        f"/portal/print/{slug}", f"/portal/block/toolbar/{slug}", f"/portal/block/view/{slug}",
        f"/portal/block/related/{slug}", f"/portal/block/other/{slug}",
        "/portal/block/list?page=1", f"/portal/category/{cat}",
    ]


def test_hostile_article_escaped_on_every_route(httpd, site_copy, listener):
    content, templates = site_copy
    (content / "2024" / "xau.xml").write_text(hostile_article(), encoding="utf-8")
    (content / "2024" / "lien-ket-xau.xml").write_text(hostile_article_raw(listener.port),
                                                       encoding="utf-8")
    (content / "images" / "anh-xau.png").write_bytes(PNG_1X1)
    restart_with(httpd, content, templates, r"xau\.xml")

    home = httpd.get("/portal/")
    doc = portal_html(home)
    cats = [a.get("href") for a in doc.find_all("a") if "/category/" in (a.get("href") or "")]
    cat = next((h.rsplit("/category/", 1)[1].strip("/") for h in cats if "van-hoa-zq" in h), None)
    assert cat and re.fullmatch(r"[a-z0-9-]+", cat), cats

    seen_title = False
    for slug in ("2024/xau", "2024/lien-ket-xau"):
        for path in routes_for(slug, cat):
            r = httpd.get(path)
            assert r.status_code == 200, (path, r.status_code)
            text = r.text
            assert_safe_html(text)
            assert "<script>alert" not in text
            assert "javascript:" not in text.lower() and "data:text" not in text
            if "Tiêu đề" in text:
                seen_title = True
            # headers never carry article text
            for k, v in r.headers.items():
                assert "zq" not in v, (path, k, v)
    assert seen_title

    # the article page shows the title as text, exactly
    doc = parse_html(httpd.get("/portal/article/2024/xau").text)
    h1 = doc.find("h1")
    assert h1 is not None and f"Tiêu đề {MARK}<script>alert(1)</script>" in h1.text()
    # links: only http(s), mailto and relative survive; the figure's http
    # URL is an attribute value, quoted and escaped
    doc = parse_html(httpd.get("/portal/article/2024/lien-ket-xau").text)
    hrefs = [a.get("href") for a in doc.find("div", cls="bantin-text").find_all("a")]
    assert "https://example.org/\"><zq>" in hrefs
    assert "//example.org/x" in hrefs
    assert all(not re.match(r"\s*(javascript|data)", h or "", re.I) for h in hrefs), hrefs
    img = doc.find("figure").find("img")
    assert img.get("src") == f"http://127.0.0.1:{listener.port}/x.png\" onerror=\"alert(5)"
    assert not any(n.startswith("on") for n, _ in img.attrs)
    # the server never fetched the image or the links
    assert listener.hits == []


def test_hostile_article_in_feeds_and_sitemap(httpd, site_copy):
    content, templates = site_copy
    (content / "2024" / "xau.xml").write_text(hostile_article(), encoding="utf-8")
    (content / "images" / "anh-xau.png").write_bytes(PNG_1X1)
    restart_with(httpd, content, templates)
    home = parse_html(httpd.get("/portal/").text)
    cats = [a.get("href") for a in home.find_all("a") if "/category/" in (a.get("href") or "")]
    cat = next(h.rsplit("/category/", 1)[1].strip("/") for h in cats if "van-hoa-zq" in h)
    for path in ["/portal/feed.xml", f"/portal/category/{cat}/feed.xml", "/portal/sitemap.xml"]:
        r = httpd.get(path)
        assert r.status_code == 200, path
        assert "xml" in r.headers["Content-Type"]
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        root = ET.fromstring(r.content)  # well-formed, or this raises
        assert b"<zq>" not in r.content and b"<script>" not in r.content
        assert not [e for e in root.iter() if e.tag in ("script", "zq")]
        if "feed" in path:
            titles = [e.text for e in root.iter("title")]
            assert f"Tiêu đề {MARK}<script>alert(1)</script>" in titles, titles
            for link in [e.text for e in root.iter("link")] + [e.text for e in root.iter("guid")]:
                assert link is None or re.match(r"https?://[^\s\"<>]+$", link), link


@pytest.mark.parametrize("where", ["path", "query", "cookie", "headers"])
def test_request_strings_never_echoed_raw(httpd, where):
    """What the reader sends appears nowhere unescaped (pages, blocks, errors, redirects)."""
    inj = quote(MARK + "<script>alert(9)</script>", safe="")
    paths = ["/portal/", f"/portal/article/{SEED_SLUG}", "/portal/khong-co",
             f"/portal/block/view/{SEED_SLUG}", "/portal/search", "/portal/feed.xml",
             f"/portal/print/{SEED_SLUG}", "/portal/fontsize", "/portal"]
    for p in paths:
        headers = {}
        if where == "path":
            p = p.rstrip("/") + "/" + inj
        elif where == "query":
            p = p + "?q=" + inj + "&page=" + inj + "&print=" + inj + "&back=" + inj + "&" + inj
        elif where == "cookie":
            headers["Cookie"] = f"bantin_fs={MARK}; {MARK}=1; x=<zq>"
        else:
            headers.update({"Referer": f"http://x/{MARK}", "User-Agent": MARK,
                            "Accept-Language": MARK, "X-Forwarded-Host": "evil.example",
                            "Accept-Encoding": MARK, "If-None-Match": f'"{MARK}"'})
        status, hdrs, body = httpd.raw("GET", p, headers)
        assert status < 500, (p, status)
        text = body.decode("utf-8", "replace")
        assert MARK not in text and "<zq>" not in text and "<script>alert(9)" not in text, p
        assert "evil.example" not in text, p  # X-Forwarded-Host is not ours to trust
        for k, v in hdrs:
            assert "<zq>" not in v and "\r" not in v and "\n" not in v, (p, k, v)
            assert "evil.example" not in v, (p, k, v)


# ---- security headers (CSP, nosniff, Referrer-Policy): pytest -k security_headers ----

HTML_PAGES = ["/portal/", "/portal/?page=2", f"/portal/article/{SEED_SLUG}",
              f"/portal/print/{SEED_SLUG}", f"/portal/article/{SEED_SLUG}?print=1",
              "/portal/khong-co", "/portal/?page=abc", "/tin/", "/tin2/?page=2"]


def csp_directives(value):
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


@pytest.mark.parametrize("path", HTML_PAGES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_security_headers_on_every_html_page(httpd, path, method):
    status, headers, _ = httpd.raw(method, path)
    h = {k.lower(): v for k, v in headers}
    assert h.get("content-type", "").startswith("text/html"), (path, status)
    csp = h.get("content-security-policy")
    assert csp, f"{path}: no Content-Security-Policy"
    assert "default-src 'self'" in csp, csp
    d = csp_directives(csp)
    script = d.get("script-src", d.get("default-src"))
    assert script is not None and "'self'" in script, csp
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, csp
    assert "*" not in script and "data:" not in script, csp
    assert h.get("x-content-type-options") == "nosniff", path
    assert h.get("referrer-policy") == "strict-origin-when-cross-origin", path


@pytest.mark.parametrize("method", ["PUT", "DELETE", "FOO"])
def test_security_headers_on_405_and_errors(httpd, method):
    status, headers, _ = httpd.raw(method, "/portal/")
    assert status == 405
    h = {k.lower(): v for k, v in headers}
    assert "default-src 'self'" in h.get("content-security-policy", "")
    assert h.get("x-content-type-options") == "nosniff"
    assert h.get("referrer-policy") == "strict-origin-when-cross-origin"


def test_security_headers_pages_hold_no_inline_script(httpd):
    """The CSP forbids inline script: the pages must not need any."""
    for path in HTML_PAGES[:5]:
        doc = portal_html(httpd.get(path))  # a 200 page, or this would prove nothing
        for n in doc.iter():
            if n.tag == "script":
                assert n.get("src"), path
                assert not "".join(c for c in n.children if isinstance(c, str)).strip()
            assert not any(k.startswith("on") for k, _ in n.attrs), (path, n.tag)
            assert not (n.get("href") or "").lower().startswith("javascript:")
            assert n.get("style") is None, (path, n.tag)


# ---- cookies and redirects ------------------------------------------------------

@pytest.mark.parametrize("cookies", [
    [b"bantin_fs=5", b"bantin_fs=1"],          # two Cookie headers (httpd joins them)
    [b"bantin_fs=5", b"bantin_fs=5"],
    [b"bantin_fs=5; bantin_fs=5"],
    [b"bantin_fs=\xef\xbc\x95"],               # fullwidth 5
    [b"bantin_fs=5\x00"],
    [b"bantin_fs=0x5"], [b"bantin_fs=5e0"], [b"bantin_fs= 5"], [b"bantin_fs=5 5"],
    [b"bantin_fs=" + b"9" * 4000],
    [b"bantin_fs=%35"], [b"BANTIN_FS=5"], [b"bantin_fs=5, bantin_fs=1"],
])
def test_odd_cookies_give_default_step(httpd, cookies):
    httpd.expect_log(r"AH\d+")
    req = b"GET /portal/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    req += b"".join(b"Cookie: " + c + b"\r\n" for c in cookies) + b"\r\n"
    status, data = raw_bytes(httpd, req)
    if status == 400:
        return  # httpd itself refused the header (e.g. a NUL)
    assert status == 200, data[:300]
    body = data.split(b"\r\n\r\n", 1)[1]
    fs = re.findall(rb'<body[^>]*class="[^"]*bantin-fs-(\d+)', body)
    assert fs == [b"3"], (cookies, fs)
    assert b"\xef\xbc\x95" not in data and b"9999" not in data


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1@evil.example",
                                  "x/../evil.example"])
def test_fontsize_redirect_ignores_host(httpd, host):
    httpd.expect_log(r"AH\d+")
    status, headers, body = httpd.raw("POST", "/portal/fontsize",
                                      {"Host": host,
                                       "Content-Type": "application/x-www-form-urlencoded"},
                                      b"step=up&back=article/x")
    assert status in (303, 400), status
    loc = [v for k, v in headers if k.lower() == "location"]
    if status == 303:
        assert loc == ["/portal/article/x"], loc


@pytest.mark.parametrize("query", ["//evil.example", "/\\evil.example", "x%0d%0aSet-Cookie:%20pwn=1",
                                   "x%0aLocation:%20https://evil.example", "a=%ff%fe",
                                   "@evil.example", "\\\\evil.example"])
def test_add_slash_redirect_stays_here(httpd, query):
    httpd.expect_log(r"AH\d+")
    status, data = raw_bytes(httpd, b"GET /portal?" + query.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\n\r\n")
    assert status in (301, 400), data[:300]
    if status == 301:
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        loc = re.search(r"\r\nLocation: ([^\r\n]*)", head).group(1)
        assert loc.startswith("/portal/?") or loc.startswith("http://x/portal/?"), loc
        assert not re.search(r"\r\n(Set-Cookie: pwn|Location: https://evil)", head), head


# ---- requests -------------------------------------------------------------------

@pytest.mark.parametrize("request_line", [
    b"GET /portal/" + b"a" * 9000 + b" HTTP/1.1",
    b"GET /portal/?" + b"q=" + b"a" * 9000 + b" HTTP/1.1",
    b"GET /portal/?" + b"&".join(b"p%d=%d" % (i, i) for i in range(1200)) + b" HTTP/1.1",
    b"GET /portal/%zz HTTP/1.1", b"GET /portal/% HTTP/1.1", b"GET /portal/%%41 HTTP/1.1",
    b"GET /portal/article/%u002e%u002e HTTP/1.1",
    b"GET /portal/?page=%zz HTTP/1.1", b"GET /portal/?page=%00 HTTP/1.1",
    b"GET /portal/?page=-1 HTTP/1.1", b"GET /portal/?page=1e9 HTTP/1.1",
    b"GET /portal/?page=99999999999999999999 HTTP/1.1",
    b"GET /portal/block/list?page=%ff HTTP/1.1",
    b"GET portal/ HTTP/1.1", b"GET * HTTP/1.1", b"GET http://evil.example/portal/ HTTP/1.1",
    b"GET /portal/ HTTP/9.9", b"GET /portal/ HTTP/1.1 extra", b"GET  /portal/  HTTP/1.1",
    b"\x00GET /portal/ HTTP/1.1",
])
def test_malformed_requests_4xx(httpd, request_line):
    httpd.expect_log(r"AH\d+")
    status, data = raw_bytes(httpd, request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
    # (nginx itself answers an HTTP/9.9 with 505, before any module runs)
    assert status is None or status < 500 or (httpd.mpm == "nginx" and status == 505
                                              and b"HTTP/9" in request_line), (status, data[:300])
    assert b"Internal Server Error" not in data


@pytest.mark.parametrize("method", [b"TRACK", b"PROPFIND", b"MKCOL", b"COPY", b"FOO",
                                    b"get", b"G\xc3\x89T", b"X" * 300, b"PATCH"])
@pytest.mark.parametrize("path", [b"/portal/", b"/portal/article/" + SEED_SLUG.encode(),
                                  b"/portal/fontsize", b"/portal/media/images/ho-ba-be.png"])
def test_other_methods_4xx(httpd, method, path):
    httpd.expect_log(r"AH\d+")
    status, data = raw_bytes(httpd, method + b" " + path + b" HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Length: 3\r\nConnection: close\r\n\r\nx=1")
    assert status is not None and 400 <= status < 500, (method, path, data[:300])


def test_trace_is_not_the_modules(httpd):
    """TRACE is answered by httpd's core (TraceEnable, on by default) before any
    handler: never a 5xx. SECURITY.md advises `TraceEnable off`."""
    status, data = raw_bytes(httpd, b"TRACE /portal/ HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\n\r\n")
    assert status in (200, 405), data[:200]


@pytest.mark.parametrize("body,ctype", [
    (b"step=up&back=" + b"a" * 100000, b"application/x-www-form-urlencoded"),
    (b"\x00" * 5000, b"application/x-www-form-urlencoded"),
    (b"step=%zz&back=%", b"application/x-www-form-urlencoded"),
    (b"--b\r\nContent-Disposition: form-data; name=\"step\"\r\n\r\nup\r\n--b--\r\n",
     b"multipart/form-data; boundary=b"),
    (b'{"step": "up"}', b"application/json"),
])
def test_hostile_fontsize_bodies(httpd, body, ctype):
    # nginx keeps a long body in a file, and says so
    httpd.expect_log(r"a client request body is buffered to a temporary file")
    status, data = raw_bytes(httpd, b"POST /portal/fontsize HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: " + ctype + b"\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    assert status in (303, 400, 413), data[:300]
    if status == 303:
        loc = re.search(rb"\r\nLocation: ([^\r\n]*)", data).group(1)
        assert loc.startswith(b"/portal/") or loc.startswith(b"http://x/portal/"), loc


def test_chunked_fontsize_body_too_long(httpd):
    # nginx keeps a long body in a file, and says so
    httpd.expect_log(r"a client request body is buffered to a temporary file")
    chunk = b"a" * 4096
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(64)) + b"0\r\n\r\n"
    status, data = raw_bytes(httpd, b"POST /portal/fontsize HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: application/x-www-form-urlencoded\r\n"
                             b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body)
    assert status in (400, 413), data[:300]


@pytest.mark.parametrize("headers", [
    {"Range": "bytes=" + ",".join(f"{i}-{i}" for i in range(500))},
    {"Range": "bytes=-0"}, {"Range": "bytes=999999999-"}, {"Range": "bytes=5-1"},
    {"If-None-Match": "*"}, {"If-None-Match": '"' + "a" * 5000 + '"'},
    {"If-None-Match": ",,,,W/" * 500}, {"If-Modified-Since": "x" * 3000},
    {"If-Range": '"bt-0000000000000000"', "Range": "bytes=0-1"},
    {"Accept-Encoding": "gzip;q=" + "9" * 3000}, {"Accept-Encoding": ",;=" * 1000},
])
@pytest.mark.parametrize("path", ["/portal/", f"/portal/article/{SEED_SLUG}",
                                  "/portal/media/images/ho-ba-be.png", "/portal/static/bantin.css"])
def test_odd_conditional_and_range_headers(httpd, headers, path):
    status, hdrs, body = httpd.raw("GET", path, headers)
    assert status < 500, (status, body[:200])


def test_many_requests_one_connection_keep_answering(httpd):
    """A burst of hostile requests on keep-alive connections, then normal service."""
    bad = [b"GET /portal/%zz HTTP/1.1", b"GET /portal/article/%c0%ae HTTP/1.1",
           b"PUT /portal/ HTTP/1.1", b"GET /portal/?page=-1 HTTP/1.1",
           b"GET /tin/media/../../etc/passwd HTTP/1.1"]
    httpd.expect_log(r"AH\d+")
    for _ in range(20):
        for line in bad:
            status, _ = raw_bytes(httpd, line + b"\r\nHost: x\r\nContent-Length: 0\r\n"
                                  b"Connection: close\r\n\r\n")
            assert status is None or status < 500
    assert httpd.get("/portal/").status_code == 200
    assert not httpd.find_log(r"Segmentation|exit signal|AH00052")


# ---- once known issues (SECURITY.md), fixed: kept so ---------------------------------

def test_bug1_attribute_flood_does_not_stall_startup(httpd, site_copy):
    """300,000 attributes on one tag kept libxml2 2.9 busy for 100-140 s.
    No timing assertion (shared, noisy machines): the start's own timeout
    (60 s) catches a stall of that size, and the log must show that the
    linear pre-scan refused the file before libxml2 saw it."""
    if httpd.mpm != "event":
        pytest.skip("one MPM is enough to show it")
    content, templates = site_copy
    attrs = " ".join(f'a{i}=""' for i in range(300000))
    (content / "2024" / "thuoc-tinh.xml").write_text(
        HEAD + f"<article {attrs}><title>T</title></article>\n")
    httpd.configure([Portal("/portal", content, templates)])
    httpd.expect_log(r"thuoc-tinh\.xml")
    httpd.stop()
    httpd.start(timeout=60)
    lines = httpd.find_log(r"thuoc-tinh\.xml")
    assert lines and all("more than 32 attributes" in line for line in lines), lines


def test_bug2_validation_error_flood_does_not_stall_startup(httpd, site_copy):
    """100,000 invalid lines took minutes when libxml2 walked back over every
    earlier node on each validation error; now parsing stops at the first.
    As above, the start's timeout is the bound, not a timing assertion."""
    if httpd.mpm != "event":
        pytest.skip("one MPM is enough to show it")
    content, templates = site_copy
    body = "<p><u>x</u></p>\n" * 100000
    (content / "2024" / "loi-hang-loat.xml").write_text(
        HEAD + "<article><title>T</title><date>2024-01-01</date><summary>S</summary>"
        f"<body>\n{body}</body></article>\n")
    httpd.configure([Portal("/portal", content, templates)])
    httpd.expect_log(r"loi-hang-loat\.xml")
    httpd.stop()
    httpd.start(timeout=60)
    lines = httpd.find_log(r"loi-hang-loat\.xml")
    assert len({httpd.message(line) for line in lines}) == 1, lines


RACE_ROUNDS = 10000  # answers of each kind in the swap race below (8 s here)


def test_bug5_media_symlink_swap_race(httpd, site_copy, tmp_path):
    """A writer of the content dir swaps images/x.png between a regular file and
    a symbolic link to a file outside; no request may ever get the outside file."""
    if httpd.mpm != "event":
        pytest.skip("one MPM is enough to show it")
    content, templates = site_copy
    secret = tmp_path / "ngoai" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    img = content / "images"
    target = img / "x.png"
    target.write_bytes(PNG_1X1)
    restart_with(httpd, content, templates)
    open_to_all(secret.parent)
    stop = threading.Event()
    leaks = []
    done = Counter()

    def swapper():
        i = 0
        while not stop.is_set():
            i += 1
            done["swaps"] += 1
            link, reg = img / f".l{i}", img / f".r{i}"
            link.symlink_to(secret)
            os.replace(link, target)
            reg.write_bytes(PNG_1X1)
            os.chmod(reg, 0o644)
            os.replace(reg, target)

    def reader():
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", httpd.port, timeout=10)
        while not stop.is_set():
            conn.request("GET", "/portal/media/images/x.png")
            resp = conn.getresponse()
            body = resp.read()
            done[resp.status] += 1
            if SECRET.encode() in body:
                leaks.append(body)

    threads = [threading.Thread(target=swapper)] + [threading.Thread(target=reader)
                                                    for _ in range(4)]
    for t in threads:
        t.start()
    # An amount of racing, not a time: until the readers have been answered
    # both ways (the image, and a refusal of the link) many times.
    end = time.monotonic() + 120  # a hung server, not a slow one
    while not (done[200] >= RACE_ROUNDS and done[404] >= RACE_ROUNDS) and not leaks:
        assert time.monotonic() < end, done
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    assert not leaks, f"{len(leaks)} answers carried the file outside the content dir"
    assert set(done) <= {"swaps", 200, 404}, done
