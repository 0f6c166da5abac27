/* bantin_answer.c -- the core's one entry for a request (see
 * bantin_answer.h): the reader's view, routing, and the forms answers
 * take (a page with its validators and gzip form, an error page in the
 * portal's layout, a redirect), with the page cache and its keys.  The
 * routes themselves are in bantin_answer_pages.c (articles, lists, the
 * font-size form, loose URLs), bantin_answer_feeds.c (feeds, sitemaps,
 * search) and bantin_answer_files.c (media, the theme's files).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_strings.h"

#include "bantin_answer_int.h"
#include "bantin_buf.h"
#include "bantin_hot.h"
#include "bantin_names.h"
#include "bantin_request.h"

/* ---------------------------------------------------------------------- */
/* the answers' forms                                                      */

void bantin_ans_header(bantin_ctx *x, const char *name, const char *value,
                       int always)
{
    bantin_header *h = apr_array_push(x->out->headers);
    h->name = name;
    h->value = value;
    h->always = always;
}

void bantin_ans_merge(bantin_ctx *x, const char *name, const char *value)
{
    int i;
    for (i = 0; i < x->out->headers->nelts; i++) {
        bantin_header *h = &APR_ARRAY_IDX(x->out->headers, i, bantin_header);
        if (!strcasecmp(h->name, name)) {
            h->value = apr_pstrcat(x->p, h->value, ", ", value, NULL);
            return;
        }
    }
    bantin_ans_header(x, name, value, 0);
}

const char *bantin_response_header(const bantin_response *out,
                                   const char *name)
{
    int i;
    for (i = 0; out->headers && i < out->headers->nelts; i++) {
        const bantin_header *h = &APR_ARRAY_IDX(out->headers, i,
                                                bantin_header);
        if (!strcasecmp(h->name, name)) {
            return h->value;
        }
    }
    return NULL;
}

void bantin_ans_body(bantin_ctx *x, const char *ctype, const char *data,
                     apr_size_t len)
{
    x->out->ctype = ctype;
    x->out->body = data;
    x->out->len = len;
}

/* On every HTML answer.  The theme's script and style are files of the
 * portal, so nothing inline needs allowing; images may be remote
 * (figure src may be an http(s) URL).  A server's own header settings
 * (mod_headers, add_header) can still override. */
void bantin_ans_security(bantin_ctx *x)
{
    bantin_ans_header(x, "Content-Security-Policy",
                      "default-src 'self'; script-src 'self'; "
                      "style-src 'self'; img-src 'self' https: http:; "
                      "object-src 'none'; base-uri 'self'; "
                      "form-action 'self'; frame-ancestors 'self'", 0);
    bantin_ans_header(x, "X-Content-Type-Options", "nosniff", 0);
    bantin_ans_header(x, "Referrer-Policy", "strict-origin-when-cross-origin",
                      0);
}

void bantin_ans_page(bantin_ctx *x, const bantin_page *pg)
{
    /* Every page carries the reader's font step, taken from a cookie:
     * caches must keep one copy per cookie value. */
    bantin_ans_merge(x, "Vary", "Cookie");
    bantin_ans_security(x);
    bantin_ans_body(x, "text/html; charset=utf-8", pg->data, pg->len);
}

/* Never to a subrequest: an include would splice gzip bytes into its
 * page, whatever the browser accepts. */
int bantin_ans_takes_gzip(const bantin_ctx *x)
{
    return !x->in->subrequest && bantin_accepts_gzip(x->in->accept_encoding);
}

/* A rendered answer with its validators: a strong ETag made of the
 * hashes of everything that produced it (never inode or mtime, so servers
 * holding copies of the same content agree), Last-Modified from the
 * newest input, and the gzip form when the client takes it; the server
 * answers the conditional requests. */
void bantin_ans_rendered_as(bantin_ctx *x, const bantin_cached *pg,
                            int max_age, const char *ctype)
{
    int gz = pg->gz && bantin_ans_takes_gzip(x);
    char *when = apr_palloc(x->p, APR_RFC822_DATE_LEN);

    bantin_ans_header(x, "ETag",
                      apr_psprintf(x->p, "\"bt-%016" APR_UINT64_T_HEX_FMT
                                   "%s\"", pg->tag, gz ? "-gz" : ""), 0);
    apr_rfc822_date(when, pg->modified);
    bantin_ans_header(x, "Last-Modified", when, 0);
    x->out->modified = pg->modified;
    x->out->conditional = 1;
    if (pg->gz) {
        bantin_ans_merge(x, "Vary", "Accept-Encoding");
    }
    bantin_ans_header(x, "Cache-Control",
                      apr_psprintf(x->p, "max-age=%d", max_age), 0);
    bantin_ans_security(x);
    if (gz) {
        x->out->encoding = "gzip";
        bantin_ans_body(x, ctype, pg->gz, pg->gzlen);
    }
    else {
        bantin_ans_body(x, ctype, pg->body, pg->len);
    }
}

/* A page of the portal: it shows the reader's font step, taken from a
 * cookie, so caches must keep one copy per cookie value. */
void bantin_ans_rendered(bantin_ctx *x, const bantin_cached *pg, int max_age)
{
    bantin_ans_merge(x, "Vary", "Cookie");
    bantin_ans_rendered_as(x, pg, max_age, "text/html; charset=utf-8");
}

/* An error page in the portal's layout.  Caches may keep it only briefly
 * (BantinErrorMaxAge): the article a 404 was about may be dropped in, or
 * reach its publishing time, at any moment. */
void bantin_ans_error(bantin_ctx *x, int status)
{
    bantin_page pg;
    bantin_render_error(x->p, x->portal->theme, &x->v, status, &pg);
    x->out->status = status;
    bantin_ans_header(x, "Cache-Control",
                      apr_psprintf(x->p, "max-age=%d",
                                   x->set.error_max_age), 0);
    bantin_ans_page(x, &pg);
}

/* A 301 to another page of this portal: the portal's prefix and route,
 * which must pass bantin_location_is_safe (else a 404), so nothing a
 * request or an article says can send the reader off-site.  Caches keep
 * it as briefly as an error (BantinErrorMaxAge): where a page lives can
 * change with the content.  The server writes the 301 page, which keeps
 * only the Location and the headers marked always. */
void bantin_ans_moved(bantin_ctx *x, const char *route)
{
    if (!bantin_location_is_safe(route)) {
        bantin_ans_error(x, 404);
        return;
    }
    x->out->status = 301;
    x->out->server_page = 1;
    bantin_ans_header(x, "Location",
                      apr_pstrcat(x->p, x->v.base, route, NULL), 0);
    bantin_ans_header(x, "Cache-Control",
                      apr_psprintf(x->p, "max-age=%d",
                                   x->set.error_max_age), 1);
}

/* ---------------------------------------------------------------------- */
/* the page cache                                                          */

const char *bantin_ans_page_key(bantin_ctx *x, char kind, apr_uint64_t tag)
{
    const char *site = x->v.site ? x->v.site : "";
    const char *dir = x->portal->content_dir;

    /* A Host that is none of the server's names or ports: anyone can send
     * as many of those as they like; a page made for one is rendered for
     * that request and not kept, so that junk Hosts take no cache entries
     * and push no real page out.  BantinSiteURL: the Host shapes
     * nothing. */
    if (!x->portal->cache || (!x->set.site_url && x->in->site_foreign)) {
        return NULL;
    }
    /* Lengths before the variable parts, so that no dir or site can be
     * read as another pair: the key is compared in full, and it holds
     * the one input a reader chooses freely, the site, as it is. */
    return apr_psprintf(x->p, "%c|%" APR_SIZE_T_FMT ":%s|%" APR_SIZE_T_FMT
                        ":%s|%016" APR_UINT64_T_HEX_FMT, kind, strlen(dir),
                        dir, strlen(site), site, tag);
}

int bantin_ans_recall(bantin_ctx *x, const char *key, bantin_cached *out)
{
    return key && bantin_cache_get(x->portal->cache, key, x->p, 1, out);
}

void bantin_ans_remember(bantin_ctx *x, const char *key,
                         const bantin_page *pg, apr_uint64_t tag,
                         apr_time_t modified, bantin_cached *out)
{
    out->body = pg->data;
    out->len = pg->len;
    /* A page that is not kept is compressed only for a reader who takes
     * it that way. */
    out->gz = key || bantin_ans_takes_gzip(x)
                  ? bantin_gzip(x->p, pg->data, pg->len, &out->gzlen)
                  : NULL;
    /* The bytes too: one ETag, one body, whatever the tag was made of. */
    out->tag = bantin_body_tag(tag, pg->data, pg->len);
    out->modified = modified;
    if (key) {
        bantin_cache_put(x->portal->cache, key, out);
    }
    else {
        bantin_cache_skip(x->portal->cache);
    }
}

/* ---------------------------------------------------------------------- */
/* what the routes share                                                   */

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
static const bantin_snapshot *hold_snapshot(apr_pool_t *p,
                                            bantin_store *store)
{
    held_snapshot *h = apr_palloc(p, sizeof(*h));
    h->store = store;
    h->snap = bantin_store_acquire(store);
    apr_pool_cleanup_register(p, h, release_snapshot, apr_pool_cleanup_null);
    return h->snap;
}

/* A category the reader can see, from the view's list. */
const bantin_category *bantin_ans_category(const bantin_ctx *x,
                                           const char *slug)
{
    apr_size_t i;
    for (i = 0; i < x->v.ncategories; i++) {
        if (!strcmp(x->v.categories[i].slug, slug)) {
            return &x->v.categories[i];
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

const char *bantin_ans_arg(const bantin_ctx *x, const char *name)
{
    return x->in->args ? bantin_form_get(x->p, x->in->args, name) : NULL;
}

/* The categories a reader can see now, by the names the snapshot gave
 * them (bantin_names.h): a category whose articles are all future or
 * expired is not in the menu, and its pages answer 404. */
static void visible_categories(bantin_ctx *x)
{
    const bantin_snapshot *snap = x->snap;
    bantin_category *cats = apr_palloc(x->p, sizeof(*cats)
                                                 * (snap->ncategories + 1));
    apr_size_t i, n = 0;

    for (i = 0; i < snap->ncategories; i++) {
        const bantin_article *first;
        apr_size_t total;
        if (bantin_category_list(&snap->categories[i], x->now, 0, 1, &first,
                                 &total)) {
            cats[n++] = snap->categories[i];
        }
    }
    bantin_names_menu_sort(cats, n); /* the names file's order first */
    x->v.categories = cats;
    x->v.ncategories = n;
}

const char *bantin_prefix_of(apr_pool_t *p, const char *prefix,
                             const char *section, const char *uri)
{
    apr_size_t n;

    if (!prefix) {
        prefix = section ? section : "";
        n = strlen(prefix);
        while (n > 0 && prefix[n - 1] == '/') {
            n--;
        }
        prefix = apr_pstrmemdup(p, prefix, n);
    }
    n = strlen(prefix);
    if (strncmp(uri, prefix, n) || (uri[n] && uri[n] != '/')) {
        return NULL;
    }
    return prefix;
}

int bantin_request_init(apr_pool_t *p, bantin_request_in *in,
                        const char *method, const char *prefix,
                        const char *section, const char *uri,
                        const char *args, const char *cookie,
                        const char *accept_encoding)
{
    memset(in, 0, sizeof(*in));
    in->method = method;
    in->prefix = bantin_prefix_of(p, prefix, section, uri);
    in->path = in->prefix ? uri + strlen(in->prefix) : uri;
    in->args = args;
    in->cookie = cookie;
    in->accept_encoding = accept_encoding;
    return in->prefix != NULL;
}

bantin_needs_e bantin_answer_needs(apr_pool_t *p, const bantin_portal *portal,
                                   const bantin_request_in *in)
{
    bantin_route route;

    bantin_route_parse(p, in->path, &route);
    if (!strcmp(in->method, "POST") && route.kind == BANTIN_ROUTE_FONTSIZE) {
        return BANTIN_NEEDS_FORM;
    }
    return route.kind == BANTIN_ROUTE_SEARCH && portal->search
           ? BANTIN_NEEDS_THREAD : BANTIN_NEEDS_NOTHING;
}

const char *bantin_site_of(apr_pool_t *p, int secure, const char *name,
                           const char *host, const char **port)
{
    *port = host ? strrchr(host, ':') : NULL;
    if (*port && (strchr(*port, ']') || !(*port)[1]
                  || atoi(*port + 1) == (secure ? 443 : 80))) {
        *port = NULL;
    }
    return apr_pstrcat(p, secure ? "https://" : "http://", name,
                       *port ? *port : "", NULL);
}

/* ---------------------------------------------------------------------- */
/* the entry                                                               */

static void dispatch(bantin_ctx *x, const bantin_route *route)
{
    static const bantin_part_e parts[] = {
        [BANTIN_BLOCK_TOOLBAR] = BANTIN_PART_TOOLBAR,
        [BANTIN_BLOCK_VIEW] = BANTIN_PART_VIEW,
        [BANTIN_BLOCK_RELATED] = BANTIN_PART_RELATED,
        [BANTIN_BLOCK_OTHER] = BANTIN_PART_OTHER};
    const char *print;

    switch (route->kind) {
    case BANTIN_ROUTE_ADD_SLASH:
        x->out->status = 301;
        x->out->server_page = 1;
        bantin_ans_header(x, "Location",
                          apr_pstrcat(x->p, x->v.base, "/",
                                      x->in->args ? "?" : "", x->in->args,
                                      NULL), 0);
        break;
    case BANTIN_ROUTE_HOME:
        bantin_answer_list(x, NULL, 0);
        break;
    case BANTIN_ROUTE_CATEGORY:
        bantin_answer_list(x, route->arg, 0);
        break;
    case BANTIN_ROUTE_ARTICLE:
        print = bantin_ans_arg(x, "print");
        bantin_answer_article(x, route->arg, print && !strcmp(print, "1")
                                                 ? BANTIN_PART_PRINT
                                                 : BANTIN_PART_PAGE);
        break;
    case BANTIN_ROUTE_PRINT:
        bantin_answer_article(x, route->arg, BANTIN_PART_PRINT);
        break;
    case BANTIN_ROUTE_BLOCK:
        if (route->block == BANTIN_BLOCK_LIST) {
            bantin_answer_list(x, NULL, 1);
        }
        else {
            bantin_answer_article(x, route->arg, parts[route->block]);
        }
        break;
    case BANTIN_ROUTE_SEARCH:
        bantin_answer_search(x);
        break;
    case BANTIN_ROUTE_FEED:
        bantin_answer_feed(x, route->arg);
        break;
    case BANTIN_ROUTE_SITEMAP:
        bantin_answer_sitemap(x, route->arg);
        break;
    case BANTIN_ROUTE_MEDIA:
        bantin_answer_media(x, route->arg);
        break;
    case BANTIN_ROUTE_STATIC:
        bantin_answer_static(x, route->arg);
        break;
    case BANTIN_ROUTE_FONTSIZE:
        bantin_answer_fontsize(x);
        break;
    default: /* perhaps a page's URL written loosely */
        bantin_answer_loose(x, x->in->path);
        break;
    }
}

/* The time of the request, and the snapshot as it is then (looked for
 * changes first, where no watcher thread does). */
static void hold_now(bantin_ctx *x)
{
    x->now = apr_time_now();
    if (x->portal->refresh) {
        bantin_store_refresh(x->portal->store, x->now);
    }
    x->snap = hold_snapshot(x->p, x->portal->store);
}

/* The request's identity for bantin_hot.h, once the snapshot is held. */
static void hot_id_of(const bantin_ctx *x, bantin_hot_id *id)
{
    id->set = &x->set;
    id->portal[0] = x->portal->theme;
    id->portal[1] = x->portal->store;
    id->prefix = x->v.base;
    id->path = x->in->path;
    id->args = x->in->args;
    id->site = x->v.site ? x->v.site : "";
    id->fs_step = x->v.fs_step;
    id->gz = bantin_ans_takes_gzip(x);
    id->generation = x->snap->generation;
    id->epoch = bantin_snapshot_epoch(x->snap, x->now);
}

/* The answer given before to the same request, snapshot and epoch, with
 * its body from the page cache; 0 when there is none. */
static int answer_again(bantin_ctx *x, const bantin_hot_id *id)
{
    bantin_response kept = *x->out;
    bantin_cached pg;
    const char *key = bantin_hot_get(x->portal->hot, id, x->p, &kept);

    if (!key || !bantin_cache_get(x->portal->cache, key, x->p, id->gz, &pg)
        || (kept.encoding && !pg.gz)) {
        return 0;
    }
    kept.body = kept.encoding ? pg.gz : pg.body;
    kept.len = kept.encoding ? pg.gzlen : pg.len;
    *x->out = kept;
    return 1;
}

void bantin_answer(apr_pool_t *p, const bantin_portal *portal,
                   const bantin_request_in *in, bantin_response *out)
{
    bantin_ctx x;
    bantin_route route;
    bantin_hot_id id;
    int is_get = !strcmp(in->method, "GET") || !strcmp(in->method, "HEAD");
    int hot;

    memset(out, 0, sizeof(*out));
    out->status = 200;
    out->fd = -1;
    out->headers = apr_array_make(p, 12, sizeof(bantin_header));
    x.p = p;
    x.portal = portal;
    x.in = in;
    x.out = out;
    x.snap = NULL;
    x.now = 0;
    x.hot_key = NULL;
    bantin_settings_resolve(&x.set, portal->settings);

    /* The reader's view: the settings, the font step from the cookie, the
     * prefix; the visible categories once the snapshot is held. */
    x.v.portal_name = x.set.portal_name;
    x.v.tz_min = x.set.tz_min;
    x.v.fs_rem = x.set.fs_rem;
    x.v.fs_count = x.set.fs_count;
    x.v.fs_cookie = x.set.fs_cookie;
    /* BantinSiteURL: the request's Host shapes nothing */
    x.v.site = x.set.site_url ? x.set.site_url : in->site;
    x.v.categories = NULL;
    x.v.ncategories = 0;
    x.v.fs_step = bantin_fontsize_from_cookie(in->cookie, x.v.fs_cookie,
                                              x.v.fs_count,
                                              x.set.fs_default);
    if (!in->prefix) {
        x.v.base = "";
        bantin_ans_error(&x, 404);
        return;
    }
    x.v.base = in->prefix;

    /* a page asked for before, unchanged since: answered again */
    hot = is_get && portal->hot && (x.set.site_url || !in->site_foreign);
    if (hot) {
        hold_now(&x);
        hot_id_of(&x, &id);
        if (answer_again(&x, &id)) {
            return;
        }
    }

    bantin_route_parse(p, in->path, &route);
    if (!is_get && !(!strcmp(in->method, "POST")
                     && route.kind == BANTIN_ROUTE_FONTSIZE)) {
        bantin_ans_header(&x, "Allow",
                          route.kind == BANTIN_ROUTE_FONTSIZE
                              ? "GET, HEAD, POST" : "GET, HEAD", 0);
        bantin_ans_error(&x, 405);
        return;
    }

    if (!x.snap) {
        hold_now(&x);
    }
    visible_categories(&x);
    dispatch(&x, &route);
    if (hot && x.hot_key && out->status == 200) {
        bantin_hot_put(portal->hot, &id, x.hot_key, out);
    }
}
