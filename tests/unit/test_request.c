/* test_request.c -- routing, query decoding, page numbers, the font-size
 * cookie and the back link of the font-size form. */
#include <string.h>

#include <apr_strings.h>

#include "bantin_request.h"
#include "unit.h"

static const struct {
    const char *rest;
    bantin_route_e kind;
    const char *arg;
} route_cases[] = {
    {"", BANTIN_ROUTE_ADD_SLASH, NULL},
    {"/", BANTIN_ROUTE_HOME, NULL},
    {"/article/2024/x", BANTIN_ROUTE_ARTICLE, "2024/x"},
    {"/article/2024/giup-do-xa-kho-khan", BANTIN_ROUTE_ARTICLE,
     "2024/giup-do-xa-kho-khan"},
    {"/article/x", BANTIN_ROUTE_ARTICLE, "x"},
    {"/article/../x", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article/A", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article/", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article/x/", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article//x", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article/x.xml", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/ARTICLE/x", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/media/images/a.png", BANTIN_ROUTE_MEDIA, "images/a.png"},
    {"/media/a.png", BANTIN_ROUTE_MEDIA, "a.png"},
    {"/media/../etc/passwd", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/media/images/../../etc/passwd", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/media/.hidden", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/media//etc/passwd", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/media/", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/media/a\\b.png", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/static/bantin.css", BANTIN_ROUTE_STATIC, "bantin.css"},
    {"/static/bantin.js", BANTIN_ROUTE_STATIC, "bantin.js"},
    {"/static/a/b", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/static/../layout.html", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/static/", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/fontsize", BANTIN_ROUTE_FONTSIZE, NULL},
    {"/fontsize/", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/nope", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"//", BANTIN_ROUTE_NOT_FOUND, NULL},
    {"x", BANTIN_ROUTE_NOT_FOUND, NULL},
};

START_TEST(route_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(route_cases); i++) {
        bantin_route r;
        r.kind = (bantin_route_e)-1;
        r.arg = "junk";
        bantin_route_parse(unit_pool, route_cases[i].rest, &r);
        ck_assert_msg(r.kind == route_cases[i].kind,
                      "case %u: \"%s\" routed to %d, want %d", (unsigned)i,
                      route_cases[i].rest, (int)r.kind,
                      (int)route_cases[i].kind);
        if (route_cases[i].arg) {
            ck_assert_msg(r.arg && !strcmp(r.arg, route_cases[i].arg),
                          "case %u: \"%s\" arg \"%s\", want \"%s\"",
                          (unsigned)i, route_cases[i].rest,
                          r.arg ? r.arg : "(null)", route_cases[i].arg);
        }
        else {
            ck_assert_msg(r.arg == NULL, "case %u: \"%s\" has an arg",
                          (unsigned)i, route_cases[i].rest);
        }
    }
}
END_TEST

static const struct {
    const char *in;
    int plus;
    const char *out; /* NULL: refused */
} unescape_cases[] = {
    {"", 0, ""},
    {"abc", 0, "abc"},
    {"a%20b", 0, "a b"},
    {"%41%42", 0, "AB"},
    {"%4a%4A", 0, "JJ"},
    {"%e1%BA%A1", 0, "ạ"},
    {"%2e%2e/x", 0, "../x"},
    {"%2F", 0, "/"},
    {"a+b", 1, "a b"},
    {"a+b", 0, "a+b"},
    {"%2B", 1, "+"},
    {"%", 0, NULL},
    {"a%", 0, NULL},
    {"%4", 0, NULL},
    {"a%4", 0, NULL},
    {"%zz", 0, NULL},
    {"%g1", 0, NULL},
    {"%1g", 0, NULL},
    {"%%41", 0, NULL},
    {"%00", 0, NULL},
    {"a%00b", 1, NULL},
    {"%01", 0, "\x01"},
    {"%FF", 0, "\xff"},
};

START_TEST(unescape_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(unescape_cases); i++) {
        const char *in = unescape_cases[i].in;
        char *got = bantin_unescape(unit_pool, in, strlen(in),
                                    unescape_cases[i].plus);
        if (!unescape_cases[i].out) {
            ck_assert_msg(got == NULL, "case %u: \"%s\" -> \"%s\", want NULL",
                          (unsigned)i, in, got);
        }
        else {
            ck_assert_msg(got && !strcmp(got, unescape_cases[i].out),
                          "case %u: \"%s\" -> \"%s\", want \"%s\"",
                          (unsigned)i, in, got ? got : "(null)",
                          unescape_cases[i].out);
        }
    }
}
END_TEST

START_TEST(unescape_reads_n_bytes)
{
    /* Only n bytes count: an escape cut by n is incomplete. */
    ck_assert_str_eq(bantin_unescape(unit_pool, "abc%41", 3, 0), "abc");
    ck_assert_ptr_null(bantin_unescape(unit_pool, "ab%41", 4, 0));
    ck_assert_str_eq(bantin_unescape(unit_pool, "ab%41", 5, 0), "abA");
}
END_TEST

static const struct {
    const char *query;
    const char *name;
    const char *value; /* NULL: absent */
} form_cases[] = {
    {"step=up&back=article%2F2024%2Fx", "back", "article/2024/x"},
    {"step=up&back=article%2F2024%2Fx", "step", "up"},
    {"step=up&step=down", "step", "up"},
    {"back=&step=up", "back", ""},
    {"back&step=up", "back", ""},
    {"a=1&step=", "step", ""},
    {"step=up", "back", NULL},
    {"", "step", NULL},
    {NULL, "step", NULL},
    {"xstep=up", "step", NULL},
    {"steps=up", "step", NULL},
    {"xstep=up&step=down", "step", "down"},
    {"&&step=up", "step", "up"},
    {"q=a+b%2Bc", "q", "a b+c"},
    {"q=%zz&q=ok", "q", NULL},
    {"q=%00", "q", NULL},
    {"STEP=up", "step", NULL},
};

START_TEST(form_get_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(form_cases); i++) {
        const char *got = bantin_form_get(unit_pool, form_cases[i].query,
                                          form_cases[i].name);
        if (!form_cases[i].value) {
            ck_assert_msg(got == NULL, "case %u: %s in \"%s\" = \"%s\"",
                          (unsigned)i, form_cases[i].name,
                          form_cases[i].query ? form_cases[i].query : "(null)",
                          got);
        }
        else {
            ck_assert_msg(got && !strcmp(got, form_cases[i].value),
                          "case %u: %s in \"%s\" = \"%s\", want \"%s\"",
                          (unsigned)i, form_cases[i].name,
                          form_cases[i].query, got ? got : "(null)",
                          form_cases[i].value);
        }
    }
}
END_TEST

/* -1: not a number (a bad request); 0: a page that cannot exist. */
static const struct {
    const char *in;
    long page;
} page_cases[] = {
    {"1", 1},
    {"2", 2},
    {"10", 10},
    {"01", 1},
    {"1000000", 1000000},
    {"99999999", 99999999},
    {"999999999", 999999999},
    {"1234567890", 0},
    {"99999999999999999999999", 0},
    {"0", 0},
    {"00", 0},
    {"-1", -1},
    {"+1", -1},
    {" 1", -1},
    {"1 ", -1},
    {"abc", -1},
    {"1e3", -1},
    {"0x10", -1},
    {"1.0", -1},
    {"99999999999999999999999x", -1},
    {"", -1},
    {NULL, -1},
};

START_TEST(page_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(page_cases); i++) {
        long got = bantin_page_parse(page_cases[i].in);
        ck_assert_msg(got == page_cases[i].page,
                      "case %u: page_parse(\"%s\") = %ld, want %ld",
                      (unsigned)i,
                      page_cases[i].in ? page_cases[i].in : "(null)", got,
                      page_cases[i].page);
    }
}
END_TEST

static const struct {
    const char *header;
    const char *name;
    int count;
    int want; /* default is 3 */
} cookie_cases[] = {
    {NULL, "bantin_fs", 5, 3},
    {"", "bantin_fs", 5, 3},
    {"bantin_fs=4", "bantin_fs", 5, 4},
    {"bantin_fs=1", "bantin_fs", 5, 1},
    {"bantin_fs=5", "bantin_fs", 5, 5},
    {"a=1; bantin_fs=4; b=2", "bantin_fs", 5, 4},
    {"a=1;bantin_fs=2", "bantin_fs", 5, 2},
    {"bantin_fs=2; sid=abc=def", "bantin_fs", 5, 2},
    {"  bantin_fs=4  ", "bantin_fs", 5, 4},
    {"a=1;   bantin_fs=4 ;b=2", "bantin_fs", 5, 4},
    {"bantin_fs=4;", "bantin_fs", 5, 4},
    {"bantin_fs=0", "bantin_fs", 5, 3},
    {"bantin_fs=6", "bantin_fs", 5, 3},
    {"bantin_fs=6", "bantin_fs", 6, 6},
    {"bantin_fs=12", "bantin_fs", 12, 12},
    {"bantin_fs=13", "bantin_fs", 12, 3},
    {"bantin_fs=-1", "bantin_fs", 5, 3},
    {"bantin_fs=+4", "bantin_fs", 5, 3},
    {"bantin_fs=\"4\"", "bantin_fs", 5, 3},
    {"bantin_fs=4abc", "bantin_fs", 5, 3},
    {"bantin_fs=4 4", "bantin_fs", 5, 3},
    {"bantin_fs=999999999999", "bantin_fs", 5, 3},
    {"bantin_fs=4294967300", "bantin_fs", 5, 3},
    {"bantin_fs=", "bantin_fs", 5, 3},
    {"bantin_fs", "bantin_fs", 5, 3},
    {"bantin_fs=4; bantin_fs=2", "bantin_fs", 5, 3},
    {"bantin_fs=4; bantin_fs=4", "bantin_fs", 5, 3},
    {"bantin_fs=x; bantin_fs=4", "bantin_fs", 5, 3},
    {"xbantin_fs=5", "bantin_fs", 5, 3},
    {"xbantin_fs=5; bantin_fs=2", "bantin_fs", 5, 2},
    {"bantin_fs_old=5", "bantin_fs", 5, 3},
    {"Bantin_fs=5", "bantin_fs", 5, 3},
    {"bantin_fs=2; fs=5", "fs", 5, 5},
};

START_TEST(cookie_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(cookie_cases); i++) {
        int got = bantin_fontsize_from_cookie(cookie_cases[i].header,
                                              cookie_cases[i].name,
                                              cookie_cases[i].count, 3);
        ck_assert_msg(got == cookie_cases[i].want,
                      "case %u: cookie \"%s\" (%s, count %d) = %d, want %d",
                      (unsigned)i,
                      cookie_cases[i].header ? cookie_cases[i].header
                                             : "(null)",
                      cookie_cases[i].name, cookie_cases[i].count, got,
                      cookie_cases[i].want);
    }
}
END_TEST

static const struct {
    const char *req;
    int cur;
    int want; /* count is 5 */
} apply_cases[] = {
    {"up", 3, 4},
    {"up", 4, 5},
    {"up", 5, 5},
    {"down", 3, 2},
    {"down", 2, 1},
    {"down", 1, 1},
    {"1", 3, 1},
    {"5", 3, 5},
    {"4", 1, 4},
    {"9", 3, 5},
    {"12", 3, 5},
    {"99", 3, 5},
    {"0", 3, 3},
    {"05", 3, 3},
    {"-1", 3, 3},
    {"+2", 3, 3},
    {"123", 2, 2},
    {"3x", 2, 2},
    {"2 ", 3, 3},
    {"abc", 3, 3},
    {"UP", 3, 3},
    {"up ", 3, 3},
    {"", 3, 3},
    {NULL, 3, 3},
};

START_TEST(fontsize_apply_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(apply_cases); i++) {
        int got = bantin_fontsize_apply(apply_cases[i].req,
                                        apply_cases[i].cur, 5);
        ck_assert_msg(got == apply_cases[i].want,
                      "case %u: apply(\"%s\", %d) = %d, want %d",
                      (unsigned)i,
                      apply_cases[i].req ? apply_cases[i].req : "(null)",
                      apply_cases[i].cur, got, apply_cases[i].want);
    }
}
END_TEST

static const struct {
    const char *back;
    int safe;
} back_cases[] = {
    {"", 1},
    {"article/2024/giup-do-xa-kho-khan", 1},
    {"article/x", 1},
    {"article", 1},
    {"//evil", 0},
    {"//evil.example/x", 0},
    {"https://evil", 0},
    {"http:evil", 0},
    {"/\\evil", 0},
    {"\\\\evil", 0},
    {"/article/x", 0},
    {"article/", 0},
    {"article//x", 0},
    {"article/../x", 0},
    {"./x", 0},
    {"Article/x", 0},
    {"article/x?y=1", 0},
    {"article/x#y", 0},
    {"article/x\r\nSet-Cookie: a=b", 0},
    {"article/x\nLocation: //evil", 0},
    {"article/x%0d%0a", 0},
    {"javascript:alert(1)", 0},
    {"article/ă", 0},
    {" ", 0},
};

START_TEST(back_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(back_cases); i++) {
        ck_assert_msg(bantin_back_is_safe(back_cases[i].back)
                      == back_cases[i].safe,
                      "case %u: back_is_safe(\"%s\") should be %d",
                      (unsigned)i, back_cases[i].back, back_cases[i].safe);
    }
}
END_TEST

START_TEST(back_length_limit)
{
    char *s = apr_palloc(unit_pool, 1024);
    memset(s, 'a', 1023);
    s[1023] = '\0';
    s[512] = '\0';
    ck_assert_int_eq(bantin_back_is_safe(s), 1);
    s[512] = 'a';
    s[513] = '\0';
    ck_assert_int_eq(bantin_back_is_safe(s), 0);
}
END_TEST

/* Loosely written URLs: what each mends to (NULL: not mended). */
static const struct {
    const char *rest;
    const char *args;
    const char *to;
    bantin_route_e kind;
    const char *arg;
} canonical_cases[] = {
    {"/article/2024/x/", NULL, "/article/2024/x", BANTIN_ROUTE_ARTICLE,
     "2024/x"},
    {"/article/2024/x///", NULL, "/article/2024/x", BANTIN_ROUTE_ARTICLE,
     "2024/x"},
    {"/Article/2024/Giup-Do", NULL, "/article/2024/giup-do",
     BANTIN_ROUTE_ARTICLE, "2024/giup-do"},
    {"/article/2024/X/", "print=1", "/article/2024/x?print=1",
     BANTIN_ROUTE_ARTICLE, "2024/x"},
    {"/article/2024/X", "print=0&utm=%0d%0aSet-Cookie:x", "/article/2024/x",
     BANTIN_ROUTE_ARTICLE, "2024/x"},
    {"/print/2024/x/", "page=2", "/print/2024/x", BANTIN_ROUTE_PRINT,
     "2024/x"},
    {"/category/nong-thon-moi/", NULL, "/category/nong-thon-moi",
     BANTIN_ROUTE_CATEGORY, "nong-thon-moi"},
    {"/Category/Nong-Thon-Moi", "page=2", "/category/nong-thon-moi?page=2",
     BANTIN_ROUTE_CATEGORY, "nong-thon-moi"},
    {"/category/x/", "a=1&page=007&b", "/category/x?page=7",
     BANTIN_ROUTE_CATEGORY, "x"},
    {"/category/x/", "page=abc", "/category/x", BANTIN_ROUTE_CATEGORY, "x"},
    {"/category/x/", "page=%2F%2Fevil", "/category/x", BANTIN_ROUTE_CATEGORY,
     "x"},
    {"/category/X/Feed.xml", NULL, "/category/x/feed.xml",
     BANTIN_ROUTE_FEED, "x"},
    {"/feed.xml/", NULL, "/feed.xml", BANTIN_ROUTE_FEED, NULL},
    /* already canonical, or nothing to mend to */
    {"/article/2024/x", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/category/x", "page=2", NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"//", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"//evil.example/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"//evil-example/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"//Evil-Example", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article//evil/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article/../x/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/article/ă/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/Media/A.png", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/static/bantin.css/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/Search", "q=x", NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/fontsize/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/block/view/2024/X", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
    {"/nope/", NULL, NULL, BANTIN_ROUTE_NOT_FOUND, NULL},
};

START_TEST(canonical_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(canonical_cases); i++) {
        bantin_route r;
        const char *to = bantin_route_canonical(unit_pool,
                                                canonical_cases[i].rest,
                                                canonical_cases[i].args, &r);
        const char *want = canonical_cases[i].to;
        ck_assert_msg(want ? to && !strcmp(to, want) : to == NULL,
                      "case %u: \"%s\" mended to \"%s\", want \"%s\"",
                      (unsigned)i, canonical_cases[i].rest,
                      to ? to : "(null)", want ? want : "(null)");
        ck_assert_msg(r.kind == canonical_cases[i].kind, "case %u: kind %d",
                      (unsigned)i, (int)r.kind);
        ck_assert_msg(canonical_cases[i].arg
                          ? r.arg && !strcmp(r.arg, canonical_cases[i].arg)
                          : r.arg == NULL,
                      "case %u: arg %s", (unsigned)i,
                      r.arg ? r.arg : "(null)");
        if (to) {
            /* what it mends to routes as it says, and may be a Location */
            bantin_route again;
            const char *q = strchr(to, '?');
            bantin_route_parse(unit_pool,
                               q ? apr_pstrmemdup(unit_pool, to,
                                                  (apr_size_t)(q - to))
                                 : to, &again);
            ck_assert_int_eq(again.kind, r.kind);
            ck_assert_int_eq(bantin_location_is_safe(to), 1);
        }
    }
}
END_TEST

static const struct {
    const char *route;
    int safe;
} location_cases[] = {
    {"/article/2024/x", 1},
    {"/category/x?page=2", 1},
    {"/category/x/feed.xml", 1},
    {"/article/x?print=1", 1},
    {"/", 1},
    {"", 0},
    {"article/x", 0},
    {"//evil.example/", 0},
    {"//evil-example", 0},
    {"/article//evil", 0},
    {"/article/../x", 0},
    {"/article/./x", 0},
    {"/.hidden", 0},
    {"/Article/x", 0},
    {"/article/x\r\nSet-Cookie: a=b", 0},
    {"/article/x#f", 0},
    {"/article/x?u=http://e", 0},
    {"/article/ă", 0},
    {"/article/x y", 0},
    {"/\\evil.example", 0},
};

START_TEST(location_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(location_cases); i++) {
        ck_assert_msg(bantin_location_is_safe(location_cases[i].route)
                      == location_cases[i].safe,
                      "case %u: location_is_safe(\"%s\") should be %d",
                      (unsigned)i, location_cases[i].route,
                      location_cases[i].safe);
    }
}
END_TEST

Suite *request_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = unit_tcase("route");

    tcase_add_test(tc, route_table);
    tcase_add_test(tc, unescape_table);
    tcase_add_test(tc, unescape_reads_n_bytes);
    tcase_add_test(tc, form_get_table);
    tcase_add_test(tc, page_table);
    tcase_add_test(tc, canonical_table);
    tcase_add_test(tc, location_table);
    suite_add_tcase(s, tc);

    tc = unit_tcase("fontsize");
    tcase_add_test(tc, cookie_table);
    tcase_add_test(tc, fontsize_apply_table);
    tcase_add_test(tc, back_table);
    tcase_add_test(tc, back_length_limit);
    suite_add_tcase(s, tc);
    return s;
}
