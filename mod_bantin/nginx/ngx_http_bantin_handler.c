/* ngx_http_bantin_handler.c -- the location handlers: nginx's request
 * into the core's (bantin_request_in), the core's answer (bantin_answer)
 * out the nginx way.  Nothing here decides what a page says.
 *
 * Nothing blocks the event loop: a search query runs in nginx's thread
 * pool "default" (ngx_thread_task_post) and the request waits, blocked,
 * for its answer; other pages come from the page cache or render in
 * memory from the snapshot, and the font-size form is read with
 * ngx_http_read_client_request_body before it is answered.  Conditional
 * requests are decided as httpd's ap_meets_conditions decides them
 * (bantin_conditions.h: If-Modified-Since at or after Last-Modified is a
 * 304), so nginx's own not-modified filter is switched off for these
 * answers.
 */
#include <strings.h>

#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_conditions.h"
#include "bantin_log.h"
#include "ngx_http_bantin.h"

typedef struct {
    ngx_http_request_t *r;
    apr_pool_t *pool;         /* the core's: the answer's bytes live here */
    bantin_portal portal;
    bantin_request_in in;
    bantin_response a;
    const char *form;         /* the font-size POST's body, or NULL */
    size_t form_len;
} ngx_http_bantin_ctx_t;

static ngx_str_t default_pool = ngx_string("default");

/* A request's context, with the core's pool (freed with the request's);
 * NULL without memory. */
static ngx_http_bantin_ctx_t *ctx_make(ngx_http_request_t *r)
{
    ngx_http_bantin_ctx_t *x = ngx_pcalloc(r->pool, sizeof(*x));
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);

    if (!x || !cln || bantin_request_pool(&x->pool) != APR_SUCCESS) {
        return NULL;
    }
    cln->handler = ngx_http_bantin_pool_destroy;
    cln->data = x->pool;
    x->r = r;
    return x;
}

/* The value of request header name, several joined by ", " as httpd
 * merges them; NULL when absent (a bantin_header_get). */
static const char *header_in(void *baton, const char *name)
{
    ngx_http_bantin_ctx_t *x = baton;
    ngx_list_part_t *part = &x->r->headers_in.headers.part;
    ngx_table_elt_t *h = part->elts;
    const char *v = NULL;
    ngx_uint_t i;

    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (!(part = part->next)) {
                return v;
            }
            h = part->elts;
            i = 0;
        }
        if (h[i].key.len == strlen(name)
            && !strncasecmp((const char *)h[i].key.data, name, h[i].key.len)) {
            const char *one = apr_pstrmemdup(x->pool,
                                             (const char *)h[i].value.data,
                                             h[i].value.len);
            v = v ? apr_pstrcat(x->pool, v, ", ", one, NULL) : one;
        }
    }
}

/* The site the reader asked for, by httpd's rule: the Host's name (or
 * the server's name) and its port unless it is the scheme's.  It is
 * foreign (its pages are not kept) unless the name is the server's
 * (server_name's first, or one nginx picks this server by) and the port
 * the scheme's or the one listened on. */
static void site_of(ngx_http_bantin_ctx_t *x, int secure)
{
    ngx_http_request_t *r = x->r->main;
    ngx_http_core_srv_conf_t *cscf =
        ngx_http_get_module_srv_conf(r, ngx_http_core_module);
    ngx_http_virtual_names_t *vn = r->http_connection->addr_conf
                                       ? r->http_connection->addr_conf
                                             ->virtual_names : NULL;
    ngx_str_t name = r->headers_in.server.len ? r->headers_in.server
                                              : cscf->server_name;
    const char *port;
    int known;

    x->in.site = bantin_site_of(
        x->pool, secure,
        apr_pstrmemdup(x->pool, (const char *)name.data, name.len),
        header_in(x, "Host"), &port);
    /* (server_names itself lives only while the config is read) */
    known = (name.len == cscf->server_name.len
             && !ngx_strncasecmp(name.data, cscf->server_name.data, name.len))
            || (vn && name.len
                && ngx_hash_find_combined(&vn->names,
                                          ngx_hash_key(name.data, name.len),
                                          name.data, name.len) == cscf);
    if (known && port
        && (ngx_connection_local_sockaddr(r->connection, NULL, 0) != NGX_OK
            || ngx_inet_get_port(r->connection->local_sockaddr)
                   != (in_port_t)atoi(port + 1))) {
        known = 0;
    }
    x->in.site_foreign = !known;
}

/* The font-size form's body, at most max bytes; NULL when longer. */
static const char *read_form(void *baton, apr_size_t max)
{
    ngx_http_bantin_ctx_t *x = baton;

    return x->form && x->form_len < max ? x->form : NULL;
}

/* ---------------------------------------------------------------------- */
/* the answer out                                                          */

static ngx_table_elt_t *header_out(ngx_http_request_t *r, const char *name,
                                   const char *value)
{
    ngx_table_elt_t *h = ngx_list_push(&r->headers_out.headers);

    if (h) {
        h->hash = 1;
        h->key.data = (u_char *)name;
        h->key.len = strlen(name);
        h->value.data = (u_char *)value;
        h->value.len = strlen(value);
    }
    return h;
}

static ngx_int_t send_answer(ngx_http_bantin_ctx_t *x)
{
    ngx_http_request_t *r = x->r;
    bantin_response *a = &x->a;
    const char *etag = NULL;
    ngx_table_elt_t *h;
    ngx_chain_t out;
    ngx_buf_t *b;
    ngx_int_t rc;
    int i;

    for (i = 0; i < a->headers->nelts; i++) {
        const bantin_header *bh = &APR_ARRAY_IDX(a->headers, i, bantin_header);
        /* Location as the core says it (not r->headers_out.location, which
         * nginx would make absolute from the Host: httpd does not) */
        int location = !strcmp(bh->name, "Location");
        /* nginx's own page for a status keeps what is marked always */
        if (a->server_page && !bh->always && !location) {
            continue;
        }
        if (!strcmp(bh->name, "Last-Modified")) {
            r->headers_out.last_modified_time = (time_t)apr_time_sec(
                a->modified);
            continue;
        }
        if (!strcmp(bh->name, "ETag")) {
            etag = bh->value ? bh->value
                             : bantin_file_etag(x->pool, a, apr_time_now());
        }
        if (!(h = header_out(r, bh->name, etag && !strcmp(bh->name, "ETag")
                                              ? etag : bh->value))) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if (a->server_page) {
        return a->status; /* nginx writes the redirect's or error's page */
    }
    r->disable_not_modified = 1;
    r->headers_out.status = a->status;
    r->headers_out.content_type.data = (u_char *)a->ctype;
    r->headers_out.content_type.len = strlen(a->ctype);
    r->headers_out.content_type_len = strcspn(a->ctype, ";");
    /* an include shares its page's request headers: the page's
     * validators are not the block's */
    if (a->conditional && r == r->main
        && (rc = bantin_conditions_of(
                a, etag, (r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD)) != 0,
                header_in, x, apr_time_from_sec(ngx_time())))) {
        if (rc != NGX_HTTP_NOT_MODIFIED) {
            return rc;
        }
        r->headers_out.status = rc;
        r->headers_out.content_type.len = 0;
        r->header_only = 1;
        return ngx_http_send_header(r);
    }
    if (a->encoding) {
        if (!(r->headers_out.content_encoding =
                  header_out(r, "Content-Encoding", a->encoding))) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    r->headers_out.content_length_n = a->fd >= 0 ? (off_t)a->finfo.size
                                                 : (off_t)a->len;
    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }
    if (!(b = ngx_calloc_buf(r->pool))) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    if (a->fd >= 0 && a->finfo.size > 0) {
        /* the core owns the fd: the request's APR pool closes it */
        if (!(b->file = ngx_pcalloc(r->pool, sizeof(ngx_file_t)))) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        b->file->fd = a->fd;
        b->file->log = r->connection->log;
        ngx_str_set(&b->file->name, "bantin media");
        b->in_file = 1;
        b->file_last = a->finfo.size;
    }
    else if (a->fd < 0 && a->len > 0) {
        b->pos = (u_char *)a->body;
        b->last = (u_char *)a->body + a->len;
        b->memory = 1;
    }
    b->last_buf = r == r->main;  /* an SSI include is not the last */
    b->last_in_chain = 1;
    b->sync = !b->in_file && !b->memory && !b->last_buf;
    out.buf = b;
    out.next = NULL;
    return ngx_http_output_filter(r, &out);
}

/* ---------------------------------------------------------------------- */
/* the handlers                                                            */

static void answer_in_thread(void *data, ngx_log_t *log)
{
    ngx_http_bantin_ctx_t *x = data;

    (void)log;
    bantin_answer(x->pool, &x->portal, &x->in, &x->a);
}

static void answer_done(ngx_event_t *ev)
{
    ngx_http_bantin_ctx_t *x = ev->data;
    ngx_http_request_t *r = x->r;
    ngx_connection_t *c = r->connection;

    r->main->blocked--;
    r->aio = 0;
    ngx_http_set_log_request(c->log, r);
    ngx_http_finalize_request(r, send_answer(x));
    ngx_http_run_posted_requests(c);
}

static void form_read(ngx_http_request_t *r)
{
    ngx_http_bantin_ctx_t *x = ngx_http_get_module_ctx(r,
                                                       ngx_http_bantin_module);
    ngx_chain_t *cl;
    bantin_buf b;

    /* the body in memory (a longer one went to a file: too long) */
    bantin_buf_init(&b, x->pool, 0);
    for (cl = r->request_body ? r->request_body->bufs : NULL;
         cl && !cl->buf->in_file; cl = cl->next) {
        bantin_buf_add(&b, (const char *)cl->buf->pos,
                       (apr_size_t)(cl->buf->last - cl->buf->pos));
    }
    if (!cl) {
        x->form = bantin_buf_cstr(&b);
        x->form_len = b.len;
    }
    bantin_answer(x->pool, &x->portal, &x->in, &x->a);
    ngx_http_finalize_request(r, send_answer(x));
}

ngx_int_t ngx_http_bantin_handler(ngx_http_request_t *r)
{
    ngx_http_bantin_loc_conf_t *c = ngx_http_get_module_loc_conf(
        r, ngx_http_bantin_module);
    ngx_http_bantin_main_conf_t *m = ngx_http_get_module_main_conf(
        r, ngx_http_bantin_module);
    ngx_http_bantin_ctx_t *x;
    ngx_thread_task_t *task;
    ngx_thread_pool_t *tp;
    bantin_portal portal;
    bantin_needs_e needs;
    const char *uri;
    ngx_int_t rc;
    size_t n;

    if (!bantin_registry_portal(&m->reg, &c->d, &portal)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "BT0201 bantin "
                      "for %V needs bantin_content_dir and "
                      "bantin_template_dir", &r->uri);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    /* nginx decodes %2F into the path; httpd refuses it (404) */
    n = r->args_start ? (size_t)(r->args_start - r->unparsed_uri.data)
                      : r->unparsed_uri.len;
    if (ngx_strlcasestrn(r->unparsed_uri.data, r->unparsed_uri.data + n,
                         (u_char *)"%2f", 3 - 1)) {
        return NGX_HTTP_NOT_FOUND;
    }
    if (!(x = ctx_make(r))) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    ngx_http_set_ctx(r, x, ngx_http_bantin_module);
    x->portal = portal;

    uri = apr_pstrmemdup(x->pool, (const char *)r->uri.data, r->uri.len);
    if (!bantin_request_init(
            x->pool, &x->in,
            apr_pstrmemdup(x->pool, (const char *)r->method_name.data,
                           r->method_name.len),
            c->d.prefix, c->d.section, uri,
            r->args_start || r->args.len
                ? apr_pstrmemdup(x->pool, (const char *)r->args.data,
                                 r->args.len) : NULL,
            header_in(x, "Cookie"), header_in(x, "Accept-Encoding"))) {
        /* location /portal matches /portalx too; httpd's <Location> stops
         * at a segment: not the portal's */
        if (!c->d.prefix) {
            return NGX_DECLINED;
        }
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0, "BT0202 %s is "
                      "not below the portal's location: set bantin_prefix",
                      bantin_log_text(x->pool, uri));
    }
#if (NGX_HTTP_SSL)
    x->in.secure = r->main->connection->ssl != NULL;
#endif
    if (!c->d.set.site_url) {
        site_of(x, x->in.secure);
    }
    x->in.subrequest = r != r->main;
    x->in.read_form = read_form;
    x->in.baton = x;

    needs = bantin_answer_needs(x->pool, &x->portal, &x->in);
    if (needs == BANTIN_NEEDS_FORM) {
        rc = ngx_http_read_client_request_body(r, form_read);
        return rc >= NGX_HTTP_SPECIAL_RESPONSE ? rc : NGX_DONE;
    }
    if ((rc = ngx_http_discard_request_body(r)) != NGX_OK) {
        return rc;
    }
    /* a search query may take long: off the event loop */
    if (needs == BANTIN_NEEDS_THREAD
        && (tp = ngx_thread_pool_get((ngx_cycle_t *)ngx_cycle, &default_pool))
        && (task = ngx_thread_task_alloc(r->pool, 0))) {
        task->ctx = x;
        task->handler = answer_in_thread;
        task->event.data = x;
        task->event.handler = answer_done;
        if (ngx_thread_task_post(tp, task) == NGX_OK) {
            r->main->blocked++;
            r->aio = 1;
            r->main->count++;
            return NGX_DONE;
        }
    }
    bantin_answer(x->pool, &x->portal, &x->in, &x->a);
    return send_answer(x);
}

/* bantin_status: every content dir of this configuration. */
ngx_int_t ngx_http_bantin_status_handler(ngx_http_request_t *r)
{
    ngx_http_bantin_main_conf_t *m = ngx_http_get_module_main_conf(
        r, ngx_http_bantin_module);
    ngx_http_bantin_ctx_t *x;
    ngx_int_t rc;

    if ((rc = ngx_http_discard_request_body(r)) != NGX_OK) {
        return rc;
    }
    if (!(x = ctx_make(r))) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    bantin_registry_status(&m->reg, x->pool,
                           apr_pstrmemdup(x->pool,
                                          (const char *)r->method_name.data,
                                          r->method_name.len),
                           &x->a);
    return send_answer(x);
}
