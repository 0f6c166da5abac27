/* fuzz_template.c -- libFuzzer harness: the fuzzer's bytes are a template,
 * compiled against a small vocabulary (bantin_template_compile) and, when
 * it compiles, rendered against a scope holding text, HTML, booleans and
 * lists.
 *
 * Properties: a compile error names the position ("name:line:col: why");
 * text values are always escaped: rendering with hostile text values gives
 * exactly what rendering with their HTML escapes (as HTML values) gives,
 * whatever the template around them.
 */
#include "bantin_template.h"
#include "fuzz_common.h"

enum { V_TITLE, V_HTML, V_FLAG, V_OFF, V_ITEMS, V_ROWS, V_NAME, V_EMPTY,
       V_COUNT };
static const char *const vocab[] = {"title", "html", "flag", "off", "items",
                                    "rows", "name", "empty"};

/* Text values: every character the escaper must handle, with a marker. */
static const char *const texts[] = {
    "<zq>&\"zq'", "zq<script>alert(1)</script>", "a\"zq onmouseover=x",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_apr_init();
    return 0;
}

/* Sets a text value, or (escaped) the HTML it must come out as. */
static void set_text(apr_pool_t *p, bantin_tscope *s, int id, const char *v,
                     int escaped)
{
    if (escaped) {
        const char *e = bantin_html_escape(p, v);
        bantin_tset_html(s, id, e, strlen(e));
    }
    else {
        bantin_tset_text(s, id, v);
    }
}

static void fill_scope(apr_pool_t *p, bantin_tscope *top, int escaped)
{
    bantin_tscope *items, *rows;
    int i;

    bantin_tscope_init(top, p, V_COUNT, NULL);
    set_text(p, top, V_TITLE, texts[0], escaped);
    bantin_tset_html(top, V_HTML, "<b>ok</b>", 9);
    bantin_tset_bool(top, V_FLAG, 1);
    bantin_tset_bool(top, V_OFF, 0);
    set_text(p, top, V_EMPTY, "", escaped);
    /* Item scopes shadow the lists with empty ones, so that nested
     * sections do not multiply: the engine's nesting limit bounds depth,
     * not width, and templates are the admin's, not an attacker's. */
    items = apr_palloc(p, 3 * sizeof(*items));
    rows = apr_palloc(p, 2 * sizeof(*rows));
    for (i = 0; i < 3; i++) {
        bantin_tscope_init(&items[i], p, V_COUNT, top);
        set_text(p, &items[i], V_NAME, texts[i], escaped);
        bantin_tset_list(&items[i], V_ITEMS, NULL, 0);
        bantin_tset_list(&items[i], V_ROWS, NULL, 0);
    }
    for (i = 0; i < 2; i++) {
        bantin_tscope_init(&rows[i], p, V_COUNT, top);
        set_text(p, &rows[i], V_NAME, texts[2 - i], escaped);
        bantin_tset_list(&rows[i], V_ITEMS, NULL, 0);
        bantin_tset_list(&rows[i], V_ROWS, NULL, 0);
    }
    bantin_tset_list(top, V_ITEMS, items, 3);
    bantin_tset_list(top, V_ROWS, rows, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *err = NULL;
    bantin_template *t;
    char *src;

    apr_pool_create(&p, fuzz_root);
    /* Exactly `size` bytes: the compiler must not read past len. */
    src = malloc(size ? size : 1);
    memcpy(src, data, size);
    t = bantin_template_compile(p, "fuzz.html", src, size, vocab, V_COUNT,
                                &err);
    if (!t) {
        if (!err) {
            FUZZ_FAIL("compile failed without a message");
        }
        if (strncmp(err, "fuzz.html:", 10)) {
            FUZZ_FAIL("message without position: %s", err);
        }
        /* The message quotes the template (the admin's file, checked by
         * apachectl -t), so it may hold whatever the template holds. */
    }
    else {
        bantin_tscope scope, expect;
        bantin_buf out, want;
        fill_scope(p, &scope, 0);
        fill_scope(p, &expect, 1);
        bantin_buf_init(&out, p, 256);
        bantin_buf_init(&want, p, 256);
        bantin_template_render(t, &scope, &out);
        bantin_template_render(t, &expect, &want);
        /* Differential: text values must come out exactly as their HTML
         * escapes do, whatever the template around them. */
        if (out.len != want.len || memcmp(out.data, want.data, out.len)) {
            FUZZ_FAIL("a text value did not come out escaped");
        }
    }
    free(src);
    apr_pool_destroy(p);
    return 0;
}
