"""Articles written by the tests: escaping, broken files, bad file names."""

import os
import re
import stat
import time

import pytest

from bantin_httpd import (PNG_1X1, SEED_SLUG, Portal, article_xml, list_items, portal_error,
                          portal_html, title_text, write_article)

DANGEROUS_URL = re.compile(r"^(javascript|vbscript|data):", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "srcset", "poster", "xlink:href")


def assert_no_script_injection(doc, prefix="/portal"):
    for n in doc.iter():
        for name, value in n.attrs:
            assert not name.lower().startswith("on"), (n.tag, name, value)
            if name.lower() in URL_ATTRS and value:
                squeezed = "".join(ch for ch in value if ord(ch) > 0x20)
                assert not DANGEROUS_URL.match(squeezed), (n.tag, name, value)
        if n.tag == "script":
            assert (n.get("src") or "").startswith(prefix + "/static/"), n.get("src")
            assert not "".join(c for c in n.children if isinstance(c, str)).strip()
        assert n.tag not in ("iframe", "object", "embed", "svg", "math")


def restart_with(httpd, content, templates, *expect):
    httpd.configure([Portal("/portal", content, templates)])
    if expect:
        httpd.expect_log(*expect)
    httpd.restart()


SCRIPT_TITLE = "<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"trích dẫn\" 'đơn'</title>"


def test_text_is_escaped(httpd, site_copy):
    content, templates = site_copy
    xml = article_xml("X", "2025-01-01", summary="S", paragraphs=["P"],
                      figure=("images/kich-ban.png", "C"))
    xml = xml.replace("<title>X</title>", SCRIPT_TITLE)
    xml = xml.replace("<summary>S</summary>",
                      "<summary>&lt;img src=x onerror=alert(2)&gt; tóm tắt</summary>")
    xml = xml.replace("<caption>C</caption>",
                      "<caption>x\" onerror=\"alert(3)\" data-x=\"&lt;/figure&gt;</caption>")
    xml = xml.replace("<p>P</p>", "<p>&lt;/p&gt;&lt;script&gt;alert(4)&lt;/script&gt; "
                                  "<b>&lt;i&gt;</b></p>")
    (content / "2030").mkdir()
    (content / "2030" / "kich-ban.xml").write_text(xml, encoding="utf-8")
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / "kich-ban.png").write_bytes(PNG_1X1)
    restart_with(httpd, content, templates)

    r = httpd.get("/portal/article/2030/kich-ban")
    assert r.status_code == 200
    doc = portal_html(r)
    assert "&lt;script&gt;" in r.text
    assert "<script>alert" not in r.text
    assert "<img src=x" not in r.text
    assert_no_script_injection(doc)
    h1 = doc.find("h1", cls="bantin-title")
    assert h1.text() == "<script>alert(1)</script> & \"trích dẫn\" 'đơn'"
    assert h1.find("script") is None
    assert "<script>alert(1)</script>" in title_text(doc)
    assert doc.find("p", cls="bantin-summary").text() == "<img src=x onerror=alert(2)> tóm tắt"
    img = doc.find("figure", cls="bantin-figure").find("img")
    assert sorted(name for name, _ in img.attrs) == ["alt", "src"]
    assert img.get("alt") == "x\" onerror=\"alert(3)\" data-x=\"</figure>"
    para = doc.find("div", cls="bantin-text").find_all("p")[0]
    assert para.text() == "</p><script>alert(4)</script> <i>"

    home = httpd.get("/portal/")
    assert "<script>alert" not in home.text
    items = list_items(portal_html(home))
    assert items[0][1] == "<script>alert(1)</script> & \"trích dẫn\" 'đơn'"
    assert_no_script_injection(portal_html(home))


# href values as written in the XML attribute (so &quot; for a double quote)
HOSTILE_LINKS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(2)",
    "java&#x09;script:alert(3)",
    "&#x6A;avascript:alert(4)",
    "vbscript:msgbox(5)",
    "data:text/html,&lt;script&gt;alert(6)&lt;/script&gt;",
    "&quot;&gt;&lt;script&gt;alert(7)&lt;/script&gt;",
    "https://example.org/&quot; onclick=&quot;alert(8)",
]


def test_hostile_links(httpd, site_copy):
    content, templates = site_copy
    links = " ".join(f'<a href="{h}">liên kết {i}</a>' for i, h in enumerate(HOSTILE_LINKS))
    xml = article_xml("Liên kết xấu", "2025-01-02", paragraphs=["P"]).replace(
        "<p>P</p>", f"<p>Đầu {links} cuối <a href=\"https://example.org/ok\">tốt</a></p>")
    (content / "2030").mkdir()
    (content / "2030" / "lien-ket.xml").write_text(xml, encoding="utf-8")
    # Rejecting the whole file at load time (schema) is acceptable too.
    restart_with(httpd, content, templates, r"lien-ket\.xml: ")

    r = httpd.get("/portal/article/2030/lien-ket")
    assert r.status_code in (200, 404)
    if r.status_code == 404:
        portal_error(r, 404)
        lines = httpd.find_log(r"lien-ket\.xml")
        assert lines and "construct error" not in lines[0], lines  # the test's XML is well-formed
        return
    doc = portal_html(r)
    assert "javascript:" not in r.text.lower()
    assert "<script>alert" not in r.text
    assert_no_script_injection(doc)
    text = doc.find("div", cls="bantin-text").text()
    assert text.startswith("Đầu liên kết 0") and text.endswith("cuối tốt")
    ok = [a for a in doc.find_all("a") if a.text() == "tốt"]
    assert ok and ok[0].get("href") == "https://example.org/ok"


BROKEN = {
    # name: (file text, must the log line carry line:col)
    "hong": ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n  <title>Hỏng</title>\n'
             "  <date>2024-06-02</date>\n  <summary>x</summary>\n"
             "  <body><p>không đóng thẻ</body>\n</article>\n", True),
    "sai-luoc-do": ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n  <title>Thiếu ngày</title>\n'
                    "  <summary>x</summary>\n  <body><p>y</p></body>\n</article>\n", True),
    "sai-thu-tu": ('<?xml version="1.0" encoding="UTF-8"?>\n<article>\n  <date>2024-06-02</date>\n'
                   "  <title>Sai thứ tự</title>\n  <summary>x</summary>\n"
                   "  <body><p>y</p></body>\n</article>\n", True),
    "sai-ngay": (article_xml("Ngày sai", "2024-13-45"), False),
    "thuc-the": ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<!DOCTYPE article [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                 "<article>\n  <title>XXE</title>\n  <date>2024-06-02</date>\n"
                 "  <summary>x</summary>\n  <body><p>&xxe;</p></body>\n</article>\n", False),
    "rong": ("", False),
}


def test_broken_files_are_skipped(httpd, site_copy):
    content, templates = site_copy
    bad = content / "2024"
    for name, (text, _) in BROKEN.items():
        (bad / f"{name}.xml").write_text(text, encoding="utf-8")
    # Left empty a minute ago: a young empty file may be one being written,
    # and is judged only once it has settled (test_live).
    stale = time.time() - 60
    os.utime(bad / "rong.xml", (stale, stale))
    write_article(content, "2024/van-tot", title="Vẫn tốt", date="2024-06-03")
    restart_with(httpd, content, templates, *[rf"{n}\.xml" for n in BROKEN])

    for name in BROKEN:
        r = httpd.get(f"/portal/article/2024/{name}")
        portal_error(r, 404)
        assert b"root:" not in r.content
    assert httpd.get("/portal/article/2024/van-tot").status_code == 200
    assert httpd.get(f"/portal/article/{SEED_SLUG}").status_code == 200
    r = httpd.get("/portal/")
    assert r.status_code == 200
    hrefs = [href for href, *_ in list_items(portal_html(r))]
    assert "/portal/article/2024/van-tot" in hrefs
    assert f"/portal/article/{SEED_SLUG}" in hrefs
    assert not [h for h in hrefs if any(h.endswith(f"/{n}") for n in BROKEN)]

    for name, (_, with_pos) in BROKEN.items():
        lines = httpd.find_log(rf"{name}\.xml")
        assert lines, f"no error-log line for {name}.xml"
        assert all(re.search(r"\bBT\d{4}\b", line) for line in lines), lines
        assert all(any(httpd.level(lv) in line for lv in ("error", "warn")) for line in lines), lines
        if with_pos:
            assert all(re.search(rf"{name}\.xml:\d+:\d+", line) for line in lines), lines
        # one message per file (possibly repeated if the content is loaded more than once)
        messages = {httpd.message(line) for line in lines}
        assert len(messages) == 1, lines


def test_not_well_formed_position(httpd, site_copy):
    """The reported line is the one where the parser stopped (the mismatched end tag)."""
    content, templates = site_copy
    (content / "2024" / "hong.xml").write_text(BROKEN["hong"][0], encoding="utf-8")
    restart_with(httpd, content, templates, r"hong\.xml")
    lines = httpd.find_log(r"hong\.xml:(\d+):(\d+)")
    assert lines
    line_no = int(re.search(r"hong\.xml:(\d+):\d+", lines[0]).group(1))
    assert line_no in (6, 7), lines[0]


BAD_NAMES = ["Bad Name.xml", "2024/CHU-HOA.xml", "2024/dấu-tiếng-việt.xml", "Thu Muc/bai.xml",
             "2024/gach_duoi.xml", "2024/cham.hai.xml"]


def test_bad_file_names_are_skipped(httpd, site_copy):
    content, templates = site_copy
    for i, name in enumerate(BAD_NAMES):
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_xml(f"Tên sai {i}", "2031-01-01"), encoding="utf-8")
    # what each skip line must mention (httpd may escape the non-ASCII bytes)
    patterns = ["Bad Name", "CHU-HOA", "ng-vi", "Thu Muc", "gach_duoi", r"cham\.hai"]
    restart_with(httpd, content, templates, *patterns)

    for pattern, name in zip(patterns, BAD_NAMES):
        assert httpd.find_log(pattern), f"no log line for {name}"
    r = httpd.get("/portal/")
    assert r.status_code == 200
    assert "Tên sai" not in r.text
    for path in ["/portal/article/Bad%20Name", "/portal/article/Bad+Name",
                 "/portal/article/2024/CHU-HOA", "/portal/article/2024/chu-hoa",
                 "/portal/article/Thu%20Muc/bai", "/portal/article/2024/gach_duoi",
                 "/portal/article/2024/cham.hai"]:
        portal_error(httpd.get(path), 404)
    assert httpd.get(f"/portal/article/{SEED_SLUG}").status_code == 200



def test_restart_reads_the_start_cache(httpd, site_copy):
    """After a start has parsed the content, the parent writes the start cache
    (once, from its monitor hook); the next start takes every unchanged
    article from it and parses the changed one.  The cache is the parent's
    alone: a folder of the runtime dir only it can write, a 0600 file."""
    if httpd.mpm != "event":
        pytest.skip("the cache is the parent's: one MPM is enough")
    content, templates = site_copy
    httpd.configure([Portal("/portal", content, templates)], extra="LogLevel warn bantin:info")
    httpd.restart()
    folder = httpd.root / "run" / "bantin-startcache"
    deadline = time.monotonic() + 60  # the monitor runs about every 10 s
    while not list(folder.glob("*.cache")) and time.monotonic() < deadline:
        time.sleep(0.2)
    caches = list(folder.glob("*.cache"))
    assert len(caches) == 1, list(folder.iterdir())
    # (made 0700; the harness's open_to_all may add o+rx, never w)
    assert folder.stat().st_uid == os.geteuid() and not folder.stat().st_mode & 0o022
    assert stat.S_IMODE(caches[0].stat().st_mode) == 0o600
    loaded = httpd.find_log(r"BT0100 .*; 0 read from the start cache")
    assert len(loaded) == 1, httpd.find_log("BT0100")
    total = int(re.search(r"(\d+) articles loaded", loaded[0]).group(1))

    httpd.stop()
    seed = content / f"{SEED_SLUG}.xml"
    seed.write_text(re.sub(r"<title>.*?</title>", "<title>Sửa khi máy chủ nghỉ</title>",
                           seed.read_text(encoding="utf-8"), count=1, flags=re.S),
                    encoding="utf-8")
    httpd.start()
    again = httpd.find_log(r"BT0100 .*read from the start cache")[-1]
    assert f"{total} articles loaded" in again, again
    assert f"; {total - 1} read from the start cache" in again, again
    r = httpd.get(f"/portal/article/{SEED_SLUG}")
    assert r.status_code == 200 and "Sửa khi máy chủ nghỉ" in r.text
    hrefs = [href for href, *_ in list_items(portal_html(httpd.get("/portal/")))]
    assert len(hrefs) >= min(total, 5), hrefs


@pytest.mark.parametrize("setting", ["off", "own folder", "folder others can write"])
def test_start_cache_dir_directive(httpd, site_copy, tmp_path, setting):
    """BantinStartCacheDir: off (no cache), a folder of the admin's choice,
    and a folder others can write to (refused, one BT0110 line, and the
    portal serves all the same)."""
    if httpd.mpm != "event":
        pytest.skip("the cache is the parent's: one MPM is enough")
    content, templates = site_copy
    folder = tmp_path / "cache-here"
    value = "off" if setting == "off" else str(folder)
    if setting == "folder others can write":
        folder.mkdir()
        folder.chmod(0o777)
        httpd.expect_log(r"BT0110 .*start cache off")
    httpd.configure([Portal("/portal", content, templates)],
                    extra=f'LogLevel warn bantin:info\nBantinStartCacheDir "{value}"')
    httpd.restart()
    loaded = httpd.find_log(r"BT0100 ")
    assert loaded, httpd.log_tail(20)
    assert httpd.get(f"/portal/article/{SEED_SLUG}").status_code == 200
    if setting == "off":
        assert "start cache" not in loaded[-1], loaded[-1]  # neither read nor written
    elif setting == "own folder":
        assert "; 0 read from the start cache" in loaded[-1], loaded[-1]
        assert stat.S_IMODE(folder.stat().st_mode) & 0o022 == 0
    else:
        assert "start cache" not in loaded[-1], loaded[-1]
        assert len(httpd.find_log(r"BT0110 ")) == 1
