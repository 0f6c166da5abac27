/* bantin_eventq.h -- inotify events read by one thread, parsed by another.
 *
 * A server with an event loop of its own (nginx) reads a store's inotify
 * descriptor there, when the loop says it is readable, and must never wait
 * for anything: the reader only copies the raw events into this queue,
 * under a lock held for a memcpy, and wakes the store's watcher thread,
 * which takes them all, in order, and does what reading them itself would
 * have done (bantin_store.c: paths looked at again, folders walked, a full
 * walk after an overflow).  The events stay raw so that only the watcher
 * thread ever touches the store's table of watched folders.
 */
#ifndef BANTIN_EVENTQ_H
#define BANTIN_EVENTQ_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct bantin_eventq bantin_eventq;

/* A queue in p; NULL when its lock cannot be made. */
bantin_eventq *bantin_eventq_create(apr_pool_t *p);

/* Reads fd (non-blocking) until EAGAIN and queues what it read.  What does
 * not fit (more than the kernel's own queue holds by default), or a read
 * that fails, counts as an overflow: the taker walks the whole tree.
 * Wakes bantin_eventq_wait when anything was queued.  Never blocks. */
void bantin_eventq_drain(bantin_eventq *q, int fd);

/* Waits up to `wait` for something to be queued; 1 when there is. */
int bantin_eventq_wait(bantin_eventq *q, apr_interval_time_t wait);

/* Takes everything queued: *buf (malloc()ed, the caller frees it; NULL
 * when empty) of *len bytes, whole inotify events in the order read.
 * Returns 1 when events were lost on the way (an overflow). */
int bantin_eventq_take(bantin_eventq *q, char **buf, apr_size_t *len);

#endif
