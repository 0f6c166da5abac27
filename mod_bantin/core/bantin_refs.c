/* bantin_refs.c -- an article's references that lead nowhere. */
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_fs.h"
#include "bantin_refs.h"

/* Endings of host names editors paste (the portal's readers are in
 * Vietnam); a first segment ending otherwise ("trang.html") is taken for
 * a file name, not a host. */
static const char *const host_endings[] = {
    "vn", "com", "net", "org", "gov", "edu", "info", "io", "biz", "asia",
};

int bantin_ref_lacks_scheme(const char *href)
{
    apr_size_t n = strcspn(href, "/?#"), i;
    const char *dot;

    if (n == 0 || href[0] == '.' || memchr(href, ':', n)) {
        return 0; /* "/x", "#x", "./x", "../x", or a scheme */
    }
    if (n > 4 && !strncasecmp(href, "www.", 4)) {
        return 1;
    }
    for (dot = href + n; dot > href && dot[-1] != '.'; dot--) {
    }
    if (dot == href) {
        return 0; /* no dot: a relative page name */
    }
    for (i = 0; i < sizeof(host_endings) / sizeof(host_endings[0]); i++) {
        apr_size_t k = strlen(host_endings[i]);
        if ((apr_size_t)(href + n - dot) == k
            && !strncasecmp(dot, host_endings[i], k)) {
            return 1;
        }
    }
    return 0;
}

/* Where value stands quoted in the file after "name=": the first
 * character of it, or NULL. */
static const char *find_attr(const char *data, apr_size_t len,
                             const char *name, const char *value)
{
    apr_size_t nn = strlen(name), nv = strlen(value);
    const char *p = data, *end = data + len;

    for (; p + nn + nv + 3 <= end; p++) {
        if (!memcmp(p, name, nn) && p[nn] == '='
            && (p[nn + 1] == '"' || p[nn + 1] == '\'')
            && !memcmp(p + nn + 2, value, nv) && p[nn + 2 + nv] == p[nn + 1]) {
            return p + nn + 2;
        }
    }
    return NULL;
}

/* The line and column (in characters) of value in the file, as written
 * or with its '&' written "&amp;"; 0 and 0 when not found. */
static void place(apr_pool_t *p, const char *data, apr_size_t len,
                  const char *name, const char *value, int *line, int *col)
{
    const char *at = NULL, *q;

    *line = *col = 0;
    if (data && !(at = find_attr(data, len, name, value))
        && strchr(value, '&')) {
        at = find_attr(data, len, name,
                       bantin_html_escape(p, value));
    }
    if (!at) {
        return;
    }
    *line = 1;
    *col = 1;
    for (q = data; q < at; q++) {
        if (*q == '\n') {
            (*line)++;
            *col = 1;
        }
        else if (((unsigned char)*q & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static void add(apr_pool_t *p, apr_array_header_t *out, const bantin_article *a,
                const char *data, apr_size_t len, const char *attr,
                const char *value, int id, const char *better)
{
    bantin_problem *pr = apr_array_push(out);

    memset(pr, 0, sizeof(*pr));
    pr->file = a->path;
    place(p, data, len, attr, value, &pr->line, &pr->col);
    bantin_problem_set(p, pr, id, value, better, NULL);
}

/* The links of a block's sanitised HTML: <a href="..."> as inline_html
 * writes them, the value HTML-escaped. */
static int check_links(apr_pool_t *p, const bantin_article *a,
                       const char *html, const char *data, apr_size_t len,
                       apr_array_header_t *out)
{
    static const char tag[] = "<a href=\"";
    const char *s = html;
    int n = 0;

    while (s && (s = strstr(s, tag)) != NULL) {
        const char *v = s + sizeof(tag) - 1, *e = strchr(v, '"');
        const char *href;
        if (!e) {
            break;
        }
        href = bantin_html_text(p, apr_pstrmemdup(p, v, (apr_size_t)(e - v)));
        if (bantin_ref_lacks_scheme(href)) {
            add(p, out, a, data, len, "href", href, BANTIN_MSG_REF_NO_SCHEME,
                apr_pstrcat(p, "https://", href, NULL));
            n++;
        }
        s = e;
    }
    return n;
}

int bantin_refs_check(apr_pool_t *p, const bantin_article *a, int content_fd,
                      const char *data, apr_size_t len,
                      apr_array_header_t *out)
{
    int i, n = 0;

    for (i = 0; i < a->nblocks; i++) {
        const bantin_block *b = &a->blocks[i];
        if (b->kind == BANTIN_BLOCK_FIGURE && b->src && b->src_is_media
            && content_fd >= 0) {
            /* as the portal serves it: below the content dir, no link */
            int fd = bantin_fs_open_below(content_fd, b->src, BANTIN_FS_FILE);
            if (fd >= 0) {
                close(fd);
            }
            else {
                add(p, out, a, data, len, "src", b->src,
                    BANTIN_MSG_REF_MEDIA_MISSING, NULL);
                n++;
            }
        }
        if (b->html) {
            n += check_links(p, a, b->html, data, len, out);
        }
    }
    return n;
}
