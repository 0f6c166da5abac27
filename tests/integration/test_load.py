"""A short, bounded burst of parallel requests (threads of the event/worker MPMs, prefork children)."""

from concurrent.futures import ThreadPoolExecutor

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
