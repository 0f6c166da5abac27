/* bantin_store.h -- the content store: every article of one content dir,
 * kept fresh while the server runs.
 *
 * Readers take a snapshot, an immutable index (by date, by slug), and give
 * it back when done; any number of threads read snapshots without locks.
 * When files change, one thread builds the next snapshot from the changes
 * alone (only changed files are parsed) and swaps it in; old snapshots are
 * freed once no reader holds them or any older one.
 *
 * How changes are noticed: the store is loaded in the httpd parent before
 * children fork (so they share it copy-on-write); the parent keeps
 * watching and refreshing it (httpd's monitor hook), so that children
 * forked later start from recent content.  Each child opens its own
 * inotify instance over the content dir and catches up with changes made
 * since the parent last looked (a stat walk that parses only files whose
 * mtime, ctime, size or inode differ).  Then a thread of the child's
 * calls bantin_store_watch() in a loop: it waits for inotify's events and
 * publishes what changed at once (at most once per check interval), so a
 * change is served and indexed whether or not requests arrive; requests
 * only take the newest snapshot.  (In nginx the worker's event loop
 * reads inotify instead, and hands the events to that thread:
 * bantin_store_hand_over.)  bantin_store_refresh() does the same
 * check on the caller's thread, without waiting (the parent's monitor
 * hook, and requests when no thread could be started).  Where inotify is
 * not available the check walks the tree with stat() instead.
 */
#ifndef BANTIN_STORE_H
#define BANTIN_STORE_H

#include <apr_pools.h>
#include <apr_time.h>

#include "bantin_article.h"

typedef struct bantin_snapshot bantin_snapshot;
typedef struct bantin_store bantin_store;

/* The articles of one category, newest first. */
typedef struct bantin_category {
    const char *slug;               /* "nong-thon-moi" */
    const char *name;               /* "Nông thôn mới": see bantin_names.h */
    apr_size_t order;               /* its place in the names file, 1…;
                                     * 0: not listed there */
    const bantin_article **by_date;
    apr_size_t count;
    apr_size_t *expiring;           /* positions in by_date with expires */
    apr_size_t nexpiring;
} bantin_category;

/* What a snapshot holds, for lists and the status page. */
struct bantin_snapshot {
    const bantin_article **by_date; /* not drafts: date desc, slug asc */
    const bantin_article **by_slug; /* the same articles by slug */
    apr_size_t count;
    apr_size_t *expiring;           /* positions in by_date with expires */
    apr_size_t nexpiring;
    apr_size_t ndrafts;
    bantin_category *categories;    /* sorted by slug */
    apr_size_t ncategories;
    const bantin_article **category_mem; /* backs the categories' arrays */
    char *category_names;           /* backs the categories' names */
    const char **rejected;          /* "file:line:col: why", sorted */
    apr_size_t nrejected;
    apr_time_t built;
    apr_uint64_t generation;        /* 1, 2, 3... as this process built
                                     * them: the snapshot's identity */
    /* the store's bookkeeping */
    int refs;
    bantin_snapshot *older_next;    /* retired queue, oldest first */
    bantin_article **garbage;       /* freed with this snapshot */
    apr_size_t ngarbage;
};

/* The server's User, who reads the articles in the children (see
 * bantin_fs_reader): what it cannot read is served by no process, and
 * listed and logged once (BT0111 a file, BT0112 a folder).  Set once,
 * before the first store is made; NULL (the default): this process reads
 * as the children do. */
struct bantin_fs_reader;
void bantin_store_read_as(const struct bantin_fs_reader *reader);

/* Creates a store over dir and loads it (in the parent, before fork).
 * Problems with single files are logged and never fail the load; only a
 * directory that cannot be read does.  Plain dates are placed at midnight
 * in zone tz_min; interval is how often requests look for changes.
 * state_root, when not NULL, is where the processes share last good
 * copies and which problems they logged (see bantin_state.h). */
apr_status_t bantin_store_create(bantin_store **out, apr_pool_t *p,
                                 const char *dir,
                                 const bantin_schema *schema, int tz_min,
                                 apr_interval_time_t interval,
                                 const char *state_root);

/* The same, reading the articles it can from the start cache in
 * startcache_dir (a folder only this process's user can write: see
 * bantin_startcache.h), when it is not NULL. */
apr_status_t bantin_store_create_cached(bantin_store **out, apr_pool_t *p,
                                        const char *dir,
                                        const bantin_schema *schema,
                                        int tz_min,
                                        apr_interval_time_t interval,
                                        const char *state_root,
                                        const char *startcache_dir);

/* Writes the start cache when the load parsed files it did not hold (or it
 * held files that are gone), once: the parent calls it after startup, so
 * that the write never delays the first page.  Returns the number of
 * articles written, 0 when there was nothing to do. */
apr_size_t bantin_store_save_startcache(bantin_store *s);

/* Looks for changes by walking the tree every interval instead of with
 * inotify: for shared directories (NFS) where other hosts write, which
 * inotify does not see.  Set before bantin_store_child_init. */
void bantin_store_walk_always(bantin_store *s);

/* In each child process, before it serves: open its own watcher and
 * catch up with changes made since the parent last looked. */
void bantin_store_child_init(bantin_store *s);

/* Looks for changes when the check interval has passed; otherwise returns
 * at once.  One thread updates while the others keep reading. */
void bantin_store_refresh(bantin_store *s, apr_time_t now);

/* For a thread of its own that keeps the store fresh without waiting
 * for requests: waits up to `wait` (inotify: for an event; walking: for
 * the check interval to pass), then updates when something changed or
 * the interval has passed, publishing the new snapshot and calling the
 * listener.  Call it in a loop; each call returns within about `wait`
 * plus the time of one update.  Only after bantin_store_child_init (the
 * watcher it opens is the one waited on). */
void bantin_store_watch(bantin_store *s, apr_interval_time_t wait);

/* For a server that reads inotify in its own event loop (nginx), after
 * bantin_store_child_init.  bantin_store_events_fd: this process's inotify
 * descriptor (non-blocking), -1 when it walks.  bantin_store_hand_over:
 * from now on the updating thread (bantin_store_watch) no longer reads it,
 * but waits for what bantin_store_drain queued, and requests never update
 * (bantin_store_refresh returns at once); 0, or -1 when there is nothing
 * to hand over or no room.  bantin_store_drain, whenever the descriptor is
 * readable: reads it until EAGAIN, queues the raw events and wakes the
 * updating thread; never blocks, parses, nor calls the listener
 * (bantin_eventq.h).  The descriptor stays the store's, which closes it:
 * the server stops watching it before the store's pool goes. */
int bantin_store_events_fd(const bantin_store *s);
int bantin_store_hand_over(bantin_store *s);
void bantin_store_drain(bantin_store *s);

/* Walks the whole tree now, parsing what changed; waits for an update in
 * progress (such as the catch-up) to finish first. */
void bantin_store_rescan(bantin_store *s);

const bantin_snapshot *bantin_store_acquire(bantin_store *s);
void bantin_store_release(bantin_store *s, const bantin_snapshot *snap);

/* Called by the updating thread with each update's changes, after they
 * are published: the slugs of articles replaced or removed (`gone`), and
 * the new versions (`added`, not drafts).  Set once, before children
 * run. */
typedef void bantin_store_listener(void *baton,
                                   const bantin_article *const *added,
                                   apr_size_t nadded,
                                   const char *const *gone,
                                   apr_size_t ngone);
void bantin_store_listen(bantin_store *s, bantin_store_listener *fn,
                         void *baton);

const char *bantin_store_dir(const bantin_store *s);
apr_time_t bantin_store_last_check(const bantin_store *s);
int bantin_store_watching(const bantin_store *s); /* inotify in use */
const char *bantin_store_state_dir(const bantin_store *s); /* or NULL */
/* The start cache's file name in its folder, or NULL when there is none. */
const char *bantin_store_startcache_name(const bantin_store *s);

/* Where articles that left the content dir went (bantin_moves.h), or
 * NULL when out of memory. */
struct bantin_moves *bantin_store_moves(bantin_store *s);

/* The article with this slug if it is visible at `now`, else NULL. */
const bantin_article *bantin_snapshot_get(const bantin_snapshot *snap,
                                          const char *slug, apr_time_t now);

/* Articles visible at `now`, newest first: fills out[] with up to n of
 * them starting at the first-th (0-based) and returns how many; *total is
 * how many are visible in all.  Costs O(log count + expiring + n), so a
 * deep page costs what the first does. */
apr_size_t bantin_snapshot_list(const bantin_snapshot *snap, apr_time_t now,
                                apr_size_t first, apr_size_t n,
                                const bantin_article **out,
                                apr_size_t *total);

/* The same, for one category. */
apr_size_t bantin_category_list(const bantin_category *cat, apr_time_t now,
                                apr_size_t first, apr_size_t n,
                                const bantin_article **out,
                                apr_size_t *total);

const bantin_category *bantin_snapshot_category(const bantin_snapshot *snap,
                                                const char *slug);

/* Up to n visible articles of cat nearest in date to a (a excluded),
 * nearest first. */
apr_size_t bantin_category_nearest(const bantin_category *cat,
                                   const bantin_article *a, apr_time_t now,
                                   apr_size_t n, const bantin_article **out);

/* The time of the last change, at or before `now`, of which articles are
 * visible: the latest date reached or expiry passed.  At two times with
 * the same epoch a snapshot lists the same articles, so (generation,
 * epoch) names a list for caching.  O(log count + expiring). */
apr_time_t bantin_snapshot_epoch(const bantin_snapshot *snap, apr_time_t now);

/* The visible articles just newer and just older than a in the whole
 * list (either may be NULL), and up to n older ones after it. */
apr_size_t bantin_snapshot_around(const bantin_snapshot *snap,
                                  const bantin_article *a, apr_time_t now,
                                  const bantin_article **newer,
                                  apr_size_t n, const bantin_article **older);

/* Up to n visible articles older than a in the whole list, leaving out
 * the nskip articles of skip: "Tin khác" without what the page already
 * shows ("Tin liên quan", "Tin cũ hơn"), still n long when there are
 * enough older articles. */
apr_size_t bantin_snapshot_older_except(const bantin_snapshot *snap,
                                        const bantin_article *a,
                                        apr_time_t now,
                                        const bantin_article *const *skip,
                                        apr_size_t nskip, apr_size_t n,
                                        const bantin_article **out);

/* What an article page shows around a, each article once: the visible
 * articles just newer and older (*newer, *older, either may be NULL), up
 * to n of its category nearest in date but for those two (related: room
 * for n + 2), and up to n older ones but for all of these (other: room
 * for n).  Sets the two counts. */
void bantin_snapshot_page_around(const bantin_snapshot *snap,
                                 const bantin_article *a, apr_time_t now,
                                 apr_size_t n,
                                 const bantin_article **newer,
                                 const bantin_article **older,
                                 const bantin_article **related,
                                 apr_size_t *nrelated,
                                 const bantin_article **other,
                                 apr_size_t *nother);

/* Orders articles the way lists show them. */
int bantin_article_cmp(const bantin_article *a, const bantin_article *b);

/* The slug a content-relative file path maps to ("2024/x.xml" ->
 * "2024/x"), or NULL when the name is outside [a-z0-9-] or not *.xml. */
const char *bantin_slug_from_path(apr_pool_t *p, const char *relpath);

#endif
