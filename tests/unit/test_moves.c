/* test_moves.c -- where articles that left went: the map's file format
 * (round trip; a truncated or hostile file is ignored with one log line)
 * and what a store answers for a slug that moved, left or was never
 * known, before and after it is opened again. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_strings.h>

#include "bantin_moves.h"
#include "bantin_store.h"
#include "unit.h"

static const bantin_moves_entry sample[] = {
    {"2024/giup-do-xa-kho-khan", APR_UINT64_C(0x0123456789abcdef),
     1733400000},
    {"nong-thon/x", APR_UINT64_C(0xffffffffffffffff), 1733300000},
    {"a", 0, 0},
};

static const char *path_in(const char *dir, const char *rel)
{
    return apr_pstrcat(unit_pool, dir, "/", rel, NULL);
}

START_TEST(moves_format_round_trip)
{
    apr_size_t len, n, i;
    char *data = bantin_moves_format(unit_pool, sample, UNIT_N(sample), &len);
    bantin_moves_entry *back;
    const char *why = NULL;

    ck_assert_uint_eq(strlen(data), len);
    ck_assert_int_eq(bantin_moves_parse(unit_pool, data, len, &back, &n,
                                        &why), APR_SUCCESS);
    ck_assert_uint_eq(n, UNIT_N(sample));
    for (i = 0; i < n; i++) {
        ck_assert_str_eq(back[i].slug, sample[i].slug);
        ck_assert(back[i].hash == sample[i].hash);
        ck_assert(back[i].when == sample[i].when);
    }
    /* and an empty map */
    data = bantin_moves_format(unit_pool, NULL, 0, &len);
    ck_assert_int_eq(bantin_moves_parse(unit_pool, data, len, &back, &n,
                                        &why), APR_SUCCESS);
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* Every cut of a good file is refused, as a whole. */
START_TEST(moves_truncated_is_refused)
{
    apr_size_t len, n, cut;
    char *data = bantin_moves_format(unit_pool, sample, UNIT_N(sample), &len);
    bantin_moves_entry *back;
    const char *why;

    for (cut = 0; cut < len; cut++) {
        why = NULL;
        ck_assert_msg(bantin_moves_parse(unit_pool, data, cut, &back, &n,
                                         &why) == APR_EINVAL,
                      "cut at %lu accepted", (unsigned long)cut);
        ck_assert_ptr_nonnull(why);
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(back);
    }
}
END_TEST

START_TEST(moves_hostile_is_refused)
{
    static const char *const bad[] = {
        "",
        "bantin-moves 2 0\n",
        "bantin-moves 1 -1\n",
        "bantin-moves 1 10001\n",
        "bantin-moves 1 99999999999999999999\n",
        "bantin-moves 1 0\nextra\n",
        "bantin-moves 1 1\n0123456789abcdef 1 a\nextra\n",
        "bantin-moves 1 2\n0123456789abcdef 1 a\n",
        "bantin-moves 1 1\n0123456789ABCDEF 1 a\n",
        "bantin-moves 1 1\n0123456789abcde 1 a\n",
        "bantin-moves 1 1\n0123456789abcdef0 1 a\n",
        "bantin-moves 1 1\n0123456789abcdef -1 a\n",
        "bantin-moves 1 1\n0123456789abcdef 1234567890123456789 a\n",
        "bantin-moves 1 1\n0123456789abcdef 1 ../etc/passwd\n",
        "bantin-moves 1 1\n0123456789abcdef 1 /etc/passwd\n",
        "bantin-moves 1 1\n0123456789abcdef 1 a//b\n",
        "bantin-moves 1 1\n0123456789abcdef 1 a/\n",
        "bantin-moves 1 1\n0123456789abcdef 1 \n",
        "bantin-moves 1 1\n0123456789abcdef 1 a b\n",
        "bantin-moves 1 1\n0123456789abcdef 1 <script>\n",
        "bantin-moves 1 1\n0123456789abcdef 1 a\r\n",
        "bantin-moves 1 1\n0123456789abcdef  1 a\n",
    };
    apr_size_t i, n;
    bantin_moves_entry *back;
    const char *why;

    for (i = 0; i < UNIT_N(bad); i++) {
        why = NULL;
        ck_assert_msg(bantin_moves_parse(unit_pool, bad[i], strlen(bad[i]),
                                         &back, &n, &why) == APR_EINVAL,
                      "accepted: %s", bad[i]);
        ck_assert_ptr_nonnull(why);
    }
    {
        /* A NUL inside a line, and a slug past the limit. */
        char nul[] = "bantin-moves 1 1\n0123456789abcdef 1 a\0b\n";
        char *longslug = apr_palloc(unit_pool, BANTIN_MOVES_SLUG_MAX + 2);
        memset(longslug, 'a', BANTIN_MOVES_SLUG_MAX + 1);
        longslug[BANTIN_MOVES_SLUG_MAX + 1] = '\0';
        ck_assert_int_eq(bantin_moves_parse(unit_pool, nul, sizeof(nul) - 1,
                                            &back, &n, &why), APR_EINVAL);
        longslug = apr_pstrcat(unit_pool, "bantin-moves 1 1\n"
                               "0123456789abcdef 1 ", longslug, "\n", NULL);
        ck_assert_int_eq(bantin_moves_parse(unit_pool, longslug,
                                            strlen(longslug), &back, &n,
                                            &why), APR_EINVAL);
    }
}
END_TEST

/* The state folder of a content dir, as bantin_state_open made it. */
static const char *map_path(bantin_state *st)
{
    return path_in(bantin_state_dir(st), BANTIN_MOVES_FILE);
}

static int count_lines(const char *text, const char *needle)
{
    int n = 0;
    const char *s = text;
    while ((s = strstr(s, needle)) != NULL) {
        n++;
        s += strlen(needle);
    }
    return n;
}

/* A map read back: a good file gives its entries; a damaged, linked or
 * oversized one is ignored whole, with one BT0141 line. */
START_TEST(moves_file_read_back_or_ignored)
{
    const char *dir = unit_tmpdir(), *root = unit_tmpdir();
    bantin_state *st = bantin_state_open(unit_pool, root, dir);
    apr_size_t len;
    char *good = bantin_moves_format(unit_pool, sample, UNIT_N(sample), &len);
    bantin_moves *m;
    const char *outside = path_in(unit_tmpdir(), "x");

    ck_assert_ptr_nonnull(st);
    unit_log_capture();
    unit_write_file(map_path(st), good, len);
    m = bantin_moves_create(unit_pool, st, dir);
    ck_assert_uint_eq(bantin_moves_count(m), UNIT_N(sample));
    ck_assert_int_eq(count_lines(unit_log_text(), "BT0141"), 0);

    unit_write_file(map_path(st), good, len - 3); /* cut short */
    m = bantin_moves_create(unit_pool, st, dir);
    ck_assert_uint_eq(bantin_moves_count(m), 0);
    ck_assert_int_eq(count_lines(unit_log_text(), "BT0141"), 1);
    ck_assert_ptr_nonnull(strstr(unit_log_text(), "moves.map: ignored"));

    /* a link to a good file elsewhere is not followed */
    unit_write_file(outside, good, len);
    unlink(map_path(st));
    ck_assert_int_eq(symlink(outside, map_path(st)), 0);
    m = bantin_moves_create(unit_pool, st, dir);
    ck_assert_uint_eq(bantin_moves_count(m), 0);
    ck_assert_int_eq(count_lines(unit_log_text(), "BT0141"), 2);
    ck_assert_ptr_nonnull(strstr(unit_log_text(), "symbolic link"));

    /* none at all: nothing to say */
    unlink(map_path(st));
    m = bantin_moves_create(unit_pool, st, dir);
    ck_assert_uint_eq(bantin_moves_count(m), 0);
    ck_assert_int_eq(count_lines(unit_log_text(), "BT0141"), 2);
}
END_TEST

/* bantin_state_read_file takes nothing but a plain file of ours of one
 * name, within its limit. */
START_TEST(moves_state_file_is_hostile_input)
{
    const char *dir = unit_tmpdir(), *root = unit_tmpdir();
    bantin_state *st = bantin_state_open(unit_pool, root, dir);
    const char *f, *why;
    char *data;
    apr_size_t len;

    ck_assert_ptr_nonnull(st);
    f = path_in(bantin_state_dir(st), "f");
    ck_assert_int_eq(bantin_state_read_file(st, unit_pool, "f", 100, &data,
                                            &len, &why), APR_ENOENT);
    unit_write_str(f, "0123456789");
    ck_assert_int_eq(bantin_state_read_file(st, unit_pool, "f", 10, &data,
                                            &len, &why), APR_SUCCESS);
    ck_assert_uint_eq(len, 10);
    ck_assert_str_eq(data, "0123456789");
    ck_assert_int_eq(bantin_state_read_file(st, unit_pool, "f", 9, &data,
                                            &len, &why), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "larger than 9 bytes"));
    ck_assert_int_eq(link(f, path_in(dir, "other-name")), 0);
    ck_assert_int_eq(bantin_state_read_file(st, unit_pool, "f", 100, &data,
                                            &len, &why), APR_EINVAL);
    ck_assert_str_eq(why, "a hard link");
    ck_assert_int_eq(unlink(path_in(dir, "other-name")), 0);
    ck_assert_int_eq(unlink(f), 0);
    ck_assert_int_eq(mkfifo(f, 0644), 0);
    ck_assert_int_eq(bantin_state_read_file(st, unit_pool, "f", 100, &data,
                                            &len, &why), APR_EINVAL);
    ck_assert_str_eq(why, "not a regular file");
    /* written, and read back */
    ck_assert_int_eq(unlink(f), 0);
    ck_assert_int_eq(bantin_state_write_file(st, unit_pool, "f", "abc", 3),
                     APR_SUCCESS);
    ck_assert_int_eq(bantin_state_read_file(st, unit_pool, "f", 100, &data,
                                            &len, &why), APR_SUCCESS);
    ck_assert_str_eq(data, "abc");
}
END_TEST

/* The map keeps the newest BANTIN_MOVES_MAX entries, in memory and in the
 * file, which a new map reads back whole. */
START_TEST(moves_bounded_to_the_newest)
{
    const char *dir = unit_tmpdir(), *root = unit_tmpdir();
    bantin_state *st = bantin_state_open(unit_pool, root, dir);
    bantin_moves *m = bantin_moves_create(unit_pool, st, dir);
    apr_size_t i, extra = 10;
    const bantin_snapshot empty = {0};
    const char *to;

    for (i = 0; i < BANTIN_MOVES_MAX + extra; i++) {
        bantin_moves_left(m, apr_psprintf(unit_pool, "nam/bai-%lu",
                                          (unsigned long)i),
                          i, apr_time_from_sec(1000000 + (apr_time_t)i));
    }
    bantin_moves_save(m);
    ck_assert_uint_eq(bantin_moves_count(m), BANTIN_MOVES_MAX);
    m = bantin_moves_create(unit_pool, st, dir);
    ck_assert_uint_eq(bantin_moves_count(m), BANTIN_MOVES_MAX);
    for (i = 0; i < BANTIN_MOVES_MAX + extra; i += BANTIN_MOVES_MAX / 4) {
        ck_assert_int_eq(bantin_moves_find(m, &empty,
                                           apr_psprintf(unit_pool,
                                                        "nam/bai-%lu",
                                                        (unsigned long)i),
                                           apr_time_now(), unit_pool, &to),
                         i < extra ? BANTIN_MOVES_UNKNOWN
                                   : BANTIN_MOVES_GONE);
    }
}
END_TEST

static bantin_store *open_store_in(const char *dir, const char *root)
{
    bantin_store *st = NULL;
    ck_assert_int_eq(bantin_store_create(&st, unit_pool, dir, unit_schema(),
                                         420, apr_time_from_sec(1), root),
                     APR_SUCCESS);
    return st;
}

static bantin_moves_e find(bantin_store *st, const char *slug,
                           const char **to)
{
    const bantin_snapshot *snap = bantin_store_acquire(st);
    bantin_moves_e r;

    *to = NULL;
    r = bantin_moves_find(bantin_store_moves(st), snap, slug, apr_time_now(),
                          unit_pool, to);
    bantin_store_release(st, snap);
    return r;
}

/* What a store answers for slugs that moved, left or were never there,
 * and the same from a store opened again over the same state. */
START_TEST(moves_store_answers_and_remembers)
{
    const char *dir = unit_tmpdir(), *root = unit_tmpdir(), *to;
    bantin_store *st;
    int round;

    unit_write_str(path_in(dir, "2024/di.xml"),
                   unit_article_xml("Đi", "2024-01-04", "một"));
    unit_write_str(path_in(dir, "2024/xoa.xml"),
                   unit_article_xml("Xoá", "2024-01-04", "hai"));
    unit_write_str(path_in(dir, "2024/o.xml"),
                   unit_article_xml("Ở", "2024-01-04", "ba"));
    unit_write_str(path_in(dir, "2024/hen.xml"),
                   unit_article_xml("Hẹn giờ", "2099-01-01", "năm"));
    st = open_store_in(dir, root);
    ck_assert_int_eq(find(st, "2024/di", &to), BANTIN_MOVES_UNKNOWN);

    ck_assert_int_eq(mkdir(path_in(dir, "nong-thon"), 0755), 0);
    ck_assert_int_eq(rename(path_in(dir, "2024/di.xml"),
                            path_in(dir, "nong-thon/di.xml")), 0);
    ck_assert_int_eq(unlink(path_in(dir, "2024/xoa.xml")), 0);
    ck_assert_int_eq(unlink(path_in(dir, "2024/hen.xml")), 0);
    bantin_store_rescan(st);
    for (round = 0; round < 2; round++) {
        ck_assert_int_eq(find(st, "2024/di", &to), BANTIN_MOVES_MOVED);
        ck_assert_str_eq(to, "nong-thon/di");
        ck_assert_int_eq(find(st, "2024/xoa", &to), BANTIN_MOVES_GONE);
        ck_assert_int_eq(find(st, "2024/chua-co", &to), BANTIN_MOVES_UNKNOWN);
        ck_assert_int_eq(find(st, "2024/o", &to), BANTIN_MOVES_UNKNOWN);
        /* never published: its URL tells nothing */
        ck_assert_int_eq(find(st, "2024/hen", &to), BANTIN_MOVES_UNKNOWN);
        /* a restart: a new store over the same state folder */
        st = open_store_in(dir, root);
    }
    /* a new article at the old URL: the map lets it go */
    unit_write_str(path_in(dir, "2024/xoa.xml"),
                   unit_article_xml("Mới", "2024-01-05", "bốn"));
    bantin_store_rescan(st);
    ck_assert_int_eq(find(st, "2024/xoa", &to), BANTIN_MOVES_UNKNOWN);
    st = open_store_in(dir, root);
    ck_assert_uint_eq(bantin_moves_count(bantin_store_moves(st)), 1);
}
END_TEST

Suite *moves_suite(void)
{
    Suite *s = suite_create("moves");
    TCase *tc = unit_tcase("moves");

    tcase_add_test(tc, moves_format_round_trip);
    tcase_add_test(tc, moves_truncated_is_refused);
    tcase_add_test(tc, moves_hostile_is_refused);
    tcase_add_test(tc, moves_file_read_back_or_ignored);
    tcase_add_test(tc, moves_state_file_is_hostile_input);
    tcase_add_test(tc, moves_bounded_to_the_newest);
    tcase_add_test(tc, moves_store_answers_and_remembers);
    suite_add_tcase(s, tc);
    return s;
}
