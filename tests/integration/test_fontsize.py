"""Font size: the /fontsize route, the cookie, clamping, and hostile input."""

import pytest
import requests

from bantin_httpd import SEED_SLUG, body_fs, fontsize, parse_html, portal_html

ARTICLE = f"article/{SEED_SLUG}"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_fontsize_sets_cookie_and_redirects(httpd, method):
    status, _, location, cookies = fontsize(httpd, "up", ARTICLE, method)
    assert status == 303
    assert location == f"/portal/{ARTICLE}"
    value, attrs = cookies["bantin_fs"]
    assert value == "4"
    assert attrs["path"] == "/portal"
    assert attrs["samesite"].lower() == "lax"
    assert attrs["max-age"] == "31536000"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_fontsize_back_home(httpd, method):
    status, _, location, cookies = fontsize(httpd, "down", "", method)
    assert status == 303
    assert location == "/portal/"
    assert cookies["bantin_fs"][0] == "2"


@pytest.mark.parametrize("current,step,new", [
    (None, "up", "4"), (None, "down", "2"),
    ("3", "up", "4"), ("4", "up", "5"), ("5", "up", "5"),
    ("3", "down", "2"), ("2", "down", "1"), ("1", "down", "1"),
    ("garbage", "up", "4"), ("99", "down", "2"),
    ("1", "5", "5"), ("5", "1", "1"), (None, "2", "2"),
])
def test_fontsize_steps_and_clamping(httpd, current, step, new):
    cookie = f"bantin_fs={current}" if current is not None else None
    status, _, location, cookies = fontsize(httpd, step, ARTICLE, cookie=cookie)
    assert status == 303
    assert location == f"/portal/{ARTICLE}"
    assert cookies["bantin_fs"][0] == new


@pytest.mark.parametrize("step", ["0", "6", "-1", "99999999999999999999", "abc", "", "up%00",
                                  "UP"])
def test_fontsize_bad_step(httpd, step):
    status, _, location, cookies = fontsize(httpd, step, ARTICLE, cookie="bantin_fs=3")
    assert status in (303, 400), status
    if "bantin_fs" in cookies:
        assert cookies["bantin_fs"][0] in {"1", "2", "3", "4", "5"}
    if status == 303:
        assert location.startswith("/portal/")


@pytest.mark.parametrize("fs,up_disabled,down_disabled", [
    ("1", False, True), ("3", False, False), ("5", True, False)])
def test_buttons_disabled_at_the_ends(httpd, fs, up_disabled, down_disabled):
    r = httpd.get(f"/portal/{ARTICLE}", cookies={"bantin_fs": fs})
    doc = portal_html(r)
    assert body_fs(doc) == [f"bantin-fs-{fs}"]
    assert doc.find("button", cls="bantin-fs-up").has("disabled") == up_disabled
    assert doc.find("button", cls="bantin-fs-down").has("disabled") == down_disabled


@pytest.mark.parametrize("path", ["/portal/", f"/portal/{ARTICLE}"])
def test_cookie_sets_body_class(httpd, path):
    assert body_fs(portal_html(httpd.get(path, cookies={"bantin_fs": "5"}))) == ["bantin-fs-5"]
    assert body_fs(portal_html(httpd.get(path, cookies={"bantin_fs": "1"}))) == ["bantin-fs-1"]


def test_cookie_among_others(httpd):
    status, _, body = httpd.raw("GET", f"/portal/{ARTICLE}",
                                {"Cookie": "a=1; bantin_fs=5; z=bantin_fs"})
    assert status == 200
    assert body_fs(parse_html(body.decode())) == ["bantin-fs-5"]


# Cookie headers that must all give the default step 3. The second element says
# whether the raw value is distinctive enough to check that it is never echoed.
BAD_COOKIES = [
    ("bantin_fs=abc", False),
    ("bantin_fs=0", False),
    ("bantin_fs=6", False),
    ("bantin_fs=-1", False),
    ("bantin_fs=+4", False),
    ("bantin_fs=4abc", False),
    ("bantin_fs=4.5", False),
    ('bantin_fs="5"', False),
    ("bantin_fs=%35", False),
    ("bantin_fs=", False),
    ("bantin_fs=99999999999999999999", True),
    ("bantin_fs=-123456789", True),
    ("bantin_fs=4294967299", True),
    ('bantin_fs="zq<script>alert(1)</script>"', True),
    ("bantin_fs=zq%3Cscript%3Ezz", True),
    ("bantin_fs=zqzq'\"onmouseover=alert(1)", True),
    ("bantin_fs=" + "5" * 5000, True),
    ("xbantin_fs=5", False),
    ("bantin_fsx=5", False),
    ("a=bantin_fs=5", False),
    ("bantin_fs", False),
]


@pytest.mark.parametrize("cookie,check_echo", BAD_COOKIES)
@pytest.mark.parametrize("path", ["/portal/", f"/portal/{ARTICLE}", "/portal/khong-co"])
def test_bad_cookie_gives_default(httpd, cookie, check_echo, path):
    status, headers, body = httpd.raw("GET", path, {"Cookie": cookie})
    assert status in (200, 404)
    text = body.decode("utf-8")
    assert body_fs(parse_html(text)) == ["bantin-fs-3"]
    if check_echo:
        raw = cookie.partition("=")[2]
        for needle in {raw, raw.strip('"'), raw[:12], raw.strip('"')[:12]}:
            assert needle not in text
            assert all(needle not in v for _, v in headers)


@pytest.mark.parametrize("cookie,check_echo", BAD_COOKIES)
def test_bad_cookie_fontsize_starts_from_default(httpd, cookie, check_echo):
    status, headers, _, cookies = fontsize(httpd, "up", ARTICLE, cookie=cookie)
    assert status == 303
    assert cookies["bantin_fs"][0] == "4"
    if check_echo:
        raw = cookie.partition("=")[2]
        assert all(raw.strip('"')[:12] not in v for _, v in headers)


OFF_SITE = [
    "//evil.example",
    "//evil.example/",
    "https://evil.example",
    "https://evil.example/portal/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "%2f%2fevil.example",
    "article/x\r\nSet-Cookie: pwn=1",
    "\r\nLocation: https://evil.example",
    "article/x\nX-Pwn: 1",
    "../../evil",
    "article/../../evil",
    "article//evil.example",
    "ARTICLE/X",
    "article/x?next=//evil.example",
    "article/x#//evil.example",
    "article/x\x00//evil.example",
    "article/x@evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("back", OFF_SITE, ids=repr)
def test_redirect_never_off_site(httpd, method, back):
    status, headers, location, cookies = fontsize(httpd, "up", back, method)
    assert status == 303
    assert location == "/portal/", location
    names = {k.lower() for k, _ in headers}
    assert "x-pwn" not in names
    assert "pwn" not in cookies
    assert all("evil" not in v for _, v in headers)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_long_back(httpd, method):
    """A very long back value may be refused outright, but never followed."""
    status, headers, location, cookies = fontsize(httpd, "up", "a" * 5000 + "//", method)
    assert status in (303, 400, 413)
    if status == 303:
        assert location == "/portal/"


@pytest.mark.parametrize("raw_query", [
    "step=up&back=%2F%2Fevil.example",
    "step=up&back=https%3A%2F%2Fevil.example",
    "step=up&back=%5C%5Cevil.example",
    "step=up&back=article%2Fx%0D%0ASet-Cookie%3A%20pwn%3D1",
    "step=up&back=%0d%0aLocation:%20https://evil.example",
    "step=up&back=//evil.example&back=article/x",
    "step=up&back=article/x&back=//evil.example",
    "step=up&back=%E2%80%8B//evil.example",
    "step=up&back=%",
    "step=up&back=%zz",
])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_redirect_never_off_site_raw(httpd, method, raw_query):
    status, headers, location, cookies = fontsize(httpd, None, None, method, raw_query=raw_query)
    assert status in (303, 400)
    if status == 303:
        assert location.startswith("/portal/"), location
        assert "evil" not in location
    assert "pwn" not in cookies
    assert all("evil" not in v for _, v in headers)


def test_valid_back_routes(httpd):
    for back in ["", "article/2024/giup-do-xa-kho-khan", "article/khong-co", "khong-co"]:
        _, _, location, _ = fontsize(httpd, "up", back)
        assert location == f"/portal/{back}"


def test_font_cookie_flow_in_a_browser_like_session(httpd):
    s = requests.Session()
    s.trust_env = False
    url = httpd.url(f"/portal/{ARTICLE}")
    for _ in range(4):
        r = s.post(httpd.url("/portal/fontsize"), data={"step": "up", "back": ARTICLE},
                   allow_redirects=True, timeout=10)
        assert r.status_code == 200 and r.url == url
    doc = portal_html(r)
    assert body_fs(doc) == ["bantin-fs-5"]
    assert doc.find("button", cls="bantin-fs-up").has("disabled")
    for _ in range(5):
        r = s.get(httpd.url("/portal/fontsize"), params={"step": "down", "back": ""},
                  allow_redirects=True, timeout=10)
    assert r.url == httpd.url("/portal/")
    assert body_fs(portal_html(r)) == ["bantin-fs-1"]


def test_cookie_path_follows_prefix(httpd):
    status, _, location, cookies = fontsize(httpd, "up", "", prefix="/tin")
    assert status == 303 and location == "/tin/"
    assert cookies["bantin_fs"][1]["path"] == "/tin"
