/* fuzz_request.c -- libFuzzer harness: everything a request hands the
 * core as a string -- the path below the prefix (bantin_route_parse), query
 * and form strings (bantin_unescape, bantin_form_get, bantin_page_parse),
 * the Cookie header (bantin_fontsize_from_cookie), the font-size form
 * (bantin_fontsize_apply, bantin_back_is_safe), Accept-Encoding -- and
 * the string helpers they rely on (escaping, URL and path checks, folding).
 *
 * Properties: a routed slug or path is valid and never climbs out (no
 * segment starting with ".", so no "..", no leading "/", no backslash); the
 * cookie always yields a step in
 * range; a back route accepted is made only of [a-z0-9-/] and so cannot
 * leave the portal or split a header; escapes produce nothing unsafe for
 * their context.
 */
#include "bantin_fold.h"
#include "bantin_request.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_apr_init();
    return 0;
}

static void check_route(apr_pool_t *p, const char *rest)
{
    bantin_route r;
    bantin_route_parse(p, rest, &r);
    switch (r.kind) {
    case BANTIN_ROUTE_ARTICLE:
    case BANTIN_ROUTE_PRINT:
        if (!r.arg || !bantin_slug_is_valid(r.arg, strlen(r.arg))) {
            FUZZ_FAIL("article route with bad slug from \"%s\"", rest);
        }
        break;
    case BANTIN_ROUTE_MEDIA:
    case BANTIN_ROUTE_STATIC:
        if (!r.arg || !bantin_relpath_is_safe(r.arg) || r.arg[0] == '.'
            || strstr(r.arg, "/.") || r.arg[0] == '/'
            || strchr(r.arg, '\\')) {
            FUZZ_FAIL("file route escapes: \"%s\" from \"%s\"",
                      r.arg ? r.arg : "(null)", rest);
        }
        if (r.kind == BANTIN_ROUTE_STATIC && strchr(r.arg, '/')) {
            FUZZ_FAIL("static route with a folder: \"%s\"", r.arg);
        }
        break;
    case BANTIN_ROUTE_BLOCK:
    case BANTIN_ROUTE_CATEGORY:
    case BANTIN_ROUTE_FEED:
        if (r.arg && strcmp(r.arg, "")
            && !bantin_slug_is_valid(r.arg, strlen(r.arg))) {
            FUZZ_FAIL("route %d with bad argument \"%s\"", (int)r.kind,
                      r.arg);
        }
        break;
    default:
        break;
    }
}

static void check_back(apr_pool_t *p, const char *back)
{
    const char *s;
    if (!bantin_back_is_safe(back)) {
        return;
    }
    for (s = back; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
              || *s == '-' || *s == '/')) {
            FUZZ_FAIL("back accepted with 0x%02x: \"%s\"", (unsigned char)*s,
                      back);
        }
    }
    if (back[0] == '/' || strstr(back, "//")) {
        FUZZ_FAIL("back accepted that leaves the portal: \"%s\"", back);
    }
    (void)p;
}

static void check_escapes(apr_pool_t *p, const char *s, size_t n)
{
    bantin_buf b;
    size_t i;

    bantin_buf_init(&b, p, 16);
    bantin_buf_add_html(&b, s, n);
    for (i = 0; i < b.len; i++) {
        char c = b.data[i];
        if (c == '<' || c == '>' || c == '"' || c == '\'') {
            FUZZ_FAIL("html escape left %c", c);
        }
        if (c == '&' && !fuzz_entity_len(b.data + i)) {
            FUZZ_FAIL("html escape left a bare &");
        }
    }
    bantin_buf_init(&b, p, 16);
    bantin_buf_add_urlpath(&b, s);
    for (i = 0; i < b.len; i++) {
        unsigned char c = (unsigned char)b.data[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || strchr("-._~/%", c))) {
            FUZZ_FAIL("urlpath left 0x%02x", c);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *s;
    const char *v;
    int step, i;
    size_t len;

    apr_pool_create(&p, fuzz_root);
    s = fuzz_cstr(p, data, size);
    len = strlen(s); /* what httpd would hand over: up to the first NUL */

    check_route(p, s);
    {
        char *u = bantin_unescape(p, s, len, 0);
        if (u) {
            check_route(p, u);
        }
        u = bantin_unescape(p, s, len, 1);
        if (u && strlen(u) > len) {
            FUZZ_FAIL("unescape grew the string");
        }
    }
    {
        static const char *const names[] = {"step", "back", "page", "q"};
        for (i = 0; i < 4; i++) {
            v = bantin_form_get(p, s, names[i]);
            if (v) {
                check_back(p, v);
                (void)bantin_fontsize_apply(v, 3, 5);
                if (bantin_page_parse(v) < -1) {
                    FUZZ_FAIL("page_parse below -1");
                }
            }
        }
    }
    check_back(p, s);
    step = bantin_fontsize_apply(s, 3, 5);
    if (step < 1 || step > 5) {
        FUZZ_FAIL("fontsize_apply gave %d", step);
    }
    for (i = 2; i <= 12; i += 5) {
        int def = (i + 1) / 2;
        step = bantin_fontsize_from_cookie(s, "bantin_fs", i, def);
        if (step < 1 || step > i) {
            FUZZ_FAIL("cookie gave step %d of %d", step, i);
        }
    }
    (void)bantin_accepts_gzip(s);
    (void)bantin_page_parse(s);
    (void)bantin_slug_is_valid(s, len);
    (void)bantin_href_is_safe(s);
    check_escapes(p, s, len);
    if (fuzz_utf8_valid(s, len)) {
        char *f = bantin_fold(p, s, len);
        char *slug = bantin_slugify(p, s);
        if (!f || !slug) {
            FUZZ_FAIL("fold returned NULL");
        }
        if (*slug && !bantin_slug_is_valid(slug, strlen(slug))) {
            FUZZ_FAIL("slugify gave \"%s\"", slug);
        }
        if (strchr(slug, '/')) {
            FUZZ_FAIL("slugify kept a '/'");
        }
    }
    else {
        /* Not UTF-8: must not crash either. */
        (void)bantin_fold(p, s, len);
        (void)bantin_slugify(p, s);
    }
    {
        bantin_word *words;
        apr_size_t k, nw = bantin_fold_words(p, s, len, &words);
        for (k = 0; k < nw; k++) {
            if (words[k].start > words[k].end || words[k].end > len) {
                FUZZ_FAIL("word range out of the text");
            }
        }
    }
    apr_pool_destroy(p);
    return 0;
}
