/* test_conditions.c -- conditional requests decided as httpd's
 * ap_meets_conditions decides them (bantin_conditions.h).
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "bantin_conditions.h"
#include "unit.h"

#define T0 ((apr_int64_t)1700000000)       /* the answer's Last-Modified */
#define NONE BANTIN_NO_DATE

static const struct {
    int get;
    const char *etag, *if_match, *if_none_match;
    apr_int64_t modified, ius, ims;
    int want;
} cases[] = {
    /* nothing asked: the answer */
    {1, "\"a\"", NULL, NULL, T0, NONE, NONE, 0},
    /* If-None-Match: weak comparison; a match is a 304 for GET/HEAD, a
     * 412 otherwise; "*" matches anything */
    {1, "\"a\"", NULL, "\"a\"", T0, NONE, NONE, 304},
    {1, "\"a\"", NULL, "\"b\", W/\"a\"", T0, NONE, NONE, 304},
    {1, "W/\"a\"", NULL, "\"a\"", T0, NONE, NONE, 304},
    {1, "\"a\"", NULL, "\"b\"", T0, NONE, NONE, 0},
    {1, "\"a\"", NULL, "*", T0, NONE, NONE, 304},
    {0, "\"a\"", NULL, "\"a\"", T0, NONE, NONE, 412},
    /* an If-None-Match that does not match overrides If-Modified-Since */
    {1, "\"a\"", NULL, "\"b\"", T0, NONE, T0, 0},
    /* and one that matches decides alone: an If-Modified-Since before
     * Last-Modified beside it (another server's date) is ignored */
    {1, "\"a\"", NULL, "\"a\"", T0, NONE, T0 - 86400, 304},
    {1, "\"a\"", NULL, "\"a\"", T0, NONE, T0 + 100000, 304},
    /* If-Modified-Since at or after Last-Modified (and not in the
     * future) is a 304, before it the answer */
    {1, "\"a\"", NULL, NULL, T0, NONE, T0, 304},
    {1, "\"a\"", NULL, NULL, T0, NONE, T0 + 5, 304},
    {1, "\"a\"", NULL, NULL, T0, NONE, T0 - 1, 0},
    {1, "\"a\"", NULL, NULL, T0, NONE, T0 + 100000, 0},
    {1, "\"a\"", NULL, NULL, 0, NONE, T0, 0},
    {0, "\"a\"", NULL, NULL, T0, NONE, T0, 0},
    /* If-Match: strong comparison, a miss is a 412 */
    {1, "\"a\"", "\"a\"", NULL, T0, NONE, NONE, 0},
    {1, "\"a\"", "W/\"a\"", NULL, T0, NONE, NONE, 412},
    {1, "W/\"a\"", "\"a\"", NULL, T0, NONE, NONE, 412},
    {1, NULL, "\"a\"", NULL, T0, NONE, NONE, 412},
    {1, NULL, "*", NULL, T0, NONE, NONE, 0},
    /* If-Unmodified-Since before Last-Modified is a 412 (only without
     * If-Match) */
    {1, "\"a\"", NULL, NULL, T0, T0 - 1, NONE, 412},
    {1, "\"a\"", NULL, NULL, T0, T0, NONE, 0},
    {1, "\"a\"", "\"a\"", NULL, T0, T0 - 1, NONE, 0},
};

START_TEST(test_conditions)
{
    bantin_conditional c;

    c.get = cases[_i].get;
    c.etag = cases[_i].etag;
    c.modified = cases[_i].modified ? apr_time_from_sec(cases[_i].modified)
                                      + 123456 : 0;
    c.if_match = cases[_i].if_match;
    c.if_none_match = cases[_i].if_none_match;
    c.if_unmodified_since = cases[_i].ius;
    c.if_modified_since = cases[_i].ims;
    c.now = T0 + 1000;
    ck_assert_int_eq(bantin_conditions(&c), cases[_i].want);
}
END_TEST

START_TEST(test_etag_list)
{
    ck_assert(bantin_etag_in(" \"x\" ,\t\"y\"\t", "\"y\"", 1));
    ck_assert(!bantin_etag_in("\"x\"", "\"xy\"", 0));
    ck_assert(!bantin_etag_in("", "\"x\"", 0));
    ck_assert(!bantin_etag_in(",,", "\"x\"", 0));
}
END_TEST

/* The request's headers by name, from a NULL-ended list of pairs. */
static const char *pairs_get(void *baton, const char *name)
{
    const char *const *kv = baton;

    for (; kv[0]; kv += 2) {
        if (!strcasecmp(kv[0], name)) {
            return kv[1];
        }
    }
    return NULL;
}

/* From the raw headers: the dates in each of HTTP's three forms, an
 * unreadable one as absent, the ETag and the method as given. */
START_TEST(test_conditions_of)
{
    char date[APR_RFC822_DATE_LEN];
    const char *kv[5] = {NULL};
    bantin_response a;
    apr_time_t now = apr_time_from_sec(T0 + 1000);
    apr_time_exp_t tm;

    memset(&a, 0, sizeof(a));
    a.modified = apr_time_from_sec(T0) + 123456;
    apr_rfc822_date(date, apr_time_from_sec(T0));
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv, now),
                     0);
    kv[0] = "if-modified-since";
    kv[1] = date;
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv, now),
                     304);
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 0, pairs_get, kv, now),
                     0);
    /* a second earlier: modified since */
    apr_rfc822_date(date, apr_time_from_sec(T0 - 1));
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv, now),
                     0);
    /* RFC 850 and asctime forms of T0 */
    apr_time_exp_gmt(&tm, apr_time_from_sec(T0));
    kv[1] = apr_psprintf(unit_pool, "%s, %02d-%s-%02d %02d:%02d:%02d GMT",
                         (const char *[]){"Sunday", "Monday", "Tuesday",
                                          "Wednesday", "Thursday", "Friday",
                                          "Saturday"}[tm.tm_wday],
                         tm.tm_mday, apr_month_snames[tm.tm_mon],
                         tm.tm_year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv, now),
                     304);
    kv[1] = apr_psprintf(unit_pool, "%s %s %2d %02d:%02d:%02d %d",
                         apr_day_snames[tm.tm_wday],
                         apr_month_snames[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                         tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv, now),
                     304);
    /* after the request's time: not a 304 */
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv,
                                          apr_time_from_sec(T0 - 10)), 0);
    kv[1] = "yesterday";
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv, now),
                     0);
    /* the If-None-Match list, and If-Unmodified-Since before the change */
    kv[0] = "If-None-Match";
    kv[1] = "\"b\", \"a\"";
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 1, pairs_get, kv, now),
                     304);
    ck_assert_int_eq(bantin_conditions_of(&a, "\"c\"", 1, pairs_get, kv, now),
                     0);
    apr_rfc822_date(date, apr_time_from_sec(T0 - 1));
    kv[0] = "If-Unmodified-Since";
    kv[1] = date;
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 0, pairs_get, kv, now),
                     412);
    kv[2] = "If-Match";
    kv[3] = "\"a\"";
    ck_assert_int_eq(bantin_conditions_of(&a, "\"a\"", 0, pairs_get, kv, now),
                     0);
}
END_TEST

/* httpd's FileETag MTime Size: size and microseconds in hex, weak within
 * the second after the change. */
START_TEST(test_file_etag)
{
    bantin_response a;

    memset(&a, 0, sizeof(a));
    a.finfo.size = 255;
    a.modified = apr_time_from_sec(T0) + 16;
    ck_assert_str_eq(bantin_file_etag(unit_pool, &a, a.modified + 2 * APR_USEC_PER_SEC),
                     apr_psprintf(unit_pool, "\"ff-%" APR_UINT64_T_HEX_FMT "\"",
                                  (apr_uint64_t)a.modified));
    ck_assert_str_eq(bantin_file_etag(unit_pool, &a, a.modified + 10),
                     apr_psprintf(unit_pool, "W/\"ff-%" APR_UINT64_T_HEX_FMT "\"",
                                  (apr_uint64_t)a.modified));
}
END_TEST

Suite *conditions_suite(void)
{
    Suite *s = suite_create("conditions");
    TCase *tc = unit_tcase("conditions");

    tcase_add_loop_test(tc, test_conditions, 0, (int)UNIT_N(cases));
    tcase_add_test(tc, test_etag_list);
    tcase_add_test(tc, test_conditions_of);
    tcase_add_test(tc, test_file_etag);
    suite_add_tcase(s, tc);
    return s;
}
