#!/usr/bin/env python3
"""Writes N articles of realistic Vietnamese text into a content dir.

    bench/gen-articles.py N OUTDIR [--seed S] [--paragraphs P]

Seeded and reproducible: the same N and seed give the same files. Files go
into OUTDIR/YYYY/MM/bai-NNNNNN.xml, about 1,400 per month folder for 100,000
articles.

The text is that of a real bulletin with a real news vocabulary:
  * the "glue" (function words, administrative phrases, lengths and letter
    frequencies) are contiguous slices of the seed article
    (content/2024/giup-do-xa-kho-khan.xml): its ~320 words are in most
    articles, as "của", "các", "và" are in real news;
  * topic terms (compounds of 1-2 syllables, place names like "Bắc Ninh",
    person names like "Nguyễn Văn X") are mixed in: the terms are drawn
    from a Zipf distribution, and so are the syllables they are made of,
    over an inventory of several thousand valid-looking Vietnamese
    syllables (onset x rhyme x the 6 tones, the tone mark placed on the
    right vowel in the old "hòa"/"thúy" style of the seed article, NFC,
    shuffled with a fixed seed so that frequency rank is not alphabetical,
    odd spellings and tones weighted towards the tail).
    Each article has a few topics it repeats (its title names the main
    one) and mentions a few more in passing.  In 100,000 articles this gives
    ~8,000 distinct syllables: the most common topic syllables are in
    ~5-20% of the articles, most of them in fewer than 0.5%.

The inventory and the term lexicon do not depend on --seed (only which
articles use them does): syllables(), lexicon() and glue_words() can be
imported (importlib: the file name has a hyphen) to make queries.
"""
import argparse
import bisect
import datetime
import itertools
import os
import random
import re
import unicodedata
import xml.sax.saxutils as sx

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = [os.path.join(HERE, "..", "content", "2024", "giup-do-xa-kho-khan.xml")]

CATEGORIES = ["Nông thôn mới", "Kinh tế", "Văn hóa - Xã hội", "Giáo dục",
              "Chuyển đổi số", "Y tế", "Quốc phòng - An ninh"]
AUTHORS = ["Hương Dịu", "Minh Hà", "Thu Trang", "Hoàng Nam", "Ngọc Ánh", "Đức Anh"]

# ---- the syllable inventory ------------------------------------------------

ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph",
          "qu", "r", "s", "t", "th", "tr", "v", "x"]
OPEN_RHYMES = ("a e ê i o ô ơ u ư ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưa ưu ua uôi ươi "
               "ươu iêu").split()
FINALS = {"a": "n ng nh m t c ch p", "ă": "n ng m t c p", "â": "n ng m t c p",
          "e": "n ng m t c p", "ê": "n nh m t ch p", "i": "n nh m t ch p",
          "o": "n ng m t c p", "ô": "n ng m t c p", "ơ": "n m t p", "u": "n ng m t c p",
          "ư": "n ng t c", "iê": "n ng m t c p", "uô": "n ng m t c", "ươ": "n ng m t c p"}
# rhymes with the medial glide o/u ("hoa", "toàn", "thuận", "tuyên")
GLIDE_RHYMES = ("oa oe uy oai oay oan oang oanh oat oac oach oăn oăng oăt oăc oen oet uân uât "
                "uyên uyêt uynh uych uyt uê").split()
VOWELS = "aăâeêioôơuưy"
MODIFIED = "ăâêôơư"
# no tone, huyền, sắc, ngã, hỏi, nặng (combining marks: NFC makes the precomposed letter)
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
CHECKED = ("p", "t", "c", "ch")  # syllables ending so take only sắc and nặng

# Shuffled with weights, so that the odd ones ("khuỵch", "ngoẹt", "hươu" with a tone) rank
# late or fall out of the inventory, as the common spellings and tones rank early.
ODD_RHYMES = set(("ươu ưi eng oen oet oăc oăng oăt oach oac uych uyt uât ưu iu ec ep ơp êp "
                  "uôm iêp ươp ôp op ăp oe uê").split())
ODD_ONSETS = {"", "r", "gi", "ph", "kh"}
TONE_WEIGHT = {"": 1.0, "\u0300": 1.0, "\u0301": 1.0, "\u0323": 0.8, "\u0309": 0.6, "\u0303": 0.35}

INVENTORY_SIZE = 8000
LEXICON_SEED = 20240104  # the inventory and lexicon never depend on --seed


def nfc(s):
    return unicodedata.normalize("NFC", s)


def tone_on(rhyme, tone):
    """The rhyme with the tone mark on the right vowel (old style: hòa, thúy, but hoàn, thuyết)."""
    if not tone:
        return rhyme
    start = next(i for i, c in enumerate(rhyme) if c in VOWELS)
    end = start
    while end + 1 < len(rhyme) and rhyme[end + 1] in VOWELS:
        end += 1
    mods = [i for i in range(start, end + 1) if rhyme[i] in MODIFIED]
    if mods:                      # the (last) vowel with a hat or horn: người, quyết, cửa
        pos = mods[-1]
    elif end + 1 < len(rhyme):    # a final consonant follows: hoàn, quỳnh
        pos = end
    elif end - start == 2:        # three open vowels: the middle one (ngoài, xoáy)
        pos = start + 1
    else:                         # one or two: the first (hòa, thúy, mái)
        pos = start
    return rhyme[:pos] + nfc(rhyme[pos] + tone) + rhyme[pos + 1:]


def spelled(onset, rhyme):
    """onset + rhyme with Vietnamese spelling rules, or None when the pair does not exist."""
    front = rhyme[0] in "ieêy"
    glide = rhyme in GLIDE_RHYMES
    if onset == "qu":
        if not glide:
            return None
        return "qu", rhyme[1:]    # qu + a = qua, qu + yên = quyên
    if glide and onset in ("c", "g", "gi", "b", "m", "ph", "v"):
        return None
    if onset == "gi":
        if rhyme.startswith("iê"):
            return "gi", rhyme[1:]  # giếng
        if front and rhyme[0] in "iy":
            return None
        return "gi", rhyme
    if onset == "c" and front:
        onset = "k"
    elif onset == "g" and front:
        onset = "gh"
    elif onset == "ng" and front:
        onset = "ngh"
    elif onset == "" and rhyme.startswith("iê"):
        rhyme = "y" + rhyme[1:]   # yên, yêu
    return onset, rhyme


def all_rhymes():
    out = list(OPEN_RHYMES) + list(GLIDE_RHYMES)
    for nucleus, finals in FINALS.items():
        out += [nucleus + f for f in finals.split()]
    return out


_SYLLABLES = None


def syllables():
    """The inventory: INVENTORY_SIZE distinct syllables, NFC, in frequency-rank order."""
    global _SYLLABLES
    if _SYLLABLES is None:
        rng = random.Random(LEXICON_SEED)
        keyed = {}
        for onset, rhyme in itertools.product(ONSETS, all_rhymes()):
            sp = spelled(onset, rhyme)
            if sp is None:
                continue
            o, r = sp
            checked = r.endswith(CHECKED)
            w = (0.15 if rhyme in ODD_RHYMES else 1.0) * (0.5 if onset in ODD_ONSETS else 1.0)
            for tone in TONES:
                if checked and tone not in ("\u0301", "\u0323"):
                    continue
                s = nfc(o + tone_on(r, tone))
                # a weighted random permutation: key u^(1/w), largest first
                key = rng.random() ** (1.0 / (w * TONE_WEIGHT[tone]))
                if s not in keyed:
                    keyed[s] = key
        _SYLLABLES = sorted(keyed, key=lambda x: -keyed[x])[:INVENTORY_SIZE]
    return _SYLLABLES


def zipf_cum(n, s, q):
    """Cumulative Zipf-Mandelbrot weights 1/(rank + q)^s for ranks 1..n."""
    return list(itertools.accumulate(1.0 / (r + q) ** s for r in range(1, n + 1)))


def draw(rng, items, cum):
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


# ---- the term lexicon -------------------------------------------------------

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lương", "Triệu", "Hà"]
FAMILY_W = list(itertools.accumulate([20, 11, 9, 7, 5, 4, 4, 4, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]))
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Hữu", "Ngọc", "Quang", "Xuân", "Thu", "Kim"]
PLACE_HEAD = ["Bắc", "Nam", "Tân", "Phú", "An", "Hòa", "Long", "Đông", "Tây", "Quảng", "Thái",
              "Vĩnh", "Bình", "Hưng", "Thanh", "Hà", "Yên", "Cao", "Lạng", "Kon"]

LEXICON_SIZE = 60000
SYL_S, SYL_Q = 1.05, 25      # syllables: which ones terms are made of
TERM_S, TERM_Q = 1.0, 60     # terms: which ones articles talk about

_LEXICON = None


def lexicon():
    """(terms in rank order, cumulative weights): compounds, place and person names."""
    global _LEXICON
    if _LEXICON is None:
        rng = random.Random(LEXICON_SEED + 1)
        syl = syllables()
        scum = zipf_cum(len(syl), SYL_S, SYL_Q)

        def s():
            return draw(rng, syl, scum)

        terms, seen = [], set()
        while len(terms) < LEXICON_SIZE:
            k = rng.random()
            if k < 0.65:      # a word or compound: "giống", "tiêu thụ"
                t = s() if rng.random() < 0.3 else f"{s()} {s()}"
            elif k < 0.9:     # a place: "Bắc Ninh", "Khau Cưởm"
                head = rng.choice(PLACE_HEAD) if rng.random() < 0.35 else s().capitalize()
                t = f"{head} {s().capitalize()}"
            else:             # a person: "Nguyễn Văn Hùng", "Lò Thị Mai"
                fam = draw(rng, FAMILY, FAMILY_W) if rng.random() < 0.85 else s().capitalize()
                mid = rng.choice(MIDDLE) if rng.random() < 0.7 else s().capitalize()
                t = f"{fam} {mid} {s().capitalize()}"
            if t not in seen:
                seen.add(t)
                terms.append(t)
        _LEXICON = terms, zipf_cum(len(terms), TERM_S, TERM_Q)
    return _LEXICON


# ---- articles -----------------------------------------------------------------

def glue_words():
    """The words of the seed article, in order."""
    words = []
    for path in SOURCES:
        with open(path, encoding="utf-8") as f:
            text = re.sub(r"<[^>]+>", " ", f.read())
        words += [w for w in re.split(r"\s+", text) if w and "&" not in w]
    return words



class Topics:
    """What one article is about: a main term, a few others, and passing mentions."""

    def __init__(self, rng, terms, cum):
        self.rng, self.terms, self.cum = rng, terms, cum
        picked, m = [], rng.randint(3, 6)
        while len(picked) < m:
            t = draw(rng, terms, cum)
            if t not in picked:
                picked.append(t)
        self.own = picked

    def pick(self):
        r = self.rng.random()
        if r < 0.2:
            return self.own[0]
        if r < 0.8:
            return self.rng.choice(self.own)
        return draw(self.rng, self.terms, self.cum)


def insert(rng, ws, term):
    """Puts term somewhere in the list of words ws (capitalised after a full stop)."""
    i = rng.randint(0, len(ws))
    if i and ws[i - 1].endswith((".", "…", "?", "!")):
        term = term[0].upper() + term[1:]
    ws.insert(i, term)


def sentence(rng, words, topics, lo, hi, terms=(1, 2)):
    n = rng.randint(lo, hi)
    start = rng.randrange(0, len(words) - n)
    ws = words[start:start + n]
    for _ in range(rng.randint(*terms)):
        insert(rng, ws, topics.pick())
    s = " ".join(ws).rstrip(",;:")
    return s[0].upper() + s[1:] + "."


def article(rng, words, topics, when, paragraphs):
    # The title names the main topic (and maybe another).
    n = rng.randint(4, 8)
    start = rng.randrange(0, len(words) - n)
    ws = words[start:start + n]
    insert(rng, ws, topics.own[0])
    if rng.random() < 0.4:
        insert(rng, ws, topics.pick())
    title = " ".join(ws).rstrip(",;:.")
    title = title[0].upper() + title[1:]
    e = sx.escape
    body = "\n".join(
        "    <p>" + e(" ".join(sentence(rng, words, topics, 6, 19)
                               for _ in range(rng.randint(2, 4)))) + "</p>"
        for _ in range(paragraphs))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<article>\n'
        f"  <title>{e(title)}</title>\n"
        f"  <date>{when.strftime('%Y-%m-%dT%H:%M:00+07:00')}</date>\n"
        f"  <category>{e(rng.choice(CATEGORIES))}</category>\n"
        f"  <summary>{e(sentence(rng, words, topics, 14, 30, (2, 3)))}</summary>\n"
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
    words = glue_words()
    terms, cum = lexicon()
    # One article every ~37 minutes, going back from the end of 2024.
    t = datetime.datetime(2024, 12, 31, 17, 0)
    for i in range(args.n):
        t -= datetime.timedelta(minutes=rng.randint(5, 70))
        folder = os.path.join(args.outdir, f"{t.year:04d}", f"{t.month:02d}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"bai-{i:06d}.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(article(rng, words, Topics(rng, terms, cum), t, args.paragraphs))


if __name__ == "__main__":
    main()
