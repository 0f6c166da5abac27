"""Issue #14, "HTTP truth": a page's strong ETag stands for its bytes.

- Everything a page shows goes into its ETag: on an article page its newer
  and older neighbours ("Tin mới hơn", "Tin cũ hơn"), "Tin liên quan",
  "Tin khác" and the categories menu; on the home and category lists (every
  page of them) their items and the menu.  Change one, and the ETag changes
  with the bytes.
- Over a series of edits, the bytes fetched under one ETag never differ
  (every page of a small portal, identity and gzip).
- A page shows an article once: "Tin khác" leaves out what "Tin liên quan"
  and "Tin cũ hơn" show, and keeps its length while older articles remain.
"""

import gzip
import os
import shutil
import time
from pathlib import Path

import pytest

from bantin_httpd import REPO, Portal, article_xml, open_to_all, parse_html

PREFIX = "/etag"
DEADLINE = 15.0

CATS = ("Nông thôn mới", "Văn hóa", "Kinh tế")


def wait_for(fn, what, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Site:
    """A small portal of its own: files, fetches, and what its pages link to."""

    def __init__(self, httpd, root):
        self.httpd = httpd
        self.content = root / "content"
        self.templates = root / "templates"

    def path(self, slug):
        return self.content / f"{slug}.xml"

    def write(self, slug, **kw):
        """Writes (or replaces) an article atomically: a rename, as editors' tools do."""
        p = self.path(slug)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.tmp")
        tmp.write_text(article_xml(**kw), encoding="utf-8")
        open_to_all(tmp)
        os.rename(tmp, p)

    def get(self, path, gz=False):
        headers = {"Accept-Encoding": "gzip"} if gz else {}
        status, hdrs, body = self.httpd.raw("GET", path, headers)
        hdrs = {k.lower(): v for k, v in hdrs}
        return status, hdrs, body

    def text(self, path):
        status, hdrs, body = self.get(path)
        assert status == 200, (path, status)
        return hdrs.get("etag"), body.decode("utf-8")

    def links(self, path):
        """What an article page links to: {"newer": [slug], "older": [slug],
        "related": [slugs], "other": [slugs]}."""
        doc = parse_html(self.text(path)[1])

        def slugs(node):
            out = []
            for a in (node.find_all("a") if node is not None else []):
                href = a.get("href", "")
                if href.startswith(PREFIX + "/article/"):
                    out.append(href[len(PREFIX + "/article/"):])
            return out

        related = doc.find("section", cls="bantin-related")
        other = doc.find("section", cls="bantin-other")
        return {"newer": slugs(doc.find("p", cls="bantin-newer")),
                "older": slugs(doc.find("p", cls="bantin-older")),
                "related": slugs(related.find("ul") if related is not None else None),
                "other": slugs(other.find("ul") if other is not None else None)}

    def list_slugs(self, path):
        doc = parse_html(self.text(path)[1])
        ul = doc.find("ul", cls="bantin-list")
        return [a.get("href")[len(PREFIX + "/article/"):]
                for li in (ul.find_all("li", cls="bantin-item") if ul is not None else [])
                for a in li.find_all("a")[:1]]


def make_site(httpd, root, n=10, directives=()):
    """n articles a0..a{n-1}, one a day, in three categories, a{n-1} the newest."""
    site = Site(httpd, root)
    site.content.mkdir(parents=True)
    shutil.copytree(REPO / "templates", site.templates)
    for i in range(n):
        site.write(f"2024/a{i}", title=f"Bài số {i}", date=f"2024-01-{i + 1:02d}",
                   category=CATS[i % len(CATS)], summary=f"Tóm tắt {i}.")
    open_to_all(root)
    httpd.configure([Portal(PREFIX, site.content, site.templates,
                            directives=list(directives))])
    httpd.restart()
    return site


def retitle(site, slug, title):
    """The article's title changes; everything else stays."""
    xml = site.path(slug).read_text(encoding="utf-8")
    start, end = xml.index("<title>") + 7, xml.index("</title>")
    tmp = site.path(slug).with_name(".retitle.tmp")
    tmp.write_text(xml[:start] + title + xml[end:], encoding="utf-8")
    open_to_all(tmp)
    os.rename(tmp, site.path(slug))


def move(site, slug, new_slug):
    """The article's file moves: same bytes, another URL."""
    dst = site.path(new_slug)
    dst.parent.mkdir(parents=True, exist_ok=True)
    open_to_all(dst.parent)
    os.rename(site.path(slug), dst)


def changes_with(site, page, edit, shows):
    """Edits, waits until `page` shows the edit (`shows(text)`) and every
    serving process has published it (each of nginx's workers has its own
    snapshot: the next request may reach any), and checks that it did so
    under a new ETag, the old one no longer validating."""
    tag0, body0 = site.text(page)
    assert not shows(body0)
    pids, since = site.httpd.serving_pids(), site.httpd.log_end()
    assert pids
    edit()
    tag1, body1 = wait_for(lambda: (lambda t, b: (t, b) if shows(b) else None)(*site.text(page)),
                           f"{page} to show the edit")
    wait_for(lambda: site.httpd.published_everywhere(site.content, pids, since),
             f"every serving process {sorted(pids)} to publish the edit")
    assert body1 != body0
    assert tag1 != tag0, f"{page}: new bytes under the old ETag {tag0}"
    status, _, _ = site.httpd.raw("GET", page, {"If-None-Match": tag0})
    assert status == 200, f"{page}: the old ETag still validates"


ARTICLE = "2024/a5"


@pytest.fixture
def site(httpd, tmp_path):
    return make_site(httpd, tmp_path, directives=["BantinRelatedCount 2", "BantinPageSize 3"])


@pytest.mark.parametrize("part", ["newer", "older", "related", "other"])
@pytest.mark.parametrize("how", ["retitled", "moved"])
def test_article_etag_follows_its_neighbours(site, part, how):
    """Tin mới hơn, Tin cũ hơn, Tin liên quan, Tin khác: each is in the tag."""
    page = f"{PREFIX}/article/{ARTICLE}"
    shown = site.links(page)[part]
    assert shown, (part, site.links(page))
    slug = shown[-1]
    if how == "retitled":
        title = f"Đổi tên: {slug}"
        changes_with(site, page, lambda: retitle(site, slug, title), lambda b: title in b)
    else:
        new = slug.replace("2024/", "2024/chuyen/")
        changes_with(site, page, lambda: move(site, slug, new),
                     lambda b: f"{PREFIX}/article/{new}\"" in b)


# Home and category lists, first and second pages (BantinPageSize 3).
LISTS = [f"{PREFIX}/", f"{PREFIX}/?page=2", f"{PREFIX}/category/nong-thon-moi",
         f"{PREFIX}/category/nong-thon-moi?page=2"]
PAGES_SHOWING_THE_MENU = [f"{PREFIX}/article/{ARTICLE}"] + LISTS


@pytest.mark.parametrize("page", LISTS)
@pytest.mark.parametrize("how", ["retitled", "moved"])
def test_list_etag_follows_its_items(site, page, how):
    slug = site.list_slugs(page)[-1]
    if how == "retitled":
        title = f"Đổi tên: {slug}"
        changes_with(site, page, lambda: retitle(site, slug, title), lambda b: title in b)
    else:
        new = slug.replace("2024/", "2024/chuyen/")
        changes_with(site, page, lambda: move(site, slug, new),
                     lambda b: f"{PREFIX}/article/{new}\"" in b)


@pytest.mark.parametrize("page", PAGES_SHOWING_THE_MENU)
def test_etag_follows_the_categories_menu(site, page):
    """A new category, with one article older than all others (on no list
    page checked here, and beyond "Tin khác" of the article): the menu is
    all that changes on these pages."""
    def add():
        site.write("2023/cu-nhat", title="Bài cũ nhất", date="2023-01-01", category="Thể thao")
    changes_with(site, page, add, lambda b: f"{PREFIX}/category/the-thao\"" in b)


# ---- the property: one ETag, one body ------------------------------------

def all_pages(site):
    """Every page of the portal a reader can reach, found by following links
    from the home list and its pages."""
    pages, todo = set(), [f"{PREFIX}/"]
    while todo:
        p = todo.pop()
        if p in pages:
            continue
        pages.add(p)
        status, _, body = site.get(p)
        if status != 200:
            continue
        for a in parse_html(body.decode("utf-8")).find_all("a"):
            href = a.get("href", "")
            if (href.startswith(PREFIX + "/") and "feed.xml" not in href
                    and "/media/" not in href and "/static/" not in href):
                todo.append(href)
    return sorted(pages)


def test_one_etag_one_body_across_edits(httpd, tmp_path):
    site = make_site(httpd, tmp_path, n=8,
                     directives=["BantinRelatedCount 2", "BantinPageSize 3"])
    seen = {}  # ETag -> (body, page it came from)
    fetched = 0

    def sweep():
        nonlocal fetched
        for page in all_pages(site):
            for gz in (False, True):
                status, hdrs, body = site.get(page, gz)
                if status != 200:
                    continue
                tag = hdrs.get("etag")
                assert tag, page
                fetched += 1
                if gz and hdrs.get("content-encoding") == "gzip":
                    gzip.decompress(body)  # a whole gzip stream
                first = seen.setdefault(tag, (body, page))
                assert first[0] == body, (
                    f"ETag {tag}: two bodies ({first[1]} and {page}, gzip={gz})")

    def shows(page, text):
        return wait_for(lambda: text in site.text(page)[1], f"{page} showing {text!r}")

    edits = [
        # the older neighbour of a5 is retitled, then moved (the case)
        (lambda: retitle(site, "2024/a4", "Tin cũ đổi tên"), f"{PREFIX}/article/2024/a5", "Tin cũ đổi tên"),
        (lambda: move(site, "2024/a4", "2024/mot/a4"), f"{PREFIX}/article/2024/a5", "2024/mot/a4\""),
        # a newer neighbour and a related article change
        (lambda: retitle(site, "2024/a6", "Tin mới đổi tên"), f"{PREFIX}/article/2024/a5", "Tin mới đổi tên"),
        (lambda: retitle(site, "2024/a2", "Liên quan đổi tên"), f"{PREFIX}/article/2024/a5", "Liên quan đổi tên"),
        # an article changes category: lists, menus and neighbours shift
        (lambda: site.write("2024/a3", title="Bài số 3", date="2024-01-04", category="Kinh tế"),
         f"{PREFIX}/category/kinh-te", "2024/a3\""),
        # a new category, a new newest article, a deletion
        (lambda: site.write("2024/moi", title="Bài mới nhất", date="2024-02-01", category="Thể thao"),
         f"{PREFIX}/", "Bài mới nhất"),
        (lambda: os.remove(site.path("2024/a1")), f"{PREFIX}/?page=3", "Bài số 0"),
    ]
    sweep()
    for edit, page, text in edits:
        edit()
        shows(page, text)
        sweep()
    assert fetched > 200 and len(seen) > 50, (fetched, len(seen))


# ---- a page shows an article once ---------------------------------------

def sample_site(httpd, tmp_path, directives=()):
    content, templates = tmp_path / "content", tmp_path / "templates"
    shutil.copytree(REPO / "content", content)
    shutil.copytree(REPO / "templates", templates)
    open_to_all(tmp_path)
    httpd.configure([Portal(PREFIX, content, templates, directives=list(directives))])
    httpd.restart()
    return Site(httpd, tmp_path)


def sample_slugs():
    return sorted(str(p.relative_to(REPO / "content"))[:-4]
                  for p in (REPO / "content").rglob("*.xml"))


@pytest.mark.parametrize("count", [None, 2])
def test_every_article_page_shows_an_article_once(httpd, tmp_path, count):
    directives = ["BantinPageSize 100"] + ([f"BantinRelatedCount {count}"] if count else [])
    site = sample_site(httpd, tmp_path, directives)
    want = count or 5
    slugs = sample_slugs()
    order = site.list_slugs(f"{PREFIX}/")  # every visible article, newest first
    assert sorted(order) == slugs
    for slug in slugs:
        shown = site.links(f"{PREFIX}/article/{slug}")
        listed = shown["related"] + shown["other"] + shown["older"] + shown["newer"]
        assert len(listed) == len(set(listed)), (slug, shown)
        assert slug not in listed, (slug, shown)
        # "Tin khác" keeps its length while there are older articles to show
        older = order[order.index(slug) + 1:]
        left = [s for s in older if s not in shown["related"] + shown["older"]]
        assert len(shown["other"]) == min(want, len(left)), (slug, shown)
        assert shown["other"] == left[:want], (slug, shown)
