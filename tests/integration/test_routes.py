"""Unknown routes, media and static files, traversal: 404 in the portal layout, never 500."""

import pytest

from bantin_httpd import SEED_SLUG, parse_html, portal_error


@pytest.mark.parametrize("path", [
    "/portal/article/khong-co-bai-nay",
    "/portal/article/2024/khong-co",
    "/portal/article/2024",
    "/portal/article/",
    "/portal/article",
    f"/portal/article/{SEED_SLUG}.xml",
    # written loosely, of no article (of one: a 301, see test_loose_urls.py)
    "/portal/article/2024/khong-co/",
    "/portal/article/2024/KHONG-CO",
    "/portal/khong-co",
    "/portal/khong/co/gi",
    "/portal/static/",
    "/portal/static/layout.html",
    "/portal/static/khong-co.css",
    "/portal/media/",
    "/portal/media/khong-co.png",
])
def test_unknown_is_portal_404(httpd, path):
    portal_error(httpd.get(path), 404)


def test_error_page_keeps_font_class(httpd):
    doc = portal_error(httpd.get("/portal/khong-co", cookies={"bantin_fs": "5"}), 404)
    assert "bantin-fs-5" in doc.find("body").classes


@pytest.mark.parametrize("path", [
    f"/portal/media/{SEED_SLUG}.xml",
    "/tin/media/2024/thang-hai.xml",
    "/tin/media/images/ve.svg",
    "/tin/media/images/ghi-chu.txt",
    "/tin/media/images/trang.html",
    "/tin/media/images",
    "/tin/media/images/",
])
def test_media_serves_only_images(httpd, path):
    r = httpd.get(path)
    assert r.status_code == 404
    assert b"<script>alert" not in r.content
    assert b"<article>" not in r.content


@pytest.mark.parametrize("path", [
    "/tin/media/../../../../etc/passwd",
    "/tin/media/images/../../../../../etc/passwd",
    "/tin/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/tin/media/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/tin/media/images/..%2f2024%2fthang-hai.xml",
    "/tin/media/images/../2024/thang-hai.xml",
    "/tin/media/images/..\\..\\..\\etc\\passwd",
    "/tin/media//etc/passwd",
    "/tin/media/images/anh.png%00.xml",
    "/tin/media/images/anh.png/..",
    "/tin/static/../../../../etc/passwd",
    "/tin/static/..%2f..%2fconf%2fhttpd.conf",
    "/tin/article/../../../../etc/passwd",
    "/tin/article/..%2f..%2f..%2fetc%2fpasswd",
])
def test_traversal_is_refused(httpd, path):
    httpd.expect_log(r"AH10244: invalid URI path")  # core refuses dot segments above /
    status, headers, body = httpd.raw("GET", path)
    assert status in (400, 403, 404), (status, body[:200])
    assert b"root:" not in body
    assert b"<article>" not in body
    assert b"LoadModule" not in body


def test_media_with_dot_segments_inside_portal(httpd):
    """httpd normalises /media/images/../images/anh.png before the handler; the image is served."""
    status, headers, body = httpd.raw("GET", "/tin/media/images/../images/anh.png")
    assert status == 200
    assert dict((k.lower(), v) for k, v in headers)["content-type"] == "image/png"


@pytest.mark.parametrize("path", [
    "/portal/?page=%ff%fe",
    "/portal/?page=1&page=2",
    "/portal/article/%c3%28",
    "/portal/article/" + "a" * 4000,
    "/portal/article/" + "a/" * 500,
    "/portal/media/" + "a" * 4000 + ".png",
    "/portal/%ff",
    "/portal/article/%00",
    "/portal/fontsize",
    "/portal/fontsize?step=",
    "/portal/fontsize?step=up",
    "/portal/fontsize?back=article",
    "/portal/fontsize?step=%ff&back=%ff",
    "/portal/fontsize?step=up&back=" + "a" * 5000,
    "/portal/?" + "x=1&" * 1000,
], ids=lambda p: p[:60])
def test_never_500(httpd, path):
    status, headers, body = httpd.raw("GET", path)
    assert status < 500, (status, body[:300])


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/portal/", f"/portal/article/{SEED_SLUG}", "/portal/fontsize"])
def test_other_methods_never_500(httpd, method, path):
    status, headers, body = httpd.raw(method, path, body=b"x=1")
    assert status < 500, (status, body[:300])


def test_post_to_article_is_not_500(httpd):
    status, headers, body = httpd.raw("POST", f"/portal/article/{SEED_SLUG}",
                                      {"Content-Type": "application/x-www-form-urlencoded"},
                                      b"step=up")
    assert status < 500


def test_404_page_is_portal_not_apache(httpd):
    r = httpd.get("/portal/article/khong-co")
    doc = portal_error(r, 404)
    css = [link.get("href") for link in doc.find_all("link") if "stylesheet" in (link.get("rel") or "")]
    assert "/portal/static/bantin.css" in css


def test_outside_portal_untouched(httpd):
    """Paths outside the Location are not the module's business."""
    r = httpd.get("/portalx/")
    assert r.status_code == 404
    assert parse_html(r.text).find(cls="bantin-error") is None
