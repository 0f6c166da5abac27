"""Search while its index is being built (issue 13).

A first start with a fresh state dir over a content dir of a few thousand
small articles: the index fills in the background for a while.  From the
moment the server answers until the status page says the index is
complete, every search either lists the article searched for, or says
that the index is being built and how far along it is
(`Đang lập chỉ mục tìm kiếm: 2.500/4.004 bài`), sent with
`Cache-Control: no-store`; none says that nothing matched.  The status page
shows the progress.  After a restart over the same store the index is
complete from the first request.  The same after the index file is
destroyed, and after damage inside it that only the background check finds
(meanwhile a 503, no-store, rather than "no results").  Through Varnish
(conf/varnish), no page of an index being built is kept.
"""

import http.client
import os
import re
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from bantin_httpd import (BantinHttpd, Portal, module_path, parse_html, status_location,
                          write_article)
from test_varnish import VARNISHD, Varnish, vcl_for

P = "/sp"
MANY = 4000          # generated articles: indexing takes a while (two batches)
SEED = "zz-hat-giong"  # indexed last (the sync goes by slug)
SEED_QUERY = "Ngọc Trâm"
COMPLETE = 120.0     # generous: a busy machine with other servers indexing
POLL = 0.02

NOTICE = re.compile(r"Đang lập chỉ mục tìm kiếm: ([\d.]+)/([\d.]+) bài")
STATUS = re.compile(r'class="search-index">(complete|building), '
                    r'<span class="search-indexed">(\d+)</span> of '
                    r'<span class="search-of">(\d+)</span> articles')


def make_content(root):
    for i in range(MANY):
        write_article(root, f"tin/t{i:05d}", title=f"Tin số {i} về vụ lúa",
                      date=f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", category="Nông nghiệp",
                      paragraphs=[f"Bà con xã {i} thu hoạch lúa sớm."])
    write_article(root, SEED, title="Giống lúa mới Ngọc Trâm cho vụ đông", date="2024-05-01",
                  category="Nông nghiệp", paragraphs=["Giống Ngọc Trâm chịu rét tốt."])
    # drafts and a scheduled article: not visible, and the scheduled one is
    # in the store (the index has it), the drafts are not
    for i in range(3):
        write_article(root, f"nhap/n{i}", title=f"Bản nháp Ngọc Trâm {i}", date="2024-05-02",
                      status="draft")
    write_article(root, "hen/sau", title="Hẹn đăng Ngọc Trâm", date="2099-01-01")
    return MANY + 2  # what the store holds: all but the drafts


def grouped(s):
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", s), s
    return int(s.replace(".", ""))


def check_search(h, stored):
    """One search for the seed article: 'full' when it is listed, else
    'building' after checking the notice; never a no-results page."""
    r = h.get(f"{P}/search?" + urlencode({"q": SEED_QUERY}))
    text = r.text
    if r.status_code == 503:
        # a damaged index, until the background check rebuilds it
        assert r.headers.get("Cache-Control") == "no-store", r.headers
        assert r.headers.get("Retry-After"), r.headers
        assert "Không tìm thấy kết quả nào" not in text, text[-1500:]
        return "unavailable"
    assert r.status_code == 200, r.status_code
    assert "Không tìm thấy kết quả nào" not in text, text[-1500:]
    assert "bantin-empty" not in text, text[-1500:]
    m = NOTICE.search(text)
    if m:
        assert r.headers.get("Cache-Control") == "no-store", r.headers
        assert "ETag" not in r.headers, r.headers
        indexed, of = grouped(m.group(1)), grouped(m.group(2))
        assert of == stored and 0 <= indexed <= of, (indexed, of)
    else:
        assert r.headers.get("Cache-Control") == "max-age=60", r.headers
    doc = parse_html(text)
    listed = [a.get("href") for a in doc.find_all("a", cls="bantin-item-title")]
    if listed:
        # one page: the count is of what is listed (drafts and the
        # scheduled article match too, and are neither listed nor counted)
        count = doc.find("p", cls="bantin-search-count")
        assert count is not None and re.match(rf"{len(listed)} kết quả", count.text()), text
    if f"{P}/article/{SEED}" in listed:
        return "full"
    assert m, "the seed article not listed, and no notice:\n" + text[-1500:]
    return "building"


def status_of(h):
    r = h.get("/bantin-status")
    assert r.status_code == 200
    # ours is the only content dir with thousands of articles
    ours = [m for m in STATUS.finditer(r.text) if int(m.group(3)) > MANY]
    assert len(ours) == 1, r.text[-2000:]
    return [(m.group(1), int(m.group(2)), int(m.group(3))) for m in ours]


def index_file(h, content):
    """The search index of `content`: the one that has our seed article."""
    for cand in (h.root / "run" / "bantin-state").glob("*/search.sqlite"):
        db = sqlite3.connect(f"file:{cand}?mode=ro", uri=True)
        try:
            if db.execute("SELECT 1 FROM docs WHERE slug=?", (SEED,)).fetchone():
                return cand
        except sqlite3.Error:
            pass
        finally:
            db.close()
    raise AssertionError(f"no search index holds {SEED}")


def garbage(path):
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    path.write_bytes(os.urandom(64 * 1024))


def fts_garbage(path):
    db = sqlite3.connect(path)
    try:
        db.execute("UPDATE ffts_data SET block = randomblob(length(block)) WHERE id > 10")
        db.commit()
    finally:
        db.close()


def check_page_past_the_end(h, stats, damaged):
    """A page past the results found so far: 404 once complete, but while
    the index is being built it may yet exist (503, no-store).  Asked
    between two looks at the status page on one kept-alive connection, so
    that one process answers all three: when it says building after, it
    was building at the search; complete before, complete at it."""
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=15)
    try:
        answers = []
        for path in ("/bantin-status",
                     f"{P}/search?" + urlencode({"q": "lúa", "page": 5000}),
                     "/bantin-status"):
            conn.request("GET", path)
            r = conn.getresponse()
            answers.append((r.status, dict(r.getheaders()), r.read().decode()))
    finally:
        conn.close()
    # httpd closes the connection after a 503 (and after 100 requests):
    # only what was asked on the same connection as the search counts
    kept = [hd.get("Connection", "").lower() != "close" for _, hd, _ in answers]
    states = [[m.group(1) for m in STATUS.finditer(text) if int(m.group(3)) > MANY]
              for _, _, text in (answers[0], answers[2])]
    status, headers, text = answers[1]
    assert "Không tìm thấy kết quả nào" not in text
    if status == 503:
        assert headers.get("Cache-Control") == "no-store" and headers.get("Retry-After")
        # (or a query of a damaged index, which fails until it is rebuilt)
        assert damaged or not kept[0] or states[0] == ["building"], states
        stats["503"] += 1
    else:
        assert status == 404, (status, text[-1000:])
        assert not (kept[0] and kept[1]) or states[1] == ["complete"], states
        stats["404"] += 1


def poll_until_complete(httpd, stored, damaged=False):
    """Searches and the status page from now until the index is complete."""
    seen = {"full": 0, "building": 0, "unavailable": 0, "404": 0, "503": 0}
    progress = []
    deadline = time.monotonic() + COMPLETE
    while True:
        seen[check_search(httpd, stored)] += 1
        check_page_past_the_end(httpd, seen, damaged)
        st = status_of(httpd)
        for state, indexed, of in st:
            assert state in ("building", "complete")
            assert of == stored and indexed <= of, st
            assert state == "building" or indexed == of, st
            progress.append((state, indexed))
        if st[0][0] == "complete" and check_search(httpd, stored) == "full":
            break
        assert time.monotonic() < deadline, (seen, progress[-5:], httpd.log_tail(15))
        time.sleep(POLL)
    return seen


def test_search_never_says_no_results_while_indexing(httpd, tmp_path):
    content = tmp_path / "many"
    stored = make_content(content)
    httpd.configure(httpd.default_portals + [Portal(P, content=content)],
                    extra=status_location())
    httpd.log_mark()
    httpd.restart()  # a fresh content dir: a fresh state dir, an empty index
    seen = poll_until_complete(httpd, stored)
    # every process answers the same once complete (new connections too);
    # each learns it within 100 ms: a generous deadline, and meanwhile
    # still no page that says nothing matched
    for _ in range(10):
        deadline = time.monotonic() + 5
        while True:
            status, _, body = httpd.raw("GET", f"{P}/search?" + urlencode({"q": SEED_QUERY}))
            text = body.decode()
            assert status == 200 and "Không tìm thấy kết quả nào" not in text, text[-1500:]
            if f"{P}/article/{SEED}" in text and not NOTICE.search(text):
                break
            assert time.monotonic() < deadline, text[-1500:]
            time.sleep(POLL)
    print(f"\n{httpd.mpm}, first start: {seen}")

    # a restart over the same store: complete from the first request
    httpd.restart()
    assert check_search(httpd, stored) == "full"
    assert all(state == "complete" and indexed == of
               for state, indexed, of in status_of(httpd)), status_of(httpd)

    # a rebuild: the file destroyed (the parent starts a new one), then
    # damage inside FTS5's data that only the background check finds
    httpd.expect_log(r"BT0301 .*search\.sqlite", r"BT0303 .*search failed")
    for damage in (garbage, fts_garbage):
        path = index_file(httpd, content)
        httpd.stop()
        damage(path)
        httpd.start()
        seen = poll_until_complete(httpd, stored, damaged=damage is fts_garbage)
        print(f"{httpd.mpm}, after {damage.__name__}: {seen}")


@pytest.mark.skipif(not os.access(VARNISHD, os.X_OK),
                    reason="varnishd not found: install the Debian package `varnish`")
def test_varnish_keeps_no_page_of_an_index_being_built(tmp_path):
    """Its own httpd (event MPM) behind the shipped VCL (both backends that
    one server), Varnish started first so that the first searches go
    through it while the index fills."""
    mod = module_path()
    if mod is None:
        pytest.skip("BANTIN_MODULE=none: running without mod_bantin")
    small = tmp_path / "small"
    write_article(small, "mot", title="Một bài", date="2024-01-01")
    content = tmp_path / "content"
    make_content(content)
    h = BantinHttpd(tmp_path / "httpd", mpm="event", module=mod)
    h.configure([Portal("/portal", content=small)])
    v = Varnish(tmp_path / "varnish", vcl_for([h.port, h.port]))
    session = requests.Session()
    session.trust_env = False
    url = f"http://127.0.0.1:{v.port}/portal/search?" + urlencode({"q": SEED_QUERY})
    seed = f"/portal/article/{SEED}"
    try:
        h.log_mark()
        h.start()
        v.start()
        deadline = time.monotonic() + 15
        while set(v.health().values()) != {"healthy"}:
            assert time.monotonic() < deadline, v.adm("backend.list")[1]
            time.sleep(0.2)
        # the portal now over the big content dir: a first start for it
        # (fresh state dir), with no gap that would make Varnish's probe fail
        h.configure([Portal("/portal", content=content)])
        h.signal_restart("graceful")
        building = 0
        deadline = time.monotonic() + COMPLETE
        while True:
            r = session.get(url, timeout=15)
            assert r.status_code == 200, (r.status_code, r.text[-1000:])
            if NOTICE.search(r.text):
                assert r.headers.get("X-Cache") != "HIT", r.headers
                assert r.headers.get("Cache-Control") == "no-store", r.headers
                building += 1
            elif seed in r.text:
                break
            else:
                raise AssertionError("neither the seed article nor the notice:\n"
                                     + r.text[-1500:])
            assert time.monotonic() < deadline, h.log_tail(15)
            time.sleep(POLL)
        # complete: no page of the index being built comes back from the cache
        for _ in range(5):
            r = session.get(url, timeout=15)
            assert seed in r.text and not NOTICE.search(r.text), r.text[-1500:]
        print(f"\nthrough Varnish: {building} searches answered while building")
        assert h.log_problems() == []
    finally:
        v.stop()
        h.stop()
