/* bantin_store.c -- the live content store; see bantin_store.h.
 *
 * The file table (one entry per *.xml file seen) remembers each file's
 * stat identity, its last good article and its current problem.  Only the
 * updating thread touches it, under `updating`; readers see snapshots
 * only.  `lock` guards the current snapshot, reference counts and the
 * queue of retired snapshots, and is held for a few instructions at a
 * time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#endif

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_atomic.h>
#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include "bantin_buf.h"
#include "bantin_eventq.h"
#include "bantin_explain.h"
#include "bantin_fs.h"
#include "bantin_log.h"
#include "bantin_names.h"
#include "bantin_moves.h"
#include "bantin_snapshot.h"
#include "bantin_startcache.h"
#include "bantin_state.h"
#include "bantin_refs.h"
#include "bantin_store.h"

/* Who must be able to read the articles: the server's User (see
 * bantin_fs_reader); NULL when this process reads as the children do.
 * Set once at startup, before any store is made. */
static const bantin_fs_reader *store_reader;

void bantin_store_read_as(const bantin_fs_reader *reader)
{
    store_reader = reader;
}

/* An empty file younger than this may be one being written: every file is
 * empty between its creation and its first write, and a walk can meet it
 * then.  It is judged once it is this old (or when it changes). */
#define SETTLE_TIME apr_time_from_sec(2)

/* Folders the initial load keeps open while it parses (so that a file is
 * opened from its folder, not through the chain of folders above it);
 * the files of any further folder are reached from the top each. */
#define MAX_KEPT_FOLDERS 256

/* Entries live in the table pool, apart from the articles: a child's
 * catch-up walk writes `seen` into every entry, and keeping entries on
 * their own pages means that walk copies those pages only, not the
 * articles it shares with the parent.  A dropped entry's few bytes stay
 * in the pool until restart. */
typedef struct file_entry {
    char *rel;                /* path below the content dir; the key */
    apr_filetype_e type;
    apr_time_t mtime, ctime;
    apr_off_t size;
    apr_ino_t ino;
    bantin_article *article;  /* the last good version, or NULL */
    apr_time_t loaded;        /* when this process parsed that version */
    char *problem;            /* why the file is not served as it is now */
    apr_time_t settle_at;     /* empty and young: when to judge it, or 0 */
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
    bantin_state *state;      /* shared with the other processes, or NULL */

    /* the start cache (parent only) */
    const char *startcache_path;  /* for messages; NULL: none */
    int startcache_dirfd;         /* its folder */
    const char *startcache_name;  /* the file in it */
    apr_uint64_t startcache_key;
    bantin_startcache *startcache; /* open during the initial load only */
    volatile apr_uint32_t cache_hits; /* articles the load took from it */
    volatile apr_uint32_t cache_drafts; /* drafts among them */
    int startcache_dirty;         /* the load parsed files: write it anew */

    /* updater only */
    apr_pool_t *table_pool;   /* own allocator: never shared with httpd */
    apr_hash_t *files;        /* rel -> file_entry */
    apr_hash_t *rejects;      /* rel -> file_entry with a problem */
    apr_hash_t *unsettled;    /* rel -> file_entry with a settle_at */
    apr_hash_t *watches;      /* wd -> watch */
    apr_size_t ndrafts;
    unsigned generation;
    int ifd;                  /* inotify, or -1: walk with stat() */
    int walk_always;          /* never inotify (BantinWatch walk) */
    /* The server's event loop reads ifd and queues its events here
     * (bantin_store_hand_over); NULL: the updating thread reads it.  Set
     * under `updating`. */
    bantin_eventq *handed;

    /* How many times the parent has read its inotify queue: in a page
     * shared with the children, and in the parent's own memory, which a
     * child inherits as it was at fork.  See bantin_store_child_init. */
    volatile apr_uint32_t *parent_reads; /* shared, or NULL */
    apr_uint32_t parent_reads_at_fork;
    int in_child;

    apr_thread_mutex_t *updating;
    apr_thread_mutex_t *lock;
    bantin_snapshot *current;
    bantin_snapshot *retired_head, *retired_tail;
    /* Written under `updating`, read without it (CHECK_GET). */
    apr_time_t next_check;
    apr_time_t last_check;
    bantin_store_listener *listener;
    void *listener_baton;

    /* the names file (bantin_names.h), updater only */
    apr_pool_t *names_pool;   /* holds `names`; replaced with it */
    bantin_names *names;      /* NULL: no file, or a broken one */
    char *names_problem;      /* malloc()ed: why it is not used, or NULL */
    apr_finfo_t names_fi;     /* the version last looked at */
    int names_exists;
    unsigned names_seen;      /* walk generation */
    bantin_moves *moves;      /* where articles that left went, or NULL */
};

/* What one update found. */
typedef struct {
    int top;                      /* the content dir, open; or -1 */
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
            bantin_moves_back(s->moves, a->slug); /* it wins */
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
    if (s->state) {
        bantin_state_forget(s->state, ch->scratch, e->rel);
    }
    if (e->article && !e->article->draft
        && e->article->date.when <= apr_time_now()) {
        /* The file is gone: moved (its old URL leads on) or deleted.  Only
         * an article that was published: the URL of one still embargoed
         * says nothing, 404, as before. */
        bantin_moves_left(s->moves, e->article->slug, e->article->hash,
                          apr_time_now());
    }
    set_article(s, ch, e, NULL);
    set_problem(s, ch, e, NULL);
    apr_hash_set(s->unsettled, e->rel, APR_HASH_KEY_STRING, NULL);
    apr_hash_set(s->files, e->rel, APR_HASH_KEY_STRING, NULL);
}

/* What parsing one file gave; computed without touching the store's
 * tables, so the initial load can do it on several threads. */
typedef struct {
    const char *rel;
    int folder;               /* initial load: its folder in the kept ones,
                               * or -1: reached from the top */
    apr_finfo_t fi;
    int exists;               /* a regular file or a symbolic link */
    bantin_article *article;  /* packed, or NULL */
    const char *data;         /* the bytes parsed, in the job's pool */
    apr_size_t len;
    const char *problem;      /* in the job's pool, or NULL */
    const char *warnings;     /* a good article's broken references: log
                               * lines "BT015x file:line:col: ...", one per
                               * line, or NULL */
    const char *log_id;       /* the message to log with the problem */
    bantin_log_level_e level;
    int keeps_last_good;      /* a bad version: the last good one stays */
    apr_time_t settle_at;     /* not judged before then (SETTLE_TIME), or 0 */
} outcome;

/* The name's own stat (a link is not followed), as APR would give it;
 * 0, or -1 when there is nothing there. */
static int stat_at(int dirfd, const char *name, apr_finfo_t *fi)
{
    struct stat st;

    memset(fi, 0, sizeof(*fi));
    if (dirfd < 0 || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return -1;
    }
    fi->valid = APR_FINFO_LINK | APR_FINFO_TYPE | APR_FINFO_MTIME
                | APR_FINFO_CTIME | APR_FINFO_SIZE | APR_FINFO_INODE;
    fi->filetype = S_ISREG(st.st_mode) ? APR_REG : S_ISLNK(st.st_mode)
                   ? APR_LNK : S_ISDIR(st.st_mode) ? APR_DIR : APR_UNKFILE;
    fi->size = st.st_size;
    fi->inode = st.st_ino;
    /* as apr_stat() computes them: the start cache compares these */
    fi->mtime = apr_time_from_sec(st.st_mtim.tv_sec)
                + st.st_mtim.tv_nsec / APR_TIME_C(1000);
    fi->ctime = apr_time_from_sec(st.st_ctim.tv_sec)
                + st.st_ctim.tv_nsec / APR_TIME_C(1000);
    return 0;
}

/* A good article's broken references as log lines (see outcome), or
 * NULL.  The content dir is opened only for an article with media. */
static const char *broken_refs(const bantin_store *s, apr_pool_t *p,
                               const bantin_article *a, const char *data,
                               apr_size_t len)
{
    apr_array_header_t *refs = apr_array_make(p, 2, sizeof(bantin_problem));
    const char *lines = NULL;
    int i, top = -1;

    for (i = 0; i < a->nblocks && top < 0; i++) {
        if (a->blocks[i].src_is_media) {
            top = bantin_fs_open_top(s->dir);
        }
    }
    bantin_refs_check(p, a, top, data, len, refs);
    if (top >= 0) {
        close(top);
    }
    for (i = 0; i < refs->nelts; i++) {
        const bantin_problem *pr = &APR_ARRAY_IDX(refs, i, bantin_problem);
        const char *line = apr_pstrcat(
            p, pr->msg == BANTIN_MSG_REF_MEDIA_MISSING ? "BT0150 " : "BT0151 ",
            bantin_problem_str(p, pr), NULL);
        lines = lines ? apr_pstrcat(p, lines, "\n", line, NULL) : line;
    }
    return lines;
}

/* Looks at o->rel, which is name in the folder open as dirfd (-1: the
 * folder could not be opened without following a link, or is gone). */
static void examine(const bantin_store *s, apr_pool_t *p, int dirfd,
                    const char *name, outcome *o)
{
    const char *full = apr_pstrcat(p, s->dir, "/", o->rel, NULL);
    const char *slug = bantin_slug_from_path(p, o->rel);
    bantin_article *a;
    bantin_problem pr;
    apr_time_t now;

    o->article = NULL;
    o->problem = NULL;
    o->warnings = NULL;
    o->exists = stat_at(dirfd, name, &o->fi) == 0
                && (o->fi.filetype == APR_REG || o->fi.filetype == APR_LNK);
    if (!o->exists) {
        return;
    }
    o->level = BANTIN_LOG_WARN;
    o->keeps_last_good = 0;
    o->settle_at = 0;
    if (o->fi.filetype == APR_LNK) {
        o->log_id = "BT0103";
        o->problem = apr_pstrcat(p, full, ": symbolic link not followed",
                                 NULL);
    }
    else if (!slug) {
        const char *better = bantin_explain_file_name(p, o->rel);
        o->log_id = "BT0102";
        o->problem = apr_pstrcat(p, full, ": skipped: file names must be "
                                 "made of a-z, 0-9 and '-' (in every folder "
                                 "too) and end in .xml",
                                 better ? apr_pstrcat(p, "; name it ", better,
                                                      NULL)
                                        : "",
                                 NULL);
    }
    else if (!bantin_fs_reader_may_at(store_reader, dirfd, name)) {
        /* The parent (root) could read it, the children could not: read
         * by nobody, so that every process serves the same files. */
        o->log_id = "BT0111";
        o->problem = apr_psprintf(p, "%s: the server's User (%s) cannot "
                                  "read this file; not served", full,
                                  store_reader->name);
    }
    else if (s->startcache
             && (o->article = bantin_startcache_get(s->startcache, o->rel,
                                                    &o->fi, full, slug))) {
        o->article->mtime = o->fi.ctime > o->fi.mtime ? o->fi.ctime
                                                      : o->fi.mtime;
        apr_atomic_inc32(&((bantin_store *)s)->cache_hits);
        if (o->article->draft) {
            apr_atomic_inc32(&((bantin_store *)s)->cache_drafts);
        }
    }
    else if (o->fi.size == 0
             && o->fi.mtime + SETTLE_TIME > (now = apr_time_now())) {
        /* (an mtime in the future counts as now) */
        o->settle_at = (o->fi.mtime < now ? o->fi.mtime : now) + SETTLE_TIME;
        o->keeps_last_good = 1;
        o->problem = apr_pstrcat(p, full, ": empty (still being written?)",
                                 NULL);
    }
    else if (bantin_article_read_at(p, dirfd, name, full, &o->data, &o->len,
                                    &pr) != APR_SUCCESS
             || bantin_article_parse(p, s->schema, full, o->data, o->len,
                                     s->tz_min, &a, &pr) != APR_SUCCESS) {
        o->log_id = "BT0101";
        o->level = BANTIN_LOG_ERR;
        o->keeps_last_good = 1;
        o->problem = bantin_problem_str(p, &pr);
    }
    else {
        /* ctime too: it moves on every write, even of an older copy */
        a->mtime = o->fi.ctime > o->fi.mtime ? o->fi.ctime : o->fi.mtime;
        if (!(o->article = bantin_article_pack(a, slug))) {
            o->log_id = "BT0105";
            o->level = BANTIN_LOG_ERR;
            o->keeps_last_good = 1;
            o->problem = apr_pstrcat(p, full, ": out of memory", NULL);
        }
        else {
            o->warnings = broken_refs(s, p, a, o->data, o->len);
        }
    }
}

/* The last good copy another process saved, when it is newer than what
 * this process holds: parsed and packed, or NULL.  It was written by a
 * child, as the server's User: read and parsed like any article. */
static bantin_article *shared_good_copy(bantin_store *s, apr_pool_t *p,
                                        const file_entry *e)
{
    const char *slug = bantin_slug_from_path(p, e->rel), *data;
    const char *path = apr_pstrcat(p, s->dir, "/", e->rel, NULL);
    apr_size_t len;
    bantin_article *a;
    bantin_problem pr;

    if (!s->state || !slug
        || bantin_state_read_good(s->state, p, e->rel,
                                  e->article ? e->loaded : 0, path, &data,
                                  &len, &pr) != APR_SUCCESS
        || bantin_article_parse(p, s->schema, path, data, len, s->tz_min, &a,
                                &pr) != APR_SUCCESS) {
        return NULL;
    }
    a->mtime = apr_time_now(); /* when it came back into service */
    return bantin_article_pack(a, slug);
}

/* Logs each line of text. */
static void log_lines(bantin_log_level_e level, const char *text)
{
    while (*text) {
        apr_size_t n = strcspn(text, "\n");
        bantin_log(level, "%.*s", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

/* Records an outcome in e: a good article replaces the last one (and,
 * after startup, is saved as the shared last good copy); a bad file keeps
 * the newest good version this process or another one saw (when its name
 * and type still allow it) and is logged once, by one process; a young
 * empty file too, but it is only logged if it stays empty (judge_settled). */
static void apply(bantin_store *s, changes *ch, file_entry *e,
                  const outcome *o, int save)
{
    int logged;
    bantin_article *kept;

    e->type = o->fi.filetype;
    e->mtime = o->fi.mtime;
    e->ctime = o->fi.ctime;
    e->size = o->fi.size;
    e->ino = o->fi.inode;
    e->seen = s->generation;
    e->settle_at = o->settle_at;
    apr_hash_set(s->unsettled, e->rel, APR_HASH_KEY_STRING,
                 e->settle_at ? e : NULL);
    if (o->article) {
        if (save && s->state) {
            bantin_state_save_good(s->state, ch->scratch, e->rel, o->data,
                                   o->len, o->fi.mtime);
        }
        set_article(s, ch, e, o->article);
        e->loaded = apr_time_now();
        set_problem(s, ch, e, NULL);
        /* broken references: once per version of the file, across
         * starts too */
        if (o->warnings
            && (!s->state
                || bantin_state_claim_refs_log(s->state, ch->scratch, e->rel,
                                               &o->fi))) {
            log_lines(BANTIN_LOG_WARN, o->warnings);
        }
        return;
    }
    if (!o->keeps_last_good) {
        set_article(s, ch, e, NULL); /* a symlink or a bad name now */
    }
    else if ((kept = shared_good_copy(s, ch->scratch, e)) != NULL) {
        set_article(s, ch, e, kept);
        e->loaded = apr_time_now();
    }
    if (e->settle_at) {
        set_problem(s, ch, e, o->problem); /* listed, not logged: yet */
        return;
    }
    logged = !s->state
             || bantin_state_claim_log(s->state, ch->scratch, e->rel, &o->fi);
    if (logged) {
        bantin_log(o->level, "%s %s%s", o->log_id, o->problem,
                   e->article && o->keeps_last_good
                       ? " (the last good version stays online)" : "");
    }
    set_problem(s, ch, e, o->problem);
}

static file_entry *new_entry(bantin_store *s, const char *rel)
{
    file_entry *e = apr_pcalloc(s->table_pool, sizeof(*e));
    e->rel = apr_pstrdup(s->table_pool, rel);
    apr_hash_set(s->files, e->rel, APR_HASH_KEY_STRING, e);
    return e;
}

/* ---- the names file ---------------------------------------------------- */

static void set_names(bantin_store *s, changes *ch, apr_pool_t *pool,
                      bantin_names *names, const char *problem)
{
    if (s->names_pool) {
        apr_pool_destroy(s->names_pool);
    }
    s->names_pool = pool;
    s->names = names;
    free(s->names_problem);
    s->names_problem = problem ? strdup(problem) : NULL;
    ch->changed = 1; /* every category may change its name */
}

/* Looks at the names file (name in the folder open as dirfd, the top)
 * again: gone, unchanged, or changed and parsed.  A broken one is logged
 * once, listed with the rejected files, and the categories are named by
 * their articles until it is mended. */
static void update_names(bantin_store *s, changes *ch, int dirfd,
                         const char *name)
{
    const char *full = apr_pstrcat(ch->scratch, s->dir, "/",
                                   BANTIN_NAMES_FILE, NULL);
    const char *problem = NULL, *data;
    apr_finfo_t fi;
    apr_size_t len;
    apr_pool_t *pool = NULL;
    bantin_names *names = NULL;
    bantin_problem pr;

    s->names_seen = s->generation;
    if (stat_at(dirfd, name, &fi) != 0
        || (fi.filetype != APR_REG && fi.filetype != APR_LNK)) {
        if (s->names_exists) {
            s->names_exists = 0;
            set_names(s, ch, NULL, NULL, NULL);
        }
        return;
    }
    if (s->names_exists && s->names_fi.filetype == fi.filetype
        && s->names_fi.mtime == fi.mtime && s->names_fi.ctime == fi.ctime
        && s->names_fi.size == fi.size && s->names_fi.inode == fi.inode) {
        return; /* unchanged */
    }
    s->names_exists = 1;
    s->names_fi = fi;
    if (fi.filetype == APR_LNK) {
        problem = apr_pstrcat(ch->scratch, full, ": symbolic link not "
                              "followed", NULL);
    }
    else if (apr_pool_create(&pool, s->table_pool) != APR_SUCCESS) {
        pool = NULL;
        problem = apr_pstrcat(ch->scratch, full, ": out of memory", NULL);
    }
    else if (bantin_article_read_at(pool, dirfd, name, full, &data, &len,
                                    &pr) != APR_SUCCESS
             || bantin_names_parse(pool, full, data, len, &names, &pr)
                    != APR_SUCCESS) {
        problem = apr_pstrdup(ch->scratch, bantin_problem_str(pool, &pr));
        apr_pool_destroy(pool);
        pool = NULL;
        names = NULL;
    }
    if (!s->state
        || bantin_state_claim_log(s->state, ch->scratch, BANTIN_NAMES_FILE,
                                  &fi)) {
        if (problem) {
            bantin_log(BANTIN_LOG_ERR, "BT0131 %s (categories are named by "
                       "their articles' most used spelling meanwhile)",
                       problem);
        }
        else {
            bantin_log(BANTIN_LOG_INFO, "BT0130 %s: %lu category names",
                       full, (unsigned long)names->count);
        }
    }
    set_names(s, ch, pool, names, problem);
}

/* Looks at one file, name in the folder open as dirfd (or -1: none),
 * again: gone, unchanged, or changed and parsed. */
static void update_file(bantin_store *s, changes *ch, int dirfd,
                        const char *name, const char *rel)
{
    file_entry *e = apr_hash_get(s->files, rel, APR_HASH_KEY_STRING);
    outcome o;
    apr_finfo_t fi;

    if (bantin_names_is_file(rel)) {
        update_names(s, ch, dirfd, name);
        apr_pool_clear(ch->scratch);
        return;
    }
    if (e && stat_at(dirfd, name, &fi) == 0
        && (!e->settle_at || e->settle_at > apr_time_now())
        && e->type == fi.filetype && e->mtime == fi.mtime
        && e->ctime == fi.ctime && e->size == fi.size
        && e->ino == fi.inode) {
        e->seen = s->generation; /* unchanged: nothing to parse */
    }
    else {
        o.rel = rel;
        examine(s, ch->scratch, dirfd, name, &o);
        if (!o.exists) {
            if (e) {
                drop_entry(s, ch, e);
            }
        }
        else {
            apply(s, ch, e ? e : new_entry(s, rel), &o, 1);
        }
    }
    apr_pool_clear(ch->scratch);
}

/* Opens the folder that holds rel, from the top and without following a
 * link; sets *name to rel's last component.  Returns the folder (the top
 * itself for a file at the top: see close_folder), or -1. */
static int open_folder_of(int top, const char *rel, const char **name,
                          apr_pool_t *p)
{
    const char *slash = strrchr(rel, '/');

    *name = slash ? slash + 1 : rel;
    if (top < 0 || !slash) {
        return top;
    }
    return bantin_fs_open_below(top, apr_pstrmemdup(p, rel,
                                                    (apr_size_t)(slash - rel)),
                                BANTIN_FS_DIR);
}

static void close_folder(int top, int fd)
{
    if (fd >= 0 && fd != top) {
        close(fd);
    }
}

/* update_file for a path alone (an inotify event, a file due to settle):
 * reached from the top, component by component. */
static void update_path(bantin_store *s, changes *ch, const char *rel)
{
    const char *name;
    int fd = open_folder_of(ch->top, rel, &name, ch->tmp);

    update_file(s, ch, fd, name, rel);
    close_folder(ch->top, fd);
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
    if (old) {
        /* A folder renamed: same wd, new path.  Remove the old entry first,
         * since apr_hash_set() would keep the old (freed) key. */
        apr_hash_set(s->watches, &old->wd, sizeof(old->wd), NULL);
        free(old);
    }
    apr_hash_set(s->watches, &w->wd, sizeof(w->wd), w);
}
#else
static void add_watch(bantin_store *s, const char *full, const char *rel)
{
    (void)s; (void)full; (void)rel;
}
#endif

/* What a walk does with what it finds: files are looked at again at once,
 * or, when `found` is given, only listed (the initial load parses them in
 * parallel), with the folder that holds them kept open when it can be. */
typedef struct {
    bantin_store *s;
    changes *ch;
    apr_array_header_t *found;    /* of outcome, or NULL */
    apr_array_header_t *kept;     /* of int: the folders kept open */
} walk_ctx;

static void *walk_folder(void *baton, int dirfd, const char *rel)
{
    walk_ctx *c = baton;
    int fd;

    /* Watch first, then list: a file written in between is then seen by
     * both, never by neither. */
    add_watch(c->s, *rel ? apr_pstrcat(c->ch->tmp, c->s->dir, "/", rel, NULL)
                         : c->s->dir, rel);
    if (!c->found || c->kept->nelts >= MAX_KEPT_FOLDERS
        || (fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0) {
        return NULL;
    }
    APR_ARRAY_PUSH(c->kept, int) = fd;
    return (void *)(intptr_t)c->kept->nelts; /* its index + 1 */
}

static void walk_file(void *baton, void *folder, int dirfd, const char *name,
                      const char *rel, int is_link)
{
    walk_ctx *c = baton;

    if (c->found && !bantin_names_is_file(rel)) {
        outcome *o = apr_array_push(c->found);
        memset(o, 0, sizeof(*o));
        o->rel = apr_pstrdup(c->ch->tmp, rel);
        o->folder = (int)(intptr_t)folder - 1; /* in kept, or -1: none */
    }
    else {
        update_file(c->s, c->ch, dirfd, name, rel);
    }
}

/* A folder the server's User cannot list (or this process could not
 * open): not walked, listed as a problem of its own, logged once per
 * version of the folder. */
static int walk_unreadable(void *baton, int parentfd, const char *name,
                           const char *rel)
{
    walk_ctx *c = baton;
    bantin_store *s = c->s;
    file_entry *e = apr_hash_get(s->files, rel, APR_HASH_KEY_STRING);
    outcome o;

    memset(&o, 0, sizeof(o));
    o.rel = rel;
    if (stat_at(parentfd, name, &o.fi) != 0) {
        return 0; /* gone: the sweep drops what was below it */
    }
    if (e && e->problem && e->type == o.fi.filetype
        && e->mtime == o.fi.mtime && e->ctime == o.fi.ctime
        && e->ino == o.fi.inode) {
        e->seen = s->generation; /* as it was: said already */
        return 0;
    }
    o.exists = 1;
    o.log_id = "BT0112";
    o.level = BANTIN_LOG_WARN;
    o.problem = apr_psprintf(c->ch->scratch, "%s/%s/: the server's User "
                             "(%s) cannot read this folder; nothing in it "
                             "is served", s->dir, rel,
                             store_reader ? store_reader->name
                                          : "this process");
    apply(s, c->ch, e ? e : new_entry(s, rel), &o, 0);
    return 0;
}

static void walk_too_deep(void *baton, const char *rel)
{
    walk_ctx *c = baton;

    bantin_log(BANTIN_LOG_WARN, "BT0104 %s/%s: deeper than %d folders, "
               "not read", c->s->dir, rel, BANTIN_FS_MAX_DEPTH);
}

/* Walks the folder rel ("" for all) from the top, through no link. */
static void walk(bantin_store *s, changes *ch, const char *rel,
                 apr_array_header_t *found, apr_array_header_t *kept)
{
    walk_ctx c = {s, ch, found, kept};
    bantin_walker w = {walk_folder, walk_file, walk_too_deep, &c};

    if (ch->top >= 0) {
        /* gone, or a link: the sweep drops what was below it */
        bantin_fs_walk_as(ch->tmp, ch->top, rel, &w, store_reader,
                          walk_unreadable);
    }
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
    walk(s, ch, rel, NULL, NULL);
    for (hi = apr_hash_first(ch->tmp, s->files); hi; hi = apr_hash_next(hi)) {
        file_entry *e = apr_hash_this_val(hi);
        if (e->seen != s->generation && below(e->rel, rel)) {
            APR_ARRAY_PUSH(gone, file_entry *) = e;
        }
    }
    for (i = 0; i < gone->nelts; i++) {
        drop_entry(s, ch, APR_ARRAY_IDX(gone, i, file_entry *));
    }
    if (s->names_exists && s->names_seen != s->generation
        && below(BANTIN_NAMES_FILE, rel)) {
        s->names_exists = 0;
        set_names(s, ch, NULL, NULL, NULL);
    }
}

/* ---- the initial load, on every core ----------------------------------- */

#define MAX_LOADERS 8

typedef struct {
    const bantin_store *store;
    int top;
    const int *kept;          /* folders open during the load */
    outcome *jobs;
    apr_uint32_t njobs;
    volatile apr_uint32_t next;
    apr_pool_t *keep[MAX_LOADERS];  /* per loader: problem texts */
} load_plan;

typedef struct {
    load_plan *plan;
    int id;
} loader_arg;

static void *APR_THREAD_FUNC loader(apr_thread_t *t, void *data)
{
    loader_arg *arg = data;
    load_plan *plan = arg->plan;
    apr_pool_t *scratch;
    apr_uint32_t i;

    if (apr_pool_create(&scratch, plan->keep[arg->id]) != APR_SUCCESS) {
        return NULL; /* the other loaders take its share */
    }
    while ((i = apr_atomic_inc32(&plan->next)) < plan->njobs) {
        outcome *o = &plan->jobs[i];
        const char *name;
        /* its folder as the walk kept it, or (past MAX_KEPT_FOLDERS)
         * reached from the top again */
        int fd = open_folder_of(o->folder >= 0 ? -1 : plan->top, o->rel,
                                &name, scratch);
        if (o->folder >= 0) {
            fd = plan->kept[o->folder];
        }
        examine(plan->store, scratch, fd, name, o);
        if (o->folder < 0) {
            close_folder(plan->top, fd);
        }
        if (o->problem) {
            o->problem = apr_pstrdup(plan->keep[arg->id], o->problem);
        }
        if (o->warnings) {
            o->warnings = apr_pstrdup(plan->keep[arg->id], o->warnings);
        }
        apr_pool_clear(scratch);
    }
    /* Returning, not apr_thread_exit(): that would destroy the thread's
     * pool from this thread, racing with its siblings on the parent's
     * allocator. */
    (void)t;
    return NULL;
}

/* Parsing dominates the start time of a large site, and every file is
 * independent: list them, parse on one thread per core, then record the
 * outcomes in order on this thread. */
static void initial_load(bantin_store *s, changes *ch)
{
    apr_array_header_t *found = apr_array_make(ch->tmp, 1024,
                                               sizeof(outcome));
    apr_array_header_t *kept = apr_array_make(ch->tmp, 16, sizeof(int));
    apr_thread_t *threads[MAX_LOADERS];
    loader_arg args[MAX_LOADERS];
    load_plan plan;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cpus < 1 ? 1 : cpus > MAX_LOADERS ? MAX_LOADERS : (int)cpus;
    int i, started = 0;
    apr_uint32_t k;

    s->generation++;
    walk(s, ch, "", found, kept);
    plan.store = s;
    plan.top = ch->top;
    plan.kept = (const int *)kept->elts;
    plan.njobs = (apr_uint32_t)found->nelts;
    plan.next = 0;
    plan.jobs = (outcome *)found->elts;
    for (i = 0; i < n; i++) {
        if (apr_pool_create_unmanaged_ex(&plan.keep[i], NULL, NULL)
            != APR_SUCCESS) {
            break; /* fewer loaders */
        }
        args[i].plan = &plan;
        args[i].id = i;
    }
    if (!(n = i)) {
        bantin_log(BANTIN_LOG_ERR, "BT0105 %s: out of memory; no file read",
                   s->dir);
        return;
    }
    for (i = 1; i < n && plan.njobs > 64; i++, started++) {
        if (apr_thread_create(&threads[i], NULL, loader, &args[i], ch->tmp)
            != APR_SUCCESS) {
            break;
        }
    }
    loader(NULL, &args[0]); /* this thread works too */
    for (i = 1; i <= started; i++) {
        apr_status_t trv;
        apr_thread_join(&trv, threads[i]);
    }
    for (k = 0; k < plan.njobs; k++) {
        if (plan.jobs[k].exists) {
            apply(s, ch, new_entry(s, plan.jobs[k].rel), &plan.jobs[k], 0);
        }
    }
    for (i = 0; i < n; i++) {
        apr_pool_destroy(plan.keep[i]);
    }
    for (i = 0; i < kept->nelts; i++) {
        close(APR_ARRAY_IDX(kept, i, int));
    }
}

#ifdef __linux__
/* What n bytes of events read from ifd ask for: file events name files
 * to look at again; folder events name folders to walk again.  Returns 1
 * when the queue overflowed and only a full walk can be trusted. */
static int take_events(bantin_store *s, changes *ch, char *buf, apr_size_t n,
                       apr_hash_t *files, apr_array_header_t *folders)
{
    int overflow = 0;
    char *p;

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
            else if (bantin_fs_is_article_name(ev->name)
                     && !(ev->mask & IN_CREATE)) {
                /* IN_CREATE is skipped: the file is still empty; its
                 * IN_CLOSE_WRITE follows when the writer is done. */
                apr_hash_set(files, rel, APR_HASH_KEY_STRING, rel);
            }
        }
    }
    return overflow;
}

/* Reads every queued event without blocking, or, when the server's loop
 * reads them (s->handed), takes what it queued; see take_events. */
static int drain_events(bantin_store *s, changes *ch, apr_hash_t *files,
                        apr_array_header_t *folders)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int overflow = 0;

    if (s->handed) {
        char *queued;
        apr_size_t len;
        overflow = bantin_eventq_take(s->handed, &queued, &len);
        if (queued) {
            overflow |= take_events(s, ch, queued, len, files, folders);
            free(queued);
        }
        return overflow;
    }
    if (!s->in_child && s->parent_reads) {
        /* Counted before reading: a child that finds the parent's queue
         * empty then also finds the count moved (child_caught_up). */
        apr_atomic_set32(s->parent_reads, ++s->parent_reads_at_fork);
    }
    for (;;) {
        ssize_t n = read(s->ifd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return overflow || (n < 0 && errno != EAGAIN);
        }
        overflow |= take_events(s, ch, buf, (apr_size_t)n, files, folders);
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
    if (s->names_problem) {
        APR_ARRAY_PUSH(rej, const char *) = s->names_problem;
    }
    qsort(rej->elts, (size_t)rej->nelts, sizeof(char *), cmp_str);
    snap = bantin_snapshot_build_named(old,
                                       (bantin_article **)ch->added->elts,
                                       (apr_size_t)ch->added->nelts,
                                       (const char *const *)rej->elts,
                                       (apr_size_t)rej->nelts, s->ndrafts,
                                       now, s->names);
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

/* Empty files that have had SETTLE_TIME to get their content are judged
 * now, changed or not. */
static void judge_settled(bantin_store *s, changes *ch, apr_time_t now)
{
    apr_array_header_t *due;
    apr_hash_index_t *hi;
    int i;

    if (!apr_hash_count(s->unsettled)) {
        return;
    }
    due = apr_array_make(ch->tmp, 4, sizeof(const char *));
    for (hi = apr_hash_first(ch->tmp, s->unsettled); hi;
         hi = apr_hash_next(hi)) {
        const file_entry *e = apr_hash_this_val(hi);
        if (e->settle_at <= now) {
            APR_ARRAY_PUSH(due, const char *) = e->rel;
        }
    }
    for (i = 0; i < due->nelts; i++) {
        update_path(s, ch, APR_ARRAY_IDX(due, i, const char *));
    }
}

/* One update: find what changed, parse it, publish a new snapshot.
 * Called with `updating` held. */
static void update(bantin_store *s, int full, apr_time_t now)
{
    changes ch;
    apr_hash_t *files;
    apr_array_header_t *folders, *gone = NULL;

    if (apr_pool_create_unmanaged_ex(&ch.tmp, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    if (apr_pool_create(&ch.scratch, ch.tmp) != APR_SUCCESS) {
        apr_pool_destroy(ch.tmp);
        return;
    }
    ch.added = apr_array_make(ch.tmp, 16, sizeof(bantin_article *));
    ch.garbage = apr_array_make(ch.tmp, 16, sizeof(bantin_article *));
    ch.changed = 0;
    /* Opened anew at every update, by its configured path: everything
     * below it is reached from this descriptor, through no link. */
    ch.top = bantin_fs_open_top(s->dir);
    files = apr_hash_make(ch.tmp);
    folders = apr_array_make(ch.tmp, 4, sizeof(const char *));

#ifdef __linux__
    if (s->ifd >= 0 && drain_events(s, &ch, files, folders)) {
        full = 1;
    }
#endif
    if (!s->current) {
        initial_load(s, &ch);
    }
    else if (full || s->ifd < 0) {
        rescan_below(s, &ch, "");
    }
    else {
        apr_hash_index_t *hi;
        int i;
        for (i = 0; i < folders->nelts; i++) {
            rescan_below(s, &ch, APR_ARRAY_IDX(folders, i, const char *));
        }
        for (hi = apr_hash_first(ch.tmp, files); hi; hi = apr_hash_next(hi)) {
            update_path(s, &ch, apr_hash_this_key(hi));
        }
    }
    judge_settled(s, &ch, now);
    if (s->listener && (ch.added->nelts || ch.garbage->nelts)) {
        /* The replaced articles may be freed once published; their slugs
         * are all the listener needs of them. */
        int i;
        gone = apr_array_make(ch.tmp, ch.garbage->nelts, sizeof(char *));
        for (i = 0; i < ch.garbage->nelts; i++) {
            APR_ARRAY_PUSH(gone, const char *) = apr_pstrdup(
                ch.tmp, APR_ARRAY_IDX(ch.garbage, i, bantin_article *)->slug);
        }
    }
    if (ch.changed || !s->current) {
        publish(s, &ch, now);
        bantin_moves_save(s->moves);
        bantin_log(BANTIN_LOG_DEBUG, "BT0107 %s: %d articles changed, "
                   "%lu published now", s->dir, ch.added->nelts,
                   s->current ? (unsigned long)s->current->count : 0UL);
    }
    /* After publishing: readers never wait for the listener (the search
     * index); added articles stay valid until this thread's next update. */
    if (gone) {
        s->listener(s->listener_baton,
                    (const bantin_article *const *)ch.added->elts,
                    (apr_size_t)ch.added->nelts,
                    (const char *const *)gone->elts,
                    (apr_size_t)gone->nelts);
    }
    if (ch.top >= 0) {
        close(ch.top);
    }
    apr_pool_destroy(ch.tmp);
}

/* ---- the public side --------------------------------------------------- */

/* Opens this process's own inotify instance.  A child closes the one it
 * inherited from the parent first: an instance shared across fork would
 * hand each event to whichever process read first. */
static void open_watcher(bantin_store *s)
{
#ifdef __linux__
    if (s->ifd >= 0) {
        close(s->ifd);
        s->ifd = -1;
    }
    if (s->walk_always) {
        return;
    }
    s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->ifd < 0) {
        bantin_log(BANTIN_LOG_WARN, "BT0106 %s: inotify unavailable (%s); "
                   "looking for changes by walking the tree", s->dir,
                   strerror(errno));
    }
    {
        /* The old instance's watch descriptors.  Their keys live in the
         * values, so the table is emptied before they are freed. */
        apr_hash_index_t *hi;
        apr_array_header_t *old = apr_array_make(s->table_pool, 8,
                                                 sizeof(watch *));
        int i;
        for (hi = apr_hash_first(NULL, s->watches); hi;
             hi = apr_hash_next(hi)) {
            APR_ARRAY_PUSH(old, watch *) = apr_hash_this_val(hi);
        }
        apr_hash_clear(s->watches);
        for (i = 0; i < old->nelts; i++) {
            free(APR_ARRAY_IDX(old, i, watch *));
        }
    }
#endif
}

static apr_status_t store_cleanup(void *data)
{
    bantin_store *s = data;
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, s->files); hi; hi = apr_hash_next(hi)) {
        file_entry *e = apr_hash_this_val(hi);
        bantin_article_free(e->article);
        free(e->problem);
    }
    for (hi = apr_hash_first(NULL, s->watches); hi; hi = apr_hash_next(hi)) {
        free(apr_hash_this_val(hi));
    }
    free(s->names_problem);
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
    if (s->parent_reads) {
        munmap((void *)s->parent_reads, sizeof(*s->parent_reads));
    }
#endif
    apr_pool_destroy(s->table_pool);
    return APR_SUCCESS;
}

apr_status_t bantin_store_create(bantin_store **out, apr_pool_t *p,
                                 const char *dir,
                                 const bantin_schema *schema, int tz_min,
                                 apr_interval_time_t interval,
                                 const char *state_root)
{
    return bantin_store_create_cached(out, p, dir, schema, tz_min, interval,
                                      state_root, NULL);
}

/* Opens the start cache for the initial load (its index of records in
 * `tmp`, gone after the load), after removing what a write cut short (a
 * stop in the middle) left behind. */
static void open_startcache(bantin_store *s, apr_pool_t *p, apr_pool_t *tmp,
                            const char *cache_dir)
{
    const char *why;
    int fd = bantin_startcache_dir(p, cache_dir, &why);

    if (fd < 0) {
        bantin_log(BANTIN_LOG_WARN, "BT0110 %s: start cache off: %s",
                   s->dir, why);
        return;
    }
    /* one file per content dir and zone (the zone shapes the articles) */
    s->startcache_dirfd = fd;
    s->startcache_name = apr_psprintf(
        p, "%016" APR_UINT64_T_HEX_FMT ".cache",
        bantin_hash_str(BANTIN_HASH_INIT + (apr_uint64_t)(s->tz_min + 24 * 60),
                        s->dir));
    s->startcache_path = apr_pstrcat(p, cache_dir, "/", s->startcache_name,
                                     NULL);
    s->startcache_key = bantin_startcache_key(s->tz_min);
    bantin_startcache_clean(tmp, fd, s->startcache_name);
    s->startcache = bantin_startcache_open(tmp, fd, s->startcache_name,
                                           s->startcache_key);
}

apr_status_t bantin_store_create_cached(bantin_store **out, apr_pool_t *p,
                                        const char *dir,
                                        const bantin_schema *schema,
                                        int tz_min,
                                        apr_interval_time_t interval,
                                        const char *state_root,
                                        const char *startcache_dir)
{
    bantin_store *s = apr_pcalloc(p, sizeof(*s));
    apr_pool_t *load_tmp = NULL;
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
    s->state = state_root ? bantin_state_open(p, state_root, dir) : NULL;
    s->moves = bantin_moves_create(p, s->state, dir);
    s->files = apr_hash_make(s->table_pool);
    s->rejects = apr_hash_make(s->table_pool);
    s->unsettled = apr_hash_make(s->table_pool);
    s->watches = apr_hash_make(s->table_pool);
    if ((rv = apr_thread_mutex_create(&s->updating, APR_THREAD_MUTEX_DEFAULT,
                                      p)) != APR_SUCCESS
        || (rv = apr_thread_mutex_create(&s->lock, APR_THREAD_MUTEX_DEFAULT,
                                         p)) != APR_SUCCESS) {
        apr_pool_destroy(s->table_pool);
        return rv;
    }
    apr_pool_cleanup_register(p, s, store_cleanup, apr_pool_cleanup_null);

    /* The parent watches too, so that the children it forks later start
     * from recent content (see bantin_store_child_init). */
    open_watcher(s);
#ifdef __linux__
    {
        void *page = mmap(NULL, sizeof(*s->parent_reads),
                          PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                          -1, 0);
        s->parent_reads = page == MAP_FAILED ? NULL : page;
    }
#endif
    if (startcache_dir
        && apr_pool_create(&load_tmp, p) == APR_SUCCESS) {
        open_startcache(s, p, load_tmp, startcache_dir);
    }
    s->last_check = apr_time_now();
    update(s, 1, s->last_check);
    s->next_check = s->last_check + interval;
    if (!s->current) {
        /* Nothing to serve, not even an empty site (store_cleanup frees
         * what was made when p goes). */
        bantin_log(BANTIN_LOG_ERR, "BT0105 %s: out of memory building the "
                   "first index; not served", s->dir);
        if (load_tmp) {
            apr_pool_destroy(load_tmp);
        }
        return APR_ENOMEM;
    }
    if (s->startcache_path) {
        /* Articles parsed, or files gone since: the cache is out of date
         * (broken files are never in it, and change nothing). */
        apr_hash_index_t *hi;
        apr_size_t good = 0;
        for (hi = apr_hash_first(NULL, s->files); hi;
             hi = apr_hash_next(hi)) {
            const file_entry *e = apr_hash_this_val(hi);
            good += e->article && !e->problem;
        }
        s->startcache_dirty = s->cache_hits != good
                              || s->cache_hits
                                     != bantin_startcache_count(s->startcache);
        s->startcache = NULL;
    }
    if (load_tmp) {
        apr_pool_destroy(load_tmp); /* unmaps the cache too */
    }
    bantin_log(BANTIN_LOG_INFO, "BT0100 %s: %lu articles loaded, %lu files "
               "rejected%s", s->dir, (unsigned long)s->current->count,
               (unsigned long)s->current->nrejected,
               s->startcache_path
                   ? apr_psprintf(p, "; %lu read from the start cache",
                                  /* counted as the articles are: drafts
                                   * are not among them */
                                  (unsigned long)(s->cache_hits
                                                  - s->cache_drafts))
                   : "");
    *out = s;
    return APR_SUCCESS;
}

apr_size_t bantin_store_save_startcache(bantin_store *s)
{
    apr_pool_t *p;
    apr_array_header_t *entries;
    apr_hash_index_t *hi;
    apr_size_t n = 0;

    if (!s->startcache_dirty
        || apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return 0;
    }
    apr_thread_mutex_lock(s->updating);
    s->startcache_dirty = 0;
    entries = apr_array_make(p, (int)apr_hash_count(s->files),
                             sizeof(bantin_startcache_entry));
    for (hi = apr_hash_first(p, s->files); hi; hi = apr_hash_next(hi)) {
        const file_entry *e = apr_hash_this_val(hi);
        bantin_startcache_entry *c;
        /* Only articles that are what their file holds now: not a last
         * good version standing in for a broken file. */
        if (!e->article || e->problem || e->type != APR_REG) {
            continue;
        }
        c = apr_array_push(entries);
        c->rel = e->rel;
        c->size = e->size;
        c->mtime = e->mtime;
        c->ctime = e->ctime;
        c->ino = e->ino;
        c->article = e->article;
    }
    if (bantin_startcache_write(p, s->startcache_dirfd, s->startcache_name,
                                s->startcache_key,
                                (bantin_startcache_entry *)entries->elts,
                                (apr_size_t)entries->nelts)
        == APR_SUCCESS) {
        n = (apr_size_t)entries->nelts;
    }
    else {
        bantin_log(BANTIN_LOG_WARN, "BT0110 %s: the start cache could not "
                   "be written", s->startcache_path);
    }
    apr_thread_mutex_unlock(s->updating);
    apr_pool_destroy(p);
    return n;
}

#ifdef __linux__
/* A new child's quick way to catch up: with its own watches already set
 * on every folder the parent watched, nothing can have changed since the
 * parent last looked if the parent's inotify queue (inherited, parent_fd)
 * is empty and the parent has not read it since the fork.  Checked in that
 * order (the parent counts before it reads): events the parent took after
 * the fork show as a moved count, events still queued as a queue, and
 * events after this check reach the child's own watches. */
static int child_caught_up(bantin_store *s, int parent_fd,
                           const apr_array_header_t *folders,
                           apr_pool_t *tmp)
{
    int i, queued = -1;

    for (i = 0; i < folders->nelts; i++) {
        const char *rel = APR_ARRAY_IDX(folders, i, const char *);
        add_watch(s, *rel ? apr_pstrcat(tmp, s->dir, "/", rel, NULL) : s->dir,
                  rel);
    }
    if ((apr_size_t)folders->nelts != apr_hash_count(s->watches)
        || ioctl(parent_fd, FIONREAD, &queued) != 0 || queued != 0) {
        return 0;
    }
    return apr_atomic_read32(s->parent_reads) == s->parent_reads_at_fork;
}
#endif

void bantin_store_child_init(bantin_store *s)
{
    /* Catch up with what changed since the parent last looked, setting
     * this process's watches on the way, before the child serves anything:
     * a child never answers from content older than its parent's.  When
     * provably nothing changed, the walk (a stat of every file: 0.3 s at
     * 100,000 articles, in every child) is skipped. */
#ifdef __linux__
    int parent_fd = s->ifd, quick = 0;
    apr_pool_t *tmp;
    apr_array_header_t *folders = NULL;
    apr_hash_index_t *hi;

    s->in_child = 1;
    if (parent_fd >= 0 && s->parent_reads
        && apr_pool_create_unmanaged_ex(&tmp, NULL, NULL) == APR_SUCCESS) {
        folders = apr_array_make(tmp, 64, sizeof(const char *));
        for (hi = apr_hash_first(tmp, s->watches); hi;
             hi = apr_hash_next(hi)) {
            const watch *w = apr_hash_this_val(hi);
            APR_ARRAY_PUSH(folders, const char *) = apr_pstrdup(tmp, w->rel);
        }
    }
    s->ifd = -1; /* the parent's: kept open until the check below */
    open_watcher(s);
    if (folders) {
        quick = s->ifd >= 0 && child_caught_up(s, parent_fd, folders, tmp);
        apr_pool_destroy(tmp);
    }
    if (parent_fd >= 0) {
        close(parent_fd);
    }
    if (quick) {
        bantin_log(BANTIN_LOG_DEBUG, "BT0107 %s: caught up without a walk: "
                   "nothing changed since the parent looked", s->dir);
        return;
    }
#else
    open_watcher(s);
#endif
    bantin_store_rescan(s);
}

/* The times every request reads without a lock: atomic, so that a read
 * racing a write sees the old or the new value, never half of each (a
 * 64-bit value on a 32-bit machine).  Relaxed is enough: the time only
 * says whether to try `updating`, under which it is read again. */
#define CHECK_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define CHECK_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

void bantin_store_refresh(bantin_store *s, apr_time_t now)
{
    /* handed over: the watcher thread updates, never a request (in nginx,
     * the event loop's thread) */
    if (__atomic_load_n(&s->handed, __ATOMIC_RELAXED)
        || now < CHECK_GET(s->next_check)
        || apr_thread_mutex_trylock(s->updating) != APR_SUCCESS) {
        return;
    }
    if (now >= s->next_check) {
        CHECK_SET(s->next_check, now + s->interval);
        CHECK_SET(s->last_check, now);
        update(s, 0, now);
    }
    apr_thread_mutex_unlock(s->updating);
}

/* The watcher thread's step (see bantin_store.h).  Paced by the check
 * interval, as requests were: an editor's burst of writes makes one
 * update per interval, not one per file. */
void bantin_store_watch(bantin_store *s, apr_interval_time_t wait)
{
    apr_time_t now = apr_time_now(), next = CHECK_GET(s->next_check);
    bantin_eventq *handed;
    int due;

    if (now < next) {
        apr_sleep(next - now < wait ? next - now : wait);
        return;
    }
    apr_thread_mutex_lock(s->updating);
    /* Walking, or empty files waiting to be judged: due at every
     * interval.  Otherwise only when inotify has something to say. */
    due = s->ifd < 0 || apr_hash_count(s->unsettled) > 0;
    handed = s->handed;
    apr_thread_mutex_unlock(s->updating);
#ifdef __linux__
    if (!due && handed) {
        /* the server's loop reads inotify, and says when it queued */
        due = bantin_eventq_wait(handed, wait);
        CHECK_SET(s->last_check, apr_time_now());
    }
    else if (!due) {
        struct pollfd pfd;
        pfd.fd = s->ifd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        due = poll(&pfd, 1, (int)apr_time_as_msec(wait)) > 0;
        CHECK_SET(s->last_check, apr_time_now());
    }
#endif
    if (!due) {
        return;
    }
    apr_thread_mutex_lock(s->updating);
    now = apr_time_now();
    CHECK_SET(s->next_check, now + s->interval);
    CHECK_SET(s->last_check, now);
    update(s, 0, now);
    apr_thread_mutex_unlock(s->updating);
}

int bantin_store_events_fd(const bantin_store *s)
{
    return s->ifd;
}

int bantin_store_hand_over(bantin_store *s)
{
    bantin_eventq *q = NULL;

    /* under `updating`: an update in progress reads ifd to the end first,
     * and every later one takes the queue instead; and the table pool is
     * the updating thread's */
    apr_thread_mutex_lock(s->updating);
    if (s->ifd >= 0 && !s->handed
        && (q = bantin_eventq_create(s->table_pool)) != NULL) {
        __atomic_store_n(&s->handed, q, __ATOMIC_RELAXED);
    }
    apr_thread_mutex_unlock(s->updating);
    return q ? 0 : -1;
}

void bantin_store_drain(bantin_store *s)
{
    bantin_eventq_drain(s->handed, s->ifd);
}

void bantin_store_rescan(bantin_store *s)
{
    apr_time_t now;

    apr_thread_mutex_lock(s->updating);
    now = apr_time_now();
    CHECK_SET(s->last_check, now);
    update(s, 1, now);
    CHECK_SET(s->next_check, now + s->interval);
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

void bantin_store_walk_always(bantin_store *s)
{
    s->walk_always = 1;
#ifdef __linux__
    if (s->ifd >= 0) {
        close(s->ifd);
        s->ifd = -1;
    }
#endif
}

void bantin_store_listen(bantin_store *s, bantin_store_listener *fn,
                         void *baton)
{
    s->listener = fn;
    s->listener_baton = baton;
}

const char *bantin_store_dir(const bantin_store *s)
{
    return s->dir;
}

apr_time_t bantin_store_last_check(const bantin_store *s)
{
    return CHECK_GET(s->last_check);
}

struct bantin_moves *bantin_store_moves(bantin_store *s)
{
    return s->moves;
}

const char *bantin_store_state_dir(const bantin_store *s)
{
    return s->state ? bantin_state_dir(s->state) : NULL;
}

const char *bantin_store_startcache_name(const bantin_store *s)
{
    return s->startcache_path ? s->startcache_name : NULL;
}

int bantin_store_watching(const bantin_store *s)
{
    return s->ifd >= 0;
}
