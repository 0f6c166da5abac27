/* test_template.c -- compiling templates (errors with name:line:col) and
 * rendering values, sections, inverted sections and scopes. */
#include <string.h>

#include <apr_strings.h>

#include "bantin_template.h"
#include "unit.h"

enum { V_title, V_name, V_html, V_items, V_flag, V_empty, V_inner, V__N };
static const char *const vocab[] = {"title", "name",  "html", "items",
                                    "flag",  "empty", "inner"};

static bantin_template *compile(const char *src, const char **err)
{
    *err = NULL;
    return bantin_template_compile(unit_pool, "t.html", src, strlen(src),
                                   vocab, V__N, err);
}

static const char *render(const char *src, const bantin_tscope *scope)
{
    const char *err;
    bantin_template *t = compile(src, &err);
    bantin_buf b;

    ck_assert_msg(t != NULL, "compile \"%s\": %s", src, err ? err : "?");
    bantin_buf_init(&b, unit_pool, 0);
    bantin_template_render(t, scope, &b);
    return bantin_buf_cstr(&b);
}

static const struct {
    const char *src;
    const char *where; /* "name:line:col: " the message starts with */
    const char *why;   /* and a part of the reason */
} error_cases[] = {
    {"{{nope}}", "t.html:1:1: ", "unknown name 'nope'"},
    {"hello\n  {{ nope }}", "t.html:2:3: ", "unknown name 'nope'"},
    {"{{#nope}}x{{/nope}}", "t.html:1:1: ", "unknown name 'nope'"},
    {"{{#title}}x{{/titel}}", "t.html:1:12: ", "unknown name 'titel'"},
    {"{{}}", "t.html:1:1: ", "unknown name ''"},
    {"a\nb\n{{#items}}\nx", "t.html:3:1: ",
     "section '{{#items}}' is never closed"},
    {"{{#items}}{{#flag}}{{/flag}}", "t.html:1:1: ",
     "section '{{#items}}' is never closed"},
    {"{{^flag}}x", "t.html:1:1: ", "never closed"},
    {"{{#items}}\n  {{/flag}}", "t.html:2:3: ",
     "'{{/flag}}' closes '{{#items}}' opened at t.html:1:1"},
    {"{{#items}}{{#flag}}{{/items}}{{/flag}}", "t.html:1:20: ",
     "'{{/items}}' closes '{{#flag}}'"},
    {"x{{/title}}", "t.html:1:2: ", "'{{/title}}' closes no section"},
    {"{{#flag}}{{/flag}}\n{{/flag}}", "t.html:2:1: ", "closes no section"},
    {"ab\n{{title", "t.html:2:1: ", "'{{' is never closed by '}}'"},
    {"{{title}} {{", "t.html:1:11: ", "never closed"},
    {"{{title}", "t.html:1:1: ", "never closed"},
    {"{{! a comment", "t.html:1:1: ", "never closed"},
};

START_TEST(compile_error_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(error_cases); i++) {
        const char *err;
        bantin_template *t = compile(error_cases[i].src, &err);
        ck_assert_msg(t == NULL, "case %u: \"%s\" compiled", (unsigned)i,
                      error_cases[i].src);
        ck_assert_msg(err != NULL, "case %u: no message", (unsigned)i);
        ck_assert_msg(!strncmp(err, error_cases[i].where,
                               strlen(error_cases[i].where)),
                      "case %u: \"%s\" does not start with \"%s\"",
                      (unsigned)i, err, error_cases[i].where);
        ck_assert_msg(strstr(err, error_cases[i].why) != NULL,
                      "case %u: \"%s\" lacks \"%s\"", (unsigned)i, err,
                      error_cases[i].why);
    }
}
END_TEST

START_TEST(nesting_limit)
{
    const char *err;
    char *src = "";
    int i;

    for (i = 0; i < 16; i++) {
        src = apr_pstrcat(unit_pool, src, "{{#flag}}", NULL);
    }
    for (i = 0; i < 16; i++) {
        src = apr_pstrcat(unit_pool, src, "{{/flag}}", NULL);
    }
    ck_assert_ptr_nonnull(compile(src, &err));

    src = apr_pstrcat(unit_pool, "{{#flag}}", src, "{{/flag}}", NULL);
    ck_assert_ptr_null(compile(src, &err));
    ck_assert_ptr_nonnull(strstr(err, "nested deeper"));
}
END_TEST

START_TEST(text_is_escaped_html_is_not)
{
    bantin_tscope s;

    bantin_tscope_init(&s, unit_pool, V__N, NULL);
    bantin_tset_text(&s, V_title, "<b>\"Tin\" & 'tức'</b>");
    bantin_tset_html(&s, V_html, "<b>x</b>&amp;", 13);
    ck_assert_str_eq(render("[{{title}}]", &s),
                     "[&lt;b&gt;&quot;Tin&quot; &amp; &#39;tức&#39;"
                     "&lt;/b&gt;]");
    ck_assert_str_eq(render("[{{html}}]", &s), "[<b>x</b>&amp;]");
    /* The html length is honoured, not the NUL. */
    bantin_tset_html(&s, V_html, "<i>y</i>tail", 8);
    ck_assert_str_eq(render("{{html}}", &s), "<i>y</i>");
    /* Spaces inside the braces are allowed; unset values print nothing;
     * literal text, single braces and all, is kept. */
    ck_assert_str_eq(render("a{{ title }}b{{name}}c { } }}", &s),
                     "a&lt;b&gt;&quot;Tin&quot; &amp; &#39;tức&#39;"
                     "&lt;/b&gt;bc { } }}");
    /* NULL text is the empty string. */
    bantin_tset_text(&s, V_title, NULL);
    ck_assert_str_eq(render("[{{title}}]", &s), "[]");
}
END_TEST

START_TEST(comments_vanish)
{
    bantin_tscope s;
    bantin_tscope_init(&s, unit_pool, V__N, NULL);
    bantin_tset_text(&s, V_title, "T");
    ck_assert_str_eq(render("{{! a comment }}a{{!\nmany\nlines {{title}\n}}b"
                            "{{!nope}}{{title}}", &s),
                     "abT");
    /* A comment may name anything: it is not resolved. */
    ck_assert_str_eq(render("{{! unknown_name }}", &s), "");
}
END_TEST

START_TEST(sections_over_lists)
{
    bantin_tscope s, items[3];
    int i;
    static const char *const names[] = {"một", "<hai>", "ba"};

    bantin_tscope_init(&s, unit_pool, V__N, NULL);
    for (i = 0; i < 3; i++) {
        bantin_tscope_init(&items[i], unit_pool, V__N, &s);
        bantin_tset_text(&items[i], V_name, names[i]);
    }
    bantin_tset_list(&s, V_items, items, 3);
    ck_assert_str_eq(render("<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>",
                            &s),
                     "<ul><li>một</li><li>&lt;hai&gt;</li><li>ba</li></ul>");
    ck_assert_str_eq(render("{{^items}}none{{/items}}", &s), "");

    /* An empty list: the section is skipped, the inverted one shown. */
    bantin_tset_list(&s, V_items, items, 0);
    ck_assert_str_eq(render("[{{#items}}x{{/items}}{{^items}}none{{/items}}]",
                            &s),
                     "[none]");
}
END_TEST

START_TEST(nested_lookup_falls_back_to_parent)
{
    bantin_tscope s, items[2], inner[1];

    bantin_tscope_init(&s, unit_pool, V__N, NULL);
    bantin_tset_text(&s, V_title, "P");
    bantin_tset_text(&s, V_name, "parent-name");
    bantin_tscope_init(&items[0], unit_pool, V__N, &s);
    bantin_tset_text(&items[0], V_name, "a");
    bantin_tscope_init(&items[1], unit_pool, V__N, &s);
    /* items[1] sets no name: it comes from the parent. */
    bantin_tscope_init(&inner[0], unit_pool, V__N, &items[0]);
    bantin_tset_list(&items[0], V_inner, inner, 1);
    bantin_tset_list(&s, V_items, items, 2);

    ck_assert_str_eq(render("{{#items}}{{title}}:{{name}};{{/items}}", &s),
                     "P:a;P:parent-name;");
    /* Two levels down, through the item to the page. */
    ck_assert_str_eq(render("{{#items}}{{#inner}}<{{name}}/{{title}}>"
                            "{{/inner}}{{/items}}", &s),
                     "<a/P>");
    /* An item without a parent sees only its own values. */
    bantin_tscope_init(&items[1], unit_pool, V__N, NULL);
    ck_assert_str_eq(render("{{#items}}[{{title}}]{{/items}}", &s), "[P][]");
}
END_TEST

START_TEST(truthy_and_falsy)
{
    static const struct {
        int kind; /* 0 unset, 1 bool, 2 text, 3 html */
        int value;
        const char *s;
        int truthy;
    } cases[] = {
        {0, 0, NULL, 0},
        {1, 0, NULL, 0},
        {1, 1, NULL, 1},
        {1, 42, NULL, 1},
        {2, 0, "", 0},
        {2, 0, "x", 1},
        {2, 0, "0", 1},
        {3, 0, "", 0},
        {3, 0, "<br>", 1},
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(cases); i++) {
        bantin_tscope s;
        const char *got;
        bantin_tscope_init(&s, unit_pool, V__N, NULL);
        bantin_tset_text(&s, V_title, "T");
        switch (cases[i].kind) {
        case 1: bantin_tset_bool(&s, V_flag, cases[i].value); break;
        case 2: bantin_tset_text(&s, V_flag, cases[i].s); break;
        case 3:
            bantin_tset_html(&s, V_flag, cases[i].s, strlen(cases[i].s));
            break;
        default: break;
        }
        got = render("{{#flag}}yes:{{title}}{{/flag}}"
                     "{{^flag}}no:{{title}}{{/flag}}", &s);
        ck_assert_msg(!strcmp(got, cases[i].truthy ? "yes:T" : "no:T"),
                      "case %u: got \"%s\"", (unsigned)i, got);
    }
}
END_TEST

START_TEST(section_over_value_keeps_scope)
{
    bantin_tscope s;

    bantin_tscope_init(&s, unit_pool, V__N, NULL);
    bantin_tset_text(&s, V_title, "Tiêu đề");
    bantin_tset_bool(&s, V_flag, 1);
    /* A text value as a section: shown once, with itself in scope. */
    ck_assert_str_eq(render("{{#title}}<h1>{{title}}</h1>{{/title}}", &s),
                     "<h1>Tiêu đề</h1>");
    /* Nested sections, inverted inside normal. */
    ck_assert_str_eq(render("{{#flag}}a{{^empty}}b{{#title}}c{{/title}}"
                            "{{/empty}}d{{/flag}}e", &s),
                     "abcde");
    /* A section over a bool does not print the bool. */
    ck_assert_str_eq(render("[{{flag}}]", &s), "[]");
}
END_TEST

START_TEST(render_appends)
{
    const char *err;
    bantin_tscope s;
    bantin_buf b;
    bantin_template *t = compile("<{{title}}>", &err);

    ck_assert_ptr_nonnull(t);
    bantin_tscope_init(&s, unit_pool, V__N, NULL);
    bantin_tset_text(&s, V_title, "x");
    bantin_buf_init(&b, unit_pool, 0);
    bantin_buf_adds(&b, "pre");
    bantin_template_render(t, &s, &b);
    bantin_template_render(t, &s, &b);
    ck_assert_str_eq(bantin_buf_cstr(&b), "pre<x><x>");
}
END_TEST

Suite *template_suite(void)
{
    Suite *s = suite_create("template");
    TCase *tc = unit_tcase("compile");

    tcase_add_test(tc, compile_error_table);
    tcase_add_test(tc, nesting_limit);
    suite_add_tcase(s, tc);

    tc = unit_tcase("render");
    tcase_add_test(tc, text_is_escaped_html_is_not);
    tcase_add_test(tc, comments_vanish);
    tcase_add_test(tc, sections_over_lists);
    tcase_add_test(tc, nested_lookup_falls_back_to_parent);
    tcase_add_test(tc, truthy_and_falsy);
    tcase_add_test(tc, section_over_value_keeps_scope);
    tcase_add_test(tc, render_appends);
    suite_add_tcase(s, tc);
    return s;
}
