/* test_buf.c -- the byte buffer, HTML escaping and the URL/path checks. */
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_log.h"
#include "unit.h"

START_TEST(buf_grows_and_keeps_bytes)
{
    bantin_buf b;
    int i;
    char expect[16];

    bantin_buf_init(&b, unit_pool, 1);
    ck_assert_str_eq(bantin_buf_cstr(&b), "");
    for (i = 0; i < 10000; i++) {
        bantin_buf_addf(&b, "%04d,", i % 10000);
    }
    ck_assert_uint_eq(b.len, 50000);
    ck_assert_uint_eq(strlen(bantin_buf_cstr(&b)), 50000);
    ck_assert_int_eq(memcmp(b.data, "0000,0001,", 10), 0);
    snprintf(expect, sizeof(expect), "%04d,", 9999);
    ck_assert_int_eq(memcmp(b.data + 49995, expect, 5), 0);

    /* Bytes, not C strings: an embedded NUL survives bantin_buf_add. */
    bantin_buf_init(&b, unit_pool, 0);
    bantin_buf_add(&b, "a\0b", 3);
    bantin_buf_adds(&b, "c");
    ck_assert_uint_eq(b.len, 4);
    ck_assert_int_eq(memcmp(bantin_buf_cstr(&b), "a\0bc", 5), 0);
}
END_TEST

static const struct {
    const char *in;
    const char *out;
} escape_cases[] = {
    {"", ""},
    {"plain", "plain"},
    {"&", "&amp;"},
    {"<", "&lt;"},
    {">", "&gt;"},
    {"\"", "&quot;"},
    {"'", "&#39;"},
    {"<script>alert('x&y')</script>",
     "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;"},
    {"a\"onmouseover=\"x", "a&quot;onmouseover=&quot;x"},
    {"&amp;", "&amp;amp;"},
    {"Tăng cỡ chữ", "Tăng cỡ chữ"},
    {"<<>>", "&lt;&lt;&gt;&gt;"},
};

START_TEST(html_escape_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(escape_cases); i++) {
        const char *got = bantin_html_escape(unit_pool, escape_cases[i].in);
        ck_assert_msg(!strcmp(got, escape_cases[i].out),
                      "case %u: escape(\"%s\") = \"%s\", want \"%s\"",
                      (unsigned)i, escape_cases[i].in, got,
                      escape_cases[i].out);
    }
}
END_TEST

START_TEST(html_escape_appends_bytes)
{
    bantin_buf b;

    bantin_buf_init(&b, unit_pool, 8);
    bantin_buf_adds(&b, "x=");
    /* Only n bytes are read, even when more follow. */
    bantin_buf_add_html(&b, "<a>&ignored", 4);
    ck_assert_str_eq(bantin_buf_cstr(&b), "x=&lt;a&gt;&amp;");
}
END_TEST

static const struct {
    const char *in;
    const char *out;
} urlpath_cases[] = {
    {"2024/giup-do-xa-kho-khan", "2024/giup-do-xa-kho-khan"},
    {"images/a_b.c~d.png", "images/a_b.c~d.png"},
    {"a b", "a%20b"},
    {"ă", "%C4%83"},
    {"a?b#c&d\"e<", "a%3Fb%23c%26d%22e%3C"},
    {"%", "%25"},
};

START_TEST(urlpath_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(urlpath_cases); i++) {
        bantin_buf b;
        bantin_buf_init(&b, unit_pool, 0);
        bantin_buf_add_urlpath(&b, urlpath_cases[i].in);
        ck_assert_msg(!strcmp(bantin_buf_cstr(&b), urlpath_cases[i].out),
                      "case %u: urlpath(\"%s\") = \"%s\", want \"%s\"",
                      (unsigned)i, urlpath_cases[i].in, b.data,
                      urlpath_cases[i].out);
    }
}
END_TEST

static const struct {
    const char *href;
    int safe;
} href_cases[] = {
    {"http://example.com/", 1},
    {"https://example.com/a?b=c#d", 1},
    {"HTTPS://EXAMPLE.COM/", 1},
    {"mailto:toasoan@example.vn", 1},
    {"page.html", 1},
    {"article/2024/x", 1},
    {"/portal/article/x", 1},
    {"../x", 1},
    {"#frag", 1},
    {"?q=1", 1},
    {"a/b:c", 1},   /* ':' after a '/' is not a scheme */
    {"?x=javascript:y", 1},
    {"javascript:alert(1)", 0},
    {"JAVASCRIPT:alert(1)", 0},
    {"JavaScript:alert(1)", 0},
    {"java\tscript:alert(1)", 0},
    {"java\nscript:alert(1)", 0},
    {"java\rscript:alert(1)", 0},
    {"\x01javascript:alert(1)", 0},
    {"\x1fjavascript:alert(1)", 0},
    {" javascript:alert(1)", 0},
    {"\x7fjavascript:alert(1)", 0},
    {"data:text/html,<script>alert(1)</script>", 0},
    {"DATA:text/html;base64,PHNjcmlwdD4=", 0},
    {"vbscript:msgbox(1)", 0},
    {"file:///etc/passwd", 0},
    {"ftp://example.com/", 0},
    {"jav\xc3\xa1script:x", 0},
    {"http://exa\tmple.com/", 0},
    {"\\\\evil.example\\x", 0},
    {"/\\evil.example", 0},
    {"a\\b", 0},
};

START_TEST(href_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(href_cases); i++) {
        ck_assert_msg(bantin_href_is_safe(href_cases[i].href)
                      == href_cases[i].safe,
                      "case %u: href_is_safe(\"%s\") should be %d",
                      (unsigned)i, href_cases[i].href, href_cases[i].safe);
    }
}
END_TEST

static const struct {
    const char *path;
    int relpath_ok;
    int slug_ok;
} path_cases[] = {
    {"a", 1, 1},
    {"2024/x", 1, 1},
    {"a-b/c-1/d9", 1, 1},
    {"a.png", 1, 0},
    {"images/a.png", 1, 0},
    {"A/B_c-d.1", 1, 0},
    {"A", 1, 0},
    {"a_b", 1, 0},
    {"a..b", 1, 0},
    {"", 0, 0},
    {".", 0, 0},
    {"..", 0, 0},
    {"../x", 0, 0},
    {"a/../b", 0, 0},
    {"a/..", 0, 0},
    {".hidden", 0, 0},
    {"a/.hidden", 0, 0},
    {"a//b", 0, 0},
    {"/abs", 0, 0},
    {"/", 0, 0},
    {"a/", 0, 0},
    {"ă", 0, 0},
    {"%2e", 0, 0},
    {"%2e%2e/x", 0, 0},
    {"a b", 0, 0},
    {"a\\b", 0, 0},
    {"a:b", 0, 0},
    {"a\tb", 0, 0},
    {"a?b", 0, 0},
};

START_TEST(relpath_and_slug_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(path_cases); i++) {
        const char *s = path_cases[i].path;
        ck_assert_msg(bantin_relpath_is_safe(s) == path_cases[i].relpath_ok,
                      "case %u: relpath_is_safe(\"%s\") should be %d",
                      (unsigned)i, s, path_cases[i].relpath_ok);
        ck_assert_msg(bantin_slug_is_valid(s, strlen(s))
                      == path_cases[i].slug_ok,
                      "case %u: slug_is_valid(\"%s\") should be %d",
                      (unsigned)i, s, path_cases[i].slug_ok);
    }
}
END_TEST

START_TEST(slug_uses_len_not_nul)
{
    ck_assert_int_eq(bantin_slug_is_valid("abc/", 3), 1);
    ck_assert_int_eq(bantin_slug_is_valid("abc/", 4), 0);
    ck_assert_int_eq(bantin_slug_is_valid("2024/x.xml", 6), 1);
    ck_assert_int_eq(bantin_slug_is_valid("ab\0c", 4), 0);
    ck_assert_int_eq(bantin_slug_is_valid("x", 0), 0);
}
END_TEST

/* Text for the log and the status page (bantin_log_text): UTF-8 as it is,
 * everything else as httpd's error log escapes it. */
START_TEST(log_text_keeps_utf8_escapes_the_rest)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/srv/bài-việt.xml", "/srv/bài-việt.xml"},
        {"plain \"quoted\"", "plain \"quoted\""},
        {"a\\b", "a\\\\b"},
        {"line\nnext\tx\r", "line\\nnext\\tx\\r"},
        {"x\x01\x1f\x7fy", "x\\x01\\x1f\\x7fy"},
        {"x\xffy", "x\\xffy"},                     /* never valid */
        {"x\xc3y", "x\\xc3y"},                     /* cut short */
        {"x\xc0\xafy", "x\\xc0\\xafy"},            /* overlong '/' */
        {"x\xed\xa0\x80y", "x\\xed\\xa0\\x80y"},   /* a surrogate */
        {"x\xc2\x85y", "x\\xc2\\x85y"},            /* C1: NEL */
        {"x\xe2\x80\xa8y", "x\\xe2\\x80\\xa8y"},   /* U+2028 */
        {"x\xe2\x80\xaey", "x\\xe2\\x80\\xaey"},   /* RIGHT-TO-LEFT OVERRIDE */
        {"\xf0\x9f\x93\xb0 tin", "\xf0\x9f\x93\xb0 tin"}, /* U+1F4F0 */
        {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},     /* > U+10FFFF */
        {"", ""},
    };
    apr_size_t i;
    char small[8];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(!strcmp(bantin_log_text(unit_pool, cases[i].in),
                              cases[i].out),
                      "case %lu: %s", (unsigned long)i,
                      bantin_log_text(unit_pool, cases[i].in));
    }
    /* cut at a whole character or escape, never in the middle */
    ck_assert_uint_eq(bantin_log_text_buf(small, sizeof(small), "abcdefà"), 6);
    ck_assert_str_eq(small, "abcdef");
    ck_assert_uint_eq(bantin_log_text_buf(small, sizeof(small), "abcd\x01"), 4);
    ck_assert_str_eq(small, "abcd");
    ck_assert_int_eq(bantin_log_is_ascii("abc"), 1);
    ck_assert_int_eq(bantin_log_is_ascii("àbc"), 0);
}
END_TEST

Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = unit_tcase("buf");

    tcase_add_test(tc, buf_grows_and_keeps_bytes);
    tcase_add_test(tc, html_escape_table);
    tcase_add_test(tc, html_escape_appends_bytes);
    tcase_add_test(tc, log_text_keeps_utf8_escapes_the_rest);
    tcase_add_test(tc, urlpath_table);
    suite_add_tcase(s, tc);

    tc = unit_tcase("checks");
    tcase_add_test(tc, href_table);
    tcase_add_test(tc, relpath_and_slug_table);
    tcase_add_test(tc, slug_uses_len_not_nul);
    suite_add_tcase(s, tc);
    return s;
}
