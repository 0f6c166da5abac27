/* mod_bantin_respond.c -- the handlers of mod_bantin: each translates
 * httpd's request into the core's (bantin_request_in), asks the core for
 * the answer (bantin_answer, bantin_answer_status) and writes it out the
 * httpd way: headers into the request's tables, the body as one bucket
 * (a file as a file bucket, for sendfile), conditional requests answered
 * by httpd's own ap_meets_conditions (If-Modified-Since ignored beside an
 * If-None-Match: meets_conditions).  Nothing here decides what a page
 * says: that is the core's.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "apr_portable.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "mod_bantin.h"

/* ---------------------------------------------------------------------- */
/* the request in                                                          */

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
 * on (the core keeps no page made for one). */
static int site_is_foreign(request_rec *top)
{
    core_dir_config *d = ap_get_core_module_config(top->per_dir_config);
    apr_port_t port;

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

/* The font-size form's body, at most max bytes; NULL when longer or
 * unreadable. */
static const char *read_form(void *baton, apr_size_t max)
{
    request_rec *r = baton;
    char *buf = apr_palloc(r->pool, max + 1);
    apr_size_t got = 0;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK
        || !ap_should_client_block(r)) {
        return "";
    }
    while ((n = ap_get_client_block(r, buf + got, max - got)) > 0) {
        got += (apr_size_t)n;
        if (got == max) {
            return NULL;
        }
    }
    if (n < 0) {
        return NULL;
    }
    buf[got] = '\0';
    return buf;
}

/* ---------------------------------------------------------------------- */
/* the answer out                                                          */

/* Writes a whole body as one pool bucket: the page is already one
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

/* The file of a media answer, as a file bucket (sendfile).  The core
 * owns the fd (a cleanup of the request pool closes it). */
static int send_file(request_rec *r, const bantin_response *a)
{
    apr_bucket_brigade *bb;
    apr_file_t *f;
    int fd = a->fd;

    ap_set_content_length(r, a->finfo.size);
    if (r->header_only) {
        return OK;
    }
    if (apr_os_file_put(&f, &fd, APR_FOPEN_READ | APR_FOPEN_SENDFILE_ENABLED,
                        r->pool) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_brigade_insert_file(bb, f, 0, a->finfo.size, r->pool);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                    r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
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

/* The headers, in the core's order: those marked always into
 * err_headers_out (kept on httpd's own pages), Vary merged with what
 * other modules said, the validators the httpd way (Last-Modified
 * clamped to the request's time, a file's ETag by FileETag). */
static void set_headers(request_rec *r, const bantin_response *a)
{
    int i;

    for (i = 0; i < a->headers->nelts; i++) {
        const bantin_header *h = &APR_ARRAY_IDX(a->headers, i,
                                                bantin_header);
        apr_table_t *t = h->always ? r->err_headers_out : r->headers_out;
        if (!strcmp(h->name, "Last-Modified")) {
            ap_update_mtime(r, a->modified);
            ap_set_last_modified(r);
        }
        else if (!strcmp(h->name, "ETag") && !h->value) {
            ap_set_etag(r);
        }
        else if (!strcmp(h->name, "Vary")) {
            apr_table_mergen(t, h->name, h->value);
        }
        else if (!strcmp(h->name, "Set-Cookie")) {
            apr_table_addn(t, h->name, h->value);
        }
        else {
            apr_table_setn(t, h->name, h->value);
        }
    }
}

/* httpd's ap_meets_conditions, with a client's If-None-Match deciding
 * alone: If-Modified-Since is then ignored (RFC 9110 13.1.3).  Each
 * server's Last-Modified is its own (the moment it last built its view of
 * the content counts), and a cache revalidates a page it fetched from one
 * server at another with both validators of the first: the ETag, which
 * every server agrees on, must decide. */
static int meets_conditions(request_rec *r)
{
    const char *ims = apr_table_get(r->headers_in, "If-Modified-Since");
    int rc;

    if (!ims || !apr_table_get(r->headers_in, "If-None-Match")) {
        return ap_meets_conditions(r);
    }
    apr_table_unset(r->headers_in, "If-Modified-Since");
    rc = ap_meets_conditions(r);
    apr_table_set(r->headers_in, "If-Modified-Since", ims);
    return rc;
}

static int send_answer(request_rec *r, const bantin_response *a)
{
    int rc;

    if (a->fd >= 0) {
        r->finfo = a->finfo; /* what ap_set_etag makes the ETag of */
    }
    set_headers(r, a);
    if (a->server_page) {
        return a->status; /* httpd writes the redirect's or error's page */
    }
    if (a->status != HTTP_OK) {
        r->status = a->status;
    }
    ap_set_content_type(r, a->ctype);
    if (a->conditional && (rc = meets_conditions(r)) != OK) {
        return send_condition(r, rc);
    }
    if (a->fd >= 0) {
        return send_file(r, a);
    }
    if (!a->body) {
        return OK; /* a HEAD answered without its body: no length known */
    }
    if (a->encoding) {
        apr_table_setn(r->headers_out, "Content-Encoding", a->encoding);
    }
    return send_body(r, a->ctype, a->body, a->len);
}

/* ---------------------------------------------------------------------- */
/* the handlers                                                            */

/* SetHandler bantin: the request in, the core's answer out. */
int bantin_handler(request_rec *r)
{
    const bantin_conf *c;
    request_rec *top = r;
    bantin_portal portal;
    bantin_request_in in;
    bantin_response a;

    if (!r->handler || strcmp(r->handler, "bantin")) {
        return DECLINED;
    }
    c = ap_get_module_config(r->per_dir_config, &bantin_module);
    if (!bantin_registry_portal(&bantin_reg, &c->d, &portal)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "BT0201 SetHandler "
                      "bantin for %s needs BantinContentDir and "
                      "BantinTemplateDir", r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* The site from the reader's own request: a subrequest (SSI) has no
     * port in its parsed URI and would drop it from absolute URLs. */
    while (top->main) {
        top = top->main;
    }
    if (!bantin_request_init(r->pool, &in, r->method, c->d.prefix,
                             c->d.section, r->uri, r->args,
                             apr_table_get(r->headers_in, "Cookie"),
                             apr_table_get(r->headers_in,
                                           "Accept-Encoding"))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "BT0202 %s is not "
                      "below the portal's <Location>: set BantinPrefix",
                      r->uri);
    }
    if (!c->d.set.site_url) {
        /* httpd's own rule: the Host header, or ServerName under
         * UseCanonicalName On */
        in.site = ap_construct_url(r->pool, "", top);
        in.site_foreign = site_is_foreign(top);
    }
    in.secure = ap_http_scheme(r)[4] == 's';
    in.subrequest = r->main != NULL;
    in.read_form = read_form;
    in.baton = r;
    bantin_answer(r->pool, &portal, &in, &a);
    return send_answer(r, &a);
}

/* SetHandler bantin-status: every content dir of this server's config. */
int bantin_status_handler(request_rec *r)
{
    bantin_response a;

    if (!r->handler || strcmp(r->handler, "bantin-status")) {
        return DECLINED;
    }
    bantin_registry_status(&bantin_reg, r->pool, r->method, &a);
    return send_answer(r, &a);
}
