"""The blocks inside another site's pages, through mod_include (SSI).

A page of the DocumentRoot, served by httpd's own file handler and parsed by the
INCLUDES filter, pulls the toolbar and view blocks in with
`<!--#include virtual="/portal/block/..." -->`.  Each include is a subrequest:
it inherits the reader's request headers (the font-size cookie, Accept-Encoding,
conditional headers), and its body is spliced into the page as it is.
"""

import gzip
import re

import pytest

from bantin_httpd import SEED_SLUG, parse_html

TITLE = "Tích cực giúp đỡ xã khó khăn xây dựng nông thôn mới"
DATE = "04/01/2024"

SHTML = f"""<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>Trang tổng hợp</title></head>
<body class="trang-ngoai">
<header>Cổng thông tin tỉnh</header>
<!--#include virtual="/portal/block/toolbar/{SEED_SLUG}" -->
<!--#include virtual="/portal/block/view/{SEED_SLUG}" -->
<aside class="tin-moi"><!--#include virtual="/portal/block/list" --></aside>
<footer>Chân trang</footer>
</body>
</html>
"""


@pytest.fixture
def ssi(httpd):
    htdocs = httpd.root / "htdocs"
    (htdocs / "tong-hop.shtml").write_text(SHTML, encoding="utf-8")
    httpd.configure(httpd.default_portals, modules=("include",), extra="\n".join([
        f'<Directory "{htdocs}">',
        "    Options +Includes",
        "    AddType text/html .shtml",
        "    AddOutputFilter INCLUDES .shtml",
        "</Directory>",
    ]))
    httpd.restart()
    return httpd


def get_page(h, cookie=None, headers=None):
    hdrs = dict(headers or {})
    if cookie:
        hdrs["Cookie"] = cookie
    status, hdr_list, body = h.raw("GET", "/tong-hop.shtml", hdrs)
    hdrs_out = {k.lower(): v for k, v in hdr_list}
    if hdrs_out.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return status, hdrs_out, body


def check_embedded(body, step):
    assert b"\x1f\x8b" not in body, "gzip bytes spliced into the page"
    text = body.decode("utf-8")  # strict: the whole page must be UTF-8 text
    assert "an error occurred while processing this directive" not in text
    assert text.count("<!DOCTYPE") == 1 and text.count("<html") == 1, "a whole page was included"
    assert text.count('id="Block_BanTin_Toolbar"') == 1
    assert text.count('id="Block_BanTin_ViewData"') == 1
    doc = parse_html(text)
    body_el = doc.find("body")
    assert body_el.classes == ["trang-ngoai"]  # the including page's own body
    toolbar = doc.find("section", id="Block_BanTin_Toolbar")
    view = doc.find("article", id="Block_BanTin_ViewData")
    assert toolbar.find("time", cls="bantin-date").text() == DATE
    assert view.find("h1", cls="bantin-title").text() == TITLE
    form = toolbar.find("form", cls="bantin-fontsize")
    assert form.get("data-step") == str(step)
    assert toolbar.find("button", cls="bantin-fs-up").has("disabled") == (step == 5)
    assert toolbar.find("button", cls="bantin-fs-down").has("disabled") == (step == 1)
    # the list block, inside the page's aside
    aside = doc.find("aside", cls="tin-moi")
    assert aside.find("ul", cls="bantin-list") is not None
    # order: header, toolbar, view, list, footer
    order = [text.index(s) for s in ("<header>", 'id="Block_BanTin_Toolbar"',
                                     'id="Block_BanTin_ViewData"', 'class="tin-moi"', "<footer>")]
    assert order == sorted(order)
    return doc


def test_blocks_are_embedded(ssi):
    status, hdrs, body = get_page(ssi)
    assert status == 200
    assert hdrs["content-type"].startswith("text/html")
    check_embedded(body, 3)


@pytest.mark.parametrize("step", [1, 2, 4, 5])
def test_font_cookie_reaches_the_subrequest(ssi, step):
    status, _, body = get_page(ssi, cookie=f"_ga=GA1.2.3; bantin_fs={step}; other=x")
    assert status == 200
    check_embedded(body, step)


def test_same_bytes_as_the_blocks(ssi):
    # Host without a port on both sides: see the next test for the port.
    hdrs = {"Host": "portal.example", "Cookie": "bantin_fs=2"}
    _, _, body = get_page(ssi, headers=hdrs)
    text = body.decode("utf-8")
    for path in (f"/portal/block/toolbar/{SEED_SLUG}", f"/portal/block/view/{SEED_SLUG}"):
        frag = ssi.raw("GET", path, hdrs)[2].decode("utf-8")
        assert frag.strip() in text, path


def test_absolute_urls_in_included_blocks(ssi):
    """Absolute URLs in a block (share links...) are the reader's, port included,
    whether the block is fetched itself or included.  (A subrequest's parsed_uri has
    no port: ap_construct_url(r) on the subrequest drops it; building the URL from
    the main request keeps it.)"""
    host = f"127.0.0.1:{ssi.port}"
    _, _, body = get_page(ssi, headers={"Host": host})
    text = body.decode("utf-8")
    frag = ssi.raw("GET", f"/portal/block/toolbar/{SEED_SLUG}", {"Host": host})[2].decode("utf-8")
    own = set(re.findall(r"https?%3A%2F%2F[^\"&]*|https?://127\.0\.0\.1[^\"&<]*", frag))
    included = set(re.findall(r"https?%3A%2F%2F[^\"&]*|https?://127\.0\.0\.1[^\"&<]*", text))
    assert own <= included, f"in the block: {sorted(own)}; in the page: {sorted(included)}"
    assert frag.strip() in text


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br"])
def test_browser_accept_encoding(ssi, accept):
    """Every browser sends Accept-Encoding: gzip.  The subrequests inherit it, but
    their output is spliced into the including page: a block must never come gzipped
    into a subrequest."""
    status, _, body = get_page(ssi, cookie="bantin_fs=4", headers={"Accept-Encoding": accept})
    assert status == 200
    check_embedded(body, 4)


def test_conditional_headers_do_not_empty_the_blocks(ssi):
    """The reader's If-None-Match / If-Modified-Since are meant for the .shtml page;
    a subrequest that answered 304 to them would include nothing."""
    etag = ssi.raw("GET", f"/portal/block/toolbar/{SEED_SLUG}")[1]
    etag = dict((k.lower(), v) for k, v in etag)["etag"]
    lm = dict((k.lower(), v) for k, v in ssi.raw("GET", f"/portal/block/view/{SEED_SLUG}")[1])[
        "last-modified"]
    for hdrs in ({"If-None-Match": etag}, {"If-Modified-Since": lm},
                 {"If-None-Match": etag, "If-Modified-Since": lm}):
        status, _, body = get_page(ssi, headers=hdrs)
        assert status == 200, hdrs
        check_embedded(body, 3)
