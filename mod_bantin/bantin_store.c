/* bantin_store.c -- the live content store; see bantin_store.h.
 *
 * The file table (one entry per *.xml file seen) remembers each file's
 * stat identity, its last good article and its current problem.  Only the
 * updating thread touches it, under `updating`; readers see snapshots
 * only.  `lock` guards the current snapshot, reference counts and the
 * queue of retired snapshots, and is held for a few instructions at a
 * time.
 */
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <sys/inotify.h>
#include <unistd.h>
#endif

#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "bantin_buf.h"
#include "bantin_log.h"
#include "bantin_snapshot.h"
#include "bantin_store.h"

/* Deeper trees than this are almost surely a loop or a mistake. */
#define MAX_DEPTH 32

#define STAT_WANTED (APR_FINFO_LINK | APR_FINFO_TYPE | APR_FINFO_MTIME \
                     | APR_FINFO_CTIME | APR_FINFO_SIZE | APR_FINFO_INODE)

typedef struct file_entry {
    char *rel;                /* path below the content dir; the key */
    apr_filetype_e type;
    apr_time_t mtime, ctime;
    apr_off_t size;
    apr_ino_t ino;
    bantin_article *article;  /* the last good version, or NULL */
    char *problem;            /* why the file is not served as it is now */
    unsigned seen;            /* walk generation */
} file_entry;

typedef struct watch {
    int wd;
    char rel[1];              /* the watched folder below the content dir */
} watch;

struct bantin_store {
    const char *dir;
    const bantin_schema *schema;
    int tz_min;
    apr_interval_time_t interval;

    /* updater only */
    apr_pool_t *table_pool;   /* own allocator: never shared with httpd */
    apr_hash_t *files;        /* rel -> file_entry */
    apr_hash_t *rejects;      /* rel -> file_entry with a problem */
    apr_hash_t *watches;      /* wd -> watch */
    apr_size_t ndrafts;
    unsigned generation;
    int ifd;                  /* inotify, or -1: walk with stat() */

    apr_thread_mutex_t *updating;
    apr_thread_mutex_t *lock;
    bantin_snapshot *current;
    bantin_snapshot *retired_head, *retired_tail;
    volatile apr_time_t next_check;
    volatile apr_time_t last_check;
};

/* What one update found. */
typedef struct {
    apr_pool_t *tmp;
    apr_pool_t *scratch;          /* cleared after every file */
    apr_array_header_t *added;    /* of bantin_article *, not drafts */
    apr_array_header_t *garbage;  /* of bantin_article *, replaced */
    int changed;
} changes;

const char *bantin_slug_from_path(apr_pool_t *p, const char *relpath)
{
    apr_size_t n = strlen(relpath);

    if (n <= 4 || strcmp(relpath + n - 4, ".xml")) {
        return NULL;
    }
    if (!bantin_slug_is_valid(relpath, n - 4)) {
        return NULL;
    }
    return apr_pstrmemdup(p, relpath, n - 4);
}

/* ---- the file table ---------------------------------------------------- */

static void set_article(bantin_store *s, changes *ch, file_entry *e,
                        bantin_article *a)
{
    if (e->article) {
        e->article->retired = 1;
        s->ndrafts -= e->article->draft;
        APR_ARRAY_PUSH(ch->garbage, bantin_article *) = e->article;
    }
    e->article = a;
    if (a) {
        s->ndrafts += a->draft;
        if (!a->draft) {
            APR_ARRAY_PUSH(ch->added, bantin_article *) = a;
        }
    }
    ch->changed = 1;
}

static void set_problem(bantin_store *s, changes *ch, file_entry *e,
                        const char *problem)
{
    free(e->problem);
    e->problem = problem ? strdup(problem) : NULL;
    apr_hash_set(s->rejects, e->rel, APR_HASH_KEY_STRING,
                 e->problem ? e : NULL);
    ch->changed = 1;
}

static void drop_entry(bantin_store *s, changes *ch, file_entry *e)
{
    set_article(s, ch, e, NULL);
    set_problem(s, ch, e, NULL);
    apr_hash_set(s->files, e->rel, APR_HASH_KEY_STRING, NULL);
    free(e->rel);
    free(e);
}

/* Parses the file behind e again; keeps the last good article when the
 * new version is bad, and logs once for this version of the file. */
static void load_entry(bantin_store *s, changes *ch, file_entry *e,
                       const char *full)
{
    apr_pool_t *p = ch->scratch;
    const char *slug = bantin_slug_from_path(p, e->rel), *problem;
    bantin_article *a;
    bantin_problem pr;

    if (e->type == APR_LNK) {
        problem = apr_pstrcat(p, full, ": symbolic link not followed", NULL);
        bantin_log(BANTIN_LOG_WARN, "BT0103 %s", problem);
    }
    else if (!slug) {
        problem = apr_pstrcat(p, full, ": skipped: file names must be made "
                              "of a-z, 0-9 and '-' (in every folder too) "
                              "and end in .xml", NULL);
        bantin_log(BANTIN_LOG_WARN, "BT0102 %s", problem);
    }
    else if (bantin_article_load(p, s->schema, full, s->tz_min, &a, &pr)
             == APR_SUCCESS) {
        bantin_article *packed = bantin_article_pack(a, slug);
        if (packed) {
            set_article(s, ch, e, packed);
            set_problem(s, ch, e, NULL);
            return;
        }
        problem = apr_pstrcat(p, full, ": out of memory", NULL);
        bantin_log(BANTIN_LOG_ERR, "BT0101 %s", problem);
    }
    else {
        problem = bantin_problem_str(p, &pr);
        bantin_log(BANTIN_LOG_ERR, "BT0101 %s%s", problem,
                   e->article ? " (the last good version stays online)"
                              : "");
    }
    if (!e->article || e->type == APR_LNK || !slug) {
        set_article(s, ch, e, NULL);
    }
    set_problem(s, ch, e, problem);
}

/* Looks at one file again: gone, unchanged, or changed and parsed. */
static void update_file(bantin_store *s, changes *ch, const char *rel)
{
    const char *full = apr_pstrcat(ch->scratch, s->dir, "/", rel, NULL);
    file_entry *e = apr_hash_get(s->files, rel, APR_HASH_KEY_STRING);
    apr_finfo_t fi;
    apr_status_t rv = apr_stat(&fi, full, STAT_WANTED, ch->scratch);

    if ((rv != APR_SUCCESS && rv != APR_INCOMPLETE)
        || !(fi.valid & APR_FINFO_TYPE)
        || (fi.filetype != APR_REG && fi.filetype != APR_LNK)) {
        if (e) {
            drop_entry(s, ch, e);
        }
        apr_pool_clear(ch->scratch);
        return;
    }
    if (!e) {
        if (!(e = calloc(1, sizeof(*e))) || !(e->rel = strdup(rel))) {
            free(e);
            bantin_log(BANTIN_LOG_ERR, "BT0105 %s: out of memory", full);
            apr_pool_clear(ch->scratch);
            return;
        }
        apr_hash_set(s->files, e->rel, APR_HASH_KEY_STRING, e);
    }
    else if (e->type == fi.filetype && e->mtime == fi.mtime
             && e->ctime == fi.ctime && e->size == fi.size
             && e->ino == fi.inode) {
        e->seen = s->generation;
        apr_pool_clear(ch->scratch);
        return;
    }
    e->type = fi.filetype;
    e->mtime = fi.mtime;
    e->ctime = fi.ctime;
    e->size = fi.size;
    e->ino = fi.inode;
    e->seen = s->generation;
    load_entry(s, ch, e, full);
    apr_pool_clear(ch->scratch);
}

/* ---- walking and watching ---------------------------------------------- */

#ifdef __linux__
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE \
                    | IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW)

static void add_watch(bantin_store *s, const char *full, const char *rel)
{
    int wd;
    watch *w, *old;

    if (s->ifd < 0 || (wd = inotify_add_watch(s->ifd, full, WATCH_MASK)) < 0) {
        return;
    }
    old = apr_hash_get(s->watches, &wd, sizeof(wd));
    if (old && !strcmp(old->rel, rel)) {
        return;
    }
    if (!(w = malloc(sizeof(*w) + strlen(rel)))) {
        return;
    }
    w->wd = wd;
    strcpy(w->rel, rel);
    apr_hash_set(s->watches, &w->wd, sizeof(w->wd), w);
    free(old);
}
#else
static void add_watch(bantin_store *s, const char *full, const char *rel)
{
    (void)s; (void)full; (void)rel;
}
#endif

static int is_article_name(const char *name)
{
    apr_size_t n = strlen(name);
    return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".xml");
}

static void walk(bantin_store *s, changes *ch, const char *rel, int depth)
{
    const char *full = *rel ? apr_pstrcat(ch->tmp, s->dir, "/", rel, NULL)
                            : s->dir;
    apr_dir_t *d;
    apr_finfo_t fi;

    if (depth > MAX_DEPTH) {
        bantin_log(BANTIN_LOG_WARN, "BT0104 %s: deeper than %d folders, "
                   "not read", full, MAX_DEPTH);
        return;
    }
    /* Watch first, then list: a file written in between is then seen by
     * both, never by neither. */
    add_watch(s, full, rel);
    if (apr_dir_open(&d, full, ch->tmp) != APR_SUCCESS) {
        return; /* gone: the sweep drops what was below it */
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        const char *crel;
        if (fi.name[0] == '.') {
            continue; /* ., .., hidden files and editors' temporary files */
        }
        crel = *rel ? apr_pstrcat(ch->tmp, rel, "/", fi.name, NULL)
                    : apr_pstrdup(ch->tmp, fi.name);
        if (fi.filetype == APR_DIR) {
            walk(s, ch, crel, depth + 1);
        }
        else if ((fi.filetype == APR_REG || fi.filetype == APR_LNK)
                 && is_article_name(fi.name)) {
            update_file(s, ch, crel);
        }
    }
    apr_dir_close(d);
}

static int below(const char *rel, const char *prefix)
{
    apr_size_t n = strlen(prefix);
    return n == 0 || (!strncmp(rel, prefix, n) && (!rel[n] || rel[n] == '/'));
}

/* Walks a folder (all of it for "") and drops the files below it that
 * the walk did not see. */
static void rescan_below(bantin_store *s, changes *ch, const char *rel)
{
    apr_hash_index_t *hi;
    apr_array_header_t *gone = apr_array_make(ch->tmp, 4,
                                              sizeof(file_entry *));
    int i;

    s->generation++;
    walk(s, ch, rel, 0);
    for (hi = apr_hash_first(ch->tmp, s->files); hi; hi = apr_hash_next(hi)) {
        file_entry *e = apr_hash_this_val(hi);
        if (e->seen != s->generation && below(e->rel, rel)) {
            APR_ARRAY_PUSH(gone, file_entry *) = e;
        }
    }
    for (i = 0; i < gone->nelts; i++) {
        drop_entry(s, ch, APR_ARRAY_IDX(gone, i, file_entry *));
    }
}

#ifdef __linux__
/* Reads every queued event without blocking.  File events name files to
 * look at again; folder events name folders to walk again.  Returns 1
 * when the queue overflowed and only a full walk can be trusted. */
static int drain_events(bantin_store *s, changes *ch, apr_hash_t *files,
                        apr_array_header_t *folders)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int overflow = 0;

    for (;;) {
        ssize_t n = read(s->ifd, buf, sizeof(buf));
        char *p;
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return overflow || (n < 0 && errno != EAGAIN);
        }
        for (p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            watch *w = apr_hash_get(s->watches, &ev->wd, sizeof(ev->wd));
            p += sizeof(*ev) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                overflow = 1;
            }
            else if (w && (ev->mask & IN_IGNORED)) {
                apr_hash_set(s->watches, &w->wd, sizeof(w->wd), NULL);
                free(w);
            }
            else if (w && ev->len && ev->name[0] != '.') {
                const char *rel = *w->rel
                    ? apr_pstrcat(ch->tmp, w->rel, "/", ev->name, NULL)
                    : apr_pstrdup(ch->tmp, ev->name);
                if (ev->mask & IN_ISDIR) {
                    APR_ARRAY_PUSH(folders, const char *) = rel;
                }
                else if (is_article_name(ev->name)
                         && !(ev->mask & IN_CREATE)) {
                    /* IN_CREATE is skipped: the file is still empty; its
                     * IN_CLOSE_WRITE follows when the writer is done. */
                    apr_hash_set(files, rel, APR_HASH_KEY_STRING, rel);
                }
            }
        }
    }
}
#endif

/* ---- snapshots --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Destroys retired snapshots, oldest first, while nobody holds them: a
 * snapshot's garbage may still be read through any older snapshot, so
 * none is freed before all older ones are.  Called with `lock` held. */
static void collect_retired(bantin_store *s)
{
    while (s->retired_head && s->retired_head->refs == 0) {
        bantin_snapshot *next = s->retired_head->older_next;
        bantin_snapshot_destroy(s->retired_head);
        s->retired_head = next;
    }
    if (!s->retired_head) {
        s->retired_tail = NULL;
    }
}

static void publish(bantin_store *s, changes *ch, apr_time_t now)
{
    bantin_snapshot *old = s->current, *snap;
    apr_array_header_t *rej = apr_array_make(ch->tmp, 8, sizeof(char *));
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(ch->tmp, s->rejects); hi;
         hi = apr_hash_next(hi)) {
        file_entry *e = apr_hash_this_val(hi);
        APR_ARRAY_PUSH(rej, const char *) = e->problem;
    }
    qsort(rej->elts, (size_t)rej->nelts, sizeof(char *), cmp_str);
    snap = bantin_snapshot_build(old, (bantin_article **)ch->added->elts,
                                 (apr_size_t)ch->added->nelts,
                                 (const char *const *)rej->elts,
                                 (apr_size_t)rej->nelts, s->ndrafts, now);
    if (!snap) {
        /* Keep serving the old snapshot; what it references stays
         * allocated (leaked) rather than freed under its readers. */
        bantin_log(BANTIN_LOG_ERR, "BT0105 %s: out of memory building the "
                   "index; changes not published", s->dir);
        return;
    }
    if (old && ch->garbage->nelts) {
        apr_size_t n = (apr_size_t)ch->garbage->nelts;
        if ((old->garbage = malloc(n * sizeof(bantin_article *))) != NULL) {
            memcpy(old->garbage, ch->garbage->elts,
                   n * sizeof(bantin_article *));
            old->ngarbage = n;
        }
    }
    apr_thread_mutex_lock(s->lock);
    s->current = snap;
    if (old) {
        old->refs--; /* the store's own reference */
        if (s->retired_tail) {
            s->retired_tail->older_next = old;
        }
        else {
            s->retired_head = old;
        }
        s->retired_tail = old;
        collect_retired(s);
    }
    apr_thread_mutex_unlock(s->lock);
}

/* One update: find what changed, parse it, publish a new snapshot.
 * Called with `updating` held. */
static void update(bantin_store *s, int full, apr_time_t now)
{
    changes ch;
    apr_hash_t *files;
    apr_array_header_t *folders;

    if (apr_pool_create_unmanaged_ex(&ch.tmp, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    apr_pool_create(&ch.scratch, ch.tmp);
    ch.added = apr_array_make(ch.tmp, 16, sizeof(bantin_article *));
    ch.garbage = apr_array_make(ch.tmp, 16, sizeof(bantin_article *));
    ch.changed = 0;
    files = apr_hash_make(ch.tmp);
    folders = apr_array_make(ch.tmp, 4, sizeof(const char *));

#ifdef __linux__
    if (s->ifd >= 0 && drain_events(s, &ch, files, folders)) {
        full = 1;
    }
#endif
    if (full || s->ifd < 0) {
        rescan_below(s, &ch, "");
    }
    else {
        apr_hash_index_t *hi;
        int i;
        for (i = 0; i < folders->nelts; i++) {
            rescan_below(s, &ch, APR_ARRAY_IDX(folders, i, const char *));
        }
        for (hi = apr_hash_first(ch.tmp, files); hi; hi = apr_hash_next(hi)) {
            update_file(s, &ch, apr_hash_this_key(hi));
        }
    }
    if (ch.changed || !s->current) {
        publish(s, &ch, now);
        bantin_log(BANTIN_LOG_DEBUG, "BT0107 %s: %d articles changed, "
                   "%lu published now", s->dir, ch.added->nelts,
                   s->current ? (unsigned long)s->current->count : 0UL);
    }
    apr_pool_destroy(ch.tmp);
}

/* ---- the public side --------------------------------------------------- */

static apr_status_t store_cleanup(void *data)
{
    bantin_store *s = data;
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, s->files); hi; hi = apr_hash_next(hi)) {
        file_entry *e = apr_hash_this_val(hi);
        bantin_article_free(e->article);
        free(e->problem);
        free(e->rel);
        free(e);
    }
    for (hi = apr_hash_first(NULL, s->watches); hi; hi = apr_hash_next(hi)) {
        free(apr_hash_this_val(hi));
    }
    while (s->retired_head) {
        bantin_snapshot *next = s->retired_head->older_next;
        bantin_snapshot_destroy(s->retired_head);
        s->retired_head = next;
    }
    if (s->current) {
        bantin_snapshot_destroy(s->current);
    }
#ifdef __linux__
    if (s->ifd >= 0) {
        close(s->ifd);
    }
#endif
    apr_pool_destroy(s->table_pool);
    return APR_SUCCESS;
}

apr_status_t bantin_store_create(bantin_store **out, apr_pool_t *p,
                                 const char *dir,
                                 const bantin_schema *schema, int tz_min,
                                 apr_interval_time_t interval)
{
    bantin_store *s = apr_pcalloc(p, sizeof(*s));
    apr_dir_t *d;
    apr_status_t rv;

    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        return rv;
    }
    apr_dir_close(d);
    if ((rv = apr_pool_create_unmanaged_ex(&s->table_pool, NULL, NULL))
        != APR_SUCCESS) {
        return rv;
    }
    s->dir = apr_pstrdup(p, dir);
    s->schema = schema;
    s->tz_min = tz_min;
    s->interval = interval;
    s->ifd = -1;
    s->files = apr_hash_make(s->table_pool);
    s->rejects = apr_hash_make(s->table_pool);
    s->watches = apr_hash_make(s->table_pool);
    apr_thread_mutex_create(&s->updating, APR_THREAD_MUTEX_DEFAULT, p);
    apr_thread_mutex_create(&s->lock, APR_THREAD_MUTEX_DEFAULT, p);
    apr_pool_cleanup_register(p, s, store_cleanup, apr_pool_cleanup_null);

    s->last_check = apr_time_now();
    update(s, 1, s->last_check);
    s->next_check = s->last_check + interval;
    bantin_log(BANTIN_LOG_INFO, "BT0100 %s: %lu articles loaded, %lu files "
               "rejected", s->dir, (unsigned long)s->current->count,
               (unsigned long)s->current->nrejected);
    *out = s;
    return APR_SUCCESS;
}

void bantin_store_child_init(bantin_store *s)
{
    apr_thread_mutex_lock(s->updating);
#ifdef __linux__
    s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->ifd < 0) {
        bantin_log(BANTIN_LOG_WARN, "BT0106 %s: inotify unavailable (%s); "
                   "looking for changes by walking the tree", s->dir,
                   strerror(errno));
    }
#endif
    /* Catch up: parse what changed since the parent loaded, and set the
     * watches on the way. */
    s->last_check = apr_time_now();
    update(s, 1, s->last_check);
    s->next_check = s->last_check + s->interval;
    apr_thread_mutex_unlock(s->updating);
}

void bantin_store_refresh(bantin_store *s, apr_time_t now)
{
    if (now < s->next_check
        || apr_thread_mutex_trylock(s->updating) != APR_SUCCESS) {
        return;
    }
    if (now >= s->next_check) {
        s->next_check = now + s->interval;
        s->last_check = now;
        update(s, 0, now);
    }
    apr_thread_mutex_unlock(s->updating);
}

void bantin_store_rescan(bantin_store *s)
{
    apr_thread_mutex_lock(s->updating);
    s->last_check = apr_time_now();
    update(s, 1, s->last_check);
    apr_thread_mutex_unlock(s->updating);
}

const bantin_snapshot *bantin_store_acquire(bantin_store *s)
{
    bantin_snapshot *snap;

    apr_thread_mutex_lock(s->lock);
    snap = s->current;
    snap->refs++;
    apr_thread_mutex_unlock(s->lock);
    return snap;
}

void bantin_store_release(bantin_store *s, const bantin_snapshot *snap)
{
    apr_thread_mutex_lock(s->lock);
    ((bantin_snapshot *)snap)->refs--;
    collect_retired(s);
    apr_thread_mutex_unlock(s->lock);
}

const char *bantin_store_dir(const bantin_store *s)
{
    return s->dir;
}

apr_time_t bantin_store_last_check(const bantin_store *s)
{
    return s->last_check;
}

int bantin_store_watching(const bantin_store *s)
{
    return s->ifd >= 0;
}
