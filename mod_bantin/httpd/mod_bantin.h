/* mod_bantin.h -- what the httpd glue files share: the per-directory
 * config and the registry of content and template dirs, and the handlers.
 * Only the glue (mod_bantin/httpd) includes httpd headers. */
#ifndef MOD_BANTIN_H
#define MOD_BANTIN_H

#include "httpd.h"
#include "http_config.h"

#include "bantin_cache.h"
#include "bantin_render.h"
#include "bantin_search.h"
#include "bantin_settings.h"
#include "bantin_store.h"

extern module AP_MODULE_DECLARE_DATA bantin_module;

#define UNSET BANTIN_UNSET

/* Where the index and the start cache live unless configured, when the
 * parent runs as root: on disk, where Debian keeps regenerable data (not
 * in the runtime dir, a tmpfs: RAM, emptied at boot); one folder per
 * instance below each (bantin_state_instance). */
#define DEFAULT_CACHE_BASE "/var/cache/apache2/mod_bantin"

/* One content dir or template dir, shared by every section naming it. */
typedef struct {
    const char *dir;
    int is_theme;          /* a template dir, or a content dir */
    bantin_store *store;   /* content: loaded in post_config */
    bantin_theme *theme;   /* templates: compiled when the directive is read */
    int tz_min;            /* content: where plain dates fall */
    const char *tz_where;  /* content: the section that settled tz_min */
    apr_interval_time_t interval; /* content: how often to look for changes */
    int walk;                     /* content: BantinWatch walk */
    const char *search_path;      /* content: the search index file */
    bantin_search *search;        /* content: opened in each child */
    struct bantin_workers *workers; /* content: each child's watcher and
                                     * indexer (bantin_workers.h) */
} bantin_source;

typedef struct {
    const char *section;     /* the <Location> path this config was made for */
    const char *prefix;      /* BantinPrefix, overrides section */
    server_rec *server;      /* where BantinContentDir was read: its
                              * settings are this section's defaults */
    bantin_source *content;
    bantin_source *templates;
    bantin_settings set;     /* what the directives say of the pages
                              * (merged by bantin_settings_merge) */
    apr_interval_time_t interval;
    int walk;                /* BantinWatch: 1 walk, 0 inotify */
} bantin_conf;

/* The config being read: filled while httpd reads it (one thread),
 * read-only once children run, reset when pconf is cleared. */
typedef struct {
    apr_array_header_t *sources;  /* of bantin_source *, or NULL */
    apr_array_header_t *sections; /* of bantin_conf *, as written */
    const char *state_root;       /* BantinStateDir, or NULL */
    const char *startcache_dir;   /* BantinStartCacheDir, "" for off, or
                                   * NULL (the default) */
    long cache_mb;                /* BantinCacheSize, or UNSET */
} bantin_registry;

extern bantin_registry bantin_reg;

extern const command_rec bantin_cmds[];
void *bantin_create_conf(apr_pool_t *p, char *dir);
void *bantin_merge_conf(apr_pool_t *p, void *basev, void *addv);

/* mod_bantin_startup.c: is this process only stopping a running server
 * (-k stop, -k graceful-stop)?  Then checks that only matter to a server
 * that is started or tested are skipped.  And the check_config hook that
 * settles each content dir's zone, watch and interval. */
int bantin_only_stopping(apr_pool_t *ptemp);
int bantin_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                        apr_pool_t *ptemp, server_rec *s);

/* Rendered pages of this process (mod_bantin.c). */
extern bantin_cache *bantin_page_cache;

/* mod_bantin_respond.c: SetHandler bantin and SetHandler bantin-status. */
int bantin_handler(request_rec *r);
int bantin_status_handler(request_rec *r);

#endif
