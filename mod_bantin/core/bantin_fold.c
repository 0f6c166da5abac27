/* bantin_fold.c -- see bantin_fold.h.
 *
 * The two tables map the Latin letters of U+00C0..U+024F and
 * U+1E00..U+1EFF (which hold every Vietnamese letter, precomposed) to
 * their base letter, '.' where there is none.  They were generated from
 * Unicode's canonical decompositions, plus the two letters that have none:
 * U+0110 and U+0111 (Đ, đ) map to D and d, which is what a Vietnamese
 * reader typing without diacritics means.
 */
#include <string.h>

#include "bantin_fold.h"

static const char latin_c0[] =
    "AAAAAA.CEEEEIIII.NOOOOO..UUUUY..aaaaaa.ceeeeiiii.nooooo..uuuuy.y"
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHh..IiIiIiIiI...JjKk.LlLlLl."
    "...NnNnNn...OoOoOo..RrRrRrSsSsSsSsTtTt..UuUuUuUuUuUuWwYyYZzZzZz."
    "................................Oo.............Uu..............."
    ".............AaIiOoUuUuUuUuUu.AaAa....GgKkOoOo..j...Gg..NnAa...."
    "AaAaEeEeIiIiOoOoRrRrUuUuSsTt..Hh......AaEeOoOoOoOoYy............"
    "................";

static const char latin_1e00[] =
    "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMm"
    "MmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVv"
    "WwWwWwWwWwXxXxYyZzZzZzhtwy......AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEe"
    "EeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy......";

/* The marks of the same letters (U+00C0..U+01B0, U+1EA0..U+1EF9), two
 * characters each: the vowel mark ('^' circumflex, 'w' breve or horn, '.'
 * none) and the tone (Telex: f grave, s acute, r hook above, x tilde,
 * j dot below; '.' none).  Generated from Unicode's decompositions. */
static const char marks_c0[] =
    ".f.s^..x.........f.s^....f.s^......x.f.s^..x.......f.s^....s...."
    ".f.s^..x.........f.s^....f.s^......x.f.s^..x.......f.s^....s...."
    "....w.w......s.s^.^.....................w.w.............^.^.w.w."
    "........^.^......x.x....w.w.............^.^........s.s.........."
    ".......s.s..................w.w..........s.s.........s.s^.^....."
    ".................x.x....w.w.............^.^.^.^....s.s.........."
    "................................................................"
    "w.w...........................w.w.";

static const char marks_1ea0[] =
    ".j.j.r.r^s^s^f^f^r^r^x^x^j^jwswswfwfwrwrwxwxwjwj.j.j.r.r.x.x^s^s"
    "^f^f^r^r^x^x^j^j.r.r.j.j.j.j.r.r^s^s^f^f^r^r^x^x^j^jwswswfwfwrwr"
    "wxwxwjwj.j.j.r.rwswswfwfwrwrwxwxwjwj.f.f.j.j.r.r.x.x";

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length and
 * sets *cp, or returns 1 with *cp = -1 for a byte that starts none. */
static apr_size_t utf8_next(const unsigned char *s, apr_size_t n, long *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0 && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *cp = ((long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return *cp >= 0x80 ? 2 : (*cp = -1, 1); /* overlong */
    }
    if ((s[0] & 0xF0) == 0xE0 && n >= 3 && (s[1] & 0xC0) == 0x80
        && (s[2] & 0xC0) == 0x80) {
        *cp = ((long)(s[0] & 0x0F) << 12) | ((long)(s[1] & 0x3F) << 6)
              | (s[2] & 0x3F);
        return *cp >= 0x800 ? 3 : (*cp = -1, 1);
    }
    if ((s[0] & 0xF8) == 0xF0 && n >= 4 && (s[1] & 0xC0) == 0x80
        && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        *cp = ((long)(s[0] & 0x07) << 18) | ((long)(s[1] & 0x3F) << 12)
              | ((long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return *cp >= 0x10000 ? 4 : (*cp = -1, 1);
    }
    *cp = -1;
    return 1;
}

int bantin_fold_char(long cp)
{
    char c = 0;

    if (cp < 0x80) {
        c = (char)cp;
    }
    else if (cp >= 0xC0 && cp <= 0x24F) {
        c = latin_c0[cp - 0xC0];
    }
    else if (cp >= 0x1E00 && cp <= 0x1EFF) {
        c = latin_1e00[cp - 0x1E00];
    }
    else if (cp >= 0x300 && cp <= 0x36F) {
        return 0; /* a combining mark (decomposed input): dropped */
    }
    if (c == '.' && cp >= 0x80) {
        return -1;
    }
    if (c >= 'A' && c <= 'Z') {
        c = (char)(c - 'A' + 'a');
    }
    return c ? (unsigned char)c : -1;
}

char *bantin_fold(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0;

    while (i < len) {
        long cp;
        apr_size_t k = utf8_next(u + i, len - i, &cp);
        int f = cp < 0 ? -1 : bantin_fold_char(cp);
        if (f > 0) {
            *o++ = (char)f;
        }
        else if (f < 0) {
            memcpy(o, u + i, k); /* no ASCII form: kept as it is */
            o += k;
        }
        i += k;
    }
    *o = '\0';
    return out;
}

char *bantin_slugify(apr_pool_t *p, const char *s)
{
    char *f = bantin_fold(p, s, strlen(s)), *o = f, *c;
    int dash = 0;

    for (c = f; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')) {
            if (dash && o != f) {
                *o++ = '-';
            }
            *o++ = *c;
            dash = 0;
        }
        else {
            dash = 1;
        }
    }
    *o = '\0';
    return f;
}

apr_size_t bantin_fold_words(apr_pool_t *p, const char *s, apr_size_t len,
                             bantin_word **out)
{
    const unsigned char *u = (const unsigned char *)s;
    char *buf = apr_palloc(p, len + 1), *w = NULL;
    apr_size_t cap = 64, n = 0, i = 0;
    bantin_word *words = apr_palloc(p, cap * sizeof(*words));

    while (i <= len) {
        long cp = -1;
        apr_size_t k = i < len ? utf8_next(u + i, len - i, &cp) : 1;
        int f = cp < 0 ? -1 : bantin_fold_char(cp);
        int letter = (f >= 'a' && f <= 'z') || (f >= '0' && f <= '9');
        if (letter || (f == 0 && w)) {
            if (!w) {
                if (n == cap) {
                    bantin_word *more = apr_palloc(p, 2 * cap * sizeof(*more));
                    memcpy(more, words, cap * sizeof(*more));
                    words = more;
                    cap *= 2;
                }
                w = buf;
                words[n].start = i;
            }
            if (letter) {
                *buf++ = (char)f;
            }
        }
        else if (w) {
            *buf++ = '\0';
            words[n].folded = w;
            words[n].end = i;
            n++;
            w = NULL;
        }
        i += k;
    }
    *out = words;
    return n;
}

/* The Telex letter of a combining tone mark, or 0. */
static char tone_of_mark(long cp)
{
    switch (cp) {
    case 0x300: return 'f';
    case 0x301: return 's';
    case 0x309: return 'r';
    case 0x303: return 'x';
    case 0x323: return 'j';
    default: return 0;
    }
}

/* Punctuation and symbols outside ASCII that end a word. */
static int ends_word(long cp)
{
    return cp < 0 || (cp >= 0x80 && cp < 0xC0) || cp == 0xD7 || cp == 0xF7
           || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F);
}

char *bantin_fold_marks(apr_pool_t *p, const char *s, apr_size_t len)
{
    /* at most 2 bytes out per byte in, plus the last tone and space */
    char *out = apr_palloc(p, 2 * len + 3), *o = out;
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0;
    char tone = 0;
    int inword = 0;

    while (i <= len) {
        long cp = -1;
        apr_size_t k = i < len ? utf8_next(u + i, len - i, &cp) : 1;
        int f = i < len && cp >= 0 ? bantin_fold_char(cp) : -1;
        int ascii_sep = f > 0 && !((f >= 'a' && f <= 'z') || (f >= '0' && f <= '9'));

        if (i == len || ascii_sep || (f < 0 && ends_word(cp))) {
            if (inword) {
                if (tone) {
                    *o++ = tone;
                }
                *o++ = ' ';
            }
            inword = 0;
            tone = 0;
        }
        else if (f == 0) { /* a combining mark (decomposed input) */
            if (!inword) {
                /* a mark with no letter: nothing to attach it to */
            }
            else if (tone_of_mark(cp)) {
                tone = tone_of_mark(cp);
            }
            else if (cp == 0x302 && o > out && o[-1] >= 'a' && o[-1] <= 'z') {
                o[0] = o[-1];
                o++;
            }
            else if (cp == 0x306 || cp == 0x31B) {
                *o++ = 'w';
            }
        }
        else if (f > 0) {
            const char *m = cp >= 0xC0 && cp <= 0x1B0 ? marks_c0 + 2 * (cp - 0xC0)
                            : cp >= 0x1EA0 && cp <= 0x1EF9 ? marks_1ea0 + 2 * (cp - 0x1EA0)
                            : NULL;
            inword = 1;
            *o++ = (char)f;
            if (cp == 0x110 || cp == 0x111) {
                *o++ = 'd';
            }
            else if (m) {
                if (m[0] == '^') {
                    *o++ = (char)f;
                }
                else if (m[0] == 'w') {
                    *o++ = 'w';
                }
                if (m[1] != '.') {
                    tone = m[1];
                }
            }
        }
        else { /* a letter with no ASCII form: kept as it is */
            inword = 1;
            memcpy(o, u + i, k);
            o += k;
        }
        i += k;
    }
    while (o > out && o[-1] == ' ') {
        o--;
    }
    *o = '\0';
    return out;
}

char *bantin_fold_space(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1), *o = out;
    int gap = 0;

    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            gap = o > out;
        }
        else {
            if (gap) {
                *o++ = ' ';
                gap = 0;
            }
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}
