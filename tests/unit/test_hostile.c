/* test_hostile.c -- hostile input the core must survive, beyond what
 * test_article.c and test_request.c already cover: files that are big,
 * deep, binary, oddly encoded or made to be slow; markup and links that
 * try to get past the sanitiser; request strings that try to climb out of
 * the content dir or the portal.
 *
 * No test here measures time: a hostile file must be refused with the
 * right message, and each input is big enough that a parser without the
 * guard it tests (or the quadratic code of BUG-1/BUG-2 in SECURITY.md)
 * could not finish it within its TCase's timeout, which is then the
 * test's failure.  How fast a refusal is belongs to the benchmarks.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "bantin_article.h"
#include "bantin_buf.h"
#include "bantin_request.h"
#include "unit.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define MAX_BYTES BANTIN_ARTICLE_MAX_BYTES

static apr_status_t parse_n(const char *xml, apr_size_t len,
                            bantin_article **a, bantin_problem *pr)
{
    *a = NULL;
    return bantin_article_parse(unit_pool, unit_schema(), "mem.xml", xml,
                                len, BANTIN_TZ_DEFAULT_MIN, a, pr);
}

static apr_status_t parse(const char *xml, bantin_article **a,
                          bantin_problem *pr)
{
    return parse_n(xml, strlen(xml), a, pr);
}

static const char *article_with(const char *title, const char *body)
{
    return apr_pstrcat(unit_pool, HEAD,
                       "<article>\n"
                       "  <title>", title, "</title>\n"
                       "  <date>2024-01-04</date>\n"
                       "  <summary>S</summary>\n"
                       "  <body>\n", body, "\n  </body>\n</article>\n",
                       NULL);
}


/* A refused file's message: one line of UTF-8, naming no other file. */
static void assert_clean_problem(const char *what, const bantin_problem *pr)
{
    const char *s;
    ck_assert_msg(pr->message != NULL, "%s: no message", what);
    ck_assert_msg(!strchr(pr->message, '\n') && !strchr(pr->message, '\r'),
                  "%s: message of several lines", what);
    s = bantin_problem_str(unit_pool, pr);
    ck_assert_msg(!strstr(s, "root:") && !strstr(s, "/bin/"),
                  "%s: message quotes another file: %s", what, s);
}

/* Parses a hostile document, which must be refused with a clean message
 * that contains `expect` (when not NULL). */
static void refused(const char *what, const char *xml, apr_size_t len,
                    const char *expect)
{
    bantin_article *a;
    bantin_problem pr;
    apr_status_t rv = parse_n(xml, len, &a, &pr);

    ck_assert_msg(rv != APR_SUCCESS, "%s: accepted", what);
    ck_assert_ptr_null(a);
    assert_clean_problem(what, &pr);
    ck_assert_msg(!expect || strstr(pr.message, expect), "%s: \"%s\" is not "
                  "about \"%s\"", what, pr.message, expect);
}

/* As many copies of `unit` as fit between `head` and `tail` in `max`
 * bytes. */
static char *repeat_max(const char *head, const char *unit, const char *tail,
                        apr_size_t max, apr_size_t *len)
{
    apr_size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    apr_size_t n = (max - hl - tl) / ul, i;
    char *out = apr_palloc(unit_pool, hl + n * ul + tl + 1), *o = out;

    memcpy(o, head, hl);
    o += hl;
    for (i = 0; i < n; i++) {
        memcpy(o, unit, ul);
        o += ul;
    }
    memcpy(o, tail, tl);
    o += tl;
    *o = '\0';
    *len = (apr_size_t)(o - out);
    return out;
}

/* The same, up to MAX_BYTES. */
static char *repeat(const char *head, const char *unit, const char *tail,
                    apr_size_t *len)
{
    return repeat_max(head, unit, tail, MAX_BYTES, len);
}

/* ---- big, deep, binary ------------------------------------------------ */

START_TEST(deep_block_nesting_refused)
{
    apr_size_t len;
    char *xml;
    char *open = apr_palloc(unit_pool, 10000 * 6 + 1);
    int k;

    /* 10,000 nested elements, then ~1,400,000 (libxml2 stops at 256). */
    for (k = 0; k < 10000; k++) {
        memcpy(open + 6 * k, "<body>", 6);
    }
    open[6 * 10000] = '\0';
    xml = apr_pstrcat(unit_pool, HEAD, "<article>", open, NULL);
    refused("10,000 nested <body>", xml, strlen(xml), NULL);
    xml = repeat(HEAD "<article><title>T</title><date>2024-01-04</date>"
                 "<summary>S</summary><body><p>", "<b>", "</p></body>"
                 "</article>", &len);
    refused("a million nested <b>", xml, len, NULL);
}
END_TEST

START_TEST(billion_laughs_variants_refused)
{
    static const char *const docs[] = {
        /* quadratic blow-up: one big entity used many times */
        HEAD "<!DOCTYPE article [<!ENTITY a \"%s\">]>\n<article><title>%s"
        "</title></article>\n",
        /* entities in attribute values */
        HEAD "<!DOCTYPE article [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ATTLIST article status CDATA \"&a;&a;&a;\">]>\n<article/>\n",
        /* a parameter entity over the network */
        HEAD "<!DOCTYPE article [<!ENTITY % r SYSTEM "
        "\"http://127.0.0.1:9/r.dtd\"> %r;]>\n<article/>\n",
        /* the DOCTYPE hidden after a BOM and a comment */
        "\xef\xbb\xbf" HEAD "<!-- x --><!DOCTYPE article SYSTEM "
        "\"file:///etc/passwd\"><article/>\n",
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(docs); i++) {
        const char *xml = docs[i];
        if (i == 0) {
            /* 100 KB entity referenced 30,000 times: 3 GB if expanded */
            char *big = apr_palloc(unit_pool, 100001);
            char *refs = apr_palloc(unit_pool, 30000 * 3 + 1);
            int k;
            memset(big, 'x', 100000);
            big[100000] = '\0';
            for (k = 0; k < 30000; k++) {
                memcpy(refs + 3 * k, "&a;", 3);
            }
            refs[90000] = '\0';
            xml = apr_psprintf(unit_pool, docs[0], big, refs);
        }
        refused(apr_psprintf(unit_pool, "entity case %u", (unsigned)i), xml,
                strlen(xml), NULL);
    }
}
END_TEST

START_TEST(random_bytes_refused)
{
    apr_size_t n = 1 << 20, i;
    unsigned char *data = apr_palloc(unit_pool, n);
    unsigned long x = 20241126UL;
    int round;

    for (round = 0; round < 4; round++) {
        for (i = 0; i < n; i++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            data[i] = (unsigned char)(x >> 56);
        }
        if (round == 1) {
            data[0] = '<'; /* looks like markup at first */
        }
        if (round == 2) {
            memcpy(data, HEAD "<article><title>", 56);
        }
        if (round == 3) {
            memset(data, 0, n); /* all NUL */
        }
        refused(apr_psprintf(unit_pool, "random bytes %d", round),
                (const char *)data, n, NULL);
    }
}
END_TEST

START_TEST(huge_file_refused_unread)
{
    /* 50 MB (sparse): refused from its size (the message says so), before
     * anything is read. */
    const char *dir = unit_tmpdir();
    const char *path = apr_pstrcat(unit_pool, dir, "/huge.xml", NULL);
    apr_file_t *f;
    bantin_article *a = NULL;
    bantin_problem pr;

    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                                   | APR_FOPEN_TRUNCATE, APR_OS_DEFAULT,
                                   unit_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_trunc(f, (apr_off_t)50 * 1024 * 1024),
                     APR_SUCCESS);
    apr_file_close(f);
    ck_assert_int_ne(bantin_article_load(unit_pool, unit_schema(), path, 420,
                                         &a, &pr), APR_SUCCESS);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(pr.message, "larger"));
    assert_clean_problem("50 MB", &pr);
}
END_TEST

/* NUL bytes anywhere inside the document refuse it (a NUL would cut a C
 * string short); after the root element nothing more is read. */
START_TEST(nul_bytes)
{
    static const char *const places[] = {
        "<title>T", "<summary>S", "<p>x", "<article", "<date>2024",
    };
    const char *good = article_with("T", "<p>x</p>");
    apr_size_t len = strlen(good), i;

    for (i = 0; i < UNIT_N(places); i++) {
        char *xml = apr_pstrmemdup(unit_pool, good, len);
        char *at = strstr(xml, places[i]);
        bantin_article *a;
        bantin_problem pr;
        ck_assert_ptr_nonnull(at);
        at[strlen(places[i])] = '\0';
        ck_assert_msg(parse_n(xml, len, &a, &pr) != APR_SUCCESS,
                      "NUL after \"%s\" accepted", places[i]);
        ck_assert_ptr_null(a);
        assert_clean_problem("NUL", &pr);
    }
}
END_TEST

START_TEST(bom_and_encodings)
{
    const char *good = article_with("Tiêu đề", "<p>x</p>");
    const char *no_decl = strstr(good, "<article>");
    bantin_article *a;
    bantin_problem pr;

    /* A UTF-8 BOM is fine, with or without the declaration; the title
     * does not start with it. */
    ck_assert_int_eq(parse(apr_pstrcat(unit_pool, "\xef\xbb\xbf", good, NULL),
                           &a, &pr), APR_SUCCESS);
    ck_assert_str_eq(a->title, "Tiêu đề");
    ck_assert_int_eq(parse(apr_pstrcat(unit_pool, "\xef\xbb\xbf", no_decl,
                                       NULL), &a, &pr), APR_SUCCESS);
    ck_assert_str_eq(a->title, "Tiêu đề");
    /* Two BOMs, a UTF-16 BOM before UTF-8 text, a UTF-32 BOM, and
     * declarations of other encodings are refused or read as UTF-8 --
     * never guessed at. */
    {
        static const char *const prefixes[] = {
            "\xef\xbb\xbf\xef\xbb\xbf", "\xfe\xff", "\xff\xfe",
            "\x00\x00\xfe\xff",
        };
        apr_size_t i;
        for (i = 0; i < UNIT_N(prefixes); i++) {
            apr_size_t pl = i == 3 ? 4 : strlen(prefixes[i]);
            apr_size_t gl = strlen(no_decl);
            char *xml = apr_palloc(unit_pool, pl + gl);
            memcpy(xml, prefixes[i], pl);
            memcpy(xml + pl, no_decl, gl);
            if (parse_n(xml, pl + gl, &a, &pr) == APR_SUCCESS) {
                ck_assert_msg(unit_utf8_valid(a->title), "prefix %u", (unsigned)i);
            }
            else {
                assert_clean_problem("BOM", &pr);
            }
        }
    }
    {
        static const char *const decls[] = {"UTF-7", "EBCDIC-US", "UTF-32",
                                            "Windows-1258", "x-unknown"};
        apr_size_t i;
        for (i = 0; i < UNIT_N(decls); i++) {
            const char *xml = apr_pstrcat(
                unit_pool, "<?xml version=\"1.0\" encoding=\"", decls[i],
                "\"?>\n", no_decl, NULL);
            if (parse(xml, &a, &pr) == APR_SUCCESS) {
                ck_assert_str_eq(a->title, "Tiêu đề");
            }
            else {
                assert_clean_problem(decls[i], &pr);
            }
        }
    }
}
END_TEST

/* ---- markup that tries to get past the sanitiser ------------------------ */

START_TEST(foreign_markup_refused)
{
    static const char *const bodies[] = {
        "<p><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
        "href=\"file:///etc/passwd\" parse=\"text\"/></p>",
        "<p><h:script xmlns:h=\"http://www.w3.org/1999/xhtml\">alert(1)"
        "</h:script></p>",
        "<p><b xmlns=\"http://www.w3.org/1999/xhtml\">x</b></p>",
        "<p><h:b xmlns:h=\"http://www.w3.org/1999/xhtml\">x</h:b></p>",
        "<p><b onclick=\"alert(1)\">x</b></p>",
        "<p><a href=\"https://x/\" onmouseover=\"alert(1)\">x</a></p>",
        "<p><a href=\"https://x/\" style=\"position:fixed\">x</a></p>",
        "<p><a xlink:href=\"javascript:alert(1)\" "
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\">x</a></p>",
        "<p><img src=\"x\"/></p>",
        "<p><script>alert(1)</script></p>",
        "<p><iframe src=\"https://x/\"/></p>",
        "<figure src=\"images/a.png\" onerror=\"alert(1)\"><caption>c"
        "</caption></figure>",
        "<figure><caption>c</caption><script/></figure>",
        "<p xml:base=\"javascript:\"><a href=\"alert(1)\">x</a></p>",
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(bodies); i++) {
        bantin_article *a;
        bantin_problem pr;
        apr_status_t rv = parse(article_with("T", bodies[i]), &a, &pr);
        if (rv == APR_SUCCESS) {
            /* only acceptable if nothing but text survived */
            int k;
            for (k = 0; k < a->nblocks; k++) {
                const char *h = a->blocks[k].html;
                ck_assert_msg(!strstr(h, "<script") && !strstr(h, "<h:")
                              && !strstr(h, "<img") && !strstr(h, "<iframe")
                              && !strstr(h, " on") && !strstr(h, "style=")
                              && !strstr(h, "javascript:"),
                              "case %u: kept \"%s\"", (unsigned)i, h);
            }
        }
        else {
            ck_assert_ptr_null(a);
            assert_clean_problem("foreign markup", &pr);
        }
    }
}
END_TEST

START_TEST(links_that_hide_their_scheme)
{
    /* href as written in the XML attribute; all must lose the link. */
    static const char *const hrefs[] = {
        "jav&#x61;script:alert(1)",
        "&#106;avascript:alert(1)",
        "javascript&#x3a;alert(1)",
        "java&#x0D;script:alert(1)",
        "&#x20;javascript:alert(1)",
        "\xc2\xa0javascript:alert(1)",
        "jav\xe2\x80\x8b" "ascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
        "ftp://example.org/",
        "/\\evil.example",
        "\\\\evil.example",
        "http:&#x09;//x/",
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(hrefs); i++) {
        bantin_article *a;
        bantin_problem pr;
        const char *body = apr_pstrcat(unit_pool, "<p>a <a href=\"", hrefs[i],
                                       "\">liên kết</a> b</p>", NULL);
        apr_status_t rv = parse(article_with("T", body), &a, &pr);
        if (rv == APR_SUCCESS) {
            ck_assert_msg(!strstr(a->blocks[0].html, "href"),
                          "case %u: link kept: %s", (unsigned)i,
                          a->blocks[0].html);
            ck_assert_str_eq(a->blocks[0].html, "a liên kết b");
        }
        else {
            assert_clean_problem("link", &pr);
        }
    }
}
END_TEST

START_TEST(figure_src_that_climbs_out)
{
    static const char *const srcs[] = {
        "../../../etc/passwd", "images/../../x.png", "/etc/passwd",
        "//evil.example/x.png", "images//a.png", "images/./a.png",
        "images/.a.png", ".htaccess", "images\\a.png", "%2e%2e/x.png",
        "images/a.png%00.xml", "images/a.png?x=1", "images/a.png#x",
        "file:///etc/passwd", "javascript:alert(1)", "data:image/png;base64,x",
        "HTTP://example.org/a.png", " https://example.org/a.png",
        "https://example.org/a&#x0A;.png", "images/\xc0\xae\xc0\xae/a.png",
        "\xef\xbc\x8e\xef\xbc\x8e/a.png", "images/a.png/", "",
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(srcs); i++) {
        bantin_article *a;
        bantin_problem pr;
        const char *body = apr_pstrcat(unit_pool, "<figure src=\"", srcs[i],
                                       "\"><caption>c</caption></figure>",
                                       NULL);
        apr_status_t rv = parse(article_with("T", body), &a, &pr);
        ck_assert_msg(rv != APR_SUCCESS, "case %u (%s): accepted as %s",
                      (unsigned)i, srcs[i],
                      a && a->nblocks ? a->blocks[0].src : "?");
        assert_clean_problem("figure src", &pr);
    }
}
END_TEST

/* ---- request strings ----------------------------------------------------- */

START_TEST(routes_never_climb_out)
{
    /* What httpd hands over after decoding (and what it may hand over if a
     * proxy in front decoded once more). */
    static const char *const rests[] = {
        "/media/../../etc/passwd", "/media/images/../../../etc/passwd",
        "/media/..", "/media/./images/a.png", "/media/images/.",
        "/media/\xc0\xae\xc0\xae/etc/passwd.png", "/media/%2e%2e/x.png",
        "/media/..%2fx.png", "/media/%252e%252e/x.png", "/media/a\\..\\b.png",
        "/media//etc/passwd.png", "/media/images//a.png", "/media/ /a.png",
        "/media/images/a.png\n", "/media/images/a.png;.xml",
        "/static/../bantin.css", "/static/..", "/static/.htaccess",
        "/article/../2024/x", "/article/2024/../x", "/article/2024/./x",
        "/article/%2e%2e/x", "/print/../x", "/block/view/../x",
        "/block/view/2024/..", "/category/../x", "/category/..",
        "/category/x/../feed.xml",
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(rests); i++) {
        bantin_route r;
        bantin_route_parse(unit_pool, rests[i], &r);
        if (r.arg) {
            ck_assert_msg(!strstr(r.arg, "..") && r.arg[0] != '/'
                          && r.arg[0] != '.' && !strstr(r.arg, "/.")
                          && !strchr(r.arg, '\\') && !strchr(r.arg, '%')
                          && !strchr(r.arg, '\n'),
                          "case %u: \"%s\" routed with \"%s\"", (unsigned)i,
                          rests[i], r.arg);
        }
        ck_assert_msg(r.kind == BANTIN_ROUTE_NOT_FOUND,
                      "case %u: \"%s\" routed (%d)", (unsigned)i, rests[i],
                      (int)r.kind);
    }
}
END_TEST

START_TEST(double_encoding_stays_encoded)
{
    /* One decoding only: %252e is "%2e" text, never "." */
    char *once = bantin_unescape(unit_pool, "%252e%252e%252f", 15, 0);
    ck_assert_str_eq(once, "%2e%2e%2f");
    ck_assert_str_eq(bantin_unescape(unit_pool, "%2500", 5, 0), "%00");
    /* overlong UTF-8 for '.' and '/' decodes to bytes, never to ASCII */
    once = bantin_unescape(unit_pool, "%c0%ae%c0%af", 12, 0);
    ck_assert_int_eq((unsigned char)once[0], 0xc0);
    ck_assert_int_eq((unsigned char)once[1], 0xae);
    ck_assert_int_eq(bantin_back_is_safe(once), 0);
    ck_assert_int_eq(bantin_relpath_is_safe(once), 0);
}
END_TEST

START_TEST(big_headers_stay_linear)
{
    /* A 1 MB Cookie header of 100,000 cookies, and a 1 MB query of
     * 100,000 parameters: default/first as usual.  A scan that went back
     * over the header for every cookie would not end within the TCase's
     * timeout. */
    apr_size_t n = 100000, i;
    char *cookie = apr_palloc(unit_pool, n * 12 + 32), *c = cookie;
    char *query = apr_palloc(unit_pool, n * 8 + 32), *q = query;

    for (i = 0; i < n; i++) {
        memcpy(c, "bantin_f=4; ", 12);
        c += 12;
        memcpy(q, "steq=up&", 8);
        q += 8;
    }
    strcpy(c, "bantin_fs=5");
    strcpy(q, "step=down&back=article/x");
    ck_assert_int_eq(bantin_fontsize_from_cookie(cookie, "bantin_fs", 5, 3),
                     5);
    ck_assert_str_eq(bantin_form_get(unit_pool, query, "step"), "down");
    ck_assert_str_eq(bantin_form_get(unit_pool, query, "back"), "article/x");
    /* the same cookie repeated 100,000 times: the default */
    c = cookie;
    for (i = 0; i < n; i++) {
        memcpy(c, "bantin_fs=4;", 12);
        c += 12;
    }
    *c = '\0';
    ck_assert_int_eq(bantin_fontsize_from_cookie(cookie, "bantin_fs", 5, 3),
                     3);
}
END_TEST

START_TEST(escaping_covers_every_context_char)
{
    /* every byte 1..255 through the text/attribute escape */
    char in[256];
    const char *out;
    int i;

    for (i = 1; i < 256; i++) {
        in[i - 1] = (char)i;
    }
    in[255] = '\0';
    out = bantin_html_escape(unit_pool, in);
    ck_assert_ptr_null(strpbrk(out, "<>\"'"));
    for (i = 0; out[i]; i++) {
        if (out[i] == '&') {
            ck_assert_msg(!strncmp(out + i, "&amp;", 5)
                          || !strncmp(out + i, "&lt;", 4)
                          || !strncmp(out + i, "&gt;", 4)
                          || !strncmp(out + i, "&quot;", 6)
                          || !strncmp(out + i, "&#39;", 5),
                          "bare & at %d", i);
        }
    }
}
END_TEST

/* ---- fixed quadratic parses (BUG-1, BUG-2 in SECURITY.md) ---------------- */

/* The guard's message: a linear pre-scan refuses crowded tags before
 * libxml2 sees them. */
#define CROWDED "more than 32 attributes in a tag"

/* BUG-1: libxml2 2.9 compares each attribute of a tag with every earlier
 * one, and looks every element's namespace up in a linear list of the
 * declarations in scope: 60,000 attributes on one tag took ~50 s on the
 * project's machine, so a 4 MiB file of them (~380,000) takes far longer
 * than the TCase's timeout without the pre-scan. */
START_TEST(many_attributes_refused)
{
    apr_size_t i, n = (MAX_BYTES - 256) / 11;
    char *attrs = apr_palloc(unit_pool, n * 11 + 1), *o = attrs, *xml;

    /* " a%05lx=\"\"": 11 bytes each, all names distinct. */
    for (i = 0; i < n; i++) {
        o += sprintf(o, " a%05lx=\"\"", (unsigned long)i);
    }
    xml = apr_pstrcat(unit_pool, HEAD, "<article", attrs,
                      "><title>T</title></article>\n", NULL);
    ck_assert_uint_le(strlen(xml), MAX_BYTES);
    refused("a 4 MiB tag of attributes", xml, strlen(xml), CROWDED);
}
END_TEST

/* 8,000 nested namespace declarations over a million elements took 5-12 s;
 * the message shows the pre-scan, not libxml2, refused it. */
START_TEST(nested_namespaces_refused)
{
    apr_size_t len;
    char *head = apr_palloc(unit_pool, 250 * 32 * 24 + 256), *o = head, *xml;
    int d, k;

    o += sprintf(o, "%s<article>", HEAD);
    for (d = 0; d < 250; d++) {
        o += sprintf(o, "<e%d", d);
        for (k = 0; k < 32; k++) {
            o += sprintf(o, " xmlns:p%dx%d=\"u\"", d, k);
        }
        *o++ = '>';
    }
    *o = '\0';
    xml = repeat(head, "<x/>", "", &len);
    refused("8,000 namespaces over a million elements", xml, len,
            "16 namespace declarations");
}
END_TEST

/* BUG-2: with the file name as the document URL, libxml2 2.9 walked back
 * over all preceding nodes for every validation error (looking for
 * XInclude boundaries), and column_of() scanned from the top of the file
 * for every error: 32,000 invalid lines (512 KB) took ~25 s, a 4 MiB file
 * of them (260,000 lines) about half an hour.  Refused now at the first
 * one (line 2), which the message names. */
START_TEST(many_validation_errors_refused)
{
    apr_size_t len;
    char *xml = repeat(HEAD "<article><title>T</title><date>2024-01-04"
                       "</date><summary>S</summary><body>\n",
                       "<p><u>x</u></p>\n", "</body></article>\n", &len);

    refused("a 4 MiB file of invalid lines", xml, len,
            "<u> cannot be used in text");
}
END_TEST

/* Was BUG-3 (found by fuzz_article; fixed in a957946): libxml2 quotes up
 * to 50 raw bytes of the file in some messages and may cut a UTF-8
 * character in two (or carry a DEL); the message reaches the error log,
 * the status page and bantin-check. */
START_TEST(message_bytes_cleaned)
{
    bantin_article *a;
    bantin_problem pr;
    char *body = apr_palloc(unit_pool, 40 * 3 + 32);
    int i;

    strcpy(body, "<p><![CDATA[a");
    for (i = 0; i < 40; i++) {
        strcat(body, "\xe1\xba\xa1"); /* ạ */
    }
    strcat(body, "</p>");
    ck_assert_int_ne(parse(article_with("T", body), &a, &pr), APR_SUCCESS);
    ck_assert_msg(unit_utf8_valid(pr.message), "message is not UTF-8: \"%s\"",
                  pr.message);
    ck_assert_int_ne(parse(article_with("T", "<p><![CDATA[a\x7f\x7f</p>"),
                           &a, &pr), APR_SUCCESS);
    ck_assert_msg(!strchr(pr.message, 0x7f), "DEL in message: \"%s\"",
                  pr.message);
}
END_TEST

Suite *hostile_suite(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = unit_tcase("files");

    /* 4 MiB documents under valgrind take a while. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, deep_block_nesting_refused);
    tcase_add_test(tc, billion_laughs_variants_refused);
    tcase_add_test(tc, random_bytes_refused);
    tcase_add_test(tc, huge_file_refused_unread);
    tcase_add_test(tc, nul_bytes);
    tcase_add_test(tc, bom_and_encodings);
    tcase_add_test(tc, message_bytes_cleaned);
    suite_add_tcase(s, tc);

    tc = unit_tcase("markup");
    tcase_add_test(tc, foreign_markup_refused);
    tcase_add_test(tc, links_that_hide_their_scheme);
    tcase_add_test(tc, figure_src_that_climbs_out);
    suite_add_tcase(s, tc);

    tc = unit_tcase("requests");
    tcase_add_test(tc, routes_never_climb_out);
    tcase_add_test(tc, double_encoding_stays_encoded);
    tcase_add_test(tc, big_headers_stay_linear);
    tcase_add_test(tc, escaping_covers_every_context_char);
    suite_add_tcase(s, tc);

    /* The timeout is the deadline: the quadratic code of before missed it
     * on each of these (tried: two timed out, one gave libxml2's message).
     * CK_FORK=no, as under valgrind, has no timeout. */
    tc = unit_tcase("crowded");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, many_attributes_refused);
    tcase_add_test(tc, nested_namespaces_refused);
    tcase_add_test(tc, many_validation_errors_refused);
    suite_add_tcase(s, tc);
    return s;
}
