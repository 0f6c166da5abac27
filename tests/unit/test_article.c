/* test_article.c -- parsing, validating and sanitising articles held in
 * memory, and the hostile inputs an XML parser must survive. */
#include <string.h>

#include <apr_strings.h>

#include "bantin_article.h"
#include "unit.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static apr_status_t parse(const char *xml, bantin_article **a,
                          bantin_problem *pr)
{
    *a = NULL;
    return bantin_article_parse(unit_pool, unit_schema(), "mem.xml", xml,
                                strlen(xml), BANTIN_TZ_DEFAULT_MIN, a, pr);
}

/* An article whose body (line 6 on) is `body`. */
static const char *with_body(const char *body)
{
    return apr_pstrcat(unit_pool, HEAD,
                       "<article>\n"
                       "  <title>T</title>\n"
                       "  <date>2024-01-04</date>\n"
                       "  <summary>S</summary>\n"
                       "  <body>\n", body, "\n  </body>\n</article>\n",
                       NULL);
}


static const char *const full_article =
    HEAD
    "<article>\n"
    "  <title>Giúp đỡ xã khó khăn</title>\n"
    "  <date>2024-01-04T08:30+07:00</date>\n"
    "  <category>Nông thôn mới</category>\n"
    "  <summary>  Tóm tắt\n  hai dòng  </summary>\n"
    "  <body>\n"
    "    <p>Một</p>\n"
    "    <figure src=\"images/a.png\"><caption>Ảnh <b>một</b></caption>"
    "</figure>\n"
    "    <p>x <b>đậm</b>, <i>nghiêng</i>, "
    "<a href=\"https://example.com/?a=1&amp;b=2\">liên kết</a></p>\n"
    "    <figure>\n      <caption>Không ảnh</caption>\n    </figure>\n"
    "    <figure src=\"https://example.com/b.png\"><caption>B &amp; "
    "&quot;c&quot;</caption></figure>\n"
    "    <p>&lt;b&gt; and <a href=\"javascript:alert(1)\">click</a> "
    "<b><i>both</i></b><!-- gone --><?pi gone?><![CDATA[<u>]]></p>\n"
    "  </body>\n"
    "  <author>Hương Dịu</author>\n"
    "</article>\n";

START_TEST(valid_article_all_fields)
{
    bantin_article *a;
    bantin_problem pr;
    const bantin_block *b;

    ck_assert_int_eq(parse(full_article, &a, &pr), APR_SUCCESS);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->path, "mem.xml");
    ck_assert_str_eq(a->title, "Giúp đỡ xã khó khăn");
    ck_assert_str_eq(a->category, "Nông thôn mới");
    ck_assert_str_eq(a->summary, "Tóm tắt\n  hai dòng");
    ck_assert_str_eq(a->author, "Hương Dịu");
    ck_assert_int_eq(a->date.year, 2024);
    ck_assert_int_eq(a->date.month, 1);
    ck_assert_int_eq(a->date.day, 4);
    ck_assert_int_eq(a->date.has_time, 1);
    ck_assert_int_eq(a->date.offset_min, 420);
    ck_assert_int_eq(a->nblocks, 6);

    b = &a->blocks[0];
    ck_assert_int_eq(b->kind, BANTIN_BLOCK_PARAGRAPH);
    ck_assert_str_eq(b->html, "Một");

    b = &a->blocks[1];
    ck_assert_int_eq(b->kind, BANTIN_BLOCK_FIGURE);
    ck_assert_str_eq(b->html, "Ảnh <b>một</b>");
    ck_assert_str_eq(b->text, "Ảnh một");
    ck_assert_str_eq(b->src, "images/a.png");
    ck_assert_int_eq(b->src_is_media, 1);

    b = &a->blocks[2];
    ck_assert_int_eq(b->kind, BANTIN_BLOCK_PARAGRAPH);
    ck_assert_str_eq(b->html, "x <b>đậm</b>, <i>nghiêng</i>, <a href=\""
                     "https://example.com/?a=1&amp;b=2\">liên kết</a>");

    b = &a->blocks[3];
    ck_assert_int_eq(b->kind, BANTIN_BLOCK_FIGURE);
    ck_assert_ptr_null(b->src);
    ck_assert_int_eq(b->src_is_media, 0);
    ck_assert_str_eq(b->text, "Không ảnh");

    b = &a->blocks[4];
    ck_assert_int_eq(b->kind, BANTIN_BLOCK_FIGURE);
    ck_assert_str_eq(b->src, "https://example.com/b.png");
    ck_assert_int_eq(b->src_is_media, 0);
    ck_assert_str_eq(b->html, "B &amp; &quot;c&quot;");
    ck_assert_str_eq(b->text, "B & \"c\""); /* plain: escaped on output */

    /* Text is escaped, the javascript: link loses its <a> but keeps its
     * text, comments and PIs vanish, CDATA is text. */
    b = &a->blocks[5];
    ck_assert_int_eq(b->kind, BANTIN_BLOCK_PARAGRAPH);
    ck_assert_str_eq(b->html,
                     "&lt;b&gt; and click <b><i>both</i></b>&lt;u&gt;");
}
END_TEST

START_TEST(optional_fields_absent)
{
    bantin_article *a;
    bantin_problem pr;

    ck_assert_int_eq(parse(with_body("<p>x</p>"), &a, &pr), APR_SUCCESS);
    ck_assert_ptr_null(a->category);
    ck_assert_ptr_null(a->author);
    ck_assert_int_eq(a->date.has_time, 0);
    ck_assert_int_eq(a->nblocks, 1);
}
END_TEST

START_TEST(block_order_kept)
{
    static const char *const order = "pfpffppf";
    bantin_article *a;
    bantin_problem pr;
    const char *body = "";
    int i;

    for (i = 0; order[i]; i++) {
        body = apr_pstrcat(unit_pool, body,
                           order[i] == 'p'
                               ? apr_psprintf(unit_pool, "<p>%d</p>", i)
                               : apr_psprintf(unit_pool, "<figure><caption>"
                                              "%d</caption></figure>", i),
                           NULL);
    }
    ck_assert_int_eq(parse(with_body(body), &a, &pr), APR_SUCCESS);
    ck_assert_int_eq(a->nblocks, (int)strlen(order));
    for (i = 0; order[i]; i++) {
        const bantin_block *b = &a->blocks[i];
        ck_assert_int_eq(b->kind, order[i] == 'p' ? BANTIN_BLOCK_PARAGRAPH
                                                  : BANTIN_BLOCK_FIGURE);
        ck_assert_str_eq(b->html, apr_itoa(unit_pool, i));
    }
}
END_TEST

START_TEST(markup_in_title_stays_text)
{
    bantin_article *a;
    bantin_problem pr;
    const char *xml = unit_article_xml("&lt;script&gt;alert(1)&lt;/script&gt;",
                                       "2024-01-04", "&lt;b&gt;x&amp;y");

    ck_assert_int_eq(parse(xml, &a, &pr), APR_SUCCESS);
    /* The model keeps plain text; the templates escape it. */
    ck_assert_str_eq(a->title, "<script>alert(1)</script>");
    ck_assert_str_eq(a->blocks[0].html,
                     "&lt;b&gt;x&amp;y");
}
END_TEST

static const struct {
    const char *href;
    const char *html; /* what the <p> becomes */
} link_cases[] = {
    {"https://example.com/", "<a href=\"https://example.com/\">L</a>"},
    {"http://example.com/a?b=1&amp;c=2",
     "<a href=\"http://example.com/a?b=1&amp;c=2\">L</a>"},
    {"mailto:a@example.com", "<a href=\"mailto:a@example.com\">L</a>"},
    {"/portal/article/x", "<a href=\"/portal/article/x\">L</a>"},
    {"#frag", "<a href=\"#frag\">L</a>"},
    {"x&quot; onclick=&quot;alert(1)",
     "<a href=\"x&quot; onclick=&quot;alert(1)\">L</a>"},
    {"javascript:alert(1)", "L"},
    {"JavaScript:alert(1)", "L"},
    {"java&#9;script:alert(1)", "L"},
    {"data:text/html,x", "L"},
    {"vbscript:x", "L"},
    {"/\\evil.example", "L"},
};

START_TEST(link_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(link_cases); i++) {
        bantin_article *a;
        bantin_problem pr;
        const char *p = apr_psprintf(unit_pool, "<p><a href=\"%s\">L</a></p>",
                                     link_cases[i].href);
        apr_status_t rv = parse(with_body(p), &a, &pr);
        const char *html;
        ck_assert_msg(rv == APR_SUCCESS, "case %u: %s refused: %s",
                      (unsigned)i, link_cases[i].href,
                      pr.message ? pr.message : "");
        html = a->blocks[0].html;
        ck_assert_msg(!strcmp(html, link_cases[i].html),
                      "case %u: %s -> \"%s\", want \"%s\"", (unsigned)i,
                      link_cases[i].href, html, link_cases[i].html);
    }
}
END_TEST

static const struct {
    const char *src; /* as written in the attribute */
    int ok;
    int media;
} src_cases[] = {
    {"images/a.png", 1, 1},
    {"a.png", 1, 1},
    {"images/2024/a-b_c.JPG", 1, 1},
    {"http://example.com/a.png", 1, 0},
    {"https://example.com/a.png?x=1&amp;y=2", 1, 0},
    {"../x.png", 0, 0},
    {"images/../../x.png", 0, 0},
    {"/etc/x.png", 0, 0},
    {"//evil.example/x.png", 0, 0},
    {".hidden.png", 0, 0},
    {"images\\a.png", 0, 0},
    {"javascript:alert(1)", 0, 0},
    {"data:image/png;base64,AAAA", 0, 0},
    {"file:///etc/passwd", 0, 0},
    {"HTTP://example.com/a.png", 0, 0},
    {"ftp://example.com/a.png", 0, 0},
    {"http://exa&#9;mple.com/a.png", 0, 0},
    {"", 0, 0},
    {"ảnh.png", 0, 0},
};

START_TEST(figure_src_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(src_cases); i++) {
        bantin_article *a;
        bantin_problem pr;
        const char *f = apr_psprintf(unit_pool, "<p>x</p>\n<figure src=\"%s\">"
                                     "<caption>c</caption></figure>",
                                     src_cases[i].src);
        apr_status_t rv = parse(with_body(f), &a, &pr);
        if (src_cases[i].ok) {
            const bantin_block *b;
            ck_assert_msg(rv == APR_SUCCESS, "case %u: %s refused: %s",
                          (unsigned)i, src_cases[i].src,
                          pr.message ? pr.message : "");
            b = &a->blocks[1];
            ck_assert_msg(b->src_is_media == src_cases[i].media,
                          "case %u: %s src_is_media=%d", (unsigned)i,
                          src_cases[i].src, b->src_is_media);
        }
        else {
            ck_assert_msg(rv != APR_SUCCESS, "case %u: %s accepted",
                          (unsigned)i, src_cases[i].src);
            ck_assert_ptr_null(a);
            ck_assert_msg(pr.message && strstr(pr.message, "figure src"),
                          "case %u: message \"%s\"", (unsigned)i,
                          pr.message ? pr.message : "(null)");
            ck_assert_msg(pr.line == 8 && pr.col == 1,
                          "case %u: %s: at %d:%d, want 8:1", (unsigned)i,
                          src_cases[i].src, pr.line, pr.col);
            ck_assert_str_eq(pr.file, "mem.xml");
        }
    }
}
END_TEST

static const struct {
    const char *xml;
    int line;   /* expected line, or -1 for "any > 0" */
    int has_col;
} malformed_cases[] = {
    {HEAD "<article>\n  <title>x</titl>\n</article>\n", 3, 1},
    {HEAD "<article>\n<title>x", -1, 1},
    {HEAD "<article>\n  <title a=1>x</title>\n</article>\n", 3, 1},
    {HEAD "<article>\n  <title>a & b</title>\n</article>\n", 3, 1},
    {HEAD "<article>\n  <title>&nbsp;</title>\n</article>\n", 3, 1},
    {HEAD "<article/>\n<article/>\n", 3, 1},
    {"garbage", 1, 1},
    {"\n\n  <article>", -1, 1},
};

START_TEST(not_well_formed_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(malformed_cases); i++) {
        bantin_article *a;
        bantin_problem pr;
        apr_status_t rv = parse(malformed_cases[i].xml, &a, &pr);
        ck_assert_msg(rv != APR_SUCCESS, "case %u accepted", (unsigned)i);
        ck_assert_ptr_null(a);
        ck_assert_ptr_nonnull(pr.message);
        ck_assert_str_eq(pr.file, "mem.xml");
        if (malformed_cases[i].line > 0) {
            ck_assert_msg(pr.line == malformed_cases[i].line,
                          "case %u: line %d, want %d (%s)", (unsigned)i,
                          pr.line, malformed_cases[i].line, pr.message);
        }
        else {
            ck_assert_msg(pr.line > 0, "case %u: no line (%s)", (unsigned)i,
                          pr.message);
        }
        if (malformed_cases[i].has_col) {
            ck_assert_msg(pr.col > 0, "case %u: no column (%s)", (unsigned)i,
                          pr.message);
        }
    }
}
END_TEST

START_TEST(empty_input_refused)
{
    bantin_article *a;
    bantin_problem pr;
    ck_assert_int_ne(parse("", &a, &pr), APR_SUCCESS);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(pr.message);
}
END_TEST

static const struct {
    const char *xml;
    int line; /* the line the problem is on; -1: any > 0 */
} invalid_cases[] = {
    /* An unknown element in the body. */
    {HEAD "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <body>\n    <p>x</p>\n"
     "    <script>alert(1)</script>\n  </body>\n</article>\n", -1},
    /* ...and inside a paragraph. */
    {HEAD "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <body>\n"
     "    <p>x <script>alert(1)</script></p>\n  </body>\n</article>\n", -1},
    /* No title. */
    {HEAD "<article>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n", -1},
    /* Elements out of order. */
    {HEAD "<article>\n  <title>T</title>\n  <summary>S</summary>\n"
     "  <date>2024-01-04</date>\n  <body><p>x</p></body>\n</article>\n", -1},
    {HEAD "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <author>A</author>\n"
     "  <body><p>x</p></body>\n</article>\n", -1},
    /* An empty body, an empty title, text straight in the body. */
    {HEAD "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <body></body>\n</article>\n", -1},
    {HEAD "<article>\n  <title></title>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n", -1},
    {HEAD "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <body>loose<p>x</p></body>\n</article>\n",
     -1},
    /* Attributes and elements the format does not have. */
    {HEAD "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
     "  <summary>S</summary>\n  <body><p onclick=\"x\">x</p></body>\n"
     "</article>\n", -1},
    {HEAD "<article>\n  <title>T<b>x</b></title>\n"
     "  <date>2024-01-04</date>\n  <summary>S</summary>\n"
     "  <body><p>x</p></body>\n</article>\n", -1},
    {HEAD "<html>\n  <title>T</title>\n</html>\n", -1},
    /* A date the pattern refuses, and one the calendar refuses. */
    {HEAD "<article>\n  <title>T</title>\n  <date>04/01/2024</date>\n"
     "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n", -1},
    {HEAD "<article>\n  <title>T</title>\n  <date>2023-02-29</date>\n"
     "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n", 4},
};

START_TEST(schema_invalid_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(invalid_cases); i++) {
        bantin_article *a;
        bantin_problem pr;
        apr_status_t rv = parse(invalid_cases[i].xml, &a, &pr);
        ck_assert_msg(rv != APR_SUCCESS, "case %u accepted", (unsigned)i);
        ck_assert_ptr_null(a);
        ck_assert_msg(pr.message && *pr.message, "case %u: no message",
                      (unsigned)i);
        if (invalid_cases[i].line > 0) {
            ck_assert_msg(pr.line == invalid_cases[i].line,
                          "case %u: line %d, want %d (%s)", (unsigned)i,
                          pr.line, invalid_cases[i].line, pr.message);
        }
        else {
            ck_assert_msg(pr.line > 0, "case %u: no line (%s)", (unsigned)i,
                          pr.message);
        }
    }
}
END_TEST

START_TEST(blank_title_refused)
{
    bantin_article *a;
    bantin_problem pr;

    ck_assert_int_ne(parse(unit_article_xml("  \n ", "2024-01-04", "x"), &a,
                           &pr), APR_SUCCESS);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(pr.message, "<title> must not be empty"));
}
END_TEST

static const char *const hostile[] = {
    /* External entity (XXE). */
    HEAD "<!DOCTYPE article [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
    "<article>\n  <title>&x;</title>\n  <date>2024-01-04</date>\n"
    "  <summary>&x;</summary>\n  <body><p>&x;</p></body>\n</article>\n",
    /* Parameter entity. */
    HEAD "<!DOCTYPE article [<!ENTITY % p SYSTEM \"file:///etc/passwd\">"
    " %p;]>\n<article><title>T</title></article>\n",
    /* External DTD. */
    HEAD "<!DOCTYPE article SYSTEM \"file:///etc/passwd\">\n"
    "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
    "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n",
    HEAD "<!DOCTYPE article PUBLIC \"-//X//Y\" \"http://127.0.0.1:9/x.dtd\">"
    "\n<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
    "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n",
    /* Billion laughs. */
    HEAD "<!DOCTYPE article [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"
    "&lol1;&lol1;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"
    "&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"
    "&lol3;&lol3;\">\n"
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"
    "&lol4;&lol4;\">\n"
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"
    "&lol5;&lol5;\">\n"
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"
    "&lol6;&lol6;\">\n"
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"
    "&lol7;&lol7;\">\n"
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;"
    "&lol8;&lol8;\">\n"
    "]>\n"
    "<article>\n  <title>&lol9;</title>\n  <date>2024-01-04</date>\n"
    "  <summary>&lol9;</summary>\n  <body><p>&lol9;</p></body>\n"
    "</article>\n",
    /* A DOCTYPE after a comment, with an empty internal subset. */
    HEAD "<!-- x -->\n<!DOCTYPE article []>\n"
    "<article>\n  <title>T</title>\n  <date>2024-01-04</date>\n"
    "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n",
};

START_TEST(doctype_refused)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(hostile); i++) {
        bantin_article *a;
        bantin_problem pr;
        const char *str;
        apr_status_t rv = parse(hostile[i], &a, &pr);
        ck_assert_msg(rv != APR_SUCCESS, "case %u accepted", (unsigned)i);
        ck_assert_ptr_null(a);
        ck_assert_msg(pr.message && strstr(pr.message, "DOCTYPE"),
                      "case %u: message \"%s\"", (unsigned)i,
                      pr.message ? pr.message : "(null)");
        ck_assert_msg(pr.line > 0, "case %u: no line", (unsigned)i);
        str = bantin_problem_str(unit_pool, &pr);
        ck_assert_msg(!strstr(str, "root:") && !strstr(str, "lollollol"),
                      "case %u: leaked: %s", (unsigned)i, str);
    }
}
END_TEST

START_TEST(undeclared_entity_refused)
{
    bantin_article *a;
    bantin_problem pr;

    ck_assert_int_ne(parse(unit_article_xml("&x;", "2024-01-04", "x"), &a,
                           &pr), APR_SUCCESS);
    ck_assert_ptr_null(a);
    ck_assert_int_gt(pr.line, 0);
    /* The predefined entities and character references are fine. */
    ck_assert_int_eq(parse(unit_article_xml("&lt;&amp;&gt;&apos;&quot;"
                                            "&#x1EA1;&#7841;",
                                            "2024-01-04", "x"),
                           &a, &pr), APR_SUCCESS);
    ck_assert_str_eq(a->title, "<&>'\"ạạ");
}
END_TEST

/* The ASCII string s as UTF-16 (LE or BE) with a byte order mark. */
static const char *utf16(const char *s, int be, apr_size_t *len)
{
    apr_size_t n = strlen(s), i;
    char *out = apr_palloc(unit_pool, 2 * n + 2);

    out[0] = be ? '\xfe' : '\xff';
    out[1] = be ? '\xff' : '\xfe';
    for (i = 0; i < n; i++) {
        out[2 + 2 * i + (be ? 1 : 0)] = s[i];
        out[2 + 2 * i + (be ? 0 : 1)] = '\0';
    }
    *len = 2 * n + 2;
    return out;
}

START_TEST(utf16_refused_or_safe)
{
    const char *ascii =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
        "<article>\n  <title>Hello</title>\n  <date>2024-01-04</date>\n"
        "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n";
    int be;

    for (be = 0; be <= 1; be++) {
        bantin_article *a = NULL;
        bantin_problem pr;
        apr_size_t len;
        const char *data = utf16(ascii, be, &len);
        apr_status_t rv = bantin_article_parse(unit_pool, unit_schema(),
                                               "u16.xml", data, len, 420, &a,
                                               &pr);
        if (rv == APR_SUCCESS) {
            ck_assert_str_eq(a->title, "Hello");
        }
        else {
            ck_assert_ptr_null(a);
            ck_assert_ptr_nonnull(pr.message);
            ck_assert_msg(unit_utf8_valid(pr.message), "message not UTF-8");
        }
    }
}
END_TEST

START_TEST(latin1_declaration_refused_or_safe)
{
    bantin_article *a = NULL;
    bantin_problem pr;
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
        "<article>\n  <title>caf\xe9</title>\n  <date>2024-01-04</date>\n"
        "  <summary>S</summary>\n  <body><p>x</p></body>\n</article>\n";

    if (parse(xml, &a, &pr) == APR_SUCCESS) {
        ck_assert_msg(unit_utf8_valid(a->title), "title is not UTF-8");
    }
    else {
        ck_assert_ptr_null(a);
        ck_assert_int_gt(pr.line, 0);
    }
}
END_TEST

static const char *const bad_utf8[] = {
    "\xff",
    "\xfe\xff",
    "a\xc3\x28",        /* bad continuation */
    "\xc0\xaf",         /* overlong '/' */
    "\xe0\x80\xaf",     /* overlong '/' */
    "\xed\xa0\x80",     /* surrogate */
    "\xf4\x90\x80\x80", /* above U+10FFFF */
    "\xe1\xba",         /* cut short */
    "\x80",             /* lone continuation */
    "a\x01z",           /* not an XML character */
    "\xef\xbf\xbe",     /* U+FFFE, not an XML character */
};

START_TEST(invalid_utf8_refused)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(bad_utf8); i++) {
        bantin_article *a;
        bantin_problem pr;
        const char *xml = unit_article_xml(bad_utf8[i], "2024-01-04", "x");
        apr_status_t rv = parse(xml, &a, &pr);
        ck_assert_msg(rv != APR_SUCCESS, "case %u accepted: title \"%s\"",
                      (unsigned)i, a ? a->title : "");
        ck_assert_ptr_null(a);
        ck_assert_msg(pr.line == 3, "case %u: line %d (%s)", (unsigned)i,
                      pr.line, pr.message);
        ck_assert_msg(unit_utf8_valid(pr.message), "case %u: message not UTF-8",
                      (unsigned)i);
    }
}
END_TEST

/* A valid article of exactly `size` bytes (padding in a comment). */
static char *article_of_size(apr_size_t size)
{
    const char *xml = unit_article_xml("Big", "2024-01-04", "x");
    apr_size_t n = strlen(xml), pad;
    char *out = apr_palloc(unit_pool, size + 1);

    ck_assert_uint_gt(size, n + 8);
    pad = size - n - 7;
    memcpy(out, xml, n);
    memcpy(out + n, "<!--", 4);
    memset(out + n + 4, 'x', pad);
    memcpy(out + n + 4 + pad, "-->", 3);
    out[size] = '\0';
    return out;
}

START_TEST(size_limit_in_memory)
{
    bantin_article *a;
    bantin_problem pr;
    char *big = article_of_size(BANTIN_ARTICLE_MAX_BYTES);

    ck_assert_uint_eq(strlen(big), BANTIN_ARTICLE_MAX_BYTES);
    ck_assert_int_eq(parse(big, &a, &pr), APR_SUCCESS);
    ck_assert_str_eq(a->title, "Big");

    big = article_of_size(BANTIN_ARTICLE_MAX_BYTES + 1);
    ck_assert_int_ne(parse(big, &a, &pr), APR_SUCCESS);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(pr.message, "larger"));
}
END_TEST

START_TEST(size_limit_on_disk)
{
    const char *dir = unit_tmpdir();
    const char *ok = apr_pstrcat(unit_pool, dir, "/ok.xml", NULL);
    const char *big = apr_pstrcat(unit_pool, dir, "/big.xml", NULL);
    bantin_article *a = NULL;
    bantin_problem pr;

    unit_write_file(ok, article_of_size(BANTIN_ARTICLE_MAX_BYTES),
                    BANTIN_ARTICLE_MAX_BYTES);
    ck_assert_int_eq(bantin_article_load(unit_pool, unit_schema(), ok, 420,
                                         &a, &pr), APR_SUCCESS);
    ck_assert_str_eq(a->path, ok);

    a = NULL;
    unit_write_file(big, article_of_size(BANTIN_ARTICLE_MAX_BYTES + 1),
                    BANTIN_ARTICLE_MAX_BYTES + 1);
    ck_assert_int_ne(bantin_article_load(unit_pool, unit_schema(), big, 420,
                                         &a, &pr), APR_SUCCESS);
    ck_assert_ptr_null(a);
    ck_assert_str_eq(pr.file, big);
    ck_assert_ptr_nonnull(strstr(pr.message, "larger"));
}
END_TEST

START_TEST(load_missing_and_seed)
{
    bantin_article *a = NULL;
    bantin_problem pr;
    const char *seed = apr_pstrcat(unit_pool, unit_srcdir(),
                                   "/content/2024/giup-do-xa-kho-khan.xml",
                                   NULL);

    ck_assert_int_ne(bantin_article_load(unit_pool, unit_schema(),
                                         "/nonexistent/x.xml", 420, &a, &pr),
                     APR_SUCCESS);
    ck_assert_ptr_null(a);
    ck_assert_str_eq(pr.file, "/nonexistent/x.xml");
    ck_assert_ptr_nonnull(strstr(pr.message, "cannot read"));

    ck_assert_int_eq(bantin_article_load(unit_pool, unit_schema(), seed, 420,
                                         &a, &pr), APR_SUCCESS);
    ck_assert_str_eq(a->title,
                     "Tích cực giúp đỡ xã khó khăn xây dựng nông thôn mới");
    ck_assert_str_eq(a->author, "Hương Dịu");
    ck_assert_int_eq(a->nblocks, 8);
}
END_TEST

static const struct {
    bantin_problem pr;
    const char *str;
} problem_cases[] = {
    {{"a/b.xml", 3, 7, "bad thing", BANTIN_MSG_RAW, 0, {NULL}}, "a/b.xml:3:7: bad thing"},
    {{"a/b.xml", 3, 0, "bad thing", BANTIN_MSG_RAW, 0, {NULL}}, "a/b.xml:3: bad thing"},
    {{"a/b.xml", 0, 0, "bad thing", BANTIN_MSG_RAW, 0, {NULL}}, "a/b.xml: bad thing"},
    {{"x.xml", 12, 1, "m: n", BANTIN_MSG_RAW, 0, {NULL}}, "x.xml:12:1: m: n"},
};

START_TEST(problem_str_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(problem_cases); i++) {
        const char *got = bantin_problem_str(unit_pool, &problem_cases[i].pr);
        ck_assert_msg(!strcmp(got, problem_cases[i].str),
                      "case %u: \"%s\", want \"%s\"", (unsigned)i, got,
                      problem_cases[i].str);
    }
}
END_TEST

START_TEST(problem_str_of_real_error)
{
    bantin_article *a;
    bantin_problem pr;
    const char *s;

    ck_assert_int_ne(parse(HEAD "<article>\n  <title>x</titl>\n</article>\n",
                           &a, &pr), APR_SUCCESS);
    s = bantin_problem_str(unit_pool, &pr);
    ck_assert_msg(!strncmp(s, "mem.xml:3:", 10), "%s", s);
    ck_assert_msg(pr.col > 0 && strstr(s, apr_psprintf(unit_pool, ":3:%d: ",
                                                        pr.col)),
                  "%s", s);
    ck_assert_msg(s[strlen(s) - 1] != '\n', "trailing newline: %s", s);
}
END_TEST

/* An article with the given <article> attributes, date and expires (NULL:
 * none). */
static const char *dated(const char *attrs, const char *date,
                         const char *expires)
{
    return apr_pstrcat(unit_pool, HEAD, "<article", attrs, ">\n"
                       "  <title>T</title>\n"
                       "  <date>", date, "</date>\n",
                       expires ? "  <expires>" : "", expires ? expires : "",
                       expires ? "</expires>\n" : "",
                       "  <summary>S</summary>\n"
                       "  <body><p>x</p></body>\n"
                       "</article>\n", NULL);
}

static const struct {
    const char *attrs;
    const char *date;
    const char *expires;
    int ok;
    int draft;
    const char *why; /* refused: a part of the message */
    int line;        /* refused: the line, or -1 for any > 0, 0 for none */
} status_cases[] = {
    {"", "2024-01-04", NULL, 1, 0, NULL, 0},
    {" status=\"published\"", "2024-01-04", NULL, 1, 0, NULL, 0},
    {" status=\"draft\"", "2024-01-04", NULL, 1, 1, NULL, 0},
    {" status=\"hidden\"", "2024-01-04", NULL, 0, 0, "", -1},
    {" status=\"\"", "2024-01-04", NULL, 0, 0, "", -1},
    {" other=\"x\"", "2024-01-04", NULL, 0, 0, "", -1},
    {"", "2024-01-04", "2024-01-05", 1, 0, NULL, 0},
    {"", "2024-01-04", "2024-01-04T00:00:01+07:00", 1, 0, NULL, 0},
    {"", "2024-01-04T08:00+07:00", "2024-01-04T01:00:01Z", 1, 0, NULL, 0},
    {"", "2024-01-04", "2024-01-04", 0, 0, "expires must come after", 0},
    {"", "2024-01-04T08:00+07:00", "2024-01-04T01:00Z", 0, 0,
     "expires must come after", 0},
    {"", "2024-01-04", "2023-12-31", 0, 0, "expires must come after", 0},
    {"", "2024-01-04", "2023-02-29", 0, 0, "calendar", 5},
    {"", "2024-01-04", "soon", 0, 0, "", -1},
};

START_TEST(status_and_expires_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(status_cases); i++) {
        bantin_article *a;
        bantin_problem pr;
        apr_status_t rv = parse(dated(status_cases[i].attrs,
                                      status_cases[i].date,
                                      status_cases[i].expires), &a, &pr);
        if (status_cases[i].ok) {
            bantin_date e;
            ck_assert_msg(rv == APR_SUCCESS, "case %u refused: %s",
                          (unsigned)i, pr.message);
            ck_assert_int_eq(a->draft, status_cases[i].draft);
            if (status_cases[i].expires) {
                ck_assert_ptr_null(bantin_date_parse(
                    &e, status_cases[i].expires, BANTIN_TZ_DEFAULT_MIN));
                ck_assert_msg(a->expires == e.when, "case %u: expires",
                              (unsigned)i);
            }
            else {
                ck_assert_msg(a->expires == 0, "case %u: expires set",
                              (unsigned)i);
            }
        }
        else {
            ck_assert_msg(rv != APR_SUCCESS, "case %u accepted", (unsigned)i);
            ck_assert_ptr_null(a);
            ck_assert_msg(strstr(pr.message, status_cases[i].why) != NULL,
                          "case %u: \"%s\" lacks \"%s\"", (unsigned)i,
                          pr.message, status_cases[i].why);
            if (status_cases[i].line > 0) {
                ck_assert_msg(pr.line == status_cases[i].line,
                              "case %u: line %d", (unsigned)i, pr.line);
            }
            else if (status_cases[i].line < 0) {
                ck_assert_msg(pr.line > 0, "case %u: no line (%s)",
                              (unsigned)i, pr.message);
            }
        }
    }
}
END_TEST

START_TEST(visible_table)
{
    static const struct {
        int draft;
        long long date_s, expires_s, now_s;
        int visible;
    } cases[] = {
        {0, 1000, 0, 999, 0},      /* not yet */
        {0, 1000, 0, 1000, 1},     /* from its date on */
        {0, 1000, 0, 99999999, 1}, /* forever */
        {0, 1000, 2000, 1999, 1},
        {0, 1000, 2000, 2000, 0},  /* hidden from expires on */
        {0, 1000, 2000, 5000, 0},
        {1, 1000, 0, 1500, 0},     /* drafts never */
        {1, 1000, 2000, 1500, 0},
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(cases); i++) {
        bantin_article a;
        memset(&a, 0, sizeof(a));
        a.draft = cases[i].draft;
        a.date.when = apr_time_from_sec(cases[i].date_s);
        a.expires = cases[i].expires_s ? apr_time_from_sec(cases[i].expires_s)
                                       : 0;
        ck_assert_msg(bantin_article_visible(&a,
                                             apr_time_from_sec(cases[i].now_s))
                      == cases[i].visible, "case %u", (unsigned)i);
    }
}
END_TEST

/* A packed article owns all it points to: it outlives the parse pool. */
START_TEST(pack_outlives_pool)
{
    apr_pool_t *sub;
    bantin_article *a, *k;
    bantin_problem pr;
    int i;

    apr_pool_create(&sub, unit_pool);
    ck_assert_int_eq(bantin_article_parse(sub, unit_schema(), "mem.xml",
                                          full_article, strlen(full_article),
                                          420, &a, &pr), APR_SUCCESS);
    k = bantin_article_pack(a, "2024/x");
    ck_assert_ptr_nonnull(k);
    apr_pool_destroy(sub);

    ck_assert_str_eq(k->slug, "2024/x");
    ck_assert_str_eq(k->path, "mem.xml");
    ck_assert_str_eq(k->title, "Giúp đỡ xã khó khăn");
    ck_assert_str_eq(k->category, "Nông thôn mới");
    ck_assert_str_eq(k->author, "Hương Dịu");
    ck_assert_int_eq(k->date.day, 4);
    ck_assert_int_eq(k->nblocks, 6);
    for (i = 0; i < k->nblocks; i++) {
        ck_assert_ptr_nonnull(k->blocks[i].html);
    }
    ck_assert_str_eq(k->blocks[1].src, "images/a.png");
    ck_assert_str_eq(k->blocks[1].text, "Ảnh một");
    ck_assert_ptr_null(k->blocks[3].src);
    ck_assert_ptr_null(k->blocks[0].text);
    ck_assert_str_eq(k->blocks[5].html,
                     "&lt;b&gt; and click <b><i>both</i></b>&lt;u&gt;");
    bantin_article_free(k);
}
END_TEST

START_TEST(pack_without_optional_fields)
{
    bantin_article *a, *k;
    bantin_problem pr;

    ck_assert_int_eq(parse(with_body("<p>x</p>"), &a, &pr), APR_SUCCESS);
    k = bantin_article_pack(a, "x");
    ck_assert_ptr_nonnull(k);
    ck_assert_ptr_null(k->category);
    ck_assert_ptr_null(k->author);
    ck_assert_int_eq(k->nblocks, 1);
    ck_assert_str_eq(k->blocks[0].html, "x");
    /* The original is untouched. */
    ck_assert_ptr_null(a->slug);
    ck_assert_ptr_ne(k->blocks, a->blocks);
    bantin_article_free(k);
}
END_TEST

/* Deep inline nesting: what libxml2 allows is rendered, deeper is refused
 * (never a stack overflow in the sanitiser). */
START_TEST(nested_markup_depth)
{
    static const struct {
        int depth;
        int ok;
    } cases[] = {{1, 1}, {100, 1}, {250, 1}, {300, 0}, {20000, 0}};
    apr_size_t i;

    for (i = 0; i < UNIT_N(cases); i++) {
        bantin_article *a;
        bantin_problem pr;
        int d = cases[i].depth, k;
        char *open = apr_palloc(unit_pool, (apr_size_t)d * 3 + 1);
        char *close = apr_palloc(unit_pool, (apr_size_t)d * 4 + 1);
        apr_status_t rv;

        for (k = 0; k < d; k++) {
            memcpy(open + 3 * k, k & 1 ? "<i>" : "<b>", 3);
            memcpy(close + 4 * (d - 1 - k), k & 1 ? "</i>" : "</b>", 4);
        }
        open[3 * d] = '\0';
        close[4 * d] = '\0';
        rv = parse(with_body(apr_pstrcat(unit_pool, "<p>", open, "x", close,
                                         "</p>", NULL)), &a, &pr);
        if (cases[i].ok) {
            ck_assert_msg(rv == APR_SUCCESS, "depth %d refused: %s", d,
                          pr.message);
            ck_assert_str_eq(a->blocks[0].html,
                             apr_pstrcat(unit_pool, open, "x", close, NULL));
        }
        else {
            ck_assert_msg(rv != APR_SUCCESS, "depth %d accepted", d);
            ck_assert_int_gt(pr.line, 0);
        }
    }
}
END_TEST

Suite *article_suite(void)
{
    Suite *s = suite_create("article");
    TCase *tc = unit_tcase("model");

    tcase_add_test(tc, valid_article_all_fields);
    tcase_add_test(tc, optional_fields_absent);
    tcase_add_test(tc, block_order_kept);
    tcase_add_test(tc, markup_in_title_stays_text);
    tcase_add_test(tc, link_table);
    tcase_add_test(tc, figure_src_table);
    tcase_add_test(tc, status_and_expires_table);
    tcase_add_test(tc, visible_table);
    tcase_add_test(tc, pack_outlives_pool);
    tcase_add_test(tc, pack_without_optional_fields);
    suite_add_tcase(s, tc);

    tc = unit_tcase("problems");
    tcase_add_test(tc, not_well_formed_table);
    tcase_add_test(tc, empty_input_refused);
    tcase_add_test(tc, schema_invalid_table);
    tcase_add_test(tc, blank_title_refused);
    tcase_add_test(tc, problem_str_table);
    tcase_add_test(tc, problem_str_of_real_error);
    tcase_add_test(tc, load_missing_and_seed);
    suite_add_tcase(s, tc);

    tc = unit_tcase("hostile");
    tcase_add_test(tc, doctype_refused);
    tcase_add_test(tc, undeclared_entity_refused);
    tcase_add_test(tc, utf16_refused_or_safe);
    tcase_add_test(tc, latin1_declaration_refused_or_safe);
    tcase_add_test(tc, invalid_utf8_refused);
    tcase_add_test(tc, size_limit_in_memory);
    tcase_add_test(tc, size_limit_on_disk);
    tcase_add_test(tc, nested_markup_depth);
    suite_add_tcase(s, tc);
    return s;
}
