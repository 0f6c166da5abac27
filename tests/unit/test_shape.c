/* test_shape.c -- the quick walk (bantin_shape_valid) against the schema
 * itself: hundreds of near-misses of a full article, each one change away
 * from valid, are judged by both, and the walk must never accept what the
 * schema refuses.  The schema is compiled here from schema/article.rng,
 * apart from the module's copy, so this test does not trust the module
 * either.  And the walk must prove the plain valid files (the shipped
 * content), or the fast path would silently never be taken. */
#include <string.h>

#include <apr_file_info.h>
#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "bantin_shape.h"
#include "unit.h"

/* Every element and every optional part of the format, once. */
static const char FULL[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<article status=\"published\">\n"
    "  <title>Tiêu đề</title>\n"
    "  <date>2024-01-04T08:30+07:00</date>\n"
    "  <expires>2030-01-01</expires>\n"
    "  <category>Kinh tế</category>\n"
    "  <summary>Tóm tắt</summary>\n"
    "  <body>\n"
    "    <p>Đoạn <b>đậm <i>nghiêng</i></b> và <a href=\"/x\">liên kết</a>.</p>\n"
    "    <figure src=\"images/a.png\"><caption>Chú thích <i>ảnh</i></caption></figure>\n"
    "    <p/>\n"
    "  </body>\n"
    "  <author>Tác giả</author>\n"
    "</article>\n";

static const char *const ELEMENTS[] = {
    "article", "title", "date", "expires", "category", "summary", "body",
    "p", "figure", "caption", "b", "i", "a", "author",
};

typedef struct {
    xmlRelaxNGPtr rng;
    int judged, refused, proven;
} judge;

static xmlRelaxNGPtr compile_schema(void)
{
    const char *src = getenv("BANTIN_SRCDIR");
    const char *path = apr_pstrcat(unit_pool, src ? src : ".",
                                   "/schema/article.rng", NULL);
    xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewParserCtxt(path);
    xmlRelaxNGPtr rng;

    ck_assert_ptr_nonnull(pc);
    rng = xmlRelaxNGParse(pc);
    xmlRelaxNGFreeParserCtxt(pc);
    ck_assert_msg(rng != NULL, "%s does not compile", path);
    return rng;
}

static void quiet(void *ctx, xmlErrorPtr err)
{
    (void)ctx; (void)err;
}

/* Parses text as the module does; both judge it.  Returns the walk's
 * verdict, or -1 when the text is not well-formed (nothing to judge). */
static int judge_one(judge *j, const char *what, const char *text)
{
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), NULL, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOCDATA
                                  | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlRelaxNGValidCtxtPtr v;
    int valid, proven;

    if (!doc) {
        return -1;
    }
    v = xmlRelaxNGNewValidCtxt(j->rng);
    xmlRelaxNGSetValidStructuredErrors(v, quiet, NULL);
    valid = xmlRelaxNGValidateDoc(v, doc) == 0;
    xmlRelaxNGFreeValidCtxt(v);
    proven = bantin_shape_valid(doc);
    xmlFreeDoc(doc);
    ck_assert_msg(!proven || valid,
                  "the walk accepts what the schema refuses (%s):\n%s",
                  what, text);
    j->judged++;
    j->refused += !valid;
    j->proven += proven;
    return proven;
}

/* text with [at, at + cut) replaced by ins. */
static const char *splice(const char *text, apr_size_t at, apr_size_t cut,
                          const char *ins)
{
    return apr_pstrcat(unit_pool, apr_pstrndup(unit_pool, text, at), ins,
                       text + at + cut, NULL);
}

/* The first "<name" followed by ' ', '/' or '>', and its element's end. */
static int find_element(const char *text, const char *name, apr_size_t *open,
                        apr_size_t *open_end, apr_size_t *close_start,
                        apr_size_t *end)
{
    const char *s = text, *gt, *cl;
    apr_size_t n = strlen(name);

    while ((s = strchr(s, '<')) != NULL) {
        if (!strncmp(s + 1, name, n) && strchr(" />", s[1 + n])) {
            break;
        }
        s++;
    }
    if (!s || !(gt = strchr(s, '>'))) {
        return 0;
    }
    *open = (apr_size_t)(s - text);
    *open_end = (apr_size_t)(gt + 1 - text);
    if (gt[-1] == '/') { /* <p/> */
        *close_start = *end = *open_end;
        return 1;
    }
    cl = strstr(gt, apr_pstrcat(unit_pool, "</", name, ">", NULL));
    ck_assert_ptr_nonnull(cl);
    *close_start = (apr_size_t)(cl - text);
    *end = *close_start + n + 3;
    return 1;
}

/* One change to one element of FULL, in every way an editor (or an
 * attacker) might make it. */
static void mutate_element(judge *j, const char *name)
{
    static const char *const in_tag[] = {
        " x=\"1\"", " xmlns=\"urn:x\"", " xmlns:q=\"urn:q\"",
        " xml:lang=\"vi\"", " q:x=\"1\" xmlns:q=\"urn:q\"", " href=\"/y\"",
        " src=\"a.png\"", " status=\"draft\"",
    };
    static const char *const inside[] = {
        "<!--c-->", "<?pi x?>", "chữ", " ", "<u>x</u>", "<b>x</b>",
        "<p>x</p>", "&amp;", "&#65;", "<caption>c</caption>",
        "<figure><caption>c</caption></figure>",
    };
    apr_size_t open, open_end, close_start, end, i;
    const char *elem;

    ck_assert_msg(find_element(FULL, name, &open, &open_end, &close_start,
                               &end), "%s not in FULL", name);
    elem = apr_pstrndup(unit_pool, FULL + open, end - open);
    for (i = 0; i < UNIT_N(in_tag); i++) {
        apr_size_t at = open + 1 + strlen(name);
        judge_one(j, apr_pstrcat(unit_pool, name, ": attribute", in_tag[i],
                                 NULL), splice(FULL, at, 0, in_tag[i]));
    }
    for (i = 0; i < UNIT_N(inside); i++) {
        if (close_start == open_end && end == open_end) {
            break; /* <p/>: nothing inside */
        }
        judge_one(j, apr_pstrcat(unit_pool, name, ": first inside ",
                                 inside[i], NULL),
                  splice(FULL, open_end, 0, inside[i]));
        judge_one(j, apr_pstrcat(unit_pool, name, ": last inside ",
                                 inside[i], NULL),
                  splice(FULL, close_start, 0, inside[i]));
        judge_one(j, apr_pstrcat(unit_pool, name, ": content replaced by ",
                                 inside[i], NULL),
                  splice(FULL, open_end, close_start - open_end, inside[i]));
        judge_one(j, apr_pstrcat(unit_pool, name, ": before it ",
                                 inside[i], NULL),
                  splice(FULL, open, 0, inside[i]));
        judge_one(j, apr_pstrcat(unit_pool, name, ": after it ",
                                 inside[i], NULL),
                  splice(FULL, end, 0, inside[i]));
    }
    judge_one(j, apr_pstrcat(unit_pool, name, ": removed", NULL),
              splice(FULL, open, end - open, ""));
    judge_one(j, apr_pstrcat(unit_pool, name, ": twice", NULL),
              splice(FULL, end, 0, elem));
    judge_one(j, apr_pstrcat(unit_pool, name, ": emptied", NULL),
              splice(FULL, open_end, close_start - open_end, ""));
    judge_one(j, apr_pstrcat(unit_pool, name, ": blank", NULL),
              splice(FULL, open_end, close_start - open_end, " \n\t"));
    judge_one(j, apr_pstrcat(unit_pool, name, ": renamed", NULL),
              apr_pstrcat(unit_pool,
                          splice(FULL, open + 1, strlen(name), "u"), NULL));
}

START_TEST(shape_never_accepts_what_the_schema_refuses)
{
    static const char *const dates[] = {
        "2024-01-04", "2024-01-04T08:30Z", "2024-01-04T08:30:59-05:00",
        "2024-01-04T08:30", "2024-01-04Z", "2024-1-04", "24-01-04",
        " 2024-01-04", "2024-01-04 ", "2024-01-04\n", "2024-01-04T8:30Z",
        "2024-01-04T08:30+0700", "2024-01-04T08:30:00.5Z", "",
        "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-01-04",
        "2024-01-04T08:30Z+07:00", "2024/01/04", "9999-99-99",
        "2024-01-04<!--c-->", "2024-01-<!--c-->04", "2024-01-0&#52;",
    };
    static const char *const statuses[] = {
        "draft", "published", " draft", "draft ", "Draft", "", "other",
        "dr&#97;ft",
    };
    static const char *const whole[] = {
        "<!--c-->\n", "<?pi x?>\n", "\n",
    };
    judge j = {compile_schema(), 0, 0, 0};
    apr_size_t i, open, open_end, close_start, end;

    ck_assert_int_eq(judge_one(&j, "the full article", FULL), 1);
    for (i = 0; i < UNIT_N(ELEMENTS); i++) {
        mutate_element(&j, ELEMENTS[i]);
    }
    ck_assert(find_element(FULL, "date", &open, &open_end, &close_start,
                           &end));
    for (i = 0; i < UNIT_N(dates); i++) {
        judge_one(&j, apr_pstrcat(unit_pool, "date ", dates[i], NULL),
                  splice(FULL, open_end, close_start - open_end, dates[i]));
    }
    for (i = 0; i < UNIT_N(statuses); i++) {
        judge_one(&j, apr_pstrcat(unit_pool, "status ", statuses[i], NULL),
                  splice(FULL, strstr(FULL, "published") - FULL,
                         strlen("published"), statuses[i]));
    }
    for (i = 0; i < UNIT_N(whole); i++) {
        const char *root = strstr(FULL, "<article");
        judge_one(&j, "before the root",
                  splice(FULL, (apr_size_t)(root - FULL), 0, whole[i]));
        judge_one(&j, "after the root",
                  apr_pstrcat(unit_pool, FULL, whole[i], NULL));
    }
    /* The table has teeth: many refusals, and the walk proves a good
     * share of what the schema accepts. */
    ck_assert_int_gt(j.judged, 400);
    ck_assert_int_gt(j.refused, j.judged / 2);
    ck_assert_int_gt(j.proven, 20);
    xmlRelaxNGFree(j.rng);
}
END_TEST

/* The walk proves each shipped article and the generated ones: the fast
 * path is the common path. */
START_TEST(shape_proves_plain_articles)
{
    judge j = {compile_schema(), 0, 0, 0};
    const char *src = getenv("BANTIN_SRCDIR");
    static const char *const dirs[] = {"/content/2023", "/content/2024"};
    apr_size_t i, files = 0;

    for (i = 0; i < UNIT_N(dirs); i++) {
        const char *dir = apr_pstrcat(unit_pool, src ? src : ".", dirs[i],
                                      NULL);
        apr_dir_t *d;
        apr_finfo_t fi;
        ck_assert_int_eq(apr_dir_open(&d, dir, unit_pool), APR_SUCCESS);
        while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
            const char *path, *text;
            apr_size_t n;
            if (!strstr(fi.name, ".xml")) {
                continue;
            }
            path = apr_pstrcat(unit_pool, dir, "/", fi.name, NULL);
            text = unit_read_file(path, &n);
            ck_assert_msg(judge_one(&j, path, text) == 1, "%s not proven",
                          path);
            files++;
        }
        apr_dir_close(d);
    }
    ck_assert_uint_gt(files, 5);
    ck_assert_int_eq(judge_one(&j, "unit_article_xml",
                               unit_article_xml("T", "2024-01-04",
                                                "a <b>b</b> <i>c</i>")), 1);
    xmlRelaxNGFree(j.rng);
}
END_TEST

Suite *shape_suite(void)
{
    Suite *s = suite_create("shape");
    TCase *tc = unit_tcase("shape");

    tcase_add_test(tc, shape_never_accepts_what_the_schema_refuses);
    tcase_add_test(tc, shape_proves_plain_articles);
    suite_add_tcase(s, tc);
    return s;
}
