/* bantin_workers.h -- the threads of a serving process, per content dir.
 *
 * In each process that serves requests (an httpd child, an nginx worker),
 * once it runs: the store catches up with what changed since the content
 * was loaded (bantin_store_child_init), a watcher thread notices changes
 * as they are made and publishes them, and an indexer thread keeps the
 * search index in step (the whole store first, in the one process that
 * takes the index's lock).  Requests never pay for either: they only read
 * the newest snapshot.
 */
#ifndef BANTIN_WORKERS_H
#define BANTIN_WORKERS_H

#include <apr_pools.h>

#include "bantin_search.h"
#include "bantin_store.h"

typedef struct bantin_workers bantin_workers;

/* Starts the threads of the content dir dir (its store; search_path: its
 * search index, NULL for none; start_token: see bantin_search_track).
 * Both stop, and are joined, by pre-cleanups of p (the process's pool),
 * the watcher first.  Without a watcher thread (it could not be made:
 * BT0120), requests look for changes themselves. */
bantin_workers *bantin_workers_start(apr_pool_t *p, const char *dir,
                                     bantin_store *store,
                                     const char *search_path,
                                     apr_uint64_t start_token);

/* The open search index, or NULL when search is off. */
bantin_search *bantin_workers_search(const bantin_workers *w);

/* Whether the watcher thread runs (w NULL: no). */
int bantin_workers_watching(const bantin_workers *w);

/* For a server that reads inotify in its own event loop (nginx): the
 * content dir's inotify descriptor to register there (non-blocking), or
 * -1 when there is none to take over (bantin_watch walk, no inotify, or
 * no watcher thread to hand the events to).  Once registered, the server
 * calls bantin_workers_hand_over, and then bantin_workers_drain whenever
 * the descriptor is readable (see bantin_store_hand_over); until then the
 * watcher thread reads it itself.  The descriptor is the store's: the
 * server never closes it, and unregisters it before p's cleanups run. */
int bantin_workers_events_fd(const bantin_workers *w);
int bantin_workers_hand_over(bantin_workers *w);
void bantin_workers_drain(bantin_workers *w);

#endif
