"""A short, bounded burst of parallel requests (threads of the event/worker MPMs, prefork children)."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bantin_httpd import SEED_SLUG

REQUESTS = [
    ("/portal/", 200),
    (f"/portal/article/{SEED_SLUG}", 200),
    ("/portal/article/khong-co", 404),
    ("/tin/?page=2", 200),
    ("/tin2/?page=3", 200),
    ("/tin/media/images/anh.png", 200),
    ("/portal/static/bantin.css", 200),
    ("/portal/fontsize?step=up&back=", 303),
]


def test_parallel_requests(httpd):
    def worker(n):
        s = requests.Session()
        s.trust_env = False
        bad = []
        for i in range(40):
            path, status = REQUESTS[(n + i) % len(REQUESTS)]
            r = s.get(httpd.url(path), cookies={"bantin_fs": str(1 + i % 5)},
                      allow_redirects=False, timeout=10)
            if r.status_code != status or (status == 200 and not r.content):
                bad.append((path, r.status_code))
        s.close()
        return bad

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert [b for bad in results for b in bad] == []


def test_not_modified_media_never_closes_another_connection(httpd):
    """Once, a 304 for an image closed its file twice: by hand, then again when
    the request's pool ended.  Under a threaded MPM the fd number was by then
    often a new client's socket, which got reset.  Threads that ask for 304s
    and threads that open fresh connections run side by side; every request
    must get its answer."""
    path = "/portal/media/images/ho-ba-be.png"
    etag = httpd.get(path).headers["ETag"]

    def worker(n):
        bad = []
        for i in range(150):
            try:
                if n % 2:
                    status, _, _ = httpd.raw("GET", path, {"If-None-Match": etag})
                    want = 304
                else:
                    status, _, _ = httpd.raw("GET", "/portal/static/bantin.css")
                    want = 200
            except OSError as e:
                status, want = repr(e), None
            if status != want:
                bad.append((n, i, status))
        return bad

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert [b for bad in results for b in bad] == []


def server_processes(httpd):
    """The server's parent and its children (workers)."""
    pid = httpd.pid()
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [pid] + [int(x) for x in f.read().split()]


def minor_faults(pids):
    """Minor page faults so far, summed over the processes (all threads)."""
    n = 0
    for pid in pids:
        try:
            n += int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[7])
        except (OSError, IndexError, ValueError):
            pass  # a process that went: counted as none
    return n


def test_cached_page_maps_no_fresh_memory(httpd):
    """A cached page costs no fresh memory: each request's pool takes what
    earlier requests gave back.  Once, the nginx module gave every request
    an APR allocator of its own, which Debian's APR backs with mmap: every
    request mapped and unmapped memory (a page fault and a TLB flush each),
    and nginx answered the article page at half the speed of the same bytes
    as a static file.  Counted in page faults, which do not depend on how
    fast the machine is: fewer than one fault per ten requests."""
    path = httpd.url(f"/portal/article/{SEED_SLUG}")
    s = requests.Session()
    s.trust_env = False
    for _ in range(200):  # rendered once, then cached; every pool warmed up
        assert s.get(path, timeout=10).status_code == 200
    pids = server_processes(httpd)
    before = minor_faults(pids)
    n = 2000
    for _ in range(n):
        assert s.get(path, timeout=10).status_code == 200
    faults = minor_faults(pids) - before
    s.close()
    assert faults < n / 10, f"{faults} page faults in {n} requests of a cached page"
