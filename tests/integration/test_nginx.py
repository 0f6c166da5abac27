"""What only the nginx module has to prove: nginx's `gzip on` never
compresses the module's gzip form again, `nginx -t` loads and writes
nothing, and the %2F that nginx decodes into the path is refused as httpd
refuses it.  Runs once, on an nginx of its own."""

import gzip

import pytest

from bantin_httpd import Portal
from bantin_nginx import BantinNginx, nginx_module_path

ARTICLE = "/portal/article/2024/giup-do-xa-kho-khan"
MEDIA = "/portal/media/images/ho-ba-be.png"


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    if not nginx_module_path().exists():
        pytest.fail(f"{nginx_module_path()} does not exist: run `make` first")
    h = BantinNginx(tmp_path_factory.mktemp("nginx-only"), module=nginx_module_path())
    h.http_extra = ["gzip on;", "gzip_min_length 1;", "gzip_proxied any;",
                    "gzip_types text/css application/xml application/rss+xml;"]
    h.configure([Portal("/portal")])
    h.log_mark()
    h.start()
    yield h
    problems = h.log_problems()
    h.stop()
    assert not problems, problems


@pytest.mark.parametrize("path", ["/portal/", ARTICLE, "/portal/feed.xml",
                                  "/portal/static/bantin.css"])
def test_gzip_on_compresses_nothing_twice(nginx, path):
    status, plain_headers, plain = nginx.raw("GET", path)
    status_gz, headers, body = nginx.raw("GET", path, {"Accept-Encoding": "gzip"})
    assert status == status_gz == 200
    encodings = [v for k, v in headers if k.lower() == "content-encoding"]
    assert encodings == ["gzip"], headers
    assert gzip.decompress(body) == plain, path


def test_config_test_writes_nothing(nginx, tmp_path):
    state, cache = tmp_path / "state", tmp_path / "startcache"
    rc, out = nginx.config_test(Portal("/portal", directives=[
        f'BantinStateDir "{state}"', f'BantinStartCacheDir "{cache}"']))
    assert rc == 0, out
    assert not state.exists() and not cache.exists(), out


def test_encoded_slash_is_refused(nginx):
    assert nginx.raw("GET", MEDIA)[0] == 200
    for path in (MEDIA.replace("images/", "images%2F"), MEDIA.replace("images/", "images%2f"),
                 "/portal/article/2024%2Fgiup-do-xa-kho-khan"):
        status, _, body = nginx.raw("GET", path)
        assert status == 404, path
        assert b"<article" not in body and b"PNG" not in body
