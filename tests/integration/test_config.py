"""Configuration: several portals, directives, and config errors caught by `apache2 -t`."""

import re

import pytest

from bantin_httpd import (PNG_1X1, SEED_SLUG, Portal, body_fs, fontsize, list_items,
                          portal_error, portal_html, title_text, write_article)

ARTICLE = f"article/{SEED_SLUG}"


def test_two_portals(httpd, site_copy, tmp_path):
    content_a, templates = site_copy
    content_b = tmp_path / "content-b"
    write_article(content_b, "chi-o-b", title="Bài chỉ có ở B", date="2024-02-02",
                  figure=("anh/b.png", "Ảnh B"))
    (content_b / "anh").mkdir()
    (content_b / "anh" / "b.png").write_bytes(PNG_1X1)
    write_article(content_a, "chi-o-a", title="Bài chỉ có ở A", date="2024-02-03")
    httpd.configure([Portal("/a", content_a, templates), Portal("/b", content_b, templates)])
    httpd.restart()

    a = [href for href, *_ in list_items(portal_html(httpd.get("/a/")))]
    b = list_items(portal_html(httpd.get("/b/")))
    assert "/a/article/chi-o-a" in a and f"/a/{ARTICLE}" in a
    assert [(href, title) for href, title, *_ in b] == [("/b/article/chi-o-b", "Bài chỉ có ở B")]
    assert httpd.get("/a/article/chi-o-a").status_code == 200
    assert httpd.get("/b/article/chi-o-b").status_code == 200
    portal_error(httpd.get("/a/article/chi-o-b"), 404)
    portal_error(httpd.get(f"/b/{ARTICLE}"), 404)
    doc = portal_html(httpd.get("/b/article/chi-o-b"))
    assert doc.find("img").get("src") == "/b/media/anh/b.png"
    assert doc.find("form", cls="bantin-fontsize").get("action") == "/b/fontsize"
    assert httpd.get("/b/media/anh/b.png").headers["Content-Type"] == "image/png"
    assert httpd.get("/a/media/anh/b.png").status_code == 404
    status, _, location, cookies = fontsize(httpd, "up", "article/chi-o-b", prefix="/b")
    assert status == 303 and location == "/b/article/chi-o-b"
    assert cookies["bantin_fs"][1]["path"] == "/b"
    r = httpd.get("/a")
    assert r.status_code == 301 and httpd.location_path(r.headers["Location"]) == "/a/"


def test_page_size_inherited_from_server_level(httpd, list_content):
    httpd.configure([Portal("/tin", list_content)], extra="BantinPageSize 3")
    httpd.restart()
    assert len(list_items(portal_html(httpd.get("/tin/")))) == 3
    assert len(list_items(portal_html(httpd.get("/tin/?page=5")))) == 3
    portal_error(httpd.get("/tin/?page=6"), 404)


def test_custom_font_cookie(httpd):
    httpd.configure([Portal("/portal", directives=["BantinFontCookie cotchu"])])
    httpd.restart()
    doc = portal_html(httpd.get(f"/portal/{ARTICLE}", cookies={"cotchu": "5"}))
    assert body_fs(doc) == ["bantin-fs-5"]
    assert doc.find("button", cls="bantin-fs-up").has("disabled")
    doc = portal_html(httpd.get(f"/portal/{ARTICLE}", cookies={"bantin_fs": "5"}))
    assert body_fs(doc) == ["bantin-fs-3"]
    status, _, location, cookies = fontsize(httpd, "up", ARTICLE, cookie="cotchu=4")
    assert status == 303
    assert set(cookies) == {"cotchu"}
    assert cookies["cotchu"][0] == "5"
    assert cookies["cotchu"][1]["path"] == "/portal"
    # bantin.js must learn the cookie name somehow: from the page or from the script
    js = httpd.get("/portal/static/bantin.js").text
    assert "cotchu" in js or "cotchu" in httpd.get(f"/portal/{ARTICLE}").text


def test_custom_font_sizes(httpd):
    httpd.configure([Portal("/portal", directives=['BantinFontSizes "1 1.25 1.5"'])])
    httpd.restart()
    assert body_fs(portal_html(httpd.get("/portal/"))) == ["bantin-fs-2"]
    doc = portal_html(httpd.get(f"/portal/{ARTICLE}", cookies={"bantin_fs": "3"}))
    assert body_fs(doc) == ["bantin-fs-3"]
    assert doc.find("button", cls="bantin-fs-up").has("disabled")
    assert body_fs(portal_html(httpd.get("/portal/", cookies={"bantin_fs": "4"}))) == ["bantin-fs-2"]
    _, _, _, cookies = fontsize(httpd, "up", "", cookie="bantin_fs=3")
    assert cookies["bantin_fs"][0] == "3"
    css = httpd.get("/portal/static/bantin.css").text
    assert re.search(r"\.bantin-fs-3\s+\.bantin-view\s*\{[^}]*font-size:\s*1\.5rem", css)
    assert not re.search(r"\.bantin-fs-4\s+\.bantin-view", css)


def test_font_default(httpd):
    httpd.configure([Portal("/portal", directives=["BantinFontDefault 1"])])
    httpd.restart()
    doc = portal_html(httpd.get(f"/portal/{ARTICLE}"))
    assert body_fs(doc) == ["bantin-fs-1"]
    assert doc.find("button", cls="bantin-fs-down").has("disabled")
    _, _, _, cookies = fontsize(httpd, "up", "")
    assert cookies["bantin_fs"][0] == "2"


def test_portal_name(httpd):
    httpd.configure([Portal("/portal", directives=['BantinPortalName "Cổng Thử Nghiệm"'])])
    httpd.restart()
    for path in ["/portal/", f"/portal/{ARTICLE}"]:
        doc = portal_html(httpd.get(path))
        assert "Cổng Thử Nghiệm" in doc.find("body").text() or "Cổng Thử Nghiệm" in title_text(doc)
    portal_error(httpd.get("/portal/khong-co"), 404)


def test_default_portal_name(httpd):
    assert "Bản tin" in httpd.get("/portal/").text


# ---- apache2 -t -------------------------------------------------------------

def test_config_ok(httpd):
    rc, out = httpd.config_test()
    assert rc == 0, out
    assert httpd.SYNTAX_OK in out


def test_missing_content_dir(httpd, tmp_path):
    missing = tmp_path / "khong-co-thu-muc"
    rc, out = httpd.config_test(Portal("/portal", content=missing))
    assert rc != 0
    assert httpd.directive("BantinContentDir") in out and str(missing) in out, out


def test_content_dir_is_a_file(httpd, tmp_path):
    f = tmp_path / "tep.txt"
    f.write_text("x")
    rc, out = httpd.config_test(Portal("/portal", content=f))
    assert rc != 0
    assert httpd.directive("BantinContentDir") in out and str(f) in out, out


def test_missing_template_dir(httpd, tmp_path):
    missing = tmp_path / "khong-co-mau"
    rc, out = httpd.config_test(Portal("/portal", templates=missing))
    assert rc != 0
    assert httpd.directive("BantinTemplateDir") in out and str(missing) in out, out


def test_unclosed_section_in_layout(httpd, site_copy):
    content, templates = site_copy
    layout = templates / "layout.html"
    layout.write_text(layout.read_text(encoding="utf-8") + "\n{{#items}}\n<p>{{title}}</p>\n",
                      encoding="utf-8")
    rc, out = httpd.config_test(Portal("/portal", content, templates))
    assert rc != 0, out
    assert httpd.directive("BantinTemplateDir") in out and str(templates) in out, out


def test_missing_layout_template(httpd, site_copy):
    content, templates = site_copy
    (templates / "layout.html").unlink()
    rc, out = httpd.config_test(Portal("/portal", content, templates))
    assert rc != 0, out
    assert httpd.directive("BantinTemplateDir") in out and str(templates) in out, out


@pytest.mark.parametrize("directive", [
    "BantinPageSize abc", "BantinPageSize 0", "BantinPageSize -3", "BantinPageSize 5x",
    'BantinFontSizes "abc"', 'BantinFontSizes ""', "BantinFontDefault 0", "BantinFontDefault x",
    "BantinTimeZone nowhere", "BantinErrorMaxAge -1", "BantinErrorMaxAge 5s",
])
def test_bad_directive_values(httpd, directive):
    rc, out = httpd.config_test(Portal("/portal", directives=[directive]))
    assert rc != 0, out
    assert httpd.directive(directive.split()[0]) in out, out


@pytest.mark.parametrize("directive", [
    "BantinPageSize 1", "BantinPageSize 50", 'BantinFontSizes "1 2"', "BantinFontDefault 5",
    "BantinFontCookie cotchu", "BantinTimeZone +00:00", "BantinTimeZone -05:30",
    'BantinPortalName "Tin tức"', "BantinErrorMaxAge 0", "BantinErrorMaxAge 60",
])
def test_good_directive_values(httpd, directive):
    rc, out = httpd.config_test(Portal("/portal", directives=[directive]))
    assert rc == 0, out


@pytest.mark.parametrize("tz,shown", [("+00:00", "10/05/2024"), ("-05:30", "10/05/2024"),
                                      ("+07:00", "11/05/2024"), ("+14:00", "11/05/2024")])
def test_time_zone_directive(httpd, list_content, tz, shown):
    httpd.configure([Portal("/tin", list_content, directives=[f"BantinTimeZone {tz}"])])
    httpd.restart()
    date = portal_html(httpd.get("/tin/article/2024/nua-dem-utc")).find("time", cls="bantin-date")
    assert date.text() == shown
    # a date without a time is a calendar day, the same in every zone
    date = portal_html(httpd.get("/tin/article/2024/tin-moi-nhat")).find("time", cls="bantin-date")
    assert date.text() == "15/03/2024"
