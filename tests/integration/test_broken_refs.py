"""Broken references: a figure whose media file is not in the content dir, a
link written without its scheme (href="www.example.vn", which a browser reads
as a page of this site: a 404).  The article is served; the portal lists them
on its status page and logs each once per version of the file (BT0150 media,
BT0151 link), not at every check nor at a graceful restart.  bantin-check warns
of them (test_check_messages.py has its words; here the same file as the
portal sees it).
"""

import re
import subprocess
import time

from bantin_httpd import Portal, parse_html, status_location
from test_check_tool import CHECK

PREFIX = "/portal"
STATUS = "/bantin-status"
DEADLINE = 10.0
POLL = 0.05

MEDIA = "images/khong-co.png"
LINK = "www.example.vn/tin?a=1&b=<2>"  # markup: escaped on the status page


def xml_attr(value):
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def article(src=MEDIA, href=LINK, title="Ảnh hỏng"):
    link = "" if href is None else f' Xem <a href="{xml_attr(href)}">đây</a>.'
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n'
            f"  <title>{title}</title>\n  <date>2024-03-01</date>\n  <summary>Tóm tắt.</summary>\n"
            f'  <body>\n    <figure src="{src}"><caption>Ảnh</caption></figure>\n'
            f"    <p>Nội dung.{link}</p>\n  </body>\n</article>\n")


def where(text, attr, value):
    """line:col of an attribute's value in the file (1-based, characters)."""
    written = xml_attr(value)
    at = text.index(f'{attr}="{written}"') + len(attr) + 2
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


MEDIA_EN = (f"figure src {MEDIA} names no file in the content dir: readers see a broken "
            "picture; add the file or correct the name")
LINK_EN = (f"link {LINK} has no https:// and leads to a page of this site that does not "
           f"exist: write https://{LINK}")


def status_items(httpd):
    r = httpd.get(STATUS)
    assert r.status_code == 200
    assert "<2>" not in r.text  # every byte of a reference escaped
    doc = parse_html(r.content.decode("utf-8"))
    ul = doc.find("ul", cls="bantin-broken-refs")
    count = doc.find("dd", cls="broken-refs")
    assert count is not None
    items = [li.text() for li in ul.find_all("li")] if ul is not None else []
    assert int(count.text()) == len(items)
    return items


def wait_for(what, cond):
    deadline = time.monotonic() + DEADLINE
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(POLL)


def test_broken_references_listed_and_logged_once(httpd, site_copy):
    content, templates = site_copy
    path = content / "2024" / "anh-hong.xml"
    text = article()
    path.write_text(text, encoding="utf-8")
    httpd.configure([Portal(PREFIX, content, templates)], extra=status_location(STATUS))
    httpd.config_dirty = True
    httpd.expect_log(r"BT015[01] ")
    httpd.restart()

    ml, mc = where(text, "src", MEDIA)
    ll, lc = where(text, "href", LINK)
    media_log = f"BT0150 {path}:{ml}:{mc}: {MEDIA_EN}"
    link_log = f"BT0151 {path}:{ll}:{lc}: {LINK_EN}"

    # served all the same
    assert httpd.get(f"{PREFIX}/article/2024/anh-hong").status_code == 200
    assert status_items(httpd) == [f"{path}: {MEDIA_EN}", f"{path}: {LINK_EN}"]
    assert "tin?a=1&amp;b=&lt;2&gt;" in httpd.get(STATUS).text

    # the checker says the same of the same file, with its place
    p = subprocess.run([str(CHECK), "--lang", "en", "-q", str(content)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stdout
    assert p.stdout.splitlines() == [
        f"{path}:{ml}:{mc}: warning: {MEDIA_EN}", f"{path}:{ll}:{lc}: warning: {LINK_EN}",
        "13 files checked: 13 ok, 0 with problems; 2 warnings"]

    def logged():
        return ([httpd.message(line) for line in httpd.find_log(r"BT0150 ")],
                [httpd.message(line) for line in httpd.find_log(r"BT0151 ")])

    wait_for("the warnings in the log", lambda: logged() != ([], []))
    # every child looks again past BantinCheckInterval, and a graceful
    # restart forks new ones: still one line each
    for _ in range(20):
        httpd.get(f"{PREFIX}/")
    time.sleep(0.6)
    httpd.get(f"{PREFIX}/")
    httpd.signal_restart("graceful")
    for _ in range(20):
        httpd.get(f"{PREFIX}/article/2024/anh-hong")
    assert logged() == ([media_log], [link_log])

    # the media file added: the status page follows at once, nothing logged
    (content / MEDIA).write_bytes((content / "images" / "ho-ba-be.png").read_bytes())
    assert status_items(httpd) == [f"{path}: {LINK_EN}"]

    # a new version of the file is a new chance to log: once again
    text2 = article(src="images/moi-khong-co.png", title="Ảnh hỏng mới")
    path.write_text(text2, encoding="utf-8")
    media2 = MEDIA_EN.replace(MEDIA, "images/moi-khong-co.png")
    ml2, mc2 = where(text2, "src", "images/moi-khong-co.png")
    wait_for("the new version", lambda: len(logged()[1]) == 2)
    for _ in range(20):
        httpd.get(f"{PREFIX}/")
    time.sleep(0.6)
    httpd.get(f"{PREFIX}/")
    assert logged() == ([media_log, f"BT0150 {path}:{ml2}:{mc2}: {media2}"],
                        [link_log, link_log])
    assert status_items(httpd) == [f"{path}: {media2}", f"{path}: {LINK_EN}"]

    # fixed: nothing listed, nothing more logged
    path.write_text(article(src="images/ho-ba-be.png", href="https://www.example.vn/"),
                    encoding="utf-8")
    wait_for("the fixed version", lambda: status_items(httpd) == [])
    assert len(logged()[0]) == 2 and len(logged()[1]) == 2


def test_good_references_are_not_reported(httpd, site_copy):
    content, templates = site_copy
    text = article(src="images/ho-ba-be.png", href="https://www.example.vn/")
    text = text.replace("</p>", ' <a href="/portal/">trang chủ</a> <a href="trang.html">t</a>'
                        ' <a href="mailto:toa-soan@example.vn">thư</a></p>')
    (content / "2024" / "anh-tot.xml").write_text(text, encoding="utf-8")
    httpd.configure([Portal(PREFIX, content, templates)], extra=status_location(STATUS))
    httpd.config_dirty = True
    httpd.restart()
    assert httpd.get(f"{PREFIX}/article/2024/anh-tot").status_code == 200
    assert status_items(httpd) == []
    assert not httpd.find_log(r"BT015\d")
    assert re.search(r"<a href=\"https://www\.example\.vn/\">",
                     httpd.get(f"{PREFIX}/article/2024/anh-tot").text)


def test_bad_file_name_logged_with_the_name_to_give(httpd, site_copy):
    """A file the portal skips for its name (BT0102): the log and the status
    page say which name to give it, as bantin-check does."""
    content, templates = site_copy
    (content / "Tin Tức").mkdir()
    bad = content / "Tin Tức" / "Bài Viết 1.xml"
    bad.write_text(article(src="images/ho-ba-be.png", href=None), encoding="utf-8")
    want = (f"{bad}: skipped: file names must be made of a-z, 0-9 and '-' (in every folder "
            "too) and end in .xml; name it tin-tuc/bai-viet-1.xml")
    httpd.configure([Portal(PREFIX, content, templates)], extra=status_location(STATUS))
    httpd.config_dirty = True
    httpd.expect_log(r"BT0102 ")
    httpd.restart()
    # the log and the status page show the Vietnamese name as UTF-8 text
    assert [httpd.message(line) for line in httpd.find_log(r"BT0102 ")] == [f"BT0102 {want}"]
    doc = parse_html(httpd.get(STATUS).content.decode("utf-8"))
    items = [li.text() for li in doc.find("ul", cls="bantin-rejected").find_all("li")]
    assert items == [want], items
    p = subprocess.run([str(CHECK), "--lang", "en", "-q", str(content)], capture_output=True,
                       text=True, timeout=60)
    assert p.stdout.splitlines()[0].endswith("or the portal skips it: name it "
                                             "tin-tuc/bai-viet-1.xml"), p.stdout
