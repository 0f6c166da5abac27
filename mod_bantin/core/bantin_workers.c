/* bantin_workers.c -- the threads of a serving process (an httpd child,
 * an nginx worker), per content dir: the watcher, which notices changes
 * and publishes them, and the search index's writer; requests only read
 * the newest snapshot (see bantin_workers.h).
 */
#include <pthread.h>
#include <signal.h>

#include "apr_atomic.h"
#include "apr_file_io.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"

#include "bantin_log.h"
#include "bantin_workers.h"

struct bantin_workers {
    const char *dir;
    bantin_store *store;
    const char *search_path;      /* the search index file, or NULL */
    bantin_search *search;        /* opened by bantin_workers_start */
    apr_thread_t *indexer;        /* writes it */
    apr_thread_t *watcher;        /* refreshes the store; NULL: requests
                                   * do */
    volatile apr_uint32_t stopping; /* the process is exiting */
};

/* Keeps the search index in step with the store, in every process: the
 * store calls this on the thread that published a change (the watcher), so it
 * only queues the slugs for the indexer thread below (the writes are
 * idempotent, by content hash: processes applying the same change do no
 * harm, and any one of them suffices). */
static void index_changes(void *baton, const bantin_article *const *added,
                          apr_size_t nadded, const char *const *gone,
                          apr_size_t ngone)
{
    bantin_search_queue(baton, added, nadded, gone, ngone);
}

/* The module's threads take no signal: prefork's child handles SIGTERM
 * by cleaning up its pools in the handler (joining these threads), which
 * must run on the main thread, not on one of those it joins. */
static void block_signals(void)
{
    sigset_t all;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* Brings the index in line with the whole store, when this process is
 * the one that takes the lock: at first start that is the whole build,
 * afterwards what changed while httpd was down.  retry: taking over from
 * a process that stopped, only when the index is not complete once the
 * lock is held (the one that completed it released it just now). */
static void sync_if_first(apr_pool_t *p, bantin_workers *src, int retry)
{
    const char *lock = apr_pstrcat(p, src->search_path, ".lock", NULL);
    apr_file_t *f;
    apr_time_t t0 = apr_time_now();

    if (apr_file_open(&f, lock, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                      APR_FPROT_UREAD | APR_FPROT_UWRITE, p)
        == APR_SUCCESS) {
        if (apr_file_lock(f, APR_FLOCK_EXCLUSIVE | APR_FLOCK_NONBLOCK)
            == APR_SUCCESS) {
            apr_size_t n;
            if (retry && bantin_search_refresh(src->search)) {
                apr_file_unlock(f);
                apr_file_close(f);
                return;
            }
            n = bantin_search_sync(src->search, src->store);
            apr_file_unlock(f);
            if (!bantin_search_stopped(src->search)) {
                bantin_log(BANTIN_LOG_INFO, "BT0302 %s: search index in "
                           "step, %lu articles written in %.2f s", src->dir,
                           (unsigned long)n, (double)(apr_time_now() - t0)
                                                 / APR_USEC_PER_SEC);
            }
        }
        apr_file_close(f);
    }
}

/* How often a process looks at how far another process's sync is (the
 * status page and the search notice show it; an index another process
 * found damaged and emptied is known here within that), and, while the
 * index is not complete, tries to take the sync over from one that
 * stopped. */
#define PROGRESS_POLL apr_time_from_msec(100)

/* Each serving process's index writer.  One process per server (whoever
 * takes the lock) first syncs the whole store; then, in every process,
 * the changes its store publishes. */
static void *APR_THREAD_FUNC indexer(apr_thread_t *t, void *data)
{
    bantin_workers *src = data;
    apr_pool_t *p = apr_thread_pool_get(t);

    block_signals();
    sync_if_first(p, src, 0);
    while (!bantin_search_stopped(src->search)) {
        int complete = bantin_search_refresh(src->search);
        if (!complete) {
            /* the process that was filling it may have gone (a child
             * stopped, an old generation's after a graceful restart):
             * whoever gets the lock now goes on from where it was */
            apr_pool_t *sub;
            if (apr_pool_create(&sub, p) == APR_SUCCESS) {
                sync_if_first(sub, src, 1);
                apr_pool_destroy(sub);
            }
            complete = bantin_search_refresh(src->search);
        }
        bantin_search_work(src->search, src->store, PROGRESS_POLL);
    }
    return NULL;
}

/* At child exit: a pre-cleanup, because APR destroys a pool's subpools
 * (the thread's own pool is one) before its ordinary cleanups, and the
 * index (closed by an ordinary cleanup) must outlive the thread. */
static apr_status_t stop_indexer(void *data)
{
    bantin_workers *src = data;
    apr_status_t rv;

    bantin_search_stop(src->search);
    apr_thread_join(&rv, src->indexer);
    src->indexer = NULL;
    return APR_SUCCESS;
}

static void start_search(apr_pool_t *pchild, bantin_workers *src,
                         apr_uint64_t start_token)
{
    const char *err;

    if (!src->search_path
        || !(src->search = bantin_search_open(pchild, src->search_path,
                                              &err))) {
        return;
    }
    bantin_search_track(src->search, src->store, start_token);
    bantin_store_listen(src->store, index_changes, src->search);
    if (apr_thread_create(&src->indexer, NULL, indexer, src, pchild)
        == APR_SUCCESS) {
        apr_pool_pre_cleanup_register(pchild, src, stop_indexer);
    }
}

/* Each child's watcher: notices changes as they are made and publishes
 * them (the indexer hears of them through index_changes), so that neither
 * the pages nor the search wait for a request to look.  Wakes at least
 * every WATCH_WAIT to see whether the child is exiting. */
#define WATCH_WAIT apr_time_from_msec(100)

static void *APR_THREAD_FUNC watcher(apr_thread_t *t, void *data)
{
    bantin_workers *src = data;

    (void)t;
    block_signals();
    while (!apr_atomic_read32(&src->stopping)) {
        bantin_store_watch(src->store, WATCH_WAIT);
    }
    return NULL;
}

/* A pre-cleanup like stop_indexer, registered after it, so run before it
 * (pre-cleanups run in reverse): the watcher, which feeds the indexer's
 * queue, stops first. */
static apr_status_t stop_watcher(void *data)
{
    bantin_workers *src = data;
    apr_status_t rv;

    apr_atomic_set32(&src->stopping, 1);
    apr_thread_join(&rv, src->watcher);
    src->watcher = NULL;
    return APR_SUCCESS;
}

static void start_watcher(apr_pool_t *pchild, bantin_workers *src)
{
    if (apr_thread_create(&src->watcher, NULL, watcher, src, pchild)
        == APR_SUCCESS) {
        apr_pool_pre_cleanup_register(pchild, src, stop_watcher);
    }
    else {
        src->watcher = NULL; /* requests look for changes instead */
        bantin_log(BANTIN_LOG_WARN, "BT0120 %s: no watcher thread; changes "
                   "are noticed when requests come", src->dir);
    }
}

bantin_workers *bantin_workers_start(apr_pool_t *p, const char *dir,
                                     bantin_store *store,
                                     const char *search_path,
                                     apr_uint64_t start_token)
{
    bantin_workers *w = apr_pcalloc(p, sizeof(*w));

    w->dir = dir;
    w->store = store;
    w->search_path = search_path;
    start_search(p, w, start_token);
    bantin_store_child_init(store);
    start_watcher(p, w);
    return w;
}

bantin_search *bantin_workers_search(const bantin_workers *w)
{
    return w ? w->search : NULL;
}

int bantin_workers_watching(const bantin_workers *w)
{
    return w && w->watcher != NULL;
}

int bantin_workers_events_fd(const bantin_workers *w)
{
    return bantin_workers_watching(w) ? bantin_store_events_fd(w->store) : -1;
}

int bantin_workers_hand_over(bantin_workers *w)
{
    return bantin_workers_watching(w) ? bantin_store_hand_over(w->store) : -1;
}

void bantin_workers_drain(bantin_workers *w)
{
    bantin_store_drain(w->store);
}
