"""The watcher thread: a change is served and searchable with no request.

Each child runs a thread that waits for inotify's events (or walks, under
BantinWatch walk) and publishes what changed at once; the indexer thread hears
of it and writes the search index.  So a dropped article reaches the index
while nobody asks for anything, and the very first request after that, the
search or the home page, already shows it.

How it is seen without a request: the test reads the index file itself
(read-only SQLite) until the article's row is there.  Before the watcher,
nothing looked at the content dir until a request came: the row never came,
and the test fails at its deadline.  The harness's own start-up probe asks for
"/" (a plain file, not a portal): no request reaches the portal here before the
searches below.
"""

import os
import sqlite3
import time
from urllib.parse import urlencode

import pytest

from bantin_httpd import Portal, parse_html, record_latency, write_article

PREFIX = "/wt"
# When an article still not in the index counts as lost, not late: ten times
# the promise (1 s), so that a loaded machine never fails the test.
DEADLINE = 10.0
POLL = 0.05


@pytest.fixture
def umask022():
    old = os.umask(0o022)  # httpd's children (nobody) must read what tests write
    yield
    os.umask(old)


def indexed_slugs(h):
    """Slugs in every search index file below the server's root (read-only)."""
    found = set()
    for db in h.root.rglob("search.sqlite"):
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            try:
                found |= {row[0] for row in con.execute("SELECT slug FROM docs")}
            finally:
                con.close()
        except sqlite3.Error:
            pass  # being created or rebuilt: the next poll reads it
    return found


def wait_indexed(h, slug, t0, what):
    while slug not in indexed_slugs(h):
        if time.monotonic() - t0 > DEADLINE:
            pytest.fail(f"{what}: {slug} not in the index {DEADLINE}s after the change, "
                        "with no request meanwhile", pytrace=False)
        time.sleep(POLL)
    return time.monotonic() - t0


def links_to(h, path, slug):
    r = h.get(path)
    assert r.status_code == 200, (path, r.status_code)
    want = f"{PREFIX}/article/{slug}"
    return any(a.get("href") == want for a in parse_html(r.text).find_all("a"))


@pytest.mark.parametrize("watch", ["inotify", "walk"])
def test_dropped_article_is_searchable_before_any_request(httpd, tmp_path, umask022, watch):
    content = tmp_path / "content"
    write_article(content, "w/goc", title="Bài gốc", date="2024-01-01",
                  paragraphs=["Nội dung gốc."])
    httpd.configure([Portal(PREFIX, content=content, directives=[f"BantinWatch {watch}"])])
    httpd.restart()
    # the first build of the index, seen in the file: no request to the portal
    wait_indexed(httpd, "w/goc", time.monotonic(), "first build")

    slug = f"w/moi-{time.time_ns()}"
    word = f"tuthemoi{os.getpid()}x{time.time_ns() % 100000}"
    t0 = time.monotonic()
    write_article(content, slug, title=f"Tin vừa thả {word}", date="2024-06-01",
                  paragraphs=[f"Bài có từ {word}."])
    record_latency(f"{httpd.mpm} watcher ({watch}) to the index, no request",
                   wait_indexed(httpd, slug, t0, "dropped article"))
    # the first request of each kind already shows it
    assert links_to(httpd, f"{PREFIX}/search?" + urlencode({"q": word}), slug)
    assert links_to(httpd, f"{PREFIX}/", slug)
