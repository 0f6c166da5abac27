/* fuzz_common.h -- what the libFuzzer harnesses of tests/fuzz share.
 *
 * Besides crashes (ASan, UBSan) the harnesses check properties that the
 * module promises, and abort() when one does not hold, so that libFuzzer
 * keeps the input as a crash artifact:
 *
 *   - sanitised inline HTML is made of <b>, <i>, <a href="safe"> and
 *     escaped text only (fuzz_check_inline);
 *   - a rendered page holds only the tags of the shipped templates plus
 *     b, i and a, no event-handler attribute, and every href/src is safe
 *     (fuzz_check_page);
 *   - problem messages are one line of valid UTF-8 (they go to the error
 *     log and the status page).
 *
 * Everything lives in this header (static functions) so that each
 * harness is one translation unit plus the core sources.
 */
#ifndef BANTIN_FUZZ_COMMON_H
#define BANTIN_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/lsan_interface.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "bantin_buf.h"

#define FUZZ_FAIL(...)                                                       \
    do {                                                                     \
        fprintf(stderr, "fuzz property violated: " __VA_ARGS__);             \
        fputc('\n', stderr);                                                 \
        abort();                                                             \
    } while (0)

static apr_pool_t *fuzz_root;

/* apr_initialize() once, and a root pool for things kept across runs. */
static void fuzz_apr_init(void)
{
    if (!fuzz_root) {
        if (apr_initialize() != APR_SUCCESS
            || apr_pool_create(&fuzz_root, NULL) != APR_SUCCESS) {
            abort();
        }
    }
}

/* libxml2 2.9 loses a few small blocks while compiling a RELAX NG schema
 * (once per start in the module, so not a growing leak, and not ours):
 * compile it with LeakSanitizer looking away, so that the fuzzers' leak
 * detection keeps watching everything done per input. */
#define FUZZ_SCHEMA_LOAD(pool, err)                                          \
    ({                                                                       \
        bantin_schema *s_;                                                   \
        __lsan_disable();                                                    \
        s_ = bantin_schema_load(pool, err);                                  \
        __lsan_enable();                                                     \
        s_;                                                                  \
    })

/* A NUL-terminated copy of the fuzzer's bytes in p. */
static char *fuzz_cstr(apr_pool_t *p, const uint8_t *data, size_t size)
{
    char *s = apr_palloc(p, size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int fuzz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        int k, i;
        unsigned long cp;
        if (*p < 0x80) {
            p++;
            continue;
        }
        if ((*p & 0xe0) == 0xc0) { k = 1; cp = *p & 0x1f; }
        else if ((*p & 0xf0) == 0xe0) { k = 2; cp = *p & 0x0f; }
        else if ((*p & 0xf8) == 0xf0) { k = 3; cp = *p & 0x07; }
        else return 0;
        if (end - p <= k) {
            return 0;
        }
        for (i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800)
            || (k == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        p += k + 1;
    }
    return 1;
}

/* Is the property `name` switched off?  FUZZ_SKIP holds a comma-separated
 * list of properties a known, reported bug breaks (run.sh reads them from
 * known-bugs.txt), so that a long run looks past it for new ones. */
static int fuzz_skip(const char *name)
{
    const char *s = getenv("FUZZ_SKIP");
    size_t n = strlen(name);
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k == n && !strncmp(s, name, n)) {
            return 1;
        }
        s = e ? e + 1 : NULL;
    }
    return 0;
}

/* One line for a log: no line break, and (property "message-bytes")
 * valid UTF-8 without other control characters (a tab may stay). */
static void fuzz_check_message(const char *what, const char *m)
{
    const unsigned char *p;
    if (!m) {
        FUZZ_FAIL("%s: no message", what);
    }
    if (strchr(m, '\n') || strchr(m, '\r')) {
        FUZZ_FAIL("%s: line break in \"%s\"", what, m);
    }
    if (fuzz_skip("message-bytes")) {
        return;
    }
    for (p = (const unsigned char *)m; *p; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            FUZZ_FAIL("%s: control character 0x%02x in \"%s\"", what, *p, m);
        }
    }
    if (!fuzz_utf8_valid(m, strlen(m))) {
        FUZZ_FAIL("%s: message is not UTF-8: \"%s\"", what, m);
    }
}

/* Length of the entity at s ("&amp;" ...) among the ones our escaper
 * writes, or 0. */
static size_t fuzz_entity_len(const char *s)
{
    static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;",
                                       "&#39;"};
    size_t i;
    for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
        size_t n = strlen(ents[i]);
        if (!strncmp(s, ents[i], n)) {
            return n;
        }
    }
    return 0;
}

/* Decodes the entities of an attribute value written by our escaper. */
static char *fuzz_unescape_attr(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    size_t i = 0;
    while (i < n) {
        if (s[i] == '&') {
            size_t k = fuzz_entity_len(s + i);
            if (!k || i + k > n) {
                FUZZ_FAIL("bare '&' in attribute \"%.*s\"", (int)n, s);
            }
            *o++ = s[i + 1] == 'a' ? '&' : s[i + 1] == 'l' ? '<'
                 : s[i + 1] == 'g' ? '>' : s[i + 1] == 'q' ? '"' : '\'';
            i += k;
        }
        else {
            *o++ = s[i++];
        }
    }
    *o = '\0';
    return out;
}

/* Sanitised inline HTML: text with & < > " ' escaped, and only <b>, <i>,
 * <a href="..."> with a safe href, properly nested. */
static void fuzz_check_inline(apr_pool_t *p, const char *html)
{
    char stack[1024];
    int depth = 0;
    const char *s = html;

    while (*s) {
        if (*s == '<') {
            char tag;
            if (!strncmp(s, "<b>", 3) || !strncmp(s, "<i>", 3)) {
                tag = s[1];
                s += 3;
            }
            else if (!strncmp(s, "<a href=\"", 9)) {
                const char *v = s + 9, *q = strchr(v, '"');
                if (!q || q[1] != '>') {
                    FUZZ_FAIL("malformed <a> in \"%s\"", html);
                }
                if (memchr(v, '<', (size_t)(q - v))
                    || memchr(v, '>', (size_t)(q - v))) {
                    FUZZ_FAIL("raw < or > in href in \"%s\"", html);
                }
                if (!bantin_href_is_safe(fuzz_unescape_attr(
                        p, v, (size_t)(q - v)))) {
                    FUZZ_FAIL("unsafe href kept: \"%.*s\"", (int)(q - v), v);
                }
                tag = 'a';
                s = q + 2;
            }
            else if (!strncmp(s, "</b>", 4) || !strncmp(s, "</i>", 4)
                     || !strncmp(s, "</a>", 4)) {
                if (depth == 0 || stack[depth - 1] != s[2]) {
                    FUZZ_FAIL("unbalanced </%c> in \"%s\"", s[2], html);
                }
                depth--;
                s += 4;
                continue;
            }
            else {
                FUZZ_FAIL("tag outside the whitelist in \"%s\"", html);
            }
            if (depth == (int)sizeof(stack)) {
                FUZZ_FAIL("inline markup nested deeper than %d",
                          (int)sizeof(stack));
            }
            stack[depth++] = tag;
        }
        else if (*s == '>' || *s == '"' || *s == '\'') {
            FUZZ_FAIL("unescaped %c in text of \"%s\"", *s, html);
        }
        else if (*s == '&') {
            size_t k = fuzz_entity_len(s);
            if (!k) {
                FUZZ_FAIL("bare '&' in \"%s\"", html);
            }
            s += k;
        }
        else {
            s++;
        }
    }
    if (depth) {
        FUZZ_FAIL("unclosed inline markup in \"%s\"", html);
    }
}

/* ---- whole pages ---- */

typedef struct {
    const char *names[96];
    int n;
} fuzz_tagset;

static void fuzz_tagset_add(fuzz_tagset *ts, apr_pool_t *p, const char *name,
                            size_t n)
{
    int i;
    for (i = 0; i < ts->n; i++) {
        if (strlen(ts->names[i]) == n && !strncasecmp(ts->names[i], name, n)) {
            return;
        }
    }
    if (ts->n < (int)(sizeof(ts->names) / sizeof(ts->names[0]))) {
        ts->names[ts->n++] = apr_pstrmemdup(p, name, n);
    }
}

static int fuzz_tagset_has(const fuzz_tagset *ts, const char *name, size_t n)
{
    int i;
    for (i = 0; i < ts->n; i++) {
        if (strlen(ts->names[i]) == n && !strncasecmp(ts->names[i], name, n)) {
            return 1;
        }
    }
    return 0;
}

static int fuzz_is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '_';
}

/* Adds the tag names used in a template's source. */
static void fuzz_tagset_from_source(fuzz_tagset *ts, apr_pool_t *p,
                                    const char *src)
{
    const char *s = src;
    while ((s = strchr(s, '<')) != NULL) {
        const char *n = s + 1, *e;
        if (*n == '/') {
            n++;
        }
        for (e = n; fuzz_is_name_char(*e); e++) {
        }
        if (e > n) {
            fuzz_tagset_add(ts, p, n, (size_t)(e - n));
        }
        s = e;
    }
}

static int fuzz_url_ok(const char *attr, const char *tag, const char *value,
                       const char *base)
{
    if (!bantin_href_is_safe(value)) {
        return 0;
    }
    if (!strcasecmp(tag, "img") && !strcasecmp(attr, "src")) {
        /* only our own media or http(s) */
        return !strncmp(value, "http://", 7) || !strncmp(value, "https://", 8)
               || (!strncmp(value, base, strlen(base))
                   && !strncmp(value + strlen(base), "/media/", 7));
    }
    if (!strcasecmp(tag, "script")) {
        return !strncmp(value, base, strlen(base))
               && !strncmp(value + strlen(base), "/static/", 8);
    }
    return 1;
}

/* A page: every tag in `allowed`, attributes double-quoted with escaped
 * values, no on* attribute, safe URLs, no inline script. */
static void fuzz_check_page(apr_pool_t *p, const fuzz_tagset *allowed,
                            const char *page, size_t len, const char *base)
{
    const char *s = page, *end = page + len;

    if (memchr(page, '\0', len)) {
        FUZZ_FAIL("NUL byte in a page");
    }
    while (s < end && (s = memchr(s, '<', (size_t)(end - s))) != NULL) {
        const char *n = s + 1, *e;
        int closing = 0, script = 0;
        char tag[64];

        if (!strncmp(n, "!--", 3)) {
            const char *c = strstr(n, "-->");
            if (!c) {
                FUZZ_FAIL("unclosed comment");
            }
            s = c + 3;
            continue;
        }
        if (!strncasecmp(n, "!DOCTYPE", 8)) {
            s = n;
            continue;
        }
        if (*n == '/') {
            closing = 1;
            n++;
        }
        for (e = n; fuzz_is_name_char(*e); e++) {
        }
        if (e == n || e - n >= (long)sizeof(tag)
            || !fuzz_tagset_has(allowed, n, (size_t)(e - n))) {
            FUZZ_FAIL("unexpected tag at \"%.40s\"", s);
        }
        memcpy(tag, n, (size_t)(e - n));
        tag[e - n] = '\0';
        script = !closing && !strcasecmp(tag, "script");
        s = e;
        for (;;) {
            const char *an, *ae, *v, *q;
            while (*s == ' ' || *s == '\n' || *s == '\t') {
                s++;
            }
            if (*s == '>') {
                s++;
                break;
            }
            if (s[0] == '/' && s[1] == '>') {
                s += 2;
                break;
            }
            if (closing) {
                FUZZ_FAIL("attributes on </%s>", tag);
            }
            for (an = s, ae = s; fuzz_is_name_char(*ae); ae++) {
            }
            if (ae == an) {
                FUZZ_FAIL("garbage in <%s>: \"%.40s\"", tag, s);
            }
            if ((ae - an) >= 2 && !strncasecmp(an, "on", 2)) {
                FUZZ_FAIL("event-handler attribute %.*s in <%s>",
                          (int)(ae - an), an, tag);
            }
            s = ae;
            if (*s != '=') {
                continue; /* a boolean attribute */
            }
            if (s[1] != '"') {
                FUZZ_FAIL("unquoted attribute value in <%s>", tag);
            }
            v = s + 2;
            if (!(q = memchr(v, '"', (size_t)(end - v)))) {
                FUZZ_FAIL("unterminated attribute value in <%s>", tag);
            }
            if (memchr(v, '<', (size_t)(q - v))
                || memchr(v, '>', (size_t)(q - v))) {
                FUZZ_FAIL("raw < or > in an attribute of <%s>", tag);
            }
            {
                char attr[32];
                size_t an_len = (size_t)(ae - an);
                const char *value = fuzz_unescape_attr(p, v, (size_t)(q - v));
                if (an_len < sizeof(attr)) {
                    memcpy(attr, an, an_len);
                    attr[an_len] = '\0';
                    if ((!strcasecmp(attr, "href") || !strcasecmp(attr, "src")
                         || !strcasecmp(attr, "action"))
                        && !fuzz_url_ok(attr, tag, value, base)) {
                        FUZZ_FAIL("unsafe %s=\"%s\" in <%s>", attr, value,
                                  tag);
                    }
                }
            }
            s = q + 1;
        }
        if (script) {
            /* no inline script: the element must be empty */
            if (strncasecmp(s, "</script>", 9)) {
                FUZZ_FAIL("inline script content \"%.40s\"", s);
            }
        }
    }
}

#endif
