/* test_messages.c -- the table of editors' messages (bantin_messages.h):
 * slots filled in order in both languages, and word for word the messages
 * the checker cannot be made to print from outside (the others are
 * compared whole in tests/integration/test_check_messages.py). */
#include <string.h>

#include <libxml/relaxng.h>

#include "bantin_explain.h"
#include "bantin_messages.h"
#include "bantin_refs.h"
#include "unit.h"

START_TEST(every_message_has_both_languages_and_the_same_slots)
{
    int id;

    for (id = 0; id < BANTIN_MSG_COUNT; id++) {
        const char *en = bantin_msg_format(id, BANTIN_LANG_EN);
        const char *vi = bantin_msg_format(id, BANTIN_LANG_VI);
        int nen = 0, nvi = 0;
        const char *s;
        ck_assert_msg(en && *en && vi && *vi, "%s", bantin_msg_name(id));
        ck_assert(unit_utf8_valid(en) && unit_utf8_valid(vi));
        for (s = en; (s = strstr(s, "%s")) != NULL; s += 2) {
            nen++;
        }
        for (s = vi; (s = strstr(s, "%s")) != NULL; s += 2) {
            nvi++;
        }
        ck_assert_msg(nen == nvi && nen <= BANTIN_MSG_MAX_ARGS, "%s",
                      bantin_msg_name(id));
    }
    ck_assert_ptr_null(bantin_msg_format(BANTIN_MSG_COUNT, BANTIN_LANG_VI));
    ck_assert_ptr_null(bantin_msg_format(-1, BANTIN_LANG_EN));
}
END_TEST

START_TEST(slots_are_filled_in_order)
{
    const char *args[] = {"2024-01-04", "04/01/2024"};

    ck_assert_str_eq(bantin_msg(unit_pool, BANTIN_LANG_VI,
                                BANTIN_MSG_DATE_DMY, "2024-01-04",
                                "04/01/2024", NULL),
                     "ngày phải viết dạng 2024-01-04 (năm-tháng-ngày), "
                     "không phải 04/01/2024");
    ck_assert_str_eq(bantin_msg_args(unit_pool, BANTIN_LANG_EN,
                                     BANTIN_MSG_DATE_DMY, args, 2),
                     "write the date as 2024-01-04 (year-month-day), not "
                     "04/01/2024");
    /* a slot without its argument stays empty; a percent sign in an
     * argument is not read as a slot */
    ck_assert_str_eq(bantin_msg_args(unit_pool, BANTIN_LANG_EN,
                                     BANTIN_MSG_DATE_DMY, args, 1),
                     "write the date as 2024-01-04 (year-month-day), not ");
    ck_assert_str_eq(bantin_msg(unit_pool, BANTIN_LANG_EN, BANTIN_MSG_RAW,
                                "100%s %% done", NULL),
                     "100%s %% done");
}
END_TEST

START_TEST(messages_not_printed_from_outside)
{
    static const struct {
        int id;
        const char *en, *vi;
    } words[] = {
        {BANTIN_MSG_OUT_OF_MEMORY, "out of memory", "hết bộ nhớ"},
        {BANTIN_MSG_NO_FOLDER, "cannot open folder",
         "không mở được thư mục"},
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(words); i++) {
        ck_assert_str_eq(bantin_msg(unit_pool, BANTIN_LANG_EN, words[i].id,
                                    NULL), words[i].en);
        ck_assert_str_eq(bantin_msg(unit_pool, BANTIN_LANG_VI, words[i].id,
                                    NULL), words[i].vi);
    }
}
END_TEST

START_TEST(cannot_read_says_why)
{
    const char *data;
    apr_size_t len;
    bantin_problem pr;
    const char *path = "/nonexistent-bantin-dir/x.xml";

    ck_assert_int_ne(bantin_article_read(unit_pool, path, &data, &len, &pr),
                     APR_SUCCESS);
    ck_assert_str_eq(bantin_problem_str(unit_pool, &pr),
                     "/nonexistent-bantin-dir/x.xml: cannot read: "
                     "No such file or directory");
    ck_assert_str_eq(bantin_problem_text(unit_pool, &pr, BANTIN_LANG_VI),
                     "/nonexistent-bantin-dir/x.xml: không đọc được tệp: "
                     "No such file or directory");
}
END_TEST

START_TEST(raw_text_is_kept_in_both_languages)
{
    bantin_problem pr = {"a.xml", 3, 7, "something else", BANTIN_MSG_RAW,
                         0, {NULL}};

    ck_assert_str_eq(bantin_problem_text(unit_pool, &pr, BANTIN_LANG_VI),
                     "a.xml:3:7: something else");
    ck_assert_str_eq(bantin_problem_text(unit_pool, &pr, BANTIN_LANG_EN),
                     "a.xml:3:7: something else");
}
END_TEST

/* An error of the validator that no article is known to cause keeps
 * libxml2's words inside the general message. */
START_TEST(unknown_schema_error_keeps_libxml2s_words)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"article");
    xmlError err;
    bantin_explained e;

    xmlDocSetRootElement(doc, root);
    memset(&err, 0, sizeof(err));
    err.code = XML_RELAXNG_ERR_LIST;
    err.message = (char *)"Error validating list";
    bantin_explain_rng(unit_pool, &err, root, &e);
    ck_assert_int_eq(e.id, BANTIN_MSG_SCHEMA);
    ck_assert_str_eq(bantin_msg_args(unit_pool, BANTIN_LANG_VI, e.id, e.args,
                                     e.nargs),
                     "bài không đúng mẫu bài viết: Error validating list");
    ck_assert_str_eq(bantin_msg_args(unit_pool, BANTIN_LANG_EN, e.id, e.args,
                                     e.nargs),
                     "does not match the article schema: Error validating "
                     "list");
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(lang_names)
{
    bantin_lang_e lang = BANTIN_LANG_VI;

    ck_assert_int_eq(bantin_lang_parse("en", &lang), 0);
    ck_assert_int_eq(lang, BANTIN_LANG_EN);
    ck_assert_int_eq(bantin_lang_parse("vi_VN.UTF-8", &lang), 0);
    ck_assert_int_eq(lang, BANTIN_LANG_VI);
    ck_assert_int_eq(bantin_lang_parse("en-US", &lang), 0);
    ck_assert_int_eq(lang, BANTIN_LANG_EN);
    ck_assert_int_eq(bantin_lang_parse("fr", &lang), -1);
    ck_assert_int_eq(bantin_lang_parse("english", &lang), -1);
    ck_assert_int_eq(bantin_lang_parse("", &lang), -1);
}
END_TEST

START_TEST(links_without_scheme)
{
    static const struct {
        const char *href;
        int lacks;
    } cases[] = {
        {"www.example.vn", 1},           {"www.example.vn/tin?a=1", 1},
        {"WWW.Example.com", 1},          {"baochinhphu.vn", 1},
        {"thanhnien.com.vn/x", 1},       {"vnexpress.net#top", 1},
        {"https://www.example.vn", 0},   {"http://x.vn", 0},
        {"mailto:a@b.vn", 0},            {"//cdn.example.vn/a", 0},
        {"/portal/article/x", 0},        {"#muc-2", 0},
        {"?trang=2", 0},                 {"./x.vn", 0},
        {"../x", 0},                     {"trang.html", 0},
        {"bai-viet", 0},                 {"", 0},
        {"www.", 0},
    };
    apr_size_t i;

    for (i = 0; i < UNIT_N(cases); i++) {
        ck_assert_msg(bantin_ref_lacks_scheme(cases[i].href) == cases[i].lacks,
                      "%s", cases[i].href);
    }
}
END_TEST

Suite *messages_suite(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = unit_tcase("table");

    tcase_add_test(tc, every_message_has_both_languages_and_the_same_slots);
    tcase_add_test(tc, slots_are_filled_in_order);
    tcase_add_test(tc, messages_not_printed_from_outside);
    tcase_add_test(tc, cannot_read_says_why);
    tcase_add_test(tc, raw_text_is_kept_in_both_languages);
    tcase_add_test(tc, unknown_schema_error_keeps_libxml2s_words);
    tcase_add_test(tc, lang_names);
    suite_add_tcase(s, tc);

    tc = unit_tcase("refs");
    tcase_add_test(tc, links_without_scheme);
    suite_add_tcase(s, tc);
    return s;
}
