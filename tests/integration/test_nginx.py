"""What only the nginx module has to prove: nginx's `gzip on` never
compresses the module's gzip form again, `nginx -t` loads and writes
nothing, the %2F that nginx decodes into the path is refused as httpd
refuses it, a reload with a broken config keeps the old one serving, and
a slow search does not stall the worker's event loop.  Runs on nginx
servers of its own.

And the process model: each worker reads its inotify descriptor in its own
event loop (the descriptor is registered in the worker's epoll instance, and
no thread of the worker waits in poll() on it as the core's watcher thread
does in httpd); every worker publishes a change with no request; a worker
forked after another was killed serves what changed since the master loaded
the content; reloads and stops leave no descriptor behind."""

import fcntl
import gzip
import os
import platform
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

import shutil

from bantin_httpd import REPO, Portal, write_article
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


# ---- each worker's inotify descriptor in its event loop ----------------------

DEADLINE = 10.0  # a change not seen by then is lost, not late
POLL = 0.05
# poll() and ppoll(), by the machine's syscall numbers (/proc/<pid>/task/*/syscall)
POLL_SYSCALLS = {"x86_64": {7, 271}, "aarch64": {73}}.get(platform.machine(), set())


def fd_kinds(pid):
    """What a process's descriptors are, without the numbers of sockets and
    pipes (a reload makes new ones to talk to new workers)."""
    return sorted(re.sub(r":\[\d+\]$", "", what) for what in fd_links(pid).values())


def fd_links(pid):
    """{fd: what it is} of a process ("anon_inode:inotify", "socket:[…]", …)."""
    out = {}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            out[int(fd.name)] = os.readlink(fd)
        except OSError:
            pass  # closed meanwhile
    return out


def inotify_fds(pid):
    return sorted(fd for fd, what in fd_links(pid).items() if what == "anon_inode:inotify")


def epoll_targets(pid):
    """The descriptors registered in the process's epoll instances (fdinfo's tfd)."""
    out = set()
    for fd, what in fd_links(pid).items():
        if what == "anon_inode:[eventpoll]":
            try:
                info = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
            except OSError:
                continue
            out |= {int(m) for m in re.findall(r"^tfd:\s+(\d+)", info, re.M)}
    return out


def threads_in_poll(pid):
    """Threads of pid blocked in poll() or ppoll() now."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            call = task.joinpath("syscall").read_text().split()
        except OSError:
            continue
        if call and call[0].isdigit() and int(call[0]) in POLL_SYSCALLS:
            found.append(int(task.name))
    return found


def workers_of(h, n):
    """The n workers of h's master, once there are n of them."""
    deadline = time.monotonic() + DEADLINE
    while True:
        workers = sorted(w for w in h._children(h.pid()) if h._alive(w))
        if len(workers) == n:
            return workers
        assert time.monotonic() < deadline, f"{len(workers)} workers, not {n}: {h.log_tail()}"
        time.sleep(POLL)


def watching_in_loop(h, pid):
    """Waits until worker pid has its one inotify descriptor (one content dir)
    in its epoll instance, as init_process leaves it; fails at DEADLINE."""
    deadline = time.monotonic() + DEADLINE
    while True:
        fds = inotify_fds(pid)
        if len(fds) == 1 and fds[0] in epoll_targets(pid):
            return fds[0]
        assert time.monotonic() < deadline, (
            f"worker {pid}: inotify descriptors {fds}, epoll watches {sorted(epoll_targets(pid))}")
        time.sleep(POLL)


@pytest.fixture
def watched(tmp_path):
    """An nginx of its own (2 workers) over a copy of content/, with the
    module's debug lines (BT0107) in its error log; stopped after the test,
    whose error log must hold no problem."""
    site = tmp_path / "site"
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, site / name)
    old_umask = os.umask(0o022)  # the workers (nobody) read what tests write
    h = BantinNginx(tmp_path / "server", module=nginx_module_path())
    h.configure([Portal("/portal", site / "content", site / "templates")])
    h.log_mark()
    h.start()
    yield h, site / "content"
    problems = h.log_problems()
    h.stop()
    os.umask(old_umask)
    assert not problems, problems


def test_each_worker_reads_inotify_in_its_event_loop(watched):
    h, _ = watched
    workers = workers_of(h, 2)
    for pid in workers:
        watching_in_loop(h, pid)
    # and no thread of a worker waits in poll(): the core's watcher thread,
    # where it reads inotify itself, spends its idle time there (between its
    # pacing sleeps: looked at 20 times over a second)
    for _ in range(20 if POLL_SYSCALLS else 0):
        for pid in workers:
            assert not threads_in_poll(pid), f"worker {pid}: a thread in poll()"
        time.sleep(POLL)


def published_by(h, content, workers):
    """{worker: (articles changed, published now)} of each worker's last
    BT0107 update line since the log mark."""
    rx = re.compile(rf"BT0107 {re.escape(str(content))}: (\d+) articles changed, (\d+) published now")
    last = {}
    for line in h.find_log(rx.pattern):
        pid = int(h.LOG_PID.search(line).group(1))
        if pid in workers:
            last[pid] = tuple(int(x) for x in rx.search(line).groups())
    return last


def every_worker_publishes(h, content, workers, check, what):
    """Polls, sending no request, until every worker's last update line since
    the log mark satisfies check((changed, published)); returns the lines."""
    deadline = time.monotonic() + DEADLINE
    while True:
        last = published_by(h, content, workers)
        if set(last) == set(workers) and all(check(v) for v in last.values()):
            return last
        assert time.monotonic() < deadline, (
            f"{what}: not published by every worker with no request: {last} of {workers}")
        time.sleep(POLL)


def test_every_worker_publishes_changes_with_no_request(watched):
    h, content = watched
    workers = workers_of(h, 2)
    for pid in workers:
        watching_in_loop(h, pid)
    slug = "2024/tin-moi-tha"
    path = content / f"{slug}.xml"

    h.log_mark()
    write_article(content, slug, title="Tin mới thả", date="2024-06-01")
    dropped = every_worker_publishes(h, content, workers, lambda v: v[0] == 1, "dropped")
    count = set(v[1] for v in dropped.values())
    assert len(count) == 1, dropped  # every worker publishes the same articles
    count = count.pop()

    h.log_mark()
    write_article(content, slug, title="Tin mới sửa", date="2024-06-01")
    every_worker_publishes(h, content, workers, lambda v: v == (1, count), "changed")

    h.log_mark()
    path.unlink()
    every_worker_publishes(h, content, workers, lambda v: v == (0, count - 1), "deleted")
    # whoever answers: the article has gone
    for _ in range(8):
        assert h.raw("GET", f"/portal/article/{slug}")[0] == 410


def test_worker_forked_after_a_crash_serves_what_changed(tmp_path):
    """kill -9 of the one worker after content changed: the master, which
    loaded the content and never looks again, forks a new worker, which
    catches up before it serves (a walk, since the master's own inotify
    queue holds the changes it never read)."""
    site = tmp_path / "site"
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, site / name)
    content = site / "content"
    old_umask = os.umask(0o022)
    h = BantinNginx(tmp_path / "server", module=nginx_module_path(), workers=1)
    h.configure([Portal("/portal", content, site / "templates")])
    h.log_mark()
    h.start()
    try:
        [first] = workers_of(h, 1)
        slug = "2024/sau-khi-nap"
        before = h.raw("GET", "/portal/")[2].decode()
        assert f"/portal/article/{slug}" not in before
        write_article(content, slug, title="Sau khi nạp", date="2024-12-31")
        (content / "2024" / "giup-do-xa-kho-khan.xml").unlink()
        deadline = time.monotonic() + DEADLINE
        while h.raw("GET", f"/portal/article/{slug}")[0] != 200:
            assert time.monotonic() < deadline, "the first worker never served the change"
            time.sleep(POLL)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + DEADLINE
        while True:
            workers = [w for w in h._children(h.pid()) if w != first and h._alive(w)]
            if workers:
                break
            assert time.monotonic() < deadline, f"no new worker: {h.log_tail()}"
            time.sleep(POLL)
        # the first answer of the new worker (the only one) already has it
        status, _, body = h.raw("GET", f"/portal/article/{slug}")
        assert status == 200 and "Sau khi nạp" in body.decode(), status
        assert h.raw("GET", "/portal/article/2024/giup-do-xa-kho-khan")[0] == 410
        assert f"/portal/article/{slug}" in h.raw("GET", "/portal/")[2].decode()
        assert workers_of(h, 1) == workers
        watching_in_loop(h, workers[0])
        killed = re.compile(rf"worker process {first} exited on signal 9")
        problems = [line for line in h.log_problems() if not killed.search(line)]
        assert not problems, problems
    finally:
        h.stop()
        os.umask(old_umask)


def test_reload_quit_and_stop_leave_no_socket_nor_descriptor(watched):
    """The old workers of a reload (and every worker at `-s quit`) exit
    gracefully: nginx then reports each connection left open ("open socket
    left", an alert the log check fails on), which the watch connection would
    be without exit_process.  The master holds as many descriptors after
    reloads as before: one inotify instance per content dir."""
    h, _ = watched
    master = h.pid()
    for pid in workers_of(h, 2):
        watching_in_loop(h, pid)
    fds = fd_kinds(master)
    assert len(inotify_fds(master)) == 1, fds
    for _ in range(3):
        h.signal_restart("reload")
        for pid in workers_of(h, 2):
            watching_in_loop(h, pid)
        assert fd_kinds(master) == fds
        assert not h.log_problems(), h.log_problems()
    for how in ("quit", "stop"):
        workers = workers_of(h, 2)
        for pid in workers:
            watching_in_loop(h, pid)
        rc, out = nginx_cmd(h, "-s", how)
        assert rc == 0, out
        deadline = time.monotonic() + DEADLINE
        while any(h._alive(p) for p in [h.pid() or master] + workers):
            assert time.monotonic() < deadline, f"nginx did not {how}"
            time.sleep(POLL)
        assert h.find_log(r"\[notice\] \d+#\d+: exit$"), h.log_tail()
        assert not h.log_problems(), h.log_problems()
        if how == "quit":
            h.pid_file.unlink(missing_ok=True)
            h.log_mark()
            h.start()
