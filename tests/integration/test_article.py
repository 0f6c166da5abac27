"""Article pages: structure, seed fidelity, HTML basics."""

import re

import pytest

from bantin_httpd import (GIF_1X1, PNG_1X1, SEED_SLUG, SEED_TEXT, list_title, norm, portal_html,
                          title_text)

SEED_URL = f"/portal/article/{SEED_SLUG}"
MARKERS = {"PublishingPortal - Block_BanTin_Toolbar", "PublishingPortal - Block_BanTin_ViewData"}


def seed_lines():
    """Non-marker, non-empty lines of the reference page, whitespace-normalised."""
    return [norm(line) for line in SEED_TEXT.read_text(encoding="utf-8").splitlines()
            if norm(line) and norm(line) not in MARKERS]


def in_order(text, lines):
    """The first line of `lines` not found in `text` after its predecessor, or None."""
    pos = 0
    for line in lines:
        i = text.find(line, pos)
        if i < 0:
            return line
        pos = i + len(line)
    return None


@pytest.fixture
def seed_page(httpd):
    r = httpd.get(SEED_URL)
    assert r.status_code == 200, r.text[:300]
    return portal_html(r)


def test_seed_lines_in_order(seed_page):
    lines = seed_lines()
    assert len(lines) >= 10
    assert in_order(seed_page.find("body").text(), lines) is None


def test_seed_lines_in_their_blocks(seed_page):
    lines = seed_lines()
    toolbar = seed_page.find(id="Block_BanTin_Toolbar")
    view = seed_page.find(id="Block_BanTin_ViewData")
    assert toolbar is not None and view is not None
    # date and the two controls belong to the toolbar, title .. author to the view
    assert lines[0] == "04/01/2024"
    assert in_order(toolbar.text(), lines[:2]) is None, toolbar.text()
    assert in_order(view.text(), lines[2:]) is None
    assert lines[-1] not in toolbar.text()
    assert lines[2] not in toolbar.text()


def test_article_structure(seed_page):
    lines = seed_lines()
    toolbar = seed_page.find("section", id="Block_BanTin_Toolbar")
    view = seed_page.find("article", id="Block_BanTin_ViewData")
    assert toolbar is not None and view is not None
    assert {"bantin-block", "bantin-toolbar"} <= set(toolbar.classes)
    assert {"bantin-block", "bantin-view"} <= set(view.classes)
    nodes = list(seed_page.iter())
    assert nodes.index(toolbar) < nodes.index(view)
    assert not view.is_inside(toolbar) and not toolbar.is_inside(view)

    time_el = toolbar.find("time", cls="bantin-date")
    assert time_el.get("datetime", "").startswith("2024-01-04")
    assert time_el.text() == "04/01/2024"
    form = toolbar.find("form", cls="bantin-fontsize")
    assert form.get("method", "").lower() == "post"
    assert form.get("action") == "/portal/fontsize"
    back = form.find("input", name="back")
    assert back.get("type") == "hidden" and back.get("value") == f"article/{SEED_SLUG}"
    up = form.find("button", cls="bantin-fs-up")
    down = form.find("button", cls="bantin-fs-down")
    assert (up.get("name"), up.get("value"), up.text()) == ("step", "up", "Tăng cỡ chữ")
    assert (down.get("name"), down.get("value"), down.text()) == ("step", "down", "Giảm cỡ chữ")
    assert up.get("aria-label") == "Tăng cỡ chữ" and down.get("aria-label") == "Giảm cỡ chữ"
    assert not up.has("disabled") and not down.has("disabled")

    assert view.find("h1", cls="bantin-title").text() == lines[2]
    assert view.find("p", cls="bantin-summary").text() == lines[3]
    text = view.find("div", cls="bantin-text")
    fig = text.find("figure", cls="bantin-figure")
    img = fig.find("img")
    assert img.get("src", "").startswith("/portal/media/")
    assert fig.find("figcaption").text() == lines[4]
    assert norm(img.get("alt", "")) == lines[4]
    assert len(text.find_all("p")) >= 5
    assert view.find("p", cls="bantin-author").text() == "Hương Dịu"
    assert lines[2] in title_text(seed_page)


def test_seed_image_is_served(httpd, seed_page):
    src = seed_page.find("img").get("src")
    r = httpd.get(src)
    assert r.status_code == 200
    ext = src.rsplit(".", 1)[-1].lower()
    mime = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
            "webp": "image/webp", "avif": "image/avif"}[ext]
    assert r.headers["Content-Type"] == mime
    assert len(r.content) > 0


def test_body_font_class_default(seed_page):
    classes = seed_page.find("body").classes
    assert "bantin-fs-3" in classes
    assert not [c for c in classes if c.startswith("bantin-fs-") and c != "bantin-fs-3"]


def test_stylesheet_and_script(httpd):
    r = httpd.get("/portal/static/bantin.css")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == "text/css"
    sizes = ["0.875", "1", "1.125", "1.375", "1.75"]
    for n, rem in enumerate(sizes, 1):
        rule = rf"\.bantin-fs-{n}\s+\.bantin-view\s*\{{[^}}]*font-size:\s*{re.escape(rem)}rem"
        assert re.search(rule, r.text), f"no rule for step {n}"
    r = httpd.get("/portal/static/bantin.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] in ("application/javascript", "text/javascript")
    assert "bantin_fs" in r.text or "cookie" in r.text


def test_generated_article_markup(httpd):
    slug = "2024/thang-hai"
    doc = portal_html(httpd.get(f"/tin/article/{slug}"))
    view = doc.find(id="Block_BanTin_ViewData")
    assert view.find("h1").text() == list_title(slug)
    text = view.find("div", cls="bantin-text")
    paras = [p for p in text.find_all("p")]
    first = paras[0]
    assert first.text() == "Chữ đậm, chữ nghiêng và liên kết."
    assert first.find("b") or first.find("strong")
    assert first.find("i") or first.find("em")
    assert first.find("a").get("href") == "https://example.org/bai-viet?a=1&b=2"
    assert paras[1].text() == "Đoạn thứ hai."
    img = text.find("img")
    assert img.get("src") == "/tin/media/images/dong.gif"
    assert doc.find(id="Block_BanTin_Toolbar").find("time").text() == "28/02/2024"
    back = doc.find("input", name="back")
    assert back.get("value") == f"article/{slug}"
    assert doc.find("form", cls="bantin-fontsize").get("action") == "/tin/fontsize"


def test_figure_without_src_has_no_img(httpd):
    doc = portal_html(httpd.get("/tin/article/2024/z-tin"))
    fig = doc.find("figure", cls="bantin-figure")
    assert fig.find("figcaption").text() == "Chú thích không có ảnh"
    assert fig.find("img") is None


def test_article_without_author(httpd):
    doc = portal_html(httpd.get("/tin/article/2023/dau-nam"))
    assert doc.find(cls="bantin-author") is None
    assert doc.find(id="Block_BanTin_ViewData").find("h1").text() == list_title("2023/dau-nam")


def test_datetime_shown_in_portal_time_zone(httpd):
    doc = portal_html(httpd.get("/tin/article/2024/nua-dem-utc"))
    assert doc.find("time", cls="bantin-date").text() == "11/05/2024"


@pytest.mark.parametrize("path,body,mime", [
    ("/tin/media/images/anh.png", PNG_1X1, "image/png"),
    ("/tin/media/images/dong.gif", GIF_1X1, "image/gif"),
])
def test_media_types(httpd, path, body, mime):
    r = httpd.get(path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == mime
    assert r.content == body
