"""Articles that move keep their readers (issue #14).

An article's URL is its file's path below the content dir without `.xml`
(`2024/x.xml` is `/portal/article/2024/x`), so moving the file changes its
URL.  The old URL of an article whose file moved within the content dir (the
same bytes, or the same file name in another folder) answers 301 to the new
one, straight to the last place after several moves; the old URL of an
article deleted once it was known answers 410 Gone, a page in the portal's
look; a URL never known stays 404; a new article at an old URL wins.  The
same after a restart (the map is kept in the state dir).

Every answer is checked on many new connections in parallel until all of them
agree, so that every httpd process (prefork children included) is seen to
answer the same; a change that is never picked up fails after DEADLINE.
"""

import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bantin_httpd import Portal, article_xml, parse_html, portal_error, write_article

PREFIX = "/portal"
DEADLINE = 10.0   # for a change to show everywhere: generous, not a bound
POLL = 0.05
SAMPLES = 20      # parallel requests, each on a new connection


@pytest.fixture(autouse=True)
def _readable_by_children():
    old = os.umask(0o022)  # httpd's children (nobody) must read what tests write
    yield
    os.umask(old)


def write(content, slug, title, **kw):
    kw.setdefault("date", "2024-05-01")
    kw.setdefault("category", "Tin tức")
    kw.setdefault("paragraphs", (f"Nội dung của bài {title}.",))
    return write_article(content, slug, title=title, **kw)


ARTICLE_MAX_AGE = 123  # what a 301 carries: it is about an article page
ERROR_MAX_AGE = 7      # what a 410 carries, like the other error pages


def start(httpd, content, templates):
    httpd.configure([Portal(PREFIX, content, templates,
                            directives=["BantinPageSize 100",
                                        f"BantinArticleMaxAge {ARTICLE_MAX_AGE}",
                                        f"BantinErrorMaxAge {ERROR_MAX_AGE}"])])
    httpd.restart()


def answer(httpd, path):
    """(status, Location path or None) of one GET on a new connection."""
    status, headers, _ = httpd.raw("GET", path)
    loc = dict((k.lower(), v) for k, v in headers).get("location")
    return status, httpd.location_path(loc) if loc else None


def everyone(httpd, expect):
    """Polls until SAMPLES parallel observations of every path in `expect`
    ({path: (status, location path or None)}) all agree with it."""
    deadline = time.monotonic() + DEADLINE
    while True:
        with ThreadPoolExecutor(max_workers=5) as pool:
            rounds = list(pool.map(lambda _: {p: answer(httpd, p) for p in expect},
                                   range(SAMPLES)))
        stale = [got for got in rounds if got != expect]
        if not stale:
            return
        assert time.monotonic() < deadline, (
            f"{len(stale)}/{SAMPLES} observations still differ {DEADLINE}s after the "
            f"change: expected {expect}, got {stale[:2]}")
        time.sleep(POLL)


def article_url(slug, route="article"):
    return f"{PREFIX}/{route}/{slug}"


def moved(old, new, route="article"):
    return {article_url(old, route): (301, article_url(new, route)),
            article_url(new, route): (200, None)}


def h1_of(httpd, slug):
    r = httpd.get(article_url(slug))
    assert r.status_code == 200, (slug, r.status_code)
    return parse_html(r.text).find("h1", cls="bantin-title").text()


def test_moved_file_answers_301_to_its_new_url(httpd, site_copy):
    content, templates = site_copy
    write(content / "2024", "bai-chuyen-di", "Bài sẽ chuyển chuyên mục")
    write(content / "2024", "bai-o-lai", "Bài ở lại")
    start(httpd, content, templates)
    everyone(httpd, {article_url("2024/bai-chuyen-di"): (200, None)})

    (content / "nong-thon").mkdir()
    shutil.move(content / "2024" / "bai-chuyen-di.xml", content / "nong-thon")
    expect = moved("2024/bai-chuyen-di", "nong-thon/bai-chuyen-di")
    # the blocks and the print view lead to the same part of the article
    expect.update(moved("2024/bai-chuyen-di", "nong-thon/bai-chuyen-di", "block/view"))
    expect.update(moved("2024/bai-chuyen-di", "nong-thon/bai-chuyen-di", "print"))
    expect[article_url("2024/bai-o-lai")] = (200, None)
    everyone(httpd, expect)
    assert h1_of(httpd, "nong-thon/bai-chuyen-di") == "Bài sẽ chuyển chuyên mục"
    r = httpd.get(article_url("2024/bai-chuyen-di"))
    assert r.headers.get("Cache-Control") == f"max-age={ARTICLE_MAX_AGE}", r.headers

    # the same answers after a restart, from the map in the state dir
    httpd.restart()
    everyone(httpd, expect)


def test_renamed_folder_leads_every_article_on(httpd, site_copy):
    content, templates = site_copy
    slugs = ["tin-mot", "tin-hai", "tin-ba"]
    for i, slug in enumerate(slugs):
        write(content / "2023", slug, f"Bài số {i + 1} của năm cũ")
    start(httpd, content, templates)
    everyone(httpd, {article_url(f"2023/{s}"): (200, None) for s in slugs})

    (content / "2023").rename(content / "luu-tru")
    expect = {}
    for s in slugs:
        expect.update(moved(f"2023/{s}", f"luu-tru/{s}"))
    everyone(httpd, expect)
    httpd.restart()
    everyone(httpd, expect)


def test_moved_twice_leads_straight_to_the_last_place(httpd, site_copy):
    content, templates = site_copy
    write(content / "a", "bai-lang-thang", "Bài đi qua nhiều chuyên mục")
    start(httpd, content, templates)
    everyone(httpd, {article_url("a/bai-lang-thang"): (200, None)})

    (content / "b").mkdir()
    os.rename(content / "a" / "bai-lang-thang.xml", content / "b" / "bai-lang-thang.xml")
    everyone(httpd, moved("a/bai-lang-thang", "b/bai-lang-thang"))
    (content / "c").mkdir()
    os.rename(content / "b" / "bai-lang-thang.xml", content / "c" / "bai-lang-thang.xml")
    expect = {article_url("a/bai-lang-thang"): (301, article_url("c/bai-lang-thang")),
              article_url("b/bai-lang-thang"): (301, article_url("c/bai-lang-thang")),
              article_url("c/bai-lang-thang"): (200, None)}
    everyone(httpd, expect)
    httpd.restart()
    everyone(httpd, expect)


def test_same_name_in_another_folder_even_when_edited(httpd, site_copy):
    """Moved and corrected on the way: the bytes differ, the file name does not."""
    content, templates = site_copy
    write(content / "2024", "bai-sua", "Bài trước khi sửa")
    start(httpd, content, templates)
    everyone(httpd, {article_url("2024/bai-sua"): (200, None)})

    (content / "2024" / "bai-sua.xml").unlink()
    write(content / "da-sua", "bai-sua", "Bài sau khi sửa")
    everyone(httpd, moved("2024/bai-sua", "da-sua/bai-sua"))
    assert h1_of(httpd, "da-sua/bai-sua") == "Bài sau khi sửa"


def test_deleted_article_is_gone_and_unknown_stays_404(httpd, site_copy):
    content, templates = site_copy
    write(content / "2024", "bai-bi-xoa", "Bài sẽ bị gỡ")
    write(content / "2024", "bai-con-lai", "Bài còn lại")
    start(httpd, content, templates)
    everyone(httpd, {article_url("2024/bai-bi-xoa"): (200, None)})

    (content / "2024" / "bai-bi-xoa.xml").unlink()
    expect = {article_url("2024/bai-bi-xoa"): (410, None),
              article_url("2024/bai-con-lai"): (200, None),
              article_url("2024/chua-tung-co"): (404, None)}
    everyone(httpd, expect)
    # a page in the portal's look, with its own words, not the 404's
    r = httpd.get(article_url("2024/bai-bi-xoa"))
    assert r.headers.get("Cache-Control") == f"max-age={ERROR_MAX_AGE}", r.headers
    gone = portal_error(r, 410)
    not_found = portal_error(httpd.get(article_url("2024/chua-tung-co")), 404)
    assert gone.find("h1").text() != not_found.find("h1").text()
    assert "410" in gone.find(cls="bantin-error").text()

    httpd.restart()
    everyone(httpd, expect)
    # a graceful restart: the parent reads its config (and the map) again
    httpd.signal_restart("graceful")
    everyone(httpd, expect)


def test_embargoed_article_deleted_stays_404(httpd, site_copy):
    """An article not yet published that is deleted: its URL was never public,
    and a 410 would tell that something was there."""
    content, templates = site_copy
    write(content / "2024", "bai-hen-gio", "Bài chưa đến giờ đăng", date="2099-01-01")
    start(httpd, content, templates)
    everyone(httpd, {article_url("2024/bai-hen-gio"): (404, None)})
    (content / "2024" / "bai-hen-gio.xml").unlink()
    # every process has seen the deletion once it serves a file written after it
    write(content / "2024", "moc", "Bài mốc")
    everyone(httpd, {article_url("2024/moc"): (200, None),
                     article_url("2024/bai-hen-gio"): (404, None)})


def test_new_article_at_an_old_url_wins(httpd, site_copy):
    content, templates = site_copy
    write(content / "2024", "bai-cu", "Bài cũ sẽ chuyển đi")
    write(content / "2024", "bai-xoa", "Bài cũ sẽ bị xoá")
    start(httpd, content, templates)
    everyone(httpd, {article_url("2024/bai-cu"): (200, None)})

    (content / "moi").mkdir()
    os.rename(content / "2024" / "bai-cu.xml", content / "moi" / "bai-cu.xml")
    (content / "2024" / "bai-xoa.xml").unlink()
    everyone(httpd, {**moved("2024/bai-cu", "moi/bai-cu"),
                     article_url("2024/bai-xoa"): (410, None)})

    write(content / "2024", "bai-cu", "Bài mới lấy địa chỉ cũ", date="2024-06-01")
    write(content / "2024", "bai-xoa", "Bài mới thay bài đã xoá", date="2024-06-02")
    expect = {article_url("2024/bai-cu"): (200, None),
              article_url("moi/bai-cu"): (200, None),
              article_url("2024/bai-xoa"): (200, None)}
    everyone(httpd, expect)
    assert h1_of(httpd, "2024/bai-cu") == "Bài mới lấy địa chỉ cũ"
    assert h1_of(httpd, "2024/bai-xoa") == "Bài mới thay bài đã xoá"
    httpd.restart()
    everyone(httpd, expect)


def test_damaged_map_is_ignored_with_one_line(httpd, site_copy):
    """The map is the User's file: a damaged one is ignored at start, logged once,
    and written anew at the next change."""
    content, templates = site_copy
    write(content / "2024", "bai-hong", "Bài sẽ bị xoá")
    start(httpd, content, templates)
    (content / "2024" / "bai-hong.xml").unlink()
    everyone(httpd, {article_url("2024/bai-hong"): (410, None)})
    maps = list((httpd.root / "run" / "bantin-state").glob("*/moves.map"))
    mine = [m for m in maps if b"2024/bai-hong" in m.read_bytes()]
    assert len(mine) == 1, maps
    data = mine[0].read_bytes()
    mine[0].write_bytes(data[:len(data) - 5])  # cut short
    httpd.expect_log(r"BT0141 .*moves\.map: ignored")
    httpd.restart()
    assert len(httpd.find_log(r"BT0141 ")) == 1, httpd.log_tail()
    everyone(httpd, {article_url("2024/bai-hong"): (404, None)})
