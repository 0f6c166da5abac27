/* mod_bantin.c -- the httpd glue of mod_bantin: the module, its hooks and
 * the lifecycle (startup, the children's threads).
 *
 * Everything a page is made of, and every answer, lives in the core
 * library (mod_bantin/core), which includes no httpd header.  This file
 * loads the stores at startup and keeps them fresh; the handlers
 * translate requests and answers:
 *
 *   mod_bantin_respond.c  the handlers: httpd's request into the core's
 *                         (bantin_answer.h), the core's answer out
 *
 * mod_bantin_config.c holds the directives.
 *
 * Lifecycle.  Content is loaded in post_config, in the parent, before the
 * children fork: they share it copy-on-write.  Each child then watches the
 * content dirs itself; readers only ever see immutable snapshots, so
 * request threads read them without locks.
 */
#include <string.h>
#include <unistd.h>

#include "apr_strings.h"
#include "http_core.h"
#include "http_main.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mpm_common.h"
#include "unixd.h"
#include "util_time.h"

#include "bantin_article.h"
#include "bantin_cache.h"
#include "bantin_fs.h"
#include "bantin_log.h"
#include "bantin_names.h"
#include "bantin_parent.h"
#include "bantin_request.h"
#include "bantin_safedir.h"
#include "bantin_state.h"
#include "bantin_version.h"
#include "bantin_stateclean.h"
#include "bantin_workers.h"
#include "mod_bantin.h"

/* Rendered pages of this process (see bantin_cache.h); created in
 * post_config, so each child has its own after fork. */
bantin_cache *bantin_page_cache;

/* Shared by the children of one start, which inherit it: a sync of the
 * search index that completed under this token is this start's
 * (bantin_search_track). */
static apr_uint64_t start_token;

/* ---------------------------------------------------------------------- */
/* startup                                                                 */

/* httpd escapes every byte above 0x7F of a message (ap_escape_errorlog_item),
 * so a file named "bài-việt.xml" would read "b\xc3\xa0i-vi...".  A message
 * with UTF-8 in it is written to the error log file directly instead, in
 * httpd's default line format, escaped by bantin_log_text_buf (control
 * bytes and what is not valid UTF-8 still are); where that format is not
 * the one in use (ErrorLogFormat, syslog, a log provider), httpd writes
 * it as usual.  Returns 0 when it left the message to httpd. */
static int log_utf8_line(server_rec *s, int level, const char *name,
                         const char *msg)
{
    core_server_config *core = ap_get_core_module_config(s->module_config);
    char line[MAX_STRING_LEN], when[APR_CTIME_LEN + 8];
    int len = (int)sizeof(when);
    apr_size_t n;

    if (!s->error_log || (core && core->error_log_format)
        || bantin_log_is_ascii(msg)) {
        return 0;
    }
    if (!APLOG_IS_LEVEL(s, level)) {
        return 1;
    }
    ap_recent_ctime_ex(when, apr_time_now(), AP_CTIME_OPTION_USEC, &len);
    n = (apr_size_t)apr_snprintf(line, sizeof(line),
                                 "[%s] [bantin:%s] [pid %" APR_PID_T_FMT
                                 ":tid %ld] ", when, name, getpid(),
                                 (long)gettid());
    n += bantin_log_text_buf(line + n, sizeof(line) - n - 1, msg);
    line[n++] = '\n';
    /* one write (the file is opened O_APPEND): lines never interleave */
    apr_file_write_full(s->error_log, line, n, NULL);
    return 1;
}

static void log_to_httpd(void *baton, bantin_log_level_e level,
                         const char *msg)
{
    static const int levels[] = {APLOG_ERR, APLOG_WARNING, APLOG_NOTICE,
                                 APLOG_INFO, APLOG_DEBUG};
    static const char *const names[] = {"error", "warn", "notice", "info",
                                        "debug"};
    server_rec *s = baton;
    if (!log_utf8_line(s, levels[level], names[level], msg)) {
        ap_log_error(APLOG_MARK, levels[level], 0, s, "%s", msg);
    }
}

/* The start line: the version (the packages' too, from VERSION) and what
 * is served.  At notice level, which httpd logs whatever the LogLevel,
 * once per start and restart. */
static void log_started(server_rec *s)
{
    int i, dirs = 0;

    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        dirs += !APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *)->is_theme;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "BT0001 mod_bantin %s "
                 "started, serving %d content dir%s", bantin_version, dirs,
                 dirs == 1 ? "" : "s");
}

/* The config file httpd was started with (-f), made absolute; "" for
 * the built-in one. */
static const char *config_file(apr_pool_t *ptemp, server_rec *s)
{
    const char *const *argv = s->process->argv;
    const char *f = "";
    int i;

    for (i = 1; i < s->process->argc; i++) {
        if (!strcmp(argv[i], "-f") && i + 1 < s->process->argc) {
            f = argv[++i];
        }
        else if (!strncmp(argv[i], "-f", 2)) {
            f = argv[i] + 2;
        }
    }
    if (*f) {
        const char *abs = ap_server_root_relative(ptemp, f);
        f = abs ? abs : f;
    }
    return f;
}

/* The default folder `what` ("state", "startcache") of this instance:
 * DEFAULT_CACHE_BASE/what/<instance> when the parent runs as root, with
 * the folders above made 0755 and root's (the children reach the index
 * through them); else `fallback` in the runtime dir, as before, since a
 * user other than root cannot write /var/cache. */
static const char *default_dir(apr_pool_t *pconf, apr_pool_t *ptemp,
                               const char *what, const char *fallback,
                               const char *instance, server_rec *s)
{
    const char *why, *dir = apr_pstrcat(ptemp, DEFAULT_CACHE_BASE, "/", what,
                                        NULL);

    if (geteuid() != 0) {
        return ap_runtime_dir_relative(pconf, fallback);
    }
    if (bantin_parent_default_dir(ptemp, dir, instance,
                                  !strcmp(what, "state"), &why) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "BT0005 %s: the default "
                     "folder cannot be made: %s", dir, why);
    }
    return apr_pstrcat(pconf, dir, "/", instance, NULL);
}

/* The state of content dirs this instance served before and serves no
 * more is removed (BT0121), once every store is open. */
static void sweep_states(apr_pool_t *ptemp, const char *root,
                         const char *instance)
{
    const char **dirs = apr_palloc(ptemp, sizeof(*dirs)
                                              * (bantin_reg.sources->nelts
                                                 + 1));
    int i, n = 0;

    for (i = 0; i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i,
                                           bantin_source *);
        if (!src->is_theme && src->store) {
            dirs[n++] = src->dir;
        }
    }
    bantin_state_sweep(ptemp, root, instance, dirs, n);
}

/* The default start cache folder is this instance's alone: the files of
 * content dirs it no longer serves go. */
static void sweep_startcache(apr_pool_t *ptemp, const char *dir)
{
    const char **names = apr_palloc(ptemp, sizeof(*names)
                                               * (bantin_reg.sources->nelts
                                                  + 1));
    int i, n = 0;

    for (i = 0; i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i,
                                           bantin_source *);
        if (!src->is_theme && src->store
            && bantin_store_startcache_name(src->store)) {
            names[n++] = bantin_store_startcache_name(src->store);
        }
    }
    bantin_startcache_sweep(ptemp, dir, names, n);
}

static int bantin_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    bantin_schema *schema;
    const char *err = NULL, *root, *cache_dir, *instance;
    int i;

    (void)plog;
    /* httpd reads its config twice at startup; the first pass only checks
     * it, so loading content then would double the start time. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    bantin_log_set(log_to_httpd, s);
    if (!bantin_reg.sources) {
        log_started(s);
        return OK;
    }
    start_token = (apr_uint64_t)apr_time_now();
    if (!(schema = bantin_schema_load(pconf, &err))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "BT0010 %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* each content dir's zone, watch and interval were settled by
     * bantin_check_config (mod_bantin_startup.c) */
    {
        /* in 64 bits: 65536 MiB << 20 is 0 in a 32-bit size_t; more than
         * the address space holds is as good as no limit */
        apr_uint64_t bytes = (apr_uint64_t)(bantin_reg.cache_mb != UNSET
                                                ? bantin_reg.cache_mb
                                                : BANTIN_DEFAULT_CACHE_MB) << 20;
        bantin_page_cache = bantin_cache_create(
            pconf, bytes > APR_SIZE_MAX ? APR_SIZE_MAX : (apr_size_t)bytes);
    }
    instance = bantin_state_instance(pconf, ap_server_root,
                                     config_file(ptemp, s));
    if (!(root = bantin_reg.state_root)) {
        root = default_dir(pconf, ptemp, "state", "bantin-state", instance,
                           s);
    }
    if (!(cache_dir = bantin_reg.startcache_dir)) {
        cache_dir = default_dir(pconf, ptemp, "startcache",
                                "bantin-startcache", instance, s);
    }
    /* The state root stays the parent's; each content dir's folder in it
     * is handed to the children's User (bantin_state.h). */
    if (geteuid() == 0) {
        bantin_state_hand_to(ap_unixd_config.user_id,
                             ap_unixd_config.group_id);
        /* The parent reads as root what the children read as the User:
         * it serves only what they can read (bantin_store_read_as). */
        bantin_store_read_as(bantin_fs_reader_make(
            pconf, ap_unixd_config.user_name, ap_unixd_config.user_id,
            ap_unixd_config.group_id));
    }
    /* A restart (graceful or not) keeps the parent, which already logged
     * the problems it found: only a fresh start logs them again.  The
     * process pool outlives restarts: a mark in it tells them apart. */
    {
        void *started = NULL;
        apr_pool_userdata_get(&started, "bantin-started", s->process->pool);
        bantin_state_remember_logged(started != NULL);
        if (!started) {
            apr_pool_userdata_set((void *)1, "bantin-started",
                                  apr_pool_cleanup_null, s->process->pool);
        }
    }
    for (i = 0; i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
        apr_status_t rv;
        if (src->is_theme) {
            continue;
        }
        /* The start cache lives in the runtime dir, apart from the state
         * dir: the children's User owns its folders, and only the parent
         * may write what the next start serves unchecked. */
        rv = bantin_store_create_cached(
            &src->store, pconf, src->dir, schema,
            src->tz_min != UNSET ? src->tz_min : BANTIN_TZ_DEFAULT_MIN,
            src->interval != UNSET ? src->interval : BANTIN_DEFAULT_INTERVAL, root,
            *cache_dir ? cache_dir : NULL);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "BT0002 "
                         "BantinContentDir %s: cannot be read", src->dir);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (src->walk) {
            bantin_store_walk_always(src->store);
        }
        if (bantin_store_state_dir(src->store)) {
            const char *serr;
            src->search_path = apr_pstrcat(
                pconf, bantin_store_state_dir(src->store), "/search.sqlite",
                NULL);
            bantin_user user = {ap_unixd_config.user_name,
                                ap_unixd_config.user_id,
                                ap_unixd_config.group_id};
            if (bantin_parent_prepare_search(ptemp, src->search_path, &user,
                                             &serr) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "BT0303 %s: search "
                             "is off", serr);
                src->search_path = NULL;
            }
        }
    }
    sweep_states(ptemp, root, instance);
    if (!bantin_reg.startcache_dir && geteuid() == 0) {
        sweep_startcache(ptemp, cache_dir);
    }
    log_started(s);
    return OK;
}

/* Each child watches the content dirs itself (an inotify instance is not
 * shared across fork) and catches up with what changed since the parent
 * loaded them; then its watcher thread keeps watching, and its indexer
 * writes the search index (bantin_workers.h). */
static void bantin_child_init(apr_pool_t *pchild, server_rec *s)
{
    int i;

    (void)s;
    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
        if (src->store) {
            src->workers = bantin_workers_start(pchild, src->dir, src->store,
                                                src->search_path,
                                                start_token);
            src->search = bantin_workers_search(src->workers);
        }
    }
}

/* The parent keeps its copy fresh too: children it forks later (under
 * load, or after MaxConnectionsPerChild) then inherit recent content and
 * the problems already logged, and their catch-up has little to do. */
static int bantin_monitor(apr_pool_t *p, server_rec *s)
{
    apr_time_t now = apr_time_now();
    int i;

    (void)p; (void)s;
    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
        if (src->store) {
            bantin_store_refresh(src->store, now);
            /* once after startup, when the load parsed files */
            bantin_store_save_startcache(src->store);
        }
    }
    return DECLINED;
}

static void bantin_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Load content once the whole config is read; nothing it uses (User,
     * DefaultRuntimeDir) comes from another module's post_config. */
    ap_hook_check_config(bantin_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(bantin_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(bantin_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(bantin_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(bantin_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(bantin_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(bantin) = {
    STANDARD20_MODULE_STUFF,
    bantin_create_conf,     /* per-directory config: all our directives */
    bantin_merge_conf,      /* merged the usual way; the core applies
                             * the defaults (bantin_settings.h) */
    NULL,                   /* no per-server config */
    NULL,
    bantin_cmds,            /* the Bantin* directives */
    bantin_register_hooks,  /* post_config loads content; the handler */
    0                       /* flags */
};
