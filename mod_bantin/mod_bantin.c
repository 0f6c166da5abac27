/* mod_bantin.c -- the httpd glue of mod_bantin.
 *
 * Everything a page is made of lives in the core library (bantin_*.c),
 * which includes no httpd header.  This file only: declares the
 * directives and merges them, loads the stores and themes at startup, maps
 * a request onto the core and writes its answer.
 *
 * Lifecycle.  Directives are checked while the config is read, so a wrong
 * directory or a template that does not compile fails `apachectl -t` with
 * one line.  Content is loaded in post_config, in the parent, before the
 * children fork: they all share it copy-on-write and never write to it, so
 * request threads read it without locks.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mpm_common.h"
#include "unixd.h"
#include "util_filter.h"

#include "bantin_article.h"
#include "bantin_buf.h"
#include "bantin_log.h"
#include "bantin_render.h"
#include "bantin_request.h"
#include "bantin_store.h"

module AP_MODULE_DECLARE_DATA bantin_module;

#define UNSET (-1)
#define MERGE_PTR(f) c->f = add->f ? add->f : base->f
#define MERGE_INT(f) c->f = add->f != UNSET ? add->f : base->f

#define DEFAULT_PAGE_SIZE 10
#define DEFAULT_COOKIE "bantin_fs"
#define DEFAULT_PORTAL_NAME "Bản tin"
#define MAX_FORM_BYTES 2048
#define COOKIE_MAX_AGE 31536000 /* a year */
#define DEFAULT_INTERVAL apr_time_from_msec(250)

static const char *const default_sizes[] = {"0.875", "1", "1.125", "1.375",
                                            "1.75"};

/* One content dir or template dir, shared by every section naming it. */
typedef struct {
    const char *dir;
    int is_theme;          /* a template dir, or a content dir */
    bantin_store *store;   /* content: loaded in post_config */
    bantin_theme *theme;   /* templates: compiled when the directive is read */
    int tz_min;            /* content: where plain dates fall */
    apr_interval_time_t interval; /* content: how often to look for changes */
} bantin_source;

typedef struct {
    const char *section;     /* the <Location> path this config was made for */
    const char *prefix;      /* BantinPrefix, overrides section */
    bantin_source *content;
    bantin_source *templates;
    int page_size;
    int fs_count;
    const char *const *fs_rem;
    int fs_default;
    const char *fs_cookie;
    const char *portal_name;
    int tz_min;
    apr_interval_time_t interval; /* -1: unset */
} bantin_conf;

/* Every content and template dir named in the config being read.  Built
 * while httpd reads its config (one thread), read-only once children run;
 * it lives in pconf and is reset when pconf is cleared on restart. */
static apr_array_header_t *sources;
/* BantinStateDir, server-wide; NULL means under DefaultRuntimeDir. */
static const char *state_root;
/* Every section's config as written (before merging): post_config reads
 * the time zone and check interval set beside each BantinContentDir. */
static apr_array_header_t *sections;

static apr_status_t sources_reset(void *unused)
{
    (void)unused;
    sources = NULL;
    sections = NULL;
    state_root = NULL;
    return APR_SUCCESS;
}

static bantin_source *source_for(apr_pool_t *pconf, const char *dir,
                                 int is_theme)
{
    int i;
    bantin_source *src;

    if (!sources) {
        sources = apr_array_make(pconf, 4, sizeof(bantin_source *));
    }
    for (i = 0; i < sources->nelts; i++) {
        src = APR_ARRAY_IDX(sources, i, bantin_source *);
        if (src->is_theme == is_theme && !strcmp(src->dir, dir)) {
            return src;
        }
    }
    src = apr_pcalloc(pconf, sizeof(*src));
    src->dir = dir;
    src->is_theme = is_theme;
    src->tz_min = UNSET;
    src->interval = UNSET;
    APR_ARRAY_PUSH(sources, bantin_source *) = src;
    return src;
}

/* ---------------------------------------------------------------------- */
/* configuration                                                           */

static void *create_conf(apr_pool_t *p, char *dir)
{
    bantin_conf *c = apr_pcalloc(p, sizeof(*c));
    c->section = dir;
    c->page_size = UNSET;
    c->fs_count = UNSET;
    c->fs_default = UNSET;
    c->tz_min = UNSET;
    c->interval = UNSET;
    if (!sections) {
        sections = apr_array_make(p, 8, sizeof(bantin_conf *));
        apr_pool_cleanup_register(p, NULL, sources_reset,
                                  apr_pool_cleanup_null);
    }
    APR_ARRAY_PUSH(sections, bantin_conf *) = c;
    return c;
}

static void *merge_conf(apr_pool_t *p, void *basev, void *addv)
{
    bantin_conf *base = basev, *add = addv;
    bantin_conf *c = apr_pcalloc(p, sizeof(*c));

    MERGE_PTR(section);
    MERGE_PTR(prefix);
    MERGE_PTR(content);
    MERGE_PTR(templates);
    MERGE_INT(page_size);
    MERGE_INT(fs_count);
    MERGE_PTR(fs_rem);
    MERGE_INT(fs_default);
    MERGE_PTR(fs_cookie);
    MERGE_PTR(portal_name);
    MERGE_INT(tz_min);
    MERGE_INT(interval);
    return c;
}

/* Resolves a directory argument and checks that it can be listed. */
static const char *check_dir(cmd_parms *cmd, const char *arg,
                             const char **out)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_dir_t *d;
    apr_status_t rv;
    char buf[120];

    if (!path) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    if ((rv = apr_dir_open(&d, path, cmd->temp_pool)) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: %s: %s", cmd->cmd->name, path,
                            apr_strerror(rv, buf, sizeof(buf)));
    }
    apr_dir_close(d);
    *out = path;
    return NULL;
}

static const char *set_content_dir(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char *path, *err;

    if ((err = check_dir(cmd, a, &path)) != NULL) {
        return err;
    }
    c->content = source_for(cmd->pool, path, 0);
    return NULL;
}

static const char *set_template_dir(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char *path, *err;
    bantin_source *src;

    if ((err = check_dir(cmd, a, &path)) != NULL) {
        return err;
    }
    src = source_for(cmd->pool, path, 1);
    if (!src->theme
        && (err = bantin_theme_load(cmd->pool, path, &src->theme)) != NULL) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", err, NULL);
    }
    c->templates = src;
    return NULL;
}

static const char *set_prefix(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    apr_size_t n = strlen(a);

    while (n > 0 && a[n - 1] == '/') {
        n--;
    }
    if (a[0] != '/' || strpbrk(a, "\"'<>\\ ?#%")) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be a URL path "
                            "starting with '/'", cmd->cmd->name, a);
    }
    c->prefix = apr_pstrmemdup(cmd->pool, a, n);
    return NULL;
}

static const char *set_page_size(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    char *end;
    long v = strtol(a, &end, 10);

    if (*end || v < 1 || v > 100) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number from 1 "
                            "to 100", cmd->cmd->name, a);
    }
    c->page_size = (int)v;
    return NULL;
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

static const char *set_font_sizes(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char **list;
    const char *w, *words;
    int n = 0;

    /* Taken word by word, quoted or not: "0.875 1 1.25" and 0.875 1 1.25
     * mean the same. */
    list = apr_pcalloc(cmd->pool, sizeof(*list) * BANTIN_FONT_MAX_STEPS);
    while (*a && *(words = ap_getword_conf(cmd->temp_pool, &a))) {
      while (*(w = ap_getword_white(cmd->temp_pool, &words))) {
        if (n == BANTIN_FONT_MAX_STEPS || !rem_is_valid(w)) {
            return apr_psprintf(cmd->pool, "%s: give 2 to %d sizes in rem, "
                                "smallest first (e.g. 0.875 1 1.125 1.375 "
                                "1.75); '%s' is not one", cmd->cmd->name,
                                BANTIN_FONT_MAX_STEPS, w);
        }
        if (n > 0 && strtod(w, NULL) <= strtod(list[n - 1], NULL)) {
            return apr_psprintf(cmd->pool, "%s: sizes must grow, smallest "
                                "first ('%s' after '%s')", cmd->cmd->name, w,
                                list[n - 1]);
        }
        list[n++] = apr_pstrdup(cmd->pool, w);
      }
    }
    if (n < 2) {
        return apr_psprintf(cmd->pool, "%s: give at least 2 sizes",
                            cmd->cmd->name);
    }
    if (c->fs_default != UNSET && c->fs_default > n) {
        return apr_psprintf(cmd->pool, "%s: BantinFontDefault %d is past "
                            "these %d sizes", cmd->cmd->name, c->fs_default,
                            n);
    }
    c->fs_rem = list;
    c->fs_count = n;
    return NULL;
}

static const char *set_font_default(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    char *end;
    long v = strtol(a, &end, 10);

    if (*end || v < 1 || v > BANTIN_FONT_MAX_STEPS) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a step number "
                            "(1 = the first size of BantinFontSizes)",
                            cmd->cmd->name, a);
    }
    if (c->fs_count != UNSET && v > c->fs_count) {
        return apr_psprintf(cmd->pool, "%s: step %ld is past the %d sizes "
                            "of BantinFontSizes", cmd->cmd->name, v,
                            c->fs_count);
    }
    c->fs_default = (int)v;
    return NULL;
}

static const char *set_cookie_name(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char *s;

    for (s = a; *s; s++) {
        if (!apr_isalnum(*s) && *s != '_' && *s != '-') {
            break;
        }
    }
    if (!*a || *s || strlen(a) > 64) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be 1 to 64 of "
                            "A-Z a-z 0-9 _ -", cmd->cmd->name, a);
    }
    c->fs_cookie = a;
    return NULL;
}

static const char *set_portal_name(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    (void)cmd;
    c->portal_name = a;
    return NULL;
}

static const char *set_time_zone(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    int tz;

    if (bantin_tz_parse(a, &tz)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a zone: use "
                            "Asia/Ho_Chi_Minh, UTC or an offset like +07:00",
                            cmd->cmd->name, a);
    }
    c->tz_min = tz;
    return NULL;
}

static const char *set_interval(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    char *end;
    double v = strtod(a, &end);

    if (*end || end == a || !(v >= 0.01 && v <= 3600)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of "
                            "seconds from 0.01 to 3600", cmd->cmd->name, a);
    }
    c->interval = (apr_interval_time_t)(v * APR_USEC_PER_SEC);
    return NULL;
}

static const char *set_state_dir(cmd_parms *cmd, void *cfg, const char *a)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)cfg;
    if (err) {
        return err;
    }
    if (!(state_root = ap_server_root_relative(cmd->pool, a))) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, a);
    }
    return NULL;
}

#define DIRECTIVE(name, fn, help) \
    AP_INIT_TAKE1(name, fn, NULL, RSRC_CONF | ACCESS_CONF, help)

static const command_rec bantin_cmds[] = {
    DIRECTIVE("BantinContentDir", set_content_dir,
              "directory holding the portal's XML articles"),
    DIRECTIVE("BantinTemplateDir", set_template_dir,
              "directory holding the portal's templates"),
    DIRECTIVE("BantinPrefix", set_prefix,
              "URL path of the portal; defaults to the <Location> path"),
    DIRECTIVE("BantinPageSize", set_page_size,
              "articles per list page, 1-100 (default 10)"),
    AP_INIT_RAW_ARGS("BantinFontSizes", set_font_sizes, NULL,
                     RSRC_CONF | ACCESS_CONF,
                     "font-size steps in rem, smallest first "
                     "(default 0.875 1 1.125 1.375 1.75)"),
    DIRECTIVE("BantinFontDefault", set_font_default,
              "the step readers get without a cookie (default: the middle)"),
    DIRECTIVE("BantinFontCookie", set_cookie_name,
              "name of the font-size cookie (default bantin_fs)"),
    DIRECTIVE("BantinPortalName", set_portal_name,
              "the portal's name, shown in titles (default Bản tin)"),
    DIRECTIVE("BantinTimeZone", set_time_zone,
              "zone dates are shown in (default Asia/Ho_Chi_Minh)"),
    AP_INIT_TAKE1("BantinStateDir", set_state_dir, NULL, RSRC_CONF,
                  "where processes share last good copies (default: "
                  "bantin-state under DefaultRuntimeDir)"),
    DIRECTIVE("BantinCheckInterval", set_interval,
              "seconds between looks for changed articles (default 0.25)"),
    {NULL}
};

/* ---------------------------------------------------------------------- */
/* startup                                                                 */

static void log_to_httpd(void *baton, bantin_log_level_e level,
                         const char *msg)
{
    static const int levels[] = {APLOG_ERR, APLOG_WARNING, APLOG_NOTICE,
                                 APLOG_INFO, APLOG_DEBUG};
    server_rec *s = baton;
    ap_log_error(APLOG_MARK, levels[level], 0, s, "%s", msg);
}

/* The parent creates the state directories as root; the children, which
 * write to them, run as the User of mod_unixd. */
static void give_to_children(server_rec *s, const char *path)
{
    if (geteuid() == 0
        && chown(path, ap_unixd_config.user_id, ap_unixd_config.group_id)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s, "BT0004 %s: "
                     "cannot hand the state directory to the server's User",
                     path);
    }
}

static int bantin_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    bantin_schema *schema;
    const char *err = NULL, *root;
    int i;

    (void)plog; (void)ptemp;
    /* httpd reads its config twice at startup; the first pass only checks
     * it, so loading content then would double the start time. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    bantin_log_set(log_to_httpd, s);
    if (!sources) {
        return OK;
    }
    if (!(schema = bantin_schema_load(pconf, &err))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "BT0001 %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (i = 0; sections && i < sections->nelts; i++) {
        const bantin_conf *c = APR_ARRAY_IDX(sections, i, bantin_conf *);
        if (!c->content) {
            continue;
        }
        if (c->tz_min != UNSET && c->content->tz_min != UNSET
            && c->tz_min != c->content->tz_min) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "BT0003 "
                         "BantinContentDir %s has two BantinTimeZone "
                         "values; plain dates use the first",
                         c->content->dir);
        }
        if (c->tz_min != UNSET && c->content->tz_min == UNSET) {
            c->content->tz_min = c->tz_min;
        }
        if (c->interval != UNSET && (c->content->interval == UNSET
                                     || c->interval < c->content->interval)) {
            c->content->interval = c->interval;
        }
    }
    if (!(root = state_root)) {
        root = ap_runtime_dir_relative(pconf, "bantin-state");
    }
    if (apr_dir_make_recursive(root, APR_FPROT_OS_DEFAULT, ptemp)
        == APR_SUCCESS) {
        give_to_children(s, root);
    }
    for (i = 0; i < sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(sources, i, bantin_source *);
        apr_status_t rv;
        if (src->is_theme) {
            continue;
        }
        rv = bantin_store_create(&src->store, pconf, src->dir, schema,
                                 src->tz_min != UNSET ? src->tz_min
                                                      : BANTIN_TZ_DEFAULT_MIN,
                                 src->interval != UNSET
                                     ? src->interval : DEFAULT_INTERVAL,
                                 root);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "BT0002 "
                         "BantinContentDir %s: cannot be read", src->dir);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (bantin_store_state_dir(src->store)) {
            give_to_children(s, bantin_store_state_dir(src->store));
        }
    }
    return OK;
}

/* Each child watches the content dirs itself (an inotify instance is not
 * shared across fork) and catches up with what changed since the parent
 * loaded them. */
static void bantin_child_init(apr_pool_t *pchild, server_rec *s)
{
    int i;

    (void)s; (void)pchild;
    for (i = 0; sources && i < sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(sources, i, bantin_source *);
        if (src->store) {
            bantin_store_child_init(src->store);
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
    for (i = 0; sources && i < sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(sources, i, bantin_source *);
        if (src->store) {
            bantin_store_refresh(src->store, now);
        }
    }
    return DECLINED;
}

/* ---------------------------------------------------------------------- */
/* requests                                                                */

/* Writes a whole answer as one pool bucket: the page is already one
 * contiguous buffer, so httpd gets it in a single write. */
static int send_body(request_rec *r, const char *ctype, const char *data,
                     apr_size_t len)
{
    apr_bucket_brigade *bb;

    ap_set_content_type(r, ctype);
    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(
                                    data, len, r->pool,
                                    r->connection->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                    r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

static int send_page(request_rec *r, const bantin_page *pg)
{
    /* Every page carries the reader's font step, taken from a cookie:
     * caches must keep one copy per cookie value. */
    apr_table_mergen(r->headers_out, "Vary", "Cookie");
    return send_body(r, "text/html; charset=utf-8", pg->data, pg->len);
}

static int send_error(request_rec *r, const bantin_conf *c,
                      const bantin_view *v, int status)
{
    bantin_page pg;
    (void)c;
    bantin_render_error(r->pool, c->templates->theme, v, status, &pg);
    r->status = status;
    return send_page(r, &pg);
}

/* The portal prefix of this request, or NULL when it cannot be told. */
static const char *prefix_of(request_rec *r, const bantin_conf *c)
{
    const char *p = c->prefix;
    apr_size_t n;

    if (!p) {
        p = c->section ? c->section : "";
        n = strlen(p);
        while (n > 0 && p[n - 1] == '/') {
            n--;
        }
        p = apr_pstrmemdup(r->pool, p, n);
    }
    n = strlen(p);
    if (strncmp(r->uri, p, n) || (r->uri[n] && r->uri[n] != '/')) {
        return NULL;
    }
    return p;
}

static const char *read_form(request_rec *r)
{
    char *buf = apr_palloc(r->pool, MAX_FORM_BYTES + 1);
    apr_size_t got = 0;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK
        || !ap_should_client_block(r)) {
        return "";
    }
    while ((n = ap_get_client_block(r, buf + got,
                                    MAX_FORM_BYTES - got)) > 0) {
        got += (apr_size_t)n;
        if (got == MAX_FORM_BYTES) {
            return NULL;
        }
    }
    if (n < 0) {
        return NULL;
    }
    buf[got] = '\0';
    return buf;
}

static int handle_fontsize(request_rec *r, const bantin_conf *c,
                           const bantin_view *v)
{
    const char *form = r->args ? r->args : "", *step, *back, *loc;
    int next;

    if (r->method_number == M_POST) {
        if (!(form = read_form(r))) {
            return send_error(r, c, v, HTTP_BAD_REQUEST);
        }
    }
    step = bantin_form_get(r->pool, form, "step");
    back = bantin_form_get(r->pool, form, "back");
    /* Only a route on this portal, rebuilt from our own prefix: nothing
     * the request says can make this an off-site or header-split URL. */
    if (!back || !bantin_back_is_safe(back)) {
        back = "";
    }
    next = bantin_fontsize_apply(step, v->fs_step, v->fs_count);
    loc = apr_pstrcat(r->pool, v->base, "/", back, NULL);
    apr_table_setn(r->err_headers_out, "Location", loc);
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   apr_psprintf(r->pool, "%s=%d; Path=%s; Max-Age=%d; "
                                "SameSite=Lax%s", v->fs_cookie, next,
                                *v->base ? v->base : "/", COOKIE_MAX_AGE,
                                ap_http_scheme(r)[4] == 's' ? "; Secure"
                                                           : ""));
    apr_table_mergen(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_SEE_OTHER;
}

static const char *media_type(const char *path)
{
    static const char *const types[][2] = {
        {".png", "image/png"},   {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
        {".webp", "image/webp"}, {".avif", "image/avif"},
    };
    const char *dot = strrchr(path, '.');
    apr_size_t i;

    for (i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++) {
        if (!strcasecmp(dot, types[i][0])) {
            return types[i][1];
        }
    }
    return NULL;
}

/* Serves an image below the content dir.  Every component is checked with
 * lstat: a symbolic link anywhere on the way is treated as absent. */
static int handle_media(request_rec *r, const bantin_conf *c,
                        const bantin_view *v, const char *rel)
{
    const char *type = media_type(rel), *path = c->content->dir;
    const char *s = rel;
    apr_finfo_t fi;
    apr_file_t *f;
    apr_bucket_brigade *bb;
    int rc;

    if (!type) {
        return send_error(r, c, v, HTTP_NOT_FOUND);
    }
    while (*s) {
        const char *slash = strchr(s, '/');
        apr_size_t n = slash ? (apr_size_t)(slash - s) : strlen(s);
        path = apr_pstrcat(r->pool, path, "/",
                           apr_pstrmemdup(r->pool, s, n), NULL);
        if (apr_stat(&fi, path, APR_FINFO_LINK | APR_FINFO_TYPE, r->pool)
                != APR_SUCCESS
            || fi.filetype != (slash ? APR_DIR : APR_REG)) {
            return send_error(r, c, v, HTTP_NOT_FOUND);
        }
        s = slash ? slash + 1 : s + n;
    }
    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_SENDFILE_ENABLED,
                      APR_OS_DEFAULT, r->pool) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_MTIME
                             | APR_FINFO_INODE, f) != APR_SUCCESS) {
        return send_error(r, c, v, HTTP_NOT_FOUND);
    }
    r->finfo = fi;
    ap_update_mtime(r, fi.mtime);
    ap_set_last_modified(r);
    ap_set_etag(r);
    ap_set_content_type(r, type);
    if ((rc = ap_meets_conditions(r)) != OK) {
        return rc;
    }
    ap_set_content_length(r, fi.size);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_brigade_insert_file(bb, f, 0, fi.size, r->pool);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                    r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

typedef struct {
    bantin_store *store;
    const bantin_snapshot *snap;
} held_snapshot;

static apr_status_t release_snapshot(void *data)
{
    held_snapshot *h = data;
    bantin_store_release(h->store, h->snap);
    return APR_SUCCESS;
}

/* The request holds the current snapshot until its pool goes. */
static const bantin_snapshot *acquire(request_rec *r, bantin_store *store)
{
    held_snapshot *h = apr_palloc(r->pool, sizeof(*h));
    h->store = store;
    h->snap = bantin_store_acquire(store);
    apr_pool_cleanup_register(r->pool, h, release_snapshot,
                              apr_pool_cleanup_null);
    return h->snap;
}

/* SetHandler bantin-status: what each content dir holds and which files
 * are not served, for admins who should not need the error log. */
static int bantin_status_handler(request_rec *r)
{
    apr_time_t now = apr_time_now();
    char when[APR_RFC822_DATE_LEN];
    int i;

    if (!r->handler || strcmp(r->handler, "bantin-status")) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_set_content_type(r, "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }
    ap_rputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head><meta charset=\"utf-8\">"
             "<title>mod_bantin status</title></head>\n<body>\n"
             "<h1>mod_bantin status</h1>\n", r);
    for (i = 0; sources && i < sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(sources, i, bantin_source *);
        const bantin_snapshot *snap;
        apr_size_t k, total;
        if (!src->store) {
            continue;
        }
        bantin_store_refresh(src->store, now);
        snap = acquire(r, src->store);
        bantin_snapshot_list(snap, now, 0, 0, NULL, &total);
        apr_rfc822_date(when, bantin_store_last_check(src->store));
        ap_rprintf(r, "<section class=\"bantin-status-dir\">\n<h2>%s</h2>\n"
                   "<dl>\n<dt>Articles</dt><dd class=\"articles\">%lu</dd>\n"
                   "<dt>Visible now</dt><dd class=\"visible\">%lu</dd>\n"
                   "<dt>Drafts</dt><dd class=\"drafts\">%lu</dd>\n"
                   "<dt>Rejected files</dt><dd class=\"rejected\">%lu</dd>\n"
                   "<dt>Last check</dt><dd class=\"last-check\">%s</dd>\n"
                   "<dt>Change detection</dt><dd>%s</dd>\n</dl>\n",
                   ap_escape_html2(r->pool, src->dir, 1),
                   (unsigned long)snap->count, (unsigned long)total,
                   (unsigned long)snap->ndrafts,
                   (unsigned long)snap->nrejected, when,
                   bantin_store_watching(src->store)
                       ? "inotify" : "periodic walk");
        if (snap->nrejected) {
            ap_rputs("<ul class=\"bantin-rejected\">\n", r);
            for (k = 0; k < snap->nrejected; k++) {
                ap_rprintf(r, "<li>%s</li>\n",
                           ap_escape_html2(r->pool, snap->rejected[k], 1));
            }
            ap_rputs("</ul>\n", r);
        }
        ap_rputs("</section>\n", r);
    }
    ap_rputs("</body>\n</html>\n", r);
    return OK;
}

static int bantin_handler(request_rec *r)
{
    const bantin_conf *c;
    const bantin_snapshot *snap;
    bantin_view v;
    bantin_route route;
    bantin_page pg;
    const char *ctype;
    apr_time_t now;

    if (!r->handler || strcmp(r->handler, "bantin")) {
        return DECLINED;
    }
    c = ap_get_module_config(r->per_dir_config, &bantin_module);
    if (!c->content || !c->templates || !c->content->store) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "BT0201 SetHandler "
                      "bantin for %s needs BantinContentDir and "
                      "BantinTemplateDir", r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    v.portal_name = c->portal_name ? c->portal_name : DEFAULT_PORTAL_NAME;
    v.tz_min = c->tz_min != UNSET ? c->tz_min : BANTIN_TZ_DEFAULT_MIN;
    v.fs_rem = c->fs_rem ? c->fs_rem : default_sizes;
    v.fs_count = c->fs_rem ? c->fs_count
                           : (int)(sizeof(default_sizes) / sizeof(char *));
    v.fs_cookie = c->fs_cookie ? c->fs_cookie : DEFAULT_COOKIE;
    v.fs_step = c->fs_default != UNSET && c->fs_default <= v.fs_count
                ? c->fs_default : (v.fs_count + 1) / 2;
    v.fs_step = bantin_fontsize_from_cookie(
        apr_table_get(r->headers_in, "Cookie"), v.fs_cookie, v.fs_count,
        v.fs_step);
    if (!(v.base = prefix_of(r, c))) {
        v.base = "";
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "BT0202 %s is not "
                      "below the portal's <Location>: set BantinPrefix",
                      r->uri);
        return send_error(r, c, &v, HTTP_NOT_FOUND);
    }

    bantin_route_parse(r->pool, r->uri + strlen(v.base), &route);
    if (r->method_number != M_GET
        && !(r->method_number == M_POST
             && route.kind == BANTIN_ROUTE_FONTSIZE)) {
        apr_table_setn(r->headers_out, "Allow",
                       route.kind == BANTIN_ROUTE_FONTSIZE ? "GET, HEAD, POST"
                                                           : "GET, HEAD");
        return send_error(r, c, &v, HTTP_METHOD_NOT_ALLOWED);
    }

    now = apr_time_now();
    bantin_store_refresh(c->content->store, now);
    snap = acquire(r, c->content->store);
    switch (route.kind) {
    case BANTIN_ROUTE_ADD_SLASH:
        apr_table_setn(r->headers_out, "Location",
                       apr_pstrcat(r->pool, v.base, "/",
                                   r->args ? "?" : "", r->args, NULL));
        return HTTP_MOVED_PERMANENTLY;
    case BANTIN_ROUTE_HOME: {
        const char *ps = r->args ? bantin_form_get(r->pool, r->args, "page")
                                 : NULL;
        long page = ps ? bantin_page_parse(ps) : 1, pages;
        apr_size_t size = (apr_size_t)(c->page_size != UNSET
                                       ? c->page_size : DEFAULT_PAGE_SIZE);
        const bantin_article **items = apr_palloc(r->pool,
                                                  size * sizeof(*items));
        apr_size_t n, total;
        if (page < 0) {
            return send_error(r, c, &v, HTTP_BAD_REQUEST);
        }
        n = bantin_snapshot_list(snap, now, (apr_size_t)(page > 0 ? page - 1
                                                                  : 0) * size,
                                 size, items, &total);
        pages = total ? (long)((total + size - 1) / size) : 1;
        if (page < 1 || page > pages) {
            return send_error(r, c, &v, HTTP_NOT_FOUND);
        }
        bantin_render_list(r->pool, c->templates->theme, &v, items, n, page,
                           pages, &pg);
        return send_page(r, &pg);
    }
    case BANTIN_ROUTE_ARTICLE: {
        const bantin_article *a = bantin_snapshot_get(snap, route.arg, now);
        if (!a) {
            return send_error(r, c, &v, HTTP_NOT_FOUND);
        }
        bantin_render_article(r->pool, c->templates->theme, &v, a, &pg);
        return send_page(r, &pg);
    }
    case BANTIN_ROUTE_MEDIA:
        return handle_media(r, c, &v, route.arg);
    case BANTIN_ROUTE_STATIC:
        if (!bantin_render_static(r->pool, c->templates->theme, &v,
                                  route.arg, &pg, &ctype)) {
            return send_error(r, c, &v, HTTP_NOT_FOUND);
        }
        return send_body(r, ctype, pg.data, pg.len);
    case BANTIN_ROUTE_FONTSIZE:
        return handle_fontsize(r, c, &v);
    default:
        return send_error(r, c, &v, HTTP_NOT_FOUND);
    }
}

static void bantin_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Load content after every other module has its config in place. */
    ap_hook_post_config(bantin_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(bantin_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(bantin_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(bantin_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(bantin_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(bantin) = {
    STANDARD20_MODULE_STUFF,
    create_conf,            /* per-directory config: all our directives */
    merge_conf,             /* merged the usual way, defaults at use */
    NULL,                   /* no per-server config */
    NULL,
    bantin_cmds,            /* the Bantin* directives */
    bantin_register_hooks,  /* post_config loads content; the handler */
    0                       /* flags */
};
