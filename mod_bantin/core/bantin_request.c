/* bantin_request.c -- see bantin_request.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_request.h"

#define MAX_BACK 512

static int starts(const char *s, const char *prefix, const char **rest)
{
    apr_size_t n = strlen(prefix);
    if (strncmp(s, prefix, n)) {
        return 0;
    }
    *rest = s + n;
    return 1;
}

void bantin_route_parse(apr_pool_t *p, const char *rest, bantin_route *out)
{
    const char *arg;

    out->kind = BANTIN_ROUTE_NOT_FOUND;
    out->arg = NULL;
    out->block = BANTIN_BLOCK_NONE;
    if (!*rest) {
        out->kind = BANTIN_ROUTE_ADD_SLASH;
    }
    else if (!strcmp(rest, "/")) {
        out->kind = BANTIN_ROUTE_HOME;
    }
    else if (!strcmp(rest, "/fontsize")) {
        out->kind = BANTIN_ROUTE_FONTSIZE;
    }
    else if (starts(rest, "/article/", &arg)) {
        if (bantin_slug_is_valid(arg, strlen(arg))) {
            out->kind = BANTIN_ROUTE_ARTICLE;
            out->arg = apr_pstrdup(p, arg);
        }
    }
    else if (starts(rest, "/media/", &arg)) {
        if (bantin_relpath_is_safe(arg)) {
            out->kind = BANTIN_ROUTE_MEDIA;
            out->arg = apr_pstrdup(p, arg);
        }
    }
    else if (!strcmp(rest, "/block/list")) {
        out->kind = BANTIN_ROUTE_BLOCK;
        out->block = BANTIN_BLOCK_LIST;
    }
    else if (starts(rest, "/block/", &arg)) {
        static const struct {
            const char *name;
            bantin_block_e block;
        } blocks[] = {{"toolbar/", BANTIN_BLOCK_TOOLBAR},
                      {"view/", BANTIN_BLOCK_VIEW},
                      {"related/", BANTIN_BLOCK_RELATED},
                      {"other/", BANTIN_BLOCK_OTHER}};
        apr_size_t i;
        const char *slug;
        for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
            if (starts(arg, blocks[i].name, &slug)
                && bantin_slug_is_valid(slug, strlen(slug))) {
                out->kind = BANTIN_ROUTE_BLOCK;
                out->block = blocks[i].block;
                out->arg = apr_pstrdup(p, slug);
            }
        }
    }
    else if (!strcmp(rest, "/search")) {
        out->kind = BANTIN_ROUTE_SEARCH;
    }
    else if (!strcmp(rest, "/feed.xml")) {
        out->kind = BANTIN_ROUTE_FEED;
    }
    else if (!strcmp(rest, "/sitemap.xml")) {
        out->kind = BANTIN_ROUTE_SITEMAP;
    }
    else if (starts(rest, "/sitemap-", &arg)) {
        apr_size_t n = strspn(arg, "0123456789");
        if (n > 0 && n < 6 && arg[0] != '0' && !strcmp(arg + n, ".xml")) {
            out->kind = BANTIN_ROUTE_SITEMAP;
            out->arg = apr_pstrmemdup(p, arg, n);
        }
    }
    else if (starts(rest, "/print/", &arg)) {
        if (bantin_slug_is_valid(arg, strlen(arg))) {
            out->kind = BANTIN_ROUTE_PRINT;
            out->arg = apr_pstrdup(p, arg);
        }
    }
    else if (starts(rest, "/category/", &arg)) {
        apr_size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-");
        if (n > 0 && (!arg[n] || !strcmp(arg + n, "/feed.xml"))) {
            out->kind = arg[n] ? BANTIN_ROUTE_FEED : BANTIN_ROUTE_CATEGORY;
            out->arg = apr_pstrmemdup(p, arg, n);
        }
    }
    else if (starts(rest, "/static/", &arg)) {
        if (bantin_relpath_is_safe(arg) && !strchr(arg, '/')) {
            out->kind = BANTIN_ROUTE_STATIC;
            out->arg = apr_pstrdup(p, arg);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)apr_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *bantin_unescape(apr_pool_t *p, const char *s, apr_size_t n,
                      int plus_is_space)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;
            /* "%00" is refused: a NUL would cut the string short. */
            if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0
                || (lo = hexval(s[i + 2])) < 0 || (hi | lo) == 0) {
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        }
        else if (s[i] == '+' && plus_is_space) {
            *o++ = ' ';
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

const char *bantin_form_get(apr_pool_t *p, const char *query,
                            const char *name)
{
    apr_size_t nlen = strlen(name);
    const char *s = query;

    while (s && *s) {
        const char *end = strchr(s, '&');
        apr_size_t len = end ? (apr_size_t)(end - s) : strlen(s);
        if (len > nlen && s[nlen] == '=' && !strncmp(s, name, nlen)) {
            return bantin_unescape(p, s + nlen + 1, len - nlen - 1, 1);
        }
        if (len == nlen && !strncmp(s, name, nlen)) {
            return "";
        }
        s = end ? end + 1 : NULL;
    }
    return NULL;
}

long bantin_page_parse(const char *s)
{
    long v = 0;
    int n = 0;

    if (!s || !*s) {
        return -1;
    }
    for (; *s; s++, n++) {
        if (*s < '0' || *s > '9') {
            return -1;
        }
        if (n < 9) {
            v = v * 10 + (*s - '0');
        }
        else {
            v = 0; /* absurdly long: no such page */
        }
    }
    return v;
}

int bantin_accepts_gzip(const char *h)
{
    while (h && *h) {
        const char *end = strchr(h, ','), *semi, *name;
        apr_size_t n;
        int q_zero = 0;

        while (*h == ' ' || *h == '\t') {
            h++;
        }
        name = h;
        n = end ? (apr_size_t)(end - h) : strlen(h);
        semi = memchr(h, ';', n);
        if (semi) {
            /* q=0, q=0.0, q=0.000: "not acceptable" */
            const char *q = semi + 1;
            while (*q == ' ') {
                q++;
            }
            if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
                const char *v = q + 2;
                q_zero = v[0] == '0';
                for (v++; q_zero && *v && *v != ',' && *v != ' '; v++) {
                    q_zero = *v == '.' || *v == '0';
                }
            }
            n = (apr_size_t)(semi - h);
        }
        while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t')) {
            n--;
        }
        if (((n == 4 && !strncasecmp(name, "gzip", 4))
             || (n == 6 && !strncasecmp(name, "x-gzip", 6))
             || (n == 1 && name[0] == '*'))
            && !q_zero) {
            return 1;
        }
        h = end ? end + 1 : NULL;
    }
    return 0;
}

int bantin_fontsize_from_cookie(const char *header, const char *name,
                                int count, int def)
{
    apr_size_t nlen = strlen(name);
    const char *s = header;
    int found = -1, seen = 0;

    while (s && *s) {
        const char *end = strchr(s, ';');
        apr_size_t len;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        len = end ? (apr_size_t)(end - s) : strlen(s);
        if (len > nlen && s[nlen] == '=' && !strncmp(s, name, nlen)) {
            const char *v = s + nlen + 1;
            apr_size_t vlen = len - nlen - 1, i;
            int step = 0;
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) {
                vlen--;
            }
            seen++;
            found = -1;
            if (vlen >= 1 && vlen <= 2) {
                for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9'; i++) {
                    step = step * 10 + (v[i] - '0');
                }
                if (i == vlen && step >= 1 && step <= count) {
                    found = step;
                }
            }
        }
        s = end ? end + 1 : NULL;
    }
    /* Two cookies of one name come from two paths or a forged header:
     * neither can be trusted over the other, so fall back to the default. */
    return seen == 1 && found > 0 ? found : def;
}

int bantin_fontsize_apply(const char *req, int cur, int count)
{
    int v = cur;

    if (!req) {
        return cur;
    }
    if (!strcmp(req, "up")) {
        v = cur + 1;
    }
    else if (!strcmp(req, "down")) {
        v = cur - 1;
    }
    else if (*req >= '1' && *req <= '9' && strlen(req) <= 2
             && (!req[1] || (req[1] >= '0' && req[1] <= '9'))) {
        v = atoi(req);
    }
    return v < 1 ? 1 : v > count ? count : v;
}

int bantin_back_is_safe(const char *back)
{
    apr_size_t n = strlen(back);
    return n == 0 || (n <= MAX_BACK && bantin_slug_is_valid(back, n));
}

const char *bantin_route_canonical(apr_pool_t *p, const char *rest,
                                   const char *args, bantin_route *out)
{
    apr_size_t n = strlen(rest), i;
    const char *query = NULL, *v;
    char *c;

    out->kind = BANTIN_ROUTE_NOT_FOUND;
    out->arg = NULL;
    out->block = BANTIN_BLOCK_NONE;
    while (n > 1 && rest[n - 1] == '/') {
        n--;
    }
    c = apr_pstrmemdup(p, rest, n);
    for (i = 0; i < n; i++) {
        if (c[i] >= 'A' && c[i] <= 'Z') { /* ASCII only: slugs are */
            c[i] = (char)(c[i] - 'A' + 'a');
        }
    }
    if (!strcmp(c, rest)) {
        return NULL; /* written as it is: nothing to mend */
    }
    bantin_route_parse(p, c, out);
    switch (out->kind) {
    case BANTIN_ROUTE_ARTICLE:
        v = args ? bantin_form_get(p, args, "print") : NULL;
        query = v && !strcmp(v, "1") ? "print=1" : NULL;
        break;
    case BANTIN_ROUTE_CATEGORY: {
        long page;
        v = args ? bantin_form_get(p, args, "page") : NULL;
        if (v && (page = bantin_page_parse(v)) > 0) {
            query = apr_psprintf(p, "page=%ld", page);
        }
        break;
    }
    case BANTIN_ROUTE_PRINT:
    case BANTIN_ROUTE_FEED:
        break;
    default:
        out->kind = BANTIN_ROUTE_NOT_FOUND;
        out->arg = NULL;
        out->block = BANTIN_BLOCK_NONE;
        return NULL;
    }
    return query ? apr_pstrcat(p, c, "?", query, NULL) : c;
}

int bantin_location_is_safe(const char *route)
{
    const char *s;

    if (route[0] != '/' || strlen(route) > MAX_BACK + 64) {
        return 0;
    }
    for (s = route; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
              || strchr("-/.?=&", *s))
            || (s[0] == '/' && (s[1] == '/' || s[1] == '.'))) {
            return 0;
        }
    }
    return 1;
}
