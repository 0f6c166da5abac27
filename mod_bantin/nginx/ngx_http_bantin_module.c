/* ngx_http_bantin_module.c -- the nginx glue of mod_bantin: the bantin_*
 * directives and the lifecycle.  The same directives as httpd's Bantin*
 * (bantin_foo_bar for BantinFooBar), from the core's one table, with the
 * same checks and messages (bantin_directives.h) and merge; the core
 * applies the defaults (bantin_settings.h) and loads the content
 * (bantin_lifecycle.h): this file tells it when, and what only nginx
 * knows (its user, its prefix, its error_log).
 *
 * Lifecycle.  Templates compile while the config is read, so a typo fails
 * `nginx -t` with one line (file:line:col).  Content is loaded in
 * init_module, in the master, before the workers fork (they share it
 * copy-on-write); init_module also runs for `nginx -t`, which loads and
 * writes nothing, and on every reload, which loads the new config's
 * stores (the start cache makes that quick) while the old workers serve
 * on.  Each worker starts the core's watcher and indexer threads
 * (bantin_workers.h) in init_process: they never touch an nginx
 * structure, and requests only read the newest snapshot.
 *
 * ngx_http_bantin_handler.c translates requests and answers.
 */
#include <strings.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "bantin_log.h"
#include "bantin_stateclean.h"
#include "ngx_http_bantin.h"

static void *ngx_http_bantin_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_bantin_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_bantin_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                            void *child);
static ngx_int_t ngx_http_bantin_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_bantin_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_bantin_init_process(ngx_cycle_t *cycle);
static void ngx_http_bantin_exit_process(ngx_cycle_t *cycle);

/* ---------------------------------------------------------------------- */
/* logging: the core's lines into nginx's error_log                        */

static ngx_log_t *bantin_ngx_log;

static void log_to_nginx(void *baton, bantin_log_level_e level,
                         const char *msg)
{
    static const ngx_uint_t levels[] = {NGX_LOG_ERR, NGX_LOG_WARN,
                                        NGX_LOG_NOTICE, NGX_LOG_INFO,
                                        NGX_LOG_DEBUG};
    ngx_log_t *log = bantin_ngx_log ? bantin_ngx_log : ngx_cycle->log;
    char text[2048];

    (void)baton;
    /* nginx writes a message as it is: control bytes and what is not
     * UTF-8 are escaped here, as httpd's error log would */
    bantin_log_text_buf(text, sizeof(text), msg);
    ngx_log_error(levels[level], log, 0, "%s", text);
}

static void log_forget(void *data)
{
    if (bantin_ngx_log == data) {
        bantin_ngx_log = NULL;
    }
}

/* ---------------------------------------------------------------------- */
/* directives                                                              */

static apr_pool_t *conf_pool(ngx_conf_t *cf)
{
    ngx_http_bantin_main_conf_t *m =
        ngx_http_conf_get_module_main_conf(cf, ngx_http_bantin_module);
    return m->pool;
}

/* One line, as apachectl -t says it: "bantin_x: why" (nginx adds where). */
static char *fail(ngx_conf_t *cf, const char *msg)
{
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", msg);
    return NGX_CONF_ERROR;
}

/* A path argument made absolute (relative to nginx's prefix). */
static const char *full_path(ngx_conf_t *cf, ngx_uint_t i)
{
    ngx_str_t path = ((ngx_str_t *)cf->args->elts)[i];

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NULL;
    }
    return apr_pstrmemdup(conf_pool(cf), (const char *)path.data, path.len);
}

/* bantin; and bantin_status;: the location's handler. */
static char *set_handler(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    ngx_http_core_loc_conf_t *clcf =
        ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (cmd->offset) {
        clcf->handler = ngx_http_bantin_status_handler;
        return NGX_CONF_OK;
    }
    clcf->handler = ngx_http_bantin_handler;
    c->enable = 1;
    c->d.section = apr_pstrmemdup(conf_pool(cf),
                                  (const char *)clcf->name.data,
                                  clcf->name.len);
    /* search queries run in nginx's thread pool "default" */
    return ngx_thread_pool_add(cf, NULL) ? NGX_CONF_OK : NGX_CONF_ERROR;
}

/* Every other bantin_* directive: cmd->post is its row of the table. */
static char *set_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    const bantin_directive *d = cmd->post;
    ngx_http_bantin_loc_conf_t *c = conf;
    ngx_http_bantin_main_conf_t *m =
        ngx_http_conf_get_module_main_conf(cf, ngx_http_bantin_module);
    ngx_str_t *args = cf->args->elts;
    const char **words, *path = NULL, *err;
    ngx_uint_t i;

    /* a signal (nginx -s stop) needs neither: it must not fail for a dir
     * gone or a template broken under the running server */
    if (bantin_directive_is_dir(d) && ngx_process == NGX_PROCESS_SIGNALLER) {
        return NGX_CONF_OK;
    }
    words = apr_pcalloc(m->pool, sizeof(*words) * cf->args->nelts);
    for (i = 1; i < cf->args->nelts; i++) {
        words[i - 1] = (const char *)args[i].data;
    }
    if (bantin_directive_takes_path(d)) {
        path = full_path(cf, 1);
    }
    err = bantin_directive_set(m->pool, d, BANTIN_NGINX, &c->d, &m->reg,
                               (int)cf->args->nelts - 1, words, path);
    return err ? fail(cf, err) : NGX_CONF_OK;
}

#define LOC (NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF)

/* bantin and bantin_status, then one command per row of the table,
 * filled in when the module is loaded (before nginx reads a directive). */
static ngx_command_t ngx_http_bantin_commands[BANTIN_D_COUNT + 3] = {
    {ngx_string("bantin"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, set_handler,
     NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    {ngx_string("bantin_status"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS,
     set_handler, NGX_HTTP_LOC_CONF_OFFSET, 1, NULL}};

static void __attribute__((constructor)) ngx_http_bantin_commands_fill(void)
{
    int i;

    for (i = 0; i < BANTIN_D_COUNT; i++) {
        const bantin_directive *d = &bantin_directives[i];
        ngx_command_t *cmd = &ngx_http_bantin_commands[i + 2];
        cmd->name.data = (u_char *)d->name[BANTIN_NGINX];
        cmd->name.len = strlen(d->name[BANTIN_NGINX]);
        /* the server-wide ones: the http block only */
        cmd->type = (d->server_only ? NGX_HTTP_MAIN_CONF : LOC)
                    | (d->many ? NGX_CONF_1MORE : NGX_CONF_TAKE1);
        cmd->set = set_directive;
        cmd->conf = NGX_HTTP_LOC_CONF_OFFSET;
        cmd->post = (void *)d;
    }
}

static ngx_http_module_t ngx_http_bantin_module_ctx = {
    NULL,                                /* preconfiguration */
    ngx_http_bantin_postconfiguration,   /* settles each content dir */
    ngx_http_bantin_create_main_conf,
    NULL,                                /* init main conf */
    NULL,                                /* create server conf */
    NULL,                                /* merge server conf */
    ngx_http_bantin_create_loc_conf,
    ngx_http_bantin_merge_loc_conf};

ngx_module_t ngx_http_bantin_module = {
    NGX_MODULE_V1,
    &ngx_http_bantin_module_ctx,
    ngx_http_bantin_commands,
    NGX_HTTP_MODULE,
    NULL,                                /* init master */
    ngx_http_bantin_init_module,         /* loads content (not for -t) */
    ngx_http_bantin_init_process,        /* a worker's threads */
    NULL,                                /* init thread */
    NULL,                                /* exit thread */
    ngx_http_bantin_exit_process,        /* joins them */
    NULL,                                /* exit master */
    NGX_MODULE_V1_PADDING};

/* ---------------------------------------------------------------------- */
/* configuration                                                           */

void ngx_http_bantin_pool_destroy(void *data)
{
    apr_pool_destroy(data);
}

static void *ngx_http_bantin_create_main_conf(ngx_conf_t *cf)
{
    static int apr_ready;
    ngx_http_bantin_main_conf_t *m = ngx_pcalloc(cf->pool, sizeof(*m));
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (!m || !cln) {
        return NULL;
    }
    if (!apr_ready) {
        if (apr_initialize() != APR_SUCCESS) {
            return NULL;
        }
        apr_ready = 1;
    }
    /* what this config loads lives as long as its cycle */
    if (apr_pool_create(&m->pool, NULL) != APR_SUCCESS) {
        return NULL;
    }
    cln->handler = ngx_http_bantin_pool_destroy;
    cln->data = m->pool;
    bantin_registry_reset(&m->reg);
    m->locs = apr_array_make(m->pool, 8, sizeof(bantin_section *));
    return m;
}

static void *ngx_http_bantin_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_bantin_loc_conf_t *c = ngx_pcalloc(cf->pool, sizeof(*c));

    if (c) {
        bantin_section_unset(&c->d, NULL);
    }
    return c;
}

static char *ngx_http_bantin_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                            void *child)
{
    ngx_http_bantin_loc_conf_t *prev = parent, *c = child;
    ngx_http_bantin_main_conf_t *m =
        ngx_http_conf_get_module_main_conf(cf, ngx_http_bantin_module);

    bantin_section_merge(&c->d, &prev->d, &c->d);
    if (c->enable && c->d.content) {
        APR_ARRAY_PUSH(m->locs, bantin_section *) = &c->d;
    }
    return NGX_CONF_OK;
}

/* Settles what each content dir's store is made with, over every
 * location serving it (as httpd's check_config): one zone per content
 * dir (BT0003), walk when any says so, the shortest interval. */
static ngx_int_t ngx_http_bantin_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_bantin_main_conf_t *m =
        ngx_http_conf_get_module_main_conf(cf, ngx_http_bantin_module);
    const char *err = bantin_registry_settle_all(m->pool, BANTIN_NGINX,
                                                 m->locs);

    if (err) {
        fail(cf, err);
        return NGX_ERROR;
    }
    return NGX_OK;
}

/* ---------------------------------------------------------------------- */
/* lifecycle                                                               */

static ngx_int_t ngx_http_bantin_init_module(ngx_cycle_t *cycle)
{
    static int started; /* the master outlives reloads */
    ngx_http_bantin_main_conf_t *m;
    ngx_core_conf_t *ccf;
    ngx_pool_cleanup_t *cln;
    bantin_user user;
    bantin_start how;
    const char *err, *prefix;
    apr_status_t cause;
    apr_pool_t *p;

    if (!cycle->conf_ctx[ngx_http_module.index]
        || !(m = ngx_http_cycle_get_module_main_conf(cycle,
                                                     ngx_http_bantin_module))
        || !(cln = ngx_pool_cleanup_add(cycle->pool, 0))) {
        return cycle->conf_ctx[ngx_http_module.index] ? NGX_ERROR : NGX_OK;
    }
    bantin_ngx_log = cycle->log;
    cln->handler = log_forget;
    cln->data = cycle->log;
    bantin_log_set(log_to_nginx, NULL);
    p = m->pool;
    ccf = (ngx_core_conf_t *)ngx_get_conf(cycle->conf_ctx, ngx_core_module);
    user.name = ccf->username;
    user.uid = ccf->user;
    user.gid = ccf->group;
    /* a content dir the workers' user cannot read fails here, -t too:
     * the master (root) could read it, and would start an empty portal */
    if ((err = bantin_registry_check_user(&m->reg, p, BANTIN_NGINX, &user))) {
        if (ngx_test_config) { /* -t writes nothing, not even a log */
            ngx_log_stderr(0, "[emerg] %s", err);
        }
        else {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "%s", err);
        }
        return NGX_ERROR;
    }
    /* nginx -t checks the config: it loads and writes nothing */
    if (ngx_test_config || !m->reg.sources) {
        return NGX_OK;
    }
    /* the state and the start cache go in nginx's prefix when the master
     * is not root (a user other than root cannot write /var/cache) */
    prefix = apr_pstrmemdup(p, (char *)cycle->prefix.data, cycle->prefix.len);
    how.instance = bantin_state_instance(
        p, prefix, apr_pstrmemdup(p, (char *)cycle->conf_file.data,
                                  cycle->conf_file.len));
    how.cache_base = NGX_HTTP_BANTIN_CACHE_BASE;
    how.state_dir = apr_pstrcat(p, prefix, "bantin-state", NULL);
    how.startcache_dir = apr_pstrcat(p, prefix, "bantin-startcache", NULL);
    how.user = &user;
    how.restart = started;
    how.save_startcache = 1; /* the master has no later moment */
    started = 1;
    if (bantin_registry_load(&m->reg, p, p, BANTIN_NGINX, &how, &err,
                             &cause) != 0) {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, 0, "%s", err);
        return NGX_ERROR;
    }
    bantin_registry_log_started(&m->reg);
    return NGX_OK;
}

/* Each worker watches the content dirs itself (an inotify instance is not
 * shared across fork) after catching up with what changed since the
 * master loaded them: the core's watcher and indexer threads. */
static ngx_int_t ngx_http_bantin_init_process(ngx_cycle_t *cycle)
{
    ngx_http_bantin_main_conf_t *m;

    if ((ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE)
        || !cycle->conf_ctx[ngx_http_module.index]
        || !(m = ngx_http_cycle_get_module_main_conf(cycle,
                                                     ngx_http_bantin_module))
        || !m->reg.sources) {
        return NGX_OK;
    }
    bantin_ngx_log = cycle->log;
    if (bantin_registry_start_workers(&m->reg, m->pool) != APR_SUCCESS) {
        return NGX_ERROR;
    }
    ngx_http_bantin_watch_start(cycle, m);
    return NGX_OK;
}

/* The threads stop, and are joined, before the worker exits; the inotify
 * descriptors and the index close with them. */
static void ngx_http_bantin_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_bantin_main_conf_t *m;

    if (cycle->conf_ctx[ngx_http_module.index]
        && (m = ngx_http_cycle_get_module_main_conf(cycle,
                                                    ngx_http_bantin_module))) {
        ngx_http_bantin_watch_stop();
        bantin_registry_stop_workers(&m->reg);
    }
}
