/* ngx_http_bantin.h -- what the nginx glue files share: the configs, the
 * content and template dirs, and the handlers.  Only mod_bantin/nginx
 * includes nginx headers; everything a page is made of is the core's
 * (mod_bantin/core, bantin_answer.h). */
#ifndef NGX_HTTP_BANTIN_H
#define NGX_HTTP_BANTIN_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "bantin_lifecycle.h"

/* Where the index and the start cache live unless configured, when the
 * master runs as root (one folder per instance below each). */
#define NGX_HTTP_BANTIN_CACHE_BASE "/var/cache/nginx/mod_bantin"

/* The http block's: one per configuration (cycle). */
typedef struct {
    apr_pool_t *pool;             /* lives as long as the cycle's pool */
    bantin_registry reg;          /* the content and template dirs, the
                                   * http-block directives, this process's
                                   * pages and threads */
    apr_array_header_t *locs;     /* of bantin_section *: the merged
                                   * ones of bantin with a content dir */
} ngx_http_bantin_main_conf_t;

typedef struct {
    bantin_section d;             /* what the directives say */
    ngx_flag_t enable;            /* bantin: the handler */
} ngx_http_bantin_loc_conf_t;

extern ngx_module_t ngx_http_bantin_module;

/* ngx_http_bantin_module.c: a cleanup of an nginx pool that destroys
 * an APR pool of the core's (data) with it. */
void ngx_http_bantin_pool_destroy(void *data);

/* ngx_http_bantin_handler.c: the location handlers of bantin and
 * bantin_status. */
ngx_int_t ngx_http_bantin_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_bantin_status_handler(ngx_http_request_t *r);

/* ngx_http_bantin_watch.c: a worker's inotify descriptors in its event
 * loop, from init_process (after the core's threads start) to
 * exit_process (before they stop). */
void ngx_http_bantin_watch_start(ngx_cycle_t *cycle,
                                 ngx_http_bantin_main_conf_t *m);
void ngx_http_bantin_watch_stop(void);

#endif
