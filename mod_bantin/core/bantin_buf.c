/* bantin_buf.c -- see bantin_buf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "bantin_buf.h"

void bantin_buf_init(bantin_buf *b, apr_pool_t *pool, apr_size_t hint)
{
    b->pool = pool;
    b->cap = hint < 64 ? 64 : hint;
    b->data = apr_palloc(pool, b->cap);
    b->len = 0;
}

/* Grows geometrically; the old block stays in the pool until the pool
 * dies, which is fine for request-lived buffers (total waste < 2x). */
static void buf_reserve(bantin_buf *b, apr_size_t extra)
{
    apr_size_t need = b->len + extra + 1;
    if (need > b->cap) {
        apr_size_t cap = b->cap * 2;
        char *data;
        while (cap < need) {
            cap *= 2;
        }
        data = apr_palloc(b->pool, cap);
        memcpy(data, b->data, b->len);
        b->data = data;
        b->cap = cap;
    }
}

void bantin_buf_add(bantin_buf *b, const char *s, apr_size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

void bantin_buf_adds(bantin_buf *b, const char *s)
{
    bantin_buf_add(b, s, strlen(s));
}

void bantin_buf_addf(bantin_buf *b, const char *fmt, ...)
{
    va_list ap;
    const char *s;

    va_start(ap, fmt);
    s = apr_pvsprintf(b->pool, fmt, ap);
    va_end(ap);
    bantin_buf_adds(b, s);
}

const char *bantin_buf_cstr(bantin_buf *b)
{
    buf_reserve(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

void bantin_buf_add_html(bantin_buf *b, const char *s, apr_size_t n)
{
    apr_size_t i, start = 0;

    buf_reserve(b, n);
    for (i = 0; i < n; i++) {
        const char *ent;
        switch (s[i]) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        default: continue;
        }
        bantin_buf_add(b, s + start, i - start);
        bantin_buf_adds(b, ent);
        start = i + 1;
    }
    bantin_buf_add(b, s + start, n - start);
}

const char *bantin_html_escape(apr_pool_t *p, const char *s)
{
    bantin_buf b;
    apr_size_t n = strlen(s);

    bantin_buf_init(&b, p, n + 16);
    bantin_buf_add_html(&b, s, n);
    return bantin_buf_cstr(&b);
}

char *bantin_html_text(apr_pool_t *p, const char *html)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}};
    char *out = apr_palloc(p, strlen(html) + 1), *o = out;
    const char *h = html;

    while (*h) {
        if (*h == '<') {
            const char *end = strchr(h, '>');
            if (!end) {
                break;
            }
            h = end + 1;
            continue;
        }
        if (*h == '&') {
            apr_size_t i;
            for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
                apr_size_t n = strlen(ents[i].ent);
                if (!strncmp(h, ents[i].ent, n)) {
                    *o++ = ents[i].c;
                    h += n;
                    break;
                }
            }
            if (i < sizeof(ents) / sizeof(ents[0])) {
                continue;
            }
        }
        *o++ = *h++;
    }
    *o = '\0';
    return out;
}

void bantin_buf_add_urlpath(bantin_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
            || c == '/') {
            bantin_buf_add(b, s, 1);
        }
        else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            bantin_buf_add(b, enc, 3);
        }
    }
}

#define HASH_MUL APR_UINT64_C(0x9e3779b97f4a7c15)

/* One step: xor in, multiply, fold the high bits down (a multiply alone
 * only carries upwards, leaving the low bits weak). */
static apr_uint64_t hash_step(apr_uint64_t h, apr_uint64_t w)
{
    h = (h ^ w) * HASH_MUL;
    return h ^ (h >> 32);
}

apr_uint64_t bantin_hash64(apr_uint64_t h, const void *data, apr_size_t len)
{
    const unsigned char *p = data;
    apr_uint64_t w;

    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8); /* unaligned, and one load with -O2 */
        h = hash_step(h, w);
    }
    if (len) { /* the tail and its length: "a" and "a\0" differ */
        apr_size_t i;
        for (w = len, i = 0; i < len; i++) {
            w |= (apr_uint64_t)p[i] << (8 * (i + 1));
        }
        h = hash_step(h, w);
    }
    return h;
}

apr_uint64_t bantin_hash_str(apr_uint64_t h, const char *s)
{
    /* The terminating NUL goes in too, so ("ab","c") != ("a","bc"). */
    return s ? bantin_hash64(h, s, strlen(s) + 1) : bantin_hash64(h, "", 0);
}

/* ---- SipHash-2-4, after the reference implementation ---- */

#define ROTL(x, b) (apr_uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(bantin_sip *s)
{
    s->v0 += s->v1; s->v1 = ROTL(s->v1, 13); s->v1 ^= s->v0;
    s->v0 = ROTL(s->v0, 32);
    s->v2 += s->v3; s->v3 = ROTL(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = ROTL(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = ROTL(s->v1, 17); s->v1 ^= s->v2;
    s->v2 = ROTL(s->v2, 32);
}

/* Two rounds per word of the message (the "2" of 2-4). */
static void sip_word(bantin_sip *s, apr_uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

/* Little-endian whatever the machine, as the specification reads. */
static apr_uint64_t le64(const unsigned char *p)
{
    return (apr_uint64_t)p[0] | (apr_uint64_t)p[1] << 8
           | (apr_uint64_t)p[2] << 16 | (apr_uint64_t)p[3] << 24
           | (apr_uint64_t)p[4] << 32 | (apr_uint64_t)p[5] << 40
           | (apr_uint64_t)p[6] << 48 | (apr_uint64_t)p[7] << 56;
}

void bantin_sip_init(bantin_sip *s, const unsigned char *key)
{
    apr_uint64_t k0 = le64(key), k1 = le64(key + 8);

    s->v0 = APR_UINT64_C(0x736f6d6570736575) ^ k0;
    s->v1 = APR_UINT64_C(0x646f72616e646f6d) ^ k1;
    s->v2 = APR_UINT64_C(0x6c7967656e657261) ^ k0;
    s->v3 = APR_UINT64_C(0x7465646279746573) ^ k1;
    s->tail = 0;
    s->len = 0;
}

void bantin_sip_add(bantin_sip *s, const void *data, apr_size_t len)
{
    const unsigned char *p = data;

    /* First complete the word a previous piece left open. */
    while (len && (s->len & 7)) {
        s->tail |= (apr_uint64_t)*p++ << (8 * (s->len & 7));
        s->len++;
        len--;
        if (!(s->len & 7)) {
            sip_word(s, s->tail);
            s->tail = 0;
        }
    }
    for (; len >= 8; p += 8, len -= 8, s->len += 8) {
        sip_word(s, le64(p));
    }
    for (; len; len--, s->len++) {
        s->tail |= (apr_uint64_t)*p++ << (8 * (s->len & 7));
    }
}

apr_uint64_t bantin_sip_end(bantin_sip *s)
{
    /* The last word holds the length's low byte on top. */
    sip_word(s, s->tail | (apr_uint64_t)(s->len & 0xff) << 56);
    s->v2 ^= 0xff;
    sip_round(s);
    sip_round(s);
    sip_round(s);
    sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

apr_uint64_t bantin_siphash(const unsigned char *key, const void *data,
                            apr_size_t len)
{
    bantin_sip s;

    bantin_sip_init(&s, key);
    bantin_sip_add(&s, data, len);
    return bantin_sip_end(&s);
}

int bantin_href_is_safe(const char *href)
{
    const char *p;

    for (p = href; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            return 0;
        }
    }
    /* The scheme, if any, ends at the first ':' that comes before any of
     * '/', '?', '#' (RFC 3986, section 4.2). */
    for (p = href; *p && *p != '/' && *p != '?' && *p != '#'; p++) {
        if (*p == ':') {
            apr_size_t n = (apr_size_t)(p - href);
            return (n == 4 && !strncasecmp(href, "http", 4))
                   || (n == 5 && !strncasecmp(href, "https", 5))
                   || (n == 6 && !strncasecmp(href, "mailto", 6));
        }
    }
    /* A relative reference; "//host" is scheme-relative and leaves the
     * site, which is still a plain http(s) link, so it is allowed too.
     * A backslash is read as '/' by browsers: refuse it. */
    return strchr(href, '\\') == NULL;
}

int bantin_relpath_is_safe(const char *path)
{
    const char *p = path;

    if (!*p) {
        return 0;
    }
    while (*p) {
        const char *seg = p;
        if (*p == '.') {
            return 0; /* "..", "." and hidden files alike */
        }
        while (*p && *p != '/') {
            unsigned char c = (unsigned char)*p;
            if (!(apr_isalnum(c) || c == '.' || c == '_' || c == '-')) {
                return 0;
            }
            p++;
        }
        if (p == seg) {
            return 0; /* empty segment: leading '/' or "//" */
        }
        if (*p == '/') {
            p++;
            if (!*p) {
                return 0; /* trailing '/' */
            }
        }
    }
    return 1;
}

int bantin_slug_is_valid(const char *slug, apr_size_t len)
{
    apr_size_t i, seglen = 0;

    if (len == 0) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        char c = slug[i];
        if (c == '/') {
            if (seglen == 0) {
                return 0;
            }
            seglen = 0;
        }
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                 || c == '-') {
            seglen++;
        }
        else {
            return 0;
        }
    }
    return seglen > 0;
}
