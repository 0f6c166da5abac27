"""Live content: article files changed while httpd runs are served without a restart.

The module promises that a change to the content dir (new, edited, removed,
renamed file or folder) is served within 1 s (BantinCheckInterval, default
0.25 s, is how often requests look for changes).  Tests poll every 50 ms,
record the latency they observed (conftest prints the median and max at the
end of the run: that is where a pick-up slower than the promise shows), and
then poll until every httpd process answers with the new state: ~20 requests
on new connections, in parallel, so that several prefork children answer.
A test fails when a change is not served DEADLINE seconds after it: lost, not
late.  No test fails because the machine is slow.

Also here: files broken while online (the last good version stays), publishing
dates (date in the future, <expires>, status="draft"), the status page
(SetHandler bantin-status), and a concurrent rewrite test.
"""

import html
import math
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from bantin_httpd import (Portal, article_xml, parse_html, portal_error, record_latency,
                          status_location, write_article, xml_escape)

PREFIX = "/portal"
INTERVAL = 0.25  # BantinCheckInterval's default
BOUND = 1.0      # what the module promises: measured and reported, not asserted
# When a change that is still not served counts as lost: ten times the
# promise, so that a loaded machine (2 cores shared with other runs, or
# valgrind) never fails a test, while a change that is never picked up does.
DEADLINE = 10.0
POLL = 0.05
VN = timezone(timedelta(hours=7))


def vn_stamp(epoch):
    """A date-time in the article format with the +07:00 offset."""
    return datetime.fromtimestamp(epoch, VN).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def title_of(xml):
    return html.unescape(re.search(r"<title>(.*?)</title>", xml, re.S).group(1))


def with_title(xml, title):
    return re.sub(r"<title>.*?</title>", f"<title>{xml_escape(title)}</title>", xml, count=1,
                  flags=re.S)


NOT_WELL_FORMED = ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n'
                   "  <title>Bản hỏng không bao giờ lên mạng</title>\n"
                   "  <date>2024-06-02</date>\n  <summary>x</summary>\n"
                   "  <body><p>thẻ không đóng</body>\n</article>\n")
INVALID = ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n'
           "  <title>Thiếu ngày</title>\n  <summary>x</summary>\n"
           "  <body><p>y</p></body>\n</article>\n")


# Expected states of an article's URL besides a title (served) and None
# (never known: 404, and not listed): an article that was served and whose
# file is gone answers 410; one whose file moved in the content dir, 301.
GONE = "(410 Gone)"
MOVED = "(301 to where it moved)"
STATUS_OF = {None: 404, GONE: 410, MOVED: 301}


class Live:
    """A portal at PREFIX over a content dir the test may change while httpd runs."""

    def __init__(self, httpd, content, name):
        self.httpd = httpd
        self.content = content
        self.name = name

    # ---- files

    def path(self, slug):
        return self.content / f"{slug}.xml"

    def write(self, slug, **kw):
        """Writes an article (plain open/write/close); returns the time it was done."""
        write_article(self.content, slug, **kw)
        return time.monotonic()

    # ---- what readers see (every request on a new connection)

    def fetch(self, path):
        status, _, body = self.httpd.raw("GET", path)
        return status, body.decode("utf-8", "replace")

    def article(self, slug):
        status, text = self.fetch(f"{PREFIX}/article/{slug}")
        if status != 200:
            return status, None
        h1 = parse_html(text).find("h1", cls="bantin-title")
        return status, h1.text() if h1 is not None else "(no h1.bantin-title)"

    def listing(self):
        """[(slug, title)] of the home list (BantinPageSize 100: one page)."""
        status, text = self.fetch(PREFIX + "/")
        assert status == 200, (status, text[:300])
        ul = parse_html(text).find("ul", cls="bantin-list")
        out = []
        for li in (ul.find_all("li", cls="bantin-item") if ul is not None else []):
            a = li.find("a")
            href = a.get("href")
            assert href.startswith(PREFIX + "/article/"), href
            out.append((href[len(PREFIX + "/article/"):], a.text()))
        return out

    def observe(self, slugs):
        """{slug: (status of its page, its h1, its title on the list or None)}."""
        listed = dict(self.listing())
        got = {}
        for slug in slugs:
            status, title = self.article(slug)
            got[slug] = (status, title, listed.get(slug))
        return got

    @staticmethod
    def matches(got, expect):
        """expect: {slug: title, or None, GONE or MOVED: not on the list, and
        answering 404, 410 or 301}."""
        for slug, title in expect.items():
            status, page_title, listed = got[slug]
            if title in STATUS_OF:
                if status != STATUS_OF[title] or listed is not None:
                    return False
            elif (status, page_title, listed) != (200, title, title):
                return False
        return True

    @staticmethod
    def acceptable(got, allowed):
        """allowed: {slug: set of titles, None in it meaning 'absent' is fine}."""
        bad = {}
        for slug, titles in allowed.items():
            status, page_title, listed = got[slug]
            page_ok = (status == 200 and page_title in titles) or any(
                status == STATUS_OF[t] for t in titles if t in STATUS_OF)
            listed_ok = listed in titles or (
                listed is None and any(t in STATUS_OF for t in titles))
            if not page_ok or not listed_ok:
                bad[slug] = got[slug]
        return bad

    def wait_for(self, expect, t0, what, during=None):
        """Polls until readers see `expect`; returns the latency from t0.

        `during`: what every observation before that may show (else anything).
        """
        deadline = t0 + DEADLINE
        while True:
            got = self.observe(expect)
            now = time.monotonic()
            if self.matches(got, expect):
                latency = now - t0
                record_latency(f"{self.httpd.mpm} file changes:{self.name}:{what}", latency)
                return latency
            if during is not None:
                bad = self.acceptable(got, during)
                assert not bad, f"{what}: after {now - t0:.2f}s readers saw {bad}"
            if now > deadline:
                pytest.fail(f"{what}: not served {now - t0:.2f}s after the change "
                            f"(promised {BOUND}s): expected {expect}, got {got}",
                            pytrace=False)
            time.sleep(POLL)

    def everyone_sees(self, expect, t0, what, n=20, during=None):
        """Polls until n parallel observations on new connections all see `expect`,
        and BOUND has passed since t0 (time.monotonic(), or 0 for now): the promise,
        after which every process serves the change, which the checks that follow
        rely on (20 observations need not reach every process).  Fails DEADLINE
        after t0.  `during`: what every observation before that may show."""
        start = t0 or time.monotonic()
        deadline, promised = start + DEADLINE, start + BOUND
        while True:
            with ThreadPoolExecutor(max_workers=5) as pool:
                results = list(pool.map(lambda _: self.observe(expect), range(n)))
            stale = [got for got in results if not self.matches(got, expect)]
            if not stale and time.monotonic() >= promised:
                return
            if not stale:
                time.sleep(max(0.0, promised - time.monotonic()))
                continue
            if during is not None:
                bad = [b for b in (self.acceptable(got, during) for got in stale) if b]
                assert not bad, f"{what}: readers saw {bad[:3]}"
            assert time.monotonic() < deadline, (
                f"{what}: {len(stale)}/{n} observations still stale {DEADLINE}s after "
                f"the change: {stale[:3]}")
            time.sleep(POLL)

    def live(self, expect, t0, what, during=None):
        latency = self.wait_for(expect, t0, what, during)
        self.everyone_sees(expect, t0, what, during=during)
        return latency

    def barrier(self, name):
        """Writes a new article and waits until every process serves it: what
        was done to the content dir before has been looked at by then (each
        process takes the changes in order), so that a test can show that
        something did NOT happen without sleeping for a guessed time."""
        slug = f"2020/moc-{name}"
        t0 = self.write(slug, title=f"Mốc {name}", date="2020-01-01")
        self.live({slug: f"Mốc {name}"}, t0, f"barrier {name}")


@pytest.fixture
def live(httpd, site_copy, request):
    content, templates = site_copy
    old_umask = os.umask(0o022)  # httpd's children (nobody) must read what tests write
    httpd.configure([Portal(PREFIX, content, templates, directives=["BantinPageSize 100"])])
    httpd.restart()
    yield Live(httpd, content, request.node.originalname)
    os.umask(old_umask)


# ---- 1. live pick-up ------------------------------------------------------------

def test_new_article(live):
    slug = "2024/bai-moi-dang"
    t0 = live.write(slug, title="Bài mới đăng trong lúc máy chủ chạy", date="2024-12-30")
    live.live({slug: "Bài mới đăng trong lúc máy chủ chạy"}, t0, "new file")
    assert live.listing()[0][0] == slug  # the newest article heads the list
    # A second file in the same folder, right after the first was picked up.
    t0 = live.write("2024/bai-moi-thu-hai", title="Bài mới thứ hai", date="2024-12-29")
    live.live({slug: "Bài mới đăng trong lúc máy chủ chạy",
               "2024/bai-moi-thu-hai": "Bài mới thứ hai"}, t0, "second new file")


def test_empty_file_while_being_written(live):
    """A file is empty from its creation to its first write.  Readers looking
    at that moment (every child sees it: each request is a new connection)
    must not turn it into an error-log line; the article is served once
    written.  A file that stays empty is logged, once, when it has settled
    (2 s), without having changed in between."""
    slug = "2024/dang-viet-cham"
    live.path(slug).write_bytes(b"")
    t_empty = time.monotonic()
    # two check intervals: every child looks while it is empty, well
    # before it settles (2 s) and would be judged
    while time.monotonic() < t_empty + 2 * INTERVAL:
        assert live.article(slug) == (404, None)
        time.sleep(POLL)
    t0 = live.write(slug, title="Viết chậm mà vẫn lên", date="2024-12-30")
    live.live({slug: "Viết chậm mà vẫn lên"}, t0, "written after a pause")
    assert not live.httpd.find_log(r"dang-viet-cham\.xml")

    left = "2024/bo-trong"
    live.path(left).write_bytes(b"")
    live.httpd.expect_log(r"BT0101 \S*/2024/bo-trong\.xml:.*empty")
    deadline = time.monotonic() + 2 + DEADLINE  # settles in 2 s, then is judged
    while not live.httpd.find_log(r"bo-trong\.xml") and time.monotonic() < deadline:
        assert live.article(left) == (404, None)
        time.sleep(POLL)
    lines = live.httpd.find_log(r"bo-trong\.xml")
    assert len(lines) == 1 and live.httpd.level("error") in lines[0], lines


def test_title_changed_in_place(live, tmp_path):
    slug = "2024/le-hoi-long-tong-ba-be"
    path = live.path(slug)
    original = path.read_text(encoding="utf-8")
    old = title_of(original)
    assert live.matches(live.observe([slug]), {slug: old})

    # truncate + write in place
    first = "Lễ hội Lồng Tồng Ba Bể: tiêu đề đã sửa"
    with open(path, "w", encoding="utf-8") as f:
        f.write(with_title(original, first))
    t0 = time.monotonic()
    live.live({slug: first}, t0, "edit in place", during={slug: {old, first}})

    # cp over the file (cp truncates and writes the existing inode)
    second = "Lễ hội Lồng Tồng Ba Bể: tiêu đề sửa lần hai, chép đè bằng cp"
    src = tmp_path / "ban-sua.xml"
    src.write_text(with_title(original, second), encoding="utf-8")
    subprocess.run(["cp", str(src), str(path)], check=True)
    t0 = time.monotonic()
    live.live({slug: second}, t0, "cp over", during={slug: {first, second}})

    # the same text again with only the summary changed: still noticed
    third = with_title(original, second).replace("<summary>", "<summary>Cập nhật: ", 1)
    path.write_text(third, encoding="utf-8")
    t0 = time.monotonic()
    deadline = t0 + DEADLINE
    while "Cập nhật: " not in live.fetch(f"{PREFIX}/article/{slug}")[1]:
        assert time.monotonic() < deadline, "summary change not served"
        time.sleep(POLL)
    record_latency(f"{live.httpd.mpm} file changes:{live.name}:summary", time.monotonic() - t0)


def test_removed_article(live, tmp_path):
    gone = "2024/truong-hoc-vung-cao-chong-ret"
    moved = "2023/tuan-tra-bao-ve-rung-mua-kho"
    keep = "2024/giup-do-xa-kho-khan"
    keep_title = title_of(live.path(keep).read_text(encoding="utf-8"))
    os.remove(live.path(gone))
    t0 = time.monotonic()
    # it was served: 410 Gone, a page in the portal's look
    live.live({gone: GONE, keep: keep_title}, t0, "file removed")
    portal_error(live.httpd.get(f"{PREFIX}/article/{gone}"), 410)
    # moved out of the content dir (a rename, not an unlink): gone too
    os.rename(live.path(moved), tmp_path / "tuan-tra.xml")
    t0 = time.monotonic()
    live.live({moved: GONE, gone: GONE, keep: keep_title}, t0, "file moved away")


def test_atomic_replace(live):
    slug = "2024/du-lich-ba-be-don-khach-dau-xuan"
    path = live.path(slug)
    original = path.read_text(encoding="utf-8")
    old = title_of(original)
    new = "Hồ Ba Bể đón khách: bản thay thế nguyên khối"
    tmp = path.with_name("." + path.name)  # an editor's temporary file: ignored
    tmp.write_text(with_title(original, new), encoding="utf-8")
    live.barrier("tam")
    assert live.matches(live.observe([slug]), {slug: old})
    assert live.httpd.get(f"{PREFIX}/article/2024/.{path.stem}").status_code == 404
    os.rename(tmp, path)
    t0 = time.monotonic()
    # The article never disappears while it is replaced.
    live.live({slug: new}, t0, "rename over", during={slug: {old, new}})

    # a new article published the same way
    fresh = "2024/dang-nguyen-khoi"
    tmp = live.content / "2024" / ".dang-nguyen-khoi.xml.tmp"
    tmp.write_text(article_xml("Đăng bằng đổi tên", "2024-03-01"), encoding="utf-8")
    os.rename(tmp, live.path(fresh))
    t0 = time.monotonic()
    live.live({fresh: "Đăng bằng đổi tên", slug: new}, t0, "rename new file")


def test_new_and_removed_folders(live):
    a = "2025/bai-trong-thu-muc-moi"
    (live.content / "2025").mkdir()
    t0 = live.write(a, title="Bài trong thư mục mới", date="2025-01-05")
    live.live({a: "Bài trong thư mục mới"}, t0, "new folder")

    # the new folder is watched: a file added to it later is seen too
    b = "2025/bai-sau-trong-thu-muc-moi"
    t0 = live.write(b, title="Bài thêm sau vào thư mục mới", date="2025-01-06")
    live.live({a: "Bài trong thư mục mới", b: "Bài thêm sau vào thư mục mới"}, t0,
              "file in new folder")

    # nested folders made at once
    c = "2026/thang-3/ngay-8"
    os.makedirs(live.content / "2026" / "thang-3")
    t0 = live.write(c, title="Bài trong hai tầng thư mục mới", date="2025-03-08")
    live.live({c: "Bài trong hai tầng thư mục mới"}, t0, "nested new folders")

    # a whole folder removed
    old_year = sorted(p.stem for p in (live.content / "2023").glob("*.xml"))
    assert len(old_year) == 6
    shutil.rmtree(live.content / "2023")
    shutil.rmtree(live.content / "2025")
    t0 = time.monotonic()
    expect = {f"2023/{s}": GONE for s in old_year}
    expect.update({a: GONE, b: GONE, c: "Bài trong hai tầng thư mục mới"})
    live.live(expect, t0, "folders removed")
    slugs = [s for s, _ in live.listing()]
    assert not [s for s in slugs if s.startswith(("2023/", "2025/"))]
    assert len(slugs) == 12 - 6 + 1


def test_folder_renamed(live):
    titles = {p.stem: title_of(p.read_text(encoding="utf-8"))
              for p in (live.content / "2023").glob("*.xml")}
    os.rename(live.content / "2023", live.content / "nam-2023")
    t0 = time.monotonic()
    expect = {f"2023/{s}": MOVED for s in titles}  # test_moves.py checks where to
    expect.update({f"nam-2023/{s}": t for s, t in titles.items()})
    live.live(expect, t0, "folder renamed")
    # still watched under its new name
    slug = "nam-2023/bai-them"
    t0 = live.write(slug, title="Thêm vào thư mục đã đổi tên", date="2023-12-30")
    live.live({slug: "Thêm vào thư mục đã đổi tên"}, t0, "file in renamed folder")


# ---- 2. bad files ---------------------------------------------------------------

PID = re.compile(r"\[pid (\d+)")


def test_broken_edit_keeps_last_good_version(live):
    slug = "2024/to-cong-nghe-so-cong-dong"
    path = live.path(slug)
    good = path.read_text(encoding="utf-8")
    old = title_of(good)
    line_rx = rf"BT0101 {re.escape(str(path))}:(\d+):(\d+): "
    live.httpd.expect_log(line_rx)

    path.write_text(NOT_WELL_FORMED, encoding="utf-8")
    t0 = time.monotonic()
    deadline = t0 + DEADLINE
    while not live.httpd.find_log(line_rx):
        assert time.monotonic() < deadline, "the broken file was not noticed (no BT0101 line)"
        assert live.matches(live.observe([slug]), {slug: old})
        time.sleep(POLL)
    record_latency(f"{live.httpd.mpm} file changes:{live.name}:broken noticed",
                   time.monotonic() - t0)
    for line in live.httpd.find_log(line_rx):
        m = re.search(line_rx, line)
        assert int(m.group(1)) > 0 and int(m.group(2)) > 0, line
        assert live.httpd.level("error") in line, line

    # Every process serves the last good version once it has looked at the
    # file (the barrier), and at every moment before (during=).
    live.barrier("ban-tot")
    live.everyone_sees({slug: old}, 0, "last good version", n=10, during={slug: {old}})
    before = Counter(live.httpd.LOG_PID.search(line).group(1) for line in live.httpd.find_log(line_rx))
    # 30 further requests (spread over several check intervals) add no line
    # for a process that has already reported this version of the file.  The
    # pauses only give the processes chances to log again: a slow machine
    # makes the test weaker, never fail.
    for _ in range(3):
        time.sleep(INTERVAL * 1.2)
        with ThreadPoolExecutor(max_workers=3) as pool:
            pages = list(pool.map(lambda _: live.article(slug), range(10)))
        assert pages == [(200, old)] * 10
    after = Counter(live.httpd.LOG_PID.search(line).group(1) for line in live.httpd.find_log(line_rx))
    assert all(count == 1 for count in after.values()), f"logged more than once per process: {after}"
    assert {pid: after[pid] for pid in before} == before, (before, after)
    assert sum(after.values()) - sum(before.values()) <= len(set(after) - set(before))

    # The fixed file goes live.
    fixed = "Tổ công nghệ số cộng đồng: bản đã sửa lỗi"
    path.write_text(with_title(good, fixed), encoding="utf-8")
    t0 = time.monotonic()
    live.live({slug: fixed}, t0, "fixed file", during={slug: {old, fixed}})


def test_broken_new_file(live):
    nwf, invalid, control = "2024/bai-moi-hong", "2024/bai-moi-sai-luoc-do", "2024/bai-moi-tot"
    nwf_rx = rf"BT0101 {re.escape(str(live.path(nwf)))}:\d+:\d+: "
    invalid_rx = rf"BT0101 {re.escape(str(live.path(invalid)))}:\d+(:\d+)?: "
    live.httpd.expect_log(nwf_rx, invalid_rx)
    live.path(nwf).write_text(NOT_WELL_FORMED, encoding="utf-8")
    live.path(invalid).write_text(INVALID, encoding="utf-8")
    t0 = live.write(control, title="Bài mới tốt", date="2024-06-01")
    live.live({nwf: None, invalid: None, control: "Bài mới tốt"}, t0, "bad new files")
    assert live.httpd.find_log(nwf_rx), "no BT0101 line for the not-well-formed file"
    assert live.httpd.find_log(invalid_rx), "no BT0101 line for the invalid file"
    portal_error(live.httpd.get(f"{PREFIX}/article/{nwf}"), 404)
    portal_error(live.httpd.get(f"{PREFIX}/article/{invalid}"), 404)
    _, text = live.fetch(PREFIX + "/")
    assert "Bản hỏng" not in text and "Thiếu ngày" not in text

    # once fixed, it is served
    t0 = live.write(nwf, title="Bài hỏng đã sửa", date="2024-06-02")
    live.live({nwf: "Bài hỏng đã sửa", invalid: None}, t0, "bad new file fixed")


def httpd_children(httpd):
    """Pids of the httpd parent's child processes."""
    parent, out = httpd.pid(), []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                out.append(int(d))
    return set(out)


def in_a_new_child(live, fn):
    """Runs fn() while every existing prefork child is held by an idle connection,
    so that the request fn makes is answered by a child forked after this call."""
    old = httpd_children(live.httpd)
    held = [socket.create_connection(("127.0.0.1", live.httpd.port), timeout=10) for _ in old]
    try:
        for s in held:  # half a request: a child accepts it and waits for the rest
            s.sendall(b"GET / HTTP/1.1\r\n")
        deadline = time.monotonic() + DEADLINE
        while not httpd_children(live.httpd) - old:
            assert time.monotonic() < deadline, "prefork forked no new child"
            time.sleep(POLL)
        return fn()
    finally:
        for s in held:
            s.close()


@pytest.mark.parametrize("history", ["new file", "edited file"])
@pytest.mark.parametrize("broken_as", ["not well-formed", "emptied"])
def test_new_process_keeps_last_good_version(live, history, broken_as):
    """A process forked after a file broke serves its last good version too.

    The last good version must not depend on which process answers: readers
    would see the article vanish (a file added while httpd runs) or go back
    to the version httpd started with (a file edited since), depending on
    the child they reach.  "emptied": truncated, as by a writer about to
    write (not logged while young, and still the last good version).
    """
    if live.httpd.mpm != "prefork":
        pytest.skip("forcing a new child process is deterministic under prefork")
    if history == "new file":
        slug, good = "2024/them-khi-dang-chay", "Thêm khi máy chủ đang chạy"
        t0 = live.write(slug, title=good, date="2024-04-01")
    else:
        slug, good = "2024/chuan-bi-tet-giap-thin", "Tết Giáp Thìn: bản sửa"
        path = live.path(slug)
        path.write_text(with_title(path.read_text(encoding="utf-8"), good), encoding="utf-8")
        t0 = time.monotonic()
    live.live({slug: good}, t0, f"{history} before it breaks")
    line_rx = rf"BT0101 {re.escape(str(live.path(slug)))}:\d+:\d+: "
    live.httpd.expect_log(line_rx)  # for "emptied": once it settled (2 s)
    live.path(slug).write_text(NOT_WELL_FORMED if broken_as == "not well-formed" else "",
                               encoding="utf-8")
    live.barrier("hong")  # the processes have looked at the broken file
    live.everyone_sees({slug: good}, 0, "last good version in the running children",
                       during={slug: {good}})
    if broken_as == "not well-formed":
        assert live.httpd.find_log(line_rx)

    got = in_a_new_child(live, lambda: live.observe([slug]))
    assert live.matches(got, {slug: good}), f"a new child serves {got[slug]}, not {good!r}"


# ---- 3. publishing dates ----------------------------------------------------------

def test_future_date_publishes_itself(live):
    slug, control = "2024/tin-hen-gio", "2024/doi-chung-hen-gio"
    title = "Tin hẹn giờ đăng"
    # The moment (whole seconds) must still be ahead once the control shows
    # that the file was looked at: a slow machine gets a later one.
    for lead in (3, 6, 12, 24, 48):
        moment = math.floor(time.time()) + lead
        write_article(live.content, slug, title=title, date=vn_stamp(moment))
        t0 = live.write(control, title=f"Đối chứng {lead}", date="2024-01-02")
        live.wait_for({control: f"Đối chứng {lead}"}, t0, "control for the dated article")
        if time.time() < moment - 0.5:
            break
    else:
        pytest.fail("the dated article was never looked at before its moment")

    # 404 and not listed until its moment, then shown without anything done to the file.
    seen = []
    while True:
        start = time.time()
        got = live.observe([slug])
        end = time.time()
        if live.matches(got, {slug: title}):
            break
        seen.append((start, end, got))
        if end < moment:
            assert live.matches(got, {slug: None}), f"shown before its moment: {got}"
        assert end < moment + DEADLINE, f"not shown {end - moment:.2f}s after its moment: {got}"
        time.sleep(POLL)
    assert start >= moment - 0.05, f"shown {moment - start:.2f}s before its moment"
    assert any(live.matches(g, {slug: None}) for _, _, g in seen), "never seen hidden"
    record_latency(f"{live.httpd.mpm} dates:{live.name}:date reached", end - moment)
    live.everyone_sees({slug: title}, 0, "dated article after its moment")


def test_expires_hides_the_article(live):
    slug = "2024/tin-het-han"
    title = "Tin có hạn đăng"
    # As above: a slow machine gets a later moment.
    for lead in (3, 6, 12, 24, 48):
        moment = math.floor(time.time()) + lead
        t0 = live.write(slug, title=title, date="2024-01-10T07:00:00+07:00",
                        expires=vn_stamp(moment))
        live.wait_for({slug: title}, t0, "article with expires")
        if time.time() < moment - 0.5:
            break
    else:
        pytest.fail("the article was never served before it expired")
    while True:
        start = time.time()
        got = live.observe([slug])
        end = time.time()
        if live.matches(got, {slug: None}):
            break
        if end < moment:
            assert live.matches(got, {slug: title}), f"hidden before it expired: {got}"
        assert end < moment + DEADLINE, f"still shown {end - moment:.2f}s after expiry: {got}"
        time.sleep(POLL)
    assert start >= moment - 0.05, f"hidden {moment - start:.2f}s before it expired"
    record_latency(f"{live.httpd.mpm} dates:{live.name}:expires reached", end - moment)
    live.everyone_sees({slug: None}, 0, "after expiry")


def test_draft_is_never_shown(live):
    slug, control = "2024/ban-nhap", "2024/doi-chung-ban-nhap"
    title = "Bản nháp chưa đăng"
    write_article(live.content, slug, title=title, date="2024-05-01", status="draft")
    t0 = live.write(control, title="Đối chứng bản nháp", date="2024-05-02")
    live.live({control: "Đối chứng bản nháp", slug: None}, t0, "draft next to a new file")
    for _ in range(6):  # over more than two check intervals
        assert live.matches(live.observe([slug]), {slug: None})
        time.sleep(POLL)
    assert not live.httpd.find_log("ban-nhap"), "a draft is a valid file: nothing to log"
    _, text = live.fetch(PREFIX + "/")
    assert title not in text

    # status="published" publishes it; back to draft hides it again
    t0 = live.write(slug, title=title, date="2024-05-01", status="published")
    live.live({slug: title}, t0, "draft published", during={slug: {None, title}})
    t0 = live.write(slug, title=title, date="2024-05-01", status="draft")
    live.live({slug: None}, t0, "back to draft", during={slug: {None, title}})


# ---- 4. the status page -----------------------------------------------------------

STATUS = "/bantin-status"


def status_page(httpd):
    r = httpd.get(STATUS)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].replace(" ", "").lower() == "text/html;charset=utf-8"
    return r, parse_html(r.content.decode("utf-8"))


def dd(doc, cls):
    node = doc.find("dd", cls=cls)
    assert node is not None, f"no dd.{cls}"
    return node.text()


def rejected_items(doc):
    ul = doc.find("ul", cls="bantin-rejected")
    return [li.text() for li in ul.find_all("li")] if ul is not None else []


def test_status_page(httpd, site_copy):
    content, templates = site_copy
    (content / "2024" / "hong.xml").write_text(NOT_WELL_FORMED, encoding="utf-8")
    # libxml2's message for this file contains '<'
    lt = content / "2024" / "dau-nho-hon.xml"
    lt.write_text(article_xml("T", "2024-01-01").replace("<title>", '<title a="x<y">'),
                  encoding="utf-8")
    bad_name = content / "Bad Name.xml"
    bad_name.write_text(article_xml("Tên sai", "2024-01-01"), encoding="utf-8")
    markup_name = content / "x<y>&z.xml"
    markup_name.write_text(article_xml("Tên có dấu nhỏ hơn", "2024-01-01"), encoding="utf-8")
    write_article(content, "2024/ban-nhap", title="Nháp", date="2024-01-01", status="draft")
    write_article(content, "2024/sap-dang", title="Sắp đăng", date="2099-01-01")
    write_article(content, "2024/het-han", title="Hết hạn", date="2020-01-01",
                  expires="2021-01-01")
    httpd.configure([Portal(PREFIX, content, templates)], extra=status_location(STATUS))
    httpd.expect_log(r"hong\.xml:\d+:\d+", r"dau-nho-hon\.xml:\d+:\d+", r"Bad Name\.xml",
                     r"x<y>&z\.xml")
    httpd.restart()

    r, doc = status_page(httpd)
    assert r.headers.get("Cache-Control") == "no-store"
    assert str(content) in doc.text()
    assert dd(doc, "articles") == "14"  # 12 + the future one + the expired one (not the draft)
    if doc.find("dd", cls="visible") is not None:
        assert dd(doc, "visible") == "12"
    assert dd(doc, "drafts") == "1"
    assert dd(doc, "rejected") == "4"
    checked = parsedate_to_datetime(dd(doc, "last-check"))
    assert abs((datetime.now(timezone.utc) - checked).total_seconds()) < 60
    items = rejected_items(doc)
    assert len(items) == 4, items

    def item(path):
        found = [i for i in items if i.startswith(str(path))]
        assert len(found) == 1, (path, items)
        return found[0]

    assert re.match(rf"{re.escape(str(content / '2024' / 'hong.xml'))}:\d+:\d+: \S", item(
        content / "2024" / "hong.xml"))
    assert "'<'" in item(lt), item(lt)
    assert re.match(rf"{re.escape(str(bad_name))}: \S", item(bad_name))
    assert re.match(rf"{re.escape(str(markup_name))}: \S", item(markup_name))
    # everything escaped: no markup from file names or messages
    assert "x<y>&z" not in r.text and "'<'" not in r.text
    assert "x&lt;y&gt;&amp;z" in r.text
    assert doc.find("y") is None

    # it follows the content dir live
    (content / "2024" / "hong-them.xml").write_text(NOT_WELL_FORMED, encoding="utf-8")
    write_article(content, "2024/moi-tot", title="Mới tốt", date="2024-01-01")
    httpd.expect_log(r"hong-them\.xml:\d+:\d+")
    t0 = time.monotonic()
    while True:
        _, doc = status_page(httpd)
        if dd(doc, "rejected") == "5" and dd(doc, "articles") == "15":
            break
        assert time.monotonic() < t0 + DEADLINE, (dd(doc, "rejected"), dd(doc, "articles"))
        time.sleep(POLL)
    assert any(i.startswith(str(content / "2024" / "hong-them.xml")) for i in rejected_items(doc))
    os.remove(content / "2024" / "hong.xml")
    os.remove(bad_name)
    t0 = time.monotonic()
    while True:
        _, doc = status_page(httpd)
        if dd(doc, "rejected") == "3":
            break
        assert time.monotonic() < t0 + DEADLINE, rejected_items(doc)
        time.sleep(POLL)
    assert not [i for i in rejected_items(doc) if "hong.xml" in i or "Bad Name" in i]

    # only GET; and the portal itself does not expose it
    assert httpd.post(STATUS).status_code == 405
    portal_error(httpd.get(f"{PREFIX}/bantin-status"), 404)
    assert httpd.get(f"{PREFIX}/").status_code == 200


def test_status_page_not_exposed_by_default(httpd):
    for path in (STATUS, STATUS + "/", f"/portal{STATUS}", "/portal/status", "/tin/bantin-status"):
        r = httpd.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "bantin-rejected" not in r.text and "mod_bantin status" not in r.text
        assert "dd class" not in r.text


# ---- 5. concurrent rewrites -------------------------------------------------------

def test_concurrent_rewrites(live):
    rng = random.Random(20240104)
    slugs = [f"2024/song-song-{i}" for i in range(1, 4)]
    paras = [f"Đoạn {k}: nội dung dài để một lần ghi dở dang có ý nghĩa. " * 3
             for k in range(40)]
    versions = {}
    for i, slug in enumerate(slugs):
        # same length: a stale version could not hide behind a size change
        titles = (f"Phiên bản A của bài {i + 1}", f"Phiên bản B của bài {i + 1}")
        versions[slug] = [(t, article_xml(t, "2024-06-1%d" % i, paragraphs=paras).encode())
                          for t in titles]
        assert len(versions[slug][0][1]) == len(versions[slug][1][1])
    for slug in slugs:
        live.path(slug).write_bytes(versions[slug][0][1])
    t0 = time.monotonic()
    live.wait_for({s: versions[s][0][0] for s in slugs}, t0, "concurrent set-up")
    live.httpd.expect_log(rf"BT0101 {re.escape(str(live.content))}/2024/song-song-\d\.xml:\d+")

    stop = threading.Event()
    last = {}
    writes = Counter()

    def enough():
        """The counts asserted below: the run goes on until both sides did that
        much (at least 6 s), so that a slow machine takes longer, not fails."""
        return (counts["article"] > 100 and counts["home"] > 20
                and writes["total"] > 100 and writes["partial"] > 10)

    def writer():
        k = 0
        least, most = time.monotonic() + 6.0, time.monotonic() + 120.0
        while time.monotonic() < most and (time.monotonic() < least or not enough()):
            k += 1
            for slug in slugs:
                title, data = versions[slug][k % 2]
                with open(live.path(slug), "wb") as f:
                    if rng.random() < 0.3:
                        cut = rng.randrange(1, len(data))
                        f.write(data[:cut])
                        f.flush()
                        time.sleep(rng.uniform(0.002, 0.01))
                        writes["partial"] += 1
                    else:
                        cut = 0
                    f.write(data[cut:])
                last[slug] = title
                writes["total"] += 1
            time.sleep(rng.uniform(0.005, 0.03))
        stop.set()

    problems = []
    counts = Counter()

    def client(n):
        crng = random.Random(n)
        while not stop.is_set():
            slug = crng.choice(slugs + [None])
            try:
                if slug is None:
                    listed = dict(live.listing())
                    for s in slugs:
                        if listed.get(s) not in (versions[s][0][0], versions[s][1][0]):
                            problems.append((round(time.monotonic() - start, 2), "home", s,
                                             listed.get(s)))
                    counts["home"] += 1
                else:
                    status, title = live.article(slug)
                    if status != 200 or title not in (versions[slug][0][0], versions[slug][1][0]):
                        problems.append((round(time.monotonic() - start, 2), slug, status, title))
                    counts["article"] += 1
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                problems.append((round(time.monotonic() - start, 2), "exception", slug, repr(e)))

    start = time.monotonic()
    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)  # a hung server, not a slow one
    assert not any(t.is_alive() for t in threads)
    assert not problems, (f"{len(problems)} bad answers out of {sum(counts.values())} "
                          f"(seconds into the run, what): {problems[:5]} ... {problems[-3:]}")
    assert counts["article"] > 100 and counts["home"] > 20, counts
    assert writes["total"] > 100 and writes["partial"] > 10, writes

    # After the last write, every process converges on the last complete version.
    t0 = time.monotonic()
    final = dict(last)
    live.live(final, t0, "after concurrent rewrites")
