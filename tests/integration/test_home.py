"""Home list: newest first, paging, bad page numbers."""

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from bantin_httpd import list_items, pager_links, portal_error, portal_html
from bantin_httpd import LIST_ARTICLES, SEED_SLUG, list_title

PAGE_SIZE = 10


def expected(prefix, first, count):
    return [(f"{prefix}/article/{slug}", list_title(slug), shown)
            for slug, _, shown in LIST_ARTICLES[first:first + count]]


def shown(items):
    return [(href, title, date) for href, title, date, _ in items]


def page_of(base, href):
    """(path, page number) a pager link points to."""
    u = urlsplit(urljoin(base, href))
    return u.path, int(parse_qs(u.query).get("page", ["1"])[0])


def test_home_lists_newest_first(httpd):
    r = httpd.get("/tin/")
    assert r.status_code == 200
    doc = portal_html(r)
    items = list_items(doc)
    assert shown(items) == expected("/tin", 0, PAGE_SIZE)
    for (href, _, _, summary), (slug, _, _) in zip(items, LIST_ARTICLES):
        assert summary and slug in summary


def test_home_second_page(httpd):
    r = httpd.get("/tin/?page=2")
    assert r.status_code == 200
    doc = portal_html(r)
    assert shown(list_items(doc)) == expected("/tin", PAGE_SIZE, PAGE_SIZE)
    links = pager_links(doc)
    assert "next" not in links
    assert page_of(httpd.url("/tin/?page=2"), links["prev"]) == ("/tin/", 1)


def test_pager_on_first_page(httpd):
    doc = portal_html(httpd.get("/tin/"))
    links = pager_links(doc)
    assert "prev" not in links
    assert page_of(httpd.url("/tin/"), links["next"]) == ("/tin/", 2)


def test_page_one_is_home(httpd):
    a = list_items(portal_html(httpd.get("/tin/")))
    b = list_items(portal_html(httpd.get("/tin/?page=1")))
    assert a == b


@pytest.mark.parametrize("page", ["3", "0", "99"])
def test_page_out_of_range_is_404(httpd, page):
    portal_error(httpd.get(f"/tin/?page={page}"), 404)


@pytest.mark.parametrize("page", ["abc", "-1", "1.5", "2x", "99999999999999999999999", "%00", "+2",
                                  "", "0x2"])
def test_page_garbage_is_not_500(httpd, page):
    r = httpd.get(f"/tin/?page={page}")
    assert r.status_code < 500
    if r.status_code != 200:
        portal_error(r, (400, 404))


def test_page_abc_is_error_page(httpd):
    portal_error(httpd.get("/tin/?page=abc"), (400, 404))


def test_page_size_directive(httpd):
    """/tin2 is the same content with BantinPageSize 2."""
    pages = (len(LIST_ARTICLES) + 1) // 2
    for n in range(1, pages + 1):
        r = httpd.get(f"/tin2/?page={n}")
        assert r.status_code == 200, n
        doc = portal_html(r)
        assert shown(list_items(doc)) == expected("/tin2", 2 * (n - 1), 2)
        links = pager_links(doc)
        assert ("prev" in links) == (n > 1)
        assert ("next" in links) == (n < pages)
    portal_error(httpd.get(f"/tin2/?page={pages + 1}"), 404)


def test_default_portal_home(httpd):
    r = httpd.get("/portal/")
    assert r.status_code == 200
    items = list_items(portal_html(r))
    assert f"/portal/article/{SEED_SLUG}" in [href for href, *_ in items]
    # newest first: the dd/mm/yyyy dates never increase down the list
    keys = [tuple(reversed(d.split("/"))) for _, _, d, _ in items]
    assert keys == sorted(keys, reverse=True)


def test_head_home(httpd):
    r = httpd.session.head(httpd.url("/portal/"), timeout=10)
    assert r.status_code == 200
    assert r.content == b""


def test_portal_without_slash_redirects(httpd):
    r = httpd.get("/portal")
    assert r.status_code == 301
    assert httpd.location_path(r.headers["Location"]) == "/portal/"
