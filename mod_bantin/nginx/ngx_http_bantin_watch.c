/* ngx_http_bantin_watch.c -- each worker reads its content dirs' inotify
 * descriptors in its own event loop.
 *
 * The core's watcher thread would wait on inotify itself (as in httpd).
 * Here the worker's event loop does: each descriptor is a read event on a
 * connection of its own (no socket: nginx only needs an fd and a handler),
 * whose handler reads until EAGAIN and queues the raw events for the
 * core's watcher thread (bantin_workers_drain), which parses the changed
 * files, publishes a snapshot and feeds the search index.  So the handler
 * never parses, walks nor touches SQLite, and takes a lock only for a
 * memcpy.  The descriptor is the store's, which closes it with its pool
 * after the worker's exit_process: there the event is removed and the
 * connection given back without closing it, so no "open socket left".
 */
#include "ngx_http_bantin.h"

static void ngx_http_bantin_watch_read(ngx_event_t *rev);

/* The worker's watch connections, in its worker pool; a worker serves one
 * cycle, so one list. */
static apr_array_header_t *ngx_http_bantin_watches;

static void ngx_http_bantin_watch_read(ngx_event_t *rev)
{
    ngx_connection_t *c = rev->data;

    bantin_workers_drain(c->data);
    /* read to EAGAIN: for edge-triggered methods (epoll) the next event
     * comes with new data, for level-triggered ones while there is some */
    rev->ready = 0;
    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, rev->log, 0, "BT0124 inotify descriptor "
                      "%d: the event loop cannot watch it any more: changes "
                      "are not noticed by this worker", c->fd);
    }
}

/* Gives c back without closing its descriptor (the store's). */
static void ngx_http_bantin_watch_release(ngx_connection_t *c)
{
    if (c->read->active) {
        ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }
    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }
    ngx_free_connection(c);
    c->fd = (ngx_socket_t)-1;
}

/* Where a descriptor cannot be watched in the loop (no free connection),
 * the watcher thread keeps reading it itself: slower to stop, never
 * wrong, so the worker starts anyway. */
void ngx_http_bantin_watch_start(ngx_cycle_t *cycle,
                                 ngx_http_bantin_main_conf_t *m)
{
    ngx_connection_t *c;
    int i, fd;

    ngx_http_bantin_watches = apr_array_make(m->reg.workers_pool, 4,
                                             sizeof(c));
    for (i = 0; m->reg.sources && i < m->reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(m->reg.sources, i, bantin_source *);
        if (!src->workers || (fd = bantin_workers_events_fd(src->workers)) < 0) {
            continue; /* walking, or the watcher thread reads nothing */
        }
        if (!(c = ngx_get_connection(fd, cycle->log))) {
            ngx_log_error(NGX_LOG_WARN, cycle->log, 0, "BT0124 %s: no free "
                          "connection for its inotify descriptor: the "
                          "watcher thread reads it", src->dir);
            continue;
        }
        c->data = src->workers;
        c->log = cycle->log;
        c->read->log = cycle->log;
        c->read->handler = ngx_http_bantin_watch_read;
        if (ngx_handle_read_event(c->read, 0) != NGX_OK
            || bantin_workers_hand_over(src->workers) != 0) {
            ngx_log_error(NGX_LOG_WARN, cycle->log, 0, "BT0124 %s: its "
                          "inotify descriptor cannot be watched in the event "
                          "loop: the watcher thread reads it", src->dir);
            ngx_http_bantin_watch_release(c);
            continue;
        }
        APR_ARRAY_PUSH(ngx_http_bantin_watches, ngx_connection_t *) = c;
        /* what arrived before the hand-over and is still unread */
        bantin_workers_drain(src->workers);
    }
}

void ngx_http_bantin_watch_stop(void)
{
    int i;

    for (i = 0; ngx_http_bantin_watches && i < ngx_http_bantin_watches->nelts;
         i++) {
        ngx_http_bantin_watch_release(
            APR_ARRAY_IDX(ngx_http_bantin_watches, i, ngx_connection_t *));
    }
    ngx_http_bantin_watches = NULL;
}
