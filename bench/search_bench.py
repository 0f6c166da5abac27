#!/usr/bin/env python3
"""Search at scale: cold indexing time, pages served meanwhile, query latency, index size.

    bench/search_bench.py [--articles 100000] [--queries 200] [--no-drop-probe]

Uses the articles of bench/gen-articles.py cached under build/bench/ (see
scale.py), plus a few articles with rare words (so that some queries match a
handful of articles rather than thousands) and a sentinel whose slug sorts
last (the background build goes through the store in slug order, so it is
the last article indexed).  The content dir is a hard-linked copy of the
cache: nothing is copied, the cache is never changed.

Starts a real httpd (event MPM) with a fresh state dir (so a fresh
search.sqlite: the whole index is built from cold), then measures:
  * start: launching httpd to the first served home page;
  * index: launching httpd to the BT0302 line of the content dir (and the
    sync's own duration from that line), checked by searching for the
    sentinel;
  * pages meanwhile: a home request every 0.2 s on one keep-alive
    connection, and a search every 0.5 s on another, for as long as the
    build runs (status and latency);
  * drop probe (unless --no-drop-probe): a new article written 5 s into the
    build; the latency of the requests after it, and how long until it is
    searchable.  The issue asks for both: pages never blocked, a dropped
    article searchable within ~1 s;
  * queries: N different queries, the mix readers type on a news portal
    (see make_queries: mostly 2-4 words of the titles and bodies of a
    sample of the articles, with and without diacritics, names, phrases,
    prefixes while typing; single common, rare and very rare words;
    no-match) sent one after another on one keep-alive connection, after
    the build: median/p95/max ms, overall and per kind;
  * the index file's size (and its WAL's), against the articles' XML bytes,
    and what each of its tables and indexes costs (SQLite's dbstat);
  * the whole cost after the build: RSS and PSS summed over httpd's
    processes, the index, the start cache.
"""
import argparse
import html
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(HERE))
from bantin_httpd import BantinHttpd, Portal, module_path, open_to_all, write_article  # noqa: E402
from scale import content_dir, httpd_pids, memory  # noqa: E402

PREFIX = "/portal"
SENTINEL = "chimcanhcutcuoi"
DROPPED = "thavaotrongkhilapchimuc"
# Words that gen-articles.py never writes (or hardly ever together, as words are matched with
# tones and đ folded): each query lands in a few articles.  Some have the new tone placement
# ("hoà", "thuý") where the generated text has the old one ("hòa", "thúy").
RARE = ["sầu riêng", "thanh long ruột đỏ", "Đắk Lắk", "cà phê Buôn Ma Thuột", "nước mắm Phú Quốc",
        "hồ tiêu Krông Pắc", "chè Thái Nguyên", "vải thiều Lục Ngạn", "bưởi da xanh Đoan Hùng",
        "gạo ST25", "hoà giải Ea Súp", "thuý Đắk Nông", "khuyến nông", "điện mặt trời",
        "thuỷ lợi nội đồng"]


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def fold(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


def add_extras(work, rng):
    """Rare-word articles (older than everything generated) and the last-slug sentinel."""
    n = 0
    for i in range(60):
        words = rng.sample(RARE, 2)
        write_article(work, f"2016/12/hiem-{i:03d}", title=f"Tin về {words[0]} số {i}",
                      date=f"2016-12-{1 + i % 28:02d}", category="Kinh tế",
                      paragraphs=[f"Bà con trồng {words[0]} và {words[1]} cho thu nhập ổn định.",
                                  "Xã đã hỗ trợ giống, kỹ thuật và đầu ra cho sản phẩm."])
        n += 1
    write_article(work, "zz/cuoi-cung", title=f"Bài mốc {SENTINEL}", date="2016-11-30",
                  paragraphs=[f"Từ {SENTINEL} chỉ có ở bài này, bài có slug xếp cuối cùng."])
    return n + 1


def vocabulary():
    text = (REPO / "content" / "2024" / "giup-do-xa-kho-khan.xml").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", text)
    return [w.strip(".,;:()\"“”") for w in text.split() if w and "&" not in w]


def sample_text(src, rng, k):
    """(titles, sentences) of k random generated articles, each a list of words as written."""
    files = sorted(str(p) for p in Path(src).rglob("bai-*.xml"))
    titles, sentences = [], []
    for f in rng.sample(files, min(k, len(files))):
        xml = Path(f).read_text(encoding="utf-8")
        title = html.unescape(re.search(r"<title>(.*?)</title>", xml, re.S).group(1))
        body = " ".join(html.unescape(m) for m in re.findall(r"<(?:summary|p)>(.*?)</(?:summary|p)>",
                                                            xml, re.S))
        titles.append(title)
        sentences.append(re.split(r"(?<=[.…?!;:])\s+", body))
    return titles, sentences


def words_of(text):
    """The words of a piece of text, punctuation off; None stands for a token that is no word."""
    out = []
    for t in text.split():
        t = t.strip(".,;:()\"“”…?!/-")
        out.append(t if re.fullmatch(r"\w+", t) and not t.isdigit() else None)
    return out


def make_queries(n, rng, src=None):
    """n different queries, (kind, text), as readers type them on a news portal.

    Most are 2-4 words taken from the titles and bodies of a sample of the
    generated articles (runs with at least one topic word, not only the seed
    article's glue), as written or folded (no tones, đ -> d), names as
    written, phrases in quotes (names or runs of words), a prefix while
    typing (the last word cut); then single words: common ones (the worst
    case: tens of thousands of matches), common topic words (thousands),
    rare ones (under ~0.5% of the articles), the very rare RARE extras (a
    handful), and no-match queries.
    """
    src = src if src is not None else content_dir(100000)
    titles, bodies = sample_text(src, rng, 1000)
    glue = {w.lower() for w in vocabulary()}
    df = {}
    for title, sentences in zip(titles, bodies):
        for w in {w.lower() for w in words_of(title + " " + " ".join(sentences)) if w}:
            df[w] = df.get(w, 0) + 1
    docs = len(titles)
    common = sorted(df, key=lambda w: -df[w])[:40]
    topical = [w for w in df if w not in glue and 0.05 <= df[w] / docs <= 0.25]
    # Matching ignores tones and diacritics (they only rank): a rare word is one whose folded
    # form is rare, "mũi" is not when "mùi" and "múi" are common.
    fdf = {}
    for w, c in df.items():
        fdf[fold(w)] = fdf.get(fold(w), 0) + c
    rare = [w for w in df if w not in glue and fdf[fold(w)] == 1 and len(w) > 1]
    title_words = [words_of(t) for t in titles]
    body_words = [words_of(s) for sentences in bodies for s in sentences]

    def run(pool, k, topic=True):
        """k consecutive words of a random title or sentence (one of them a topic word)."""
        for _ in range(100):
            ws = rng.choice(pool)
            if len(ws) < k:
                continue
            i = rng.randrange(0, len(ws) - k + 1)
            r = ws[i:i + k]
            if None in r or (topic and all(w.lower() in glue for w in r)):
                continue
            return r
        return None

    def text(pool, lo=2, hi=4):
        r = run(pool, rng.randint(lo, hi))
        return " ".join(r).lower() if r else ""

    def name():
        """A name as written in the text: 2-3 capitalised words not opening a sentence."""
        for _ in range(100):
            ws = rng.choice(body_words + title_words)
            i = rng.randrange(1, max(2, len(ws)))
            if i >= len(ws) or not ws[i] or not ws[i][0].isupper():
                continue
            j = i
            while j < len(ws) and ws[j] and ws[j][0].isupper() and j - i < 3:
                j += 1
            if j - i >= 2:
                return " ".join(ws[i:j])
        return ""

    def phrase():
        """In quotes: a name, or 2-4 words of the text."""
        t = name() if rng.random() < 0.5 else text(title_words + body_words)
        return f'"{t}"' if t else ""

    def prefix():
        """1-3 words, the last one cut: 2 letters or more of it left, 3 when it is alone."""
        r = text(title_words + body_words, 1, 3)
        last = r.rsplit(" ", 1)[-1]
        keep = 2 if " " in r else 3
        if len(last) <= keep:
            return ""
        return r[:len(r) - len(last) + max(keep, len(last) - rng.randint(1, 3))]

    makers = [
        ("2-4 words of a title", lambda: text(title_words), 14),
        ("2-4 words of a title, folded", lambda: fold(text(title_words)), 10),
        ("2-4 words of a body", lambda: text(body_words), 10),
        ("2-4 words of a body, folded", lambda: fold(text(body_words)), 8),
        ("name", name, 6),
        ("name, folded", lambda: fold(name()), 4),
        ("phrase", phrase, 10),
        ("prefix (typing)", prefix, 10),
        ("1 common word", lambda: rng.choice(common), 5),
        ("1 common word, folded", lambda: fold(rng.choice(common)), 3),
        ("1 common topic word", lambda: rng.choice(topical), 4),
        ("1 rare word", lambda: rng.choice(rare), 6),
        ("1 rare word, folded", lambda: fold(rng.choice(rare)), 3),
        ("very rare (few docs)", lambda: rng.choice(RARE).lower(), 3),
        ("very rare, folded", lambda: fold(rng.choice(RARE)), 2),
        ("no match", lambda: f"khongco{rng.randrange(10**6)} {rng.choice(common)}", 4),
    ]
    total = sum(k for _, _, k in makers)
    out, seen = [], set()
    for kind, make, k in makers:
        want = max(1, round(k * n / total))
        tries = 0
        got = 0
        while got < want and tries < 1000:
            tries += 1
            q = make().strip()
            if len(q) < 1 or q in seen:
                continue
            seen.add(q)
            out.append((kind, q))
            got += 1
    rng.shuffle(out)
    return out[:n]


class Sampler(threading.Thread):
    """Requests a URL every `every` seconds on its own keep-alive connection."""

    def __init__(self, h, make_url, every):
        super().__init__(daemon=True)
        self.h = h
        self.make_url = make_url
        self.every = every
        self.samples = []  # (t start, seconds, status)
        self.stop = threading.Event()
        self.session = requests.Session()
        self.session.trust_env = False

    def run(self):
        while not self.stop.is_set():
            t = time.perf_counter()
            try:
                r = self.session.get(self.h.url(self.make_url()), timeout=600)
                status = r.status_code
            except requests.RequestException as e:
                status = type(e).__name__
            self.samples.append((t, time.perf_counter() - t, status))
            self.stop.wait(max(0.0, self.every - (time.perf_counter() - t)))


def summary_ms(samples):
    lat = [s[1] * 1000 for s in samples]
    if not lat:
        return "no samples"
    bad = [s[2] for s in samples if s[2] != 200]
    return (f"{len(lat)} requests, median {statistics.median(lat):.1f} ms, "
            f"p95 {percentile(lat, 95):.1f} ms, max {max(lat):.1f} ms"
            + (f", {len(bad)} not 200: {sorted(set(map(str, bad)))}" if bad else ", all 200"))


def log_time(log, pattern):
    """The time stamp of the first error-log line matching `pattern` (epoch seconds), or None."""
    m = re.search(r"^\[(\w{3} \w{3} +\d+ [\d:.]+ \d{4})\][^\n]*" + pattern, log, re.M)
    return datetime.strptime(m.group(1), "%a %b %d %H:%M:%S.%f %Y").timestamp() if m else None


def total_of(text):
    """The result count of a search page: "1234 kết quả", or capped: "Hơn 1.000 kết quả"."""
    m = re.search(r'class="bantin-search-count">\s*(?:[Hh]ơn\s+)?([\d.]+) kết quả', text)
    return int(m.group(1).replace(".", "")) if m else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--mpm", default="event")
    ap.add_argument("--no-drop-probe", action="store_true")
    ap.add_argument("--timeout", type=float, default=900, help="give up on the build after this")
    ap.add_argument("--keep-index", metavar="PATH",
                    help="copy search.sqlite there after httpd stopped (for offline analysis)")
    args = ap.parse_args()
    rng = random.Random(11)
    load0 = os.getloadavg()[0]

    src = content_dir(args.articles)
    root = Path(tempfile.mkdtemp(prefix="bantin-search-bench-"))
    work = root / "content"
    subprocess.run(["cp", "-al", str(src), str(work)], check=True)
    (work / ".done").unlink(missing_ok=True)
    old_umask = os.umask(0o022)
    extras = add_extras(work, rng)
    h = BantinHttpd(root / "server", mpm=args.mpm, module=str(module_path()))
    h.session.mount("http://", requests.adapters.HTTPAdapter(max_retries=3))
    h.configure([Portal(PREFIX, content=work)])
    h.write_snippet()
    open_to_all(root)
    bt0302 = re.compile(r"BT0302 " + re.escape(str(work)) + r": search index in step, (\d+) "
                        r"articles written in ([\d.]+) s")
    home = search = None
    try:
        t0 = time.perf_counter()
        wall0 = time.time()
        subprocess.run(["/usr/sbin/apache2", "-f", str(h.conf_file), "-k", "start"], check=True)
        while True:
            try:
                if h.session.get(h.url(PREFIX + "/"), timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.01)
        first_page = time.perf_counter() - t0

        # ---- while the index is built
        home = Sampler(h, lambda: PREFIX + "/", 0.2)
        common = ["xã", "xa", "khó khăn", "giup do", "xây dựng nông thôn"]
        srng = random.Random(5)
        search = Sampler(h, lambda: f"{PREFIX}/search?" + urlencode({"q": srng.choice(common)}),
                         0.5)
        home.start()
        search.start()
        t_drop = drop_found = None
        line = None
        probe = requests.Session()
        probe.trust_env = False
        while True:
            now = time.perf_counter()
            if line is None:
                m = bt0302.search(h.log_text())
                if m:
                    line = m
                    t_index = now - t0
            if (not args.no_drop_probe and t_drop is None and line is None
                    and now - t0 > first_page + 5):
                t_drop = time.perf_counter()
                write_article(work, "zz/tha-vao", title=f"Bài thả vào {DROPPED}",
                              date="2016-11-29", paragraphs=["Thả vào khi đang lập chỉ mục."])
            if t_drop is not None and drop_found is None:
                try:
                    r = probe.get(h.url(f"{PREFIX}/search?q={DROPPED}"), timeout=600)
                    if "/article/zz/tha-vao" in r.text:
                        drop_found = time.perf_counter() - t_drop
                except requests.RequestException:
                    pass
            if line is not None and (t_drop is None or drop_found is not None
                                     or now - t0 > t_index + 60):
                break
            if now - t0 > args.timeout:
                raise SystemExit(f"no BT0302 line {args.timeout:.0f} s after start\n{h.log_tail(20)}")
            time.sleep(0.25)
        t_end = time.perf_counter()
        # when the line was written, not when this loop noticed it
        logged = log_time(h.log_text(), bt0302.pattern)
        if logged is not None:
            t_index = logged - wall0
        home.stop.set()
        search.stop.set()
        home.join(700)
        search.join(700)
        during = [s for s in home.samples if s[0] - t0 < t_index]
        during_s = [s for s in search.samples if s[0] - t0 < t_index]
        r = h.session.get(h.url(f"{PREFIX}/search?q={SENTINEL}"))
        sentinel_ok = "/article/zz/cuoi-cung" in r.text
        drop_kept = None
        if t_drop is not None:  # the end of the build must not drop it again
            r = h.session.get(h.url(f"{PREFIX}/search?q={DROPPED}"))
            drop_kept = "/article/zz/tha-vao" in r.text

        # ---- queries, after the build
        queries = make_queries(args.queries, rng, src)
        lat = []
        by_kind = {}
        totals = {}
        for kind, q in queries:
            url = h.url(f"{PREFIX}/search?" + urlencode({"q": q}))
            t = time.perf_counter()
            resp = h.session.get(url)
            ms = (time.perf_counter() - t) * 1000
            assert resp.status_code == 200, (q, resp.status_code)
            lat.append(ms)
            by_kind.setdefault(kind, []).append(ms)
            totals.setdefault(kind, []).append(total_of(resp.text))
        # the same query again (the per-process page cache may answer it)
        again = []
        for _, q in queries[:50]:
            t = time.perf_counter()
            h.session.get(h.url(f"{PREFIX}/search?" + urlencode({"q": q})))
            again.append((time.perf_counter() - t) * 1000)

        idx = next((root / "server" / "run" / "bantin-state").glob("*/search.sqlite"))
        size = idx.stat().st_size
        wal = Path(str(idx) + "-wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
        db = sqlite3.connect(f"file:{idx}?mode=ro", uri=True)
        try:
            docs = db.execute("SELECT count(*) FROM docs").fetchone()[0]
            try:
                tables = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"
                                    " ORDER BY 2 DESC").fetchall()
            except sqlite3.Error:   # a libsqlite3 built without dbstat
                tables = []
        finally:
            db.close()
        rss, pss = memory(httpd_pids(h.pid_file))
        startcache = sum(f.stat().st_size
                         for f in (root / "server" / "run" / "bantin-startcache").rglob("*")
                         if f.is_file())
        xml_bytes = sum(f.stat().st_size for f in work.rglob("*.xml"))
        log = h.log_text()
    except BaseException:
        print(h.log_tail(30), file=sys.stderr)
        raise
    finally:
        for s in (home, search):
            if s is not None:
                s.stop.set()
        h.stop()
        if args.keep_index:
            found = list((root / "server" / "run" / "bantin-state").glob("*/search.sqlite"))
            if found:
                shutil.copyfile(found[0], args.keep_index)
        os.umask(old_umask)
        shutil.rmtree(root, ignore_errors=True)

    n = args.articles + extras
    loaded = log_time(log, "BT0100 " + re.escape(str(work)))
    if loaded is not None:
        loaded -= wall0
    after_drop = [s for s in home.samples + search.samples if t_drop is not None and s[0] >= t_drop
                  and s[0] - t0 < t_index]
    slow = sorted(((s[0] - t0, s[1]) for s in home.samples + search.samples if s[1] > 1.0))
    w = 34
    load_end = os.getloadavg()[0]
    print()
    print(f"{'articles':<{w}} {n:,} ({args.articles:,} generated + {extras} with rare words; "
          f"MPM {args.mpm}, {os.cpu_count()} cores, load {load0:.1f} at the start, "
          f"{load_end:.1f} at the end)")
    print(f"{'start to 1st page':<{w}} {first_page:.2f} s"
          + (f"  (content loaded by the parent after {loaded:.2f} s, BT0100)" if loaded else ""))
    print(f"{'start to index complete (BT0302)':<{w}} {t_index:.1f} s  (sync itself "
          f"{float(line.group(2)):.1f} s, {int(line.group(1)):,} written; sentinel found: "
          f"{sentinel_ok}; {docs:,} docs in the index)")
    print(f"{'home during the build':<{w}} {summary_ms(during)}")
    print(f"{'search during the build':<{w}} {summary_ms(during_s)}")
    if t_drop is not None:
        print(f"{'drop probe: requests after drop':<{w}} {summary_ms(after_drop)}")
        print(f"{'drop probe: dropped -> searchable':<{w}} "
              + (f"{drop_found:.1f} s (dropped {t_drop - t0:.1f} s after start, "
                 f"build ended {t_index:.1f} s)" if drop_found is not None
                 else f"not found {t_end - t_drop:.0f} s after the drop")
              + f"; still found after the build: {drop_kept}")
    if slow:
        print(f"{'requests slower than 1 s':<{w}} "
              + ", ".join(f"{lat_s:.1f} s at t={at:.1f} s" for at, lat_s in slow[:10]))
    print(f"{'queries after the build':<{w}} {len(lat)} different, median "
          f"{statistics.median(lat):.1f} ms, p95 {percentile(lat, 95):.1f} ms, "
          f"max {max(lat):.1f} ms  (goal: median <= 10 ms, p95 <= 30 ms)")
    for kind in sorted(by_kind):
        v = by_kind[kind]
        t = totals[kind]
        print(f"  {kind:<{w - 2}} n={len(v):<3} median {statistics.median(v):7.1f} ms, "
              f"p95 {percentile(v, 95):7.1f}, max {max(v):7.1f}   results median "
              f"{int(statistics.median(t)):,}")
    print(f"{f'same queries again ({len(again)})':<{w}} median {statistics.median(again):.1f} ms, "
          f"max {max(again):.1f} ms")
    print(f"{'index size':<{w}} {size / 2**20:.0f} MiB search.sqlite + {wal_size / 2**20:.0f} MiB "
          f"WAL ({size / n:,.0f} bytes per article; {size / xml_bytes:.2f} x the "
          f"{xml_bytes / 1e6:.0f} MB of XML, goal <= 3)")
    for name, b in tables:
        if b >= 2**20:
            print(f"  {name:<{w - 2}} {b / 2**20:6.0f} MiB")
    print(f"{'whole cost after the build':<{w}} PSS {pss:.0f} MiB (RSS {rss:.0f} MiB) "
          f"+ index {(size + wal_size) / 2**20:.0f} MiB + start cache {startcache / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
