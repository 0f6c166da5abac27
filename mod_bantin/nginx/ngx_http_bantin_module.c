/* ngx_http_bantin_module.c -- the nginx glue of mod_bantin: the bantin_*
 * directives and the lifecycle.  The same directives as httpd's Bantin*
 * (bantin_foo_bar for BantinFooBar): same values, checks and merge; the
 * core applies the defaults (bantin_settings.h).
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
#include <apr_lib.h>
#include <apr_strings.h>

#include "bantin_article.h"
#include "bantin_date.h"
#include "bantin_fs.h"
#include "bantin_parent.h"
#include "bantin_log.h"
#include "bantin_state.h"
#include "bantin_stateclean.h"
#include "bantin_version.h"
#include "ngx_http_bantin.h"

#define UNSET BANTIN_UNSET

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

/* Shared by the workers of one load (bantin_search_track). */
static apr_uint64_t start_token;

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
static char *fail(ngx_conf_t *cf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *fail(ngx_conf_t *cf, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = apr_pvsprintf(conf_pool(cf), fmt, ap);
    va_end(ap);
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", msg);
    return NGX_CONF_ERROR;
}

#define ARG(i) ((const char *)((ngx_str_t *)cf->args->elts)[i].data)
#define NAME ((const char *)cmd->name.data)
#define FIELD(type) (*(type *)((char *)conf + cmd->offset))

static ngx_http_bantin_source_t *source_for(ngx_http_bantin_main_conf_t *m,
                                            const char *dir, int is_theme)
{
    ngx_http_bantin_source_t *src;
    int i;

    for (i = 0; i < m->sources->nelts; i++) {
        src = APR_ARRAY_IDX(m->sources, i, ngx_http_bantin_source_t *);
        if (src->is_theme == is_theme && !strcmp(src->dir, dir)) {
            return src;
        }
    }
    src = apr_pcalloc(m->pool, sizeof(*src));
    src->dir = dir;
    src->is_theme = is_theme;
    src->tz_min = UNSET;
    src->interval = UNSET;
    APR_ARRAY_PUSH(m->sources, ngx_http_bantin_source_t *) = src;
    return src;
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
    c->section = apr_pstrmemdup(conf_pool(cf), (const char *)clcf->name.data,
                                clcf->name.len);
    /* search queries run in nginx's thread pool "default" */
    return ngx_thread_pool_add(cf, NULL) ? NGX_CONF_OK : NGX_CONF_ERROR;
}

/* bantin_content_dir (offset 0) and bantin_template_dir (1). */
static char *set_dir(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    ngx_http_bantin_main_conf_t *m =
        ngx_http_conf_get_module_main_conf(cf, ngx_http_bantin_module);
    ngx_http_bantin_source_t *src;
    const char *dir, *err;
    apr_dir_t *d;
    apr_status_t rv;
    char buf[120];

    /* a signal (nginx -s stop) needs neither: it must not fail for a dir
     * gone or a template broken under the running server */
    if (ngx_process == NGX_PROCESS_SIGNALLER) {
        return NGX_CONF_OK;
    }
    if (!(dir = full_path(cf, 1))) {
        return fail(cf, "%s: invalid path '%s'", NAME, ARG(1));
    }
    if ((rv = apr_dir_open(&d, dir, m->pool)) != APR_SUCCESS) {
        return fail(cf, "%s: %s: %s", NAME, dir,
                    apr_strerror(rv, buf, sizeof(buf)));
    }
    apr_dir_close(d);
    src = source_for(m, dir, cmd->offset != 0);
    if (!cmd->offset) {
        c->content = src;
        return NGX_CONF_OK;
    }
    if (!src->theme && (err = bantin_theme_load(m->pool, dir, &src->theme))) {
        return fail(cf, "%s: %s", NAME, err);
    }
    c->templates = src;
    return NGX_CONF_OK;
}

static char *set_prefix(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    const char *a = ARG(1);
    size_t n = strlen(a);

    while (n > 0 && a[n - 1] == '/') {
        n--;
    }
    if (a[0] != '/' || strpbrk(a, "\"'<>\\ ?#%")) {
        return fail(cf, "%s: '%s' must be a URL path starting with '/'",
                    NAME, a);
    }
    c->prefix = apr_pstrmemdup(conf_pool(cf), a, n);
    return NGX_CONF_OK;
}

/* A whole number from lo to hi into the int at cmd->offset; why: the
 * message's tail after "'value' ". */
static char *set_number(ngx_conf_t *cf, ngx_command_t *cmd, void *conf,
                        long lo, long hi, const char *why)
{
    char *end;
    long v = strtol(ARG(1), &end, 10);

    if (*end || end == ARG(1) || v < lo || v > hi) {
        return fail(cf, "%s: '%s' %s", NAME, ARG(1), why);
    }
    FIELD(int) = (int)v;
    return NGX_CONF_OK;
}

static char *set_page_size(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return set_number(cf, cmd, conf, 1, 100, "is not a number from 1 to 100");
}

static char *set_max_age(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return set_number(cf, cmd, conf, 0, 31536000,
                      "is not a number of seconds from 0 to 31536000");
}

static char *set_count(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    int related = cmd->offset
                  == offsetof(ngx_http_bantin_loc_conf_t, set.related);

    return set_number(cf, cmd, conf, 0, related ? BANTIN_MAX_RELATED : 100,
                      related ? "is not a number from 0 to 50"
                              : "is not a number from 0 to 100");
}

/* A size in rem: digits with at most one '.', above 0 and at most 10. */
static int rem_is_valid(const char *s)
{
    char *end;
    double v;

    if (!*s || strspn(s, "0123456789.") != strlen(s)) {
        return 0;
    }
    v = strtod(s, &end);
    return !*end && v > 0 && v <= 10;
}

static char *set_font_sizes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    apr_pool_t *p = conf_pool(cf);
    const char **list = apr_pcalloc(p, sizeof(*list) * BANTIN_FONT_MAX_STEPS);
    ngx_uint_t i;
    int n = 0;

    /* word by word, quoted or not: "0.875 1 1.25" and 0.875 1 1.25 */
    for (i = 1; i < cf->args->nelts; i++) {
        char *last, *w, *words = apr_pstrdup(p, ARG(i));
        for (w = apr_strtok(words, " \t", &last); w;
             w = apr_strtok(NULL, " \t", &last)) {
            if (n == BANTIN_FONT_MAX_STEPS || !rem_is_valid(w)) {
                return fail(cf, "%s: give 2 to %d sizes in rem, smallest "
                            "first (e.g. 0.875 1 1.125 1.375 1.75); '%s' is "
                            "not one", NAME, BANTIN_FONT_MAX_STEPS, w);
            }
            if (n > 0 && strtod(w, NULL) <= strtod(list[n - 1], NULL)) {
                return fail(cf, "%s: sizes must grow, smallest first ('%s' "
                            "after '%s')", NAME, w, list[n - 1]);
            }
            list[n++] = w;
        }
    }
    if (n < 2) {
        return fail(cf, "%s: give at least 2 sizes", NAME);
    }
    if (c->set.fs_default != UNSET && c->set.fs_default > n) {
        return fail(cf, "%s: bantin_font_default %d is past these %d sizes",
                    NAME, c->set.fs_default, n);
    }
    c->set.fs_rem = list;
    c->set.fs_count = n;
    return NGX_CONF_OK;
}

static char *set_font_default(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    char *end;
    long v = strtol(ARG(1), &end, 10);

    if (*end || v < 1 || v > BANTIN_FONT_MAX_STEPS) {
        return fail(cf, "%s: '%s' is not a step number (1 = the first size "
                    "of bantin_font_sizes)", NAME, ARG(1));
    }
    if (c->set.fs_count != UNSET && v > c->set.fs_count) {
        return fail(cf, "%s: step %ld is past the %d sizes of "
                    "bantin_font_sizes", NAME, v, c->set.fs_count);
    }
    c->set.fs_default = (int)v;
    return NGX_CONF_OK;
}

static char *set_cookie_name(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    const char *a = ARG(1), *s;

    for (s = a; *s && (apr_isalnum(*s) || *s == '_' || *s == '-'); s++) {
    }
    if (!*a || *s || strlen(a) > 64) {
        return fail(cf, "%s: '%s' must be 1 to 64 of A-Z a-z 0-9 _ -", NAME,
                    a);
    }
    c->set.fs_cookie = apr_pstrdup(conf_pool(cf), a);
    return NGX_CONF_OK;
}

static char *set_portal_name(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;

    c->set.portal_name = apr_pstrdup(conf_pool(cf), ARG(1));
    return NGX_CONF_OK;
}

static char *set_time_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    int tz;

    if (bantin_tz_parse(ARG(1), &tz)) {
        return fail(cf, "%s: '%s' is not a zone: use Asia/Ho_Chi_Minh, UTC "
                    "or an offset like +07:00", NAME, ARG(1));
    }
    c->set.tz_min = tz;
    return NGX_CONF_OK;
}

static char *set_interval(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    char *end;
    double v = strtod(ARG(1), &end);

    if (*end || end == ARG(1) || !(v >= 0.01 && v <= 3600)) {
        return fail(cf, "%s: '%s' is not a number of seconds from 0.01 to "
                    "3600", NAME, ARG(1));
    }
    c->interval = (apr_interval_time_t)(v * APR_USEC_PER_SEC);
    return NGX_CONF_OK;
}

static char *set_watch(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;

    if (strcasecmp(ARG(1), "inotify") && strcasecmp(ARG(1), "walk")) {
        return fail(cf, "%s: '%s' is neither inotify nor walk", NAME, ARG(1));
    }
    c->walk = !strcasecmp(ARG(1), "walk");
    return NGX_CONF_OK;
}

/* Why s is not a host name (labels of letters, digits and inner '-',
 * joined by single dots), an IPv4 address or a bracketed IPv6 one; NULL
 * when it is one. */
static const char *host_problem(const char *s, apr_size_t n)
{
    apr_size_t i, label = 0;

    if (!n) {
        return "has no host";
    }
    if (s[0] == '[') {
        for (i = 1; i < n - 1; i++) {
            if (!apr_isxdigit(s[i]) && s[i] != ':' && s[i] != '.') {
                break;
            }
        }
        return n > 2 && s[n - 1] == ']' && i == n - 1
               ? NULL : "has a host that is not an IPv6 address in []";
    }
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (!label || s[i - 1] == '-') {
                break;
            }
            label = 0;
        }
        else if (apr_isalnum(s[i]) || (s[i] == '-' && label)) {
            label++;
        }
        else {
            break;
        }
    }
    return i == n && label && s[n - 1] != '-'
           ? NULL : "has a host that is not a host name or IP address";
}

/* bantin_site_url scheme://host[:port], checked as BantinSiteURL is:
 * kept as "scheme://host[:port]" in lower case, without a default port. */
static char *set_site_url(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_bantin_loc_conf_t *c = conf;
    apr_pool_t *p = conf_pool(cf);
    const char *a = ARG(1), *why = NULL, *host = NULL, *end, *colon = NULL;
    const char *scheme = !strncasecmp(a, "https://", 8)  ? "https"
                         : !strncasecmp(a, "http://", 7) ? "http" : NULL;
    char *site, *l, *stop;
    long port = 0;

    if (!scheme) {
        why = "must start with http:// or https://";
    }
    else {
        host = a + strlen(scheme) + 3;
        end = host + strcspn(host, "/?#@\\");
        why = *end == '@' ? "must not name a user"
              : *end == '\\' ? "must not hold a backslash"
              : *end == '?' || *end == '#' ? "must not have a query or fragment"
              : *end == '/' && end[1]
                  ? "must not have a path (the portal's path is its "
                    "location or bantin_prefix)" : NULL;
        /* the port's colon is the last one, after any IPv6 bracket */
        for (colon = end; colon > host && colon[-1] != ':' && colon[-1] != ']';
             colon--) {
        }
        colon = colon > host && colon[-1] == ':' ? colon - 1 : end;
        if (!why && colon < end) {
            port = strtol(colon + 1, &stop, 10);
            if (stop != end || colon + 1 == end || !apr_isdigit(colon[1])
                || port < 1 || port > 65535) {
                why = "has a port that is not a number from 1 to 65535";
            }
        }
        if (!why) {
            why = host_problem(host, (apr_size_t)(colon - host));
        }
    }
    if (why) {
        return fail(cf, "%s: '%s' %s: give the scheme, host and port only "
                    "(e.g. https://portal.example.vn)", NAME, a, why);
    }
    site = apr_pstrcat(p, scheme, "://",
                       apr_pstrmemdup(p, host, (apr_size_t)(colon - host)),
                       NULL);
    for (l = site; *l; l++) {
        *l = apr_tolower(*l);
    }
    if (port && port != (!strcmp(scheme, "https") ? 443 : 80)) {
        site = apr_psprintf(p, "%s:%ld", site, port);
    }
    c->set.site_url = site;
    return NGX_CONF_OK;
}

/* http-block ones: bantin_state_dir, bantin_start_cache_dir (or off). */
static char *set_main_dir(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    const char *dir;

    if (cmd->offset == offsetof(ngx_http_bantin_main_conf_t, startcache_dir)
        && !strcasecmp(ARG(1), "off")) {
        FIELD(const char *) = "";
        return NGX_CONF_OK;
    }
    if (!(dir = full_path(cf, 1))) {
        return fail(cf, "%s: invalid path '%s'", NAME, ARG(1));
    }
    FIELD(const char *) = dir;
    return NGX_CONF_OK;
}

static char *set_cache_size(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char *end;
    long v = strtol(ARG(1), &end, 10);

    if (*end || end == ARG(1) || v < 0 || v > 65536) {
        return fail(cf, "%s: '%s' is not a number of MiB from 0 (off) to "
                    "65536", NAME, ARG(1));
    }
    FIELD(ngx_int_t) = v;
    return NGX_CONF_OK;
}

#define LOC (NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF)
#define LOC_SET(name, fn, field)                                             \
    {ngx_string(name), LOC | NGX_CONF_TAKE1, fn, NGX_HTTP_LOC_CONF_OFFSET,  \
     offsetof(ngx_http_bantin_loc_conf_t, field), NULL}
#define MAIN_SET(name, fn, field)                                            \
    {ngx_string(name), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, fn,             \
     NGX_HTTP_MAIN_CONF_OFFSET,                                             \
     offsetof(ngx_http_bantin_main_conf_t, field), NULL}

static ngx_command_t ngx_http_bantin_commands[] = {
    {ngx_string("bantin"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, set_handler,
     NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    {ngx_string("bantin_status"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS,
     set_handler, NGX_HTTP_LOC_CONF_OFFSET, 1, NULL},
    /* the offset tells content (0) from templates (1) */
    {ngx_string("bantin_content_dir"), LOC | NGX_CONF_TAKE1, set_dir,
     NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    {ngx_string("bantin_template_dir"), LOC | NGX_CONF_TAKE1, set_dir,
     NGX_HTTP_LOC_CONF_OFFSET, 1, NULL},
    LOC_SET("bantin_prefix", set_prefix, prefix),
    LOC_SET("bantin_page_size", set_page_size, set.page_size),
    {ngx_string("bantin_font_sizes"), LOC | NGX_CONF_1MORE, set_font_sizes,
     NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    LOC_SET("bantin_font_default", set_font_default, set.fs_default),
    LOC_SET("bantin_font_cookie", set_cookie_name, set.fs_cookie),
    LOC_SET("bantin_portal_name", set_portal_name, set.portal_name),
    LOC_SET("bantin_time_zone", set_time_zone, set.tz_min),
    LOC_SET("bantin_list_max_age", set_max_age, set.list_max_age),
    LOC_SET("bantin_article_max_age", set_max_age, set.article_max_age),
    LOC_SET("bantin_error_max_age", set_max_age, set.error_max_age),
    LOC_SET("bantin_watch", set_watch, walk),
    LOC_SET("bantin_related_count", set_count, set.related),
    LOC_SET("bantin_feed_size", set_count, set.feed_size),
    LOC_SET("bantin_site_url", set_site_url, set.site_url),
    LOC_SET("bantin_check_interval", set_interval, interval),
    MAIN_SET("bantin_cache_size", set_cache_size, cache_mb),
    MAIN_SET("bantin_state_dir", set_main_dir, state_root),
    MAIN_SET("bantin_start_cache_dir", set_main_dir, startcache_dir),
    ngx_null_command};

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

static void pool_destroy(void *data)
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
    cln->handler = pool_destroy;
    cln->data = m->pool;
    m->sources = apr_array_make(m->pool, 4, sizeof(void *));
    m->locs = apr_array_make(m->pool, 8, sizeof(void *));
    m->cache_mb = NGX_CONF_UNSET;
    return m;
}

static void *ngx_http_bantin_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_bantin_loc_conf_t *c = ngx_pcalloc(cf->pool, sizeof(*c));

    if (!c) {
        return NULL;
    }
    bantin_settings_unset(&c->set);
    c->interval = UNSET;
    c->walk = UNSET;
    return c;
}

#define MERGE_PTR(f) c->f = c->f ? c->f : prev->f
#define MERGE_INT(f) c->f = c->f != UNSET ? c->f : prev->f

static char *ngx_http_bantin_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                            void *child)
{
    ngx_http_bantin_loc_conf_t *prev = parent, *c = child;
    ngx_http_bantin_main_conf_t *m =
        ngx_http_conf_get_module_main_conf(cf, ngx_http_bantin_module);
    bantin_settings add = c->set;

    /* The portal's prefix is the location that names its content dir: an
     * inner location that only tunes a setting must not move it. */
    if (!c->content && prev->section) {
        c->section = prev->section;
    }
    MERGE_PTR(prefix);
    MERGE_PTR(content);
    MERGE_PTR(templates);
    bantin_settings_merge(&c->set, &prev->set, &add);
    MERGE_INT(interval);
    MERGE_INT(walk);
    if (c->enable && c->content) {
        APR_ARRAY_PUSH(m->locs, ngx_http_bantin_loc_conf_t *) = c;
    }
    return NGX_CONF_OK;
}

static const char *zone_name(apr_pool_t *p, int tz_min, int is_default)
{
    int a = tz_min < 0 ? -tz_min : tz_min;

    return is_default ? "Asia/Ho_Chi_Minh, the default"
           : !tz_min  ? "UTC"
                      : apr_psprintf(p, "%c%02d:%02d", tz_min < 0 ? '-' : '+',
                                     a / 60, a % 60);
}

/* Settles what each content dir's store is made with, over every
 * location serving it (as httpd's check_config): one zone per content
 * dir (BT0003), walk when any says so, the shortest interval. */
static ngx_int_t ngx_http_bantin_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_bantin_main_conf_t *m =
        ngx_http_conf_get_module_main_conf(cf, ngx_http_bantin_module);
    int i;

    for (i = 0; i < m->locs->nelts; i++) {
        ngx_http_bantin_loc_conf_t *c =
            APR_ARRAY_IDX(m->locs, i, ngx_http_bantin_loc_conf_t *);
        ngx_http_bantin_source_t *src = c->content;
        int tz = c->set.tz_min != UNSET ? c->set.tz_min : BANTIN_TZ_DEFAULT_MIN;
        const char *here = apr_psprintf(m->pool, "location %s (%s)",
                                        c->section, zone_name(m->pool, tz,
                                        c->set.tz_min == UNSET));
        if (!src->tz_where) {
            src->tz_min = tz;
            src->tz_where = here;
        }
        else if (tz != src->tz_min) {
            fail(cf, "BT0003 bantin_time_zone: bantin_content_dir %s is "
                 "published in one zone, but %s and %s differ: give them the "
                 "same bantin_time_zone, or each its own content dir",
                 src->dir, src->tz_where, here);
            return NGX_ERROR;
        }
        if (c->walk == 1) {
            src->walk = 1;
        }
        if (c->interval != UNSET
            && (src->interval == UNSET || c->interval < src->interval)) {
            src->interval = c->interval;
        }
    }
    return NGX_OK;
}

/* ---------------------------------------------------------------------- */
/* lifecycle                                                               */

/* DEFAULT/what/<instance> when the master runs as root (bantin_parent.h);
 * else `what` in nginx's prefix (a user other than root cannot write
 * /var/cache). */
static const char *default_dir(apr_pool_t *p, ngx_cycle_t *cycle,
                               const char *what, const char *instance)
{
    const char *why, *dir = apr_pstrcat(p, NGX_HTTP_BANTIN_CACHE_BASE, "/",
                                        what, NULL);

    if (geteuid() != 0) {
        return apr_psprintf(p, "%.*sbantin-%s", (int)cycle->prefix.len,
                            (const char *)cycle->prefix.data, what);
    }
    if (bantin_parent_default_dir(p, dir, instance, !strcmp(what, "state"),
                                  &why) != 0) {
        bantin_log(BANTIN_LOG_WARN, "BT0005 %s: the default folder cannot be "
                   "made: %s", dir, why);
    }
    return apr_pstrcat(p, dir, "/", instance, NULL);
}

static ngx_int_t ngx_http_bantin_init_module(ngx_cycle_t *cycle)
{
    static int started; /* the master outlives reloads */
    ngx_http_bantin_main_conf_t *m;
    ngx_core_conf_t *ccf;
    ngx_pool_cleanup_t *cln;
    bantin_schema *schema;
    const char *err, *root, *cache_dir, *instance, **dirs, **names;
    apr_pool_t *p;
    int i, n = 0, nc = 0;

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
    /* a content dir the workers' user cannot read fails here, -t too:
     * the master (root) could read it, and would start an empty portal */
    for (i = 0; geteuid() == 0 && i < m->sources->nelts; i++) {
        ngx_http_bantin_source_t *src =
            APR_ARRAY_IDX(m->sources, i, ngx_http_bantin_source_t *);
        if (!src->is_theme
            && !bantin_fs_reader_may_path(
                p, bantin_fs_reader_make(p, ccf->username, ccf->user,
                                         ccf->group), src->dir, &err)) {
            if (ngx_test_config) { /* -t writes nothing, not even a log */
                ngx_log_stderr(0, "[emerg] bantin_content_dir: %s", err);
            }
            else {
                ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                              "bantin_content_dir: %s", err);
            }
            return NGX_ERROR;
        }
    }
    /* nginx -t checks the config: it loads and writes nothing */
    if (ngx_test_config || m->sources->nelts == 0) {
        return NGX_OK;
    }
    start_token = (apr_uint64_t)apr_time_now();
    if (!(schema = bantin_schema_load(p, &err))) {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, 0, "BT0010 %s", err);
        return NGX_ERROR;
    }
    {
        apr_uint64_t bytes = (apr_uint64_t)(m->cache_mb != NGX_CONF_UNSET
                                                ? m->cache_mb
                                                : BANTIN_DEFAULT_CACHE_MB) << 20;
        m->cache = bantin_cache_create(p, bytes > APR_SIZE_MAX
                                              ? APR_SIZE_MAX
                                              : (apr_size_t)bytes);
    }
    instance = bantin_state_instance(
        p, apr_pstrmemdup(p, (char *)cycle->prefix.data, cycle->prefix.len),
        apr_pstrmemdup(p, (char *)cycle->conf_file.data,
                       cycle->conf_file.len));
    root = m->state_root ? m->state_root
                         : default_dir(p, cycle, "state", instance);
    cache_dir = m->startcache_dir ? m->startcache_dir
                                  : default_dir(p, cycle, "startcache",
                                                instance);
    if (geteuid() == 0) {
        bantin_state_hand_to(ccf->user, ccf->group);
        bantin_store_read_as(bantin_fs_reader_make(p, ccf->username,
                                                   ccf->user, ccf->group));
    }
    bantin_state_remember_logged(started);
    started = 1;
    dirs = apr_pcalloc(p, sizeof(*dirs) * (m->sources->nelts + 1));
    names = apr_pcalloc(p, sizeof(*names) * (m->sources->nelts + 1));
    for (i = 0; i < m->sources->nelts; i++) {
        ngx_http_bantin_source_t *src =
            APR_ARRAY_IDX(m->sources, i, ngx_http_bantin_source_t *);
        if (src->is_theme) {
            continue;
        }
        if (bantin_store_create_cached(
                &src->store, p, src->dir, schema,
                src->tz_min != UNSET ? src->tz_min : BANTIN_TZ_DEFAULT_MIN,
                src->interval != UNSET ? src->interval
                                       : BANTIN_DEFAULT_INTERVAL,
                root, *cache_dir ? cache_dir : NULL) != APR_SUCCESS) {
            ngx_log_error(NGX_LOG_CRIT, cycle->log, 0, "BT0002 "
                          "bantin_content_dir %s: cannot be read", src->dir);
            return NGX_ERROR;
        }
        if (src->walk) {
            bantin_store_walk_always(src->store);
        }
        if (bantin_store_state_dir(src->store)) {
            src->search_path = apr_pstrcat(
                p, bantin_store_state_dir(src->store), "/search.sqlite", NULL);
            bantin_user user = {ccf->username, ccf->user, ccf->group};
            if (bantin_parent_prepare_search(p, src->search_path, &user, &err)
                != APR_SUCCESS) {
                ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                              "BT0303 %s: search is off", err);
                src->search_path = NULL;
            }
        }
        bantin_store_save_startcache(src->store);
        dirs[n++] = src->dir;
        if (bantin_store_startcache_name(src->store)) {
            names[nc++] = bantin_store_startcache_name(src->store);
        }
    }
    bantin_state_sweep(p, root, instance, dirs, n);
    if (!m->startcache_dir && geteuid() == 0) {
        bantin_startcache_sweep(p, cache_dir, names, nc);
    }
    ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0, "BT0001 mod_bantin %s "
                  "started, serving %d content dir%s", bantin_version, n,
                  n == 1 ? "" : "s");
    return NGX_OK;
}

/* Each worker watches the content dirs itself (an inotify instance is not
 * shared across fork) after catching up with what changed since the
 * master loaded them: the core's watcher and indexer threads. */
static ngx_int_t ngx_http_bantin_init_process(ngx_cycle_t *cycle)
{
    ngx_http_bantin_main_conf_t *m;
    int i;

    if ((ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE)
        || !cycle->conf_ctx[ngx_http_module.index]
        || !(m = ngx_http_cycle_get_module_main_conf(cycle,
                                                     ngx_http_bantin_module))
        || m->sources->nelts == 0) {
        return NGX_OK;
    }
    bantin_ngx_log = cycle->log;
    if (apr_pool_create(&m->worker_pool, m->pool) != APR_SUCCESS) {
        return NGX_ERROR;
    }
    for (i = 0; i < m->sources->nelts; i++) {
        ngx_http_bantin_source_t *src =
            APR_ARRAY_IDX(m->sources, i, ngx_http_bantin_source_t *);
        if (src->store) {
            src->workers = bantin_workers_start(m->worker_pool, src->dir,
                                                src->store, src->search_path,
                                                start_token);
            src->search = bantin_workers_search(src->workers);
        }
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
                                                    ngx_http_bantin_module))
        && m->worker_pool) {
        ngx_http_bantin_watch_stop();
        apr_pool_destroy(m->worker_pool);
        m->worker_pool = NULL;
    }
}
