"""What only the nginx module has to prove: nginx's `gzip on` never
compresses the module's gzip form again, `nginx -t` loads and writes
nothing, the %2F that nginx decodes into the path is refused as httpd
refuses it, a reload with a broken config keeps the old one serving, and
a slow search does not stall the worker's event loop.  Runs once, on
nginx servers of its own."""

import fcntl
import gzip
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import shutil

from bantin_httpd import REPO, Portal
from bantin_nginx import NGINX_BIN, BantinNginx, nginx_module_path

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


def nginx_cmd(h, *args):
    p = subprocess.run([NGINX_BIN, "-p", str(h.root), "-c", str(h.conf_file), *args],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def test_reload_with_a_broken_template_keeps_serving_and_stop_works(tmp_path):
    """A reload refuses a broken config (the old one serves on); nginx -s
    stop reads the config too and stops whatever the template says."""
    site = tmp_path / "site"
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, site / name)
    h = BantinNginx(tmp_path / "server", module=nginx_module_path())
    h.configure([Portal("/portal", site / "content", site / "templates")])
    h.start()
    try:
        layout = site / "templates" / "layout.html"
        layout.write_text(layout.read_text() + "{{#no-such-block}}\n")
        rc, out = nginx_cmd(h, "-t")
        assert rc != 0 and "bantin_template_dir" in out and "layout.html:" in out, out
        h.expect_log(r"bantin_template_dir: .*layout\.html")  # the refused reload
        rc, out = nginx_cmd(h, "-s", "reload")
        assert rc == 0, out  # the signal is sent; the master keeps its config
        deadline = time.monotonic() + 10
        while not h.find_log(r"bantin_template_dir: .*layout\.html"):
            assert time.monotonic() < deadline, h.log_tail()
            time.sleep(0.1)
        assert h.get("/portal/").status_code == 200
        pid = h.pid()
        rc, out = nginx_cmd(h, "-s", "stop")
        assert rc == 0, out
        deadline = time.monotonic() + 10
        while h._alive(pid):
            assert time.monotonic() < deadline, "nginx did not stop"
            time.sleep(0.05)
    finally:
        h.stop()


def test_a_slow_search_does_not_stall_the_worker(tmp_path):
    """Search queries run in nginx's thread pool, off the event loop.  With
    one worker, a search held up by a locked index must not hold up the
    worker's other connections: pages asked for after it are answered
    while it still waits."""
    site = tmp_path / "site"
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, site / name)
    h = BantinNginx(tmp_path / "server", module=nginx_module_path(), workers=1)
    h.configure([Portal("/portal", site / "content", site / "templates")])
    h.start()
    lock = None
    try:
        word = "giúp"  # in the seed article's title
        deadline = time.monotonic() + 60
        while "Đang lập chỉ mục" in h.get("/portal/search", params={"q": word}).text:
            assert time.monotonic() < deadline, "the index was never complete"
            time.sleep(0.1)
        [index] = (h.root / "run" / "bantin-state").glob("*/search.sqlite")
        # SQLite's WAL readers each take a read mark in the -shm file
        # (fcntl locks on bytes 123-127); holding them all keeps every
        # reader retrying, about 10 s, before it gives up
        lock = open(f"{index}-shm", "r+b")
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB, 5, 123)
        with ThreadPoolExecutor(1) as pool:
            search = pool.submit(requests.get, h.url("/portal/search"), params={"q": word},
                                 timeout=60)
            for _ in range(3):
                page = h.get(ARTICLE, timeout=30)
                assert page.status_code == 200
                assert not search.done(), "a page waited for a search"
            lock.close()  # the search goes on, and answers
            lock = None
            assert search.result().status_code in (200, 503)
    finally:
        if lock is not None:
            lock.close()
        h.stop()
