/* bantin_search.c -- see bantin_search.h. */
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>
#include <sqlite3.h>

#include "bantin_buf.h"
#include "bantin_fold.h"
#include "bantin_log.h"
#include "bantin_search.h"

#define SCHEMA_VERSION "2" /* 2: title/body hold bantin_fold_marks() */
#define BATCH 1000

struct bantin_search {
    sqlite3 *rdb;                 /* queries, from any thread */
    sqlite3 *wdb;                 /* updates, under wlock */
    apr_thread_mutex_t *wlock;
    const char *path;
};

static const char *const schema_sql =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);"
    "CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY,"
    " slug TEXT UNIQUE NOT NULL, hash INTEGER NOT NULL,"
    " date INTEGER NOT NULL, category TEXT);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body, ftitle,"
    " fbody, tokenize='unicode61 remove_diacritics 0');"
    "INSERT OR IGNORE INTO meta VALUES('version', " SCHEMA_VERSION ");";

static int open_db(const char *path, sqlite3 **db)
{
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE
                             | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(*db, 5000);
    }
    return rc;
}

/* How many tables the file holds, -1 when it is not a database. */
static int table_count(sqlite3 *db)
{
    sqlite3_stmt *st;
    int n = -1;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int(st, 0);
        }
        sqlite3_finalize(st);
    }
    return n;
}

/* 1 when the file is a healthy index of our schema. */
static int healthy(sqlite3 *db)
{
    sqlite3_stmt *st;
    int ok = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL)
        == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW
             && !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
        sqlite3_finalize(st);
    }
    if (ok && sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k='version'",
                                 -1, &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW
             && !strcmp((const char *)sqlite3_column_text(st, 0),
                        SCHEMA_VERSION);
        sqlite3_finalize(st);
    }
    else if (ok) {
        ok = 0;
    }
    return ok;
}

static void remove_db(apr_pool_t *p, const char *path)
{
    apr_file_remove(path, p);
    apr_file_remove(apr_pstrcat(p, path, "-wal", NULL), p);
    apr_file_remove(apr_pstrcat(p, path, "-shm", NULL), p);
}

apr_status_t bantin_search_prepare(apr_pool_t *p, const char *path,
                                   const char **err)
{
    sqlite3 *db = NULL;
    int fresh = 0;

    for (;;) {
        int tables = -1;
        /* The schema is created in an empty file only: run on a file that
         * is not ours, it would stamp it with our version. */
        if (open_db(path, &db) == SQLITE_OK
            && (tables = table_count(db)) >= 0
            && (tables > 0
                || sqlite3_exec(db, schema_sql, NULL, NULL, NULL) == SQLITE_OK)
            && healthy(db)) {
            sqlite3_close(db);
            return APR_SUCCESS;
        }
        if (fresh) {
            *err = apr_pstrcat(p, path, ": ", db ? sqlite3_errmsg(db)
                                                 : "cannot open", NULL);
            sqlite3_close(db);
            return APR_EGENERAL;
        }
        bantin_log(BANTIN_LOG_WARN, "BT0301 %s: search index missing, "
                   "corrupt or outdated; rebuilding it", path);
        sqlite3_close(db);
        db = NULL;
        remove_db(p, path);
        fresh = 1;
    }
}

static apr_status_t search_cleanup(void *data)
{
    bantin_search *s = data;
    sqlite3_close(s->rdb);
    sqlite3_close(s->wdb);
    return APR_SUCCESS;
}

bantin_search *bantin_search_open(apr_pool_t *p, const char *path,
                                  const char **err)
{
    bantin_search *s = apr_pcalloc(p, sizeof(*s));

    if (open_db(path, &s->rdb) != SQLITE_OK
        || open_db(path, &s->wdb) != SQLITE_OK
        || apr_thread_mutex_create(&s->wlock, APR_THREAD_MUTEX_DEFAULT, p)
               != APR_SUCCESS) {
        *err = apr_pstrcat(p, path, ": ",
                           s->rdb ? sqlite3_errmsg(s->rdb) : "cannot open",
                           NULL);
        sqlite3_close(s->rdb);
        sqlite3_close(s->wdb);
        return NULL;
    }
    sqlite3_exec(s->wdb, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    s->path = apr_pstrdup(p, path);
    apr_pool_cleanup_register(p, s, search_cleanup, apr_pool_cleanup_null);
    return s;
}

/* ---- writing ----------------------------------------------------------- */

const char *bantin_search_text(apr_pool_t *p, const bantin_article *a)
{
    bantin_buf b;
    int i;

    bantin_buf_init(&b, p, 4096);
    for (i = 0; i < a->nblocks; i++) {
        bantin_buf_adds(&b, bantin_html_text(p, a->blocks[i].html));
        bantin_buf_adds(&b, "\n");
    }
    return bantin_buf_cstr(&b);
}

static void del_slug(sqlite3 *db, const char *slug)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "DELETE FROM fts WHERE rowid = "
                           "(SELECT id FROM docs WHERE slug = ?1)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (sqlite3_prepare_v2(db, "DELETE FROM docs WHERE slug = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
}

/* Writes one article unless the index has this version already.
 * Returns 1 when it wrote. */
static int put(sqlite3 *db, apr_pool_t *p, const bantin_article *a)
{
    sqlite3_stmt *st;
    sqlite3_int64 id = 0;
    int same = 0, wrote = 0;
    const char *body;

    if (sqlite3_prepare_v2(db, "SELECT id, hash FROM docs WHERE slug = ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        return 0;
    }
    sqlite3_bind_text(st, 1, a->slug, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        same = (apr_uint64_t)sqlite3_column_int64(st, 1) == a->hash;
    }
    sqlite3_finalize(st);
    if (same) {
        return 0;
    }
    if (id) {
        del_slug(db, a->slug);
    }
    body = bantin_search_text(p, a);
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(slug, hash, date, category)"
                           " VALUES(?1, ?2, ?3, ?4)", -1, &st, NULL)
        == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a->slug, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)a->hash);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)a->date.when);
        if (a->category_slug) {
            sqlite3_bind_text(st, 4, a->category_slug, -1, SQLITE_STATIC);
        }
        if (sqlite3_step(st) == SQLITE_DONE) {
            id = sqlite3_last_insert_rowid(db);
            wrote = 1;
        }
        sqlite3_finalize(st);
    }
    if (wrote && sqlite3_prepare_v2(db, "INSERT INTO fts(rowid, title, body,"
                                    " ftitle, fbody) VALUES(?1,?2,?3,?4,?5)",
                                    -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, bantin_fold_marks(p, a->title,
                                                   strlen(a->title)),
                          -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, bantin_fold_marks(p, body, strlen(body)), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 4, bantin_fold(p, a->title, strlen(a->title)),
                          -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, bantin_fold(p, body, strlen(body)), -1,
                          SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return wrote;
}

void bantin_search_apply(bantin_search *s,
                         const bantin_article *const *added,
                         apr_size_t nadded, const char *const *gone,
                         apr_size_t ngone)
{
    apr_pool_t *p;
    apr_size_t i;

    if (!s || apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    apr_thread_mutex_lock(s->wlock);
    sqlite3_exec(s->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (i = 0; i < ngone; i++) {
        /* A replaced article is rewritten by put() below, and only when
         * the index does not have that version yet: processes applying
         * the same change after one another then write nothing. */
        apr_size_t k;
        for (k = 0; k < nadded && strcmp(added[k]->slug, gone[i]); k++) {
        }
        if (k == nadded) {
            del_slug(s->wdb, gone[i]);
        }
    }
    for (i = 0; i < nadded; i++) {
        put(s->wdb, p, added[i]);
        apr_pool_clear(p);
    }
    sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL);
    apr_thread_mutex_unlock(s->wlock);
    apr_pool_destroy(p);
}

apr_size_t bantin_search_sync(bantin_search *s, bantin_store *store)
{
    const bantin_snapshot *snap;
    apr_pool_t *p;
    apr_size_t i, wrote = 0;
    sqlite3_stmt *st;

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return 0;
    }
    /* Damage inside FTS5's own tables passes the parent's PRAGMA
     * quick_check; FTS5's integrity-check reads the whole index (about 5 s
     * at 100,000 articles), so it is done here, in the background, and a
     * damaged index is rebuilt from the text it stores. */
    apr_thread_mutex_lock(s->wlock);
    if (sqlite3_exec(s->wdb, "INSERT INTO fts(fts) VALUES('integrity-check')",
                     NULL, NULL, NULL) != SQLITE_OK) {
        bantin_log(BANTIN_LOG_WARN, "BT0301 %s: search index corrupt (%s); "
                   "rebuilding it", s->path, sqlite3_errmsg(s->wdb));
        sqlite3_exec(s->wdb, "INSERT INTO fts(fts) VALUES('rebuild')", NULL,
                     NULL, NULL);
    }
    apr_thread_mutex_unlock(s->wlock);
    snap = bantin_store_acquire(store);
    for (i = 0; i < snap->count; i++) {
        if (i % BATCH == 0) {
            if (i) {
                /* Between batches the index is free: this process's
                 * request threads (bantin_search_apply) and other
                 * processes get their updates in, instead of waiting for
                 * the whole build. */
                sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL);
                apr_thread_mutex_unlock(s->wlock);
                apr_sleep(apr_time_from_msec(100));
            }
            apr_thread_mutex_lock(s->wlock);
            sqlite3_exec(s->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        }
        wrote += (apr_size_t)put(s->wdb, p, snap->by_slug[i]);
        apr_pool_clear(p);
    }
    if (snap->count) {
        sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL);
        apr_thread_mutex_unlock(s->wlock);
    }
    bantin_store_release(store, snap);
    /* What the store no longer has: its snapshot of now, taken under the
     * lock, so that an update applied meanwhile is in it. */
    apr_thread_mutex_lock(s->wlock);
    snap = bantin_store_acquire(store);
    if (sqlite3_prepare_v2(s->wdb, "SELECT slug FROM docs", -1, &st, NULL)
        == SQLITE_OK) {
        apr_array_header_t *stale = apr_array_make(p, 16, sizeof(char *));
        int k;
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *slug = (const char *)sqlite3_column_text(st, 0);
            apr_size_t lo = 0, hi = snap->count;
            int found = 0;
            while (lo < hi && !found) {
                apr_size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(snap->by_slug[mid]->slug, slug);
                found = c == 0;
                if (c < 0) {
                    lo = mid + 1;
                }
                else {
                    hi = mid;
                }
            }
            if (!found) {
                APR_ARRAY_PUSH(stale, char *) = apr_pstrdup(p, slug);
            }
        }
        sqlite3_finalize(st);
        sqlite3_exec(s->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (k = 0; k < stale->nelts; k++) {
            del_slug(s->wdb, APR_ARRAY_IDX(stale, k, char *));
        }
        sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL);
    }
    bantin_store_release(store, snap);
    /* the build leaves a WAL as large as the index: give the space back */
    sqlite3_exec(s->wdb, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    apr_thread_mutex_unlock(s->wlock);
    apr_pool_destroy(p);
    return wrote;
}

/* ---- querying ---------------------------------------------------------- */

static int is_alnum_ascii(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

/* Builds an FTS5 query over `columns` from the reader's text: words are
 * quoted (so nothing the reader types is FTS syntax), text in double
 * quotes becomes a phrase, and the last bare word matches as a prefix
 * (results while typing).  fold: fold words (else keep them as written).
 * Returns NULL when there is no word. */
static const char *fts_query(apr_pool_t *p, const char *text,
                             const char *columns, int fold)
{
    bantin_buf b;
    const char *c = text;
    int nterms = 0, in_phrase = 0, last_bare = 0, phrase_words = 0;
    apr_size_t phrase_at = 0;

    bantin_buf_init(&b, p, strlen(text) * 2 + 64);
    bantin_buf_addf(&b, "{%s} : (", columns);
    while (*c) {
        const char *start;
        char *word;
        apr_size_t n;
        if (*c == '"') {
            if (in_phrase && phrase_words) {
                bantin_buf_adds(&b, "\"");
            }
            else if (in_phrase) { /* "" or quotes around no word: dropped */
                b.len = phrase_at;
                nterms--;
            }
            in_phrase = !in_phrase;
            if (in_phrase) {
                phrase_at = b.len;
                phrase_words = 0;
                bantin_buf_adds(&b, nterms++ ? " AND \"" : "\"");
            }
            c++;
            last_bare = 0;
            continue;
        }
        /* a word: anything but ASCII space, punctuation and quotes */
        if ((unsigned char)*c < 0x80 && !is_alnum_ascii(*c)) {
            c++;
            continue;
        }
        start = c;
        while (*c && ((unsigned char)*c >= 0x80 || is_alnum_ascii(*c))) {
            c++;
        }
        n = (apr_size_t)(c - start);
        /* the exact form spells diacritics out (NFC, NFD and tone
         * placement alike), as the title and body columns do */
        word = fold ? bantin_fold(p, start, n) : bantin_fold_marks(p, start, n);
        if (fold) {
            /* keep only what folds to ASCII letters and digits */
            char *w = word, *o = word;
            for (; *w; w++) {
                if (is_alnum_ascii(*w)) {
                    *o++ = *w;
                }
            }
            *o = '\0';
        }
        if (!*word) {
            continue;
        }
        if (in_phrase) {
            bantin_buf_adds(&b, " ");
            bantin_buf_adds(&b, word);
            phrase_words++;
        }
        else {
            bantin_buf_adds(&b, nterms++ ? " AND \"" : "\"");
            bantin_buf_adds(&b, word);
            bantin_buf_adds(&b, "\"");
            last_bare = 1;
        }
    }
    if (in_phrase && phrase_words) {
        bantin_buf_adds(&b, "\"");
        last_bare = 0;
    }
    else if (in_phrase) {
        b.len = phrase_at;
        nterms--;
    }
    if (!nterms) {
        return NULL;
    }
    if (last_bare && fold) {
        bantin_buf_adds(&b, "*");
    }
    bantin_buf_adds(&b, ")");
    return bantin_buf_cstr(&b);
}

static int has_non_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return 1;
        }
    }
    return 0;
}

/* Binds ?1..?4 of the shared WHERE clause. */
static void bind_filter(sqlite3_stmt *st, const char *folded,
                        const bantin_query *q)
{
    sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
    if (q->category) {
        sqlite3_bind_text(st, 2, q->category, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 3, (sqlite3_int64)q->from);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)q->to);
}

apr_status_t bantin_search_query(bantin_search *s, apr_pool_t *p,
                                 const bantin_query *q, apr_size_t first,
                                 apr_size_t n, apr_array_header_t *slugs,
                                 apr_size_t *total)
{
    const char *folded = fts_query(p, q->text, "ftitle fbody", 1);
    const char *exact = has_non_ascii(q->text)
                            ? fts_query(p, q->text, "title body", 0)
                            : NULL;
    const char *filter =
        " FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ?1"
        " AND (?2 IS NULL OR d.category = ?2)"
        " AND (?3 = 0 OR d.date >= ?3) AND (?4 = 0 OR d.date < ?4)";
    sqlite3_stmt *st;

    *total = 0;
    if (!folded) {
        return APR_EINVAL;
    }
    if (sqlite3_prepare_v2(s->rdb, apr_pstrcat(p, "SELECT count(*)", filter,
                                               NULL),
                           -1, &st, NULL) != SQLITE_OK) {
        return APR_EGENERAL;
    }
    bind_filter(st, folded, q);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *total = (apr_size_t)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (!*total || !n) {
        return APR_SUCCESS;
    }
    /* Title matches weigh ten times body matches (BM25 column weights);
     * an exact match of the diacritics the reader typed ranks first. */
    if (sqlite3_prepare_v2(
            s->rdb,
            apr_pstrcat(p, "SELECT d.slug, ",
                        exact ? "(fts.rowid IN (SELECT rowid FROM fts"
                                " WHERE fts MATCH ?5))"
                              : "(0 AND ?5 IS NULL)",
                        " AS ex", filter, " ORDER BY ex DESC,"
                        " bm25(fts, 0.0, 0.0, 10.0, 1.0), d.date DESC"
                        " LIMIT ?6 OFFSET ?7", NULL),
            -1, &st, NULL) != SQLITE_OK) {
        return APR_EGENERAL;
    }
    bind_filter(st, folded, q);
    if (exact) {
        sqlite3_bind_text(st, 5, exact, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 6, (sqlite3_int64)n);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)first);
    while (sqlite3_step(st) == SQLITE_ROW) {
        APR_ARRAY_PUSH(slugs, const char *) =
            apr_pstrdup(p, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return APR_SUCCESS;
}

/* 1 when the query's last word is matched as a prefix: a bare word, as in
 * fts_query(), not one in or closing a phrase. */
static int last_is_prefix(const char *q)
{
    int in_phrase = 0, last_bare = 0;

    for (; *q; q++) {
        if (*q == '"') {
            in_phrase = !in_phrase;
            last_bare = 0;
        }
        else if ((unsigned char)*q >= 0x80 || is_alnum_ascii(*q)) {
            last_bare = !in_phrase;
        }
    }
    return last_bare && !in_phrase;
}

const char *bantin_search_snippet(apr_pool_t *p, const char *text,
                                  const char *query, apr_size_t words)
{
    int prefix = last_is_prefix(query);
    bantin_word *tw, *qw;
    apr_size_t nt = bantin_fold_words(p, text, strlen(text), &tw);
    apr_size_t nq = bantin_fold_words(p, query, strlen(query), &qw);
    apr_size_t i, k, hit = nt, from, to;
    bantin_buf b;

    /* a word matches a query word exactly, or as a prefix for the last */
    for (i = 0; i < nt && hit == nt; i++) {
        for (k = 0; k < nq; k++) {
            if (k == nq - 1 && prefix ? !strncmp(tw[i].folded, qw[k].folded,
                                       strlen(qw[k].folded))
                            : !strcmp(tw[i].folded, qw[k].folded)) {
                hit = i;
                break;
            }
        }
    }
    if (!nt) {
        return "";
    }
    if (hit == nt) {
        hit = 0;
    }
    from = hit > words / 3 ? hit - words / 3 : 0;
    to = from + words < nt ? from + words : nt;
    bantin_buf_init(&b, p, 1024);
    if (from > 0) {
        bantin_buf_adds(&b, "… ");
    }
    for (i = from; i < to; i++) {
        int match = 0;
        apr_size_t gap_end = i + 1 < to ? tw[i + 1].start : tw[i].end;
        for (k = 0; k < nq && !match; k++) {
            match = k == nq - 1 && prefix ? !strncmp(tw[i].folded, qw[k].folded,
                                           strlen(qw[k].folded))
                                : !strcmp(tw[i].folded, qw[k].folded);
        }
        if (match) {
            bantin_buf_adds(&b, "<mark>");
        }
        bantin_buf_add_html(&b, text + tw[i].start, tw[i].end - tw[i].start);
        if (match) {
            bantin_buf_adds(&b, "</mark>");
        }
        /* what stood between this word and the next */
        bantin_buf_add_html(&b, text + tw[i].end, gap_end - tw[i].end);
    }
    if (to < nt) {
        bantin_buf_adds(&b, " …");
    }
    return bantin_buf_cstr(&b);
}
