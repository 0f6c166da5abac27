"""mod_bantin as a citizen of HTTP and of httpd.

Validators (strong content-derived ETags, Last-Modified, 304s), HEAD, Vary and
Cache-Control, the module's own gzip, and the stock modules a site puts around
it: mod_deflate (no double compression), mod_cache + mod_cache_disk (hits, and
changes seen after max-age), mod_headers; 405 with Allow; hostile query
strings; the blocks (fragments) and their own ETags.

Everything goes through BantinHttpd.raw(), which sends exactly the headers
given (no Accept-Encoding unless a test sets one) and never decompresses.
"""

import email.utils
import gzip
import os
import re
import shutil
import time

import pytest

from bantin_httpd import (REPO, SEED_SLUG, BantinHttpd, Portal, modules_conf, open_to_all,
                          parse_html, write_article)

ARTICLE = f"/portal/article/{SEED_SLUG}"
TOOLBAR = f"/portal/block/toolbar/{SEED_SLUG}"
VIEW = f"/portal/block/view/{SEED_SLUG}"
LIST_BLOCK = "/portal/block/list?page=1"
HOME = "/portal/"

PAGES = [HOME, "/portal/?page=2", ARTICLE, TOOLBAR, VIEW, LIST_BLOCK]
ARTICLE_PAGES = [ARTICLE, TOOLBAR, VIEW]
LIST_PAGES = [HOME, "/portal/?page=2", LIST_BLOCK]

ETAG = re.compile(r'^"bt-([0-9a-f]{16})"$')
ETAG_GZ = re.compile(r'^"bt-([0-9a-f]{16})-gz"$')

# Headers that legitimately differ between two answers to the same request.
VOLATILE = {"date", "keep-alive", "connection"}


class Resp:
    """An answer from raw(): status, headers (names lower-cased, repeats kept), body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.header_list = [(k.lower(), v) for k, v in headers]
        self.body = body

    def all(self, name):
        return [v for k, v in self.header_list if k == name.lower()]

    def get(self, name, default=None):
        values = self.all(name)
        return ", ".join(values) if values else default

    def tokens(self, name):
        """Comma-separated tokens of a header, lower-cased (for Vary, Allow)."""
        return {t.strip().lower() for v in self.all(name) for t in v.split(",") if t.strip()}

    @property
    def text(self):
        return self.body.decode("utf-8")

    def plain(self):
        """The body with its Content-Encoding removed (at most one gzip layer)."""
        enc = self.get("content-encoding")
        if enc is None:
            return self.body
        assert enc.strip().lower() == "gzip", enc
        return gzip.decompress(self.body)

    def __repr__(self):
        return f"<Resp {self.status} {self.header_list} {self.body[:120]!r}>"


def fetch(h, path, method="GET", gz=False, cookie=None, headers=None, body=None):
    hdrs = {}
    if gz:
        hdrs["Accept-Encoding"] = "gzip" if gz is True else gz
    if cookie:
        hdrs["Cookie"] = cookie
    hdrs.update(headers or {})
    return Resp(*h.raw(method, path, hdrs, body))


def http_date(value):
    return email.utils.parsedate_to_datetime(value)


def body_classes(html):
    body = parse_html(html).find("body")
    return body.classes if body is not None else []


# ---- validators -----------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_etag_is_strong_and_content_derived(httpd, path):
    plain = fetch(httpd, path)
    assert plain.status == 200, plain
    m = ETAG.match(plain.get("etag", ""))
    assert m, plain.get("etag")
    packed = fetch(httpd, path, gz=True)
    assert packed.status == 200
    m_gz = ETAG_GZ.match(packed.get("etag", ""))
    assert m_gz, packed.get("etag")
    assert m.group(1) == m_gz.group(1), "the gzip form's ETag is the plain one plus -gz"
    # Last-Modified: present, a valid HTTP date, not after the answer's Date.
    lm = plain.get("last-modified")
    assert lm, plain
    assert http_date(lm) <= http_date(plain.get("date"))
    assert packed.get("last-modified") == lm
    # Same request again: the same validators.
    again = fetch(httpd, path)
    assert again.get("etag") == plain.get("etag")
    assert again.get("last-modified") == lm
    assert again.body == plain.body


def _two_copies(tmp_path):
    """Two copies of content/ and templates/ at different paths, with different mtimes."""
    copies = []
    for name, age in (("a", 86400 * 30), ("b", 0)):
        content = tmp_path / name / "srv" / "content"
        templates = tmp_path / name / "etc" / "templates"
        shutil.copytree(REPO / "content", content)
        shutil.copytree(REPO / "templates", templates)
        stamp = time.time() - age
        for root in (content, templates):
            for dirpath, _, files in os.walk(root):
                for f in files:
                    os.utime(os.path.join(dirpath, f), (stamp, stamp))
        copies.append((content, templates))
    return copies


# Pages hold absolute URLs (share links, canonical), made from the request's Host
# unless UseCanonicalName On: servers agree on a page when they agree on its URL.
# Behind a load balancer they see the reader's Host ("host"), or they are told
# their public name ("canonical", what the README recommends).
SITE_NAMING = {
    "host": ("", {"Host": "portal.example"}),
    "canonical": ("UseCanonicalName On\nServerName http://portal.example:80", {}),
}


class Server:
    """A BantinHttpd plus the headers every request to it carries."""

    def __init__(self, h, headers):
        self.h = h
        self.headers = headers

    def raw(self, method, path, headers=None, body=None):
        return self.h.raw(method, path, {**self.headers, **(headers or {})}, body)


@pytest.fixture(params=sorted(SITE_NAMING))
def two_servers(request, httpd, tmp_path):
    """The session's httpd over copy A, and a second httpd (same MPM) over copy B.

    Copy B lives elsewhere on disk and was touched (a month newer than A); the two
    listen on different ports.
    """
    conf, headers = SITE_NAMING[request.param]
    if request.param == "canonical" and httpd.mpm == "nginx":
        pytest.skip("httpd only: UseCanonicalName")
    (ca, ta), (cb, tb) = _two_copies(tmp_path)
    httpd.configure([Portal("/portal", content=ca, templates=ta)], extra=conf)
    httpd.restart()
    other = BantinHttpd(tmp_path / "second-httpd", mpm=httpd.mpm, module=httpd.module)
    other.configure([Portal("/portal", content=cb, templates=tb)], extra=conf)
    other.log_mark()
    try:
        other.start()
        yield Server(httpd, headers), Server(other, headers), ca, cb
        assert other.log_problems() == []
    finally:
        other.stop()


STEPS = [None, "bantin_fs=1", "bantin_fs=2", "bantin_fs=4", "bantin_fs=5"]


def test_etag_same_on_two_servers_with_copies(two_servers):
    a, b, _, _ = two_servers
    seen = {}
    for path in PAGES:
        for cookie in STEPS:
            for gz in (False, True):
                ra = fetch(a, path, gz=gz, cookie=cookie)
                rb = fetch(b, path, gz=gz, cookie=cookie)
                assert ra.status == rb.status == 200, (path, cookie, ra.status, rb.status)
                assert ra.get("etag") == rb.get("etag"), (path, cookie, gz)
                assert ra.plain() == rb.plain(), (path, cookie, gz)
                seen.setdefault((path, gz), {})[cookie] = ra.get("etag")
        # Last-Modified on both.  It is this server's own clock of changes
        # (inputs' ctimes and the store's last update, so that it never goes
        # back), not shared between servers: only the ETag must agree, and it
        # did above although the copies' mtimes differ by a month.
        assert http_date(fetch(a, path).get("last-modified"))
        assert http_date(fetch(b, path).get("last-modified"))
    # The other pages this module may have agree too; not the sitemap, whose
    # <lastmod> are the files' mtimes (they agree when copies keep mtimes: rsync -a).
    for path in EXTRA_PAGES:
        if "sitemap" in path:
            continue
        if path.endswith("/category/"):
            path = _category_of(a, SEED_SLUG)
        for gz in (False, True):
            ra, rb = fetch(a, path, gz=gz), fetch(b, path, gz=gz)
            assert ra.status == rb.status == 200, (path, ra.status, rb.status)
            assert ra.get("etag") == rb.get("etag"), (path, gz)
            assert ra.plain() == rb.plain(), (path, gz)
    # Every font step is its own representation, with its own tag; no cookie means
    # the default step (3), which none of 1, 2, 4, 5 is.
    for path in PAGES:
        for gz in (False, True):
            tags = list(seen[(path, gz)].values())
            assert len(set(tags)) == len(tags), (path, gz, seen[(path, gz)])


def test_etag_default_step_equals_explicit_default(httpd):
    for path in (HOME, ARTICLE, TOOLBAR):
        assert fetch(httpd, path).get("etag") == fetch(httpd, path, cookie="bantin_fs=3").get("etag")
        # a cookie that means nothing is the default too
        assert fetch(httpd, path).get("etag") == fetch(httpd, path, cookie="bantin_fs=abc").get("etag")


# How long a change may take to show before a test calls it lost, not late:
# the module promises 1 s, mod_cache adds the max-age; ten times the promise
# on top, so that a loaded machine never fails a test.
DEADLINE = 10.0


def _wait_for(fn, what, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _retitle(path, old, new):
    xml = path.read_text(encoding="utf-8")
    assert old in xml
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(xml.replace(old, new), encoding="utf-8")
    os.rename(tmp, path)


def test_etag_changes_with_the_article_only(two_servers):
    a, b, _, cb = two_servers
    other_article = "/portal/article/2023/hoi-nghi-xuc-tien-dau-tu"
    before = {p: fetch(b, p).get("etag") for p in PAGES + [other_article]}
    pids, since = b.h.serving_pids(), b.h.log_end()
    _retitle(cb / f"{SEED_SLUG}.xml", "<title>Tích cực", "<title>Đã sửa: Tích cực")
    _wait_for(lambda: "Đã sửa" in fetch(b, ARTICLE).text, "the edit on server B")
    # every serving process of B has it (nginx's workers each have their own snapshot)
    _wait_for(lambda: b.h.published_everywhere(cb, pids, since), "every process of server B")
    after = {p: fetch(b, p).get("etag") for p in PAGES + [other_article]}
    for p in (ARTICLE, VIEW, HOME, LIST_BLOCK):
        assert after[p] != before[p], p  # the title is on these
    assert after[other_article] == before[other_article]
    assert after["/portal/?page=2"] == before["/portal/?page=2"]  # the seed is on page 1
    # Server A still has the old copy: its ETag is the old one, B's new one differs.
    assert fetch(a, ARTICLE).get("etag") == before[ARTICLE]
    # ... and an old ETag no longer validates on B.
    r = fetch(b, ARTICLE, headers={"If-None-Match": before[ARTICLE]})
    assert r.status == 200 and "Đã sửa" in r.text


@pytest.mark.parametrize("path", PAGES)
def test_if_none_match(httpd, path):
    first = fetch(httpd, path)
    etag = first.get("etag")
    r = fetch(httpd, path, headers={"If-None-Match": etag})
    assert r.status == 304, r
    assert r.body == b""
    # A 304 carries what the 200 would have said about caching (RFC 9110 15.4.5).
    assert r.get("etag") == etag
    assert r.get("cache-control") == first.get("cache-control")
    assert r.tokens("vary") == first.tokens("vary")
    # Lists of tags, "*", and weak comparison all match.
    for inm in (f'"bt-0000000000000000", {etag}', "*", f"W/{etag}"):
        assert fetch(httpd, path, headers={"If-None-Match": inm}).status == 304, inm
    # Another tag, or the tag of another font step, does not.
    assert fetch(httpd, path, headers={"If-None-Match": '"bt-0000000000000000"'}).status == 200
    other = fetch(httpd, path, cookie="bantin_fs=5", headers={"If-None-Match": etag})
    assert other.status == 200 and other.get("etag") != etag


@pytest.mark.parametrize("path", PAGES)
def test_if_none_match_gzip(httpd, path):
    first = fetch(httpd, path, gz=True)
    assert first.get("content-encoding") == "gzip"
    etag = first.get("etag")
    assert etag.endswith('-gz"')
    r = fetch(httpd, path, gz=True, headers={"If-None-Match": etag})
    assert r.status == 304 and r.body == b""
    assert r.get("etag") == etag
    # A client holding both forms lists both tags.
    plain_tag = fetch(httpd, path).get("etag")
    both = f"{plain_tag}, {etag}"
    assert fetch(httpd, path, gz=True, headers={"If-None-Match": both}).status == 304
    assert fetch(httpd, path, headers={"If-None-Match": both}).status == 304


@pytest.mark.parametrize("path", PAGES)
def test_if_modified_since(httpd, path):
    first = fetch(httpd, path)
    lm = first.get("last-modified")
    r = fetch(httpd, path, headers={"If-Modified-Since": lm})
    assert r.status == 304 and r.body == b"", r
    assert r.get("etag") == first.get("etag")
    earlier = email.utils.format_datetime(http_date(lm).replace(year=http_date(lm).year - 1),
                                          usegmt=True)
    r = fetch(httpd, path, headers={"If-Modified-Since": earlier})
    assert r.status == 200 and r.body == first.body
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    r = fetch(httpd, path, headers={"If-Modified-Since": lm,
                                    "If-None-Match": '"bt-0000000000000000"'})
    assert r.status == 200


@pytest.mark.parametrize("path", [HOME, ARTICLE, TOOLBAR])
def test_if_match_and_if_unmodified_since(httpd, path):
    first = fetch(httpd, path)
    etag, lm = first.get("etag"), first.get("last-modified")
    assert fetch(httpd, path, headers={"If-Match": etag}).status == 200
    assert fetch(httpd, path, headers={"If-Match": "*"}).status == 200
    assert fetch(httpd, path, headers={"If-Match": '"bt-0000000000000000"'}).status == 412
    # If-Match uses the strong comparison: a weak tag never matches.
    assert fetch(httpd, path, headers={"If-Match": f"W/{etag}"}).status == 412
    assert fetch(httpd, path, headers={"If-Unmodified-Since": lm}).status == 200
    earlier = email.utils.format_datetime(http_date(lm).replace(year=http_date(lm).year - 1),
                                          usegmt=True)
    assert fetch(httpd, path, headers={"If-Unmodified-Since": earlier}).status == 412


NEWEST = "2024/le-hoi-long-tong-ba-be"  # first on every list it is on


def _category_of(httpd, slug):
    """The URL of the article's category page (the article links to it)."""
    xml = (REPO / "content" / f"{slug}.xml").read_text(encoding="utf-8")
    name = re.search(r"<category>(.*?)</category>", xml).group(1)
    r = fetch(httpd, f"/portal/article/{slug}")
    assert r.status == 200, f"{slug}: {r.status}"
    m = re.search(r'href="(/portal/category/[a-z0-9-]+)"[^>]*>' + re.escape(name) + "</a>", r.text)
    assert m, f"{slug}: no link to its category {name!r}"
    return m.group(1)


@pytest.mark.parametrize("which", ["home", "list-block", "feed", "category"])
def test_list_last_modified_never_goes_back(httpd, site_copy, which):
    """A list's Last-Modified must move forward whenever the list changes, or a
    client that revalidates with If-Modified-Since alone keeps a stale list: here a
    retracted (deleted) article stays listed.  Taking the newest mtime of the
    articles now on the page goes *back* when the newest one is removed."""
    content, templates = site_copy
    base = time.time() - 86400
    for root in (content, templates):
        for dirpath, _, files in os.walk(root):
            for f in files:
                os.utime(os.path.join(dirpath, f), (base, base))
    newest = content / f"{NEWEST}.xml"
    os.utime(newest, (base + 3600, base + 3600))
    httpd.configure([Portal("/portal", content=content, templates=templates)])
    httpd.restart()
    path = {"home": HOME, "list-block": LIST_BLOCK, "feed": "/portal/feed.xml",
            "category": _category_of(httpd, NEWEST)}[which]
    gone = NEWEST.rsplit("/", 1)[1]
    before = fetch(httpd, path)
    assert before.status == 200 and gone in before.text
    lm = before.get("last-modified")
    # HTTP dates count seconds: a change within the same second as the page's
    # Last-Modified cannot show in it (the ETag covers that).
    time.sleep(max(0.0, http_date(lm).timestamp() + 1.1 - time.time()))
    newest.unlink()
    _wait_for(lambda: gone not in fetch(httpd, path).text, "the removal")
    after = fetch(httpd, path)
    assert after.get("etag") != before.get("etag")
    assert http_date(after.get("last-modified")) >= http_date(lm), (
        f"{path}: Last-Modified went back from {lm} to {after.get('last-modified')}")
    r = fetch(httpd, path, headers={"If-Modified-Since": lm})
    assert r.status == 200 and gone not in r.text, (
        f"{path}: If-Modified-Since alone got a {r.status} for a list that changed")


# Pages beyond the article and list pages: each must answer 200 with validators.
EXTRA_PAGES = ["/portal/feed.xml", "/portal/sitemap.xml", f"/portal/print/{SEED_SLUG}",
               "/portal/category/"]


@pytest.mark.parametrize("path", EXTRA_PAGES)
def test_other_pages_have_validators(httpd, path):
    if path.endswith("/category/"):
        path = _category_of(httpd, SEED_SLUG)
    first = fetch(httpd, path)
    assert first.status == 200, f"{path}: {first.status}"
    assert ETAG.match(first.get("etag", "")), first.get("etag")
    assert first.get("last-modified")
    assert fetch(httpd, path, headers={"If-None-Match": first.get("etag")}).status == 304
    assert fetch(httpd, path, headers={"If-Modified-Since": first.get("last-modified")}).status == 304
    head = fetch(httpd, path, method="HEAD")
    strip = lambda r: sorted((k, v) for k, v in r.header_list if k not in VOLATILE)
    assert head.body == b"" and strip(head) == strip(first)
    packed = fetch(httpd, path, gz=True)
    assert packed.plain() == first.body


@pytest.mark.parametrize("path", PAGES + ["/portal/khong-co", "/portal/article/khong-co"])
@pytest.mark.parametrize("gz", [False, True])
def test_head_same_headers_no_body(httpd, path, gz):
    g = fetch(httpd, path, gz=gz)
    h = fetch(httpd, path, method="HEAD", gz=gz)
    assert h.status == g.status
    assert h.body == b""
    strip = lambda r: sorted((k, v) for k, v in r.header_list if k not in VOLATILE)
    assert strip(h) == strip(g)
    if g.get("content-length") is not None:
        assert int(g.get("content-length")) == len(g.body)


@pytest.mark.parametrize("path", PAGES)
def test_vary_and_cache_control(httpd, path):
    r = fetch(httpd, path)
    assert {"cookie", "accept-encoding"} <= r.tokens("vary"), r.all("vary")
    want = "max-age=60" if path in LIST_PAGES else "max-age=300"
    assert r.get("cache-control") == want
    assert fetch(httpd, path, gz=True).get("cache-control") == want


def test_max_age_directives(httpd):
    httpd.configure([Portal("/portal", directives=["BantinArticleMaxAge 17",
                                                   "BantinListMaxAge 7"])])
    httpd.restart()
    for path in ARTICLE_PAGES:
        assert fetch(httpd, path).get("cache-control") == "max-age=17", path
        assert fetch(httpd, path, gz=True).get("cache-control") == "max-age=17", path
    for path in LIST_PAGES:
        assert fetch(httpd, path).get("cache-control") == "max-age=7", path


def test_max_age_directives_merge(httpd):
    """An inner section overrides one max-age and inherits the other."""
    httpd.configure([Portal("/portal", directives=["BantinArticleMaxAge 17",
                                                   "BantinListMaxAge 7"])],
                    extra='<Location "/portal/article">\n    BantinArticleMaxAge 30\n</Location>')
    httpd.restart()
    assert fetch(httpd, ARTICLE).get("cache-control") == "max-age=30"
    assert fetch(httpd, TOOLBAR).get("cache-control") == "max-age=17"
    assert fetch(httpd, HOME).get("cache-control") == "max-age=7"


# ---- Vary: Cookie only where the font step is on the page ------------------

CATEGORY = "/portal/category/nong-thon-moi"
FEEDS_AND_SITEMAP = ["/portal/feed.xml", f"{CATEGORY}/feed.xml", "/portal/sitemap.xml"]
COOKIE_PAGES = [HOME, "/portal/?page=2", ARTICLE, f"/portal/print/{SEED_SLUG}", TOOLBAR,
                CATEGORY, "/portal/search", "/portal/khong-co"]


@pytest.mark.parametrize("path", FEEDS_AND_SITEMAP)
@pytest.mark.parametrize("gz", [False, True])
def test_feeds_and_sitemap_do_not_vary_on_cookie(httpd, path, gz):
    """Their bytes hold no font step: one cached copy serves every reader."""
    plain = fetch(httpd, path, gz=gz)
    assert plain.status == 200, plain
    small = fetch(httpd, path, gz=gz, cookie="bantin_fs=1")
    for r in (plain, small):
        assert "cookie" not in r.tokens("vary"), (path, r.all("vary"))
        assert r.get("cache-control") == "max-age=60"
    assert small.body == plain.body
    assert small.get("etag") == plain.get("etag")
    again = fetch(httpd, path, gz=gz, cookie="bantin_fs=5",
                  headers={"If-None-Match": plain.get("etag")})
    assert again.status == 304
    assert "cookie" not in again.tokens("vary")


@pytest.mark.parametrize("path", COOKIE_PAGES)
def test_pages_vary_on_cookie(httpd, path):
    """A page shows the reader's font step: its bytes change with the cookie."""
    plain = fetch(httpd, path)
    small = fetch(httpd, path, cookie="bantin_fs=1")
    assert small.status == plain.status
    for r in (plain, small):
        assert "cookie" in r.tokens("vary"), (path, r.all("vary"))
    assert small.body != plain.body


# ---- error pages: a short max-age -------------------------------------------

ERRORS = [("GET", "/portal/khong-co", 404), ("GET", "/portal/article/2099/chua-co", 404),
          ("GET", "/portal/category/khong-co", 404), ("GET", "/portal/?page=999", 404),
          ("GET", "/portal/?page=abc", 400), ("GET", "/portal/category/khong-co/feed.xml", 404),
          ("GET", "/portal/sitemap-9.xml", 404), ("GET", "/portal/media/khong-co.png", 404),
          ("GET", "/portal/static/khong-co.css", 404), ("DELETE", ARTICLE, 405),
          ("POST", "/portal/feed.xml", 405)]


@pytest.mark.parametrize("method,path,status", ERRORS)
@pytest.mark.parametrize("gz", [False, True])
def test_error_pages_have_a_short_max_age(httpd, method, path, status, gz):
    """An article that is absent now may be dropped in, or reach its <date>, at any
    moment: caches keep its 404 for BantinErrorMaxAge (5 s) at most."""
    r = fetch(httpd, path, method=method, gz=gz, body=b"x=1" if method == "POST" else None)
    assert r.status == status, r
    assert r.all("cache-control") == ["max-age=5"], r.header_list
    # in the portal's layout, at the reader's font step
    assert "cookie" in r.tokens("vary")


def test_error_max_age_directive(httpd):
    """BantinErrorMaxAge sets it, merged like the other max-ages; pages keep theirs."""
    httpd.configure([Portal("/portal", directives=["BantinErrorMaxAge 2"])],
                    extra='<Location "/portal/article">\n    BantinErrorMaxAge 0\n</Location>')
    httpd.restart()
    assert fetch(httpd, "/portal/khong-co").get("cache-control") == "max-age=2"
    assert fetch(httpd, "/portal/?page=abc").get("cache-control") == "max-age=2"
    assert fetch(httpd, "/portal/article/khong-co").get("cache-control") == "max-age=0"
    assert fetch(httpd, ARTICLE).get("cache-control") == "max-age=300"
    assert fetch(httpd, HOME).get("cache-control") == "max-age=60"


# ---- the module's own gzip ------------------------------------------------

@pytest.mark.parametrize("path", PAGES + ["/portal/khong-co"])
@pytest.mark.parametrize("cookie", [None, "bantin_fs=1", "bantin_fs=5"])
def test_gzip_is_exactly_the_plain_page(httpd, path, cookie):
    plain = fetch(httpd, path, cookie=cookie)
    assert plain.get("content-encoding") is None
    packed = fetch(httpd, path, gz=True, cookie=cookie)
    assert packed.status == plain.status
    if packed.get("content-encoding") is None:  # small error pages may go plain
        assert packed.body == plain.body
        return
    assert packed.get("content-encoding") == "gzip"
    assert packed.body[:2] == b"\x1f\x8b"
    assert int(packed.get("content-length")) == len(packed.body)
    assert gzip.decompress(packed.body) == plain.body
    assert "accept-encoding" in packed.tokens("vary")


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "gzip; q=0.000, identity",
                                    "deflate", "br", "x-unknown"])
def test_no_gzip_unless_accepted(httpd, accept):
    plain = fetch(httpd, ARTICLE)
    r = fetch(httpd, ARTICLE, gz=accept)
    assert r.get("content-encoding") is None, accept
    assert r.body == plain.body
    assert r.get("etag") == plain.get("etag")


@pytest.mark.parametrize("accept", ["gzip", "GZIP", "deflate, gzip", "br;q=1.0, gzip;q=0.8, *;q=0.1",
                                    "gzip;q=1", " gzip "])
def test_gzip_when_accepted(httpd, accept):
    plain = fetch(httpd, ARTICLE)
    r = fetch(httpd, ARTICLE, gz=accept)
    assert r.get("content-encoding") == "gzip", accept
    assert gzip.decompress(r.body) == plain.body


# ---- mod_deflate ------------------------------------------------------------

DEFLATE_VARIANTS = {
    "SetOutputFilter": "SetOutputFilter DEFLATE",
    "AddOutputFilterByType": "AddOutputFilterByType DEFLATE text/html",
}


@pytest.mark.parametrize("variant", sorted(DEFLATE_VARIANTS))
@pytest.mark.httpd_only("mod_deflate")
def test_mod_deflate_no_double_compression(httpd, variant):
    httpd.configure([Portal("/portal", directives=[DEFLATE_VARIANTS[variant]])],
                    modules=("filter", "deflate"))
    httpd.restart()
    for path in PAGES + ["/portal/khong-co"]:
        for cookie in (None, "bantin_fs=5"):
            plain = fetch(httpd, path, cookie=cookie, gz="identity")
            assert plain.get("content-encoding") is None, (path, plain)
            assert plain.body.lstrip().startswith(b"<"), (path, plain.body[:20])
            for accept in ("gzip", "gzip, deflate", "deflate, gzip, br"):
                r = fetch(httpd, path, cookie=cookie, gz=accept)
                assert r.status == plain.status
                encodings = [t.strip() for t in r.get("content-encoding", "").split(",") if t.strip()]
                assert len(encodings) <= 1, (path, r.get("content-encoding"))
                body = r.plain()
                assert body[:2] != b"\x1f\x8b", f"{path}: compressed twice"
                assert body == plain.body, path
            # No Accept-Encoding at all: plain, from both the module and mod_deflate.
            none = fetch(httpd, path, cookie=cookie)
            assert none.get("content-encoding") is None and none.body == plain.body
    # Conditional requests still work with mod_deflate in the chain.
    for gz in (False, True):
        first = fetch(httpd, ARTICLE, gz=gz)
        r = fetch(httpd, ARTICLE, gz=gz, headers={"If-None-Match": first.get("etag")})
        assert r.status == 304, (gz, first.get("etag"), r)


# ---- mod_cache + mod_cache_disk ----------------------------------------------

def cache_conf(tmp_path, quick):
    root = tmp_path / "cache"
    root.mkdir(exist_ok=True)
    open_to_all(root)
    if os.geteuid() == 0:
        os.chown(root, 65534, 65534)  # the children's User (nobody) writes it
    return "\n".join([
        modules_conf("cache", "cache_disk"),
        f'CacheRoot "{root}"',
        "CacheEnable disk /portal",
        f"CacheQuickHandler {quick}",
        "CacheHeader on",
        "CacheDetailHeader on",
        "CacheDirLevels 2",
        "CacheDirLength 1",
    ])


# mod_cache_disk commits an entity after the reader has its answer; a request
# arriving in between may find the header file without its data file and logs
# AH00708 (then answers from the handler).  A race of httpd's, not of the module.
CACHE_DISK_RACE = r"AH00708: Cannot open data file"


def cache_status(r):
    """HIT, MISS, REVALIDATE... from mod_cache's X-Cache header."""
    value = r.get("x-cache")
    assert value, f"no X-Cache header: {r.header_list}"
    return value.split()[0]


@pytest.mark.parametrize("quick", ["on", "off"])
@pytest.mark.httpd_only("mod_cache")
def test_mod_cache_hit(httpd, tmp_path, quick):
    httpd.configure([Portal("/portal")], extra=cache_conf(tmp_path, quick))
    httpd.restart()
    httpd.expect_log(CACHE_DISK_RACE)
    for path in (ARTICLE, HOME, TOOLBAR):
        for cookie in (None, "bantin_fs=5"):
            first = fetch(httpd, path, cookie=cookie)
            assert first.status == 200
            second = _wait_for(
                lambda: (lambda r: r if cache_status(r) == "HIT" else None)(
                    fetch(httpd, path, cookie=cookie)),
                f"a cache hit on {path} {cookie}", timeout=3)
            assert second.body == first.body
            assert second.get("etag") == first.get("etag")
            if path != TOOLBAR:
                want = "bantin-fs-5" if cookie else "bantin-fs-3"
                assert want in body_classes(second.text), (path, cookie)
    # The cache keeps one copy per font size (Vary: Cookie) and per encoding.
    r5 = fetch(httpd, ARTICLE, cookie="bantin_fs=5")
    r1 = fetch(httpd, ARTICLE, cookie="bantin_fs=1")
    assert "bantin-fs-1" in body_classes(r1.text) and "bantin-fs-5" in body_classes(r5.text)
    g = fetch(httpd, ARTICLE, gz=True)
    assert g.get("content-encoding") == "gzip"
    assert gzip.decompress(g.body) == fetch(httpd, ARTICLE).body


def _cached_portal(httpd, tmp_path, site_copy, quick, *directives):
    """/portal on this test's copy of the site, behind mod_cache; the content dir."""
    content, templates = site_copy
    httpd.configure([Portal("/portal", content=content, templates=templates,
                            directives=list(directives))],
                    extra=cache_conf(tmp_path, quick))
    httpd.restart()
    httpd.expect_log(CACHE_DISK_RACE)
    return content


def _cached_title(httpd, path):
    r = fetch(httpd, path)
    assert r.status == 200, r
    return r, parse_html(r.text).find("h1", cls="bantin-title").text()


@pytest.mark.parametrize("quick", ["on", "off"])
@pytest.mark.httpd_only("mod_cache")
def test_mod_cache_sees_a_change_after_max_age(httpd, tmp_path, site_copy, quick):
    content = _cached_portal(httpd, tmp_path, site_copy, quick, "BantinArticleMaxAge 2")
    r, title = _cached_title(httpd, ARTICLE)
    assert r.get("cache-control") == "max-age=2"
    t_cached = time.monotonic()
    # stored once the next request is a hit (the store ends after the answer)
    _wait_for(lambda: cache_status(fetch(httpd, ARTICLE)) == "HIT", "the page in the cache")
    _retitle(content / f"{SEED_SLUG}.xml", "<title>Tích cực", "<title>Đã sửa: Tích cực")
    r, now_title = _cached_title(httpd, ARTICLE)
    # Checked only while surely inside the max-age (a slow machine skips it):
    # the cache stored the page before t_cached, so its age is below ours.
    if time.monotonic() - t_cached < 1.5:
        assert cache_status(r) == "HIT" and now_title == title, "served from the cache until max-age"
    # then polled: the edit shows once the 2 s max-age is over
    fresh = _wait_for(lambda: (lambda rt: rt if rt[1].startswith("Đã sửa") else None)(
        _cached_title(httpd, ARTICLE)), "the edit through mod_cache", timeout=2 + DEADLINE)
    assert fresh[0].status == 200


@pytest.mark.parametrize("quick", ["on", "off"])
@pytest.mark.httpd_only("mod_cache")
def test_mod_cache_revalidates_an_unchanged_page(httpd, tmp_path, site_copy, quick):
    """After max-age mod_cache asks the module with If-None-Match; the reader, who sent
    no condition, must still get the page (200), never a bare 304.

    httpd's own file handler answers such a revalidation by passing an EOS through
    r->output_filters with r->status = 304, so that mod_cache's CACHE_SAVE filter sees
    the 304 and serves its stored copy; a handler that *returns* HTTP_NOT_MODIFIED goes
    through ap_die(), which drops the resource filters (CACHE_SAVE among them), and the
    reader gets an empty 304 to an unconditional GET.
    """
    _cached_portal(httpd, tmp_path, site_copy, quick,
                   "BantinArticleMaxAge 1", "BantinListMaxAge 1")
    for path in (ARTICLE, HOME):
        first = fetch(httpd, path)
        assert first.status == 200
        _wait_for(lambda: cache_status(fetch(httpd, path)) == "HIT", "the page in the cache")

        def revalidated():
            """Every answer is the page; True once mod_cache revalidated its copy
            (after the 1 s max-age), rather than after a guessed sleep."""
            r = fetch(httpd, path)
            assert r.status == 200, (f"{path}: an unconditional GET answered {r.status} "
                                     f"(X-Cache: {r.get('x-cache')})")
            assert r.body == first.body
            return cache_status(r) == "REVALIDATE"
        _wait_for(revalidated, f"{path}: a revalidation by mod_cache", timeout=1 + DEADLINE)
        r = fetch(httpd, path)
        assert r.status == 200 and r.body == first.body, (path, r.status, r.get("x-cache"))


@pytest.mark.parametrize("quick", ["on", "off"])
@pytest.mark.httpd_only("mod_cache")
def test_mod_cache_lets_a_404_go_after_its_max_age(httpd, tmp_path, site_copy, quick):
    """A 404 carries a max-age, so a cache keeps it, but only briefly: an article dropped
    in after a reader asked for it is served through the cache once that max-age is over."""
    content = _cached_portal(httpd, tmp_path, site_copy, quick, "BantinErrorMaxAge 2")
    path = "/portal/article/2024/vua-dang"
    first = fetch(httpd, path)
    assert first.status == 404 and first.get("cache-control") == "max-age=2"
    _wait_for(lambda: cache_status(fetch(httpd, path)) == "HIT", "the 404 in the cache")
    write_article(content, "2024/vua-dang", title="Vừa đăng", date="2024-05-02")
    fresh = _wait_for(lambda: (lambda r: r if r.status == 200 else None)(fetch(httpd, path)),
                      "the new article through mod_cache", timeout=2 + DEADLINE)
    assert "Vừa đăng" in fresh.text


# ---- mod_headers ------------------------------------------------------------

@pytest.mark.httpd_only("mod_headers")
def test_mod_headers(httpd):
    httpd.configure([Portal("/portal", directives=[
        "Header set X-Test yes",
        "Header always set X-Always yes",
        "Header set Content-Security-Policy \"default-src 'none'\"",
    ])], modules=("headers",))
    httpd.restart()
    for path in PAGES:
        for gz in (False, True):
            r = fetch(httpd, path, gz=gz)
            assert r.status == 200
            assert r.all("x-test") == ["yes"], (path, r.header_list)
            assert r.all("x-always") == ["yes"]
            assert r.all("content-security-policy") == ["default-src 'none'"]
            c = fetch(httpd, path, gz=gz, headers={"If-None-Match": r.get("etag")})
            assert c.status == 304
            assert c.all("x-always") == ["yes"]
    for path, status in (("/portal/khong-co", 404), ("/portal/?page=abc", 400)):
        r = fetch(httpd, path)
        assert r.status == status
        assert r.all("x-always") == ["yes"]
    r = fetch(httpd, ARTICLE, method="DELETE")
    assert r.status == 405 and r.all("x-always") == ["yes"]


# ---- methods ------------------------------------------------------------------

@pytest.mark.parametrize("path", [HOME, ARTICLE, TOOLBAR, VIEW, LIST_BLOCK,
                                  "/portal/static/bantin.css", "/portal/media/images/ho-ba-be.png"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_405_with_allow(httpd, path, method):
    body = b"x=1" if method in ("POST", "PUT", "PATCH") else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    r = fetch(httpd, path, method=method, headers=headers, body=body)
    assert r.status == 405, (method, path, r.status)
    assert r.tokens("allow") == {"get", "head"}, r.all("allow")
    assert b"Internal Server Error" not in r.body
    assert "<!DOCTYPE html>" in r.text and 'lang="vi"' in r.text  # the portal's 405 page


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_fontsize_allows_post(httpd, method):
    r = fetch(httpd, "/portal/fontsize", method=method,
              body=b"step=up" if method in ("PUT", "PATCH") else None)
    assert r.status == 405
    assert r.tokens("allow") == {"get", "head", "post"}


# ---- hostile and unknown query strings -----------------------------------------

LONG = 7000


QUERIES = {
    "junk": "x" * LONG,
    "huge-page": "page=" + "9" * LONG,
    "many-params": "page=1&" + "a=b&" * (LONG // 4),
    "bad-bytes": "page=" + "%ff%fe%00" * (LONG // 9),
    "ampersands": "&" * LONG,
    "equals": "=" * LONG,
    "repeated-page": "page=1&page=2&page=" + "1" * LONG,
    "fontsize-form": "step=" + "u" * (LONG // 2) + "&back=" + "a/" * (LONG // 4),
    "tracking": "utm_source=zalo&utm_medium=social&fbclid=" + "A" * LONG,
}


@pytest.mark.parametrize("path", [HOME, ARTICLE, TOOLBAR, VIEW, "/portal/block/list",
                                  "/portal/fontsize", "/portal/static/bantin.css",
                                  "/portal/media/images/ho-ba-be.png", "/portal/khong-co"])
@pytest.mark.parametrize("query", sorted(QUERIES))
def test_long_and_unknown_queries_never_500(httpd, path, query):
    r = fetch(httpd, f"{path}?{QUERIES[query]}")
    assert r.status in (200, 303, 400, 404), (r.status, r.body[:200])
    assert b"Internal Server Error" not in r.body


@pytest.mark.parametrize("path", [HOME, ARTICLE, TOOLBAR, VIEW])
def test_unknown_params_change_nothing(httpd, path):
    base = fetch(httpd, path)
    sep = "&" if "?" in path else "?"
    r = fetch(httpd, f"{path}{sep}utm_source=zalo&fbclid=abc&_={int(time.time())}")
    assert r.status == 200
    assert r.get("etag") == base.get("etag")
    assert r.body == base.body


# ---- blocks --------------------------------------------------------------------

@pytest.mark.parametrize("path", [TOOLBAR, VIEW, LIST_BLOCK, "/portal/block/list"])
def test_block_is_a_fragment(httpd, path):
    r = fetch(httpd, path)
    assert r.status == 200
    assert r.get("content-type").replace(" ", "").lower() == "text/html;charset=utf-8"
    low = r.text.lower()
    for tag in ("<!doctype", "<html", "<head", "<body", "<title"):
        assert tag not in low, (path, tag)
    assert r.text.strip().startswith("<"), r.text[:80]


def test_blocks_are_the_page_parts(httpd):
    page = fetch(httpd, ARTICLE).text
    for path, ident in ((TOOLBAR, "Block_BanTin_Toolbar"), (VIEW, "Block_BanTin_ViewData")):
        frag = fetch(httpd, path).text
        assert f'id="{ident}"' in frag
        assert frag.strip() in page, f"{path} is not byte for byte the block of the page"
    home = fetch(httpd, HOME).text
    assert fetch(httpd, LIST_BLOCK).text.strip() in home
    assert fetch(httpd, "/portal/block/list").text == fetch(httpd, LIST_BLOCK).text


def test_block_escaping_matches_the_page(httpd, site_copy):
    content, templates = site_copy
    slug = "2024/ky-tu-dac-biet"
    title = 'A & B <i>không</i> "nháy" \'đơn\' </section><script>alert(1)</script>'
    write_article(content, slug, title=title, date="2024-02-02",
                  summary="Tóm tắt <b>không</b> & \"nháy\".",
                  paragraphs=["Đoạn & <đoạn>."], author='Tác giả "X" & <Y>')
    httpd.configure([Portal("/portal", content=content, templates=templates)])
    httpd.restart()
    page = fetch(httpd, f"/portal/article/{slug}").text
    view = fetch(httpd, f"/portal/block/view/{slug}").text
    toolbar = fetch(httpd, f"/portal/block/toolbar/{slug}").text
    for frag in (view, toolbar):
        assert "<script>" not in frag
        assert "</section><script>" not in frag
        assert frag.strip() in page
    assert "A &amp; B &lt;i&gt;" in view
    doc = parse_html(view)
    assert doc.find("h1", cls="bantin-title").text() == title


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_toolbar_block_carries_the_step(httpd, step):
    r = fetch(httpd, TOOLBAR, cookie=f"bantin_fs={step}")
    doc = parse_html(r.text)
    form = doc.find("form", cls="bantin-fontsize")
    assert form.get("data-step") == str(step)
    up = doc.find("button", cls="bantin-fs-up")
    down = doc.find("button", cls="bantin-fs-down")
    assert up.has("disabled") == (step == 5)
    assert down.has("disabled") == (step == 1)
    assert doc.find("time", cls="bantin-date").text() == "04/01/2024"
    assert "bantin-fs-" not in (doc.find("body") and doc.find("body").get("class") or "")
    page = fetch(httpd, ARTICLE, cookie=f"bantin_fs={step}")
    assert f"bantin-fs-{step}" in body_classes(page.text)


def test_block_etags_differ_from_the_page(httpd):
    tags = {p: fetch(httpd, p).get("etag") for p in (ARTICLE, TOOLBAR, VIEW, HOME, LIST_BLOCK)}
    assert len(set(tags.values())) == len(tags), tags
    # each block validates on its own
    for p, tag in tags.items():
        assert fetch(httpd, p, headers={"If-None-Match": tag}).status == 304
    assert fetch(httpd, TOOLBAR, headers={"If-None-Match": tags[ARTICLE]}).status == 200
    assert fetch(httpd, TOOLBAR, cookie="bantin_fs=1").get("etag") != tags[TOOLBAR]


@pytest.mark.parametrize("path", ["/portal/block/toolbar/khong-co", "/portal/block/view/khong-co",
                                  "/portal/block/list?page=99", "/portal/block/khong-co",
                                  "/portal/block/", "/portal/block"])
def test_unknown_block_is_404(httpd, path):
    r = fetch(httpd, path)
    assert r.status == 404, (path, r.status)


def test_block_list_bad_page_is_400(httpd):
    assert fetch(httpd, "/portal/block/list?page=abc").status == 400


# ---- ranges ----------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_range_requests_are_consistent(httpd, gz):
    full = fetch(httpd, ARTICLE, gz=gz)
    r = fetch(httpd, ARTICLE, gz=gz, headers={"Range": "bytes=0-99"})
    assert r.status in (200, 206)
    if r.status == 206:
        assert r.body == full.body[:100]
        assert r.get("etag") == full.get("etag")
    else:
        assert r.body == full.body
    # If-Range with the current strong ETag honours the range; with another one the
    # whole page comes back.
    r = fetch(httpd, ARTICLE, gz=gz, headers={"Range": "bytes=10-19", "If-Range": full.get("etag")})
    if r.status == 206:
        assert r.body == full.body[10:20]
    r = fetch(httpd, ARTICLE, gz=gz, headers={"Range": "bytes=10-19",
                                              "If-Range": '"bt-0000000000000000"'})
    assert r.status == 200 and r.body == full.body
