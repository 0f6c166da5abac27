"""No read outside the content dir, ever: a folder swapped for a symbolic link.

An editor (or anything that writes the content dir) can rename a folder and put
a symbolic link to a folder outside in its place, while the portal runs or
before it starts.  The module must never read through that link: not in the
parent (root), not in a child, not at start and not live.  The outside folder
holds valid articles (they would be served if read) and a broken one (its name
would reach the error log and the status page if read), all marked with SECRET;
the secret must never appear in any page, search result, feed, sitemap, the
status page or the error log, while the real folder's articles stay served.

Pick-up of a change takes ~0.3 s (BantinCheckInterval 0.25 s); the tests poll
with generous deadlines.
"""

import html
import os
import re
import subprocess
import threading
import time

import pytest

from bantin_httpd import Portal, open_to_all, status_location, write_article

PREFIX = "/portal"
STATUS = "/bantin-status"
SECRET = "zq7bimatngoai"           # in the outside files' titles, slugs and names
SEARCH_WORD = "ngoaithumucbimat"   # only in the outside articles' bodies
REAL_TITLE = "Bài thật trong chuyên mục"
DEADLINE = 10.0                    # for a change to show: generous, not a bound


def outside_folder(tmp_path):
    """A folder outside the content dir that children can read too."""
    out = tmp_path / "ngoai"
    for slug in ("bai", f"{SECRET}-tin"):
        write_article(out, slug, title=f"{SECRET.upper()} tiêu đề bí mật", date="2025-06-01",
                      category="Chuyên mục", summary=f"{SECRET} tóm tắt",
                      paragraphs=(f"{SECRET} {SEARCH_WORD}",))
    (out / f"{SECRET}-hong.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<article><title>' + SECRET
        + "</title>\n", encoding="utf-8")
    (out / "sub").mkdir()
    write_article(out / "sub", "bai-sau", title=f"{SECRET} sâu", date="2025-06-01")
    open_to_all(out)
    return out


def real_article(folder, slug="bai", title=REAL_TITLE):
    write_article(folder, slug, title=title, date="2024-03-01", category="Chuyên mục",
                  paragraphs=("Nội dung thật.",))


@pytest.fixture(autouse=True)
def _readable_by_children():
    old = os.umask(0o022)  # httpd's children (nobody) must read what tests write
    yield
    os.umask(old)


def start_portal(httpd, content, templates, watch="inotify"):
    # the category keeps an article whatever happens to the swapped folder
    real_article(content / "khac", "bai-khac", "Bài khác cùng chuyên mục")
    httpd.configure([Portal(PREFIX, content, templates,
                            directives=["BantinPageSize 100", f"BantinWatch {watch}"])],
                    extra=status_location(STATUS))
    httpd.restart()


def get(httpd, path):
    status, _, body = httpd.raw("GET", path)
    return status, body.decode("utf-8", "replace")


# Pages that answer 200 whatever the content; article pages may be 404.
LISTS = [PREFIX + "/", PREFIX + "/category/chuyen-muc", PREFIX + "/feed.xml",
         PREFIX + "/category/chuyen-muc/feed.xml", PREFIX + "/sitemap.xml",
         PREFIX + f"/search?q={SEARCH_WORD}", PREFIX + "/search?q=chuyen+muc", STATUS]
ARTICLES = [PREFIX + "/article/chuyen-muc/bai", PREFIX + f"/article/chuyen-muc/{SECRET}-tin",
            PREFIX + "/article/chuyen-muc/sub/bai-sau"]


def leaks(httpd):
    """[(path, why)] of every page or log line that shows the outside folder.

    An article whose folder went (swapped for a link) answers 410 once it was
    known, or 301 to where its file moved; the redirect must not lead outside
    either."""
    found = []
    for path in LISTS + ARTICLES:
        status, headers, body = httpd.raw("GET", path)
        text = body.decode("utf-8", "replace")
        text += "".join(v for k, v in headers if k.lower() == "location")
        if path in LISTS and status != 200:
            found.append((path, f"status {status}"))
        elif path in ARTICLES and status not in (200, 301, 404, 410):
            found.append((path, f"status {status}"))
        if SECRET in text.lower():
            found.append((path, "secret in the page"))
    found += [("error log", line) for line in httpd.log_lines() if SECRET in line.lower()]
    return found


def moved_to(httpd, slug):
    """The Location of a 301 from the article's URL, or None."""
    status, headers, _ = httpd.raw("GET", f"{PREFIX}/article/{slug}")
    loc = dict((k.lower(), v) for k, v in headers).get("location")
    return httpd.location_path(loc) if status == 301 and loc else None


def served_title(httpd, slug):
    status, text = get(httpd, f"{PREFIX}/article/{slug}")
    return title_in(text) if status == 200 else None


def title_in(text):
    m = re.search(r'<h1[^>]*class="[^"]*bantin-title[^"]*"[^>]*>(.*?)</h1>', text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else None


def poll(cond, what, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    pytest.fail(f"not within {deadline} s: {what}")


def test_steady_swap_folder_for_symlink(httpd, site_copy, tmp_path):
    """mv content/chuyen-muc content/chuyen-muc-that && ln -s OUTSIDE content/chuyen-muc,
    on a live portal: the real articles move with their folder, nothing outside is read."""
    content, templates = site_copy
    outside = outside_folder(tmp_path)
    real_article(content / "chuyen-muc")
    start_portal(httpd, content, templates)
    poll(lambda: served_title(httpd, "chuyen-muc/bai") == REAL_TITLE, "the real article served")

    (content / "chuyen-muc").rename(content / "chuyen-muc-that")
    (content / "chuyen-muc").symlink_to(outside, target_is_directory=True)

    # Nothing of the outside shows, ever, while the real article moves to its
    # folder's new name, and for a few more rounds of pick-up after.
    def moved():
        assert leaks(httpd) == []
        return (served_title(httpd, "chuyen-muc-that/bai") == REAL_TITLE
                and moved_to(httpd, "chuyen-muc/bai") == f"{PREFIX}/article/chuyen-muc-that/bai")

    poll(moved, "the real article served at its new slug, its old one leading there")
    end = time.monotonic() + 3
    while time.monotonic() < end:
        assert leaks(httpd) == []
    status, text = get(httpd, PREFIX + "/category/chuyen-muc")
    assert status == 200 and REAL_TITLE in text
    # a change inside the outside folder is not picked up either
    write_article(outside, "bai", title=f"{SECRET} sửa lại", date="2025-07-01")
    open_to_all(outside)
    end = time.monotonic() + 2
    while time.monotonic() < end:
        assert leaks(httpd) == []


@pytest.mark.parametrize("watch", ["inotify", "walk"])
def test_folder_swapped_back_and_forth_under_requests(httpd, site_copy, tmp_path, watch):
    """A folder swapped between the real one and a link to an outside folder for
    ~5 s, while a thread reads every page: the secret never shows, anywhere.
    Noticed by inotify, or by the stat walk of `BantinWatch walk`."""
    content, templates = site_copy
    outside = outside_folder(tmp_path)
    real_article(content / "chuyen-muc")
    real_article(content / "chuyen-muc", "bai-hai", "Bài thật thứ hai")
    start_portal(httpd, content, templates, watch)
    poll(lambda: served_title(httpd, "chuyen-muc/bai") == REAL_TITLE, "the real article served")

    stop = threading.Event()
    seen = []
    rounds = {"swaps": 0, "reads": 0}
    folder, stash, link_tmp = content / "chuyen-muc", content / ".cat", content / ".lnk"

    def swapper():
        while not stop.is_set():
            folder.rename(stash)                      # the real folder out (hidden)
            link_tmp.symlink_to(outside, target_is_directory=True)
            os.replace(link_tmp, folder)              # the link in
            time.sleep(0.02)
            folder.unlink()
            stash.rename(folder)                      # the real folder back
            rounds["swaps"] += 1
            time.sleep(0.02)

    def reader():
        while not stop.is_set():
            seen.extend(leaks(httpd))
            rounds["reads"] += 1

    threads = [threading.Thread(target=swapper), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    try:
        time.sleep(5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert rounds["swaps"] > 10 and rounds["reads"] > 2, rounds
    assert seen == [], seen[:10]
    # The real folder is back: its articles are served, and still nothing outside.
    assert folder.is_dir() and not folder.is_symlink()
    poll(lambda: served_title(httpd, "chuyen-muc/bai") == REAL_TITLE
         and served_title(httpd, "chuyen-muc/bai-hai") == "Bài thật thứ hai",
         "the real articles served again")
    assert leaks(httpd) == []


def test_symlinked_folder_present_at_start(httpd, site_copy, tmp_path):
    """A link to an outside folder already there when httpd starts (the parent
    loads as root): not read at the load, nor by the children, nor later."""
    content, templates = site_copy
    outside = outside_folder(tmp_path)
    real_article(content / "chuyen-muc-that")
    (content / "chuyen-muc").symlink_to(outside, target_is_directory=True)
    (content / "2024" / "lien-ket").symlink_to(outside / "sub", target_is_directory=True)
    start_portal(httpd, content, templates)
    poll(lambda: served_title(httpd, "chuyen-muc-that/bai") == REAL_TITLE,
         "the real article served")
    assert leaks(httpd) == []
    # an event in a real folder next to the links: still nothing outside
    real_article(content / "chuyen-muc-that", "bai-moi", "Bài mới")
    poll(lambda: served_title(httpd, "chuyen-muc-that/bai-moi") == "Bài mới",
         "the new article served")
    assert leaks(httpd) == []


def test_depth_limit_live_and_in_the_checker(httpd, site_copy, tmp_path):
    """A tree moved in while the portal runs is read to the same depth as at
    start (32 folders below the content dir), and bantin-check, which walks with
    the portal's own code, names the same folder as not read."""
    from test_check_tool import CHECK

    content, templates = site_copy
    start_portal(httpd, content, templates)
    staging = content / ".dang-chep"  # hidden while it is being made
    inner = staging.joinpath(*["d"] * 31)  # sau/d/... : 32 folders
    (inner / "d").mkdir(parents=True)
    write_article(inner, "tot", title="Đủ sâu", date="2024-02-02")
    write_article(inner / "d", "qua-sau", title="Quá sâu", date="2024-02-02")
    httpd.expect_log(r"BT0104 ")
    staging.rename(content / "sau")
    slug = "/".join(["sau"] + ["d"] * 31)
    poll(lambda: served_title(httpd, f"{slug}/tot") == "Đủ sâu", "the article 32 folders deep")
    too_deep = content / slug / "d"
    poll(lambda: httpd.find_log(rf"BT0104 {re.escape(str(too_deep))}: deeper than 32 folders, "
                                "not read"), "BT0104 for the folder 33 deep")
    assert get(httpd, f"{PREFIX}/article/{slug}/d/qua-sau")[0] == 404
    assert "Quá sâu" not in get(httpd, PREFIX + "/")[1]

    out = subprocess.run([str(CHECK), "--lang", "en", str(content)], capture_output=True,
                         text=True, timeout=60).stdout.splitlines()
    assert f"{too_deep}: deeper than 32 folders, not read (the portal skips it too)" in out
    assert not [line for line in out if "qua-sau" in line], out
