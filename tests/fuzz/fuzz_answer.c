/* fuzz_answer.c -- libFuzzer harness: the core's one entry for requests
 * (bantin_answer) over the shipped content and templates.  The input is
 * a request, one field a line: method, path below the prefix, query
 * string, Cookie header, Accept-Encoding, the font-size form's body.
 * Control bytes are dropped from the path and the query, as servers
 * refuse them in a request line.
 *
 * Properties: the answer's status is one the portal gives; no header
 * value holds a CR, LF or NUL; a redirect's Location is the portal's
 * prefix and a route that cannot leave it; an HTML body not compressed
 * is valid UTF-8 (property "answer-utf8", see known-bugs.txt).
 */
#include "bantin_answer.h"
#include "bantin_hot.h"
#include "bantin_request.h"
#include "fuzz_common.h"

#define PREFIX "/portal"

static bantin_settings settings;
static bantin_portal portal;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *err = NULL;
    const bantin_schema *schema;
    bantin_theme *theme;
    bantin_store *store;
    (void)argc; (void)argv;

    fuzz_apr_init();
    if (!(schema = FUZZ_SCHEMA_LOAD(fuzz_root, &err))) {
        fprintf(stderr, "schema: %s\n", err ? err : "?");
        abort();
    }
    if ((err = bantin_theme_load(fuzz_root, BANTIN_REPO "/templates",
                                 &theme)) != NULL) {
        fprintf(stderr, "theme: %s\n", err);
        abort();
    }
    /* The store and the page cache keep malloc()ed memory that only pool
     * memory points to, which LeakSanitizer does not scan: made with it
     * looking away, they live as long as the process, as in a server. */
    __lsan_disable();
    if (bantin_store_create(&store, fuzz_root, BANTIN_REPO "/content", schema,
                            7 * 60, apr_time_from_sec(3600), NULL)
        != APR_SUCCESS) {
        fprintf(stderr, "content: cannot be read\n");
        abort();
    }
    portal.cache = bantin_cache_create(fuzz_root, 1 << 20);
    portal.hot = bantin_hot_create(fuzz_root, 64); /* answers given again */
    __lsan_enable();
    bantin_settings_unset(&settings);
    portal.settings = &settings;
    portal.content_dir = BANTIN_REPO "/content";
    portal.store = store;
    portal.theme = theme;
    portal.refresh = 0;
    return 0;
}

/* The next line of *s (NULL past the end), without CR, and without any
 * control byte when strip. */
static const char *field(apr_pool_t *p, char **s, int strip)
{
    char *line = *s, *nl, *out, *o;
    const char *i;

    if (!line) {
        return NULL;
    }
    if ((nl = strchr(line, '\n'))) {
        *nl = '\0';
        *s = nl + 1;
    }
    else {
        *s = NULL;
    }
    out = o = apr_palloc(p, strlen(line) + 1);
    for (i = line; *i; i++) {
        unsigned char c = (unsigned char)*i;
        if (c == '\r' || (strip && (c < 0x20 || c == 0x7f))) {
            continue;
        }
        *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

static const char *read_form(void *baton, apr_size_t max)
{
    const char *form = baton;
    return !form ? "" : strlen(form) < max ? form : NULL;
}

static void check(const bantin_request_in *in, const bantin_response *a)
{
    static const int statuses[] = {200, 301, 303, 400, 404, 405, 410, 503};
    size_t k;
    int i, known = 0;

    for (k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++) {
        known |= a->status == statuses[k];
    }
    if (!known) {
        FUZZ_FAIL("status %d for \"%s\"", a->status, in->path);
    }
    for (i = 0; i < a->headers->nelts; i++) {
        const bantin_header *h = &APR_ARRAY_IDX(a->headers, i, bantin_header);
        if (h->value && strpbrk(h->value, "\r\n")) {
            FUZZ_FAIL("header %s splits: \"%s\"", h->name, h->value);
        }
        if (!strcmp(h->name, "Location")) {
            const char *route = h->value + strlen(PREFIX), *q;
            if (strncmp(h->value, PREFIX "/", strlen(PREFIX) + 1)
                || route[1] == '/' || route[1] == '\\') {
                FUZZ_FAIL("Location leaves the portal: \"%s\"", h->value);
            }
            /* what comes before a query is a route of ours */
            q = strchr(route, '?');
            if (a->status != 301 || q) {
                continue;
            }
            if (!bantin_location_is_safe(route)) {
                FUZZ_FAIL("301 to an unsafe route: \"%s\"", h->value);
            }
        }
    }
    if (!fuzz_skip("answer-utf8") && a->fd < 0 && a->body && a->ctype
        && !a->encoding && !strncmp(a->ctype, "text/html", 9)
        && !fuzz_utf8_valid(a->body, a->len)) {
        FUZZ_FAIL("HTML answer to \"%s\" is not UTF-8", in->path);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *s;
    const char *method;
    bantin_request_in in;
    bantin_response a;

    apr_pool_create(&p, fuzz_root);
    s = fuzz_cstr(p, data, size);
    memset(&in, 0, sizeof(in));
    method = field(p, &s, 1);
    in.method = method && *method ? method : "GET";
    in.prefix = PREFIX;
    in.path = field(p, &s, 1);
    if (!in.path) {
        in.path = "/";
    }
    in.args = field(p, &s, 1);
    in.cookie = field(p, &s, 0);
    in.accept_encoding = field(p, &s, 0);
    in.baton = (void *)field(p, &s, 0);
    in.read_form = read_form;
    in.site = "http://127.0.0.1:8080";
    bantin_answer(p, &portal, &in, &a);
    check(&in, &a);
    apr_pool_destroy(p);
    return 0;
}
