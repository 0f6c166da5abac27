"""Categories have one name (issue #14), and titles written over several lines.

Two spellings are one category when they give the same slug.  The name shown
everywhere (menu, category page title and <h1>, breadcrumb, lists, feeds,
the search filter) is the names file's (content/chuyen-muc.xml), or else the
spelling most articles use, spacing folded, ties to the oldest article's.
"""

import html
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections import Counter

from bantin_httpd import Portal, article_xml, portal_html, write_article

DEADLINE = 20.0
POLL = 0.05
PID = re.compile(r"\[pid (\d+)")

# (slug, date, spelling): newest last; the newest misspells it
SPELLINGS = [
    ("2024/mot", "2024-03-01", "Nông thôn mới"),
    ("2024/hai", "2024-03-02", "Nông thôn mới"),
    ("2024/ba", "2024-03-03", "nong thon moi"),
    ("2024/bon", "2024-03-04", "Nông  thôn   mới"),
    ("2024/nam", "2024-03-05", "Nông Thôn Mới"),
]
OTHER = ("2024/kinh-te", "2024-03-06", "Kinh tế")
CAT = "nong-thon-moi"


def fold_space(s):
    return " ".join(s.split())


def expected_name(uses):
    """The rule, from (date, spelling) pairs: most used, ties to the oldest."""
    uses = sorted(uses)  # oldest first
    counts = Counter(fold_space(s) for _, s in uses)
    first = {}
    for i, (_, s) in enumerate(uses):
        first.setdefault(fold_space(s), i)
    return min(counts, key=lambda s: (-counts[s], first[s]))


def make_site(tmp_path, site_copy, extra=()):
    _, templates = site_copy
    content = tmp_path / "own-content"
    for slug, date, cat in [*SPELLINGS, OTHER, *extra]:
        write_article(content, slug, title=f"Bài {slug}", date=date, category=cat)
    return content, templates


def serve(httpd, content, templates, *expect):
    httpd.configure([Portal("/portal", content, templates)])
    if expect:
        httpd.expect_log(*expect)
    httpd.restart()


def menu(doc):
    nav = doc.find("nav", cls="bantin-menu")
    return {a.get("href").rsplit("/", 1)[-1]: a.text() for a in nav.find_all("a")
            if "/category/" in a.get("href")}


def raw_title(resp):
    """The <title> as sent (whitespace and all), entities decoded."""
    return html.unescape(re.search(r"<title>(.*?)</title>", resp.text, re.S).group(1))


def feed(httpd, path):
    r = httpd.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return ET.fromstring(r.content).find("channel")


def assert_named_everywhere(httpd, name, newest_slug):
    """One category, called `name` on every page that shows it."""
    # menu (on the home page and a category page), once, by that name
    home = portal_html(httpd.get("/portal/"))
    assert menu(home)[CAT] == name
    assert list(menu(home)).count(CAT) == 1
    page = httpd.get(f"/portal/category/{CAT}")
    doc = portal_html(page)
    assert menu(doc)[CAT] == name
    assert raw_title(page).startswith(f"{name} - "), raw_title(page)
    assert doc.find("h1").text() == name
    # every list item's category link
    cats = [a.text() for a in doc.find_all("a", cls="bantin-item-category")]
    assert cats and set(cats) == {name}, cats
    # the breadcrumb of an article that spells it otherwise
    art = portal_html(httpd.get(f"/portal/article/{newest_slug}"))
    crumbs = art.find("nav", cls="bantin-breadcrumb")
    assert name in [a.text() for a in crumbs.find_all("a")]
    # the feeds: item categories and the category feed's title
    items = feed(httpd, "/portal/feed.xml").findall("item")
    shown = {i.findtext("category") for i in items}
    assert shown == {name, OTHER[2]}, shown
    ch = feed(httpd, f"/portal/category/{CAT}/feed.xml")
    assert ch.findtext("title").startswith(f"{name} - "), ch.findtext("title")
    # the search filter
    s = portal_html(httpd.get("/portal/search?q=b%C3%A0i&category=" + CAT))
    opts = {o.get("value"): o.text() for o in s.find("select", id="bantin-q-category").find_all("option")}
    assert opts[CAT] == name


def wait_for(httpd, path, status=200):
    deadline = time.monotonic() + DEADLINE
    while httpd.get(path).status_code != status:
        assert time.monotonic() < deadline, f"{path} never answered {status}"
        time.sleep(POLL)


def test_four_spellings_are_one_category_with_a_stable_name(httpd, site_copy, tmp_path):
    content, templates = make_site(tmp_path, site_copy)
    serve(httpd, content, templates)
    name = expected_name([(d, s) for _, d, s in SPELLINGS])
    assert name == "Nông thôn mới"  # the rule picks what most wrote
    assert_named_everywhere(httpd, name, SPELLINGS[-1][0])

    # A newer article spelled another way renames nothing, in any process.
    write_article(content, "2024/sau", title="Bài mới nhất", date="2024-03-07",
                  category="NÔNG THÔN MỚI")
    wait_for(httpd, "/portal/article/2024/sau")
    for _ in range(6):
        assert_named_everywhere(httpd, name, "2024/sau")


def test_ties_go_to_the_oldest_spelling(httpd, site_copy, tmp_path):
    _, templates = site_copy
    content = tmp_path / "tie"
    uses = [("2024-01-01", "Giáo dục"), ("2024-01-02", "giao duc"),
            ("2024-01-03", "Giáo dục"), ("2024-01-04", "giao duc")]
    for i, (d, s) in enumerate(uses):
        write_article(content, f"t{i}", title=f"T{i}", date=d, category=s)
    serve(httpd, content, templates)
    name = expected_name(uses)
    assert name == uses[0][1] != uses[-1][1]
    assert menu(portal_html(httpd.get("/portal/")))["giao-duc"] == name


NAMES = ('<?xml version="1.0" encoding="UTF-8"?>\n<categories>\n'
         '  <category slug="nong-thon-moi">Nông thôn mới &amp; &lt;NTM&gt;</category>\n'
         "</categories>\n")
BROKEN = ('<?xml version="1.0" encoding="UTF-8"?>\n<categories>\n'
          '  <category slug="nong-thon-moi">A</category>\n'
          '  <category slug="nong-thon-moi">B</category>\n'
          "</categories>\n")


def test_names_file_names_categories_and_is_no_article(httpd, site_copy, tmp_path):
    content, templates = make_site(tmp_path, site_copy)
    (content / "chuyen-muc.xml").write_text(NAMES, encoding="utf-8")
    mark = len(httpd.log_text())
    serve(httpd, content, templates)
    assert_named_everywhere(httpd, "Nông thôn mới & <NTM>", SPELLINGS[-1][0])
    # escaped where it is shown
    assert "&lt;NTM&gt;" in httpd.get("/portal/").text
    # never an article, never refused as one
    assert httpd.get("/portal/article/chuyen-muc").status_code == 404
    assert "BT0101" not in httpd.log_text()[mark:]
    assert "chuyen-muc" not in httpd.get("/portal/sitemap.xml").text

    # Removed: the articles' most used spelling again, live.
    (content / "chuyen-muc.xml").unlink()
    name = expected_name([(d, s) for _, d, s in SPELLINGS])
    deadline = time.monotonic() + DEADLINE
    while menu(portal_html(httpd.get("/portal/")))[CAT] != name:
        assert time.monotonic() < deadline, "the names file's removal was not noticed"
        time.sleep(POLL)


def test_menu_follows_the_names_file_order(httpd, site_copy, tmp_path):
    content, templates = make_site(tmp_path, site_copy, extra=[
        ("giao-duc", "2024-02-01", "Giáo dục"), ("am-nhac", "2024-02-02", "Âm nhạc")])
    listed = ["kinh-te", "nong-thon-moi"]  # not in slug order
    (content / "chuyen-muc.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<categories>\n'
        + "".join(f'  <category slug="{s}">Mục {s}</category>\n' for s in listed)
        + "</categories>\n", encoding="utf-8")
    serve(httpd, content, templates)
    shown = list(menu(portal_html(httpd.get("/portal/"))))
    rest = sorted(set(shown) - set(listed))
    assert rest == ["am-nhac", "giao-duc"]
    assert shown == listed + rest


def test_broken_names_file_is_reported_once_and_falls_back(httpd, site_copy, tmp_path):
    content, templates = make_site(tmp_path, site_copy)
    names = content / "chuyen-muc.xml"
    names.write_text(BROKEN, encoding="utf-8")
    line_rx = rf"BT0131 {re.escape(str(names))}:4:3: category nong-thon-moi is already named on line 3"
    serve(httpd, content, templates, line_rx)
    name = expected_name([(d, s) for _, d, s in SPELLINGS])
    for _ in range(10):
        assert_named_everywhere(httpd, name, SPELLINGS[-1][0])
    lines = httpd.find_log(line_rx)
    assert len(lines) == 1, lines
    assert httpd.level("error") in lines[0], lines[0]
    assert "BT0101" not in "".join(httpd.find_log("chuyen-muc"))

    # Mended under the running server: its name, and no further line.
    names.write_text(NAMES, encoding="utf-8")
    deadline = time.monotonic() + DEADLINE
    while menu(portal_html(httpd.get("/portal/")))[CAT] != "Nông thôn mới & <NTM>":
        assert time.monotonic() < deadline, "the mended names file was not read"
        time.sleep(POLL)
    assert len(httpd.find_log(line_rx)) == 1


MULTI_LINE = "Hội nghị\n      xúc tiến   đầu tư\n\tBắc Kạn  2024"


def test_title_over_several_lines_is_folded_everywhere(httpd, site_copy, tmp_path):
    content, templates = make_site(tmp_path, site_copy)
    xml = article_xml("X", "2024-03-08", category="Kinh tế")
    xml = xml.replace("<title>X</title>", f"<title>\n    {MULTI_LINE}\n  </title>")
    (content / "2024" / "nhieu-dong.xml").write_text(xml, encoding="utf-8")
    serve(httpd, content, templates)
    folded = fold_space(MULTI_LINE)

    r = httpd.get("/portal/article/2024/nhieu-dong")
    doc = portal_html(r)
    assert raw_title(r).startswith(f"{folded} - "), raw_title(r)
    assert doc.find("h1").text() == folded
    og = [m for m in doc.find_all("meta") if m.get("property") == "og:title"]
    assert [m.get("content") for m in og] == [folded]
    mail = doc.find("a", cls="bantin-share-mail").get("href")
    subject = urllib.parse.parse_qs(urllib.parse.urlsplit(mail).query)["subject"]
    assert subject == [folded]
    # lists and feeds
    home = portal_html(httpd.get("/portal/"))
    assert folded in [a.text() for a in home.find("ul", cls="bantin-list").find_all("a")]
    assert re.search(r"<a [^>]*>" + re.escape(folded) + "</a>", httpd.get("/portal/").text)
    titles = [i.findtext("title") for i in feed(httpd, "/portal/feed.xml").findall("item")]
    assert folded in titles
    # the search results
    s = httpd.get("/portal/search?q=" + urllib.parse.quote("xúc tiến"))
    assert re.search(re.escape(folded), s.text)
    assert "\t" not in s.text.split("bantin-results", 1)[-1]
