/* fuzz_render.c -- libFuzzer harness: an article file as an editor may
 * write it, parsed, then rendered with the shipped templates of the
 * repository (templates/) the way readers get it: the article page, each
 * of its blocks, the print view, the home list, the RSS feed and the
 * sitemap.
 *
 * Properties (see fuzz_common.h): every HTML answer holds only the tags of
 * the shipped templates plus b, i and a, double-quoted attribute values
 * with escaped text, no event-handler attribute, only safe href/src
 * values (images: our media or http(s)), no inline script; the feed and
 * the sitemap are well-formed XML.
 *
 * The template dir is $BANTIN_TEMPLATE_DIR, or the repository's.
 */
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <libxml/parser.h>

#include "bantin_article.h"
#include "bantin_feed.h"
#include "bantin_render.h"
#include "fuzz_common.h"

#ifndef BANTIN_REPO
#define BANTIN_REPO "."
#endif

static const bantin_schema *schema;
static bantin_theme *theme;
static fuzz_tagset allowed;
static const char *const rems[] = {"0.875", "1", "1.125", "1.375", "1.75"};

static void load_tags(const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, fuzz_root) != APR_SUCCESS) {
        abort();
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        size_t n = strlen(fi.name);
        char *src;
        apr_file_t *f;
        apr_size_t got;
        apr_finfo_t st;
        const char *path;
        if (n < 6 || strcmp(fi.name + n - 5, ".html")) {
            continue;
        }
        path = apr_pstrcat(fuzz_root, dir, "/", fi.name, NULL);
        if (apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, fuzz_root)
                != APR_SUCCESS
            || apr_file_info_get(&st, APR_FINFO_SIZE, f) != APR_SUCCESS) {
            abort();
        }
        src = apr_palloc(fuzz_root, (apr_size_t)st.size + 1);
        apr_file_read_full(f, src, (apr_size_t)st.size, &got);
        src[got] = '\0';
        apr_file_close(f);
        fuzz_tagset_from_source(&allowed, fuzz_root, src);
    }
    apr_dir_close(d);
    fuzz_tagset_add(&allowed, fuzz_root, "b", 1);
    fuzz_tagset_add(&allowed, fuzz_root, "i", 1);
    fuzz_tagset_add(&allowed, fuzz_root, "a", 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *err = NULL;
    const char *dir = getenv("BANTIN_TEMPLATE_DIR");
    (void)argc; (void)argv;
    fuzz_apr_init();
    if (!dir || !*dir) {
        dir = BANTIN_REPO "/templates";
    }
    if (!(schema = FUZZ_SCHEMA_LOAD(fuzz_root, &err))) {
        fprintf(stderr, "schema: %s\n", err ? err : "?");
        abort();
    }
    if ((err = bantin_theme_load(fuzz_root, dir, &theme)) != NULL) {
        fprintf(stderr, "theme: %s\n", err);
        abort();
    }
    load_tags(dir);
    return 0;
}

static void check_html(apr_pool_t *p, const char *what, const bantin_page *pg,
                       const char *base)
{
    if (!pg->data || !pg->len) {
        FUZZ_FAIL("%s: empty page", what);
    }
    if (!fuzz_utf8_valid(pg->data, pg->len)) {
        FUZZ_FAIL("%s: page is not UTF-8", what);
    }
    fuzz_check_page(p, &allowed, pg->data, pg->len, base);
}

static void check_xml(const char *what, const bantin_page *pg)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    xmlDocPtr doc;
    if (!ctxt) {
        abort();
    }
    doc = xmlCtxtReadMemory(ctxt, pg->data, (int)pg->len, NULL, "UTF-8",
                            XML_PARSE_NONET | XML_PARSE_NOERROR
                            | XML_PARSE_NOWARNING);
    if (!doc || !ctxt->wellFormed) {
        fprintf(stderr, "%.*s\n", (int)(pg->len > 4000 ? 4000 : pg->len),
                pg->data);
        FUZZ_FAIL("%s is not well-formed XML", what);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    bantin_article *parsed = NULL, *a;
    bantin_problem pr;
    char *copy;
    bantin_view v;
    bantin_page pg;
    int fs;

    apr_pool_create(&p, fuzz_root);
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (bantin_article_parse(p, schema, "fuzz.xml", copy, size,
                             BANTIN_TZ_DEFAULT_MIN, &parsed, &pr)
        != APR_SUCCESS) {
        free(copy);
        apr_pool_destroy(p);
        return 0;
    }
    if (!(a = bantin_article_pack(parsed, "2024/fuzz"))) {
        abort();
    }
    memset(&v, 0, sizeof(v));
    v.base = "/portal";
    v.portal_name = "Bản tin <thử> & \"nghiệm\"";
    v.tz_min = BANTIN_TZ_DEFAULT_MIN;
    v.fs_count = 5;
    v.fs_rem = rems;
    v.fs_cookie = "bantin_fs";
    v.site = "http://127.0.0.1:8080";
    fs = size ? 1 + data[size - 1] % 5 : 3;
    v.fs_step = fs;

    {
        const bantin_article *one[1];
        bantin_around around;
        static const bantin_part_e parts[] = {
            BANTIN_PART_PAGE, BANTIN_PART_TOOLBAR, BANTIN_PART_VIEW,
            BANTIN_PART_RELATED, BANTIN_PART_OTHER, BANTIN_PART_PRINT};
        size_t i;

        one[0] = a;
        memset(&around, 0, sizeof(around));
        around.related = one;
        around.nrelated = 1;
        around.newer = a;
        around.older = a;
        around.other = one;
        around.nother = 1;

        bantin_render_article(p, theme, &v, a, &pg);
        check_html(p, "article page", &pg, v.base);
        for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            bantin_render_article_ex(p, theme, &v, a, &around, parts[i], &pg);
            check_html(p, "article part", &pg, v.base);
        }
        bantin_render_list(p, theme, &v, one, 1, 1, 1, &pg);
        check_html(p, "home list", &pg, v.base);
        bantin_render_rss(p, &v, v.portal_name, "/", "/feed.xml", one, 1,
                          &pg);
        check_xml("feed", &pg);
        bantin_render_sitemap(p, &v, one, 1, 1, &pg);
        check_xml("sitemap", &pg);
    }
    bantin_article_free(a);
    free(copy);
    apr_pool_destroy(p);
    return 0;
}
