/* bantin_moves.c -- see bantin_moves.h.
 *
 * The entries live in a hash table of the map's own (unmanaged) pool,
 * each one malloc()ed and freed when it goes.  The store's updating
 * thread changes it, request threads read it: both under `lock`, held
 * for a lookup or a change only.  Looking for where a slug went reads the
 * whole snapshot once; the answer is kept (the memo) until the snapshot
 * or its list of visible articles changes, so a crawler asking for old
 * URLs again costs a lookup each.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "bantin_buf.h"
#include "bantin_log.h"
#include "bantin_moves.h"

/* Each line at most: 16 + 1 + 20 + 1 + slug + 1. */
#define LINE_MAX_BYTES (40 + BANTIN_MOVES_SLUG_MAX)
#define FILE_MAX_BYTES (64 + (apr_size_t)BANTIN_MOVES_MAX * LINE_MAX_BYTES)

typedef struct entry {
    apr_uint64_t hash;
    apr_int64_t when;
    char slug[1];
} entry;

struct bantin_moves {
    const char *dir;          /* the content dir, for messages */
    bantin_state *state;      /* or NULL */
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;         /* own allocator: the table */
    apr_hash_t *index;        /* slug -> entry */
    int dirty;                /* changed since written (updater only) */
    int write_failed;         /* logged once (updater only) */
    /* where slugs led in one snapshot, at one list of visible articles */
    apr_pool_t *memo_pool;
    apr_hash_t *memo;         /* slug -> target slug, or "" for gone */
    apr_uint64_t memo_gen;
    apr_time_t memo_epoch;
};

static apr_status_t moves_cleanup(void *data)
{
    bantin_moves *m = data;
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, m->index); hi; hi = apr_hash_next(hi)) {
        free(apr_hash_this_val(hi));
    }
    apr_pool_destroy(m->pool);
    return APR_SUCCESS;
}

/* Adds or replaces; called with lock held (or before anyone reads). */
static int put(bantin_moves *m, const char *slug, apr_uint64_t hash,
               apr_int64_t when)
{
    apr_size_t n = strlen(slug);
    entry *old = apr_hash_get(m->index, slug, (apr_ssize_t)n);
    entry *e;

    if (old && old->hash == hash && old->when == when) {
        return 0;
    }
    if (!(e = malloc(sizeof(*e) + n))) {
        return 0;
    }
    e->hash = hash;
    e->when = when;
    memcpy(e->slug, slug, n + 1);
    if (old) {
        /* apr_hash_set would keep the old (freed) key */
        apr_hash_set(m->index, old->slug, (apr_ssize_t)n, NULL);
        free(old);
    }
    apr_hash_set(m->index, e->slug, (apr_ssize_t)n, e);
    return 1;
}

static int newest_first(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->when != y->when) {
        return x->when > y->when ? -1 : 1;
    }
    return strcmp(x->slug, y->slug);
}

/* The entries, newest first (in p).  Called by the updater. */
static entry **sorted(bantin_moves *m, apr_pool_t *p, apr_size_t *n)
{
    entry **all = apr_palloc(p, (apr_hash_count(m->index) + 1)
                                    * sizeof(*all));
    apr_hash_index_t *hi;

    *n = 0;
    for (hi = apr_hash_first(p, m->index); hi; hi = apr_hash_next(hi)) {
        all[(*n)++] = apr_hash_this_val(hi);
    }
    qsort(all, *n, sizeof(*all), newest_first);
    return all;
}

/* Keeps the newest BANTIN_MOVES_MAX.  Called by the updater. */
static void prune(bantin_moves *m)
{
    apr_pool_t *tmp;
    entry **all;
    apr_size_t n, i;

    if (apr_hash_count(m->index) <= BANTIN_MOVES_MAX
        || apr_pool_create_unmanaged_ex(&tmp, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    all = sorted(m, tmp, &n);
    apr_thread_mutex_lock(m->lock);
    for (i = BANTIN_MOVES_MAX; i < n; i++) {
        apr_hash_set(m->index, all[i]->slug, APR_HASH_KEY_STRING, NULL);
        free(all[i]);
    }
    m->memo_gen = 0; /* an answer may have been a pruned slug's */
    apr_thread_mutex_unlock(m->lock);
    apr_pool_destroy(tmp);
    m->dirty = 1;
}

bantin_moves *bantin_moves_create(apr_pool_t *p, bantin_state *st,
                                  const char *dir)
{
    bantin_moves *m = apr_pcalloc(p, sizeof(*m));
    apr_pool_t *tmp;
    char *data;
    apr_size_t len, n, i;
    bantin_moves_entry *es;
    const char *why;
    apr_status_t rv;

    if (apr_pool_create_unmanaged_ex(&m->pool, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    if (apr_thread_mutex_create(&m->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS
        || apr_pool_create(&m->memo_pool, m->pool) != APR_SUCCESS) {
        apr_pool_destroy(m->pool);
        return NULL;
    }
    m->dir = apr_pstrdup(p, dir);
    m->state = st;
    m->index = apr_hash_make(m->pool);
    m->memo = apr_hash_make(m->memo_pool);
    apr_pool_cleanup_register(p, m, moves_cleanup, apr_pool_cleanup_null);
    if (!st || apr_pool_create(&tmp, p) != APR_SUCCESS) {
        return m;
    }
    rv = bantin_state_read_file(st, tmp, BANTIN_MOVES_FILE, FILE_MAX_BYTES,
                                &data, &len, &why);
    if (rv == APR_SUCCESS) {
        rv = bantin_moves_parse(tmp, data, len, &es, &n, &why);
        for (i = 0; rv == APR_SUCCESS && i < n; i++) {
            if (!apr_hash_get(m->index, es[i].slug, APR_HASH_KEY_STRING)) {
                put(m, es[i].slug, es[i].hash, es[i].when);
            }
        }
    }
    if (rv != APR_SUCCESS && rv != APR_ENOENT) {
        bantin_log(BANTIN_LOG_WARN, "BT0141 %s/%s: ignored (%s): articles "
                   "moved or deleted before this start answer 404",
                   bantin_state_dir(st), BANTIN_MOVES_FILE, why);
        m->dirty = 1; /* written anew at the first update */
    }
    apr_pool_destroy(tmp);
    return m;
}

void bantin_moves_left(bantin_moves *m, const char *slug, apr_uint64_t hash,
                       apr_time_t now)
{
    int changed;

    if (!m || strlen(slug) > BANTIN_MOVES_SLUG_MAX) {
        return;
    }
    apr_thread_mutex_lock(m->lock);
    changed = put(m, slug, hash, apr_time_sec(now));
    m->memo_gen = 0;
    apr_thread_mutex_unlock(m->lock);
    if (changed) {
        m->dirty = 1;
        bantin_log(BANTIN_LOG_DEBUG, "BT0142 %s: article %s left; its URL "
                   "leads where it went, or answers 410", m->dir, slug);
    }
    /* pruned in bulk, not at every entry past the limit */
    if (apr_hash_count(m->index) > BANTIN_MOVES_MAX + BANTIN_MOVES_MAX / 4) {
        prune(m);
    }
}

void bantin_moves_back(bantin_moves *m, const char *slug)
{
    entry *e;

    /* Only this thread changes the table: no lock needed to read it. */
    if (!m || !apr_hash_count(m->index)
        || !(e = apr_hash_get(m->index, slug, APR_HASH_KEY_STRING))) {
        return;
    }
    apr_thread_mutex_lock(m->lock);
    apr_hash_set(m->index, e->slug, APR_HASH_KEY_STRING, NULL);
    m->memo_gen = 0;
    apr_thread_mutex_unlock(m->lock);
    free(e);
    m->dirty = 1;
}

apr_size_t bantin_moves_count(bantin_moves *m)
{
    apr_size_t n;

    apr_thread_mutex_lock(m->lock);
    n = apr_hash_count(m->index);
    apr_thread_mutex_unlock(m->lock);
    return n;
}

void bantin_moves_save(bantin_moves *m)
{
    apr_pool_t *tmp;
    entry **all;
    bantin_moves_entry *es;
    apr_size_t n, i, len;
    char *data;
    apr_status_t rv;

    if (!m || !m->dirty || !m->state) {
        return;
    }
    prune(m);
    if (apr_pool_create_unmanaged_ex(&tmp, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    all = sorted(m, tmp, &n);
    es = apr_palloc(tmp, (n + 1) * sizeof(*es));
    for (i = 0; i < n; i++) {
        es[i].slug = all[i]->slug;
        es[i].hash = all[i]->hash;
        es[i].when = all[i]->when;
    }
    data = bantin_moves_format(tmp, es, n, &len);
    rv = bantin_state_write_file(m->state, tmp, BANTIN_MOVES_FILE, data, len);
    if (rv == APR_SUCCESS) {
        m->dirty = 0;
        m->write_failed = 0;
    }
    else if (!m->write_failed) {
        char err[120];
        m->write_failed = 1;
        bantin_log(BANTIN_LOG_WARN, "BT0140 %s/%s: cannot be written (%s): "
                   "a restart forgets the articles that moved or left",
                   bantin_state_dir(m->state), BANTIN_MOVES_FILE,
                   apr_strerror(rv, err, sizeof(err)));
    }
    apr_pool_destroy(tmp);
}

/* ---- where a slug leads ------------------------------------------------- */

static int present(const bantin_snapshot *snap, const char *slug)
{
    apr_size_t lo = 0, hi = snap->count;

    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(snap->by_slug[mid]->slug, slug);
        if (c == 0) {
            return 1;
        }
        if (c < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return 0;
}

static const char *base_name(const char *slug)
{
    const char *s = strrchr(slug, '/');
    return s ? s + 1 : slug;
}

/* The visible article with these bytes, first by slug; or else the only
 * visible one with this file name; or NULL. */
static const char *resolve(const bantin_snapshot *snap, const char *slug,
                           apr_uint64_t hash, apr_time_t now)
{
    const char *name = base_name(slug), *same_name = NULL;
    apr_size_t i, nsame = 0;

    for (i = 0; i < snap->count; i++) {
        const bantin_article *a = snap->by_slug[i];
        if (!bantin_article_visible(a, now)) {
            continue;
        }
        if (a->hash == hash) {
            return a->slug;
        }
        if (nsame < 2 && !strcmp(base_name(a->slug), name)) {
            same_name = a->slug;
            nsame++;
        }
    }
    return nsame == 1 ? same_name : NULL;
}

bantin_moves_e bantin_moves_find(bantin_moves *m, const bantin_snapshot *snap,
                                 const char *slug, apr_time_t now,
                                 apr_pool_t *p, const char **to)
{
    apr_time_t epoch;
    apr_uint64_t hash;
    const entry *e;
    const char *memo, *target = NULL;

    /* Hidden (not yet published, expired) is not gone: a 404 as ever. */
    if (!m || present(snap, slug)) {
        return BANTIN_MOVES_UNKNOWN;
    }
    apr_thread_mutex_lock(m->lock);
    if (!(e = apr_hash_get(m->index, slug, APR_HASH_KEY_STRING))) {
        apr_thread_mutex_unlock(m->lock);
        return BANTIN_MOVES_UNKNOWN; /* the common 404: costs no more */
    }
    hash = e->hash;
    apr_thread_mutex_unlock(m->lock);
    /* The answer holds while the same articles are visible. */
    epoch = bantin_snapshot_epoch(snap, now);
    apr_thread_mutex_lock(m->lock);
    if (m->memo_gen != snap->generation || m->memo_epoch != epoch) {
        apr_pool_clear(m->memo_pool);
        m->memo = apr_hash_make(m->memo_pool);
        m->memo_gen = snap->generation;
        m->memo_epoch = epoch;
    }
    memo = apr_hash_get(m->memo, slug, APR_HASH_KEY_STRING);
    if (memo && *memo) {
        target = apr_pstrdup(p, memo);
    }
    apr_thread_mutex_unlock(m->lock);
    if (!memo) {
        /* The snapshot is the request's own: read without the lock. */
        target = resolve(snap, slug, hash, now);
        apr_thread_mutex_lock(m->lock);
        if (m->memo_gen == snap->generation && m->memo_epoch == epoch) {
            apr_hash_set(m->memo, apr_pstrdup(m->memo_pool, slug),
                         APR_HASH_KEY_STRING,
                         apr_pstrdup(m->memo_pool, target ? target : ""));
        }
        apr_thread_mutex_unlock(m->lock);
    }
    if (!target) {
        return BANTIN_MOVES_GONE;
    }
    *to = apr_pstrdup(p, target);
    return BANTIN_MOVES_MOVED;
}

/* ---- the file ------------------------------------------------------------ */

char *bantin_moves_format(apr_pool_t *p, const bantin_moves_entry *e,
                          apr_size_t n, apr_size_t *len)
{
    bantin_buf b;
    apr_size_t i;

    bantin_buf_init(&b, p, 64 + n * 64);
    bantin_buf_addf(&b, "bantin-moves 1 %lu\n", (unsigned long)n);
    for (i = 0; i < n; i++) {
        bantin_buf_addf(&b, "%016" APR_UINT64_T_HEX_FMT " %" APR_INT64_T_FMT
                          " %s\n", e[i].hash, e[i].when, e[i].slug);
    }
    *len = b.len;
    return (char *)bantin_buf_cstr(&b);
}

/* Reads an unsigned number of at most maxdigits digits in base 10 or 16
 * from *s (not past end), up to the character stop. */
static int read_number(const char **s, const char *end, int base,
                       int mindigits, int maxdigits, char stop,
                       apr_uint64_t *out)
{
    apr_uint64_t v = 0;
    int n = 0;

    while (*s < end && **s != stop) {
        char c = **s;
        int d = c >= '0' && c <= '9' ? c - '0'
                : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0 || ++n > maxdigits) {
            return 0;
        }
        v = v * (apr_uint64_t)base + (apr_uint64_t)d;
        (*s)++;
    }
    if (*s == end || n < mindigits) {
        return 0;
    }
    (*s)++; /* the stop */
    *out = v;
    return 1;
}

apr_status_t bantin_moves_parse(apr_pool_t *p, const char *data,
                                apr_size_t len, bantin_moves_entry **out,
                                apr_size_t *n, const char **why)
{
    static const char magic[] = "bantin-moves 1 ";
    const char *s = data, *end = data + len;
    apr_uint64_t count, i;
    bantin_moves_entry *es;

    *out = NULL;
    *n = 0;
    if (len < sizeof(magic) - 1 || memcmp(s, magic, sizeof(magic) - 1)) {
        *why = "not a map of moved articles";
        return APR_EINVAL;
    }
    s += sizeof(magic) - 1;
    if (!read_number(&s, end, 10, 1, 6, '\n', &count)
        || count > BANTIN_MOVES_MAX) {
        *why = "bad count";
        return APR_EINVAL;
    }
    es = apr_palloc(p, ((apr_size_t)count + 1) * sizeof(*es));
    for (i = 0; i < count; i++) {
        apr_uint64_t hash, when;
        const char *slug, *nl;
        if (!read_number(&s, end, 16, 16, 16, ' ', &hash)
            || !read_number(&s, end, 10, 1, 18, ' ', &when)
            || !(nl = memchr(s, '\n', (apr_size_t)(end - s)))
            || nl - s > BANTIN_MOVES_SLUG_MAX
            || !bantin_slug_is_valid(s, (apr_size_t)(nl - s))) {
            *why = apr_psprintf(p, "line %lu is damaged or cut short",
                                (unsigned long)i + 2);
            return APR_EINVAL;
        }
        slug = apr_pstrmemdup(p, s, (apr_size_t)(nl - s));
        es[i].slug = slug;
        es[i].hash = hash;
        es[i].when = (apr_int64_t)when;
        s = nl + 1;
    }
    if (s != end) {
        *why = "more than its count of lines";
        return APR_EINVAL;
    }
    *out = es;
    *n = (apr_size_t)count;
    return APR_SUCCESS;
}
