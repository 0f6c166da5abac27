/* fuzz_article.c -- libFuzzer harness: one article file, parsed and
 * validated against the compiled-in schema (bantin_article_parse), then
 * packed as the store does.
 *
 * Properties checked besides memory safety (see fuzz_common.h): a refused
 * file gets a one-line UTF-8 message with a sane position; an accepted
 * one has sanitised inline HTML, safe figure sources, UTF-8 text fields,
 * and packs to an identical copy.
 */
#include "bantin_article.h"
#include "fuzz_common.h"

static const bantin_schema *schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *err = NULL;
    (void)argc; (void)argv;
    fuzz_apr_init();
    if (!(schema = FUZZ_SCHEMA_LOAD(fuzz_root, &err))) {
        fprintf(stderr, "schema: %s\n", err ? err : "?");
        abort();
    }
    return 0;
}

static void check_text(const char *what, const char *s)
{
    if (s && !fuzz_utf8_valid(s, strlen(s))) {
        FUZZ_FAIL("%s is not UTF-8", what);
    }
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_article(apr_pool_t *p, const bantin_article *a)
{
    bantin_article *k;
    int i;

    if (!a->title || !*a->title || !a->summary || !*a->summary) {
        FUZZ_FAIL("accepted without title or summary");
    }
    check_text("title", a->title);
    check_text("summary", a->summary);
    check_text("category", a->category);
    check_text("author", a->author);
    if (a->date.month < 1 || a->date.month > 12 || a->date.day < 1
        || a->date.day > 31) {
        FUZZ_FAIL("impossible date accepted: %d-%d-%d", a->date.year,
                  a->date.month, a->date.day);
    }
    if (a->expires && a->expires <= a->date.when) {
        FUZZ_FAIL("expires before date accepted");
    }
    for (i = 0; i < a->nblocks; i++) {
        const bantin_block *b = &a->blocks[i];
        if (!b->html) {
            FUZZ_FAIL("block %d without html", i);
        }
        check_text("block html", b->html);
        fuzz_check_inline(p, b->html);
        if (b->kind == BANTIN_BLOCK_FIGURE && b->src) {
            if (b->src_is_media) {
                /* no segment may start with '.' (so no ".."), none empty */
                if (!bantin_relpath_is_safe(b->src) || b->src[0] == '.'
                    || b->src[0] == '/' || strstr(b->src, "/.")
                    || strstr(b->src, "//") || strchr(b->src, '\\')) {
                    FUZZ_FAIL("unsafe media src \"%s\"", b->src);
                }
            }
            else if ((strncmp(b->src, "http://", 7)
                      && strncmp(b->src, "https://", 8))
                     || !bantin_href_is_safe(b->src)) {
                FUZZ_FAIL("unsafe figure src \"%s\"", b->src);
            }
        }
    }
    if (!(k = bantin_article_pack(a, "2024/fuzz"))) {
        FUZZ_FAIL("pack failed");
    }
    if (strcmp(k->slug, "2024/fuzz") || !same(k->title, a->title)
        || !same(k->summary, a->summary) || !same(k->category, a->category)
        || !same(k->author, a->author) || k->nblocks != a->nblocks) {
        FUZZ_FAIL("packed copy differs");
    }
    for (i = 0; i < a->nblocks; i++) {
        if (!same(k->blocks[i].html, a->blocks[i].html)
            || !same(k->blocks[i].text, a->blocks[i].text)
            || !same(k->blocks[i].src, a->blocks[i].src)) {
            FUZZ_FAIL("packed block %d differs", i);
        }
    }
    bantin_article_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    bantin_article *a = NULL;
    bantin_problem pr;
    char *copy;

    apr_pool_create(&p, fuzz_root);
    /* Exactly `size` bytes, not NUL-terminated: ASan sees any read past
     * the end, as a file's last byte would be in the module. */
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (bantin_article_parse(p, schema, "fuzz.xml", copy, size,
                             BANTIN_TZ_DEFAULT_MIN, &a, &pr)
        == APR_SUCCESS) {
        if (!a) {
            FUZZ_FAIL("success without an article");
        }
        check_article(p, a);
    }
    else {
        if (a) {
            FUZZ_FAIL("failure with an article");
        }
        fuzz_check_message("problem", pr.message);
        if (pr.line < 0 || pr.col < 0) {
            FUZZ_FAIL("negative position %d:%d", pr.line, pr.col);
        }
        fuzz_check_message("problem string", bantin_problem_str(p, &pr));
    }
    free(copy);
    apr_pool_destroy(p);
    return 0;
}
