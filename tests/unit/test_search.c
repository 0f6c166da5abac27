/* test_search.c -- the search index without httpd: ranking tiers, the
 * candidate cap, filters, visibility and query parsing.  (Folding has its
 * own suite; the search page is tested against a real httpd.) */
#include <stdio.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <sqlite3.h>

#include "bantin_search.h"
#include "bantin_store.h"
#include "unit.h"

static const char *article_at(const char *title, const char *date,
                              const char *category, const char *expires,
                              const char *para)
{
    return apr_pstrcat(unit_pool,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<article>\n  <title>", title, "</title>\n"
                       "  <date>", date, "</date>\n",
                       expires ? "  <expires>" : "", expires ? expires : "",
                       expires ? "</expires>\n" : "",
                       category ? "  <category>" : "",
                       category ? category : "",
                       category ? "</category>\n" : "",
                       "  <summary>Tóm tắt</summary>\n"
                       "  <body>\n    <p>", para, "</p>\n  </body>\n"
                       "</article>\n", NULL);
}

/* An article with every field a reader sees. */
static const char *article_full(const char *title, const char *date,
                                const char *lead, const char *caption,
                                const char *para, const char *author,
                                const char *category)
{
    return apr_pstrcat(unit_pool,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<article>\n  <title>", title, "</title>\n"
                       "  <date>", date, "</date>\n"
                       "  <category>", category, "</category>\n"
                       "  <summary>", lead, "</summary>\n"
                       "  <body>\n    <figure><caption>", caption,
                       "</caption></figure>\n    <p>", para, "</p>\n"
                       "  </body>\n  <author>", author, "</author>\n"
                       "</article>\n", NULL);
}

static void put_article(const char *dir, const char *slug, const char *xml)
{
    unit_write_str(apr_pstrcat(unit_pool, dir, "/", slug, ".xml", NULL), xml);
}

/* A store over dir. */
static bantin_store *store_of(const char *dir)
{
    bantin_store *store;

    ck_assert_int_eq(bantin_store_create(&store, unit_pool, dir, unit_schema(),
                                         7 * 60, apr_time_from_sec(1), NULL),
                     APR_SUCCESS);
    return store;
}

/* The index at path, checked as the parent does and opened in pool p. */
static bantin_search *open_index(const char *path, apr_pool_t *p)
{
    const char *err = NULL;
    bantin_search *s;

    ck_assert_int_eq(bantin_search_prepare(unit_pool, path, &err),
                     APR_SUCCESS);
    s = bantin_search_open(p, path, &err);
    ck_assert_msg(s != NULL, "%s", err);
    return s;
}

static const char *index_path(void)
{
    return apr_pstrcat(unit_pool, unit_tmpdir(), "/s.sqlite", NULL);
}

/* A store over dir and an index of it, in sync. */
static bantin_search *index_of(const char *dir, bantin_store **store)
{
    bantin_search *s = open_index(index_path(), unit_pool);

    *store = store_of(dir);
    bantin_search_sync(s, *store);
    return s;
}

typedef struct {
    apr_array_header_t *slugs;
    apr_size_t total, more;
    apr_status_t rv;
} result;

static result search_for(bantin_search *s, const char *text,
                         const char *category, apr_time_t from, apr_time_t to,
                         apr_time_t now)
{
    bantin_query q = {text, category, from, to, now, NULL, NULL};
    result r;

    r.slugs = apr_array_make(unit_pool, 16, sizeof(char *));
    r.rv = bantin_search_query(s, unit_pool, &q, 0, 1000, r.slugs, &r.total,
                               &r.more);
    return r;
}

static result search(bantin_search *s, const char *text)
{
    return search_for(s, text, NULL, 0, 0, 0);
}

static int position(const result *r, const char *slug)
{
    int i;
    for (i = 0; i < r->slugs->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(r->slugs, i, const char *), slug)) {
            return i;
        }
    }
    return -1;
}

static const char *listing(const result *r)
{
    return apr_array_pstrcat(unit_pool, r->slugs, ' ');
}

/* Title matches rank above body matches, exact diacritics above folded,
 * whatever BM25 says within a tier. */
START_TEST(search_tiers)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    result r;

    /* the body says "bàn" five times: BM25 alone would put it first */
    put_article(dir, "body-ban", article_at("Tin làng", "2024-03-01", NULL,
                                            NULL, "bàn bàn bàn bàn bàn."));
    put_article(dir, "title-ban", article_at("Bàn ghế mới", "2024-02-01",
                                             NULL, NULL, "Một tin dài hơn, "
                                             "về đồ gỗ của làng nghề."));
    put_article(dir, "title-ban-exact", article_at("Bán hàng", "2024-01-01",
                                                   NULL, NULL, "Chợ quê."));
    s = index_of(dir, &store);

    r = search(s, "ban");
    ck_assert_int_eq(r.rv, APR_SUCCESS);
    ck_assert_uint_eq(r.total, 3);
    ck_assert_uint_eq(r.more, 0);
    ck_assert_msg(position(&r, "body-ban") == 2, "%s", listing(&r));

    r = search(s, "bán");
    ck_assert_msg(position(&r, "title-ban-exact") == 0
                  && position(&r, "title-ban") == 1
                  && position(&r, "body-ban") == 2, "%s", listing(&r));

    r = search(s, "bàn");
    /* exact in the title, exact in the body, then the folded match */
    ck_assert_msg(position(&r, "title-ban") == 0
                  && position(&r, "body-ban") == 1
                  && position(&r, "title-ban-exact") == 2, "%s", listing(&r));
}
END_TEST

/* Past the candidates, only the newest matches are ranked, plus the
 * titles that match further back; *more says so. */
START_TEST(search_candidate_cap)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    result r;
    int i;

    for (i = 1; i <= 20; i++) {
        put_article(dir, apr_psprintf(unit_pool, "lua-%02d", i),
                    article_at("Tin nông nghiệp",
                               apr_psprintf(unit_pool, "2024-01-%02d", i),
                               NULL, NULL, "Vụ lúa năm nay được mùa."));
    }
    put_article(dir, "old-title", article_at("Lúa xuân", "2023-06-01", NULL,
                                             NULL, "Bài cũ."));
    s = index_of(dir, &store);

    r = search(s, "lua");
    ck_assert_uint_eq(r.total, 21);
    ck_assert_uint_eq(r.more, 0);

    bantin_search_set_candidates(s, 5);
    r = search(s, "lua");
    ck_assert_uint_eq(r.more, 5);
    /* the old title match, then the five newest body matches */
    ck_assert_uint_eq(r.total, 6);
    ck_assert_msg(position(&r, "old-title") == 0, "%s", listing(&r));
    for (i = 16; i <= 20; i++) {
        ck_assert_msg(position(&r, apr_psprintf(unit_pool, "lua-%02d", i)) > 0,
                      "%d: %s", i, listing(&r));
    }
    /* a date range reaches older ones, and is exact again */
    r = search_for(s, "lua", NULL, apr_time_from_sec(1704042000), /* 1 Jan */
                   apr_time_from_sec(1704042000 + 3 * 86400), 0);
    ck_assert_uint_eq(r.more, 0);
    ck_assert_msg(r.total == 3 && position(&r, "lua-01") >= 0
                  && position(&r, "lua-03") >= 0, "%s", listing(&r));
    /* the default again */
    bantin_search_set_candidates(s, 0);
    ck_assert_uint_eq(search(s, "lua").total, 21);
}
END_TEST

/* Not yet published, expired, other categories: left out. */
START_TEST(search_filters_and_visibility)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    result r;
    apr_time_t now = apr_time_from_sec(1717200000); /* 2024-06-01 */

    put_article(dir, "past", article_at("Cà phê", "2024-01-01", "Kinh tế",
                                        NULL, "Giá cà phê."));
    put_article(dir, "future", article_at("Cà phê", "2030-01-01", "Kinh tế",
                                          NULL, "Giá cà phê."));
    put_article(dir, "expired", article_at("Cà phê", "2024-01-01", "Kinh tế",
                                           "2024-02-01", "Giá cà phê."));
    put_article(dir, "other-cat", article_at("Cà phê", "2024-01-02", "Y tế",
                                             NULL, "Cà phê và sức khỏe."));
    s = index_of(dir, &store);

    ck_assert_uint_eq(search(s, "ca phe").total, 4);
    r = search_for(s, "ca phe", NULL, 0, 0, now);
    ck_assert_msg(r.total == 2 && position(&r, "past") >= 0
                  && position(&r, "other-cat") >= 0, "%s", listing(&r));
    r = search_for(s, "ca phe", "kinh-te", 0, 0, now);
    ck_assert_msg(r.total == 1 && position(&r, "past") == 0, "%s",
                  listing(&r));
    r = search_for(s, "ca phe", "y-te", 0, 0, now);
    ck_assert_msg(r.total == 1 && position(&r, "other-cat") == 0, "%s",
                  listing(&r));
    r = search_for(s, "ca phe", "khong-co", 0, 0, now);
    ck_assert_uint_eq(r.total, 0);
}
END_TEST

/* Prefixes while typing, one-letter last words, phrases, FTS syntax and
 * too many words. */
START_TEST(search_query_parsing)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    result r;
    char many[400] = "";
    int i;

    put_article(dir, "giup-do", article_at("Giúp đỡ xã khó khăn",
                                           "2024-01-04", NULL, NULL,
                                           "Các xã được giúp đỡ."));
    put_article(dir, "do-dac", article_at("Đo đạc đất đai", "2024-01-05",
                                          NULL, NULL, "Đo lại ranh giới."));
    s = index_of(dir, &store);

    /* the last word as a prefix, from two letters */
    ck_assert_uint_eq(search(s, "giup d").total, 1);  /* "d" left out */
    ck_assert_uint_eq(search(s, "kho kh").total, 1);
    ck_assert_uint_eq(search(s, "giu").total, 1);
    ck_assert_uint_eq(search(s, "d").total, 0);       /* alone: a word */
    ck_assert_uint_eq(search(s, "do").total, 2);
    /* a phrase is not a prefix; its words in order */
    ck_assert_uint_eq(search(s, "\"giup do\"").total, 1);
    ck_assert_uint_eq(search(s, "\"do giup\"").total, 0);
    ck_assert_uint_eq(search(s, "\"giu\"").total, 0);
    /* nothing to search for */
    ck_assert_int_eq(search(s, " \"\" ; -- ").rv, APR_EINVAL);
    /* FTS and SQL syntax are words or nothing */
    r = search(s, "giup OR do NEAR(x) * ^ \"; DROP TABLE docs; --");
    ck_assert_int_eq(r.rv, APR_SUCCESS);
    ck_assert_uint_eq(search(s, "giup").total, 1);
    /* words past MAX_TERMS are ignored, not an error */
    for (i = 0; i < 40; i++) {
        strcat(many, "giup ");
    }
    strcat(many, "khongcotu");
    r = search(s, many);
    ck_assert_int_eq(r.rv, APR_SUCCESS);
    ck_assert_uint_eq(r.total, 1);
}
END_TEST

/* A last word typed with diacritics is a whole word (exact ones first);
 * typed without them, a folded prefix. */
START_TEST(search_last_word_with_diacritics)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    result r;

    put_article(dir, "thon", article_at("Nông thôn mới", "2024-01-01", NULL,
                                        NULL, "Bộ mặt nông thôn."));
    put_article(dir, "thong", article_at("Rừng thông", "2024-01-02", NULL,
                                         NULL, "Phổ thông, nông nghiệp."));
    put_article(dir, "thong-s", article_at("Nghề truyền thống", "2024-01-03",
                                           NULL, NULL, "Làng nông."));
    s = index_of(dir, &store);

    r = search(s, "Nông thôn");
    ck_assert_msg(r.total == 1 && position(&r, "thon") == 0, "%s",
                  listing(&r));
    ck_assert_uint_eq(search(s, "thôn").total, 1);
    ck_assert_uint_eq(search(s, "n\xc3\xb4ng th\xc3\xb4n").total, 1); /* NFC */
    ck_assert_uint_eq(search(s, "no\xcc\x82ng tho\xcc\x82n").total, 1); /* NFD */
    /* a whole word like the others: the other marks after the exact ones */
    r = search(s, "thông");
    ck_assert_msg(r.total == 2 && position(&r, "thong") == 0
                  && position(&r, "thong-s") == 1, "%s", listing(&r));
    /* without diacritics: a prefix, folded */
    ck_assert_uint_eq(search(s, "nong th").total, 3);
    ck_assert_uint_eq(search(s, "thon").total, 3);
    ck_assert_uint_eq(search(s, "NONG THO").total, 3);
}
END_TEST

static int not_hidden(void *baton, const char *slug)
{
    return strcmp(slug, (const char *)baton) != 0;
}

/* The count and the pages are of what q->visible keeps: the store's word
 * on what a reader may see, where the index may lag behind it. */
START_TEST(search_counts_only_visible)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    bantin_query q = {"ca phe", NULL, 0, 0, 0, not_hidden, (void *)"b"};
    apr_array_header_t *page = apr_array_make(unit_pool, 4, sizeof(char *));
    apr_size_t total, more;

    put_article(dir, "a", article_at("Cà phê", "2024-01-01", NULL, NULL,
                                     "Giá cà phê."));
    put_article(dir, "b", article_at("Cà phê", "2024-01-02", NULL, NULL,
                                     "Giá cà phê."));
    put_article(dir, "c", article_at("Cà phê", "2024-01-03", NULL, NULL,
                                     "Giá cà phê."));
    s = index_of(dir, &store);

    ck_assert_uint_eq(search(s, "ca phe").total, 3);
    ck_assert_int_eq(bantin_search_query(s, unit_pool, &q, 0, 1, page, &total,
                                         &more), APR_SUCCESS);
    ck_assert_uint_eq(total, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(page, 0, const char *), "c");
    /* the second page is the last visible one, not the hidden one */
    page->nelts = 0;
    ck_assert_int_eq(bantin_search_query(s, unit_pool, &q, 1, 1, page, &total,
                                         &more), APR_SUCCESS);
    ck_assert_int_eq(page->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(page, 0, const char *), "a");
}
END_TEST

/* The index follows changes: queued slugs are written as the store has
 * them when the work is done (added, replaced, removed). */
START_TEST(search_queue_and_work)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    const bantin_snapshot *snap;
    const bantin_article *a;
    const char *gone[] = {"moi"};

    put_article(dir, "cu", article_at("Tin cũ", "2024-01-04", NULL, NULL,
                                      "Nội dung."));
    s = index_of(dir, &store);
    ck_assert_uint_eq(search(s, "tin").total, 1);
    ck_assert_uint_eq(bantin_search_work(s, store, 0), 0); /* nothing */

    put_article(dir, "moi", article_at("Tin mới", "2024-01-05", NULL, NULL,
                                       "Chim cánh cụt."));
    bantin_store_rescan(store);
    snap = bantin_store_acquire(store);
    a = bantin_snapshot_get(snap, "moi", apr_time_now());
    ck_assert_ptr_nonnull(a);
    bantin_search_queue(s, &a, 1, NULL, 0);
    bantin_store_release(store, snap);
    ck_assert_uint_eq(search(s, "canh cut").total, 0); /* only queued */
    ck_assert_uint_eq(bantin_search_work(s, store, 0), 1);
    ck_assert_uint_eq(search(s, "tin").total, 2);
    ck_assert_uint_eq(search(s, "canh cut").total, 1);

    /* replaced: the queued slug is written as the store has it by now */
    put_article(dir, "moi", article_at("Tin mới", "2024-01-05", NULL, NULL,
                                       "Hải âu."));
    bantin_store_rescan(store);
    bantin_search_queue(s, NULL, 0, gone, 1);
    ck_assert_uint_eq(bantin_search_work(s, store, 0), 1);
    ck_assert_uint_eq(search(s, "canh cut").total, 0);
    ck_assert_uint_eq(search(s, "hai au").total, 1);

    /* removed */
    ck_assert_int_eq(apr_file_remove(apr_pstrcat(unit_pool, dir, "/moi.xml",
                                                 NULL), unit_pool),
                     APR_SUCCESS);
    bantin_store_rescan(store);
    bantin_search_queue(s, NULL, 0, gone, 1);
    /* a waiting worker is woken by what is queued, not by its timeout */
    ck_assert_uint_eq(bantin_search_work(s, store, apr_time_from_sec(30)), 1);
    ck_assert_uint_eq(search(s, "tin").total, 1);
    ck_assert_uint_eq(search(s, "hai au").total, 0);
}
END_TEST

/* Another process's writer holds the index past SQLite's busy timeout
 * (5 s): the queued change is kept, the failure said once (BT0304), and
 * the change is written when the worker runs again after the lock is
 * gone. */
START_TEST(search_write_kept_while_locked)
{
    const char *dir = unit_tmpdir(), *path = index_path();
    bantin_store *store;
    bantin_search *s;
    const bantin_snapshot *snap;
    const bantin_article *a;
    sqlite3 *other;

    put_article(dir, "cu", article_at("Tin cũ", "2024-01-04", NULL, NULL,
                                      "Nội dung."));
    s = open_index(path, unit_pool);
    store = store_of(dir);
    bantin_search_sync(s, store);
    put_article(dir, "moi", article_at("Tin mới", "2024-01-05", NULL, NULL,
                                       "Chim cánh cụt."));
    bantin_store_rescan(store);
    snap = bantin_store_acquire(store);
    a = bantin_snapshot_get(snap, "moi", apr_time_now());
    ck_assert_ptr_nonnull(a);
    bantin_search_queue(s, &a, 1, NULL, 0);
    bantin_store_release(store, snap);

    ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    unit_log_capture();
    ck_assert_uint_eq(bantin_search_work(s, store, 0), 0);
    ck_assert_msg(strstr(unit_log_text(), "BT0304 ")
                  && strstr(unit_log_text(), "(BEGIN: database is locked)"),
                  "log: %s", unit_log_text());
    ck_assert_uint_eq(search(s, "canh cut").total, 0);
    ck_assert_int_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(other);
    ck_assert_uint_eq(bantin_search_work(s, store, 0), 1);
    ck_assert_uint_eq(search(s, "canh cut").total, 1);
    ck_assert_int_eq(unit_count(unit_log_text(), "BT0304"), 1);
}
END_TEST

/* A process on its way out: the sync stops at its next batch, the
 * worker stops waiting. */
START_TEST(search_stop)
{
    const char *dir = unit_tmpdir(), *path = index_path();
    bantin_store *store;
    bantin_search *s;
    int i;

    for (i = 0; i < 2500; i++) {
        put_article(dir, apr_psprintf(unit_pool, "a%04d", i),
                    article_at("Tin", "2024-01-04", NULL, NULL, "Lúa."));
    }
    store = store_of(dir);
    s = open_index(path, unit_pool);
    ck_assert(!bantin_search_stopped(s));
    bantin_search_stop(s);
    ck_assert(bantin_search_stopped(s));
    /* stopped before its first batch: nothing written, nothing lost */
    ck_assert_uint_eq(bantin_search_sync(s, store), 0);
    /* and a worker told to wait 5 minutes does not: the TCase's timeout
     * would end the test first */
    ck_assert_uint_eq(bantin_search_work(s, store, apr_time_from_sec(300)),
                      0);
    /* the next process goes on from there */
    s = open_index(path, unit_pool);
    ck_assert_uint_eq(bantin_search_sync(s, store), 2500);
    ck_assert_uint_eq(search(s, "lua").total, 1000); /* the newest 1,000 */
    ck_assert_uint_eq(search(s, "lua").more, 1000);
}
END_TEST

/* Runs sql on the file at path; 1 when its first row's first column is
 * `want` (NULL: when there is a row). */
#define AHEAD_TEST 150 /* more than the index's AHEAD */

/* How far the index is: incomplete until a sync went through the whole
 * store; complete at once at the next start when the store is the same;
 * learnt from another process's sync by the start's token; incomplete
 * again when the index is emptied or the store is far ahead of it. */
START_TEST(search_progress)
{
    const char *dir = unit_tmpdir(), *path = index_path();
    const bantin_snapshot *snap;
    bantin_store *store, *grown;
    bantin_search *s, *other, *next;
    apr_size_t indexed, of;
    sqlite3 *db;
    const char *gone[AHEAD_TEST];
    int i;

    for (i = 0; i < 3; i++) {
        put_article(dir, apr_psprintf(unit_pool, "p%d", i),
                    article_at("Tin", "2024-01-04", NULL, NULL, "Lúa."));
    }
    store = store_of(dir);
    snap = bantin_store_acquire(store);

    /* a first start: nothing indexed yet, in either process */
    s = open_index(path, unit_pool);
    other = open_index(path, unit_pool);
    bantin_search_track(s, store, 1);
    bantin_search_track(other, store, 1);
    ck_assert(!bantin_search_progress(s, snap, &indexed, &of));
    ck_assert_uint_eq(indexed, 0);
    ck_assert_uint_eq(of, 3);
    ck_assert(!bantin_search_refresh(other));

    /* one syncs; the other learns it from the index */
    bantin_search_sync(s, store);
    ck_assert(bantin_search_progress(s, snap, &indexed, &of));
    ck_assert_uint_eq(indexed, 3);
    ck_assert_uint_eq(of, 3);
    ck_assert(!bantin_search_progress(other, snap, &indexed, &of));
    ck_assert(bantin_search_refresh(other));
    ck_assert(bantin_search_progress(other, snap, &indexed, &of));
    ck_assert_uint_eq(indexed, 3);

    /* the next start, same store: complete before any sync */
    next = open_index(path, unit_pool);
    bantin_search_track(next, store, 2);
    ck_assert(bantin_search_progress(next, snap, &indexed, &of));

    /* a start whose store has grown while httpd was down: not complete
     * until its sync has gone through */
    put_article(dir, "p9", article_at("Tin", "2024-01-05", NULL, NULL, "Mạ."));
    grown = store_of(dir);
    next = open_index(path, unit_pool);
    bantin_search_track(next, grown, 3);
    ck_assert(!bantin_search_refresh(next));
    bantin_search_sync(next, grown);
    ck_assert(bantin_search_refresh(next));

    /* emptied (as a reset does): every process sees it at its refresh */
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM meta WHERE k != 'version'",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ck_assert(!bantin_search_refresh(next));
    bantin_search_sync(next, grown);
    ck_assert(bantin_search_refresh(next));

    /* a store far ahead of the index: building until the queue is in */
    for (i = 0; i < AHEAD_TEST; i++) {
        gone[i] = apr_psprintf(unit_pool, "x%d", i);
    }
    bantin_search_queue(next, NULL, 0, gone, AHEAD_TEST);
    ck_assert(!bantin_search_progress(next, snap, &indexed, &of));
    ck_assert_uint_eq(of, 3);
    bantin_search_work(next, grown, 0);
    ck_assert(bantin_search_progress(next, snap, &indexed, &of));
    bantin_store_release(store, snap);
}
END_TEST

static int sql_says(const char *path, const char *sql, const char *want)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int ok = 0;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
        && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW
             && (!want || (sqlite3_column_text(st, 0)
                           && !strcmp((const char *)sqlite3_column_text(st, 0),
                                      want)));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return ok;
}

/* Damaged exact-text segments (until the sync rebuilds them) cost the
 * exact-first ranking, not the search. */
START_TEST(search_damaged_exact_table_falls_back)
{
    const char *dir = unit_tmpdir(), *path = index_path();
    bantin_store *store;
    bantin_search *s;
    sqlite3 *db;
    result r;

    put_article(dir, "ban-hang", article_at("Bán hàng", "2024-01-01", NULL,
                                            NULL, "Chợ quê."));
    put_article(dir, "ban-ghe", article_at("Bàn ghế", "2024-01-02", NULL,
                                           NULL, "Đồ gỗ."));
    store = store_of(dir);
    s = open_index(path, unit_pool);
    bantin_search_sync(s, store);
    r = search(s, "bán");
    ck_assert_int_eq(position(&r, "ban-hang"), 0);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "UPDATE efts_data SET block ="
                                  " randomblob(length(block)) WHERE id > 10",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    unit_log_capture();
    r = search(s, "bán");
    ck_assert_int_eq(r.rv, APR_SUCCESS);
    ck_assert_uint_eq(r.total, 2);
    ck_assert_ptr_nonnull(strstr(unit_log_text(), "BT0303"));
}
END_TEST

/* Garbage over one page of the index that the parent's cheap check does
 * not read (found by trying them in turn): the sync's quick_check finds
 * it, empties the index in place and fills it again. */
START_TEST(search_damage_is_repaired_by_sync)
{
    const char *dir = unit_tmpdir(), *path = index_path(), *err = NULL;
    bantin_store *store;
    bantin_search *s;
    apr_pool_t *p;
    char *orig, junk[4096];
    long size, page, found = 0;
    FILE *f;
    int i;

    for (i = 0; i < 200; i++) {
        put_article(dir, apr_psprintf(unit_pool, "a%03d", i),
                    article_at(apr_psprintf(unit_pool, "Tin số %d", i),
                               "2024-01-04", NULL, NULL,
                               "Chim cánh cụt ở Nam Cực, mùa đông dài."));
    }
    store = store_of(dir);
    apr_pool_create(&p, unit_pool);
    s = open_index(path, p);
    bantin_search_sync(s, store);
    ck_assert_uint_eq(search(s, "chim").total, 200);
    apr_pool_destroy(p); /* closes it, checkpointing the WAL */

    f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    orig = apr_palloc(unit_pool, (apr_size_t)size);
    fseek(f, 0, SEEK_SET);
    ck_assert_int_eq(fread(orig, 1, (size_t)size, f), size);
    memset(junk, 0x5a, sizeof(junk));
    for (page = 2; page * 4096 < size && !found; page++) {
        fseek(f, page * 4096, SEEK_SET);
        fwrite(junk, 1, sizeof(junk), f);
        fflush(f);
        if (sql_says(path, "SELECT v FROM meta WHERE k='version'", NULL)
            && sql_says(path, "SELECT max(id) FROM docs", NULL)
            && !sql_says(path, "PRAGMA quick_check", "ok")) {
            found = page;
            break;
        }
        fseek(f, page * 4096, SEEK_SET); /* not this one: put it back */
        fwrite(orig + page * 4096, 1, 4096, f);
        fflush(f);
    }
    fclose(f);
    ck_assert_msg(found, "no page to damage in %ld bytes", size);

    unit_log_capture();
    ck_assert_int_eq(bantin_search_prepare(unit_pool, path, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(unit_log_text(), ""); /* the cheap check passes */
    s = bantin_search_open(unit_pool, path, &err);
    ck_assert_ptr_nonnull(s);
    bantin_search_sync(s, store);
    ck_assert_msg(strstr(unit_log_text(), "BT0301") != NULL
                  && strstr(unit_log_text(), "search index corrupt"),
                  "%s", unit_log_text());
    ck_assert_uint_eq(search(s, "chim").total, 200);
    ck_assert_uint_eq(search(s, "\"so 7\"").total, 1);
    ck_assert(sql_says(path, "PRAGMA quick_check", "ok"));
}
END_TEST


/* Every text a reader sees on the article page finds it: the title, the
 * lead, a caption, a paragraph, the author, the category's name. */
START_TEST(search_every_field)
{
    const char *dir = unit_tmpdir();
    static const char *const words[][2] = {
        {"Tiêu đề", "tieu de"}, {"phố cổ", "pho co"},
        {"chiếc thuyền", "chiec thuyen"}, {"đồng lúa", "dong lua"},
        {"Nguyễn Văn Khoa", "khoa"}, {"Giáo dục", "giao duc"},
    };
    bantin_store *store;
    bantin_search *s;
    result r;
    int i;

    put_article(dir, "all", article_full("Tiêu đề", "2024-03-01",
                                         "Tin phố cổ.", "Ảnh chiếc thuyền",
                                         "Mùa đồng lúa.", "Nguyễn Văn Khoa",
                                         "Giáo dục"));
    put_article(dir, "other", article_full("Khác", "2024-03-02", "Chợ.",
                                           "Ảnh", "Nội dung.", "Lê Hà",
                                           "Thể thao"));
    s = index_of(dir, &store);
    for (i = 0; i < (int)(sizeof(words) / sizeof(words[0])); i++) {
        int k;
        for (k = 0; k < 2; k++) {
            r = search(s, words[i][k]);
            ck_assert_msg(r.total == 1 && position(&r, "all") == 0,
                          "%s: %s", words[i][k], listing(&r));
        }
    }
}
END_TEST

/* The same word ranks the article with it in the title first, then the
 * one with it in the lead, then the one with it in the body, whatever the
 * dates (newest first would give the opposite order) and BM25 (the body
 * says it three times), ranked in full or past the candidates (then the
 * newest matches, and the titles and leads that match further back). */
START_TEST(search_field_tiers)
{
    const char *dir = unit_tmpdir();
    const char *const order[] = {"in-title", "in-lead", "in-body",
                                 "in-author"};
    bantin_store *store;
    bantin_search *s;
    apr_size_t cap;
    result r;
    int i;

    put_article(dir, "in-title", article_full("Hội chợ sen", "2024-01-01",
                                              "Tin làng.", "Ảnh", "Chợ.",
                                              "Lê Hà", "Văn hoá"));
    put_article(dir, "in-lead", article_full("Tin làng", "2024-02-01",
                                             "Hội chợ sen mở cửa.", "Ảnh",
                                             "Chợ.", "Lê Hà", "Văn hoá"));
    put_article(dir, "in-body", article_full("Tin xã", "2024-03-01",
                                             "Tin làng.", "Ảnh",
                                             "Sen, sen và sen.", "Lê Hà",
                                             "Văn hoá"));
    /* the body's tier: after in-body, the newer */
    put_article(dir, "in-author", article_full("Tin huyện", "2023-12-01",
                                               "Tin làng.", "Ảnh", "Chợ.",
                                               "Trần Sen", "Văn hoá"));
    s = index_of(dir, &store);
    for (cap = 0; cap <= 2; cap += 2) {
        bantin_search_set_candidates(s, cap);
        r = search(s, "sen");
        ck_assert_msg(r.total == (cap ? 3 : 4) && r.more == cap,
                      "cap %d: %s", (int)cap, listing(&r));
        for (i = 0; i < (int)r.total; i++) {
            ck_assert_msg(position(&r, order[i]) == i, "cap %d: %s",
                          (int)cap, listing(&r));
        }
        r = search(s, "hội chợ");
        ck_assert_msg(position(&r, "in-title") == 0
                      && position(&r, "in-lead") == 1, "cap %d: %s",
                      (int)cap, listing(&r));
    }
}
END_TEST

/* A new version's words replace the old version's in every field (the
 * tables keep no text: the old words are taken out with what docs kept),
 * and a removed article's words are gone. */
START_TEST(search_replaced_words_gone)
{
    const char *dir = unit_tmpdir();
    bantin_store *store;
    bantin_search *s;
    result r;

    put_article(dir, "a", article_full("Cầu gỗ", "2024-03-01",
                                       "Chuyện bến đò.", "Ảnh dòng sông",
                                       "Nước lên.", "Đỗ Minh", "Đời sống"));
    put_article(dir, "b", article_full("Khác", "2024-03-02", "Chợ.", "Ảnh",
                                       "Nội dung.", "Lê Hà", "Thể thao"));
    s = index_of(dir, &store);
    ck_assert_uint_eq(search(s, "ben do").total, 1);
    put_article(dir, "a", article_full("Cầu đá", "2024-03-01",
                                       "Chuyện bờ đê.", "Ảnh cánh đồng",
                                       "Nước rút.", "Vũ Lan", "Kinh tế"));
    bantin_store_rescan(store);
    bantin_search_sync(s, store);
    ck_assert_uint_eq(search(s, "ben do").total, 0);
    ck_assert_uint_eq(search(s, "go").total, 0);
    ck_assert_uint_eq(search(s, "dong song").total, 0);
    ck_assert_uint_eq(search(s, "minh").total, 0);
    ck_assert_uint_eq(search(s, "doi song").total, 0);
    r = search(s, "bờ đê");
    ck_assert_msg(r.total == 1 && position(&r, "a") == 0, "%s", listing(&r));
    ck_assert_uint_eq(search(s, "vu lan").total, 1);
    ck_assert_int_eq(apr_file_remove(apr_pstrcat(unit_pool, dir, "/a.xml",
                                                 NULL), unit_pool),
                     APR_SUCCESS);
    bantin_store_rescan(store);
    bantin_search_sync(s, store);
    ck_assert_uint_eq(search(s, "bo de").total, 0);
    ck_assert_uint_eq(search(s, "kinh te").total, 0);
    ck_assert_uint_eq(search(s, "le ha").total, 1);
}
END_TEST

/* The snippet comes from where the words are: the lead when it has
 * them, the body when only the body has them, the lead when the title
 * alone matched. */
START_TEST(search_article_snippet)
{
    const char *dir = unit_tmpdir();
    const bantin_snapshot *snap;
    const bantin_article *a;
    bantin_store *store = NULL;
    const char *sn;

    put_article(dir, "a", article_full("Mùa lúa chín", "2024-03-01",
                                       "Nông dân phố núi gặt sớm.",
                                       "Ảnh cánh đồng",
                                       "Gặt lúa trên ruộng bậc thang.",
                                       "Đỗ Minh", "Đời sống"));
    store = store_of(dir);
    snap = bantin_store_acquire(store);
    a = bantin_snapshot_get(snap, "a", apr_time_now());
    ck_assert_ptr_nonnull(a);
    sn = bantin_search_article_snippet(unit_pool, a, "phố núi", 30);
    ck_assert_msg(strstr(sn, "<mark>phố</mark> <mark>núi</mark>")
                  && strstr(sn, "Nông dân"), "%s", sn);
    /* "gặt" is in both: the lead, which says what the article is about */
    sn = bantin_search_article_snippet(unit_pool, a, "gat", 30);
    ck_assert_msg(strstr(sn, "<mark>gặt</mark> sớm"), "%s", sn);
    sn = bantin_search_article_snippet(unit_pool, a, "ruong bac thang", 30);
    ck_assert_msg(strstr(sn, "<mark>ruộng</mark> <mark>bậc</mark>")
                  && !strstr(sn, "Nông dân"), "%s", sn);
    sn = bantin_search_article_snippet(unit_pool, a, "canh dong", 30);
    ck_assert_msg(strstr(sn, "<mark>cánh</mark> <mark>đồng</mark>"), "%s",
                  sn);
    sn = bantin_search_article_snippet(unit_pool, a, "chín", 30);
    ck_assert_msg(!strcmp(sn, "Nông dân phố núi gặt sớm"), "%s", sn);
    bantin_store_release(store, snap);
}
END_TEST

Suite *search_suite(void)
{
    Suite *s = suite_create("search");
    TCase *tc = unit_tcase("search");

    tcase_add_test(tc, search_tiers);
    tcase_add_test(tc, search_every_field);
    tcase_add_test(tc, search_field_tiers);
    tcase_add_test(tc, search_replaced_words_gone);
    tcase_add_test(tc, search_article_snippet);
    tcase_add_test(tc, search_candidate_cap);
    tcase_add_test(tc, search_filters_and_visibility);
    tcase_add_test(tc, search_query_parsing);
    tcase_add_test(tc, search_last_word_with_diacritics);
    tcase_add_test(tc, search_counts_only_visible);
    tcase_add_test(tc, search_queue_and_work);
    tcase_add_test(tc, search_stop);
    tcase_add_test(tc, search_progress);
    tcase_add_test(tc, search_write_kept_while_locked);
    tcase_add_test(tc, search_damage_is_repaired_by_sync);
    tcase_add_test(tc, search_damaged_exact_table_falls_back);
    suite_add_tcase(s, tc);
    return s;
}
