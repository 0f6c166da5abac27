/* mod_bantin.c -- the httpd glue of mod_bantin: the module, its hooks,
 * and what httpd's lifecycle asks of the core's (bantin_lifecycle.h).
 *
 * Everything a page is made of, and every answer, lives in the core
 * library (mod_bantin/core), which includes no httpd header; so do the
 * directives' checks and the loading of content.  This file tells the
 * core when, and what only httpd knows (its User, its runtime dir, its
 * error log):
 *
 *   mod_bantin_config.c   the directives, from the core's table
 *   mod_bantin_startup.c  a stop told from a start; check_config
 *   mod_bantin_respond.c  the handlers: httpd's request into the core's
 *                         (bantin_answer.h), the core's answer out
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
#include "mpm_common.h"
#include "unixd.h"
#include "util_time.h"

#include "bantin_log.h"
#include "bantin_parent.h"
#include "bantin_stateclean.h"
#include "mod_bantin.h"

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

/* The config file httpd was started with (-f), made absolute; "" for
 * the built-in one. */
static const char *config_file(apr_pool_t *ptemp, server_rec *s)
{
    const char *f = bantin_argv_option(s->process->argc, s->process->argv,
                                       'f');
    const char *abs = f && *f ? ap_server_root_relative(ptemp, f) : NULL;

    return abs ? abs : f ? f : "";
}

/* Loads every content dir in the parent (bantin_registry_load), once
 * the whole config is read: the children share it copy-on-write. */
static int bantin_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    bantin_user user = {ap_unixd_config.user_name, ap_unixd_config.user_id,
                        ap_unixd_config.group_id};
    bantin_start how;
    const char *err;
    apr_status_t cause;
    void *started = NULL;

    (void)plog;
    /* httpd reads its config twice at startup; the first pass only checks
     * it, so loading content then would double the start time. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    bantin_log_set(log_to_httpd, s);
    if (!bantin_reg.sources) {
        bantin_registry_log_started(&bantin_reg);
        return OK;
    }
    /* A restart (graceful or not) keeps the parent, which already logged
     * the problems it found: only a fresh start logs them again.  The
     * process pool outlives restarts: a mark in it tells them apart. */
    apr_pool_userdata_get(&started, "bantin-started", s->process->pool);
    if (!started) {
        apr_pool_userdata_set((void *)1, "bantin-started",
                              apr_pool_cleanup_null, s->process->pool);
    }
    /* each content dir's zone, watch and interval were settled by
     * bantin_check_config (mod_bantin_startup.c); the defaults of the
     * state and the start cache are in the runtime dir when the parent
     * is not root */
    how.instance = bantin_state_instance(pconf, ap_server_root,
                                         config_file(ptemp, s));
    how.cache_base = DEFAULT_CACHE_BASE;
    how.state_dir = ap_runtime_dir_relative(pconf, "bantin-state");
    how.startcache_dir = ap_runtime_dir_relative(pconf, "bantin-startcache");
    how.user = &user;
    how.restart = started != NULL;
    how.save_startcache = 0; /* bantin_monitor, once the parent serves */
    if (bantin_registry_load(&bantin_reg, pconf, ptemp, BANTIN_HTTPD, &how,
                             &err, &cause) != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, cause, s, "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    bantin_registry_log_started(&bantin_reg);
    return OK;
}

/* Each child watches the content dirs itself (an inotify instance is not
 * shared across fork) and catches up with what changed since the parent
 * loaded them; then its watcher thread keeps watching, and its indexer
 * writes the search index (bantin_workers.h). */
static void bantin_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    /* (fails only without memory for a pool: then no thread watches, and
     * requests look for changes themselves, bantin_answer.h) */
    (void)bantin_registry_start_workers(&bantin_reg, pchild);
}

/* The parent keeps its copy fresh too: children it forks later (under
 * load, or after MaxConnectionsPerChild) then inherit recent content and
 * the problems already logged, and their catch-up has little to do. */
static int bantin_monitor(apr_pool_t *p, server_rec *s)
{
    (void)p; (void)s;
    bantin_registry_refresh(&bantin_reg, apr_time_now());
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
