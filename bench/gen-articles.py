#!/usr/bin/env python3
"""Writes N articles of realistic Vietnamese text into a content dir.

    bench/gen-articles.py N OUTDIR [--seed S] [--paragraphs P]

Seeded and reproducible: the same N and seed give the same files. The text is
built from the words of the seed article (content/2024/giup-do-xa-kho-khan.xml),
so lengths and letter frequencies are those of a real bulletin. Files go into OUTDIR/YYYY/MM/<slug>.xml, about 1,400 per
month folder for 100,000 articles.
"""
import argparse
import datetime
import os
import random
import re
import xml.sax.saxutils as sx

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = [os.path.join(HERE, "..", "content", "2024", "giup-do-xa-kho-khan.xml")]

CATEGORIES = ["Nông thôn mới", "Kinh tế", "Văn hóa - Xã hội", "Giáo dục",
              "Chuyển đổi số", "Y tế", "Quốc phòng - An ninh"]
AUTHORS = ["Hương Dịu", "Minh Hà", "Thu Trang", "Hoàng Nam", "Ngọc Ánh", "Đức Anh"]


def vocabulary():
    words = []
    for path in SOURCES:
        with open(path, encoding="utf-8") as f:
            text = re.sub(r"<[^>]+>", " ", f.read())
        words += [w for w in re.split(r"\s+", text) if w and "&" not in w]
    return words


def sentence(rng, words, lo=8, hi=24):
    n = rng.randint(lo, hi)
    start = rng.randrange(0, len(words) - n)
    s = " ".join(words[start:start + n]).rstrip(",;:")
    return s[0].upper() + s[1:] + "."


def article(rng, words, when, paragraphs):
    title = sentence(rng, words, 6, 12).rstrip(".")
    e = sx.escape
    body = "\n".join(
        "    <p>" + e(" ".join(sentence(rng, words) for _ in range(rng.randint(2, 4)))) + "</p>"
        for _ in range(paragraphs))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<article>\n'
        f"  <title>{e(title)}</title>\n"
        f"  <date>{when.strftime('%Y-%m-%dT%H:%M:00+07:00')}</date>\n"
        f"  <category>{e(rng.choice(CATEGORIES))}</category>\n"
        f"  <summary>{e(sentence(rng, words, 20, 40))}</summary>\n"
        f"  <body>\n{body}\n  </body>\n"
        f"  <author>{e(rng.choice(AUTHORS))}</author>\n</article>\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--paragraphs", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    words = vocabulary()
    # One article every ~37 minutes, going back from the end of 2024.
    t = datetime.datetime(2024, 12, 31, 17, 0)
    for i in range(args.n):
        t -= datetime.timedelta(minutes=rng.randint(5, 70))
        folder = os.path.join(args.outdir, f"{t.year:04d}", f"{t.month:02d}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"bai-{i:06d}.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(article(rng, words, t, args.paragraphs))


if __name__ == "__main__":
    main()
