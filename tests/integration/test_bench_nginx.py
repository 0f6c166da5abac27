"""bench/bench_nginx.py, the nginx side of `make bench`: in one nginx, the
static copy of a page must be what the A/B comparison takes it for, the
module's answer as a file: the same bytes and headers, but for what nginx
makes itself for a file; under /static-gz/ nginx compresses it per
request."""

import gzip
import shutil
import sys

import pytest

from bantin_httpd import REPO, SEED_SLUG, module_path
from bantin_nginx import nginx_module_path

sys.path.insert(0, str(REPO / "bench"))
import bench_nginx  # noqa: E402

COOKIE = "Cookie: bantin_fs=4"
# What nginx says of a file and the module of a page in its own way.
OWN = {"date", "etag", "last-modified", "accept-ranges"}


@pytest.fixture
def bench_server(tmp_path):
    if module_path() is None:
        pytest.skip("BANTIN_MODULE=none: running without the modules")
    mod = nginx_module_path()
    if not mod.exists():
        pytest.fail(f"{mod} does not exist: run `make` first (or set BANTIN_NGINX_MODULE)")
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    n = bench_nginx.NginxBench(tmp_path / "nginx", tmp_path / "content", tmp_path / "templates", mod)
    n.start()
    yield n
    n.stop()
    assert n.problems() == []


def test_static_copy_is_the_module_answer(bench_server):
    n = bench_server
    page = f"/portal/article/{SEED_SLUG}"
    n.save_static("article.html", page)
    n.publish()
    m = n.get(page, [COOKIE])
    s = n.get("/static/article.html", [COOKIE])
    assert m.status_code == s.status_code == 200
    assert s.content == m.content
    mh = {k.lower(): v for k, v in m.headers.items() if k.lower() not in OWN}
    sh = {k.lower(): v for k, v in s.headers.items() if k.lower() not in OWN}
    assert sh == mh
    assert s.headers["Accept-Ranges"] == "bytes" and s.headers["ETag"]
    assert n.header_notes["article.html"] == [
        f"{k}: module {m.headers.get(k)!r}, static {s.headers.get(k)!r}"
        for k in ("accept-ranges", "etag", "last-modified")
        if m.headers.get(k) != s.headers.get(k)]


def test_static_gz_copy_is_compressed_per_request(bench_server):
    n = bench_server
    page = f"/portal/article/{SEED_SLUG}"
    n.save_static("article.html", page)
    n.publish()
    for path in (page, "/static-gz/article.html"):
        r = n.session.get(n.base + path, headers={"Cookie": "bantin_fs=4", "Accept-Encoding": "gzip"},
                          stream=True, timeout=10)
        raw = r.raw.read(decode_content=False)
        assert r.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(raw) == n.get(page, [COOKIE]).content, path
    assert "gzip_comp_level 1;" in n.conf.read_text()
