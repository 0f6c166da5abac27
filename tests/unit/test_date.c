/* test_date.c -- ISO 8601 parsing, display in a fixed zone, zone names
 * and the civil-calendar arithmetic. */
#include <string.h>

#include "bantin_date.h"
#include "unit.h"

static const struct {
    const char *in;
    int y, m, d, has_time, offset_min;
    long long epoch_sec; /* the instant, with tz_min = +07:00 */
} parse_ok[] = {
    {"2024-01-04", 2024, 1, 4, 0, 420, 1704301200LL},
    {"2024-02-29", 2024, 2, 29, 0, 420, 1709139600LL},
    {"2000-02-29", 2000, 2, 29, 0, 420, 951757200LL},
    {"1970-01-01", 1970, 1, 1, 0, 420, -25200LL},
    {"1900-01-01", 1900, 1, 1, 0, 420, -2208988800LL - 25200LL},
    {"2024-12-31", 2024, 12, 31, 0, 420, 1735578000LL},
    {"1970-01-01T00:00Z", 1970, 1, 1, 1, 0, 0LL},
    {"2024-01-04T08:30Z", 2024, 1, 4, 1, 0, 1704357000LL},
    {"2024-01-04T08:30:15Z", 2024, 1, 4, 1, 0, 1704357015LL},
    {"2024-01-04T08:30+07:00", 2024, 1, 4, 1, 420, 1704331800LL},
    {"2024-01-04T08:30:00-03:30", 2024, 1, 4, 1, -210, 1704369600LL},
    {"2024-01-04T23:59:59+14:00", 2024, 1, 4, 1, 840, 1704362399LL},
};

static const struct {
    const char *in;
    const char *why; /* a word of the message */
} parse_bad[] = {
    {"2023-02-29", "calendar"},
    {"1900-02-29", "calendar"},
    {"2024-13-01", "calendar"},
    {"2024-00-10", "calendar"},
    {"2024-04-31", "calendar"},
    {"2024-01-00", "calendar"},
    {"1899-12-31", "calendar"},
    {"2024-1-04", "YYYY-MM-DD"},
    {"24-01-04", "YYYY-MM-DD"},
    {"2024/01/04", "YYYY-MM-DD"},
    {"04/01/2024", "YYYY-MM-DD"},
    {"", "YYYY-MM-DD"},
    {"2024", "YYYY-MM-DD"},
    {"２０２４-01-04", "YYYY-MM-DD"},
    {"2024-01-04T08:30", "offset"},
    {"2024-01-04T08:30:00", "offset"},
    {"2024-01-04T08:30+07", "offset"},
    {"2024-01-04T08:30+0700", "offset"},
    {"2024-01-04T08:30+15:00", "offset"},
    {"2024-01-04T08:30z", "offset"},
    {"2024-01-04T8:30Z", "HH:MM"},
    {"2024-01-04T08Z", "HH:MM"},
    {"2024-01-04T24:00Z", "range"},
    {"2024-01-04T08:60Z", "range"},
    {"2024-01-04T08:30:60Z", "range"},
    {"2024-01-04 ", "after"},
    {"2024-01-04x", "after"},
    {"2024-01-04T08:30Zjunk", "after"},
    {"2024-01-04T08:30+07:00 ", "after"},
    {"2024-01-04 08:30Z", "after"},
};

START_TEST(parse_ok_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(parse_ok); i++) {
        bantin_date d;
        const char *err = bantin_date_parse(&d, parse_ok[i].in, 420);
        ck_assert_msg(err == NULL, "case %u: \"%s\" refused: %s",
                      (unsigned)i, parse_ok[i].in, err ? err : "");
        ck_assert_msg(d.year == parse_ok[i].y && d.month == parse_ok[i].m
                      && d.day == parse_ok[i].d,
                      "case %u: \"%s\" gave %d-%d-%d", (unsigned)i,
                      parse_ok[i].in, d.year, d.month, d.day);
        ck_assert_msg(d.has_time == parse_ok[i].has_time,
                      "case %u: has_time", (unsigned)i);
        ck_assert_msg(d.offset_min == parse_ok[i].offset_min,
                      "case %u: offset %d", (unsigned)i, d.offset_min);
        ck_assert_msg(d.when == apr_time_from_sec(parse_ok[i].epoch_sec),
                      "case %u: \"%s\" when=%lld s, want %lld", (unsigned)i,
                      parse_ok[i].in, (long long)apr_time_sec(d.when),
                      parse_ok[i].epoch_sec);
    }
}
END_TEST

START_TEST(parse_bad_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(parse_bad); i++) {
        bantin_date d;
        const char *err = bantin_date_parse(&d, parse_bad[i].in, 420);
        ck_assert_msg(err != NULL, "case %u: \"%s\" accepted", (unsigned)i,
                      parse_bad[i].in);
        ck_assert_msg(strstr(err, parse_bad[i].why) != NULL,
                      "case %u: \"%s\": message \"%s\" lacks \"%s\"",
                      (unsigned)i, parse_bad[i].in, err, parse_bad[i].why);
    }
}
END_TEST

/* A day as readers type it in the search form: both orders, and nothing
 * that is not a real calendar day. */
static const struct {
    const char *in;
    int ok, y, m, d;
} day_cases[] = {
    {"2024-01-31", 1, 2024, 1, 31},
    {"31/01/2024", 1, 2024, 1, 31},
    {"1/2/2024", 1, 2024, 2, 1},
    {" 29/02/2024 ", 1, 2024, 2, 29},
    {"29/02/2023", 0, 0, 0, 0},
    {"31/02/2024", 0, 0, 0, 0},
    {"32/01/2024", 0, 0, 0, 0},
    {"01/13/2024", 0, 0, 0, 0},
    {"31-01-2024", 0, 0, 0, 0},
    {"2024/01/31", 0, 0, 0, 0},
    {"31/01/24", 0, 0, 0, 0},
    {"31/01/20245", 0, 0, 0, 0},
    {"001/01/2024", 0, 0, 0, 0},
    {"/01/2024", 0, 0, 0, 0},
    {"2024-01-31T10:00Z", 0, 0, 0, 0},
    {"hôm qua", 0, 0, 0, 0},
    {"", 0, 0, 0, 0},
};

START_TEST(parse_day_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(day_cases); i++) {
        bantin_date d;
        int rc = bantin_date_parse_day(&d, day_cases[i].in, 420);
        ck_assert_msg((rc == 0) == day_cases[i].ok, "case %u: \"%s\": %d",
                      (unsigned)i, day_cases[i].in, rc);
        if (day_cases[i].ok) {
            ck_assert_msg(d.year == day_cases[i].y && d.month == day_cases[i].m
                          && d.day == day_cases[i].d && !d.has_time
                          && d.when == apr_time_from_sec(
                                 bantin_days_from_civil(d.year, d.month, d.day)
                                 * 86400 - 420 * 60),
                          "case %u: \"%s\" read as %d-%d-%d", (unsigned)i,
                          day_cases[i].in, d.year, d.month, d.day);
        }
    }
}
END_TEST

START_TEST(plain_date_placed_in_zone)
{
    bantin_date a, b;
    ck_assert_ptr_null(bantin_date_parse(&a, "2024-01-04", 0));
    ck_assert_ptr_null(bantin_date_parse(&b, "2024-01-04", 420));
    ck_assert_int_eq(apr_time_sec(a.when) - apr_time_sec(b.when), 7 * 3600);
}
END_TEST

static const struct {
    const char *in;
    int tz_min;
    const char *dmy;
    const char *iso;
} format_cases[] = {
    {"2024-01-04", 420, "04/01/2024", "2024-01-04"},
    /* A plain date is shown as written, whatever the zone. */
    {"2024-01-04", -600, "04/01/2024", "2024-01-04"},
    {"2024-01-04", 840, "04/01/2024", "2024-01-04"},
    /* Near midnight UTC: already the next day in Vietnam. */
    {"2024-01-04T20:00Z", 420, "05/01/2024", "2024-01-05"},
    {"2024-01-04T16:59:59Z", 420, "04/01/2024", "2024-01-04"},
    {"2024-01-04T17:00Z", 420, "05/01/2024", "2024-01-05"},
    {"2024-01-04T20:00Z", 0, "04/01/2024", "2024-01-04"},
    {"2023-12-31T23:30Z", 420, "01/01/2024", "2024-01-01"},
    {"2024-01-04T00:30+07:00", 0, "03/01/2024", "2024-01-03"},
    {"2024-01-04T00:30+07:00", 420, "04/01/2024", "2024-01-04"},
    {"2024-02-28T22:00-03:30", 420, "29/02/2024", "2024-02-29"},
    /* Before 1970 (negative seconds): days round down, not to zero. */
    {"1950-06-15T20:00Z", 420, "16/06/1950", "1950-06-16"},
    {"1950-06-15T03:00Z", -240, "14/06/1950", "1950-06-14"},
    {"1969-12-31T23:59:59Z", 0, "31/12/1969", "1969-12-31"},
};

START_TEST(format_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(format_cases); i++) {
        bantin_date d;
        char dmy[11], iso[11];
        ck_assert_ptr_null(bantin_date_parse(&d, format_cases[i].in, 420));
        bantin_date_format_dmy(&d, format_cases[i].tz_min, dmy);
        bantin_date_format_iso(&d, format_cases[i].tz_min, iso);
        ck_assert_msg(!strcmp(dmy, format_cases[i].dmy),
                      "case %u: %s in %d: dmy %s, want %s", (unsigned)i,
                      format_cases[i].in, format_cases[i].tz_min, dmy,
                      format_cases[i].dmy);
        ck_assert_msg(!strcmp(iso, format_cases[i].iso),
                      "case %u: %s in %d: iso %s, want %s", (unsigned)i,
                      format_cases[i].in, format_cases[i].tz_min, iso,
                      format_cases[i].iso);
    }
}
END_TEST

static const struct {
    const char *in;
    int ok;
    int tz_min;
} tz_cases[] = {
    {"+07:00", 1, 420},
    {"-03:30", 1, -210},
    {"+00:00", 1, 0},
    {"-00:00", 1, 0},
    {"+14:00", 1, 840},
    {"-12:00", 1, -720},
    {"Z", 1, 0},
    {"UTC", 1, 0},
    {"Asia/Ho_Chi_Minh", 1, 420},
    {"Asia/Saigon", 1, 420},
    {"", 0, 0},
    {"+07", 0, 0},
    {"+7:00", 0, 0},
    {"07:00", 0, 0},
    {"+0700", 0, 0},
    {"+07:00 ", 0, 0},
    {" +07:00", 0, 0},
    {"+15:00", 0, 0},
    {"+07:60", 0, 0},
    {"Europe/Paris", 0, 0},
    {"ZZ", 0, 0},
    {"GMT+7", 0, 0},
};

START_TEST(tz_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(tz_cases); i++) {
        int tz = 12345;
        int rv = bantin_tz_parse(tz_cases[i].in, &tz);
        ck_assert_msg(rv == (tz_cases[i].ok ? 0 : -1),
                      "case %u: tz_parse(\"%s\") returned %d", (unsigned)i,
                      tz_cases[i].in, rv);
        if (tz_cases[i].ok) {
            ck_assert_msg(tz == tz_cases[i].tz_min,
                          "case %u: tz_parse(\"%s\") = %d, want %d",
                          (unsigned)i, tz_cases[i].in, tz,
                          tz_cases[i].tz_min);
        }
    }
}
END_TEST

static const struct {
    int y, m, d;
    long days;
} civil_cases[] = {
    {1970, 1, 1, 0},
    {1969, 12, 31, -1},
    {2000, 1, 1, 10957},
    {2000, 2, 29, 11016},
    {2000, 3, 1, 11017},
    {2024, 1, 4, 19726},
    {1900, 1, 1, -25567},
    {1600, 3, 1, -135080},
    {9999, 12, 31, 2932896},
};

START_TEST(civil_known_days)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(civil_cases); i++) {
        int y, m, d;
        long z = bantin_days_from_civil(civil_cases[i].y, civil_cases[i].m,
                                        civil_cases[i].d);
        ck_assert_msg(z == civil_cases[i].days,
                      "case %u: %d-%d-%d -> %ld, want %ld", (unsigned)i,
                      civil_cases[i].y, civil_cases[i].m, civil_cases[i].d,
                      z, civil_cases[i].days);
        bantin_civil_from_days(civil_cases[i].days, &y, &m, &d);
        ck_assert_msg(y == civil_cases[i].y && m == civil_cases[i].m
                      && d == civil_cases[i].d, "case %u: back %d-%d-%d",
                      (unsigned)i, y, m, d);
    }
}
END_TEST

/* Every day from December 737 to November 4707: back and forth, and
 * one day after the other. */
START_TEST(civil_round_trip)
{
    long z;
    int py, pm, pd;

    bantin_civil_from_days(-450001, &py, &pm, &pd);
    for (z = -450000; z <= 1000000; z++) {
        int y, m, d;
        bantin_civil_from_days(z, &y, &m, &d);
        if (bantin_days_from_civil(y, m, d) != z) {
            ck_abort_msg("day %ld -> %d-%d-%d -> %ld", z, y, m, d,
                         bantin_days_from_civil(y, m, d));
        }
        if (!(d == pd + 1 && m == pm && y == py)
            && !(d == 1 && ((m == pm + 1 && y == py)
                            || (m == 1 && pm == 12 && y == py + 1)))) {
            ck_abort_msg("day %ld: %d-%d-%d does not follow %d-%d-%d", z, y,
                         m, d, py, pm, pd);
        }
        if (d == 1 && m == 3) {
            int leap = (py % 4 == 0 && py % 100 != 0) || py % 400 == 0;
            ck_assert_int_eq(pd, leap ? 29 : 28);
        }
        py = y;
        pm = m;
        pd = d;
    }
}
END_TEST

Suite *date_suite(void)
{
    Suite *s = suite_create("date");
    TCase *tc = unit_tcase("parse");

    tcase_add_test(tc, parse_ok_table);
    tcase_add_test(tc, parse_bad_table);
    tcase_add_test(tc, parse_day_table);
    tcase_add_test(tc, plain_date_placed_in_zone);
    tcase_add_test(tc, format_table);
    tcase_add_test(tc, tz_table);
    suite_add_tcase(s, tc);

    tc = unit_tcase("civil");
    tcase_add_test(tc, civil_known_days);
    tcase_add_test(tc, civil_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
