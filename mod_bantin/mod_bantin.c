/* mod_bantin.c -- the httpd glue of mod_bantin: hooks and handlers.
 *
 * Everything a page is made of lives in the core library (bantin_*.c),
 * which includes no httpd header.  This file loads the stores at startup,
 * keeps them fresh, maps a request onto the core and writes its answer;
 * mod_bantin_config.c holds the directives.
 *
 * Lifecycle.  Content is loaded in post_config, in the parent, before the
 * children fork: they share it copy-on-write.  Each child then watches the
 * content dirs itself; readers only ever see immutable snapshots, so
 * request threads read them without locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mpm_common.h"
#include "unixd.h"
#include "util_filter.h"

#include "bantin_article.h"
#include "bantin_buf.h"
#include "bantin_cache.h"
#include "bantin_feed.h"
#include "bantin_fold.h"
#include "bantin_log.h"
#include "bantin_request.h"
#include "mod_bantin.h"

#define MAX_FORM_BYTES 2048
#define COOKIE_MAX_AGE 31536000 /* a year */

/* Rendered pages of this process (see bantin_cache.h); created in
 * post_config, so each child has its own after fork. */
static bantin_cache *page_cache;

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
    if (!bantin_reg.sources) {
        return OK;
    }
    if (!(schema = bantin_schema_load(pconf, &err))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "BT0001 %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (i = 0; bantin_reg.sections && i < bantin_reg.sections->nelts; i++) {
        const bantin_conf *c = APR_ARRAY_IDX(bantin_reg.sections, i, bantin_conf *);
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
        if (c->walk == 1) {
            c->content->walk = 1;
        }
        if (c->interval != UNSET && (c->content->interval == UNSET
                                     || c->interval < c->content->interval)) {
            c->content->interval = c->interval;
        }
    }
    page_cache = bantin_cache_create(
        pconf, (apr_size_t)(bantin_reg.cache_mb != UNSET ? bantin_reg.cache_mb
                                                         : DEFAULT_CACHE_MB)
                   << 20);
    if (!(root = bantin_reg.state_root)) {
        root = ap_runtime_dir_relative(pconf, "bantin-state");
    }
    if (apr_dir_make_recursive(root, APR_FPROT_OS_DEFAULT, ptemp)
        == APR_SUCCESS) {
        give_to_children(s, root);
    }
    for (i = 0; i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
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
        if (src->walk) {
            bantin_store_walk_always(src->store);
        }
        if (bantin_store_state_dir(src->store)) {
            const char *serr;
            give_to_children(s, bantin_store_state_dir(src->store));
            src->search_path = apr_pstrcat(
                pconf, bantin_store_state_dir(src->store), "/search.sqlite",
                NULL);
            if (bantin_search_prepare(ptemp, src->search_path, &serr)
                != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "BT0303 %s: search "
                             "is off", serr);
                src->search_path = NULL;
            }
            else {
                /* The index and its WAL are written by the children. */
                give_to_children(s, src->search_path);
            }
        }
    }
    return OK;
}

/* Keeps the search index in step with the store, in every process; the
 * writes are idempotent (by content hash), so processes that apply the
 * same change do no harm. */
static void index_changes(void *baton, const bantin_article *const *added,
                          apr_size_t nadded, const char *const *gone,
                          apr_size_t ngone)
{
    bantin_search_apply(baton, added, nadded, gone, ngone);
}

/* One child per server (whoever takes the lock) brings the index in line
 * with the whole store, in the background: at first start that is the
 * whole build, afterwards only what changed while httpd was down. */
static void *APR_THREAD_FUNC sync_index(apr_thread_t *t, void *data)
{
    bantin_source *src = data;
    const char *lock = apr_pstrcat(apr_thread_pool_get(t), src->search_path,
                                   ".lock", NULL);
    apr_file_t *f;
    apr_time_t t0 = apr_time_now();
    apr_size_t n;

    if (apr_file_open(&f, lock, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                      APR_FPROT_OS_DEFAULT, apr_thread_pool_get(t))
            != APR_SUCCESS
        || apr_file_lock(f, APR_FLOCK_EXCLUSIVE | APR_FLOCK_NONBLOCK)
               != APR_SUCCESS) {
        return NULL; /* another process is at it */
    }
    n = bantin_search_sync(src->search, src->store);
    apr_file_unlock(f);
    apr_file_close(f);
    bantin_log(BANTIN_LOG_INFO, "BT0302 %s: search index in step, %lu "
               "articles written in %.2f s", src->dir, (unsigned long)n,
               (double)(apr_time_now() - t0) / APR_USEC_PER_SEC);
    return NULL;
}

static void start_search(apr_pool_t *pchild, bantin_source *src)
{
    const char *err;
    apr_threadattr_t *attr;
    apr_thread_t *t;

    if (!src->search_path
        || !(src->search = bantin_search_open(pchild, src->search_path,
                                              &err))) {
        return;
    }
    bantin_store_listen(src->store, index_changes, src->search);
    if (apr_threadattr_create(&attr, pchild) == APR_SUCCESS
        && apr_threadattr_detach_set(attr, 1) == APR_SUCCESS) {
        apr_thread_create(&t, attr, sync_index, src, pchild);
    }
}

/* Each child watches the content dirs itself (an inotify instance is not
 * shared across fork) and catches up with what changed since the parent
 * loaded them. */
static void bantin_child_init(apr_pool_t *pchild, server_rec *s)
{
    int i;

    (void)s; (void)pchild;
    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
        if (src->store) {
            start_search(pchild, src);
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
    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
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

/* On every HTML answer.  The theme's script and style are files of the
 * portal, so nothing inline needs allowing; images may be remote
 * (figure src may be an http(s) URL).  mod_headers can still override. */
static void security_headers(request_rec *r)
{
    apr_table_t *h = r->headers_out;
    apr_table_setn(h, "Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; "
                   "style-src 'self'; img-src 'self' https: http:; "
                   "object-src 'none'; base-uri 'self'; "
                   "form-action 'self'; frame-ancestors 'self'");
    apr_table_setn(h, "X-Content-Type-Options", "nosniff");
    apr_table_setn(h, "Referrer-Policy", "strict-origin-when-cross-origin");
}

/* A 304 (or 412) the way httpd's default handler sends it: the status on
 * the request and an empty body down the filters, so that output filters
 * such as mod_cache's see it (mod_cache turns a 304 to its own
 * revalidation back into the cached 200). */
static int send_condition(request_rec *r, int status)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    r->status = status;
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
    security_headers(r);
    return send_body(r, "text/html; charset=utf-8", pg->data, pg->len);
}

/* A page of the portal with its validators: a strong ETag made of the
 * hashes of everything that produced it (never inode or mtime, so servers
 * holding copies of the same content agree), Last-Modified from the
 * newest input, conditional requests answered by httpd's own
 * ap_meets_conditions, and the gzip form when the client takes it. */
static int send_rendered_as(request_rec *r, const bantin_cached *pg,
                            int max_age, const char *ctype)
{
    /* Never to a subrequest: mod_include would splice gzip bytes into its
     * page, whatever the browser accepts. */
    int gz = pg->gz && !r->main
             && bantin_accepts_gzip(apr_table_get(r->headers_in,
                                                  "Accept-Encoding"));
    int rc;

    apr_table_setn(r->headers_out, "ETag",
                   apr_psprintf(r->pool, "\"bt-%016" APR_UINT64_T_HEX_FMT
                                "%s\"", pg->tag, gz ? "-gz" : ""));
    ap_update_mtime(r, pg->modified);
    ap_set_last_modified(r);
    apr_table_mergen(r->headers_out, "Vary", "Cookie");
    if (pg->gz) {
        apr_table_mergen(r->headers_out, "Vary", "Accept-Encoding");
    }
    apr_table_setn(r->headers_out, "Cache-Control",
                   apr_psprintf(r->pool, "max-age=%d", max_age));
    security_headers(r);
    ap_set_content_type(r, ctype);
    if ((rc = ap_meets_conditions(r)) != OK) {
        return send_condition(r, rc);
    }
    if (gz) {
        apr_table_setn(r->headers_out, "Content-Encoding", "gzip");
        return send_body(r, ctype, pg->gz, pg->gzlen);
    }
    return send_body(r, ctype, pg->body, pg->len);
}

static int send_rendered(request_rec *r, const bantin_cached *pg,
                         int max_age)
{
    return send_rendered_as(r, pg, max_age, "text/html; charset=utf-8");
}

/* Keeps a freshly rendered page (and its gzip form) in the cache. */
static void remember(request_rec *r, const char *key, const bantin_page *pg,
                     apr_uint64_t tag, apr_time_t modified,
                     bantin_cached *out)
{
    out->body = pg->data;
    out->len = pg->len;
    out->gz = bantin_gzip(r->pool, pg->data, pg->len, &out->gzlen);
    out->tag = tag;
    out->modified = modified;
    bantin_cache_put(page_cache, key, out);
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

/* Opens rel below dir without following a symbolic link anywhere: one
 * openat(O_NOFOLLOW) per component, so nothing can be swapped for a link
 * between a check and the open.  Only a regular file (O_NONBLOCK: opening
 * a FIFO does not wait for a writer; fstat then refuses it). */
static apr_status_t close_fd(void *fd)
{
    close((int)(intptr_t)fd);
    return APR_SUCCESS;
}

static apr_status_t open_below(apr_pool_t *p, const char *dir,
                               const char *rel, apr_file_t **out)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;
    const char *s = rel;
    struct stat st;

    while (fd >= 0 && *s) {
        const char *slash = strchr(s, '/');
        apr_size_t n = slash ? (apr_size_t)(slash - s) : strlen(s);
        next = openat(fd, apr_pstrmemdup(p, s, n),
                      O_RDONLY | O_NOFOLLOW | O_CLOEXEC
                      | (slash ? O_DIRECTORY : O_NONBLOCK));
        close(fd);
        fd = next;
        s = slash ? slash + 1 : s + n;
    }
    if (fd < 0) {
        return APR_ENOENT;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return APR_ENOENT;
    }
    apr_pool_cleanup_register(p, (void *)(intptr_t)fd, close_fd,
                              apr_pool_cleanup_null);
    return apr_os_file_put(out, &fd, APR_FOPEN_READ
                           | APR_FOPEN_SENDFILE_ENABLED, p);
}

/* Serves an image below the content dir, opened component by component
 * without following any symbolic link (open_below), so no link swapped in
 * between a check and the open can lead outside. */
static int handle_media(request_rec *r, const bantin_conf *c,
                        const bantin_view *v, const char *rel)
{
    const char *type = media_type(rel), *path = c->content->dir;
    apr_finfo_t fi;
    apr_file_t *f;
    apr_bucket_brigade *bb;
    int rc;

    if (!type) {
        return send_error(r, c, v, HTTP_NOT_FOUND);
    }
    if (open_below(r->pool, path, rel, &f) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_MTIME
                             | APR_FINFO_INODE, f) != APR_SUCCESS) {
        return send_error(r, c, v, HTTP_NOT_FOUND);
    }
    r->finfo = fi;
    ap_update_mtime(r, fi.mtime);
    ap_set_last_modified(r);
    ap_set_etag(r);
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    if ((rc = ap_meets_conditions(r)) != OK) {
        apr_file_close(f);
        return send_condition(r, rc);
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
    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
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
    {
        apr_size_t entries, bytes;
        apr_uint64_t hits, misses;
        bantin_cache_stats(page_cache, &entries, &bytes, &hits, &misses);
        ap_rprintf(r, "<section class=\"bantin-status-cache\">\n"
                   "<h2>Rendered pages (this process, pid %ld)</h2>\n<dl>\n"
                   "<dt>Pages</dt><dd class=\"cache-entries\">%lu</dd>\n"
                   "<dt>Bytes</dt><dd class=\"cache-bytes\">%lu</dd>\n"
                   "<dt>Hits</dt><dd class=\"cache-hits\">%" APR_UINT64_T_FMT
                   "</dd>\n<dt>Misses</dt><dd class=\"cache-misses\">%"
                   APR_UINT64_T_FMT "</dd>\n</dl>\n</section>\n",
                   (long)getpid(), (unsigned long)entries,
                   (unsigned long)bytes, hits, misses);
    }
    ap_rputs("</body>\n</html>\n", r);
    return OK;
}

/* The categories a reader can see now, each named as its newest visible
 * article spells it: a category whose articles are all future or expired
 * is not in the menu, and its pages answer 404. */
static void visible_categories(request_rec *r, const bantin_snapshot *snap,
                               apr_time_t now, bantin_view *v)
{
    bantin_category *cats = apr_palloc(r->pool, sizeof(*cats)
                                                    * (snap->ncategories + 1));
    apr_size_t i, n = 0;

    for (i = 0; i < snap->ncategories; i++) {
        const bantin_article *first;
        apr_size_t total;
        if (bantin_category_list(&snap->categories[i], now, 0, 1, &first,
                                 &total)) {
            cats[n] = snap->categories[i];
            cats[n++].name = first->category;
        }
    }
    v->categories = cats;
    v->ncategories = n;
}

/* A category the reader can see, from the view's list. */
static const bantin_category *find_category(const bantin_view *v,
                                            const char *slug)
{
    apr_size_t i;
    for (i = 0; i < v->ncategories; i++) {
        if (!strcmp(v->categories[i].slug, slug)) {
            return &v->categories[i];
        }
    }
    return NULL;
}

/* Last-Modified must never go back while a page changes, or a cache's
 * If-Modified-Since would get a 304 for new content: inputs count with
 * their ctime (which moves on every write, even of an older copy), and
 * pages that show other articles also with the time the snapshot was
 * built (it moves on every change of the store). */
static apr_time_t newest(apr_time_t a, apr_time_t b)
{
    return a > b ? a : b;
}

static apr_uint64_t hash_articles(apr_uint64_t h,
                                  const bantin_article *const *items,
                                  apr_size_t n)
{
    apr_size_t i;
    for (i = 0; i < n; i++) {
        h = bantin_hash64(h, &items[i]->hash, sizeof(items[i]->hash));
        h = bantin_hash_str(h, items[i]->slug);
    }
    return h;
}

/* An article page, one of its blocks, or its print view. */
static int handle_article(request_rec *r, const bantin_conf *c,
                          const bantin_view *v, const bantin_snapshot *snap,
                          apr_time_t now, const char *slug,
                          bantin_part_e part)
{
    const bantin_article *a = bantin_snapshot_get(snap, slug, now);
    const bantin_theme *t = c->templates->theme;
    apr_size_t want = (apr_size_t)(c->related != UNSET ? c->related
                                                        : DEFAULT_RELATED);
    const bantin_article *related[MAX_RELATED], *other[MAX_RELATED + 1];
    apr_size_t nolder;
    const bantin_category *cat;
    bantin_around ar;
    apr_uint64_t tag;
    const char *key;
    bantin_cached pg;

    if (!a) {
        return send_error(r, c, v, HTTP_NOT_FOUND);
    }
    cat = a->category_slug ? bantin_snapshot_category(snap, a->category_slug)
                           : NULL;
    ar.related = related;
    ar.nrelated = cat ? bantin_category_nearest(cat, a, now, want, related)
                      : 0;
    /* The next older article is the "Tin cũ hơn" link; the list holds the
     * ones after it. */
    nolder = bantin_snapshot_around(snap, a, now, &ar.newer, want + 1, other);
    ar.older = nolder ? other[0] : NULL;
    ar.other = other + 1;
    ar.nother = nolder ? nolder - 1 : 0;

    /* Everything the page shows goes into its tag: the article, its
     * neighbours, the part, the templates and the view. */
    tag = bantin_hash64(a->hash, &part, sizeof(part));
    tag = bantin_hash_str(tag, a->slug);
    tag = hash_articles(tag, ar.related, ar.nrelated);
    tag = hash_articles(tag, ar.other, ar.nother);
    tag = hash_articles(tag, &ar.newer, ar.newer ? 1 : 0);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_theme_hash(t)}, 8);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_view_hash(v)}, 8);
    key = apr_psprintf(r->pool, "a|%s|%016" APR_UINT64_T_HEX_FMT,
                       c->content->dir, tag);
    if (!bantin_cache_get(page_cache, key, r->pool, 1, &pg)) {
        bantin_page out;
        bantin_render_article_ex(r->pool, t, v, a, &ar, part, &out);
        remember(r, key, &out, tag,
                 newest(a->mtime, bantin_theme_mtime(t)), &pg);
    }
    /* After the cache, which keeps the time of the first rendering. */
    pg.modified = newest(pg.modified, snap->built);
    return send_rendered(r, &pg, c->article_max_age != UNSET
                                     ? c->article_max_age
                                     : DEFAULT_ARTICLE_MAX_AGE);
}

/* A page of the home list, or the list block alone. */
static int handle_list(request_rec *r, const bantin_conf *c,
                       const bantin_view *v, const bantin_snapshot *snap,
                       apr_time_t now, const char *category, int fragment)
{
    const bantin_theme *t = c->templates->theme;
    const char *ps = r->args ? bantin_form_get(r->pool, r->args, "page")
                             : NULL;
    long page = ps ? bantin_page_parse(ps) : 1, pages;
    apr_size_t size = (apr_size_t)(c->page_size != UNSET ? c->page_size
                                                         : DEFAULT_PAGE_SIZE);
    const bantin_article **items = apr_palloc(r->pool, size * sizeof(*items));
    apr_size_t n, total, i;
    apr_uint64_t tag;
    apr_time_t modified = bantin_theme_mtime(t);
    const char *key;
    bantin_cached pg;
    bantin_listing l = {"Tin mới", "/", NULL};

    if (page < 0) {
        return send_error(r, c, v, HTTP_BAD_REQUEST);
    }
    if (category) {
        if (!(l.category = find_category(v, category))) {
            return send_error(r, c, v, HTTP_NOT_FOUND);
        }
        l.title = l.category->name;
        l.path = apr_pstrcat(r->pool, "/category/", category, NULL);
        n = bantin_category_list(l.category, now,
                                 (apr_size_t)(page > 0 ? page - 1 : 0) * size,
                                 size, items, &total);
    }
    else {
        n = bantin_snapshot_list(snap, now,
                                 (apr_size_t)(page > 0 ? page - 1 : 0) * size,
                                 size, items, &total);
    }
    pages = total ? (long)((total + size - 1) / size) : 1;
    if (page < 1 || page > pages) {
        return send_error(r, c, v, HTTP_NOT_FOUND);
    }
    /* The page is a function of the articles on it, its place among the
     * pages, the templates and the view. */
    tag = bantin_hash64(BANTIN_HASH_INIT, &fragment, sizeof(fragment));
    tag = bantin_hash_str(tag, category);
    tag = bantin_hash64(tag, &page, sizeof(page));
    tag = bantin_hash64(tag, &pages, sizeof(pages));
    for (i = 0; i < n; i++) {
        tag = bantin_hash64(tag, &items[i]->hash, sizeof(items[i]->hash));
        tag = bantin_hash_str(tag, items[i]->slug);
        /* an article joins the list at its publishing time too */
        modified = newest(modified, newest(items[i]->mtime,
                                           items[i]->date.when));
    }
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_theme_hash(t)}, 8);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_view_hash(v)}, 8);
    key = apr_psprintf(r->pool, "l|%s|%016" APR_UINT64_T_HEX_FMT,
                       c->content->dir, tag);
    if (!bantin_cache_get(page_cache, key, r->pool, 1, &pg)) {
        bantin_page out;
        bantin_render_listing(r->pool, t, v, &l, items, n, page, pages,
                              fragment, &out);
        remember(r, key, &out, tag, modified, &pg);
    }
    pg.modified = newest(pg.modified, snap->built);
    return send_rendered(r, &pg, c->list_max_age != UNSET
                                     ? c->list_max_age
                                     : DEFAULT_LIST_MAX_AGE);
}

/* /feed.xml and /category/<slug>/feed.xml: the newest articles. */
static int handle_feed(request_rec *r, const bantin_conf *c,
                       const bantin_view *v, const bantin_snapshot *snap,
                       apr_time_t now, const char *category)
{
    apr_size_t want = (apr_size_t)(c->feed_size != UNSET ? c->feed_size
                                                          : DEFAULT_FEED_SIZE);
    const bantin_article **items = apr_palloc(r->pool, (want + 1)
                                                      * sizeof(*items));
    const bantin_category *cat = NULL;
    const char *title = v->portal_name, *link = "/", *self = "/feed.xml";
    apr_size_t n, total;
    bantin_cached pg;
    bantin_page out;

    if (category) {
        if (!(cat = find_category(v, category))) {
            return send_error(r, c, v, HTTP_NOT_FOUND);
        }
        title = apr_pstrcat(r->pool, cat->name, " - ", v->portal_name, NULL);
        link = apr_pstrcat(r->pool, "/category/", category, NULL);
        self = apr_pstrcat(r->pool, link, "/feed.xml", NULL);
        n = bantin_category_list(cat, now, 0, want, items, &total);
    }
    else {
        n = bantin_snapshot_list(snap, now, 0, want, items, &total);
    }
    bantin_render_rss(r->pool, v, title, link, self, items, n, &out);
    pg.body = out.data;
    pg.len = out.len;
    pg.gz = NULL;
    pg.tag = bantin_hash64(hash_articles(BANTIN_HASH_INIT, items, n),
                           out.data, out.len);
    pg.modified = newest(snap->built,
                         n ? newest(items[0]->mtime, items[0]->date.when)
                           : 0);
    return send_rendered_as(r, &pg, c->list_max_age != UNSET
                                        ? c->list_max_age
                                        : DEFAULT_LIST_MAX_AGE,
                            "application/rss+xml; charset=utf-8");
}

/* /sitemap.xml: every visible article, split into parts of 50,000 with a
 * sitemap index above them when there are more. */
static int handle_sitemap(request_rec *r, const bantin_conf *c,
                          const bantin_view *v, const bantin_snapshot *snap,
                          apr_time_t now, const char *part)
{
    apr_size_t total, n, parts, k = part ? (apr_size_t)atol(part) : 0;
    const bantin_article **items;
    bantin_cached pg;
    bantin_page out;

    bantin_snapshot_list(snap, now, 0, 0, NULL, &total);
    /* The home page is one of the URLs of part 1. */
    parts = (total + 1 + BANTIN_SITEMAP_MAX - 1) / BANTIN_SITEMAP_MAX;
    if (!part && parts > 1) {
        bantin_render_sitemap_index(r->pool, v, parts, &out);
    }
    else {
        if (part && (k < 1 || k > parts)) {
            return send_error(r, c, v, HTTP_NOT_FOUND);
        }
        apr_size_t first = k > 1 ? (k - 1) * BANTIN_SITEMAP_MAX - 1 : 0;
        items = apr_palloc(r->pool, BANTIN_SITEMAP_MAX * sizeof(*items));
        n = bantin_snapshot_list(snap, now, first,
                                 k > 1 ? BANTIN_SITEMAP_MAX
                                       : BANTIN_SITEMAP_MAX - 1,
                                 items, &total);
        bantin_render_sitemap(r->pool, v, items, n, k <= 1, &out);
    }
    pg.body = out.data;
    pg.len = out.len;
    pg.gz = NULL;
    pg.tag = bantin_hash64(BANTIN_HASH_INIT, out.data, out.len);
    pg.modified = snap->built;
    return send_rendered_as(r, &pg, c->list_max_age != UNSET
                                        ? c->list_max_age
                                        : DEFAULT_LIST_MAX_AGE,
                            "application/xml; charset=utf-8");
}

/* Parses "YYYY-MM-DD" as midnight in the portal's zone; 0 if absent or
 * not a date. */
static apr_time_t day_param(request_rec *r, const bantin_view *v,
                            const char *name, int next_day)
{
    const char *s = r->args ? bantin_form_get(r->pool, r->args, name) : NULL;
    bantin_date d;

    if (!s || !*s || bantin_date_parse(&d, s, v->tz_min) || d.has_time) {
        return 0;
    }
    return d.when + (next_day ? apr_time_from_sec(86400) : 0);
}

/* The text with every byte that does not start a well-formed UTF-8
 * sequence replaced by U+FFFD: what the reader typed is echoed into a
 * page that says charset=utf-8. */
static const char *utf8_clean(apr_pool_t *p, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    bantin_buf b;

    bantin_buf_init(&b, p, strlen(s) + 16);
    while (*u) {
        apr_size_t n = 0;
        if (u[0] < 0x80) {
            n = 1;
        }
        else if (u[0] >= 0xC2 && u[0] <= 0xDF && (u[1] & 0xC0) == 0x80) {
            n = 2;
        }
        else if (u[0] >= 0xE0 && u[0] <= 0xEF && (u[1] & 0xC0) == 0x80
                 && (u[2] & 0xC0) == 0x80 && !(u[0] == 0xE0 && u[1] < 0xA0)
                 && !(u[0] == 0xED && u[1] >= 0xA0)) {
            n = 3;
        }
        else if (u[0] >= 0xF0 && u[0] <= 0xF4 && (u[1] & 0xC0) == 0x80
                 && (u[2] & 0xC0) == 0x80 && (u[3] & 0xC0) == 0x80
                 && !(u[0] == 0xF0 && u[1] < 0x90)
                 && !(u[0] == 0xF4 && u[1] >= 0x90)) {
            n = 4;
        }
        if (n) {
            bantin_buf_add(&b, (const char *)u, n);
            u += n;
        }
        else {
            bantin_buf_adds(&b, "\xEF\xBF\xBD");
            u++;
        }
    }
    return bantin_buf_cstr(&b);
}

/* /search?q=…[&page=N][&category=slug][&from=YYYY-MM-DD][&to=…] */
static int handle_search(request_rec *r, const bantin_conf *c,
                         const bantin_view *v, const bantin_snapshot *snap,
                         apr_time_t now)
{
    const char *text = r->args ? bantin_form_get(r->pool, r->args, "q")
                               : NULL;
    const char *ps = r->args ? bantin_form_get(r->pool, r->args, "page")
                             : NULL;
    long page = ps ? bantin_page_parse(ps) : 1, pages = 1;
    apr_size_t size = (apr_size_t)(c->page_size != UNSET ? c->page_size
                                                         : DEFAULT_PAGE_SIZE);
    apr_array_header_t *slugs = apr_array_make(r->pool, (int)size,
                                               sizeof(char *));
    const bantin_article **items = apr_palloc(r->pool, size * sizeof(*items));
    const char **snippets = apr_palloc(r->pool, size * sizeof(char *));
    const char *suggestion = NULL;
    apr_size_t total = 0, n = 0;
    bantin_query q = {NULL, NULL, 0, 0};
    bantin_page out;
    int i;

    if (page < 1) {
        return send_error(r, c, v, page < 0 ? HTTP_BAD_REQUEST
                                            : HTTP_NOT_FOUND);
    }
    if (text) {
        apr_size_t len;
        text = utf8_clean(r->pool, text);
        if ((len = strlen(text)) > 1000) {
            /* not inside a character */
            for (len = 1000; ((unsigned char)text[len] & 0xC0) == 0x80; len--) {
            }
            text = apr_pstrmemdup(r->pool, text, len);
        }
    }
    if (text && *text) {
        q.text = text;
        q.category = r->args ? bantin_form_get(r->pool, r->args, "category")
                             : NULL;
        if (q.category && !*q.category) {
            q.category = NULL;
        }
        q.from = day_param(r, v, "from", 0);
        q.to = day_param(r, v, "to", 1);
        if (c->content->search
            && bantin_search_query(c->content->search, r->pool, &q,
                                   (apr_size_t)(page - 1) * size, size,
                                   slugs, &total) == APR_SUCCESS) {
            for (i = 0; i < slugs->nelts; i++) {
                const bantin_article *a = bantin_snapshot_get(
                    snap, APR_ARRAY_IDX(slugs, i, const char *), now);
                if (a) { /* the index does not know publishing times */
                    snippets[n] = bantin_search_snippet(
                        r->pool, bantin_search_text(r->pool, a), text, 30);
                    items[n++] = a;
                }
            }
        }
        pages = total ? (long)((total + size - 1) / size) : 1;
        if (page > pages) {
            return send_error(r, c, v, HTTP_NOT_FOUND);
        }
        if (!total) {
            char *f = bantin_fold(r->pool, text, strlen(text));
            if (strcasecmp(f, text)) { /* not just the query lowercased */
                suggestion = f;
            }
        }
    }
    else {
        text = NULL;
    }
    {
        /* the pager and the suggestion keep the filters */
        const char *filters[] = {
            "category", text ? q.category : NULL,
            "from", r->args ? bantin_form_get(r->pool, r->args, "from") : NULL,
            "to", r->args ? bantin_form_get(r->pool, r->args, "to") : NULL,
            NULL, NULL};
        bantin_render_search(r->pool, c->templates->theme, v, text, items,
                             snippets, n, total, page, pages, suggestion,
                             filters, &out);
    }
    apr_table_setn(r->headers_out, "Cache-Control", "max-age=60");
    return send_page(r, &out);
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
    v.fs_rem = c->fs_rem ? c->fs_rem : bantin_default_sizes;
    v.fs_count = c->fs_rem ? c->fs_count
                           : bantin_default_nsizes;
    v.fs_cookie = c->fs_cookie ? c->fs_cookie : DEFAULT_COOKIE;
    {
        /* From the reader's own request: a subrequest (SSI) has no port in
         * its parsed URI and would drop it from absolute URLs. */
        request_rec *top = r;
        while (top->main) {
            top = top->main;
        }
        v.site = ap_construct_url(r->pool, "", top);
    }
    v.categories = NULL;
    v.ncategories = 0;
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
    visible_categories(r, snap, now, &v);
    switch (route.kind) {
    case BANTIN_ROUTE_ADD_SLASH:
        apr_table_setn(r->headers_out, "Location",
                       apr_pstrcat(r->pool, v.base, "/",
                                   r->args ? "?" : "", r->args, NULL));
        return HTTP_MOVED_PERMANENTLY;
    case BANTIN_ROUTE_HOME:
        return handle_list(r, c, &v, snap, now, NULL, 0);
    case BANTIN_ROUTE_CATEGORY:
        return handle_list(r, c, &v, snap, now, route.arg, 0);
    case BANTIN_ROUTE_ARTICLE: {
        const char *print = r->args ? bantin_form_get(r->pool, r->args,
                                                      "print")
                                    : NULL;
        return handle_article(r, c, &v, snap, now, route.arg,
                              print && !strcmp(print, "1")
                                  ? BANTIN_PART_PRINT : BANTIN_PART_PAGE);
    }
    case BANTIN_ROUTE_PRINT:
        return handle_article(r, c, &v, snap, now, route.arg,
                              BANTIN_PART_PRINT);
    case BANTIN_ROUTE_BLOCK: {
        static const bantin_part_e parts[] = {
            [BANTIN_BLOCK_TOOLBAR] = BANTIN_PART_TOOLBAR,
            [BANTIN_BLOCK_VIEW] = BANTIN_PART_VIEW,
            [BANTIN_BLOCK_RELATED] = BANTIN_PART_RELATED,
            [BANTIN_BLOCK_OTHER] = BANTIN_PART_OTHER};
        if (route.block == BANTIN_BLOCK_LIST) {
            return handle_list(r, c, &v, snap, now, NULL, 1);
        }
        return handle_article(r, c, &v, snap, now, route.arg,
                              parts[route.block]);
    }
    case BANTIN_ROUTE_SEARCH:
        return handle_search(r, c, &v, snap, now);
    case BANTIN_ROUTE_FEED:
        return handle_feed(r, c, &v, snap, now, route.arg);
    case BANTIN_ROUTE_SITEMAP:
        return handle_sitemap(r, c, &v, snap, now, route.arg);
    case BANTIN_ROUTE_MEDIA:
        return handle_media(r, c, &v, route.arg);
    case BANTIN_ROUTE_STATIC:
        if (!bantin_render_static(r->pool, c->templates->theme, &v,
                                  route.arg, &pg, &ctype)) {
            return send_error(r, c, &v, HTTP_NOT_FOUND);
        }
        apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
        apr_table_setn(r->headers_out, "Cache-Control", "max-age=3600");
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
    bantin_create_conf,     /* per-directory config: all our directives */
    bantin_merge_conf,      /* merged the usual way, defaults at use */
    NULL,                   /* no per-server config */
    NULL,
    bantin_cmds,            /* the Bantin* directives */
    bantin_register_hooks,  /* post_config loads content; the handler */
    0                       /* flags */
};
