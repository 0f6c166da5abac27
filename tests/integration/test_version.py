"""One version everywhere: VERSION, the Debian packages, the module.

The file VERSION is the project's version; debian/changelog follows it
(`make deb` refuses to build when they differ), and the module says it in
its BT0001 start line and on its status page, the checker's man page in
its header.  An admin reading any of them, or `dpkg -l`, sees one number.
"""

import re

from bantin_httpd import REPO, parse_html, status_location

VERSION = (REPO / "VERSION").read_text().strip()


def test_version_is_a_debian_upstream_version():
    assert re.fullmatch(r"[0-9]+(\.[0-9]+)+", VERSION), VERSION


def test_debian_changelog_follows_version():
    first = (REPO / "debian" / "changelog").read_text().splitlines()[0]
    assert re.match(rf"^mod-bantin \({re.escape(VERSION)}\) ", first), first


def test_man_page_header_says_version():
    th = next(line for line in (REPO / "docs" / "bantin-check.1").read_text().splitlines()
              if line.startswith(".TH "))
    assert f'"mod_bantin {VERSION}"' in th, th


def test_start_line_and_status_page_say_version(httpd):
    httpd.configure(httpd.default_portals, extra=status_location())
    httpd.log_mark()
    httpd.restart()
    starts = httpd.find_log(r"BT0001 mod_bantin \S+ started")
    assert starts, httpd.log_tail()
    assert all(f"BT0001 mod_bantin {VERSION} started, serving 2 content dirs" in line
               for line in starts), starts
    page = parse_html(httpd.get("/bantin-status").text)
    assert page.find(cls="bantin-version").text() == VERSION
