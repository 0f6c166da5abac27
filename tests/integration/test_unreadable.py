"""Nothing vanishes without a word (issue #14).

httpd's parent loads the content as root; its children serve it as the
`User` (nobody here, when the tests run as root).  A file or folder the
User cannot read is served by no process, before or after a graceful
restart, and said once: one log line each (BT0111 a file, BT0112 a
folder), listed on the status page.  A content dir the User cannot read
fails `apache2 -t`.  The start line's counts agree with what is served,
a problem already logged is not logged again at a restart of the same
parent, and file names show as the UTF-8 text they are.
"""

import os
import pwd
import re
import subprocess
import time
from pathlib import Path

import pytest

from bantin_httpd import (REPO, Portal, article_xml, open_to_all, parse_html, status_location,
                          write_article)

PREFIX = "/portal"
STATUS = "/bantin-status"
DEADLINE = 10.0  # for a change to show: generous, not a bound
POLL = 0.05
CHECK = Path(os.environ.get("BANTIN_CHECK", str(REPO / "build" / "bantin-check")))
NOT_WELL_FORMED = ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n  <title>Hỏng</title>\n'
                   "  <date>2024-06-02</date>\n  <summary>x</summary>\n"
                   "  <body><p>không đóng thẻ</body>\n</article>\n")

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="needs root: the parent must be able to read "
                                       "what the User cannot")


def status(httpd):
    r = httpd.get(STATUS)
    assert r.status_code == 200, r.status_code
    return r, parse_html(r.content.decode("utf-8"))


def dd(doc, cls):
    return doc.find("dd", cls=cls).text()


def rejected_items(doc):
    ul = doc.find("ul", cls="bantin-rejected")
    return [li.text() for li in ul.find_all("li")] if ul is not None else []


def private_site(httpd, site_copy):
    """A copy of the site with a root-owned 0600 article and a 0700 folder
    holding another; the harness leaves both as they are at start."""
    content, templates = site_copy
    secret = write_article(content, "2024/bi-mat", title="Bí mật", date="2024-01-01")
    folder = content / "rieng"
    write_article(content, "rieng/bai-rieng", title="Riêng", date="2024-01-01")
    httpd.configure([Portal(PREFIX, content, templates)], extra=status_location(STATUS))
    httpd.keep_private = [secret, folder]
    secret.chmod(0o600)
    folder.chmod(0o700)
    return content, secret, folder


def file_rx(path):
    return rf"BT0111 {re.escape(str(path))}: the server's User \(nobody\) cannot read this file"


def folder_rx(path):
    return rf"BT0112 {re.escape(str(path))}/: the server's User \(nobody\) cannot read this folder"


def assert_not_served(httpd, content, secret, folder):
    # several requests: under prefork they reach different children
    for _ in range(6):
        assert httpd.get(f"{PREFIX}/article/2024/bi-mat").status_code == 404
        assert httpd.get(f"{PREFIX}/article/rieng/bai-rieng").status_code == 404
    _, doc = status(httpd)
    items = rejected_items(doc)
    assert [i for i in items if i.startswith(f"{secret}: ")], items
    assert [i for i in items if i.startswith(f"{folder}/: ")], items
    assert dd(doc, "rejected") == str(len(items)) == "2", items


def test_unreadable_file_and_folder(httpd, site_copy):
    content, secret, folder = private_site(httpd, site_copy)
    httpd.expect_log(r"BT0111 ", r"BT0112 ")
    httpd.restart()
    assert_not_served(httpd, content, secret, folder)
    assert len(httpd.find_log(file_rx(secret))) == 1, httpd.log_tail()
    assert len(httpd.find_log(folder_rx(folder))) == 1, httpd.log_tail()

    # the parent reads it all again, as root: the same answers, nothing said twice
    httpd.signal_restart("graceful")
    assert_not_served(httpd, content, secret, folder)
    assert len(httpd.find_log(file_rx(secret))) == 1, httpd.log_tail()
    assert len(httpd.find_log(folder_rx(folder))) == 1, httpd.log_tail()

    # readable again: served at the next full look (a graceful restart)
    secret.chmod(0o644)
    folder.chmod(0o755)
    httpd.signal_restart("graceful")
    assert httpd.get(f"{PREFIX}/article/2024/bi-mat").status_code == 200
    assert httpd.get(f"{PREFIX}/article/rieng/bai-rieng").status_code == 200
    _, doc = status(httpd)
    assert rejected_items(doc) == [] and dd(doc, "rejected") == "0"


def test_unreadable_content_dir_fails_config_test(httpd, site_copy):
    content, templates = site_copy
    open_to_all(content)
    content.chmod(0o700)
    httpd.keep_private = [content]
    try:
        rc, out = httpd.config_test(Portal(PREFIX, content, templates))
    finally:
        httpd.keep_private = []
    assert rc != 0, out
    lines = [line for line in out.splitlines() if httpd.directive("BantinContentDir") in line]
    assert len(lines) == 1, out
    assert f"{content}: the server's User (nobody) cannot read this folder" in lines[0], out
    assert httpd.SYNTAX_OK not in out
    # a folder on the way that the User may not pass through
    content.chmod(0o755)
    content.parent.chmod(0o700)
    rc, out = httpd.config_test(Portal(PREFIX, content, templates).conf())  # (text: as it is)
    assert rc != 0, out
    assert f"{httpd.directive('BantinContentDir')}: {content.parent}: the server's User (nobody) may not pass through" \
        in out, out
    rc, out = httpd.config_test(Portal(PREFIX, content, templates))
    assert rc == 0, out


@pytest.mark.httpd_only("httpd's User line read after the portal's section")
def test_user_named_after_the_portal_is_the_one_checked(httpd, site_copy):
    """The User's rights are checked once the whole config is read: a
    `User` line after the portal's section is the one that counts."""
    content, templates = site_copy
    open_to_all(content)
    daemon = pwd.getpwnam("daemon")
    os.chown(content, daemon.pw_uid, daemon.pw_gid)
    content.chmod(0o700)
    httpd.keep_private = [content]
    try:
        portal = Portal(PREFIX, content, templates).conf()
        rc, out = httpd.config_test(portal + "\nUser daemon\n")
        assert rc == 0, out
        rc, out = httpd.config_test(portal)
        assert rc != 0 and "the server's User (nobody) cannot read this folder" in out, out
    finally:
        httpd.keep_private = []
        os.chown(content, 0, 0)


def test_problem_logged_once_across_restarts(httpd, site_copy):
    content, templates = site_copy
    broken = content / "2024" / "hong.xml"
    broken.write_text(NOT_WELL_FORMED, encoding="utf-8")
    httpd.configure([Portal(PREFIX, content, templates)])
    rx = rf"BT0101 {re.escape(str(broken))}:\d+:\d+: "
    httpd.expect_log(rx)
    httpd.restart()
    assert len(httpd.find_log(rx)) == 1, httpd.log_tail()
    for kind in ("graceful", "graceful", "restart"):
        httpd.signal_restart(kind)
        assert len(httpd.find_log(rx)) == 1, (kind, httpd.find_log(rx))
    # a fresh start says it again
    httpd.restart()
    assert len(httpd.find_log(rx)) == 2, httpd.find_log(rx)


def start_line(httpd):
    lines = httpd.find_log(r"BT0100 ")
    assert lines, httpd.log_tail()
    m = re.search(r"(\d+) articles loaded, (\d+) files rejected(?:; (\d+) read from the start "
                  r"cache)?", lines[-1])
    assert m, lines[-1]
    return int(m.group(1)), int(m.group(2)), m.group(3) and int(m.group(3))


def test_start_line_counts_agree_with_what_is_served(httpd, site_copy):
    content, secret, folder = private_site(httpd, site_copy)
    write_article(content, "2024/ban-nhap", title="Nháp", date="2024-01-01", status="draft")
    httpd.configure(httpd.portals, extra=status_location(STATUS) + "\nLogLevel warn bantin:info")
    httpd.keep_private = [secret, folder]
    httpd.expect_log(r"BT0111 ", r"BT0112 ")
    # (before the start: httpd's monitor writes the start cache a little
    # after it, nginx's master as it starts)
    cache_dir = httpd.root / "run" / "bantin-startcache"
    before = set(cache_dir.glob("*.cache"))
    httpd.restart()
    loaded, rejected, cached = start_line(httpd)
    _, doc = status(httpd)
    assert loaded == int(dd(doc, "articles")) and rejected == int(dd(doc, "rejected")) == 2
    assert cached == 0

    try:
        deadline = time.monotonic() + 60  # written by the monitor, about every 10 s
        while not set(cache_dir.glob("*.cache")) - before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert set(cache_dir.glob("*.cache")) - before, "no start cache written"
        httpd.restart()
        loaded2, rejected2, cached2 = start_line(httpd)
        _, doc = status(httpd)
        assert loaded2 == int(dd(doc, "articles")) == loaded
        assert rejected2 == rejected
        assert cached2 == loaded2  # nothing changed: every article from the cache
    finally:
        # this content dir's cache: no other test's start reads it
        for f in set(cache_dir.glob("*.cache")) - before:
            f.unlink()


def test_file_names_show_as_utf8(httpd, site_copy):
    content, templates = site_copy
    name = "bài-việt.xml"
    (content / name).write_text(article_xml("Tên có dấu", "2024-01-01"), encoding="utf-8")
    odd = os.path.join(os.fsencode(content), b"x\xff\x01y.xml")
    with open(odd, "w", encoding="utf-8") as f:
        f.write(article_xml("Tên hỏng", "2024-01-01"))
    httpd.configure([Portal(PREFIX, content, templates)], extra=status_location(STATUS))
    httpd.expect_log(r"BT0102 ")
    httpd.restart()

    with open(httpd.error_log, "rb") as f:
        f.seek(httpd._log_mark)
        log = f.read()
    assert f"BT0102 {content}/{name}: skipped".encode() in log, log[-2000:]
    assert b"\xff" not in log and b"\x01y.xml" not in log  # escaped, not raw
    assert f"BT0102 {content}/x\\xff\\x01y.xml: skipped".encode() in log, log[-2000:]

    r, doc = status(httpd)
    items = rejected_items(doc)
    assert [i for i in items if i.startswith(f"{content}/{name}: skipped")], items
    assert [i for i in items if i.startswith(f"{content}/x\\xff\\x01y.xml: skipped")], items


def test_checker_warns_what_the_user_cannot_read(tmp_path):
    if not CHECK.exists():
        pytest.fail(f"{CHECK} does not exist: run `make` first")
    good = write_article(tmp_path / "c", "2024/tot", title="Tốt", date="2024-01-01")
    secret = write_article(tmp_path / "c", "2024/bi-mat", title="Bí mật", date="2024-01-01")
    folder = tmp_path / "c" / "rieng"
    inner = write_article(tmp_path / "c", "rieng/bai", title="Riêng", date="2024-01-01")
    open_to_all(tmp_path / "c")
    secret.chmod(0o600)
    folder.chmod(0o700)

    p = subprocess.run([str(CHECK), "--user", "nobody", str(tmp_path / "c")],
                       capture_output=True, text=True, timeout=60)
    out = p.stdout.splitlines()
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"{secret}: máy chủ (nobody) không đọc được tệp này" in out, out
    assert f"{folder}/: máy chủ (nobody) không đọc được thư mục này" in out, out
    assert any(line.startswith(f"{good}: tốt: ") for line in out), out
    assert not [line for line in out if str(inner) in line], out  # not walked, as the portal
    # a single file, and the default User (www-data)
    p = subprocess.run([str(CHECK), str(secret)], capture_output=True, text=True, timeout=60)
    assert f"{secret}: máy chủ (www-data) không đọc được tệp này" in p.stdout.splitlines(), p.stdout
    # nothing to say for what the User can read
    p = subprocess.run([str(CHECK), "--user", "nobody", str(good)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "không đọc được" not in p.stdout, p.stdout
    p = subprocess.run([str(CHECK), "--user", "no-such-user-here", str(good)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "no-such-user-here" in p.stderr, p.stderr
