"""httpd and nginx over the same content answer byte for byte alike: the
same bodies and the same validators (ETag, Last-Modified), Vary and
Cache-Control, so that a mixed pool behind one cache agrees.

A page that shows the store's state (lists, articles with their neighbours,
feeds, the sitemap) is as new as the snapshot it comes from: its
Last-Modified is that server's own publishing time, the same on all those
pages of one server, and the two servers' agree only when they published
in the same second.  That is checked as such; media and static files
carry their file's time, the same from both.

Runs once, whatever BANTIN_MPMS says: an httpd (event) and an nginx,
each started here over one copy of content/ and templates/.
"""

import shutil
import time
from email.utils import parsedate_to_datetime

import pytest

from bantin_httpd import REPO, BantinHttpd, Portal, module_path
from bantin_nginx import BantinNginx, nginx_module_path

SLUG = "2024/giup-do-xa-kho-khan"
PATHS = [
    "/portal/", "/portal/?page=2", f"/portal/article/{SLUG}", f"/portal/print/{SLUG}",
    f"/portal/block/toolbar/{SLUG}", f"/portal/block/view/{SLUG}", "/portal/block/list?page=1",
    "/portal/feed.xml", "/portal/sitemap.xml", "/portal/search?q=ba+b%E1%BB%83",
    "/portal/media/images/ho-ba-be.png", "/portal/static/bantin.css",
    "/portal/khong-co", "/portal/article/khong-co",
]
SEARCH = "/portal/search?q=ba+b%E1%BB%83"
# pages dated by their file, not by the snapshot
FILE_DATED = ("/portal/media/", "/portal/static/")
SAME = ("etag", "last-modified", "content-type", "content-encoding", "vary", "cache-control",
        "content-security-policy", "x-content-type-options", "referrer-policy", "allow")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if module_path() is None or not module_path().exists() or not nginx_module_path().exists():
        pytest.fail("run `make` first: both modules are needed")
    site = tmp_path_factory.mktemp("both-site")
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, site / name)
    made = []
    t0 = time.time()
    try:
        for cls, kw in ((BantinHttpd, {"mpm": "event", "module": module_path()}),
                        (BantinNginx, {"module": nginx_module_path()})):
            h = cls(tmp_path_factory.mktemp(cls.__name__), **kw)
            h.configure([Portal("/portal", content=site / "content", templates=site / "templates")])
            h.log_mark()
            h.start()
            made.append(h)
        t1 = time.time()
        for h in made:  # each server's publishing time, during its start
            h.published = answer(h, "/portal/", {})[1]["last-modified"]
            assert int(t0) <= parsedate_to_datetime(h.published).timestamp() <= t1, (
                h.mpm, h.published, t0, t1)
        # the search index is written in the background by one process;
        # the others learn it is complete within 100 ms: both servers
        # ready first, in every process (20 answers in a row, each on a
        # connection of its own, which any worker or child may take)
        deadline = time.monotonic() + 60
        for h in made:
            ready = 0
            while ready < 20:
                if answer(h, SEARCH, {})[1].get("cache-control") == "no-store":
                    ready = 0
                    assert time.monotonic() < deadline, f"{h.mpm}: search never ready"
                    time.sleep(0.1)
                else:
                    ready += 1
        yield made
        for h in made:
            assert not h.log_problems(), h.log_problems()
    finally:
        for h in made:
            h.stop()


def answer(h, path, headers):
    status, hdrs, body = h.raw("GET", path, {"Host": "portal.example", **headers})
    return status, {k.lower(): v.replace(", ", ",") for k, v in hdrs if k.lower() in SAME}, body


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("path", PATHS)
def test_same_answer_from_httpd_and_nginx(servers, path, gz):
    headers = {"Accept-Encoding": "gzip"} if gz else {}
    a, b = (answer(h, path, headers) for h in servers)
    assert a[0] == b[0], (path, a[0], b[0])
    if "last-modified" in a[1] and not path.startswith(FILE_DATED):
        # each server's own publishing time (see above)
        assert a[1].pop("last-modified") == servers[0].published, path
        assert b[1].pop("last-modified", None) == servers[1].published, path
    assert a[1] == b[1], path
    assert a[2] == b[2], path


def test_conditional_requests_agree(servers):
    """A validator from one server is a 304 on the other, and each server's
    own Last-Modified makes an If-Modified-Since a 304."""
    httpd, nginx = servers
    for path in (f"/portal/article/{SLUG}", "/portal/", "/portal/media/images/ho-ba-be.png"):
        _, hdrs, _ = answer(httpd, path, {})
        for h in servers:
            assert h.raw("GET", path, {"Host": "portal.example",
                                       "If-None-Match": hdrs["etag"]})[0] == 304, (path, h.mpm)
            lm = dict((k.lower(), v) for k, v in h.raw("GET", path)[1])["last-modified"]
            assert h.raw("GET", path, {"If-Modified-Since": lm})[0] == 304, (path, h.mpm)
