/* mod_bantin_respond.c -- how mod_bantin writes its answers: a body in one
 * bucket, a cached page with its validators (ETag, Last-Modified, the gzip
 * form, conditional requests), error pages in the portal's layout, and the
 * security headers of HTML answers.  Also the few helpers every handler
 * shares: the request's hold on the current snapshot, the categories of
 * the view, and the times and hashes pages are tagged with.
 */
#include <string.h>

#include <strings.h>

#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "bantin_buf.h"
#include "bantin_cache.h"
#include "bantin_request.h"
#include "mod_bantin_handlers.h"

/* ---------------------------------------------------------------------- */
/* answers                                                                 */

/* Writes a whole answer as one pool bucket: the page is already one
 * contiguous buffer, so httpd gets it in a single write. */
int bantin_send_body(request_rec *r, const char *ctype, const char *data,
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
int bantin_send_condition(request_rec *r, int status)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    r->status = status;
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                    r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

int bantin_send_page(request_rec *r, const bantin_page *pg)
{
    /* Every page carries the reader's font step, taken from a cookie:
     * caches must keep one copy per cookie value. */
    apr_table_mergen(r->headers_out, "Vary", "Cookie");
    security_headers(r);
    return bantin_send_body(r, "text/html; charset=utf-8", pg->data, pg->len);
}

/* A rendered answer with its validators: a strong ETag made of the
 * hashes of everything that produced it (never inode or mtime, so servers
 * holding copies of the same content agree), Last-Modified from the
 * newest input, conditional requests answered by httpd's own
 * ap_meets_conditions, and the gzip form when the client takes it.
 * Used as it is for answers that are the same for every reader (feeds,
 * sitemaps); pages go through bantin_send_rendered, which adds
 * Vary: Cookie. */
/* Never to a subrequest: mod_include would splice gzip bytes into its
 * page, whatever the browser accepts. */
static int takes_gzip(request_rec *r)
{
    return !r->main && bantin_accepts_gzip(apr_table_get(r->headers_in,
                                                         "Accept-Encoding"));
}

int bantin_send_rendered_as(request_rec *r, const bantin_cached *pg,
                            int max_age, const char *ctype)
{
    int gz = pg->gz && takes_gzip(r);
    int rc;

    apr_table_setn(r->headers_out, "ETag",
                   apr_psprintf(r->pool, "\"bt-%016" APR_UINT64_T_HEX_FMT
                                "%s\"", pg->tag, gz ? "-gz" : ""));
    ap_update_mtime(r, pg->modified);
    ap_set_last_modified(r);
    if (pg->gz) {
        apr_table_mergen(r->headers_out, "Vary", "Accept-Encoding");
    }
    apr_table_setn(r->headers_out, "Cache-Control",
                   apr_psprintf(r->pool, "max-age=%d", max_age));
    security_headers(r);
    ap_set_content_type(r, ctype);
    if ((rc = ap_meets_conditions(r)) != OK) {
        return bantin_send_condition(r, rc);
    }
    if (gz) {
        apr_table_setn(r->headers_out, "Content-Encoding", "gzip");
        return bantin_send_body(r, ctype, pg->gz, pg->gzlen);
    }
    return bantin_send_body(r, ctype, pg->body, pg->len);
}

/* A page of the portal: it shows the reader's font step, taken from a
 * cookie, so caches must keep one copy per cookie value. */
int bantin_send_rendered(request_rec *r, const bantin_cached *pg,
                         int max_age)
{
    apr_table_mergen(r->headers_out, "Vary", "Cookie");
    return bantin_send_rendered_as(r, pg, max_age, "text/html; charset=utf-8");
}

/* ---------------------------------------------------------------------- */
/* the page cache                                                          */

/* Whether host, the request's Host without its port, is one of s's names:
 * ServerName, a ServerAlias, or a ServerAlias pattern, matched as httpd
 * matches a name-based virtual host. */
static int is_server_name(const server_rec *s, const char *host)
{
    int i;

    if (s->server_hostname && !strcasecmp(host, s->server_hostname)) {
        return 1;
    }
    for (i = 0; s->names && i < s->names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(s->names, i, const char *);
        if (n && !strcasecmp(host, n)) {
            return 1;
        }
    }
    for (i = 0; s->wild_names && i < s->wild_names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(s->wild_names, i, const char *);
        if (n && !ap_strcasecmp_match(host, n)) {
            return 1;
        }
    }
    return 0;
}

/* Whether this request's absolute URLs are made from a Host that is none
 * of this server's: a name it does not answer to, or a port that is
 * neither the scheme's, ServerName's nor the one the connection came in
 * on.  Anyone can send as many of those as they like; a page made for one
 * is rendered for that request and not kept, so that junk Hosts take no
 * cache entries and push no real page out. */
static int site_is_foreign(request_rec *r, const bantin_conf *c)
{
    request_rec *top = r;
    core_dir_config *d;
    apr_port_t port;

    if (c->site_url) {
        return 0; /* BantinSiteURL: the Host shapes nothing */
    }
    while (top->main) {
        top = top->main;
    }
    d = ap_get_core_module_config(top->per_dir_config);
    if (d->use_canonical_name == USE_CANONICAL_NAME_ON) {
        return 0; /* ServerName and its port */
    }
    /* Off (or unset) takes the name from the Host; DNS only the port. */
    if (d->use_canonical_name != USE_CANONICAL_NAME_DNS && top->hostname
        && !is_server_name(top->server, top->hostname)) {
        return 1;
    }
    if (!top->parsed_uri.port_str) {
        return 0;
    }
    port = top->parsed_uri.port;
    return port != ap_default_port(top) && port != top->server->port
           && port != top->connection->local_addr->port;
}

const char *bantin_page_key(request_rec *r, const bantin_conf *c,
                            const bantin_view *v, char kind,
                            apr_uint64_t tag)
{
    const char *site = v->site ? v->site : "";

    if (!bantin_page_cache || site_is_foreign(r, c)) {
        return NULL;
    }
    /* Lengths before the variable parts, so that no dir or site can be
     * read as another pair: the key is compared in full, and it holds
     * the one input a reader chooses freely, the site, as it is. */
    return apr_psprintf(r->pool, "%c|%" APR_SIZE_T_FMT ":%s|%" APR_SIZE_T_FMT
                        ":%s|%016" APR_UINT64_T_HEX_FMT, kind,
                        strlen(c->content->dir), c->content->dir,
                        strlen(site), site, tag);
}

int bantin_recall(request_rec *r, const char *key, bantin_cached *out)
{
    return key && bantin_cache_get(bantin_page_cache, key, r->pool, 1, out);
}

void bantin_remember(request_rec *r, const char *key, const bantin_page *pg,
                     apr_uint64_t tag, apr_time_t modified,
                     bantin_cached *out)
{
    out->body = pg->data;
    out->len = pg->len;
    /* A page that is not kept is compressed only for a reader who takes
     * it that way. */
    out->gz = key || takes_gzip(r)
              ? bantin_gzip(r->pool, pg->data, pg->len, &out->gzlen) : NULL;
    /* The bytes too: one ETag, one body, whatever the tag was made of. */
    out->tag = bantin_body_tag(tag, pg->data, pg->len);
    out->modified = modified;
    if (key) {
        bantin_cache_put(bantin_page_cache, key, out);
    }
    else {
        bantin_cache_skip(bantin_page_cache);
    }
}

/* An error page in the portal's layout.  Caches may keep it only briefly
 * (BantinErrorMaxAge): the article a 404 was about may be dropped in, or
 * reach its publishing time, at any moment. */
int bantin_send_error(request_rec *r, const bantin_conf *c,
                      const bantin_view *v, int status)
{
    bantin_page pg;
    bantin_render_error(r->pool, c->templates->theme, v, status, &pg);
    r->status = status;
    apr_table_setn(r->headers_out, "Cache-Control",
                   apr_psprintf(r->pool, "max-age=%d",
                                c->error_max_age != UNSET
                                    ? c->error_max_age
                                    : DEFAULT_ERROR_MAX_AGE));
    return bantin_send_page(r, &pg);
}

/* A 301 to another page of this portal: the portal's prefix and route,
 * which must pass bantin_location_is_safe (else a 404), so nothing a
 * request or an article says can send the reader off-site.  Caches keep
 * it as briefly as an error (BantinErrorMaxAge): where a page lives can
 * change with the content. */
int bantin_send_moved(request_rec *r, const bantin_conf *c,
                      const bantin_view *v, const char *route)
{
    if (!bantin_location_is_safe(route)) {
        return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, v->base, route, NULL));
    /* err_headers_out: httpd's own 301 page keeps only those (and the
     * Location). */
    apr_table_setn(r->err_headers_out, "Cache-Control",
                   apr_psprintf(r->pool, "max-age=%d",
                                c->error_max_age != UNSET
                                    ? c->error_max_age
                                    : DEFAULT_ERROR_MAX_AGE));
    return HTTP_MOVED_PERMANENTLY;
}

/* ---------------------------------------------------------------------- */
/* what the handlers share                                                 */

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
const bantin_snapshot *bantin_hold_snapshot(request_rec *r,
                                            bantin_store *store)
{
    held_snapshot *h = apr_palloc(r->pool, sizeof(*h));
    h->store = store;
    h->snap = bantin_store_acquire(store);
    apr_pool_cleanup_register(r->pool, h, release_snapshot,
                              apr_pool_cleanup_null);
    return h->snap;
}

/* A category the reader can see, from the view's list. */
const bantin_category *bantin_find_category(const bantin_view *v,
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
apr_time_t bantin_newest(apr_time_t a, apr_time_t b)
{
    return a > b ? a : b;
}

apr_uint64_t bantin_hash_articles(apr_uint64_t h,
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
