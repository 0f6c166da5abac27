"""The readers' portal: categories and their menu, breadcrumb, related and
other news (and their blocks), RSS feeds, the sitemap, canonical / Open
Graph meta, the print view, share links and the Vietnamese weekday.

Everything here runs against one generated content dir with known dates
and categories (READER below), served at three prefixes that differ only
in settings, so the module's fixture restarts httpd once, not per test:

    /rd    BantinPageSize 3                          (the defaults otherwise)
    /rd2   BantinRelatedCount 2, BantinFeedSize 5
    /rd0   BantinRelatedCount 0, BantinFeedSize 0

The module bugs these tests found (hidden categories in the menu, names
from unpublished articles, "Tin khác" neighbours, sitemap parts of 50,001
URLs) are fixed; the tests keep them fixed.

The sitemap index (past 50,000 articles) needs 50,001 files: that test runs
only with BANTIN_BIG_SITEMAP=1 (some 30 s per MPM).
"""

import email.utils
import os
import re
import shutil
import subprocess
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bantin_httpd import (PNG_1X1, Portal, list_items, pager_links, parse_html, portal_error,
                          portal_html, title_text, write_article)

DATA = Path(__file__).resolve().parent / "data"
SITEMAP_XSD = DATA / "sitemap.xsd"
ICT = timezone(timedelta(hours=7))
SM_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def nfd(s):
    return unicodedata.normalize("NFD", s)


# ---- the content -----------------------------------------------------------

# One dict per article: slug, date as written, category (or None), and extra
# keyword arguments of write_article.  Hidden ones say why in `hidden`.
NTM = "Nông thôn mới"
READER = [
    # visible, newest first (the order the lists must show)
    dict(slug="2024/ntm-7", date="2024-03-01", category=NTM),
    dict(slug="2024/ds-2", date="2024-02-20T15:45:00Z", category="Đời sống",
         figure=("https://example.org/anh-ngoai.jpg", "Ảnh ở ngoài")),
    dict(slug="2024/ntm-6", date="2024-02-15", category=NTM),
    dict(slug="2024/dt-1", date="2024-02-01T08:30:00+07:00", category="ĐẦU TƯ"),
    # 2024-01-20T18:30Z is 01:30 on the 21st in Vietnam: newer than ntm-5
    dict(slug="2024/ds-1", date="2024-01-20T18:30:00Z", category="đời sống"),
    dict(slug="2024/ntm-5", date="2024-01-21", category=NTM),
    dict(slug="2024/ntm-4", date="2024-01-20", category=NTM,
         figure=("images/anh.png", "Ảnh minh hoạ")),
    dict(slug="2024/ntm-3", date="2024-01-12", category=NTM),
    dict(slug="2024/ntm-2", date="2024-01-10", category=NTM),
    dict(slug="2024/vh-1", date="2024-01-05T07:00:00-05:00", category="Văn hóa - Xã hội",
         title='Văn hóa & "Xã hội" <2024>: thử ký tự đặc biệt'),
    dict(slug="2024/ntm-1", date="2024-01-01", category=NTM),
    # the same category written decomposed (NFD) and precomposed (NFC)
    dict(slug="2023/gd-nfd", date="2023-12-20", category=nfd("Giáo dục")),
    dict(slug="2023/gd-nfc", date="2023-12-10", category="Giáo dục"),
    dict(slug="2023/khong-chuyen-muc", date="2023-12-01", category=None),
    # hidden
    dict(slug="2024/ntm-tuong-lai", date="2099-01-01", category=NTM, hidden="future"),
    dict(slug="2024/sap-ra-mat", date="2099-06-01T08:00:00+07:00", category="Sắp ra mắt",
         hidden="future"),
    # newer than every "Đời sống" article, spelt otherwise, not published yet
    dict(slug="2024/ds-tuong-lai", date="2098-01-01", category="ĐỜI SỐNG", hidden="future"),
    dict(slug="2024/ntm-nhap", date="2024-01-19", category=NTM, status="draft", hidden="draft"),
    dict(slug="2024/ban-nhap", date="2024-01-18", category="Bản nháp", status="draft",
         hidden="draft"),
    # nearest in date to ntm-4 (4 hours after it), but expired
    dict(slug="2024/ntm-het-han", date="2024-01-20T04:00:00+07:00", category=NTM,
         expires="2024-01-25", hidden="expired"),
    dict(slug="2024/het-han", date="2023-06-01", category="Hết hạn", expires="2023-07-01",
         hidden="expired"),
]
BY_SLUG = {a["slug"]: a for a in READER}
VISIBLE = [a for a in READER if "hidden" not in a]
HIDDEN = [a for a in READER if "hidden" in a]

# Category slugs as the module must fold them (đ/Đ -> d, tones dropped, NFD alike).
CATEGORY_SLUGS = {
    NTM: "nong-thon-moi",
    "Đời sống": "doi-song",
    "đời sống": "doi-song",
    "ĐỜI SỐNG": "doi-song",
    "ĐẦU TƯ": "dau-tu",
    "Văn hóa - Xã hội": "van-hoa-xa-hoi",
    "Giáo dục": "giao-duc",
    nfd("Giáo dục"): "giao-duc",
    "Sắp ra mắt": "sap-ra-mat",
    "Bản nháp": "ban-nhap",
    "Hết hạn": "het-han",
}
VISIBLE_CATEGORY_SLUGS = sorted({CATEGORY_SLUGS[a["category"]] for a in VISIBLE
                                 if a["category"]})

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def title_of(slug):
    return BY_SLUG[slug].get("title") or f"Bài {slug.split('/')[-1]} ({slug})"


def summary_of(slug):
    return f"Tóm tắt của {slug}."


def instant(date):
    """The article's instant (a plain date is midnight in +07:00)."""
    if "T" not in date:
        return datetime.fromisoformat(date).replace(tzinfo=ICT)
    return datetime.fromisoformat(date.replace("Z", "+00:00"))


def local(date):
    return instant(date).astimezone(ICT)


def slug_of(article):
    return CATEGORY_SLUGS.get(article["category"]) if article["category"] else None


def in_list_order(articles):
    """Date descending, then slug ascending: the order of every list."""
    return sorted(articles, key=lambda a: (-instant(a["date"]).timestamp(), a["slug"]))


def make_reader_content(root):
    root.mkdir(parents=True, exist_ok=True)
    for a in READER:
        kw = {k: v for k, v in a.items() if k not in ("slug", "hidden", "title")}
        write_article(root, a["slug"], title=title_of(a["slug"]), summary=summary_of(a["slug"]),
                      paragraphs=[f"Nội dung của {a['slug']}."], author="Phóng viên", **kw)
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "anh.png").write_bytes(PNG_1X1)
    return root


def test_dataset_is_what_the_tests_assume():
    """The table above is in list order; hidden ones really are hidden."""
    assert [a["slug"] for a in in_list_order(VISIBLE)] == [a["slug"] for a in VISIBLE]
    now = datetime.now(timezone.utc)
    for a in HIDDEN:
        assert (a["hidden"] == "future") == (instant(a["date"]) > now)
    assert [local(BY_SLUG["2024/ds-1"]["date"]).day, local(BY_SLUG["2024/ds-2"]["date"]).hour] \
        == [21, 22]


# ---- the server -------------------------------------------------------------

PORTALS = {
    "/rd": ["BantinPageSize 3"],
    "/rd2": ["BantinRelatedCount 2", "BantinFeedSize 5"],
    "/rd0": ["BantinRelatedCount 0", "BantinFeedSize 0"],
}


@pytest.fixture(scope="module")
def rd(httpd, tmp_path_factory):
    """httpd serving READER at /rd, /rd2, /rd0 besides the default portals.

    The extra portals become part of the default config for this module (so
    the per-test hygiene fixture keeps them), and are removed afterwards.
    """
    content = make_reader_content(tmp_path_factory.mktemp("reader-content"))
    httpd.reader_content = content
    saved = httpd.default_portals
    httpd.default_portals = saved + [Portal(p, content=content, directives=d)
                                     for p, d in PORTALS.items()]
    httpd.configure(httpd.default_portals)
    httpd.config_dirty = False
    httpd.log_mark()
    httpd.restart()
    problems = httpd.log_problems()
    assert not problems, "httpd logged problems at startup:\n" + "\n".join(problems)
    yield httpd
    httpd.default_portals = saved
    httpd.configure(saved)
    httpd.config_dirty = False
    httpd.restart()


def page(rd, path, status=200):
    r = rd.get(path)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    return portal_html(r, status)


def hrefs(node):
    return [a.get("href") for a in node.find_all("a")]


def slugs_of(links, prefix="/rd"):
    """Article slugs of a list of hrefs (others dropped)."""
    head = f"{prefix}/article/"
    return [h[len(head):] for h in links if h and h.startswith(head)]


# ---- category pages and the menu --------------------------------------------

def menu(doc):
    """[(href, text, aria-current)] of nav.bantin-menu."""
    nav = doc.find("nav", cls="bantin-menu")
    assert nav is not None, "no nav.bantin-menu"
    return [(a.get("href"), a.text(), a.get("aria-current")) for a in nav.find_all("a")]


def menu_categories(doc):
    """Category slugs of the menu, in menu order."""
    head = "/rd/category/"
    return [h[len(head):] for h, _, _ in menu(doc) if h.startswith(head)]


def current_in_menu(doc):
    return [href for href, _, cur in menu(doc) if cur is not None]


@pytest.mark.parametrize("name,slug", [
    (NTM, "nong-thon-moi"),
    ("Đời sống", "doi-song"),
    ("ĐẦU TƯ", "dau-tu"),
    ("Văn hóa - Xã hội", "van-hoa-xa-hoi"),
    (nfd("Giáo dục"), "giao-duc"),
])
def test_category_slug_is_folded(rd, name, slug):
    """đ/Đ fold to d, tones and case go, separators collapse, NFD alike."""
    assert CATEGORY_SLUGS[name] == slug
    doc = page(rd, f"/rd/category/{slug}")
    h1 = doc.find("h1", cls="bantin-list-title")
    assert h1 is not None
    assert unicodedata.normalize("NFC", h1.text()).lower() == \
        unicodedata.normalize("NFC", name).lower()


def test_menu_lists_visible_categories_by_slug(rd):
    doc = page(rd, "/rd/")
    items = menu(doc)
    assert items[0][:2] == ("/rd/", "Trang chủ")
    assert menu_categories(doc) == sorted(menu_categories(doc))
    assert set(VISIBLE_CATEGORY_SLUGS) <= set(menu_categories(doc))
    # one entry per category, whatever the spelling or normalisation of its articles
    assert len({href for href, _, _ in items}) == len(items)
    names = {href: text for href, text, _ in items}
    assert names["/rd/category/nong-thon-moi"] == NTM
    assert unicodedata.normalize("NFC", names["/rd/category/giao-duc"]) == "Giáo dục"


def test_category_name_from_published_articles(rd):
    """ds-2 (newest visible) writes "Đời sống", ds-1 "đời sống", the unpublished
    ds-tuong-lai "ĐỜI SỐNG": one each among the published, so the tie goes to
    the oldest (issue #14); readers never see the unpublished spelling."""
    published = sorted((a["date"], a["category"]) for a in VISIBLE
                       if slug_of(a) == "doi-song")
    assert len(published) == 2 and published[0][1] != published[1][1]
    oldest = published[0][1]
    names = {href: text for href, text, _ in menu(page(rd, "/rd/"))}
    assert names["/rd/category/doi-song"] == oldest
    doc = page(rd, "/rd/category/doi-song")
    assert doc.find("h1", cls="bantin-list-title").text() == oldest
    assert "ĐỜI SỐNG" not in rd.get("/rd/").text


@pytest.mark.parametrize("slug,why", [
    pytest.param("ban-nhap", "draft"),
    pytest.param("sap-ra-mat", "future"),
    pytest.param("het-han", "expired"),
])
def test_category_with_only_hidden_articles_is_absent(rd, slug, why):
    doc = page(rd, "/rd/")
    assert f"/rd/category/{slug}" not in [h for h, _, _ in menu(doc)], why
    portal_error(rd.get(f"/rd/category/{slug}"), 404)
    assert rd.get(f"/rd/category/{slug}/feed.xml").status_code == 404


def expected_category(slug):
    return [a["slug"] for a in VISIBLE if slug_of(a) == slug]


@pytest.mark.parametrize("slug", VISIBLE_CATEGORY_SLUGS)
def test_category_lists_only_its_articles_newest_first(rd, slug):
    """Page by page (BantinPageSize 3), only the category, newest first."""
    want = expected_category(slug)
    assert want
    got, n = [], 1
    while True:
        doc = page(rd, f"/rd/category/{slug}" + (f"?page={n}" if n > 1 else ""))
        items = list_items(doc)
        assert 1 <= len(items) <= 3
        got += slugs_of([href for href, *_ in items])
        links = pager_links(doc)
        pages = -(-len(want) // 3)
        assert ("prev" in links) == (n > 1)
        assert ("next" in links) == (n < pages)
        assert doc.find(cls="bantin-pager-at").text() == f"Trang {n}/{pages}"
        if "next" not in links:
            break
        assert links["next"] == f"/rd/category/{slug}?page={n + 1}"
        n += 1
    assert got == want
    portal_error(rd.get(f"/rd/category/{slug}?page={n + 1}"), 404)


def test_category_paging_links_and_errors(rd):
    doc = page(rd, "/rd/category/nong-thon-moi?page=2")
    links = pager_links(doc)
    assert links == {"prev": "/rd/category/nong-thon-moi",
                     "next": "/rd/category/nong-thon-moi?page=3"}
    assert slugs_of([h for h, *_ in list_items(doc)]) == expected_category("nong-thon-moi")[3:6]
    assert "Trang 2" in title_text(doc) and NTM in title_text(doc)
    portal_error(rd.get("/rd/category/nong-thon-moi?page=abc"), (400, 404))
    portal_error(rd.get("/rd/category/nong-thon-moi?page=0"), 404)
    # the default page size (10) elsewhere: one page holds the 7 visible NTM articles
    assert len(list_items(page(rd, "/rd2/category/nong-thon-moi"))) == 7


def test_category_items_link_their_category(rd):
    doc = page(rd, "/rd/")
    for li in doc.find("ul", cls="bantin-list").find_all("li", cls="bantin-item"):
        slug = slugs_of([li.find("a").get("href")])[0]
        cat = li.find("a", cls="bantin-item-category")
        want = slug_of(BY_SLUG[slug])
        if want:
            assert cat is not None and cat.get("href") == f"/rd/category/{want}", slug
        else:
            assert cat is None, slug


@pytest.mark.parametrize("path", [
    "/rd/category/khong-co",
    "/rd/category/n%C3%B4ng-th%C3%B4n-m%E1%BB%9Bi",
    "/rd/category/%C4%91oi-song",
    "/rd/category/",
    "/rd/category/nong-thon-moi/x",
    "/rd/category/khong-co/feed.xml",
])
def test_unknown_category_is_404(rd, path):
    doc = portal_error(rd.get(path), 404)
    assert current_in_menu(doc) == []


@pytest.mark.parametrize("path,current", [
    ("/rd/", "/rd/"),
    ("/rd/?page=2", "/rd/"),
    ("/rd/category/doi-song", "/rd/category/doi-song"),
    ("/rd/category/nong-thon-moi?page=2", "/rd/category/nong-thon-moi"),
    ("/rd/article/2024/ntm-4", "/rd/category/nong-thon-moi"),
    ("/rd/article/2023/gd-nfd", "/rd/category/giao-duc"),
    ("/rd/article/2024/ds-1", "/rd/category/doi-song"),
    ("/rd/article/2023/khong-chuyen-muc", None),
])
def test_menu_on_every_page_with_the_right_current(rd, path, current):
    doc = page(rd, path)
    items = menu(doc)
    assert items[0][0] == "/rd/"
    assert set(VISIBLE_CATEGORY_SLUGS) <= set(menu_categories(doc))
    assert current_in_menu(doc) == ([current] if current else [])
    for _, _, cur in items:
        assert cur in (None, "page")
    nav = doc.find("nav", cls="bantin-menu")
    assert nav.get("aria-label")  # a named navigation landmark


def test_menu_on_404_page_has_no_current(rd):
    doc = portal_error(rd.get("/rd/article/khong-co"), 404)
    assert set(VISIBLE_CATEGORY_SLUGS) <= set(menu_categories(doc))
    assert current_in_menu(doc) == []


def test_category_page_feed_and_canonical(rd):
    doc = page(rd, "/rd/category/nong-thon-moi?page=2")
    alt = [n for n in doc.find_all("link") if n.get("rel") == "alternate"]
    assert [n.get("href") for n in alt] == ["/rd/category/nong-thon-moi/feed.xml"]
    assert alt[0].get("type") == "application/rss+xml"
    # named like the feed's own channel title
    assert alt[0].get("title") == f"{NTM} - Bản tin"
    canon = doc.find("link", rel="canonical")
    assert canon is not None
    assert canon.get("href") == rd.url("/rd/category/nong-thon-moi?page=2")


# ---- breadcrumb --------------------------------------------------------------

def breadcrumb(doc):
    nav = doc.find("nav", cls="bantin-breadcrumb")
    assert nav is not None, "no nav.bantin-breadcrumb"
    out = []
    for li in nav.find("ol").find_all("li"):
        a = li.find("a")
        out.append((a.get("href") if a else None, li.text(), li.get("aria-current")))
    return nav, out


def test_breadcrumb_portal_category_article(rd):
    doc = page(rd, "/rd/article/2024/ntm-4")
    nav, crumbs = breadcrumb(doc)
    assert nav.get("aria-label")
    assert crumbs == [("/rd/", "Bản tin", None),
                      ("/rd/category/nong-thon-moi", NTM, None),
                      (None, title_of("2024/ntm-4"), "page")]
    # before the article's blocks, inside main
    nodes = list(doc.iter())
    assert nodes.index(nav) < nodes.index(doc.find(id="Block_BanTin_Toolbar"))
    assert nav.is_inside(doc.find("main"))


def test_breadcrumb_without_category(rd):
    _, crumbs = breadcrumb(page(rd, "/rd/article/2023/khong-chuyen-muc"))
    assert crumbs == [("/rd/", "Bản tin", None),
                      (None, title_of("2023/khong-chuyen-muc"), "page")]


def test_breadcrumb_uses_the_category_page_name(rd):
    """ds-1 writes "đời sống"; its crumb links the category page all the same."""
    _, crumbs = breadcrumb(page(rd, "/rd/article/2024/ds-1"))
    assert crumbs[1][0] == "/rd/category/doi-song"


@pytest.mark.parametrize("path", ["/rd/", "/rd/category/nong-thon-moi"])
def test_no_breadcrumb_on_lists(rd, path):
    assert page(rd, path).find("nav", cls="bantin-breadcrumb") is None


# ---- related news ("Tin liên quan") -----------------------------------------

def nearest(slug, n):
    """The visible articles of slug's category nearest in date, nearest first,
    but for its newer and older neighbours: "Tin khác" links to those, and a
    page shows an article once."""
    me = BY_SLUG[slug]
    t = instant(me["date"]).timestamp()
    newer, older, _ = neighbours(slug)
    pool = [a for a in VISIBLE if a["slug"] not in (slug, newer, older)
            and slug_of(a) == slug_of(me)]
    pool.sort(key=lambda a: abs(instant(a["date"]).timestamp() - t))
    return [a["slug"] for a in pool[:n]]


def related_of(rd, prefix, slug):
    sec = page(rd, f"{prefix}/article/{slug}").find("section", id="Block_BanTin_Related")
    return None if sec is None else slugs_of(hrefs(sec), prefix)


def test_related_nearest_in_date_same_category(rd):
    got = related_of(rd, "/rd", "2024/ntm-4")
    # ntm-het-han (4 hours away) is expired, ntm-nhap (1 day) a draft,
    # ntm-tuong-lai in the future: none of them may show; ntm-5 and ntm-3
    # are the newer and older neighbours, under "Tin khác"
    assert got[:3] == ["2024/ntm-2", "2024/ntm-1", "2024/ntm-6"]
    assert got == nearest("2024/ntm-4", 5)


@pytest.mark.parametrize("slug", ["2024/ntm-7", "2024/ntm-1", "2024/ntm-5", "2024/ds-2",
                                  "2023/gd-nfc", "2023/gd-nfd"])
def test_related_table(rd, slug):
    want = nearest(slug, 5)
    got = related_of(rd, "/rd", slug)
    assert (got or []) == want
    for s in got or []:
        assert slug_of(BY_SLUG[s]) == slug_of(BY_SLUG[slug])


def test_related_items_show_their_dates(rd):
    sec = page(rd, "/rd/article/2024/ntm-4").find("section", id="Block_BanTin_Related")
    assert sec.get("aria-labelledby") and sec.find(id=sec.get("aria-labelledby")) is not None
    for li in sec.find_all("li"):
        slug = slugs_of([li.find("a").get("href")])[0]
        t = li.find("time")
        assert t.get("datetime") == local(BY_SLUG[slug]["date"]).strftime("%Y-%m-%d")


def test_related_count_directive(rd):
    assert related_of(rd, "/rd2", "2024/ntm-4") == nearest("2024/ntm-4", 2)
    assert related_of(rd, "/rd0", "2024/ntm-4") is None


@pytest.mark.parametrize("slug", ["2023/khong-chuyen-muc", "2024/dt-1", "2024/vh-1"])
def test_no_related_without_neighbours(rd, slug):
    """No category, or alone in it: no empty "Tin liên quan" section."""
    assert related_of(rd, "/rd", slug) is None


# ---- other news ("Tin khác") -------------------------------------------------

def other(doc, prefix="/rd"):
    sec = doc.find("section", id="Block_BanTin_Other")
    if sec is None:
        return None
    newer = sec.find("p", cls="bantin-newer")
    older = sec.find("p", cls="bantin-older")
    ul = sec.find("ul")
    return dict(
        newer=slugs_of(hrefs(newer), prefix)[0] if newer else None,
        older=slugs_of(hrefs(older), prefix)[0] if older else None,
        list=slugs_of(hrefs(ul), prefix) if ul else [],
        section=sec)


def neighbours(slug):
    order = [a["slug"] for a in VISIBLE]
    i = order.index(slug)
    return (order[i - 1] if i > 0 else None,
            order[i + 1] if i + 1 < len(order) else None,
            order[i + 1:])


@pytest.mark.parametrize("slug", [a["slug"] for a in VISIBLE])
def test_other_news_newer_older(rd, slug):
    newer, older, rest = neighbours(slug)
    o = other(page(rd, f"/rd/article/{slug}"))
    assert o is not None
    assert (o["newer"], o["older"]) == (newer, older)
    # the next older ones in list order, BantinRelatedCount (5) of them when
    # there are that many, but for the older neighbour and "Tin liên quan"
    shown = [older] + nearest(slug, 5)
    assert o["list"] == [s for s in rest if s not in shown][:5], (o["list"], rest)


def test_other_news_skips_hidden(rd):
    """Around ntm-4 lie an expired (newer side) and a draft (older side)."""
    o = other(page(rd, "/rd/article/2024/ntm-4"))
    assert o["newer"] == "2024/ntm-5"      # not ntm-het-han (expired) nor ds-1's neighbours
    assert o["older"] == "2024/ntm-3"      # not ntm-nhap (draft)
    # the newest visible article has no newer one, though future ones exist
    assert other(page(rd, "/rd/article/2024/ntm-7"))["newer"] is None
    # the oldest has no older one and no list
    o = other(page(rd, "/rd/article/2023/khong-chuyen-muc"))
    assert o["older"] is None and o["list"] == []


def test_other_news_rel_links(rd):
    sec = other(page(rd, "/rd/article/2024/ntm-4"))["section"]
    assert sec.find("p", cls="bantin-newer").find("a").get("rel") == "prev"
    assert sec.find("p", cls="bantin-older").find("a").get("rel") == "next"
    assert sec.get("aria-labelledby") and sec.find(id=sec.get("aria-labelledby")) is not None


def test_other_news_count_directive(rd):
    assert len(other(page(rd, "/rd/article/2024/ntm-7"))["list"]) == 5
    assert len(other(page(rd, "/rd2/article/2024/ntm-7", ), "/rd2")["list"]) == 2


def test_other_news_count_zero_keeps_both_neighbours(rd):
    o = other(page(rd, "/rd0/article/2024/ntm-4"), "/rd0")
    assert o["list"] == []
    assert (o["newer"], o["older"]) == ("2024/ntm-5", "2024/ntm-3")


def test_other_news_lists_each_article_once(rd):
    o = other(page(rd, "/rd/article/2024/ntm-4"))
    links = [o["newer"], o["older"]] + o["list"]
    links = [s for s in links if s]
    assert len(links) == len(set(links)), links


# ---- blocks ------------------------------------------------------------------

def fragment(rd, path, status=200):
    r = rd.get(path)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    assert r.headers["Content-Type"].replace(" ", "").lower() == "text/html;charset=utf-8"
    text = r.content.decode("utf-8")
    for tag in ("<!doctype", "<html", "<head", "<body", "<main", "<header", "<footer"):
        assert tag not in text.lower(), (path, tag)
    return parse_html(text), text


def test_related_block_is_a_fragment(rd):
    doc, text = fragment(rd, "/rd/block/related/2024/ntm-4")
    sec = doc.find("section", id="Block_BanTin_Related")
    assert sec is not None
    assert slugs_of(hrefs(sec)) == nearest("2024/ntm-4", 5)
    assert doc.find(id="Block_BanTin_Other") is None
    assert doc.find(id="Block_BanTin_ViewData") is None
    assert doc.find("nav") is None
    # the same bytes as the section inside the page
    assert text.strip() in rd.get("/rd/article/2024/ntm-4").text


def test_other_block_is_a_fragment(rd):
    doc, text = fragment(rd, "/rd/block/other/2024/ntm-4")
    o = other(doc)
    assert (o["newer"], o["older"]) == ("2024/ntm-5", "2024/ntm-3")
    assert doc.find(id="Block_BanTin_Related") is None
    assert doc.find(id="Block_BanTin_Toolbar") is None
    assert text.strip() in rd.get("/rd/article/2024/ntm-4").text


def test_related_block_honours_count(rd):
    doc, _ = fragment(rd, "/rd2/block/related/2024/ntm-4")
    assert slugs_of(hrefs(doc), "/rd2") == nearest("2024/ntm-4", 2)
    doc, text = fragment(rd, "/rd0/block/related/2024/ntm-4")
    assert doc.find(id="Block_BanTin_Related") is None and not text.strip()


@pytest.mark.parametrize("path", ["/rd/block/related/2024/khong-co", "/rd/block/other/khong-co",
                                  "/rd/block/related/2024/ntm-tuong-lai",
                                  "/rd/block/other/2024/ntm-nhap",
                                  "/rd/block/related/", "/rd/block/other"])
def test_blocks_of_unknown_or_hidden_articles_are_404(rd, path):
    assert rd.get(path).status_code == 404


# ---- RSS ---------------------------------------------------------------------

def feed(rd, path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Debian 12's feedparser imports cgi
        import feedparser

    r = rd.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    ctype = r.headers["Content-Type"].replace(" ", "").lower()
    assert ctype == "application/rss+xml;charset=utf-8", ctype
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    f = feedparser.parse(r.content)
    assert f.bozo == 0, f.get("bozo_exception")
    assert f.version == "rss20"
    return f, r


RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|"
                    r"Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$")


def raw_items(r):
    """<pubDate>, <link> and <guid> of every item, as written."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(r.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    out = []
    for item in root.find("channel").findall("item"):
        out.append({k: item.find(k).text if item.find(k) is not None else None
                    for k in ("title", "link", "guid", "pubDate", "description", "category")}
                   | {"guid_permalink": item.find("guid").get("isPermaLink")
                      if item.find("guid") is not None else None})
    return root.find("channel"), out


def rfc822(date):
    """What pubDate must say: the instant in +07:00."""
    return email.utils.format_datetime(local(date))


def test_feed_channel_and_items(rd):
    f, r = feed(rd, "/rd/feed.xml")
    ch = f.feed
    assert ch.title == "Bản tin"
    assert ch.link == rd.url("/rd/")
    assert ch.get("description")
    assert ch.get("language") == "vi"
    channel, items = raw_items(r)
    # every required element, absolute links, guid = link (a permalink)
    want = VISIBLE[:20]
    assert [it["link"] for it in items] == [rd.url(f"/rd/article/{a['slug']}") for a in want]
    # a category goes by its one name, the menu's, whatever the article wrote
    named = {href.rsplit("/", 1)[-1]: text for href, text, _ in menu(page(rd, "/rd/"))}
    for it, a in zip(items, want):
        assert it["title"] == title_of(a["slug"])
        assert it["guid"] == it["link"] and it["guid_permalink"] == "true"
        assert it["description"] == summary_of(a["slug"])
        assert RFC822.match(it["pubDate"]), it["pubDate"]
        assert it["category"] == (named[slug_of(a)] if a["category"] else None)
    for e, a in zip(f.entries, want):
        assert e.title == title_of(a["slug"]) and e.link == rd.url(f"/rd/article/{a['slug']}")
        assert e.id == e.link
        assert e.published_parsed is not None
        assert datetime(*e.published_parsed[:6], tzinfo=timezone.utc) == instant(a["date"])
    # the self link of the feed (atom:link rel=self) is absolute
    self_links = [ln.href for ln in ch.get("links", []) if ln.get("rel") == "self"]
    assert self_links == [rd.url("/rd/feed.xml")]


@pytest.mark.parametrize("slug,pub", [
    ("2024/ntm-7", "Fri, 01 Mar 2024 00:00:00 +0700"),
    ("2024/ds-2", "Tue, 20 Feb 2024 22:45:00 +0700"),      # 15:45Z
    ("2024/dt-1", "Thu, 01 Feb 2024 08:30:00 +0700"),
    ("2024/ds-1", "Sun, 21 Jan 2024 01:30:00 +0700"),      # 18:30Z the day before
    ("2024/vh-1", "Fri, 05 Jan 2024 19:00:00 +0700"),      # 07:00-05:00
    ("2023/gd-nfc", "Sun, 10 Dec 2023 00:00:00 +0700"),
])
def test_feed_pubdate_in_portal_zone(rd, slug, pub):
    _, r = feed(rd, "/rd/feed.xml")
    _, items = raw_items(r)
    by_link = {it["link"]: it for it in items}
    assert by_link[rd.url(f"/rd/article/{slug}")]["pubDate"] == pub
    assert pub == rfc822(BY_SLUG[slug]["date"])


def test_feed_last_build_date_is_newest(rd):
    _, r = feed(rd, "/rd/feed.xml")
    channel, _ = raw_items(r)
    lbd = channel.find("lastBuildDate")
    assert lbd is not None and lbd.text == rfc822(VISIBLE[0]["date"])


def test_feed_escapes_markup_characters(rd):
    f, r = feed(rd, "/rd/feed.xml")
    assert b" &amp; " in r.content and b"&lt;2024&gt;" in r.content
    assert b"<2024>" not in r.content
    assert title_of("2024/vh-1") in [e.title for e in f.entries]


def test_feed_size_directive(rd):
    f, _ = feed(rd, "/rd2/feed.xml")
    assert [e.link for e in f.entries] == [rd.url(f"/rd2/article/{a['slug']}")
                                           for a in VISIBLE[:5]]
    f, _ = feed(rd, "/rd0/feed.xml")
    assert f.entries == [] and f.feed.title == "Bản tin"


def test_feed_excludes_hidden(rd):
    f, r = feed(rd, "/rd/feed.xml")
    for a in HIDDEN:
        assert a["slug"].encode() not in r.content, a
    assert len(f.entries) == len(VISIBLE)


@pytest.mark.parametrize("slug", VISIBLE_CATEGORY_SLUGS)
def test_category_feed_only_that_category(rd, slug):
    f, r = feed(rd, f"/rd/category/{slug}/feed.xml")
    want = expected_category(slug)
    assert [e.link for e in f.entries] == [rd.url(f"/rd/article/{s}") for s in want]
    assert f.feed.link == rd.url(f"/rd/category/{slug}")
    self_links = [ln.href for ln in f.feed.get("links", []) if ln.get("rel") == "self"]
    assert self_links == [rd.url(f"/rd/category/{slug}/feed.xml")]
    assert "Bản tin" in f.feed.title


def test_category_feed_size_and_hidden(rd):
    f, r = feed(rd, "/rd2/category/nong-thon-moi/feed.xml")
    assert [e.link for e in f.entries] == [rd.url(f"/rd2/article/{s}")
                                           for s in expected_category("nong-thon-moi")[:5]]
    f, r = feed(rd, "/rd/category/nong-thon-moi/feed.xml")
    for s in ("ntm-tuong-lai", "ntm-nhap", "ntm-het-han"):
        assert s.encode() not in r.content


def test_home_links_its_feed(rd):
    doc = page(rd, "/rd/")
    alt = [n for n in doc.find_all("link") if n.get("rel") == "alternate"]
    assert [(n.get("type"), n.get("href")) for n in alt] == [("application/rss+xml",
                                                              "/rd/feed.xml")]
    assert alt[0].get("title") == "Bản tin"
    # an article page offers the portal's feed, under the portal's name
    alt = [n for n in page(rd, "/rd/article/2024/ntm-4").find_all("link")
           if n.get("rel") == "alternate"]
    assert [(n.get("href"), n.get("title")) for n in alt] == [("/rd/feed.xml", "Bản tin")]


# ---- sitemap -----------------------------------------------------------------

def xmllint_schema(data, tmp_path, name="sitemap.xml"):
    f = tmp_path / name
    f.write_bytes(data)
    p = subprocess.run(["xmllint", "--noout", "--schema", str(SITEMAP_XSD), str(f)],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr


def test_xsd_rejects_what_the_protocol_forbids(tmp_path):
    """The schema itself: it must not accept everything."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    good = [
        f"<urlset {ns}><url><loc>http://a.example/x</loc><lastmod>2024-01-04</lastmod>"
        "<changefreq>daily</changefreq><priority>0.5</priority></url></urlset>",
        f"<urlset {ns}><url><loc>http://a.example/x</loc>"
        "<lastmod>2024-01-04T08:30:00+07:00</lastmod></url></urlset>",
        f"<urlset {ns}><url><loc>http://a.example/x</loc>"
        "<lastmod>2024-01-04T08:30:00.5Z</lastmod></url></urlset>",
        f"<sitemapindex {ns}><sitemap><loc>http://a.example/s-1.xml</loc>"
        "<lastmod>2024-01-04</lastmod></sitemap></sitemapindex>",
    ]
    bad = [
        f"<urlset {ns}></urlset>",                                              # no url
        "<urlset><url><loc>http://a.example/x</loc></url></urlset>",             # no namespace
        f"<urlset {ns}><url><lastmod>2024-01-04</lastmod></url></urlset>",       # no loc
        f"<urlset {ns}><url><loc>http://a.example/x</loc>"
        "<lastmod>04/01/2024</lastmod></url></urlset>",
        f"<urlset {ns}><url><loc>http://a.example/x</loc>"
        "<lastmod>2024-01-04T08:30:00</lastmod></url></urlset>",                 # no zone
        f"<urlset {ns}><url><loc>http://a.example/x</loc>"
        "<lastmod>2024-01-04+07:00</lastmod></url></urlset>",                    # zone, no time
        f"<urlset {ns}><url><loc>http://a.example/x</loc>"
        "<priority>1.5</priority></url></urlset>",
        f"<urlset {ns}><url><loc>http://a.example/x</loc>"
        "<changefreq>often</changefreq></url></urlset>",
        f"<urlset {ns}><url><loc>http://a.example/{'x' * 2048}</loc></url></urlset>",
        f"<urlset {ns}><url><lastmod>2024-01-04</lastmod><loc>http://a.example/x</loc>"
        "</url></urlset>",                                                       # order
        f"<sitemapindex {ns}><sitemap><lastmod>2024-01-04</lastmod></sitemap></sitemapindex>",
        f"<sitemapindex {ns}><url><loc>http://a.example/x</loc></url></sitemapindex>",
    ]
    for i, doc in enumerate(good):
        rc, err = xmllint_schema((head + doc).encode(), tmp_path, f"good{i}.xml")
        assert rc == 0, (doc, err)
    for i, doc in enumerate(bad):
        rc, err = xmllint_schema((head + doc).encode(), tmp_path, f"bad{i}.xml")
        assert rc != 0, doc


def sitemap(rd, path, tmp_path):
    import xml.etree.ElementTree as ET

    r = rd.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    ctype = r.headers["Content-Type"].replace(" ", "").lower()
    assert ctype in ("application/xml;charset=utf-8", "text/xml;charset=utf-8"), ctype
    rc, err = xmllint_schema(r.content, tmp_path)
    assert rc == 0, f"{path} does not validate against sitemaps.org 0.9:\n{err}"
    return ET.fromstring(r.content), r


def test_sitemap_validates_and_lists_visible_articles(rd, tmp_path):
    root, _ = sitemap(rd, "/rd/sitemap.xml", tmp_path)
    assert root.tag == SM_NS + "urlset"
    urls = [(u.findtext(SM_NS + "loc"), u.findtext(SM_NS + "lastmod"))
            for u in root.findall(SM_NS + "url")]
    locs = [loc for loc, _ in urls]
    assert len(locs) == len(set(locs))
    assert rd.url("/rd/") in locs
    arts = {loc: lm for loc, lm in urls if "/article/" in loc}
    assert set(arts) == {rd.url(f"/rd/article/{a['slug']}") for a in VISIBLE}
    for a in VISIBLE:
        lm = arts[rd.url(f"/rd/article/{a['slug']}")]
        assert lm, a["slug"]
        t = datetime.fromisoformat(lm)
        assert t.utcoffset() == timedelta(hours=7), lm
        assert t >= instant(a["date"]), (a["slug"], lm)      # never before publication
        assert t <= datetime.now(timezone.utc) + timedelta(minutes=5)


def test_sitemap_part_one_and_beyond(rd, tmp_path):
    """Under 50,000 articles there is one part: /sitemap.xml; no index."""
    root, _ = sitemap(rd, "/rd/sitemap.xml", tmp_path)
    assert root.tag != SM_NS + "sitemapindex"
    for path in ("/rd/sitemap-2.xml", "/rd/sitemap-0.xml", "/rd/sitemap-x.xml",
                 "/rd/sitemap-01.xml"):
        assert rd.get(path).status_code == 404, path


def test_sitemap_of_default_portal_validates(httpd, tmp_path):
    r = httpd.get("/portal/sitemap.xml")
    assert r.status_code == 200
    rc, err = xmllint_schema(r.content, tmp_path)
    assert rc == 0, err


@pytest.mark.skipif(not os.environ.get("BANTIN_BIG_SITEMAP"),
                    reason="50,001 articles: set BANTIN_BIG_SITEMAP=1 to run (30 s or so per MPM)")
def test_sitemap_index_past_50000(httpd, tmp_path):
    """The index is only reached with more than 50,000 visible articles."""
    content = tmp_path / "big"
    tpl = ('<?xml version="1.0" encoding="UTF-8"?>\n<article><title>T {i}</title>'
           "<date>2020-01-01</date><summary>S</summary><body><p>P</p></body></article>\n")
    try:
        for i in range(50_001):
            d = content / f"d{i // 1000}"
            if i % 1000 == 0:
                d.mkdir(parents=True)
            (d / f"a{i}.xml").write_text(tpl.format(i=i))
        httpd.configure([Portal("/big", content=content, templates=httpd.site / "templates")])
        httpd.restart()
        root, _ = sitemap(httpd, "/big/sitemap.xml", tmp_path)
        assert root.tag == SM_NS + "sitemapindex"
        assert [s.findtext(SM_NS + "loc") for s in root] == [httpd.url("/big/sitemap-1.xml"),
                                                             httpd.url("/big/sitemap-2.xml")]
        parts = [sitemap(httpd, f"/big/sitemap-{k}.xml", tmp_path)[0] for k in (1, 2)]
        locs = [[u.findtext(SM_NS + "loc") for u in p.findall(SM_NS + "url")] for p in parts]
        assert httpd.get("/big/sitemap-3.xml").status_code == 404
        # every article and the home page once, no file over the protocol's limit
        assert sorted(locs[0] + locs[1]) == sorted(
            [httpd.url("/big/")] + [httpd.url(f"/big/article/d{i // 1000}/a{i}")
                                    for i in range(50_001)])
        assert [len(x) <= 50_000 for x in locs] == [True, True], [len(x) for x in locs]
    finally:
        httpd.configure(httpd.default_portals)
        httpd.restart()
        shutil.rmtree(content, ignore_errors=True)


# ---- canonical, description, Open Graph --------------------------------------

def metas(doc):
    out = {}
    for m in doc.find("head").find_all("meta"):
        key = m.get("property") or m.get("name")
        if key:
            assert key not in out, f"two <meta> for {key}"
            out[key] = m.get("content")
    return out


def test_article_meta_absolute(rd):
    doc = page(rd, "/rd/article/2024/ntm-4")
    canon = [n.get("href") for n in doc.find_all("link") if n.get("rel") == "canonical"]
    url = rd.url("/rd/article/2024/ntm-4")
    assert canon == [url]
    m = metas(doc)
    assert m["description"] == summary_of("2024/ntm-4")
    assert m["og:type"] == "article"
    assert m["og:title"] == title_of("2024/ntm-4")
    assert m["og:description"] == summary_of("2024/ntm-4")
    assert m["og:url"] == url
    assert m["og:site_name"] == "Bản tin"
    assert m["og:locale"] == "vi_VN"
    assert m["og:image"] == rd.url("/rd/media/images/anh.png")
    assert rd.get(urlsplit(m["og:image"]).path).status_code == 200
    assert m["article:published_time"].startswith("2024-01-20")
    for k, v in m.items():
        if k in ("og:url", "og:image"):
            assert urlsplit(v).scheme == "http" and urlsplit(v).netloc, (k, v)


def test_og_image_external_and_absent(rd):
    m = metas(page(rd, "/rd/article/2024/ds-2"))
    assert m["og:image"] == "https://example.org/anh-ngoai.jpg"
    m = metas(page(rd, "/rd/article/2024/ntm-5"))
    assert "og:image" not in m and m["og:type"] == "article"


def test_meta_escaping(rd):
    m = metas(page(rd, "/rd/article/2024/vh-1"))
    assert m["og:title"] == title_of("2024/vh-1")


def test_canonical_ignores_query_and_cookie(rd):
    url = rd.url("/rd/article/2024/ntm-4")
    for path, hdrs in [("/rd/article/2024/ntm-4?utm_source=x", {}),
                       ("/rd/article/2024/ntm-4", {"Cookie": "bantin_fs=5"})]:
        doc = portal_html(rd.get(path, headers=hdrs))
        assert doc.find("link", rel="canonical").get("href") == url


def test_no_article_meta_on_lists(rd):
    m = metas(page(rd, "/rd/"))
    assert not any(k.startswith(("og:", "article:")) for k in m)


# ---- print view --------------------------------------------------------------

def print_checks(rd, doc, slug, prefix="/rd"):
    url = rd.url(f"{prefix}/article/{slug}")
    for cls in ("bantin-menu", "bantin-breadcrumb", "bantin-toolbar", "bantin-related",
                "bantin-other", "bantin-footer", "bantin-header", "bantin-fontsize"):
        assert doc.find(cls=cls) is None, cls
    for tag in ("nav", "form", "script", "button", "iframe"):
        assert doc.find(tag) is None, tag
    for id_ in ("Block_BanTin_Toolbar", "Block_BanTin_Related", "Block_BanTin_Other"):
        assert doc.find(id=id_) is None
    view = doc.find("article", id="Block_BanTin_ViewData")
    assert view is not None
    assert view.find("h1").text() == title_of(slug)
    assert metas(doc).get("robots") == "noindex"
    assert doc.find("link", rel="canonical").get("href") == url
    # the article's address, printed as text (a printout has no links)
    pu = doc.find(cls="bantin-print-url")
    assert pu is not None and url in pu.text()
    # the article and its address are the page's main content
    main = doc.find("main")
    assert main is not None and view.is_inside(main) and pu.is_inside(main)
    # the stylesheet (with @media print) is there
    css = [n.get("href") for n in doc.find_all("link") if n.get("rel") == "stylesheet"]
    assert css == [f"{prefix}/static/bantin.css"]


def test_print_view(rd):
    doc = page(rd, "/rd/print/2024/ntm-4")
    print_checks(rd, doc, "2024/ntm-4")
    assert "Thứ Bảy, 20/01/2024" in doc.find("body").text()


def test_print_query_is_the_print_view(rd):
    a = rd.get("/rd/print/2024/ntm-4")
    b = rd.get("/rd/article/2024/ntm-4?print=1")
    assert b.status_code == 200
    print_checks(rd, portal_html(b), "2024/ntm-4")
    assert a.text == b.text
    # anything but print=1 is the article page
    doc = page(rd, "/rd/article/2024/ntm-4?print=0")
    assert doc.find(id="Block_BanTin_Toolbar") is not None


def test_print_stylesheet_has_print_rules(rd):
    css = rd.get("/rd/static/bantin.css").text
    m = re.search(r"@media\s+print\s*\{(.*?)\n\}", css, re.S)
    assert m, "no @media print block in bantin.css"
    for cls in ("bantin-menu", "bantin-toolbar", "bantin-related", "bantin-other"):
        assert cls in m.group(1), cls


@pytest.mark.parametrize("path", ["/rd/print/2024/khong-co", "/rd/print/2024/ntm-tuong-lai",
                                  "/rd/print/2024/ntm-nhap", "/rd/print/2024/ntm-het-han",
                                  "/rd/article/khong-co?print=1"])
def test_print_of_unknown_or_hidden_is_404(rd, path):
    assert rd.get(path).status_code == 404


def test_toolbar_print_link(rd):
    a = page(rd, "/rd/article/2024/ntm-4").find("a", cls="bantin-print-link")
    assert a is not None and a.get("href") == "/rd/print/2024/ntm-4"


# ---- share links -------------------------------------------------------------

def share(doc, cls):
    a = doc.find("a", cls=cls)
    assert a is not None, cls
    assert a.is_inside(doc.find(id="Block_BanTin_Toolbar"))
    return a.get("href")


def strictly_encoded(query):
    """Every query value percent-encoded: no raw space, quote, <, > or non-ASCII."""
    return not re.search(r"[\s\"<>\x7f-\U0010ffff]", query)


@pytest.mark.parametrize("slug", ["2024/ntm-4", "2024/vh-1"])
def test_share_mailto(rd, slug):
    href = share(page(rd, f"/rd/article/{slug}"), "bantin-share-mail")
    assert href.startswith("mailto:?")
    query = href[len("mailto:?"):]
    assert strictly_encoded(query), href
    q = parse_qs(query, keep_blank_values=True)   # & and = inside values would split here
    assert set(q) == {"subject", "body"}, q
    assert q["subject"] == [title_of(slug)]
    assert rd.url(f"/rd/article/{slug}") in q["body"][0]
    assert "+" not in query  # mail clients do not read + as a space in mailto: URLs


@pytest.mark.parametrize("cls,host,path,param", [
    ("bantin-share-facebook", "www.facebook.com", "/sharer/sharer.php", "u"),
    ("bantin-share-zalo", "sp.zalo.me", "/plugins/share", "url"),
])
def test_share_social(rd, cls, host, path, param):
    doc = page(rd, "/rd/article/2024/vh-1")
    href = share(doc, cls)
    u = urlsplit(href)
    assert (u.scheme, u.netloc, u.path) == ("https", host, path)
    assert strictly_encoded(u.query)
    q = parse_qs(u.query)
    assert q[param] == [rd.url("/rd/article/2024/vh-1")]
    # the URL is encoded as a whole: its own / : ? & do not leak into the query
    assert f"{param}=http%3A%2F%2F" in u.query
    a = doc.find("a", cls=cls)
    assert "noopener" in (a.get("rel") or "").split()
    assert not a.has("onclick")


PAGES = ["/rd/", "/rd/?page=2", "/rd/category/nong-thon-moi", "/rd/article/2024/ntm-4",
         "/rd/article/2024/ds-2", "/rd/print/2024/ntm-4", "/rd/article/2024/ntm-4?print=1"]


# A page that must answer 404 (in the portal's layout, with the same rules).
MISSING = ["/rd/khong-co"]


@pytest.mark.parametrize("path", PAGES + MISSING)
def test_no_third_party_script(rd, path):
    r = rd.get(path)
    doc = portal_html(r, 404 if path in MISSING else 200)
    for n in doc.iter():
        if n.tag == "script":
            src = n.get("src") or ""
            assert src.startswith("/rd/static/"), (path, src)
            assert not "".join(c for c in n.children if isinstance(c, str)).strip(), path
        assert n.tag not in ("iframe", "object", "embed"), (path, n.tag)
        for name, _ in n.attrs:
            assert not name.lower().startswith("on"), (path, n.tag, name)
        if n.tag == "link" and n.get("rel") in ("stylesheet", "preload", "modulepreload"):
            assert (n.get("href") or "").startswith("/rd/static/"), (path, n.get("href"))
        if n.tag == "img":
            assert not urlsplit(n.get("src") or "").netloc or n.get("src").startswith(
                "https://example.org/"), (path, n.get("src"))
    csp = r.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp, csp


@pytest.mark.parametrize("path", PAGES + MISSING + ["/rd/category/nong-thon-moi?page=3"])
def test_one_main_and_one_h1(rd, path):
    r = rd.get(path)
    doc = portal_html(r, 404 if path in MISSING else 200)
    assert len(doc.find_all("main")) == 1, path
    h1 = doc.find_all("h1")
    assert len(h1) == 1 and h1[0].is_inside(doc.find("main")), (path, [h.text() for h in h1])
    # every heading level follows from the one before (no h1 -> h3 jump)
    levels = [int(n.tag[1]) for n in doc.iter() if re.fullmatch(r"h[1-6]", n.tag)]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (path, levels)


# ---- weekday -----------------------------------------------------------------

@pytest.mark.parametrize("slug,weekday,shown", [
    ("2024/ntm-1", "Thứ Hai", "01/01/2024"),
    ("2024/ds-2", "Thứ Ba", "20/02/2024"),       # 22:45 in Vietnam
    ("2024/ntm-2", "Thứ Tư", "10/01/2024"),
    ("2024/dt-1", "Thứ Năm", "01/02/2024"),
    ("2024/ntm-3", "Thứ Sáu", "12/01/2024"),
    ("2024/ntm-4", "Thứ Bảy", "20/01/2024"),
    ("2024/ntm-5", "Chủ Nhật", "21/01/2024"),
    ("2024/ds-1", "Chủ Nhật", "21/01/2024"),     # Saturday in UTC, Sunday in Vietnam
    ("2024/vh-1", "Thứ Sáu", "05/01/2024"),
    ("2023/gd-nfd", "Thứ Tư", "20/12/2023"),
])
def test_weekday_screen_reader_only(rd, slug, weekday, shown):
    assert WEEKDAYS[local(BY_SLUG[slug]["date"]).weekday()] == weekday
    doc = page(rd, f"/rd/article/{slug}")
    when = doc.find(id="Block_BanTin_Toolbar").find(cls="bantin-when")
    span = when.find("span", cls="bantin-sr-only")
    assert span is not None
    assert span.text().rstrip(",").strip() == weekday
    t = when.find("time")
    assert t.text() == shown
    nodes = list(when.iter())
    assert nodes.index(span) < nodes.index(t)
    # the print view shows it in full
    assert f"{weekday}, {shown}" in page(rd, f"/rd/print/{slug}").find("body").text()


def test_sr_only_class_hides_visually(rd):
    css = rd.get("/rd/static/bantin.css").text
    m = re.search(r"\.bantin-sr-only\s*\{([^}]*)\}", css)
    assert m
    rules = m.group(1)
    assert "position: absolute" in rules and ("clip" in rules or "clip-path" in rules)
    assert "display: none" not in rules and "visibility: hidden" not in rules


# ---- validators of pages that show other articles ----------------------------

def test_last_modified_moves_when_the_neighbours_change(rd, tmp_path):
    """An article page shows its neighbours (Tin liên quan, Tin khác) and the
    category menu: when a new article changes them, a client revalidating
    with If-Modified-Since alone (no ETag) must get the new page, not 304."""
    import time

    content = tmp_path / "content"
    shutil.copytree(rd.reader_content, content)
    rd.configure(rd.default_portals + [Portal("/rdl", content=content)])
    rd.restart()
    path = "/rdl/article/2024/ntm-4"
    first = rd.get(path)
    lm, etag = first.headers["Last-Modified"], first.headers["ETag"]
    assert rd.get(path, headers={"If-Modified-Since": lm}).status_code == 304
    # HTTP dates have one-second resolution: the change must fall in a later
    # second than lm for If-Modified-Since to tell them apart.
    time.sleep(max(0.0, email.utils.parsedate_to_datetime(lm).timestamp() + 1.05 - time.time()))
    write_article(content, "2024/ntm-moi", title="Bài mới", date="2024-01-20T12:00:00+07:00",
                  category=NTM, summary="S")
    deadline = time.monotonic() + 10
    while "ntm-moi" not in rd.get(path).text:
        assert time.monotonic() < deadline, "the new article never showed up"
        time.sleep(0.1)
    now = rd.get(path)
    assert now.headers["ETag"] != etag
    r = rd.get(path, headers={"If-Modified-Since": lm})
    assert r.status_code == 200, (f"Last-Modified stayed {now.headers['Last-Modified']} "
                                  f"(was {lm}) though the page changed")
