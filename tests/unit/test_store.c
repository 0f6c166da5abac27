/* test_store.c -- loading a content dir: what is served, in which order,
 * what is rejected and logged, and what is never followed. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "bantin_eventq.h"
#include "bantin_store.h"
#include "unit.h"

static const char *path_in(const char *dir, const char *rel)
{
    return apr_pstrcat(unit_pool, dir, "/", rel, NULL);
}

static const char *article(const char *title, const char *date)
{
    return unit_article_xml(title, date, "Nội dung");
}

/* A content dir with good, broken, badly named and linked files. */
/* Sets a file's mtime `seconds` back. */
static void age(const char *path, int seconds)
{
    ck_assert_int_eq(apr_file_mtime_set(path, apr_time_now()
                                                  - apr_time_from_sec(seconds),
                                        unit_pool),
                     APR_SUCCESS);
}

static const char *make_content(void)
{
    const char *dir = unit_tmpdir();
    const char *outside = unit_tmpdir();
    const char *secret = path_in(outside, "secret.xml");

    unit_write_str(path_in(dir, "b.xml"), article("B", "2024-01-04"));
    unit_write_str(path_in(dir, "a.xml"), article("A", "2024-01-04"));
    unit_write_str(path_in(dir, "2023/c.xml"), article("C", "2023-05-01"));
    unit_write_str(path_in(dir, "2024/sub/d.xml"),
                   article("D", "2024-01-04T08:00+07:00"));
    unit_write_str(path_in(dir, "2024/old.xml"),
                   article("Old", "2024-01-03T23:59+07:00"));
    /* Broken: not well-formed, invalid. */
    unit_write_str(path_in(dir, "broken.xml"),
                   "<?xml version=\"1.0\"?>\n<article>\n<title>x</titl>\n");
    unit_write_str(path_in(dir, "2024/invalid.xml"),
                   "<?xml version=\"1.0\"?>\n<article>\n<script/>\n"
                   "</article>\n");
    unit_write_str(path_in(dir, "empty.xml"), "");
    age(path_in(dir, "empty.xml"), 60); /* left empty, not being written */
    /* Names outside [a-z0-9-]. */
    unit_write_str(path_in(dir, "Bad Name.xml"), article("Bad", "2024-01-04"));
    unit_write_str(path_in(dir, "Bad Dir/e.xml"), article("E", "2024-01-04"));
    unit_write_str(path_in(dir, "under_score.xml"),
                   article("U", "2024-01-04"));
    /* Ignored without a word: hidden, other extensions, media. */
    unit_write_str(path_in(dir, ".hidden.xml"), article("H", "2024-01-04"));
    unit_write_str(path_in(dir, ".git/x.xml"), article("G", "2024-01-04"));
    unit_write_str(path_in(dir, "notes.txt"), "not an article");
    unit_write_str(path_in(dir, "upper.XML"), article("X", "2024-01-04"));
    unit_write_file(path_in(dir, "images/a.png"), "\x89PNG", 4);
    /* Links out of the content dir are never followed. */
    unit_write_str(secret, article("Secret", "2030-01-01"));
    ck_assert_int_eq(symlink(secret, path_in(dir, "link.xml")), 0);
    ck_assert_int_eq(symlink(outside, path_in(dir, "linkdir")), 0);
    return dir;
}

static int rejected_has(const bantin_snapshot *snap, const char *file)
{
    apr_size_t i, n = strlen(file);
    for (i = 0; i < snap->nrejected; i++) {
        if (!strncmp(snap->rejected[i], file, n)
            && snap->rejected[i][n] == ':') {
            return 1;
        }
    }
    return 0;
}

/* A store of dir, sharing last good copies through the state root (or
 * none, for NULL), as one process of a server would have it. */
static bantin_store *open_store_in(const char *dir, const char *root)
{
    bantin_store *st = NULL;
    ck_assert_int_eq(bantin_store_create(&st, unit_pool, dir, unit_schema(),
                                         420, apr_time_from_sec(1), root),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(st);
    return st;
}

static bantin_store *open_store(const char *dir)
{
    return open_store_in(dir, NULL);
}

START_TEST(store_loads_and_sorts)
{
    const char *dir = make_content();
    bantin_store *st;
    const bantin_snapshot *snap;
    static const char *const order[] = {"2024/sub/d", "a", "b", "2024/old",
                                        "2023/c"};
    static const char *const by_slug[] = {"2023/c", "2024/old", "2024/sub/d",
                                          "a", "b"};
    apr_time_t now = apr_time_now();
    apr_size_t i;

    unit_log_capture();
    st = open_store(dir);
    ck_assert_str_eq(bantin_store_dir(st), dir);
    snap = bantin_store_acquire(st);
    ck_assert_ptr_nonnull(snap);
    ck_assert_uint_eq(snap->count, UNIT_N(order));
    ck_assert_uint_eq(snap->ndrafts, 0);
    for (i = 0; i < UNIT_N(order); i++) {
        ck_assert_msg(!strcmp(snap->by_date[i]->slug, order[i]),
                      "by_date[%u]: %s, want %s", (unsigned)i,
                      snap->by_date[i]->slug, order[i]);
        ck_assert_msg(!strcmp(snap->by_slug[i]->slug, by_slug[i]),
                      "by_slug[%u]: %s, want %s", (unsigned)i,
                      snap->by_slug[i]->slug, by_slug[i]);
        ck_assert_ptr_eq(bantin_snapshot_get(snap, order[i], now),
                         snap->by_date[i]);
        if (i > 0) {
            ck_assert_int_lt(bantin_article_cmp(snap->by_date[i - 1],
                                                snap->by_date[i]), 0);
        }
    }
    ck_assert_str_eq(bantin_snapshot_get(snap, "2024/sub/d", now)->title,
                     "D");
    ck_assert_str_eq(bantin_snapshot_get(snap, "2024/sub/d", now)->path,
                     path_in(dir, "2024/sub/d.xml"));
    ck_assert_int_gt(snap->built, 0);
    ck_assert_int_gt(bantin_store_last_check(st), 0);
    bantin_store_release(st, snap);
}
END_TEST

START_TEST(store_misses)
{
    const char *dir = make_content();
    bantin_store *st = open_store(dir);
    const bantin_snapshot *snap = bantin_store_acquire(st);
    static const char *const misses[] = {
        "", "c", "2023", "2023/c.xml", "2024/sub", "A", "broken",
        "Bad Name", "Bad Dir/e", "under_score", ".hidden", "hidden",
        ".git/x", "upper", "link", "linkdir/secret", "secret", "images/a",
        "notes", "2024/invalid", "empty", "a/", "/a", "aa", "0",
    };
    apr_time_t now = apr_time_now();
    apr_size_t i;

    for (i = 0; i < UNIT_N(misses); i++) {
        ck_assert_msg(bantin_snapshot_get(snap, misses[i], now) == NULL,
                      "\"%s\" should not be served", misses[i]);
    }
    for (i = 0; i < snap->count; i++) {
        ck_assert_str_ne(snap->by_date[i]->title, "Secret");
    }
    bantin_store_release(st, snap);
}
END_TEST

START_TEST(store_rejects_and_logs)
{
    const char *dir = make_content();
    bantin_store *st;
    const bantin_snapshot *snap;
    const char *log;
    static const char *const rejected[] = {
        "broken.xml", "2024/invalid.xml", "empty.xml", "Bad Name.xml",
        "Bad Dir/e.xml", "under_score.xml", "link.xml",
    };
    static const char *const not_rejected[] = {
        ".hidden.xml", "upper.XML", "notes.txt", "a.xml", "linkdir",
        ".git/x.xml",
    };
    apr_size_t i;

    unit_log_capture();
    st = open_store(dir);
    snap = bantin_store_acquire(st);
    log = unit_log_text();

    ck_assert_uint_eq(snap->nrejected, UNIT_N(rejected));
    for (i = 0; i < UNIT_N(rejected); i++) {
        ck_assert_msg(rejected_has(snap, path_in(dir, rejected[i])),
                      "%s not rejected", rejected[i]);
    }
    for (i = 0; i < UNIT_N(not_rejected); i++) {
        ck_assert_msg(!rejected_has(snap, path_in(dir, not_rejected[i])),
                      "%s rejected", not_rejected[i]);
    }
    for (i = 1; i < snap->nrejected; i++) {
        ck_assert_msg(strcmp(snap->rejected[i - 1], snap->rejected[i]) < 0,
                      "rejected not sorted: %s, %s", snap->rejected[i - 1],
                      snap->rejected[i]);
    }
    /* "file:line:col: why" where it is known. */
    for (i = 0; i < snap->nrejected; i++) {
        if (strstr(snap->rejected[i], "/broken.xml")) {
            ck_assert_msg(strstr(snap->rejected[i], "/broken.xml:3:")
                          != NULL, "%s", snap->rejected[i]);
        }
    }

    /* One line per problem, with its ID and the full path. */
    ck_assert_int_eq(unit_count(log, "[error] BT0101 "), 3);
    ck_assert_int_eq(unit_count(log, "BT0102 "), 3);
    ck_assert_msg(strstr(log, apr_pstrcat(unit_pool, "BT0101 ",
                                          path_in(dir, "broken.xml"), ":3:",
                                          NULL)) != NULL, "%s", log);
    ck_assert_msg(strstr(log, apr_pstrcat(unit_pool, "BT0102 ",
                                          path_in(dir, "Bad Name.xml"), ": ",
                                          NULL)) != NULL, "%s", log);
    ck_assert_msg(strstr(log, apr_pstrcat(unit_pool, "BT0102 ",
                                          path_in(dir, "Bad Dir/e.xml"), ": ",
                                          NULL)) != NULL, "%s", log);
    /* Symbolic links: said so, never followed. */
    ck_assert_int_eq(unit_count(log, "BT0103 "), 1);
    ck_assert_ptr_nonnull(strstr(log, apr_pstrcat(unit_pool, "BT0103 ",
                                                  path_in(dir, "link.xml"),
                                                  NULL)));
    ck_assert_ptr_null(strstr(log, "secret.xml"));
    /* The summary line. */
    ck_assert_ptr_nonnull(strstr(log, "BT0100 "));
    ck_assert_ptr_nonnull(strstr(log, "5 articles loaded, 7 files rejected"));
    /* Hidden and non-.xml files are not worth a line. */
    ck_assert_ptr_null(strstr(log, ".hidden"));
    ck_assert_ptr_null(strstr(log, "notes.txt"));
    ck_assert_ptr_null(strstr(log, ".git"));
    bantin_store_release(st, snap);
}
END_TEST

START_TEST(store_empty_and_missing_dir)
{
    const char *dir = unit_tmpdir();
    bantin_store *st = open_store(dir);
    const bantin_snapshot *snap = bantin_store_acquire(st);
    apr_size_t total = 99;

    ck_assert_uint_eq(snap->count, 0);
    ck_assert_uint_eq(snap->nrejected, 0);
    ck_assert_ptr_null(bantin_snapshot_get(snap, "x", apr_time_now()));
    ck_assert_uint_eq(bantin_snapshot_list(snap, apr_time_now(), 0, 10, NULL,
                                           &total), 0);
    ck_assert_uint_eq(total, 0);
    bantin_store_release(st, snap);

    st = NULL;
    ck_assert_int_ne(bantin_store_create(&st, unit_pool,
                                         path_in(dir, "nope"), unit_schema(),
                                         420, apr_time_from_sec(1), NULL),
                     APR_SUCCESS);
    ck_assert_ptr_null(st);
    /* A file is not a directory. */
    unit_write_str(path_in(dir, "file"), "x");
    ck_assert_int_ne(bantin_store_create(&st, unit_pool,
                                         path_in(dir, "file"), unit_schema(),
                                         420, apr_time_from_sec(1), NULL),
                     APR_SUCCESS);
}
END_TEST

START_TEST(store_of_shipped_content)
{
    bantin_store *st;
    const bantin_snapshot *snap;
    const char *dir = apr_pstrcat(unit_pool, unit_srcdir(), "/content", NULL);

    unit_log_capture();
    st = open_store(dir);
    snap = bantin_store_acquire(st);
    ck_assert_uint_ge(snap->count, 1);
    ck_assert_msg(snap->nrejected == 0, "%s",
                  snap->nrejected ? snap->rejected[0] : "");
    ck_assert_ptr_nonnull(bantin_snapshot_get(snap,
                                              "2024/giup-do-xa-kho-khan",
                                              apr_time_now()));
    ck_assert_ptr_null(strstr(unit_log_text(), "BT0101"));
    bantin_store_release(st, snap);
}
END_TEST

static int in_list(const bantin_article *a, const bantin_article *const *l,
                   apr_size_t n)
{
    apr_size_t i;
    for (i = 0; i < n; i++) {
        if (l[i] == a) {
            return 1;
        }
    }
    return 0;
}

/* What an article page shows around each article of the shipped content,
 * for several list lengths, against the plain lists it is made from: no
 * article twice, none dropped that there was room for. */
START_TEST(page_around_shows_each_article_once)
{
    static const apr_size_t lengths[] = {0, 1, 2, 5, 50};
    const char *dir = apr_pstrcat(unit_pool, unit_srcdir(), "/content", NULL);
    bantin_store *st = open_store(dir);
    const bantin_snapshot *snap = bantin_store_acquire(st);
    apr_time_t now = apr_time_now();
    apr_size_t i, k, j;

    ck_assert_uint_ge(snap->count, 6);
    for (i = 0; i < snap->count; i++) {
        const bantin_article *a = snap->by_date[i];
        const bantin_category *cat =
            a->category_slug ? bantin_snapshot_category(snap, a->category_slug)
                             : NULL;
        for (k = 0; k < UNIT_N(lengths); k++) {
            apr_size_t n = lengths[k], nrel, noth, nnear, nold;
            const bantin_article *newer, *older, *newer0, *older0[1];
            const bantin_article *rel[52], *oth[50], *near[60], *old[200];
            const bantin_article *want[60];
            apr_size_t nwant = 0;

            bantin_snapshot_page_around(snap, a, now, n, &newer, &older, rel,
                                        &nrel, oth, &noth);
            /* the neighbours are the plain ones */
            nold = bantin_snapshot_around(snap, a, now, &newer0, 1, older0);
            ck_assert_ptr_eq(newer, newer0);
            ck_assert_ptr_eq(older, nold ? older0[0] : NULL);
            /* related: the nearest of the category but for the neighbours */
            nnear = cat ? bantin_category_nearest(cat, a, now, 60, near) : 0;
            for (j = 0; j < nnear && nwant < n; j++) {
                if (near[j] != newer && near[j] != older) {
                    want[nwant++] = near[j];
                }
            }
            ck_assert_uint_eq(nrel, nwant);
            for (j = 0; j < nrel; j++) {
                ck_assert_ptr_eq(rel[j], want[j]);
            }
            /* other: the older ones but for what is shown already */
            nold = bantin_snapshot_around(snap, a, now, &newer0, 200, old);
            nwant = 0;
            for (j = 0; j < nold && nwant < n; j++) {
                if (old[j] != older && !in_list(old[j], rel, nrel)) {
                    want[nwant++] = old[j];
                }
            }
            ck_assert_uint_eq(noth, nwant);
            for (j = 0; j < noth; j++) {
                ck_assert_ptr_eq(oth[j], want[j]);
                ck_assert_ptr_ne(oth[j], a);
            }
            for (j = 0; j < nrel; j++) {
                ck_assert_ptr_ne(rel[j], a);
            }
        }
    }
    bantin_store_release(st, snap);
}
END_TEST

/* Drafts, articles dated in the future and expired ones are kept but not
 * shown. */
START_TEST(store_visibility)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    const bantin_snapshot *snap;
    const bantin_article *out[10];
    apr_time_t now = apr_time_now();
    apr_size_t total = 0, n;

    unit_write_str(path_in(dir, "now.xml"), article("Now", "2024-01-04"));
    unit_write_str(path_in(dir, "older.xml"), article("Older", "2023-01-04"));
    unit_write_str(path_in(dir, "future.xml"),
                   article("Future", "2999-01-01"));
    unit_write_str(path_in(dir, "draft.xml"),
                   apr_pstrcat(unit_pool,
                               "<?xml version=\"1.0\"?>\n"
                               "<article status=\"draft\"><title>Dr</title>"
                               "<date>2024-01-05</date><summary>S</summary>"
                               "<body><p>x</p></body></article>\n", NULL));
    unit_write_str(path_in(dir, "expired.xml"),
                   "<?xml version=\"1.0\"?>\n"
                   "<article><title>Ex</title><date>2024-01-02</date>"
                   "<expires>2024-02-01</expires><summary>S</summary>"
                   "<body><p>x</p></body></article>\n");
    unit_write_str(path_in(dir, "expiring.xml"),
                   "<?xml version=\"1.0\"?>\n"
                   "<article><title>Ex2</title><date>2024-01-03</date>"
                   "<expires>2999-02-01</expires><summary>S</summary>"
                   "<body><p>x</p></body></article>\n");

    st = open_store(dir);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 5); /* drafts are not listed at all */
    ck_assert_uint_eq(snap->ndrafts, 1);
    ck_assert_uint_eq(snap->nexpiring, 2);
    ck_assert_uint_eq(snap->nrejected, 0);

    ck_assert_ptr_nonnull(bantin_snapshot_get(snap, "now", now));
    ck_assert_ptr_nonnull(bantin_snapshot_get(snap, "expiring", now));
    ck_assert_ptr_null(bantin_snapshot_get(snap, "future", now));
    ck_assert_ptr_null(bantin_snapshot_get(snap, "draft", now));
    ck_assert_ptr_null(bantin_snapshot_get(snap, "expired", now));
    /* ...but at the right moment they are. */
    ck_assert_ptr_nonnull(bantin_snapshot_get(
        snap, "expired", apr_time_from_sec(1704300000 + 86400)));
    ck_assert_ptr_nonnull(bantin_snapshot_get(
        snap, "future", apr_time_from_sec(32503680000LL + 86400)));

    n = bantin_snapshot_list(snap, now, 0, 10, out, &total);
    ck_assert_uint_eq(total, 3);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(out[0]->slug, "now");
    ck_assert_str_eq(out[1]->slug, "expiring");
    ck_assert_str_eq(out[2]->slug, "older");
    bantin_store_release(st, snap);
}
END_TEST

/* bantin_snapshot_list against a plain filter, for every window, at
 * moments around each date and expiry. */
START_TEST(snapshot_list_matches_filter)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    const bantin_snapshot *snap;
    static const struct {
        const char *slug, *date, *expires;
    } arts[] = {
        {"a1", "2024-01-01", NULL},
        {"a2", "2024-01-02", "2024-01-03"},
        {"a3", "2024-01-03", NULL},
        {"a4", "2024-01-04", "2024-01-06"},
        {"a5", "2024-01-05", "2024-01-10"},
        {"a6", "2024-01-06", NULL},
        {"a7", "2024-01-07", "2024-01-08"},
        {"a8", "2024-01-08", NULL},
        {"a9", "2024-01-09", "2024-01-12"},
    };
    apr_size_t i;
    long day;

    for (i = 0; i < UNIT_N(arts); i++) {
        unit_write_str(path_in(dir, apr_pstrcat(unit_pool, arts[i].slug,
                                                ".xml", NULL)),
                       apr_pstrcat(unit_pool, "<?xml version=\"1.0\"?>\n"
                                   "<article><title>", arts[i].slug,
                                   "</title><date>", arts[i].date, "</date>",
                                   arts[i].expires ? "<expires>" : "",
                                   arts[i].expires ? arts[i].expires : "",
                                   arts[i].expires ? "</expires>" : "",
                                   "<summary>S</summary><body><p>x</p>"
                                   "</body></article>\n", NULL));
    }
    st = open_store(dir);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, UNIT_N(arts));

    /* Noon of 2023-12-31 .. 2024-01-13, +07:00. */
    for (day = 0; day < 14 * 2; day++) {
        apr_time_t now = apr_time_from_sec(1704002400LL + day * 43200);
        const bantin_article *want[UNIT_N(arts)];
        apr_size_t nwant = 0, first, n;

        for (i = 0; i < snap->count; i++) {
            if (bantin_article_visible(snap->by_date[i], now)) {
                want[nwant++] = snap->by_date[i];
            }
        }
        for (first = 0; first <= nwant + 1; first++) {
            for (n = 0; n <= nwant + 1; n++) {
                const bantin_article *got[UNIT_N(arts) + 2];
                apr_size_t total = 12345, k, expect;
                k = bantin_snapshot_list(snap, now, first, n, got, &total);
                expect = first >= nwant ? 0
                         : (nwant - first < n ? nwant - first : n);
                ck_assert_msg(total == nwant, "t%ld: total %lu, want %lu",
                              day, (unsigned long)total,
                              (unsigned long)nwant);
                ck_assert_msg(k == expect, "t%ld first %lu n %lu: %lu, want "
                              "%lu", day, (unsigned long)first,
                              (unsigned long)n, (unsigned long)k,
                              (unsigned long)expect);
                for (i = 0; i < k; i++) {
                    ck_assert_msg(got[i] == want[first + i],
                                  "t%ld first %lu: item %lu is %s, want %s",
                                  day, (unsigned long)first,
                                  (unsigned long)i, got[i]->slug,
                                  want[first + i]->slug);
                }
            }
        }
    }
    bantin_store_release(st, snap);
}
END_TEST

/* A rescan sees new, changed and removed files; a reader's snapshot stays
 * whole until it is released. */
START_TEST(store_rescan_changes)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    const bantin_snapshot *s1, *s2, *s3;
    const bantin_article *a1;
    apr_time_t now = apr_time_now();

    unit_write_str(path_in(dir, "a.xml"), article("A1", "2024-01-04"));
    unit_write_str(path_in(dir, "gone.xml"), article("G", "2024-01-03"));
    st = open_store(dir);
    s1 = bantin_store_acquire(st);
    ck_assert_uint_eq(s1->count, 2);
    a1 = bantin_snapshot_get(s1, "a", now);
    ck_assert_str_eq(a1->title, "A1");

    /* A size change is enough to notice even within one mtime tick. */
    unit_write_str(path_in(dir, "a.xml"), article("A2 changed", "2024-01-04"));
    unit_write_str(path_in(dir, "new.xml"), article("N", "2024-01-05"));
    ck_assert_int_eq(apr_file_remove(path_in(dir, "gone.xml"), unit_pool),
                     APR_SUCCESS);
    unit_log_capture();
    bantin_store_rescan(st);
    s2 = bantin_store_acquire(st);
    ck_assert_ptr_ne(s1, s2);
    ck_assert_uint_eq(s2->count, 2);
    ck_assert_str_eq(bantin_snapshot_get(s2, "a", now)->title, "A2 changed");
    ck_assert_ptr_nonnull(bantin_snapshot_get(s2, "new", now));
    ck_assert_ptr_null(bantin_snapshot_get(s2, "gone", now));
    ck_assert_str_eq(s2->by_date[0]->slug, "new");
    /* The old snapshot is untouched and its articles still readable. */
    ck_assert_uint_eq(s1->count, 2);
    ck_assert_str_eq(a1->title, "A1");
    ck_assert_ptr_nonnull(bantin_snapshot_get(s1, "gone", now));
    bantin_store_release(st, s1);

    /* A broken edit keeps the last good version online, and says so. */
    unit_write_str(path_in(dir, "a.xml"), "<article><title>x</titl>");
    bantin_store_rescan(st);
    s3 = bantin_store_acquire(st);
    ck_assert_str_eq(bantin_snapshot_get(s3, "a", now)->title, "A2 changed");
    ck_assert_uint_eq(s3->nrejected, 1);
    ck_assert_ptr_nonnull(strstr(s3->rejected[0], "/a.xml:1:"));
    ck_assert_ptr_nonnull(strstr(unit_log_text(), "last good version"));
    /* s2 is still held: still whole. */
    ck_assert_str_eq(bantin_snapshot_get(s2, "a", now)->title, "A2 changed");
    bantin_store_release(st, s2);
    bantin_store_release(st, s3);

    /* Fixed again: served, no longer rejected. */
    unit_write_str(path_in(dir, "a.xml"), article("A3", "2024-01-04"));
    bantin_store_rescan(st);
    s3 = bantin_store_acquire(st);
    ck_assert_str_eq(bantin_snapshot_get(s3, "a", now)->title, "A3");
    ck_assert_uint_eq(s3->nrejected, 0);
    bantin_store_release(st, s3);

    /* A whole folder goes. */
    unit_write_str(path_in(dir, "sub/x.xml"), article("X", "2024-01-01"));
    bantin_store_rescan(st);
    s3 = bantin_store_acquire(st);
    ck_assert_ptr_nonnull(bantin_snapshot_get(s3, "sub/x", now));
    bantin_store_release(st, s3);
    ck_assert_int_eq(apr_file_remove(path_in(dir, "sub/x.xml"), unit_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_dir_remove(path_in(dir, "sub"), unit_pool),
                     APR_SUCCESS);
    bantin_store_rescan(st);
    s3 = bantin_store_acquire(st);
    ck_assert_ptr_null(bantin_snapshot_get(s3, "sub/x", now));
    ck_assert_uint_eq(s3->count, 2);
    bantin_store_release(st, s3);
}
END_TEST

/* A file is empty from its creation to its first write, and a walk can
 * meet it then: that is no editor's mistake.  A young empty file is listed
 * but not logged, a published article emptied for a rewrite stays online,
 * and the content, once written, is served.  An empty file that stays
 * empty is judged (logged) once it is SETTLE_TIME (2 s) old, changed or
 * not. */
START_TEST(store_empty_file_is_judged_when_settled)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    const bantin_snapshot *snap;
    apr_time_t now = apr_time_now();

    unit_write_str(path_in(dir, "a.xml"), article("A1", "2024-01-04"));
    st = open_store(dir);
    unit_log_capture();
    unit_write_str(path_in(dir, "a.xml"), "");
    unit_write_str(path_in(dir, "new.xml"), "");
    bantin_store_rescan(st);
    snap = bantin_store_acquire(st);
    ck_assert_str_eq(bantin_snapshot_get(snap, "a", now)->title, "A1");
    ck_assert_ptr_null(bantin_snapshot_get(snap, "new", now));
    ck_assert_uint_eq(snap->nrejected, 2);
    ck_assert_ptr_nonnull(strstr(snap->rejected[0], "still being written"));
    bantin_store_release(st, snap);
    ck_assert_ptr_null(strstr(unit_log_text(), "BT0101"));

    unit_write_str(path_in(dir, "a.xml"), article("A2", "2024-01-04"));
    unit_write_str(path_in(dir, "new.xml"), article("N", "2024-01-05"));
    bantin_store_rescan(st);
    snap = bantin_store_acquire(st);
    ck_assert_str_eq(bantin_snapshot_get(snap, "a", now)->title, "A2");
    ck_assert_str_eq(bantin_snapshot_get(snap, "new", now)->title, "N");
    ck_assert_uint_eq(snap->nrejected, 0);
    bantin_store_release(st, snap);
    ck_assert_ptr_null(strstr(unit_log_text(), "BT0101"));

    /* Emptied 1.5 s ago, so due in 0.5 s: judged by a later look although
     * the file did not change in between. */
    unit_write_str(path_in(dir, "a.xml"), "");
    ck_assert_int_eq(apr_file_mtime_set(path_in(dir, "a.xml"),
                                        apr_time_now()
                                            - apr_time_from_msec(1500),
                                        unit_pool), APR_SUCCESS);
    bantin_store_rescan(st);
    ck_assert_ptr_null(strstr(unit_log_text(), "BT0101"));
    apr_sleep(apr_time_from_msec(1000));
    /* A refresh (no walk: only inotify's events, of which there are none
     * now), past any check interval. */
    bantin_store_refresh(st, apr_time_now() + apr_time_from_sec(3600));
    snap = bantin_store_acquire(st);
    ck_assert_str_eq(bantin_snapshot_get(snap, "a", now)->title, "A2");
    ck_assert_uint_eq(snap->nrejected, 1);
    bantin_store_release(st, snap);
    ck_assert_int_eq(unit_count(unit_log_text(), "[error] BT0101 "), 1);
    ck_assert_ptr_nonnull(strstr(unit_log_text(),
                                 "(the last good version stays online)"));
}
END_TEST

/* A process that never saw an article good (the parent, or a child forked
 * from it) and meets its file empty serves the last good copy another
 * process saved, as it does for a broken file: readers must not see the
 * article vanish while a writer rewrites it in place. */
START_TEST(store_empty_file_keeps_shared_good_copy)
{
    const char *dir = unit_tmpdir(), *root = unit_tmpdir();
    bantin_store *seen_it = NULL, *late = NULL;
    const bantin_snapshot *snap;
    const bantin_article *a;
    apr_time_t now = apr_time_now();

    seen_it = open_store_in(dir, root);
    late = open_store_in(dir, root);
    unit_write_str(path_in(dir, "a.xml"), article("A1", "2024-01-04"));
    bantin_store_rescan(seen_it); /* parses it, saves the good copy */
    unit_write_str(path_in(dir, "a.xml"), "");
    bantin_store_rescan(late);
    snap = bantin_store_acquire(late);
    a = bantin_snapshot_get(snap, "a", now);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->title, "A1");
    bantin_store_release(late, snap);
}
END_TEST

/* The good copies were written by a child, as the server's User, who may
 * put anything in its folder: another user's file, a hard link, a link
 * to a folder of root's in place of the folder itself.  None of them
 * reaches a page; the folder the store opened is the one it keeps. */
START_TEST(store_shared_good_copy_is_hostile_input)
{
    static const char *const tricks[] = {"foreign", "hard link",
                                         "folder swapped"};
    int i;

    for (i = 0; i < (int)UNIT_N(tricks); i++) {
        const char *dir = unit_tmpdir(), *root = unit_tmpdir();
        const char *outside = unit_tmpdir(), *hash, *copy, *secret;
        bantin_store *seen_it = NULL, *late = NULL;
        const bantin_snapshot *snap;
        const bantin_article *a;
        apr_dir_t *d;
        apr_finfo_t fi;

        seen_it = open_store_in(dir, root);
        late = open_store_in(dir, root);
        unit_write_str(path_in(dir, "a.xml"), article("A1", "2024-01-04"));
        bantin_store_rescan(seen_it); /* saves the good copy */
        hash = NULL;
        ck_assert_int_eq(apr_dir_open(&d, root, unit_pool), APR_SUCCESS);
        while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
               == APR_SUCCESS) {
            if (fi.filetype == APR_DIR && fi.name[0] != '.') {
                hash = path_in(root, fi.name);
            }
        }
        apr_dir_close(d);
        ck_assert_ptr_nonnull(hash);
        copy = path_in(hash, "a.xml");
        secret = path_in(outside, "a.xml");
        unit_write_str(secret, article("Bí mật", "2024-01-04"));
        if (!strcmp(tricks[i], "foreign")) {
            unit_write_str(copy, article("Bí mật", "2024-01-04"));
            ck_assert_int_eq(chown(copy, 65534, 65534), 0);
        }
        else if (!strcmp(tricks[i], "hard link")) {
            ck_assert_int_eq(unlink(copy), 0);
            ck_assert_int_eq(link(secret, copy), 0);
        }
        else {
            ck_assert_int_eq(rename(hash, path_in(root, "moved")), 0);
            ck_assert_int_eq(symlink(outside, hash), 0);
        }
        unit_write_str(path_in(dir, "a.xml"), "");
        bantin_store_rescan(late);
        snap = bantin_store_acquire(late);
        a = bantin_snapshot_get(snap, "a", apr_time_now());
        ck_assert_msg(!a || strcmp(a->title, "Bí mật"), "%s", tricks[i]);
        if (!strcmp(tricks[i], "folder swapped")) {
            /* the folder it opened, moved: its good copy still serves */
            ck_assert_ptr_nonnull(a);
            ck_assert_str_eq(a->title, "A1");
        }
        bantin_store_release(late, snap);
    }
}
END_TEST

#ifdef __linux__
/* What a forked child of the store's process sees after child_init: 0
 * when `slug` has `title` and the catch-up took the path it should
 * (`quick`: without a walk), else a code saying what was wrong.  `go`
 * (or -1): a pipe to wait on before catching up. */
static int child_sees(bantin_store *st, const char *slug, const char *title,
                      int quick, int go)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const bantin_snapshot *snap;
        const bantin_article *a;
        char c;
        if (go >= 0 && read(go, &c, 1) != 1) {
            _exit(9);
        }
        unit_log_capture();
        bantin_store_child_init(st);
        snap = bantin_store_acquire(st);
        a = bantin_snapshot_get(snap, slug, apr_time_now());
        if (!a || strcmp(a->title, title)) {
            _exit(2);
        }
        _exit(!strstr(unit_log_text(), "without a walk") == !quick ? 0 : 3);
    }
    return pid;
}

static int wait_for(pid_t pid)
{
    int status = -1;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* A new child skips its catch-up walk only when nothing can have changed
 * since the parent last looked: not when changes wait in the parent's
 * inotify queue, nor when the parent read that queue after the fork. */
START_TEST(store_child_catches_up_after_fork)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    int go[2];
    pid_t pid;

    unit_write_str(path_in(dir, "2024/a.xml"), article("A1", "2024-01-04"));
    st = open_store(dir);

    /* Nothing changed: no walk. */
    ck_assert_int_eq(wait_for(child_sees(st, "2024/a", "A1", 1, -1)), 0);

    /* Changes queued, not yet read by the parent: a walk finds them. */
    unit_write_str(path_in(dir, "2024/a.xml"), article("A2", "2024-01-04"));
    unit_write_str(path_in(dir, "2024/b.xml"), article("B", "2024-01-05"));
    ck_assert_int_eq(wait_for(child_sees(st, "2024/b", "B", 0, -1)), 0);
    ck_assert_int_eq(wait_for(child_sees(st, "2024/a", "A2", 0, -1)), 0);

    /* The parent reads its queue after the fork, before the child looks:
     * the queue is empty then, but the child must still walk. */
    bantin_store_refresh(st, apr_time_now() + apr_time_from_sec(3600));
    unit_write_str(path_in(dir, "2024/c.xml"), article("C", "2024-01-06"));
    ck_assert_int_eq(pipe(go), 0);
    pid = child_sees(st, "2024/c", "C", 0, go[0]);
    bantin_store_refresh(st, apr_time_now() + apr_time_from_sec(7200));
    ck_assert_int_eq(write(go[1], "x", 1), 1);
    ck_assert_int_eq(wait_for(pid), 0);
    close(go[0]);
    close(go[1]);

    /* Quiet again after that: no walk. */
    ck_assert_int_eq(wait_for(child_sees(st, "2024/c", "C", 1, -1)), 0);
}
END_TEST
#endif

/* In a child, bantin_store_refresh picks changes up through inotify (or
 * a walk where inotify is missing) once the interval has passed. */
/* A first index that cannot be built (out of memory) leaves no store
 * without a snapshot, which the first request would dereference: create
 * fails, with one BT0105 line naming the dir. */
START_TEST(store_first_publish_fails)
{
    const char *dir = unit_tmpdir();
    const bantin_schema *schema = unit_schema();
    bantin_store *st = NULL;
    apr_status_t rv;

    unit_write_str(path_in(dir, "a.xml"), article("A", "2024-01-04"));
    unit_log_capture();
    unit_fail_allocs(1); /* no ck_assert until it is off: Check allocates */
    rv = bantin_store_create(&st, unit_pool, dir, schema, 420,
                             apr_time_from_sec(1), NULL);
    unit_fail_allocs(0);
    ck_assert_int_eq(rv, APR_ENOMEM);
    ck_assert_ptr_null(st);
    ck_assert_msg(strstr(unit_log_text(), "BT0105 ")
                  && strstr(unit_log_text(), "first index; not served")
                  && strstr(unit_log_text(), dir), "log: %s", unit_log_text());
    /* the same dir loads once memory is back */
    ck_assert_int_eq(bantin_store_create(&st, unit_pool, dir, unit_schema(),
                                         420, apr_time_from_sec(1), NULL),
                     APR_SUCCESS);
    ck_assert_uint_eq(bantin_store_acquire(st)->count, 1);
}
END_TEST

/* Requests refresh from several threads while another rescans: every
 * one reads next_check without a lock.  Under ThreadSanitizer
 * (make BUILD=build/tsan EXTRA_CFLAGS=-fsanitize=thread
 * EXTRA_LDFLAGS=-fsanitize=thread build/tsan/unit-tests) a plain read of
 * it was a data race. */
typedef struct {
    bantin_store *st;
    int rounds;
} refresher_arg;

static void *APR_THREAD_FUNC refresher(apr_thread_t *t, void *data)
{
    refresher_arg *arg = data;
    int i;

    (void)t;
    for (i = 0; i < arg->rounds; i++) {
        const bantin_snapshot *snap;
        bantin_store_refresh(arg->st, apr_time_now());
        snap = bantin_store_acquire(arg->st);
        bantin_store_release(arg->st, snap);
        (void)bantin_store_last_check(arg->st);
    }
    return NULL;
}

START_TEST(store_refresh_from_threads)
{
    const char *dir = unit_tmpdir();
    apr_thread_t *threads[4];
    refresher_arg arg;
    const bantin_snapshot *snap;
    apr_status_t trv;
    int i;

    unit_write_str(path_in(dir, "a.xml"), article("A", "2024-01-04"));
    ck_assert_int_eq(bantin_store_create(&arg.st, unit_pool, dir,
                                         unit_schema(), 420,
                                         apr_time_from_msec(1), NULL),
                     APR_SUCCESS);
    arg.rounds = 2000;
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(apr_thread_create(&threads[i], NULL, refresher, &arg,
                                           unit_pool), APR_SUCCESS);
    }
    for (i = 0; i < 20; i++) {
        unit_write_str(path_in(dir, apr_psprintf(unit_pool, "b%d.xml", i)),
                       article("B", "2024-01-05"));
        bantin_store_rescan(arg.st);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&trv, threads[i]);
    }
    bantin_store_rescan(arg.st);
    snap = bantin_store_acquire(arg.st);
    ck_assert_uint_eq(snap->count, 21);
    bantin_store_release(arg.st, snap);
}
END_TEST

START_TEST(store_refresh_after_interval)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    const bantin_snapshot *snap;
    apr_time_t now;

    unit_write_str(path_in(dir, "a.xml"), article("A", "2024-01-04"));
    st = open_store(dir);
    bantin_store_child_init(st);

    unit_write_str(path_in(dir, "b.xml"), article("B", "2024-01-05"));
    unit_write_str(path_in(dir, "sub/c.xml"), article("C", "2024-01-06"));
    now = bantin_store_last_check(st);
    /* Before the interval: nothing is looked at. */
    bantin_store_refresh(st, now + apr_time_from_msec(10));
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 1);
    bantin_store_release(st, snap);

    now += apr_time_from_sec(2);
    bantin_store_refresh(st, now);
    snap = bantin_store_acquire(st);
    ck_assert_msg(snap->count == 3, "count %lu (watching: %d)",
                  (unsigned long)snap->count, bantin_store_watching(st));
    ck_assert_ptr_nonnull(bantin_snapshot_get(snap, "sub/c", now));
    bantin_store_release(st, snap);
    ck_assert_int_eq(bantin_store_last_check(st), now);

    /* A deletion too. */
    ck_assert_int_eq(apr_file_remove(path_in(dir, "b.xml"), unit_pool),
                     APR_SUCCESS);
    now += apr_time_from_sec(2);
    bantin_store_refresh(st, now);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 2);
    ck_assert_ptr_null(bantin_snapshot_get(snap, "b", now));
    bantin_store_release(st, snap);
}
END_TEST

/* Enough files for the initial load to parse on several threads: every
 * outcome is recorded, in the same order as a single-threaded load. */
START_TEST(store_parallel_initial_load)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    const bantin_snapshot *snap;
    apr_time_t now = apr_time_now();
    const bantin_article *out[300];
    apr_size_t total = 0, n, i;
    int k;

    for (k = 0; k < 240; k++) {
        const char *rel = apr_psprintf(unit_pool, "%d/a-%03d.xml", k % 7, k);
        if (k % 40 == 39) {
            unit_write_str(path_in(dir, rel), "<article><title>broken");
        }
        else {
            /* Dates repeat, so the slug decides often. */
            unit_write_str(path_in(dir, rel),
                           article(apr_psprintf(unit_pool, "T%d", k),
                                   apr_psprintf(unit_pool, "2024-01-%02d",
                                                1 + k % 28)));
        }
    }
    unit_write_str(path_in(dir, "Bad.xml"), article("B", "2024-01-01"));

    unit_log_capture();
    st = open_store(dir);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 234);
    ck_assert_uint_eq(snap->nrejected, 7);
    ck_assert_int_eq(unit_count(unit_log_text(), "BT0101 "), 6);
    ck_assert_int_eq(unit_count(unit_log_text(), "BT0102 "), 1);
    ck_assert_ptr_nonnull(strstr(unit_log_text(),
                                 "234 articles loaded, 7 files rejected"));
    for (i = 1; i < snap->count; i++) {
        ck_assert_int_lt(bantin_article_cmp(snap->by_date[i - 1],
                                            snap->by_date[i]), 0);
        ck_assert_int_lt(strcmp(snap->by_slug[i - 1]->slug,
                                snap->by_slug[i]->slug), 0);
    }
    for (k = 0; k < 240; k++) {
        const char *slug = apr_psprintf(unit_pool, "%d/a-%03d", k % 7, k);
        const bantin_article *a = bantin_snapshot_get(snap, slug, now);
        if (k % 40 == 39) {
            ck_assert_msg(a == NULL, "%s served", slug);
        }
        else {
            ck_assert_msg(a && !strcmp(a->title,
                                       apr_psprintf(unit_pool, "T%d", k)),
                          "%s missing", slug);
        }
    }
    n = bantin_snapshot_list(snap, now, 0, UNIT_N(out), out, &total);
    ck_assert_uint_eq(total, 234);
    ck_assert_uint_eq(n, 234);
    bantin_store_release(st, snap);

    /* A rescan afterwards finds nothing new to do. */
    bantin_store_rescan(st);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 234);
    ck_assert_uint_eq(snap->nrejected, 7);
    bantin_store_release(st, snap);
}
END_TEST

/* Trees deeper than the store reads: said so, the rest still loads. */
START_TEST(store_depth_limit)
{
    const char *dir = unit_tmpdir();
    const char *deep = "";
    bantin_store *st;
    const bantin_snapshot *snap;
    apr_time_t now = apr_time_now();
    int i;

    for (i = 0; i < 40; i++) {
        deep = apr_pstrcat(unit_pool, deep, i ? "/" : "", "d", NULL);
        if (i == 9 || i == 39) {
            unit_write_str(path_in(dir, apr_pstrcat(unit_pool, deep,
                                                    "/x.xml", NULL)),
                           article(i == 9 ? "Shallow" : "Deep",
                                   "2024-01-04"));
        }
    }
    unit_log_capture();
    st = open_store(dir);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 1);
    ck_assert_str_eq(snap->by_date[0]->title, "Shallow");
    ck_assert_ptr_nonnull(bantin_snapshot_get(
        snap, "d/d/d/d/d/d/d/d/d/d/x", now));
    ck_assert_int_eq(unit_count(unit_log_text(), "BT0104 "), 1);
    bantin_store_release(st, snap);
}
END_TEST

/* Editors save to a temporary name and rename it over the article. */
START_TEST(store_refresh_sees_rename)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;
    const bantin_snapshot *snap;
    apr_time_t now;

    unit_write_str(path_in(dir, "a.xml"), article("A1", "2024-01-04"));
    st = open_store(dir);
    bantin_store_child_init(st);
    now = bantin_store_last_check(st);

    unit_write_str(path_in(dir, ".a.xml.swp"), article("A2", "2024-01-04"));
    unit_write_str(path_in(dir, "b.xml~"), article("B", "2024-01-04"));
    ck_assert_int_eq(apr_file_rename(path_in(dir, ".a.xml.swp"),
                                     path_in(dir, "a.xml"), unit_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_file_rename(path_in(dir, "b.xml~"),
                                     path_in(dir, "b.xml"), unit_pool),
                     APR_SUCCESS);
    now += apr_time_from_sec(2);
    bantin_store_refresh(st, now);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 2);
    ck_assert_str_eq(bantin_snapshot_get(snap, "a", now)->title, "A2");
    ck_assert_ptr_nonnull(bantin_snapshot_get(snap, "b", now));
    bantin_store_release(st, snap);

    /* Renamed away: gone. */
    ck_assert_int_eq(apr_file_rename(path_in(dir, "b.xml"),
                                     path_in(dir, "b.xml.old"), unit_pool),
                     APR_SUCCESS);
    now += apr_time_from_sec(2);
    bantin_store_refresh(st, now);
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 1);
    ck_assert_ptr_null(bantin_snapshot_get(snap, "b", now));
    bantin_store_release(st, snap);
}
END_TEST

/* The same date and time in two zones is one instant: slug decides. */
START_TEST(cmp_same_instant)
{
    bantin_article x, y;

    memset(&x, 0, sizeof(x));
    memset(&y, 0, sizeof(y));
    ck_assert_ptr_null(bantin_date_parse(&x.date, "2024-01-04T08:00+07:00",
                                         420));
    ck_assert_ptr_null(bantin_date_parse(&y.date, "2024-01-04T01:00Z", 420));
    x.slug = "b";
    y.slug = "a";
    ck_assert_int_gt(bantin_article_cmp(&x, &y), 0);
    ck_assert_int_lt(bantin_article_cmp(&y, &x), 0);
    ck_assert_int_eq(bantin_article_cmp(&x, &x), 0);
    /* Newer first. */
    ck_assert_ptr_null(bantin_date_parse(&y.date, "2024-01-04T01:01Z", 420));
    ck_assert_int_gt(bantin_article_cmp(&x, &y), 0);
}
END_TEST

static const struct {
    const char *rel;
    const char *slug; /* NULL: refused */
} slug_cases[] = {
    {"x.xml", "x"},
    {"2024/x.xml", "2024/x"},
    {"2024/giup-do-xa-kho-khan.xml", "2024/giup-do-xa-kho-khan"},
    {"a/b/c-1.xml", "a/b/c-1"},
    {".xml", NULL},
    {"xml", NULL},
    {"x.XML", NULL},
    {"x.xml.bak", NULL},
    {"x.txt", NULL},
    {"x", NULL},
    {"", NULL},
    {"X.xml", NULL},
    {"Bad Name.xml", NULL},
    {"under_score.xml", NULL},
    {"a.b.xml", NULL},
    {"a.xml.xml", NULL},
    {"2024/.xml", NULL},
    {"2024//x.xml", NULL},
    {"/x.xml", NULL},
    {"../x.xml", NULL},
    {"2024/../x.xml", NULL},
    {"Bad Dir/x.xml", NULL},
    {"tiếng-việt.xml", NULL},
};

START_TEST(slug_from_path_table)
{
    apr_size_t i;
    for (i = 0; i < UNIT_N(slug_cases); i++) {
        const char *got = bantin_slug_from_path(unit_pool, slug_cases[i].rel);
        if (slug_cases[i].slug) {
            ck_assert_msg(got && !strcmp(got, slug_cases[i].slug),
                          "case %u: \"%s\" -> \"%s\", want \"%s\"",
                          (unsigned)i, slug_cases[i].rel,
                          got ? got : "(null)", slug_cases[i].slug);
        }
        else {
            ck_assert_msg(got == NULL, "case %u: \"%s\" -> \"%s\"",
                          (unsigned)i, slug_cases[i].rel, got);
        }
    }
}
END_TEST

#ifdef __linux__
static apr_size_t published(bantin_store *st)
{
    const bantin_snapshot *snap = bantin_store_acquire(st);
    apr_size_t n = snap->count;

    bantin_store_release(st, snap);
    return n;
}

/* Calls bantin_store_watch, as the watcher thread does, until `count`
 * articles are published or `limit` has passed; returns the count. */
static apr_size_t watch_until(bantin_store *st, apr_size_t count,
                              apr_interval_time_t limit)
{
    apr_time_t end = apr_time_now() + limit;

    while (published(st) != count && apr_time_now() < end) {
        bantin_store_watch(st, apr_time_from_msec(50));
    }
    return published(st);
}

/* A server's event loop reads the inotify descriptor (nginx): once handed
 * over, the store reads it no more, neither on the watcher's thread nor on
 * a request's; what bantin_store_drain queued is published by the next
 * bantin_store_watch. */
START_TEST(store_hand_over_events)
{
    const char *dir = unit_tmpdir();
    bantin_store *st;

    unit_write_str(path_in(dir, "a.xml"), article("A", "2024-01-04"));
    st = open_store(dir);
    bantin_store_child_init(st);
    ck_assert_int_ge(bantin_store_events_fd(st), 0);
    ck_assert_int_eq(bantin_store_hand_over(st), 0);

    unit_write_str(path_in(dir, "sub/b.xml"), article("B", "2024-01-05"));
    /* a check interval (1 s) and more: nobody reads the descriptor */
    ck_assert_uint_eq(watch_until(st, 2, apr_time_from_msec(1500)), 1);
    bantin_store_refresh(st, apr_time_now() + apr_time_from_sec(10));
    ck_assert_uint_eq(published(st), 1);

    bantin_store_drain(st);
    ck_assert_uint_eq(watch_until(st, 2, apr_time_from_sec(10)), 2);

    ck_assert_int_eq(apr_file_remove(path_in(dir, "a.xml"), unit_pool),
                     APR_SUCCESS);
    bantin_store_drain(st);
    ck_assert_uint_eq(watch_until(st, 1, apr_time_from_sec(10)), 1);
}
END_TEST

/* The queue keeps what was read, in order; what would not fit is an
 * overflow (the taker walks), never a wait. */
START_TEST(eventq_keeps_order_and_overflows)
{
    bantin_eventq *q = bantin_eventq_create(unit_pool);
    static char chunk[65536];
    apr_size_t len, total = 0;
    char *buf;
    int fds[2], i;

    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(bantin_eventq_wait(q, 0), 0);
    ck_assert_int_eq(write(fds[1], "abc", 3), 3);
    ck_assert_int_eq(write(fds[1], "def", 3), 3);
    bantin_eventq_drain(q, fds[0]);
    ck_assert_int_eq(bantin_eventq_wait(q, apr_time_from_sec(5)), 1);
    ck_assert_int_eq(bantin_eventq_take(q, &buf, &len), 0);
    ck_assert_uint_eq(len, 6);
    ck_assert_int_eq(memcmp(buf, "abcdef", 6), 0);
    free(buf);
    ck_assert_int_eq(bantin_eventq_wait(q, 0), 0);

    /* 2 MiB, 64 KiB at a time (a pipe's buffer), never taken */
    memset(chunk, 'x', sizeof(chunk));
    for (i = 0; i < 32; i++) {
        ck_assert_int_eq(write(fds[1], chunk, sizeof(chunk)),
                         (int)sizeof(chunk));
        bantin_eventq_drain(q, fds[0]);
        total += sizeof(chunk);
    }
    ck_assert_int_eq(bantin_eventq_take(q, &buf, &len), 1);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_lt(len, total);
    free(buf);
    ck_assert_int_eq(bantin_eventq_take(q, &buf, &len), 0);
    ck_assert_ptr_null(buf);
    close(fds[0]);
    close(fds[1]);
}
END_TEST
#endif

Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = unit_tcase("store");

    tcase_add_test(tc, store_loads_and_sorts);
    tcase_add_test(tc, store_misses);
    tcase_add_test(tc, store_rejects_and_logs);
    tcase_add_test(tc, store_empty_file_is_judged_when_settled);
    tcase_add_test(tc, store_empty_file_keeps_shared_good_copy);
    tcase_add_test(tc, store_shared_good_copy_is_hostile_input);
    tcase_add_test(tc, store_empty_and_missing_dir);
    tcase_add_test(tc, store_first_publish_fails);
    tcase_add_test(tc, store_refresh_from_threads);
    tcase_add_test(tc, store_of_shipped_content);
    tcase_add_test(tc, page_around_shows_each_article_once);
    tcase_add_test(tc, store_visibility);
    tcase_add_test(tc, snapshot_list_matches_filter);
    tcase_add_test(tc, store_rescan_changes);
    tcase_add_test(tc, store_refresh_after_interval);
#ifdef __linux__
    tcase_add_test(tc, store_child_catches_up_after_fork);
    tcase_add_test(tc, store_hand_over_events);
    tcase_add_test(tc, eventq_keeps_order_and_overflows);
#endif
    tcase_add_test(tc, store_refresh_sees_rename);
    tcase_add_test(tc, store_depth_limit);
    tcase_add_test(tc, store_parallel_initial_load);
    suite_add_tcase(s, tc);

    tc = unit_tcase("order");
    tcase_add_test(tc, cmp_same_instant);
    tcase_add_test(tc, slug_from_path_table);
    suite_add_tcase(s, tc);
    return s;
}
