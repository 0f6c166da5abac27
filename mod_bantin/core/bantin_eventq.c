/* bantin_eventq.c -- inotify events read by one thread, parsed by another;
 * see bantin_eventq.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/inotify.h>
#endif

#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "bantin_eventq.h"

/* About what the kernel's queue holds by default (max_queued_events,
 * 16384 events with short names): a watcher thread that falls this far
 * behind walks the whole tree instead, as after the kernel's overflow. */
#define QUEUE_MAX (1024 * 1024)

struct bantin_eventq {
    apr_thread_mutex_t *lock;     /* held for a memcpy or a swap */
    apr_thread_cond_t *queued;    /* signalled when events arrive */
    char *buf;                    /* malloc()ed, or NULL */
    apr_size_t len, size;
    int overflow;
};

bantin_eventq *bantin_eventq_create(apr_pool_t *p)
{
    bantin_eventq *q = apr_pcalloc(p, sizeof(*q));

    if (apr_thread_mutex_create(&q->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS
        || apr_thread_cond_create(&q->queued, p) != APR_SUCCESS) {
        return NULL;
    }
    return q;
}

/* Appends n bytes, with the lock held; what does not fit is an overflow
 * (the events already queued stay: they come before it). */
static void append(bantin_eventq *q, const char *data, apr_size_t n)
{
    if (q->overflow) {
        return;
    }
    if (q->len + n > q->size) {
        apr_size_t size = q->size ? q->size : 16384;
        char *grown;
        while (size < q->len + n) {
            size *= 2;
        }
        if (size > QUEUE_MAX || !(grown = realloc(q->buf, size))) {
            q->overflow = 1;
            return;
        }
        q->buf = grown;
        q->size = size;
    }
    memcpy(q->buf + q->len, data, n);
    q->len += n;
}

void bantin_eventq_drain(bantin_eventq *q, int fd)
{
#ifdef __linux__
    /* room for at least one event with the longest name: a smaller read
     * fails with EINVAL */
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
#else
    char buf[16384];
#endif
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n < 0 && errno != EAGAIN) {
                /* nothing read can be trusted to be complete */
                apr_thread_mutex_lock(q->lock);
                q->overflow = 1;
                apr_thread_cond_signal(q->queued);
                apr_thread_mutex_unlock(q->lock);
            }
            return;
        }
        apr_thread_mutex_lock(q->lock);
        append(q, buf, (apr_size_t)n);
        apr_thread_cond_signal(q->queued);
        apr_thread_mutex_unlock(q->lock);
    }
}

int bantin_eventq_wait(bantin_eventq *q, apr_interval_time_t wait)
{
    int any;

    apr_thread_mutex_lock(q->lock);
    if (!q->len && !q->overflow) {
        apr_thread_cond_timedwait(q->queued, q->lock, wait);
    }
    any = q->len || q->overflow;
    apr_thread_mutex_unlock(q->lock);
    return any;
}

int bantin_eventq_take(bantin_eventq *q, char **buf, apr_size_t *len)
{
    int overflow;

    apr_thread_mutex_lock(q->lock);
    *buf = q->buf;
    *len = q->len;
    overflow = q->overflow;
    q->buf = NULL;
    q->len = q->size = 0;
    q->overflow = 0;
    apr_thread_mutex_unlock(q->lock);
    return overflow;
}
