/* bantin_lifecycle.h -- what both servers do with the portals of one
 * configuration, from the config read to the serving processes' exit:
 * the registry of content and template dirs, settling each content dir
 * over the sections serving it, loading every store as the serving
 * processes' user in the parent (httpd's, nginx's master), the start
 * line, and the serving processes' threads (bantin_workers.h).
 *
 * The server modules only say what their server knows (its user, where
 * its runtime files go, how it logs at critical level) and when.
 */
#ifndef BANTIN_LIFECYCLE_H
#define BANTIN_LIFECYCLE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "bantin_answer.h"
#include "bantin_directives.h"
#include "bantin_parent.h"
#include "bantin_workers.h"

/* One content dir or template dir, shared by every section naming it. */
typedef struct bantin_source {
    const char *dir;
    int is_theme;                 /* a template dir, or a content dir */
    bantin_store *store;          /* content: loaded in the parent */
    bantin_theme *theme;          /* templates: compiled when read */
    int tz_min;                   /* content: where plain dates fall */
    const char *tz_where;         /* content: the section that settled it */
    apr_interval_time_t interval; /* content: how often to look for changes */
    int walk;                     /* content: BantinWatch walk */
    const char *search_path;      /* content: the search index file */
    bantin_search *search;        /* content: opened in each process */
    bantin_workers *workers;      /* content: each serving process's
                                   * watcher and indexer */
} bantin_source;

/* What one configuration serves, and its server-wide directives. */
typedef struct bantin_registry {
    apr_array_header_t *sources;  /* of bantin_source *, or NULL */
    const char *state_root;       /* BantinStateDir, or NULL */
    const char *startcache_dir;   /* BantinStartCacheDir, "" for off, or
                                   * NULL (the default) */
    long cache_mb;                /* BantinCacheSize, or BANTIN_UNSET */
    bantin_cache *cache;          /* this process's rendered pages */
    struct bantin_hot *hot;       /* its answers given again */
    apr_uint64_t start_token;     /* shared by the serving processes of
                                   * one start (bantin_search_track) */
    apr_pool_t *workers_pool;     /* a serving process's threads */
} bantin_registry;

/* Everything unset, nothing registered. */
void bantin_registry_reset(bantin_registry *reg);

/* The source of dir (a template dir when is_theme), registered in reg
 * the first time (allocated from p). */
bantin_source *bantin_registry_source(bantin_registry *reg, apr_pool_t *p,
                                      const char *dir, int is_theme);

/* When the parent runs as root: a content dir that user cannot read (or
 * reach) is refused, since the parent could and would start an empty
 * portal: "BantinContentDir: why", else NULL. */
const char *bantin_registry_check_user(bantin_registry *reg, apr_pool_t *p,
                                       bantin_spelling sp,
                                       const bantin_user *user);

/* Settles what sec's content dir's store is made with, sec being called
 * `where` in messages ("<Location /tin>", "location /tin"), with tz, walk
 * and interval what it says or inherits (BANTIN_UNSET when nothing):
 * - one zone per content dir (it decides when an article is published):
 *   a second section in another zone fails with BT0003;
 * - walk when any section says so (it sees all inotify does);
 * - the shortest interval among them wins.
 * NULL, or the message. */
const char *bantin_registry_settle(apr_pool_t *p, bantin_spelling sp,
                                   bantin_source *src, const char *where,
                                   int tz, int walk,
                                   apr_interval_time_t interval);

/* bantin_registry_settle for each section of secs (of bantin_section *,
 * merged: each says all it inherits) with a content dir, called
 * "location /x" in nginx's spelling, "<Location /x>" in httpd's (the
 * server config without a section).  NULL, or the first message. */
const char *bantin_registry_settle_all(apr_pool_t *p, bantin_spelling sp,
                                       const apr_array_header_t *secs);

/* How the parent loads: what only its server knows. */
typedef struct bantin_start {
    const char *instance;     /* bantin_state_instance of the server */
    const char *cache_base;   /* the default state and start cache folders
                               * are below it when the parent is root */
    const char *state_dir;    /* ... and these when not (a user other
                               * than root cannot write /var/cache) */
    const char *startcache_dir;
    const bantin_user *user;  /* the serving processes' */
    int restart;              /* the parent already logged the problems */
    int save_startcache;      /* write the start cache now (else the
                               * server does it later, in the parent) */
} bantin_start;

/* In the parent, before the serving processes start: makes this
 * process's page cache, loads every content dir's store as user (from
 * the start cache when it can), prepares its search index (BT0303 when it
 * cannot: search is off), removes the state and start cache of content
 * dirs served no more.  0, or -1 with *err the line to log at critical
 * level (BT0010, BT0002) and *cause the status behind it (0 for none):
 * nothing serves. */
int bantin_registry_load(bantin_registry *reg, apr_pool_t *p,
                         apr_pool_t *ptemp, bantin_spelling sp,
                         const bantin_start *how, const char **err,
                         apr_status_t *cause);

/* The start line (BT0001, at notice level): the version and how many
 * content dirs are served. */
void bantin_registry_log_started(const bantin_registry *reg);

/* In a serving process: each content dir's watcher and indexer threads,
 * which first catch up with what changed since the parent loaded it. */
apr_status_t bantin_registry_start_workers(bantin_registry *reg,
                                           apr_pool_t *parent);

/* Stops and joins them (the inotify descriptors and the index close). */
void bantin_registry_stop_workers(bantin_registry *reg);

/* In the parent: every store looks for changes, and writes its start
 * cache once after the load parsed files. */
void bantin_registry_refresh(bantin_registry *reg, apr_time_t now);

/* What serves sec's portal, in *out (with this process's page cache):
 * 0 when sec lacks a content or template dir, or its content did not
 * load. */
int bantin_registry_portal(const bantin_registry *reg,
                           const bantin_section *sec, bantin_portal *out);

/* The status page of this process (bantin_answer_status): every content
 * dir of the configuration, the page cache, the pid. */
void bantin_registry_status(const bantin_registry *reg, apr_pool_t *p,
                            const char *method, bantin_response *out);

/* A request's pool, for a server whose requests have no APR pool of their
 * own (nginx): a child of one pool per serving process whose allocator
 * keeps the memory earlier requests freed, so that a request neither maps
 * nor unmaps memory.  The first call is made on the thread that makes
 * requests (nginx's event loop, after the fork); the pool may then be used
 * on any one thread (a search in nginx's thread pool). */
apr_status_t bantin_request_pool(apr_pool_t **p);

#endif
