/* bantin_search.c -- see bantin_search.h. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_atomic.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>
#include <sqlite3.h>

#include "bantin_buf.h"
#include "bantin_fold.h"
#include "bantin_log.h"
#include "bantin_search.h"
#include "bantin_search_fields.h"

/* 3: two FTS5 tables (folded with prefix indexes, exact without) whose
 * rowids are the docs' ids, ordered by date: see doc_id().
 * 4: three fields (title, lead, the rest: see bantin_search_fields.h);
 * contentless tables, the text packed in docs.  Removing an article
 * folds its packed text again and must give the very words indexed: a
 * change to the folding (bantin_fold, bantin_fold_marks) or to the
 * fields needs a new version, so that old indexes are rebuilt. */
#define SCHEMA_VERSION "4"
/* Articles a transaction of the initial build: larger batches make fewer,
 * larger FTS5 segments (less merging: 20 % faster than 1,000), and no
 * request waits for a batch (see bantin_search_queue). */
#define BATCH 2500
/* How long a waiting worker pauses after a failed write before it tries
 * the same changes again. */
#define RETRY_PAUSE apr_time_from_sec(1)
#define MMAP_SIZE "2147418112" /* address space, not memory; SQLite's cap */
/* How long the writer waits for another process's write lock (as
 * sqlite3_busy_timeout(5000) did), in steps short enough that a stop
 * never waits for the rest of it. */
#define BUSY_TIMEOUT apr_time_from_sec(5)
#define BUSY_STEP apr_time_from_msec(20)
/* SQLite virtual machine steps between two looks at `stopping`. */
#define PROGRESS_STEPS 10000

/* An article's id is its date in seconds times ID_SPAN plus a number
 * below ID_SPAN derived from its slug: ids sort like dates, so "the
 * newest matches" is FTS5 walking a doclist backwards and a date range
 * is a rowid range, both without a sort or a join. */
#define ID_SPAN 1048576

/* Past this many matches, only the newest are ranked (see
 * bantin_search_query()). */
#define DEFAULT_CANDIDATES 1000
/* Document frequencies used for ranking are counted up to this: a word in
 * more articles than that weighs as little as one in exactly that many. */
#define DF_CAP 2000

struct bantin_search {
    sqlite3 *rdb;                 /* queries, from any thread */
    sqlite3 *wdb;                 /* updates, under wlock */
    apr_thread_mutex_t *wlock;
    const char *path;
    apr_size_t candidates;
    /* updates waiting for bantin_search_work(), under qlock */
    apr_thread_mutex_t *qlock;
    apr_thread_cond_t *qcond;
    char **queue;                 /* slugs, malloc()ed */
    apr_size_t nqueued, qcap;
    volatile apr_uint32_t stopping;
    apr_uint32_t failure_said;    /* when BT0303 last said a query failed */
    apr_uint32_t write_said;      /* when BT0304 last said a write failed */
    /* how far the index is (bantin_search_progress): atomics, read by
     * request threads without a lock */
    apr_uint32_t complete;        /* 1: it holds the whole store */
    apr_uint32_t indexed, of;     /* while not: the sync's progress */
    apr_uint32_t pending;         /* slugs queued or being written */
    apr_size_t inflight;          /* of those, being written; qlock */
    apr_uint64_t start;           /* this start's token (track) */
};

static void settle_pending(bantin_search *s);
static int commit_batch(bantin_search *s, int tracking, apr_size_t done,
                        apr_size_t of);
static void sync_started(bantin_search *s, int reset);
static void sync_done(bantin_search *s, const bantin_snapshot *snap);

/* FTS5 writes what a transaction has gathered as a new segment each time
 * it holds this much (default 1 MB: several segments a batch), and merges
 * segments of a level when there are this many (default 4).  8 MB and 8:
 * the build from cold at 100,000 articles took 16.9 s of CPU instead of
 * 18.3 s, for queries no slower (BENCHMARKS.md, Search); the 8 MB are
 * held only while a batch of the build is written. */
#define FTS_HASHSIZE "8388608"
#define FTS_AUTOMERGE "8"

/* ffts holds the folded text (ASCII: "giup do xa"), which is what matches;
 * efts the text with its diacritics spelled out (bantin_fold_marks:
 * "giusp ddowx xax"), which ranks exact matches first.  Only ffts needs a
 * prefix index (the last word of a query matches as a prefix, folded), of
 * 2 letters: such a prefix would otherwise merge hundreds of words'
 * doclists.  One of 3 letters cost a sixth of the index (a 3-letter
 * prefix begins a few words), for queries no faster at 100,000 articles.
 * An article's length in words, which BM25 needs, is kept in docs (read
 * anyway for the slug) rather than in FTS5's docsize tables
 * (columnsize=0): one b-tree lookup a ranked row less.
 * Neither table keeps a copy of its text (content=''): the two copies
 * were half the index.  Removing an article's words from a contentless
 * table takes the text they came from, which docs keeps once, packed
 * (src: bantin_search_fields_pack, about a third of one copy). */
static const char *const schema_sql =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);"
    "CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY,"
    " slug TEXT UNIQUE NOT NULL, hash INTEGER NOT NULL,"
    " category TEXT, expires INTEGER NOT NULL, words INTEGER NOT NULL,"
    " src BLOB);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS ffts USING fts5(title, lead, body,"
    " tokenize='unicode61 remove_diacritics 0', prefix='2',"
    " content='', columnsize=0);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS efts USING fts5(title, lead, body,"
    " tokenize='unicode61 remove_diacritics 0', content='',"
    " columnsize=0);"
    "INSERT INTO ffts(ffts, rank) VALUES('hashsize', " FTS_HASHSIZE ");"
    "INSERT INTO efts(efts, rank) VALUES('hashsize', " FTS_HASHSIZE ");"
    "INSERT INTO ffts(ffts, rank) VALUES('automerge', " FTS_AUTOMERGE ");"
    "INSERT INTO efts(efts, rank) VALUES('automerge', " FTS_AUTOMERGE ");"
    "INSERT OR IGNORE INTO meta VALUES('version', " SCHEMA_VERSION ");";

static void register_rank(sqlite3 *db);

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

/* 1 when the file is an index of our schema, as far as can be told
 * without reading all of it: the full check (quick_check) is the
 * background sync's, so that a restart does not wait for it. */
static int ours(sqlite3 *db)
{
    sqlite3_stmt *st;
    int ok = 0;

    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k='version'", -1,
                           &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW
             && !strcmp((const char *)sqlite3_column_text(st, 0),
                        SCHEMA_VERSION);
        sqlite3_finalize(st);
    }
    /* the newest entry: a walk down the docs table's b-tree */
    if (ok && sqlite3_prepare_v2(db, "SELECT max(id) FROM docs", -1, &st,
                                 NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    else {
        ok = 0;
    }
    return ok;
}

/* 1 when SQLite finds nothing wrong with the file's b-trees. */
static int quick_check_ok(sqlite3 *db)
{
    sqlite3_stmt *st;
    int ok = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL)
        == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW
             && !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
        sqlite3_finalize(st);
    }
    return ok;
}

/* Empties a damaged index in place, the way SQLite documents for corrupt
 * files (SQLITE_DBCONFIG_RESET_DATABASE): other processes keep their
 * connections and see an empty index, which the sync then fills. */
static int reset_db(sqlite3 *db)
{
    int rc;

    sqlite3_db_config(db, SQLITE_DBCONFIG_RESET_DATABASE, 1, 0);
    rc = sqlite3_exec(db, "VACUUM", NULL, NULL, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_RESET_DATABASE, 0, 0);
    return rc == SQLITE_OK
           && sqlite3_exec(db, schema_sql, NULL, NULL, NULL) == SQLITE_OK;
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
            && ours(db)) {
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
    apr_size_t i;

    for (i = 0; i < s->nqueued; i++) {
        free(s->queue[i]);
    }
    free(s->queue);
    if (apr_atomic_read32(&s->stopping)) {
        /* The last connection to close would copy the whole WAL into the
         * file first (seconds, mid-build at 100,000 articles): a process
         * on its way out leaves it to the next one that opens the index
         * (SQLite recovers the WAL then). */
        sqlite3_db_config(s->rdb, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        sqlite3_db_config(s->wdb, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    }
    sqlite3_close(s->rdb);
    sqlite3_close(s->wdb);
    return APR_SUCCESS;
}

/* How a stop reaches the writer wherever it is: a statement running (a
 * batch, an integrity check: 5 s at 100,000 articles) is interrupted
 * (SQLITE_INTERRUPT; the transaction is rolled back, the next sync does
 * it again), and a wait for another process's write lock gives up. */
static int writer_progress(void *data)
{
    bantin_search *s = data;
    return apr_atomic_read32(&s->stopping) != 0;
}

static int writer_busy(void *data, int tries)
{
    bantin_search *s = data;
    if (apr_atomic_read32(&s->stopping)
        || (apr_interval_time_t)tries * BUSY_STEP >= BUSY_TIMEOUT) {
        return 0;
    }
    apr_sleep(BUSY_STEP);
    return 1;
}

bantin_search *bantin_search_open(apr_pool_t *p, const char *path,
                                  const char **err)
{
    bantin_search *s = apr_pcalloc(p, sizeof(*s));

    if (open_db(path, &s->rdb) != SQLITE_OK
        || open_db(path, &s->wdb) != SQLITE_OK
        || apr_thread_mutex_create(&s->wlock, APR_THREAD_MUTEX_DEFAULT, p)
               != APR_SUCCESS
        || apr_thread_mutex_create(&s->qlock, APR_THREAD_MUTEX_DEFAULT, p)
               != APR_SUCCESS
        || apr_thread_cond_create(&s->qcond, p) != APR_SUCCESS) {
        *err = apr_pstrcat(p, path, ": ",
                           s->rdb ? sqlite3_errmsg(s->rdb) : "cannot open",
                           NULL);
        sqlite3_close(s->rdb);
        sqlite3_close(s->wdb);
        return NULL;
    }
    sqlite3_exec(s->wdb, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    sqlite3_busy_handler(s->wdb, writer_busy, s);
    sqlite3_progress_handler(s->wdb, PROGRESS_STEPS, writer_progress, s);
    /* Queries read the index through the kernel's page cache mapped in,
     * rather than copied page by page into SQLite's own cache (pread()
     * was a tenth of a query's time at 100,000 articles). */
    sqlite3_exec(s->rdb, "PRAGMA mmap_size=" MMAP_SIZE, NULL, NULL, NULL);
    register_rank(s->rdb);
    s->candidates = DEFAULT_CANDIDATES;
    s->path = apr_pstrdup(p, path);
    apr_pool_cleanup_register(p, s, search_cleanup, apr_pool_cleanup_null);
    return s;
}

static int is_alnum_ascii(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

/* ---- writing ----------------------------------------------------------- */

/* Runs one statement with ?1 bound to i; SQLite's result code. */
static int exec_bound(sqlite3 *db, const char *sql, sqlite3_int64 i)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, i);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc;
}

/* The fields as a table holds them: folded (ffts) or with their
 * diacritics spelled out (efts). */
static void table_text(apr_pool_t *p, const bantin_search_fields *f,
                       int fold, const char *out[3])
{
    const char *in[3] = {f->title, f->lead, f->body};
    int i;

    for (i = 0; i < 3; i++) {
        out[i] = fold ? bantin_fold(p, in[i], strlen(in[i]))
                      : bantin_fold_marks(p, in[i], strlen(in[i]));
    }
}

/* insert: "INSERT INTO <table>(...) VALUES(..., ?1, ?2, ?3, ?4)", ?1 the
 * rowid, then the three fields */
static void put_text(sqlite3 *db, const char *insert, sqlite3_int64 id,
                     const char *const text[3])
{
    sqlite3_stmt *st;
    int i;

    if (sqlite3_prepare_v2(db, insert, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        for (i = 0; i < 3; i++) {
            sqlite3_bind_text(st, i + 2, text[i], -1, SQLITE_STATIC);
        }
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
}

#define INSERT_FFTS "INSERT INTO ffts(rowid, title, lead, body)" \
                    " VALUES(?1, ?2, ?3, ?4)"
#define INSERT_EFTS "INSERT INTO efts(rowid, title, lead, body)" \
                    " VALUES(?1, ?2, ?3, ?4)"
#define DELETE_FFTS "INSERT INTO ffts(ffts, rowid, title, lead, body)" \
                    " VALUES('delete', ?1, ?2, ?3, ?4)"
#define DELETE_EFTS "INSERT INTO efts(efts, rowid, title, lead, body)" \
                    " VALUES('delete', ?1, ?2, ?3, ?4)"

/* Removes the words of article id from both tables: their own 'delete'
 * command, with the text they were given (from docs.src). */
static void del_words(sqlite3 *db, sqlite3_int64 id)
{
    sqlite3_stmt *st;
    apr_pool_t *p;

    if (sqlite3_prepare_v2(db, "SELECT src FROM docs WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW
        && apr_pool_create_unmanaged_ex(&p, NULL, NULL) == APR_SUCCESS) {
        bantin_search_fields f;
        const char *text[3];
        if (bantin_search_fields_unpack(
                p, sqlite3_column_blob(st, 0),
                (apr_size_t)sqlite3_column_bytes(st, 0), &f)) {
            table_text(p, &f, 1, text);
            put_text(db, DELETE_FFTS, id, text);
            table_text(p, &f, 0, text);
            put_text(db, DELETE_EFTS, id, text);
        }
        /* else a damaged row: its words stay, matching an id no docs row
         * has (queries join docs), until the index is rebuilt */
        apr_pool_destroy(p);
    }
    sqlite3_finalize(st);
}

static void del_id(sqlite3 *db, sqlite3_int64 id)
{
    del_words(db, id);
    exec_bound(db, "DELETE FROM docs WHERE id = ?1", id);
}

/* 1 when the index has slug, with its *id and version *hash. */
static int find_slug(sqlite3 *db, const char *slug, sqlite3_int64 *id,
                     apr_uint64_t *hash)
{
    sqlite3_stmt *st;
    int found = 0;

    if (sqlite3_prepare_v2(db, "SELECT id, hash FROM docs WHERE slug = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
        if ((found = sqlite3_step(st) == SQLITE_ROW)) {
            *id = sqlite3_column_int64(st, 0);
            *hash = (apr_uint64_t)sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    return found;
}

static void del_slug(sqlite3 *db, const char *slug)
{
    apr_uint64_t hash;
    sqlite3_int64 id;

    if (find_slug(db, slug, &id, &hash)) {
        del_id(db, id);
    }
}

/* Seconds since the epoch, rounded down (also before 1970). */
static sqlite3_int64 floor_sec(apr_time_t t)
{
    sqlite3_int64 s = (sqlite3_int64)(t / APR_USEC_PER_SEC);
    return t < 0 && t % APR_USEC_PER_SEC ? s - 1 : s;
}

/* The first id of the second t falls in: ids below it are older. */
static sqlite3_int64 id_floor(apr_time_t t)
{
    return floor_sec(t) * ID_SPAN;
}

/* A free id for an article dated `when` (see ID_SPAN). */
static sqlite3_int64 doc_id(sqlite3 *db, apr_time_t when, const char *slug)
{
    sqlite3_int64 id = id_floor(when)
                       + (sqlite3_int64)(bantin_hash64(0, slug, strlen(slug))
                                         % ID_SPAN);
    /* a million articles in one second could spill into the next: their
     * order among the newest is then off by a second, nothing worse */
    while (exec_bound(db, "SELECT 1 FROM docs WHERE id = ?1", id)
           == SQLITE_ROW) {
        id++;
    }
    return id;
}

/* Words as FTS5's tokenizer counts them in folded (ASCII) text. */
static apr_size_t count_words(const char *s)
{
    apr_size_t n = 0;
    int in_word = 0;

    for (; *s; s++) {
        int alnum = is_alnum_ascii(*s);
        n += alnum && !in_word;
        in_word = alnum;
    }
    return n;
}

/* Writes one article unless the index has this version already.
 * Returns 1 when it wrote. */
static int put(sqlite3 *db, apr_pool_t *p, const bantin_article *a)
{
    sqlite3_stmt *st;
    apr_uint64_t hash = 0;
    sqlite3_int64 id = 0;
    bantin_search_fields f;
    const char *text[3], *src;
    apr_size_t srclen = 0;
    int wrote = 0, had = find_slug(db, a->slug, &id, &hash);

    if (had && hash == a->hash) {
        return 0;
    }
    if (had) {
        del_id(db, id);
    }
    id = doc_id(db, a->date.when, a->slug);
    bantin_search_fields_of(p, a, &f);
    if (!(src = bantin_search_fields_pack(p, &f, &srclen))) {
        return 0; /* out of memory: the next sync tries again */
    }
    table_text(p, &f, 1, text);
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(id, slug, hash, category,"
                           " expires, words, src) VALUES(?1, ?2, ?3, ?4, ?5,"
                           " ?6, ?7)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, a->slug, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)a->hash);
        if (a->category_slug) {
            sqlite3_bind_text(st, 4, a->category_slug, -1, SQLITE_STATIC);
        }
        sqlite3_bind_int64(st, 5, (sqlite3_int64)a->expires);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)(count_words(text[0])
                                                  + count_words(text[1])
                                                  + count_words(text[2])));
        sqlite3_bind_blob(st, 7, src, (int)srclen, SQLITE_STATIC);
        wrote = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_finalize(st);
    }
    if (wrote) {
        put_text(db, INSERT_FFTS, id, text);
        table_text(p, &f, 0, text);
        put_text(db, INSERT_EFTS, id, text);
    }
    return wrote;
}

/* The article named slug in snap, unpublished ones included
 * (the index has them all but drafts, which no snapshot holds); NULL. */
static const bantin_article *in_snapshot(const bantin_snapshot *snap,
                                         const char *slug)
{
    apr_size_t lo = 0, hi = snap->count;

    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(snap->by_slug[mid]->slug, slug);
        if (!c) {
            return snap->by_slug[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return NULL;
}

/* Says why a transaction of the writer failed (another process's writer
 * past the busy timeout, a full disk, a file made read-only), at most once
 * a minute per process. */
static void write_failed(bantin_search *s, const char *what)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t was = apr_atomic_read32(&s->write_said);

    /* a write cut short by bantin_search_stop failed on purpose */
    if (!apr_atomic_read32(&s->stopping) && (!was || now - was >= 60)
        && apr_atomic_cas32(&s->write_said, now, was) == was) {
        bantin_log(BANTIN_LOG_WARN, "BT0304 %s: search index not written "
                   "(%s: %s); tried again later (said at most once a "
                   "minute)", s->path, what, sqlite3_errmsg(s->wdb));
    }
}

/* BEGIN IMMEDIATE and COMMIT on the writer, under wlock.  A transaction
 * whose COMMIT failed is rolled back: left open, it would hold SQLite's
 * write lock against every other process's writer, and the next BEGIN
 * would fail. */
static int begin(bantin_search *s)
{
    if (sqlite3_exec(s->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL)
        == SQLITE_OK) {
        return 1;
    }
    write_failed(s, "BEGIN");
    return 0;
}

static int commit(bantin_search *s)
{
    if (sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        return 1;
    }
    write_failed(s, "COMMIT");
    sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
    return 0;
}

static void enqueue(bantin_search *s, const char *slug)
{
    char *copy = strdup(slug);

    if (copy && s->nqueued == s->qcap) {
        apr_size_t cap = s->qcap ? s->qcap * 2 : 64;
        char **grown = realloc(s->queue, cap * sizeof(*grown));
        if (grown) {
            s->queue = grown;
            s->qcap = cap;
        }
    }
    if (copy && s->nqueued < s->qcap) {
        s->queue[s->nqueued++] = copy;
    }
    else {
        free(copy); /* out of memory: the next sync (restart) mends it */
    }
}

void bantin_search_queue(bantin_search *s, const bantin_article *const *added,
                         apr_size_t nadded, const char *const *gone,
                         apr_size_t ngone)
{
    apr_size_t i;

    if (!s) {
        return;
    }
    apr_thread_mutex_lock(s->qlock);
    for (i = 0; i < ngone; i++) {
        enqueue(s, gone[i]);
    }
    for (i = 0; i < nadded; i++) {
        enqueue(s, added[i]->slug);
    }
    apr_atomic_set32(&s->pending, (apr_uint32_t)(s->nqueued + s->inflight));
    apr_thread_cond_signal(s->qcond);
    apr_thread_mutex_unlock(s->qlock);
}

apr_size_t bantin_search_work(bantin_search *s, bantin_store *store,
                              apr_interval_time_t wait)
{
    const bantin_snapshot *snap;
    apr_pool_t *p;
    char **todo;
    apr_size_t n, i;
    int done;

    apr_thread_mutex_lock(s->qlock);
    if (!s->nqueued && !apr_atomic_read32(&s->stopping) && wait > 0) {
        apr_thread_cond_timedwait(s->qcond, s->qlock, wait);
    }
    todo = s->queue;
    n = s->nqueued;
    s->queue = NULL;
    s->nqueued = s->qcap = 0;
    s->inflight = n;
    apr_thread_mutex_unlock(s->qlock);
    if (!n || apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        for (i = 0; i < n; i++) {
            free(todo[i]);
        }
        free(todo);
        settle_pending(s);
        return 0;
    }
    /* Each slug as the store has it now: a newer version, or none.  A
     * version the index has already (another process wrote it) costs a
     * lookup, no write. */
    apr_thread_mutex_lock(s->wlock);
    if ((done = begin(s)) != 0) {
        snap = bantin_store_acquire(store);
        for (i = 0; i < n; i++) {
            const bantin_article *a = in_snapshot(snap, todo[i]);
            if (a) {
                put(s->wdb, p, a);
            }
            else {
                del_slug(s->wdb, todo[i]);
            }
            apr_pool_clear(p);
        }
        bantin_store_release(store, snap);
        done = commit(s);
    }
    apr_thread_mutex_unlock(s->wlock);
    apr_pool_destroy(p);
    if (!done) {
        /* Queued again, nothing lost; a waiting worker pauses first, so
         * that a write that keeps failing is not retried in a busy loop. */
        apr_thread_mutex_lock(s->qlock);
        for (i = 0; i < n; i++) {
            enqueue(s, todo[i]);
        }
        if (wait > 0 && !apr_atomic_read32(&s->stopping)) {
            apr_thread_cond_timedwait(s->qcond, s->qlock,
                                      wait < RETRY_PAUSE ? wait
                                                         : RETRY_PAUSE);
        }
        apr_thread_mutex_unlock(s->qlock);
    }
    settle_pending(s);
    for (i = 0; i < n; i++) {
        free(todo[i]);
    }
    free(todo);
    return done ? n : 0;
}

int bantin_search_stopped(bantin_search *s)
{
    return apr_atomic_read32(&s->stopping) != 0;
}

void bantin_search_stop(bantin_search *s)
{
    apr_thread_mutex_lock(s->qlock);
    apr_atomic_set32(&s->stopping, 1);
    apr_thread_cond_broadcast(s->qcond);
    apr_thread_mutex_unlock(s->qlock);
    /* A checkpoint is one step of SQLite's, which the progress handler
     * does not see: this reaches it (and any other running statement). */
    sqlite3_interrupt(s->wdb);
}

/* An article of a batch of the sync, with the id it would be given. */
typedef struct {
    sqlite3_int64 id;
    const bantin_article *a;
} batched;

static int by_id(const void *x, const void *y)
{
    const batched *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Puts n articles of the snapshot in the order of their ids.  FTS5 writes
 * out what it holds each time a row id is lower than the one before (a
 * segment per article when they come newest first, as a content dir of
 * year/month folders lists them): in id order, a batch is one segment,
 * and docs is appended to rather than split page by page. */
static apr_size_t put_batch(bantin_search *s, apr_pool_t *p, batched *b,
                            const bantin_article *const *articles,
                            apr_size_t n)
{
    apr_size_t i, wrote = 0;

    for (i = 0; i < n; i++) {
        const bantin_article *a = articles[i];
        b[i].a = a;
        b[i].id = id_floor(a->date.when)
                  + (sqlite3_int64)(bantin_hash64(0, a->slug, strlen(a->slug))
                                    % ID_SPAN);
    }
    qsort(b, n, sizeof(*b), by_id);
    /* a process on its way out stops here; the next sync writes the rest */
    for (i = 0; i < n && !apr_atomic_read32(&s->stopping); i++) {
        wrote += (apr_size_t)put(s->wdb, p, b[i].a);
        apr_pool_clear(p);
    }
    return wrote;
}

/* FTS5's integrity-check of one table. */
static int table_ok(bantin_search *s, apr_pool_t *p, const char *table)
{
    const char *sql = apr_pstrcat(p, "INSERT INTO ", table, "(",
                                  table, ") VALUES('integrity-check')", NULL);
    if (sqlite3_exec(s->wdb, sql, NULL, NULL, NULL) != SQLITE_OK
        && !apr_atomic_read32(&s->stopping)) { /* stopped: not damage */
        bantin_log(BANTIN_LOG_WARN, "BT0301 %s: search index corrupt (%s); "
                   "rebuilding it", s->path, sqlite3_errmsg(s->wdb));
        return 0;
    }
    return 1;
}

/* Damage inside FTS5's own tables: both are rebuilt from the text docs
 * keeps, in one transaction, as FTS5's own 'rebuild' did from the copies
 * it kept: until it commits, queries read the index as it was (damaged,
 * maybe failing), never an empty one.  A row whose text cannot be read
 * is dropped from docs, for the sync that follows to write again.  A
 * process on its way out rolls back; the next start does it again. */
static void check_tables(bantin_search *s, apr_pool_t *p)
{
    apr_array_header_t *bad = apr_array_make(p, 4, sizeof(sqlite3_int64));
    sqlite3_stmt *st;
    apr_pool_t *row;
    int rc = SQLITE_ERROR, i;

    if (table_ok(s, p, "ffts") && table_ok(s, p, "efts")) {
        return;
    }
    if (apr_pool_create(&row, p) != APR_SUCCESS || !begin(s)) {
        return; /* said; the next start tries again */
    }
    if (sqlite3_exec(s->wdb, "INSERT INTO ffts(ffts) VALUES('delete-all');"
                     "INSERT INTO efts(efts) VALUES('delete-all');", NULL,
                     NULL, NULL) == SQLITE_OK
        && sqlite3_prepare_v2(s->wdb, "SELECT id, src FROM docs", -1, &st,
                              NULL) == SQLITE_OK) {
        /* in id order: one FTS5 segment a hashsize, as the sync writes */
        while ((rc = sqlite3_step(st)) == SQLITE_ROW
               && !apr_atomic_read32(&s->stopping)) {
            sqlite3_int64 id = sqlite3_column_int64(st, 0);
            bantin_search_fields f;
            const char *text[3];
            if (bantin_search_fields_unpack(
                    row, sqlite3_column_blob(st, 1),
                    (apr_size_t)sqlite3_column_bytes(st, 1), &f)) {
                table_text(row, &f, 1, text);
                put_text(s->wdb, INSERT_FFTS, id, text);
                table_text(row, &f, 0, text);
                put_text(s->wdb, INSERT_EFTS, id, text);
            }
            else {
                APR_ARRAY_PUSH(bad, sqlite3_int64) = id;
            }
            apr_pool_clear(row);
        }
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return;
    }
    for (i = 0; i < bad->nelts; i++) {
        exec_bound(s->wdb, "DELETE FROM docs WHERE id = ?1",
                   APR_ARRAY_IDX(bad, i, sqlite3_int64));
    }
    commit(s);
}

apr_size_t bantin_search_sync(bantin_search *s, bantin_store *store)
{
    const bantin_snapshot *snap;
    apr_pool_t *p;
    apr_size_t i, wrote = 0, batch;
    int reset, tracking, whole = 1; /* every batch written */
    batched *b;
    sqlite3_stmt *st;

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return 0;
    }
    /* Checks that read the whole file (about a second for SQLite's, 5 s for
     * FTS5's at 100,000 articles) are done here, in the background, rather
     * than by the parent before it serves: damaged b-trees empty the
     * index, which the sync below fills again, as it does after damage
     * inside FTS5's own tables (check_tables). */
    apr_thread_mutex_lock(s->wlock);
    reset = !quick_check_ok(s->wdb) && !apr_atomic_read32(&s->stopping);
    if (reset) {
        bantin_log(BANTIN_LOG_WARN, "BT0301 %s: search index corrupt; "
                   "rebuilding it", s->path);
        if (!reset_db(s->wdb)) {
            bantin_log(BANTIN_LOG_ERR, "BT0303 %s: cannot rebuild the search "
                       "index: %s", s->path, sqlite3_errmsg(s->wdb));
        }
    }
    check_tables(s, p);
    sync_started(s, reset);
    tracking = !apr_atomic_read32(&s->complete);
    apr_thread_mutex_unlock(s->wlock);
    snap = bantin_store_acquire(store);
    if (!(b = malloc(BATCH * sizeof(*b)))) {
        bantin_store_release(store, snap);
        apr_pool_destroy(p);
        return 0; /* out of memory: the next start tries again */
    }
    for (i = 0; i < snap->count && !apr_atomic_read32(&s->stopping);
         i += BATCH) {
        apr_size_t n = snap->count - i < BATCH ? snap->count - i : BATCH;
        if (i) {
            /* Between batches the index is free: this process's
             * queued updates go in, and other processes' (which
             * wait for SQLite's lock in their own indexer threads,
             * never in a request), instead of after the whole
             * build.  One that misses the short gap loses nothing:
             * every process applies every change, this one too. */
            bantin_search_work(s, store, 0);
            apr_sleep(apr_time_from_msec(10));
        }
        apr_thread_mutex_lock(s->wlock);
        if (!begin(s)) {
            /* Said; the next start's sync goes on from here. */
            apr_thread_mutex_unlock(s->wlock);
            whole = 0;
            break;
        }
        batch = put_batch(s, p, b, snap->by_slug + i, n);
        /* the progress goes in with the batch, in its transaction */
        if (commit_batch(s, tracking, i + n, snap->count)) {
            wrote += batch;
        }
        else {
            whole = 0;
        }
        apr_thread_mutex_unlock(s->wlock);
    }
    free(b);
    whole = whole && i >= snap->count;
    bantin_store_release(store, snap);
    if (apr_atomic_read32(&s->stopping)) {
        apr_pool_destroy(p); /* the next start goes on from here */
        return wrote;
    }
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
            if (!in_snapshot(snap, slug)) {
                APR_ARRAY_PUSH(stale, char *) = apr_pstrdup(p, slug);
            }
        }
        sqlite3_finalize(st);
        if (begin(s)) {
            for (k = 0; k < stale->nelts; k++) {
                del_slug(s->wdb, APR_ARRAY_IDX(stale, k, char *));
            }
            commit(s);
        }
    }
    if (whole) {
        sync_done(s, snap);
    }
    bantin_store_release(store, snap);
    /* the build leaves a WAL as large as the index: give the space back */
    sqlite3_exec(s->wdb, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    apr_thread_mutex_unlock(s->wlock);
    apr_pool_destroy(p);
    return wrote;
}

/* ---- ranking ----------------------------------------------------------- */

#define MAX_TERMS 16 /* words or phrases of a query; the rest is ignored */
#define TITLE_WEIGHT 10.0
#define LEAD_WEIGHT 3.0
#define BM25_K1 1.2
#define BM25_B 0.75

/* bantin_rank(table, words, df1, df2, ...): the row's BM25, higher is
 * better; a title word counts TITLE_WEIGHT times, a lead word
 * LEAD_WEIGHT times, `words` is the
 * article's length (from docs).  The document frequency of each phrase
 * comes from the caller, counted up to DF_CAP, where FTS5's own bm25()
 * counts it by reading the phrase's whole doclist on every query (~10 ms
 * for a word in 80,000 articles). */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    double freq[MAX_TERMS] = {0}, score = 0, dl, avgdl, rows;
    sqlite3_int64 total = 0, nrows = 0;
    int nphrase = api->xPhraseCount(fts), ninst = 0, i;
    sqlite3_int64 words = nval ? sqlite3_value_int64(val[0]) : 0;

    if (nphrase > MAX_TERMS || nval != nphrase + 1
        || api->xInstCount(fts, &ninst) != SQLITE_OK
        || api->xRowCount(fts, &nrows) != SQLITE_OK
        || api->xColumnTotalSize(fts, -1, &total) != SQLITE_OK) {
        sqlite3_result_error(ctx, "bantin_rank: bad call", -1);
        return;
    }
    for (i = 0; i < ninst; i++) {
        int phrase, col, off;
        if (api->xInst(fts, i, &phrase, &col, &off) == SQLITE_OK
            && phrase >= 0 && phrase < nphrase) {
            freq[phrase] += col == 0 ? TITLE_WEIGHT
                            : col == 1 ? LEAD_WEIGHT : 1.0;
        }
    }
    rows = (double)(nrows > 0 ? nrows : 1);
    avgdl = total > 0 ? (double)total / rows : 1.0;
    dl = (double)(words > 0 ? words : 1);
    for (i = 0; i < nphrase; i++) {
        /* a prefix is given DF_CAP, which a small index may not have */
        double df = fmin((double)sqlite3_value_int64(val[i + 1]), rows);
        double idf = log(1.0 + (rows - df + 0.5) / (df + 0.5));
        score += idf * freq[i] * (BM25_K1 + 1)
                 / (freq[i]
                    + BM25_K1 * (1 - BM25_B + BM25_B * dl / avgdl));
    }
    sqlite3_result_double(ctx, score);
}

/* bantin_field(table): the field where the row matches, which ranks it
 * in a tier: 0 when every phrase of the query is in the title, 1 when
 * each is in the title or the lead, else 2 (the body, captions, author
 * or category). */
static void field_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                     sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    int best[MAX_TERMS];
    int nphrase = api->xPhraseCount(fts), ninst = 0, i, field = 0;

    if (nphrase > MAX_TERMS || api->xInstCount(fts, &ninst) != SQLITE_OK) {
        sqlite3_result_error(ctx, "bantin_field: bad call", -1);
        return;
    }
    for (i = 0; i < nphrase; i++) {
        best[i] = 2;
    }
    for (i = 0; i < ninst; i++) {
        int phrase, col, off;
        if (api->xInst(fts, i, &phrase, &col, &off) == SQLITE_OK
            && phrase >= 0 && phrase < nphrase && col < best[phrase]) {
            best[phrase] = col;
        }
    }
    for (i = 0; i < nphrase; i++) {
        field = best[i] > field ? best[i] : field;
    }
    sqlite3_result_int(ctx, field);
}

static void register_rank(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL)
        == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (api) {
        api->xCreateFunction(api, "bantin_rank", NULL, rank_fn, NULL);
        api->xCreateFunction(api, "bantin_field", NULL, field_fn, NULL);
    }
}

/* ---- querying ---------------------------------------------------------- */

/* The reader's text as FTS5 phrases: each word quoted (so nothing the
 * reader types is FTS syntax), text in double quotes one phrase, and the
 * last bare word a prefix ("giup d" while typing) when it folds to two
 * letters or more and is typed without diacritics.  One typed with them
 * is a whole word, like the others ("Nông thôn" is not "rừng thông" nor
 * "truyền thống", which "thon" as a folded prefix would list): readers
 * who put the marks in have written the word out, and the folded prefix
 * would match words those marks rule out.  A one-letter last word is
 * left out, unless it is all there is (a one-letter prefix would merge
 * the doclists of hundreds of words, for results no better than without
 * it).  fold: fold the words (else spell their diacritics out, as efts
 * does).  At most MAX_TERMS. */
static apr_array_header_t *query_terms(apr_pool_t *p, const char *text,
                                       int fold)
{
    apr_array_header_t *terms = apr_array_make(p, 8, sizeof(char *));
    bantin_buf phrase;
    const char *c = text;
    int in_phrase = 0, words = 0, last_bare = 0, last_marked = 0, marked;
    apr_size_t last_len = 0;

    bantin_buf_init(&phrase, p, 256);
    while (*c && terms->nelts < MAX_TERMS) {
        const char *start, *e;
        char *word, *folded, *w, *o;
        if (*c == '"') {
            if (in_phrase && words) {
                bantin_buf_adds(&phrase, "\"");
                APR_ARRAY_PUSH(terms, const char *) =
                    apr_pstrdup(p, bantin_buf_cstr(&phrase));
            }
            in_phrase = !in_phrase; /* "" or quotes around no word: none */
            phrase.len = 0;
            words = 0;
            last_bare = 0;
            c++;
            continue;
        }
        /* a word: anything but ASCII space, punctuation and quotes */
        if ((unsigned char)*c < 0x80 && !is_alnum_ascii(*c)) {
            c++;
            continue;
        }
        for (start = c; *c && ((unsigned char)*c >= 0x80
                               || is_alnum_ascii(*c)); c++) {
        }
        folded = bantin_fold(p, start, (apr_size_t)(c - start));
        /* keep only what folds to ASCII letters and digits */
        for (w = o = folded; *w; w++) {
            if (is_alnum_ascii(*w)) {
                *o++ = *w;
            }
        }
        *o = '\0';
        if (!*folded) {
            continue;
        }
        /* the exact form spells diacritics out (NFC, NFD and tone
         * placement alike), as efts does */
        word = fold ? folded
                    : bantin_fold_marks(p, start, (apr_size_t)(c - start));
        marked = 0;
        for (e = start; e < c && !marked; e++) {
            marked = (unsigned char)*e >= 0x80;
        }
        bantin_buf_adds(&phrase, words++ ? " " : "\"");
        bantin_buf_adds(&phrase, word);
        if (!in_phrase) {
            bantin_buf_adds(&phrase, "\"");
            APR_ARRAY_PUSH(terms, const char *) =
                apr_pstrdup(p, bantin_buf_cstr(&phrase));
            phrase.len = 0;
            words = 0;
            last_bare = 1;
            last_len = strlen(folded);
            last_marked = marked;
        }
        else {
            last_bare = 0;
        }
    }
    if (in_phrase && words && terms->nelts < MAX_TERMS) {
        bantin_buf_adds(&phrase, "\"");
        APR_ARRAY_PUSH(terms, const char *) =
            apr_pstrdup(p, bantin_buf_cstr(&phrase));
        last_bare = 0;
    }
    if (last_bare && !*c && last_len < 2 && terms->nelts > 1) {
        terms->nelts--;
    }
    else if (last_bare && !*c && last_len >= 2 && fold && !last_marked) {
        const char **last = &APR_ARRAY_IDX(terms, terms->nelts - 1,
                                           const char *);
        *last = apr_pstrcat(p, *last, "*", NULL);
    }
    return terms;
}

/* Every field of the tables: a match in any finds the article. */
#define ALL_FIELDS "title lead body"

/* "{title lead body} : (t1 AND t2 ...)" */
static const char *match_expr(apr_pool_t *p, const char *columns,
                              const apr_array_header_t *terms)
{
    bantin_buf b;
    int i;

    bantin_buf_init(&b, p, 256);
    bantin_buf_addf(&b, "{%s} : (", columns);
    for (i = 0; i < terms->nelts; i++) {
        bantin_buf_adds(&b, i ? " AND " : "");
        bantin_buf_adds(&b, APR_ARRAY_IDX(terms, i, const char *));
    }
    bantin_buf_adds(&b, ")");
    return bantin_buf_cstr(&b);
}

typedef struct {
    sqlite3_int64 id;
    const char *slug;
    double score;
    int field; /* bantin_field(): 0 title, 1 lead, 2 the rest */
} ranked;

/* What every query of one search shares. */
typedef struct {
    bantin_search *s;
    apr_pool_t *p;
    const bantin_query *q;
    sqlite3_int64 lo, hi; /* the rowid range: dates, and not yet shown */
} search_ctx;

/* Counts the articles in table matching each term, up to DF_CAP. */
static apr_status_t count_terms(const search_ctx *x, const char *table,
                                const apr_array_header_t *terms,
                                sqlite3_int64 *df)
{
    sqlite3_stmt *st;
    int i;

    if (sqlite3_prepare_v2(x->s->rdb,
                           apr_psprintf(x->p, "SELECT count(*) FROM (SELECT"
                                        " 1 FROM %s WHERE %s MATCH ?1 LIMIT"
                                        " %d)", table, table, DF_CAP),
                           -1, &st, NULL) != SQLITE_OK) {
        return APR_EGENERAL;
    }
    for (i = 0; i < terms->nelts; i++) {
        const char *term = APR_ARRAY_IDX(terms, i, const char *);
        apr_array_header_t one = *terms;
        if (term[strlen(term) - 1] == '*') {
            /* a word being typed: weighed as a common one, rather than
             * merging the doclists of every word it begins once more */
            df[i] = DF_CAP;
            continue;
        }
        one.elts = (char *)&APR_ARRAY_IDX(terms, i, const char *);
        one.nelts = 1;
        sqlite3_bind_text(st, 1, match_expr(x->p, ALL_FIELDS, &one), -1,
                          SQLITE_TRANSIENT);
        df[i] = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0)
                                               : 0;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return APR_SUCCESS;
}

/* Says why a query failed (a damaged index, until the sync mends it),
 * at most once a minute per process: every reader's search would. */
static void query_failed(bantin_search *s)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t was = apr_atomic_read32(&s->failure_said);

    if ((!was || now - was >= 60)
        && apr_atomic_cas32(&s->failure_said, now, was) == was) {
        bantin_log(BANTIN_LOG_ERR, "BT0303 %s: search failed: %s (said at "
                   "most once a minute)", s->path, sqlite3_errmsg(s->rdb));
    }
}

/* The newest `limit` matches of expr in table (inside the date range and
 * the filters), each with its rank, into *out (allocated by the pool). */
static apr_status_t newest_matches(const search_ctx *x, const char *table,
                                   const char *expr, const sqlite3_int64 *df,
                                   int nterms, apr_size_t limit,
                                   apr_array_header_t **out)
{
    bantin_buf sql;
    sqlite3_stmt *st;
    int i, rc;

    /* table is "ffts" or "efts"; an alias would hide the column MATCH and
     * bantin_rank() need, which is named after the table */
    bantin_buf_init(&sql, x->p, 512);
    bantin_buf_addf(&sql, "SELECT %s.rowid, d.slug, bantin_field(%s),"
                    " bantin_rank(%s, d.words", table, table, table);
    for (i = 0; i < nterms; i++) {
        bantin_buf_addf(&sql, ", %" APR_INT64_T_FMT, (apr_int64_t)df[i]);
    }
    /* CROSS JOIN keeps FTS5 the outer loop: it walks the doclists newest
     * first, docs is looked up by rowid for the filters and the slug */
    bantin_buf_addf(&sql, ") FROM %s CROSS JOIN docs d ON d.id = %s.rowid"
                    " WHERE %s MATCH ?1 AND %s.rowid >= ?2 AND %s.rowid < ?3"
                    " AND (?4 IS NULL OR d.category = ?4)"
                    " AND (d.expires = 0 OR d.expires > ?5)"
                    " ORDER BY %s.rowid DESC LIMIT ?6", table, table, table,
                    table, table, table);
    if ((rc = sqlite3_prepare_v2(x->s->rdb, bantin_buf_cstr(&sql), -1, &st,
                                 NULL)) != SQLITE_OK) {
        query_failed(x->s);
        return APR_EGENERAL;
    }
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, x->lo);
    sqlite3_bind_int64(st, 3, x->hi);
    if (x->q->category) {
        sqlite3_bind_text(st, 4, x->q->category, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 5, (sqlite3_int64)x->q->now);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)limit);
    *out = apr_array_make(x->p, 64, sizeof(ranked));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ranked *h = apr_array_push(*out);
        h->id = sqlite3_column_int64(st, 0);
        h->slug = apr_pstrdup(x->p, (const char *)sqlite3_column_text(st, 1));
        h->field = sqlite3_column_int(st, 2);
        h->score = sqlite3_column_double(st, 3);
    }
    if (rc != SQLITE_DONE) {
        query_failed(x->s);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? APR_SUCCESS : APR_EGENERAL;
}

static int by_score(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    return x->id > y->id ? -1 : x->id < y->id; /* then the newest */
}

void bantin_search_set_candidates(bantin_search *s, apr_size_t n)
{
    s->candidates = n ? n : DEFAULT_CANDIDATES;
}

/* Appends the hits of one tier, best first, leaving out those already
 * listed. */
static void add_tier(apr_array_header_t *all, apr_hash_t *seen,
                     apr_array_header_t *tier)
{
    int i;

    qsort(tier->elts, (size_t)tier->nelts, sizeof(ranked), by_score);
    for (i = 0; i < tier->nelts; i++) {
        ranked *h = &APR_ARRAY_IDX(tier, i, ranked);
        if (!apr_hash_get(seen, &h->id, sizeof(h->id))) {
            apr_hash_set(seen, &h->id, sizeof(h->id), h);
            *(ranked *)apr_array_push(all) = *h;
        }
    }
}

/* Ranks the matches of terms in table into all: title matches, then lead
 * matches, then the others.  Returns 1 when more than `candidates`
 * match. */
static int rank_matches(const search_ctx *x, const char *table,
                        const apr_array_header_t *terms, apr_hash_t *seen,
                        apr_array_header_t *all, apr_status_t *rv)
{
    apr_size_t cap = x->s->candidates;
    sqlite3_int64 df[MAX_TERMS];
    apr_array_header_t *hits, *found, *tier[3];
    int i, f, more;

    if ((*rv = count_terms(x, table, terms, df)) != APR_SUCCESS
        || (*rv = newest_matches(x, table, match_expr(x->p, ALL_FIELDS,
                                                      terms),
                                 df, terms->nelts, cap + 1, &hits))
               != APR_SUCCESS) {
        return 0;
    }
    more = (apr_size_t)hits->nelts > cap;
    if (more) {
        /* titles and leads that match further back than the newest
         * matches: the newest `cap` of those, in one statement rather
         * than one for each (an old title match past the newest `cap`
         * title-or-lead matches is left out, as deep as readers page) */
        hits->nelts--;
        if ((*rv = newest_matches(x, table,
                                  match_expr(x->p, "title lead", terms), df,
                                  terms->nelts, cap, &found))
            != APR_SUCCESS) {
            return 0;
        }
        for (f = 0; f < 2; f++) {
            tier[f] = apr_array_make(x->p, found->nelts, sizeof(ranked));
        }
        for (i = 0; i < found->nelts; i++) {
            ranked *h = &APR_ARRAY_IDX(found, i, ranked);
            if (h->field == 0 || h->field == 1) {
                *(ranked *)apr_array_push(tier[h->field]) = *h;
            }
        }
        add_tier(all, seen, tier[0]);
        add_tier(all, seen, tier[1]);
    }
    for (f = 0; f < 3; f++) {
        tier[f] = apr_array_make(x->p, f < 2 ? 16 : hits->nelts,
                                 sizeof(ranked));
    }
    for (i = 0; i < hits->nelts; i++) {
        ranked *h = &APR_ARRAY_IDX(hits, i, ranked);
        f = h->field < 0 || h->field > 2 ? 2 : h->field;
        *(ranked *)apr_array_push(tier[f]) = *h;
    }
    for (f = 0; f < 3; f++) {
        add_tier(all, seen, tier[f]);
    }
    return more;
}

/* Ranking, in tiers: articles matching the diacritics the reader typed
 * (when the query has any) before the others, and in each, those whose
 * title matches before those whose lead does, before those where only
 * the rest does (body, captions, author, category); within a tier by
 * BM25, then newest first.  Only the newest `candidates` matches are
 * ranked (and as many title matches): a word found in 80,000 articles
 * would cost ~1 µs each, and nobody reads page 800.  Such a search lists
 * those and says that more articles match (*more); a date range or a
 * category reaches the rest. */
apr_status_t bantin_search_query(bantin_search *s, apr_pool_t *p,
                                 const bantin_query *q, apr_size_t first,
                                 apr_size_t n, apr_array_header_t *slugs,
                                 apr_size_t *total, apr_size_t *more)
{
    apr_array_header_t *terms = query_terms(p, q->text, 1), *all;
    apr_hash_t *seen = apr_hash_make(p);
    search_ctx x = {s, p, q, INT64_MIN, INT64_MAX};
    apr_status_t rv = APR_SUCCESS;
    apr_size_t i;
    const char *c;

    *total = 0;
    *more = 0;
    if (!terms->nelts) {
        return APR_EINVAL;
    }
    if (q->from) {
        x.lo = id_floor(q->from);
    }
    if (q->to) {
        x.hi = id_floor(q->to + APR_USEC_PER_SEC - 1);
    }
    if (q->now && id_floor(q->now) + ID_SPAN < x.hi) {
        x.hi = id_floor(q->now) + ID_SPAN; /* not yet published */
    }
    all = apr_array_make(p, 64, sizeof(ranked));
    for (c = q->text; *c && (unsigned char)*c < 0x80; c++) {
    }
    if (*c) { /* diacritics, maybe: exact matches first */
        rank_matches(&x, "efts", query_terms(p, q->text, 0), seen, all, &rv);
        /* a damaged exact table (until the sync rebuilds it) costs the
         * exact-first ranking, not the search */
        rv = APR_SUCCESS;
    }
    *more = rank_matches(&x, "ffts", terms, seen, all, &rv) ? s->candidates
                                                            : 0;
    if (rv != APR_SUCCESS) {
        *more = 0;
        return rv;
    }
    if (q->visible) {
        /* what the index cannot know (publishing times to the second, a
         * change it has not caught up with) is the store's to say: the
         * count and the pages are of what a reader may see */
        int k, kept = 0;
        for (k = 0; k < all->nelts; k++) {
            ranked *h = &APR_ARRAY_IDX(all, k, ranked);
            if (q->visible(q->baton, h->slug)) {
                APR_ARRAY_IDX(all, kept++, ranked) = *h;
            }
        }
        all->nelts = kept;
    }
    *total = (apr_size_t)all->nelts;
    for (i = first; i < *total && i < first + n; i++) {
        APR_ARRAY_PUSH(slugs, const char *) =
            APR_ARRAY_IDX(all, (int)i, ranked).slug;
    }
    return APR_SUCCESS;
}

int bantin_search_last_is_prefix(apr_pool_t *p, const char *q)
{
    apr_array_header_t *terms = query_terms(p, q, 1);
    const char *last = terms->nelts ? APR_ARRAY_IDX(terms, terms->nelts - 1,
                                                    const char *)
                                    : "";
    return *last && last[strlen(last) - 1] == '*';
}

/* ---- progress ---------------------------------------------------------- */

/* While the index does not hold the whole store, search must not say that
 * nothing matched (bantin_search_progress).  Whichever process syncs
 * writes how far it is into meta, in each batch's transaction, so that
 * every process can tell: "progress" (articles of the store gone through,
 * and how many it has), and once the whole store is in, "fp" (the store's
 * fingerprint then) and "done" (the token of the start whose sync did
 * it).  A rebuilt or emptied index has neither, so it is known as
 * incomplete at once. */

/* Past this many slugs waiting to be written, the store is "much ahead"
 * of the index (a folder of articles copied in at once): a single change
 * waits milliseconds, which is the normal path, not a rebuild. */
#define AHEAD 100

static void settle_pending(bantin_search *s)
{
    apr_thread_mutex_lock(s->qlock);
    s->inflight = 0;
    apr_atomic_set32(&s->pending, (apr_uint32_t)s->nqueued);
    apr_thread_mutex_unlock(s->qlock);
}

/* The store's articles as the index holds them: their slugs and
 * versions, in any order, and how many. */
static const char *fingerprint(apr_pool_t *p, const bantin_snapshot *snap)
{
    apr_uint64_t h = 0;
    apr_size_t i;

    for (i = 0; i < snap->count; i++) {
        const bantin_article *a = snap->by_slug[i];
        h += bantin_hash64(a->hash, a->slug, strlen(a->slug));
    }
    return apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT "-%" APR_SIZE_T_FMT,
                        h, snap->count);
}

/* meta's value for k (into buf, cut to its size), or NULL. */
static const char *meta_get(sqlite3 *db, const char *k, char *buf,
                            apr_size_t size)
{
    sqlite3_stmt *st;
    const char *v = NULL;

    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
            apr_cpystrn(buf, (const char *)sqlite3_column_text(st, 0), size);
            v = buf;
        }
        sqlite3_finalize(st);
    }
    return v;
}

static int meta_put(sqlite3 *db, const char *k, const char *v)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k, v)"
                                 " VALUES(?1, ?2)", -1, &st, NULL))
        == SQLITE_OK) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return rc == SQLITE_DONE;
}

static void set_progress(bantin_search *s, apr_size_t indexed, apr_size_t of)
{
    apr_atomic_set32(&s->of, (apr_uint32_t)of);
    apr_atomic_set32(&s->indexed, (apr_uint32_t)(indexed < of ? indexed
                                                              : of));
}

void bantin_search_track(bantin_search *s, bantin_store *store,
                         apr_uint64_t start)
{
    const bantin_snapshot *snap = bantin_store_acquire(store);
    apr_pool_t *p;
    char fp[64];
    const char *was;
    int same = 0;

    s->start = start;
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) == APR_SUCCESS) {
        was = meta_get(s->rdb, "fp", fp, sizeof(fp));
        same = was && !strcmp(was, fingerprint(p, snap));
        apr_pool_destroy(p);
    }
    set_progress(s, same ? snap->count : 0, snap->count);
    apr_atomic_set32(&s->complete, (apr_uint32_t)same);
    bantin_store_release(store, snap);
    bantin_search_refresh(s);
}

int bantin_search_refresh(bantin_search *s)
{
    char fp[64], done[32], progress[64], token[32];
    unsigned long n, of;

    apr_snprintf(token, sizeof(token), "%016" APR_UINT64_T_HEX_FMT,
                 s->start);
    if (!meta_get(s->rdb, "fp", fp, sizeof(fp))) {
        /* still building, or emptied since */
        apr_atomic_set32(&s->complete, 0);
    }
    else if (meta_get(s->rdb, "done", done, sizeof(done))
             && !strcmp(done, token)) {
        apr_atomic_set32(&s->complete, 1);
    }
    if (!apr_atomic_read32(&s->complete)
        && meta_get(s->rdb, "progress", progress, sizeof(progress))
        && sscanf(progress, "%lu %lu", &n, &of) == 2) {
        set_progress(s, n, of);
    }
    return apr_atomic_read32(&s->complete) != 0;
}

int bantin_search_progress(bantin_search *s, const bantin_snapshot *snap,
                           apr_size_t *indexed, apr_size_t *of)
{
    apr_uint32_t pending = apr_atomic_read32(&s->pending);

    if (apr_atomic_read32(&s->complete)) {
        *of = snap->count;
        *indexed = pending < snap->count ? snap->count - pending : 0;
        return pending < AHEAD;
    }
    *indexed = apr_atomic_read32(&s->indexed);
    *of = apr_atomic_read32(&s->of);
    return 0;
}

/* The sync's checks are done: a reset index holds nothing, and an index
 * about to be filled must not look complete to the next start if this
 * sync is cut short.  Under wlock. */
static void sync_started(bantin_search *s, int reset)
{
    if (reset) {
        apr_atomic_set32(&s->complete, 0);
        set_progress(s, 0, apr_atomic_read32(&s->of));
    }
    if (!apr_atomic_read32(&s->complete)) {
        sqlite3_exec(s->wdb, "DELETE FROM meta WHERE k IN ('fp', 'done')",
                     NULL, NULL, NULL);
    }
}

/* Commits a batch of the sync, which went through `done` articles of the
 * store's `of`, saying so in meta when the index is being filled. */
static int commit_batch(bantin_search *s, int tracking, apr_size_t done,
                        apr_size_t of)
{
    if (tracking) {
        char v[64];
        apr_snprintf(v, sizeof(v), "%" APR_SIZE_T_FMT " %" APR_SIZE_T_FMT,
                     done, of);
        meta_put(s->wdb, "progress", v);
    }
    if (!commit(s)) {
        return 0;
    }
    if (tracking) {
        set_progress(s, done, of);
    }
    return 1;
}

/* The whole store is in: says so, for this start's other processes and
 * for the next start.  Under wlock. */
static void sync_done(bantin_search *s, const bantin_snapshot *snap)
{
    apr_pool_t *p;
    char token[32], v[64];

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    apr_snprintf(token, sizeof(token), "%016" APR_UINT64_T_HEX_FMT,
                 s->start);
    apr_snprintf(v, sizeof(v), "%" APR_SIZE_T_FMT " %" APR_SIZE_T_FMT,
                 snap->count, snap->count);
    if (begin(s)) {
        if (meta_put(s->wdb, "fp", fingerprint(p, snap))
            && meta_put(s->wdb, "done", token)
            && meta_put(s->wdb, "progress", v) && commit(s)) {
            set_progress(s, snap->count, snap->count);
            apr_atomic_set32(&s->complete, 1);
        }
        else {
            sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    apr_pool_destroy(p);
}
