/* mod_bantin.h -- what the httpd glue files share: the per-directory
 * config and the registry of content and template dirs.  Only the glue
 * (mod_bantin*.c) includes httpd headers; what the request-time files
 * share besides is in mod_bantin_handlers.h. */
#ifndef MOD_BANTIN_H
#define MOD_BANTIN_H

#include "httpd.h"
#include "http_config.h"

#include "bantin_cache.h"
#include "bantin_render.h"
#include "bantin_search.h"
#include "bantin_store.h"

extern module AP_MODULE_DECLARE_DATA bantin_module;

#define UNSET (-1)

#define DEFAULT_PAGE_SIZE 10
#define DEFAULT_COOKIE "bantin_fs"
#define DEFAULT_PORTAL_NAME "Bản tin"
#define DEFAULT_INTERVAL apr_time_from_msec(250)
/* Where the index and the start cache live unless configured, when the
 * parent runs as root: on disk, where Debian keeps regenerable data (not
 * in the runtime dir, a tmpfs: RAM, emptied at boot); one folder per
 * instance below each (bantin_state_instance). */
#define DEFAULT_CACHE_BASE "/var/cache/apache2/mod_bantin"
#define DEFAULT_LIST_MAX_AGE 60
#define DEFAULT_ARTICLE_MAX_AGE 300
#define DEFAULT_ERROR_MAX_AGE 5
#define DEFAULT_CACHE_MB 64
#define DEFAULT_RELATED 5
#define DEFAULT_FEED_SIZE 20
#define MAX_RELATED 50

extern const char *const bantin_default_sizes[];
extern const int bantin_default_nsizes;

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
    apr_thread_t *indexer;        /* content: writes it, in each child */
    apr_thread_t *watcher;        /* content: refreshes the store, in each
                                   * child; NULL: requests do */
    volatile apr_uint32_t stopping; /* content: the child is exiting */
} bantin_source;

typedef struct {
    const char *section;     /* the <Location> path this config was made for */
    const char *prefix;      /* BantinPrefix, overrides section */
    server_rec *server;      /* where BantinContentDir was read: its
                              * settings are this section's defaults */
    bantin_source *content;
    bantin_source *templates;
    int page_size;
    int fs_count;
    const char *const *fs_rem;
    int fs_default;
    const char *fs_cookie;
    const char *portal_name;
    int tz_min;
    apr_interval_time_t interval;
    int list_max_age;
    int article_max_age;
    int error_max_age;       /* BantinErrorMaxAge: 404, 400 and 405 pages */
    int walk;                /* BantinWatch: 1 walk, 0 inotify */
    int related;             /* BantinRelatedCount */
    int feed_size;           /* BantinFeedSize */
    const char *site_url;    /* BantinSiteURL: "https://host[:port]" */
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

#endif
