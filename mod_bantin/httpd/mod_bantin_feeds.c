/* mod_bantin_feeds.c -- the portal's answers for machines and for finding
 * things: the RSS feeds (the portal's and each category's), the sitemap
 * (with its index past 50,000 articles) and the search page.
 *
 * Feeds are rendered per request (a few dozen items); sitemaps are kept
 * in the page cache like pages.  Both are tagged with the hash of their
 * bytes, so that servers holding the same content agree.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_strings.h"

#include "bantin_buf.h"
#include "bantin_date.h"
#include "bantin_feed.h"
#include "bantin_fold.h"
#include "bantin_request.h"
#include "mod_bantin_handlers.h"

/* ---------------------------------------------------------------------- */
/* feeds and sitemaps                                                      */

/* /feed.xml and /category/<slug>/feed.xml: the newest articles. */
int bantin_handle_feed(request_rec *r, const bantin_conf *c,
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
        if (!(cat = bantin_find_category(v, category))) {
            return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
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
    pg.tag = bantin_site_tag(
        bantin_hash64(bantin_hash_articles(BANTIN_HASH_INIT, items, n),
                      out.data, out.len),
        v->site);
    pg.modified = bantin_newest(snap->built,
                                n ? bantin_newest(items[0]->mtime,
                                                  items[0]->date.when)
                                  : 0);
    return bantin_send_rendered_as(r, &pg, c->list_max_age != UNSET
                                               ? c->list_max_age
                                               : DEFAULT_LIST_MAX_AGE,
                                   "application/rss+xml; charset=utf-8");
}

/* /sitemap.xml: every visible article, split into parts of 50,000 with a
 * sitemap index above them when there are more. */
int bantin_handle_sitemap(request_rec *r, const bantin_conf *c,
                          const bantin_view *v, const bantin_snapshot *snap,
                          apr_time_t now, const char *part)
{
    apr_size_t total, n, parts, k = part ? (apr_size_t)atol(part) : 0;
    const bantin_article **items;
    const char *key;
    apr_uint64_t id;
    apr_time_t epoch = bantin_snapshot_epoch(snap, now);
    bantin_cached pg;
    bantin_page out;

    bantin_snapshot_list(snap, now, 0, 0, NULL, &total);
    /* The home page is one of the URLs of part 1. */
    parts = (total + 1 + BANTIN_SITEMAP_MAX - 1) / BANTIN_SITEMAP_MAX;
    if (part && (k < 1 || k > parts)) {
        return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
    }
    /* Up to 50,000 URLs: kept like pages.  What it lists is named by the
     * snapshot and the epoch of now (bantin_snapshot_epoch); what else
     * it shows, by the part, the prefix and the time zone. */
    id = bantin_hash64(BANTIN_HASH_INIT, &snap->generation,
                       sizeof(snap->generation));
    id = bantin_hash64(id, &epoch, sizeof(epoch));
    id = bantin_hash64(id, &k, sizeof(k));
    id = bantin_hash_str(id, v->base);
    id = bantin_hash64(id, &v->tz_min, sizeof(v->tz_min));
    key = bantin_page_key(r, c, v, 's', id);
    if (!bantin_recall(r, key, &pg)) {
        if (!part && parts > 1) {
            bantin_render_sitemap_index(r->pool, v, parts, &out);
        }
        else {
            apr_size_t first = k > 1 ? (k - 1) * BANTIN_SITEMAP_MAX - 1 : 0;
            items = apr_palloc(r->pool, BANTIN_SITEMAP_MAX * sizeof(*items));
            n = bantin_snapshot_list(snap, now, first,
                                     k > 1 ? BANTIN_SITEMAP_MAX
                                           : BANTIN_SITEMAP_MAX - 1,
                                     items, &total);
            bantin_render_sitemap(r->pool, v, items, n, k <= 1, &out);
        }
        /* Tagged with its bytes, so that servers agree on it. */
        bantin_remember(r, key, &out,
                        bantin_site_tag(bantin_hash64(BANTIN_HASH_INIT,
                                                      out.data, out.len),
                                        v->site),
                        snap->built, &pg);
    }
    pg.modified = snap->built;
    return bantin_send_rendered_as(r, &pg, c->list_max_age != UNSET
                                               ? c->list_max_age
                                               : DEFAULT_LIST_MAX_AGE,
                                   "application/xml; charset=utf-8");
}

/* ---------------------------------------------------------------------- */
/* search                                                                  */

/* Parses a day ("YYYY-MM-DD" or "DD/MM/YYYY") as midnight in the
 * portal's zone; 0 if absent or not a date (the page says so: see
 * bantin_render_search). */
static apr_time_t day_param(request_rec *r, const bantin_view *v,
                            const char *name, int next_day)
{
    const char *s = r->args ? bantin_form_get(r->pool, r->args, name) : NULL;
    bantin_date d;

    if (!s || !*s || bantin_date_parse_day(&d, s, v->tz_min)) {
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

/* What the search lists: an article the snapshot shows at `now`. */
typedef struct {
    const bantin_snapshot *snap;
    apr_time_t now;
} visible_at;

static int search_visible(void *baton, const char *slug)
{
    const visible_at *va = baton;
    return bantin_snapshot_get(va->snap, slug, va->now) != NULL;
}

/* A query the index could not answer (damaged, until the background
 * check rebuilds it), or a page past the results found so far while it
 * fills: "nothing matched" or "no such page" would be false, so the
 * reader is asked to come back, and no cache keeps the answer. */
static int search_unavailable(request_rec *r, const bantin_conf *c,
                              const bantin_view *v)
{
    bantin_page pg;

    bantin_render_error(r->pool, c->templates->theme, v,
                        HTTP_SERVICE_UNAVAILABLE, &pg);
    r->status = HTTP_SERVICE_UNAVAILABLE;
    apr_table_setn(r->headers_out, "Retry-After", "5");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return bantin_send_page(r, &pg);
}

/* /search?q=…[&page=N][&category=slug][&from=YYYY-MM-DD|DD/MM/YYYY][&to=…] */
int bantin_handle_search(request_rec *r, const bantin_conf *c,
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
    apr_size_t total = 0, more = 0, n = 0;
    visible_at va = {snap, now};
    bantin_query q = {NULL, NULL, 0, 0, 0, search_visible, &va};
    bantin_page out;
    apr_size_t progress[2];
    /* before the query: results of an index that was complete then are */
    int building = c->content->search
                   && !bantin_search_progress(c->content->search, snap,
                                              &progress[0], &progress[1]);
    int i;

    if (page < 1) {
        return bantin_send_error(r, c, v, page < 0 ? HTTP_BAD_REQUEST
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
        apr_status_t rv = APR_EINVAL; /* search is off: nothing found */
        q.text = text;
        q.category = r->args ? bantin_form_get(r->pool, r->args, "category")
                             : NULL;
        if (q.category && !*q.category) {
            q.category = NULL;
        }
        q.from = day_param(r, v, "from", 0);
        q.to = day_param(r, v, "to", 1);
        q.now = now;
        if (c->content->search) {
            rv = bantin_search_query(c->content->search, r->pool, &q,
                                     (apr_size_t)(page - 1) * size, size,
                                     slugs, &total, &more);
        }
        if (rv != APR_SUCCESS && rv != APR_EINVAL) {
            return search_unavailable(r, c, v);
        }
        if (rv == APR_SUCCESS) {
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
            /* while the index fills, a later page may yet exist */
            return building ? search_unavailable(r, c, v)
                            : bantin_send_error(r, c, v, HTTP_NOT_FOUND);
        }
        if (!total && c->content->search) {
            /* the query without its diacritics, only when that finds
             * something (q=đ would suggest d, which finds nothing) */
            char *f = bantin_fold(r->pool, text, strlen(text));
            apr_array_header_t *none = apr_array_make(r->pool, 1,
                                                      sizeof(char *));
            apr_size_t found = 0, over = 0;
            bantin_query fq = q;
            fq.text = f;
            if (strcasecmp(f, text) /* not just the query lowercased */
                && bantin_search_query(c->content->search, r->pool, &fq, 0,
                                       0, none, &found, &over) == APR_SUCCESS
                && found) {
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
                             snippets, n, total, more, page, pages, suggestion,
                             filters, building ? progress : NULL, &out);
    }
    /* a page of an index being built is no answer to keep */
    apr_table_setn(r->headers_out, "Cache-Control",
                   building ? "no-store" : "max-age=60");
    return bantin_send_page(r, &out);
}
