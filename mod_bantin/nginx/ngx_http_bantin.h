/* ngx_http_bantin.h -- what the nginx glue files share: the configs, the
 * content and template dirs, and the handlers.  Only mod_bantin/nginx
 * includes nginx headers; everything a page is made of is the core's
 * (mod_bantin/core, bantin_answer.h). */
#ifndef NGX_HTTP_BANTIN_H
#define NGX_HTTP_BANTIN_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "bantin_answer.h"
#include "bantin_workers.h"

/* Where the index and the start cache live unless configured, when the
 * master runs as root (one folder per instance below each). */
#define NGX_HTTP_BANTIN_CACHE_BASE "/var/cache/nginx/mod_bantin"

/* One content dir or template dir, shared by every location naming it. */
typedef struct {
    const char *dir;
    int is_theme;
    bantin_store *store;          /* content: loaded in init_module */
    bantin_theme *theme;          /* templates: compiled when read */
    int tz_min;                   /* content: settled over its locations */
    const char *tz_where;
    apr_interval_time_t interval;
    int walk;
    const char *search_path;
    bantin_search *search;        /* opened in each worker */
    bantin_workers *workers;      /* each worker's watcher and indexer */
} ngx_http_bantin_source_t;

/* The http block's: one per configuration (cycle). */
typedef struct {
    apr_pool_t *pool;             /* lives as long as the cycle's pool */
    apr_array_header_t *sources;  /* of ngx_http_bantin_source_t * */
    apr_array_header_t *locs;     /* of ngx_http_bantin_loc_conf_t *:
                                   * the merged ones with a content dir */
    const char *state_root;       /* bantin_state_dir, or NULL */
    const char *startcache_dir;   /* bantin_start_cache_dir, "" off */
    ngx_int_t cache_mb;           /* bantin_cache_size, or NGX_CONF_UNSET */
    bantin_cache *cache;          /* this process's pages */
    apr_pool_t *worker_pool;      /* a worker's threads, until it exits */
} ngx_http_bantin_main_conf_t;

typedef struct {
    ngx_flag_t enable;            /* bantin: the handler */
    const char *section;          /* the location's name */
    const char *prefix;           /* bantin_prefix, overrides section */
    const char *where;            /* "file:line" of bantin_content_dir */
    ngx_http_bantin_source_t *content;
    ngx_http_bantin_source_t *templates;
    bantin_settings set;
    apr_interval_time_t interval;
    int walk;
} ngx_http_bantin_loc_conf_t;

extern ngx_module_t ngx_http_bantin_module;

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
