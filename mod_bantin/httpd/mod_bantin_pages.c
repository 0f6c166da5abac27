/* mod_bantin_pages.c -- the reader's pages: an article (or one of its
 * blocks, or its print view), the home and category lists (or the list
 * block), and the font-size form; and the admins' bantin-status page.
 *
 * Article and list pages are rendered once per process and kept in the
 * page cache under a key made of everything they show (see
 * bantin_cache.h); the answer then goes out with its validators
 * (mod_bantin_respond.c).
 */
#include <string.h>
#include <unistd.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "bantin_buf.h"
#include "bantin_cache.h"
#include "bantin_fs.h"
#include "bantin_log.h"
#include "bantin_refs.h"
#include "bantin_request.h"
#include "bantin_version.h"
#include "mod_bantin_handlers.h"

#define MAX_FORM_BYTES 2048
#define COOKIE_MAX_AGE 31536000 /* a year */

/* ---------------------------------------------------------------------- */
/* the font-size form                                                      */

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

int bantin_handle_fontsize(request_rec *r, const bantin_conf *c,
                           const bantin_view *v)
{
    const char *form = r->args ? r->args : "", *step, *back, *loc;
    int next;

    if (r->method_number == M_POST) {
        if (!(form = read_form(r))) {
            return bantin_send_error(r, c, v, HTTP_BAD_REQUEST);
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

/* ---------------------------------------------------------------------- */
/* loosely written URLs                                                    */

int bantin_handle_loose(request_rec *r, const bantin_conf *c,
                        const bantin_view *v, const bantin_snapshot *snap,
                        apr_time_t now, const char *rest)
{
    bantin_route route;
    const char *to = bantin_route_canonical(r->pool, rest, r->args, &route);
    int exists = 0;

    if (to) {
        switch (route.kind) {
        case BANTIN_ROUTE_ARTICLE:
        case BANTIN_ROUTE_PRINT:
            exists = bantin_snapshot_get(snap, route.arg, now) != NULL;
            break;
        case BANTIN_ROUTE_CATEGORY:
            exists = bantin_find_category(v, route.arg) != NULL;
            break;
        case BANTIN_ROUTE_FEED:
            exists = !route.arg || bantin_find_category(v, route.arg);
            break;
        default:
            break;
        }
    }
    return exists ? bantin_send_moved(r, c, v, to)
                  : bantin_send_error(r, c, v, HTTP_NOT_FOUND);
}

/* ---------------------------------------------------------------------- */
/* the status page                                                         */

/* A file name or problem as the error log shows it (UTF-8 text as it is,
 * control bytes and invalid UTF-8 escaped: bantin_log_text), for HTML. */
static const char *status_text(apr_pool_t *p, const char *s)
{
    return ap_escape_html2(p, bantin_log_text(p, s), 0);
}

/* The broken references of the articles of a snapshot, looked for now
 * (a media file added since the article was read counts as found):
 * "file: message" (the log's English), and how many. */
static void status_broken_refs(request_rec *r, const bantin_source *src,
                               const bantin_snapshot *snap)
{
    apr_array_header_t *refs = apr_array_make(r->pool, 4,
                                              sizeof(bantin_problem));
    int top = bantin_fs_open_top(src->dir), i;
    apr_size_t k;

    for (k = 0; k < snap->count; k++) {
        bantin_refs_check(r->pool, snap->by_slug[k], top, NULL, 0, refs);
    }
    if (top >= 0) {
        close(top);
    }
    ap_rprintf(r, "<dl>\n<dt>Broken references</dt>"
               "<dd class=\"broken-refs\">%d</dd>\n</dl>\n", refs->nelts);
    if (refs->nelts) {
        ap_rputs("<ul class=\"bantin-broken-refs\">\n", r);
        for (i = 0; i < refs->nelts; i++) {
            const bantin_problem *pr = &APR_ARRAY_IDX(refs, i,
                                                      bantin_problem);
            ap_rprintf(r, "<li>%s</li>\n",
                       status_text(r->pool, bantin_problem_str(r->pool, pr)));
        }
        ap_rputs("</ul>\n", r);
    }
}

/* SetHandler bantin-status: what each content dir holds and which files
 * are not served, for admins who should not need the error log. */
int bantin_status_handler(request_rec *r)
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
    ap_rprintf(r, "<p>Version <span class=\"bantin-version\">%s</span></p>\n",
               bantin_version);
    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
        const bantin_snapshot *snap;
        apr_size_t k, total;
        if (!src->store) {
            continue;
        }
        bantin_store_refresh(src->store, now);
        snap = bantin_hold_snapshot(r, src->store);
        bantin_snapshot_list(snap, now, 0, 0, NULL, &total);
        apr_rfc822_date(when, bantin_store_last_check(src->store));
        ap_rprintf(r, "<section class=\"bantin-status-dir\">\n<h2>%s</h2>\n"
                   "<dl>\n<dt>Articles</dt><dd class=\"articles\">%lu</dd>\n"
                   "<dt>Visible now</dt><dd class=\"visible\">%lu</dd>\n"
                   "<dt>Drafts</dt><dd class=\"drafts\">%lu</dd>\n"
                   "<dt>Rejected files</dt><dd class=\"rejected\">%lu</dd>\n"
                   "<dt>Last check</dt><dd class=\"last-check\">%s</dd>\n"
                   "<dt>Change detection</dt><dd>%s</dd>\n</dl>\n",
                   status_text(r->pool, src->dir),
                   (unsigned long)snap->count, (unsigned long)total,
                   (unsigned long)snap->ndrafts,
                   (unsigned long)snap->nrejected, when,
                   bantin_store_watching(src->store)
                       ? "inotify" : "periodic walk");
        if (src->search) {
            apr_size_t indexed, of;
            int complete = bantin_search_progress(src->search, snap,
                                                  &indexed, &of);
            ap_rprintf(r, "<dl class=\"bantin-status-search\">\n"
                       "<dt>Search index</dt><dd class=\"search-index\">"
                       "%s, <span class=\"search-indexed\">%lu</span> of "
                       "<span class=\"search-of\">%lu</span> articles"
                       "</dd>\n</dl>\n", complete ? "complete" : "building",
                       (unsigned long)indexed, (unsigned long)of);
        }
        if (snap->nrejected) {
            ap_rputs("<ul class=\"bantin-rejected\">\n", r);
            for (k = 0; k < snap->nrejected; k++) {
                ap_rprintf(r, "<li>%s</li>\n",
                           status_text(r->pool, snap->rejected[k]));
            }
            ap_rputs("</ul>\n", r);
        }
        status_broken_refs(r, src, snap);
        ap_rputs("</section>\n", r);
    }
    {
        bantin_cache_stats_t st;
        bantin_cache_stats(bantin_page_cache, &st);
        ap_rprintf(r, "<section class=\"bantin-status-cache\">\n"
                   "<h2>Rendered pages (this process, pid %ld)</h2>\n<dl>\n"
                   "<dt>Pages</dt><dd class=\"cache-entries\">%lu</dd>\n"
                   "<dt>Bytes</dt><dd class=\"cache-bytes\">%lu</dd>\n"
                   "<dt>Hits</dt><dd class=\"cache-hits\">%" APR_UINT64_T_FMT
                   "</dd>\n<dt>Misses</dt><dd class=\"cache-misses\">%"
                   APR_UINT64_T_FMT "</dd>\n"
                   "<dt>Not kept (a Host not of this server)</dt>"
                   "<dd class=\"cache-not-kept\">%" APR_UINT64_T_FMT
                   "</dd>\n</dl>\n</section>\n",
                   (long)getpid(), (unsigned long)st.entries,
                   (unsigned long)st.bytes, st.hits, st.misses, st.skipped);
    }
    ap_rputs("</body>\n</html>\n", r);
    return OK;
}

/* ---------------------------------------------------------------------- */
/* articles and lists                                                      */

/* An article page, one of its blocks, or its print view. */
int bantin_handle_article(request_rec *r, const bantin_conf *c,
                          const bantin_view *v, const bantin_snapshot *snap,
                          apr_time_t now, const char *slug,
                          bantin_part_e part)
{
    const bantin_article *a = bantin_snapshot_get(snap, slug, now);
    const bantin_theme *t = c->templates->theme;
    apr_size_t want = (apr_size_t)(c->related != UNSET ? c->related
                                                        : DEFAULT_RELATED);
    const bantin_article *related[MAX_RELATED + 2], *other[MAX_RELATED];
    bantin_around ar;
    apr_uint64_t tag;
    const char *key;
    bantin_cached pg;

    if (!a) {
        return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
    }
    /* The neighbours, then the lists, with no article twice. */
    ar.related = related;
    ar.other = other;
    bantin_snapshot_page_around(snap, a, now, want, &ar.newer, &ar.older,
                                related, &ar.nrelated, other, &ar.nother);

    /* Everything the page shows goes into its tag: the article, its
     * neighbours, the part, the templates and the view. */
    tag = bantin_hash64(a->hash, &part, sizeof(part));
    tag = bantin_hash_str(tag, a->slug);
    tag = bantin_around_hash(tag, &ar);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_theme_hash(t)}, 8);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_view_hash(v)}, 8);
    key = bantin_page_key(r, c, v, 'a', tag);
    if (!bantin_recall(r, key, &pg)) {
        bantin_page out;
        bantin_render_article_ex(r->pool, t, v, a, &ar, part, &out);
        bantin_remember(r, key, &out, bantin_site_tag(tag, v->site),
                        bantin_newest(a->mtime, bantin_theme_mtime(t)), &pg);
    }
    /* After the cache, which keeps the time of the first rendering. */
    pg.modified = bantin_newest(pg.modified, snap->built);
    return bantin_send_rendered(r, &pg, c->article_max_age != UNSET
                                            ? c->article_max_age
                                            : DEFAULT_ARTICLE_MAX_AGE);
}

/* A page of the home list, or the list block alone. */
int bantin_handle_list(request_rec *r, const bantin_conf *c,
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
        return bantin_send_error(r, c, v, HTTP_BAD_REQUEST);
    }
    if (category) {
        if (!(l.category = bantin_find_category(v, category))) {
            return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
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
        return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
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
        modified = bantin_newest(modified,
                                 bantin_newest(items[i]->mtime,
                                               items[i]->date.when));
    }
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_theme_hash(t)}, 8);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_view_hash(v)}, 8);
    key = bantin_page_key(r, c, v, 'l', tag);
    if (!bantin_recall(r, key, &pg)) {
        bantin_page out;
        bantin_render_listing(r->pool, t, v, &l, items, n, page, pages,
                              fragment, &out);
        bantin_remember(r, key, &out, bantin_site_tag(tag, v->site),
                        modified, &pg);
    }
    pg.modified = bantin_newest(pg.modified, snap->built);
    return bantin_send_rendered(r, &pg, c->list_max_age != UNSET
                                            ? c->list_max_age
                                            : DEFAULT_LIST_MAX_AGE);
}
