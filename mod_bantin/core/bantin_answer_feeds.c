/* bantin_answer_feeds.c -- the portal's answers for machines and for
 * finding things: the RSS feeds (the portal's and each category's), the
 * sitemap (with its index past 50,000 articles) and the search page.
 *
 * Feeds are rendered per request (a few dozen items); sitemaps are kept
 * in the page cache like pages.  Both are tagged with the hash of their
 * bytes, so that servers holding the same content agree.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_strings.h"

#include "bantin_answer_int.h"
#include "bantin_buf.h"
#include "bantin_date.h"
#include "bantin_feed.h"
#include "bantin_fold.h"
#include "bantin_request.h"

/* ---------------------------------------------------------------------- */
/* feeds and sitemaps                                                      */

/* /feed.xml and /category/<slug>/feed.xml: the newest articles. */
void bantin_answer_feed(bantin_ctx *x, const char *category)
{
    const bantin_view *v = &x->v;
    const bantin_snapshot *snap = x->snap;
    apr_time_t now = x->now;
    apr_size_t want = (apr_size_t)x->set.feed_size;
    const bantin_article **items = apr_palloc(x->p, (want + 1)
                                                      * sizeof(*items));
    const bantin_category *cat = NULL;
    const char *title = v->portal_name, *link = "/", *self = "/feed.xml";
    apr_size_t n, total;
    bantin_cached pg;
    bantin_page out;

    if (category) {
        if (!(cat = bantin_ans_category(x, category))) {
            bantin_ans_error(x, 404);
            return;
        }
        title = apr_pstrcat(x->p, cat->name, " - ", v->portal_name, NULL);
        link = apr_pstrcat(x->p, "/category/", category, NULL);
        self = apr_pstrcat(x->p, link, "/feed.xml", NULL);
        n = bantin_category_list(cat, now, 0, want, items, &total);
    }
    else {
        n = bantin_snapshot_list(snap, now, 0, want, items, &total);
    }
    bantin_render_rss(x->p, v, title, link, self, items, n, &out);
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
    bantin_ans_rendered_as(x, &pg, x->set.list_max_age,
                           "application/rss+xml; charset=utf-8");
}

/* /sitemap.xml: every visible article, split into parts of 50,000 with a
 * sitemap index above them when there are more. */
void bantin_answer_sitemap(bantin_ctx *x, const char *part)
{
    const bantin_view *v = &x->v;
    const bantin_snapshot *snap = x->snap;
    apr_time_t now = x->now;
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
        bantin_ans_error(x, 404);
        return;
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
    key = bantin_ans_page_key(x, 's', id);
    if (!bantin_ans_recall(x, key, &pg)) {
        if (!part && parts > 1) {
            bantin_render_sitemap_index(x->p, v, parts, &out);
        }
        else {
            apr_size_t first = k > 1 ? (k - 1) * BANTIN_SITEMAP_MAX - 1 : 0;
            items = apr_palloc(x->p, BANTIN_SITEMAP_MAX * sizeof(*items));
            n = bantin_snapshot_list(snap, now, first,
                                     k > 1 ? BANTIN_SITEMAP_MAX
                                           : BANTIN_SITEMAP_MAX - 1,
                                     items, &total);
            bantin_render_sitemap(x->p, v, items, n, k <= 1, &out);
        }
        /* Tagged with its bytes, so that servers agree on it. */
        bantin_ans_remember(x, key, &out,
                        bantin_site_tag(bantin_hash64(BANTIN_HASH_INIT,
                                                      out.data, out.len),
                                        v->site),
                        snap->built, &pg);
    }
    pg.modified = snap->built;
    bantin_ans_rendered_as(x, &pg, x->set.list_max_age,
                           "application/xml; charset=utf-8");
}

/* ---------------------------------------------------------------------- */
/* search                                                                  */

/* Parses a day ("YYYY-MM-DD" or "DD/MM/YYYY") as midnight in the
 * portal's zone; 0 if absent or not a date (the page says so: see
 * bantin_render_search). */
static apr_time_t day_param(const bantin_ctx *x, const char *name,
                            int next_day)
{
    const char *s = bantin_ans_arg(x, name);
    bantin_date d;

    if (!s || !*s || bantin_date_parse_day(&d, s, x->v.tz_min)) {
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

/* A search parameter as it is echoed into the page (the pager's and the
 * suggestion's links, the filters' fields): cleaned to UTF-8 like q. */
static const char *echo_arg(const bantin_ctx *x, const char *name)
{
    const char *s = bantin_ans_arg(x, name);
    return s ? utf8_clean(x->p, s) : NULL;
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
static void search_unavailable(bantin_ctx *x)
{
    bantin_page pg;

    bantin_render_error(x->p, x->portal->theme, &x->v, 503, &pg);
    x->out->status = 503;
    bantin_ans_header(x, "Retry-After", "5", 0);
    bantin_ans_header(x, "Cache-Control", "no-store", 0);
    bantin_ans_page(x, &pg);
}

/* /search?q=…[&page=N][&category=slug][&from=YYYY-MM-DD|DD/MM/YYYY][&to=…] */
void bantin_answer_search(bantin_ctx *x)
{
    const bantin_view *v = &x->v;
    const bantin_snapshot *snap = x->snap;
    apr_time_t now = x->now;
    bantin_search *search = x->portal->search;
    const char *text = bantin_ans_arg(x, "q");
    const char *ps = bantin_ans_arg(x, "page");
    long page = ps ? bantin_page_parse(ps) : 1, pages = 1;
    apr_size_t size = (apr_size_t)x->set.page_size;
    apr_array_header_t *slugs = apr_array_make(x->p, (int)size,
                                               sizeof(char *));
    const bantin_article **items = apr_palloc(x->p, size * sizeof(*items));
    const char **snippets = apr_palloc(x->p, size * sizeof(char *));
    const char *suggestion = NULL;
    apr_size_t total = 0, more = 0, n = 0;
    visible_at va = {snap, now};
    bantin_query q = {NULL, NULL, 0, 0, 0, search_visible, &va};
    bantin_page out;
    apr_size_t progress[2];
    /* before the query: results of an index that was complete then are */
    int building = search
                   && !bantin_search_progress(search, snap,
                                              &progress[0], &progress[1]);
    int i;

    if (page < 1) {
        bantin_ans_error(x, page < 0 ? 400 : 404);
        return;
    }
    if (text) {
        apr_size_t len;
        text = utf8_clean(x->p, text);
        if ((len = strlen(text)) > 1000) {
            /* not inside a character */
            for (len = 1000; ((unsigned char)text[len] & 0xC0) == 0x80; len--) {
            }
            text = apr_pstrmemdup(x->p, text, len);
        }
    }
    if (text && *text) {
        apr_status_t rv = APR_EINVAL; /* search is off: nothing found */
        q.text = text;
        q.category = echo_arg(x, "category");
        if (q.category && !*q.category) {
            q.category = NULL;
        }
        q.from = day_param(x, "from", 0);
        q.to = day_param(x, "to", 1);
        q.now = now;
        if (search) {
            rv = bantin_search_query(search, x->p, &q,
                                     (apr_size_t)(page - 1) * size, size,
                                     slugs, &total, &more);
        }
        if (rv != APR_SUCCESS && rv != APR_EINVAL) {
            search_unavailable(x);
            return;
        }
        if (rv == APR_SUCCESS) {
            for (i = 0; i < slugs->nelts; i++) {
                const bantin_article *a = bantin_snapshot_get(
                    snap, APR_ARRAY_IDX(slugs, i, const char *), now);
                if (a) { /* the index does not know publishing times */
                    snippets[n] = bantin_search_article_snippet(
                        x->p, a, text, 30);
                    items[n++] = a;
                }
            }
        }
        pages = total ? (long)((total + size - 1) / size) : 1;
        if (page > pages) {
            /* while the index fills, a later page may yet exist */
            if (building) {
                search_unavailable(x);
            }
            else {
                bantin_ans_error(x, 404);
            }
            return;
        }
        if (!total && search) {
            /* the query without its diacritics, only when that finds
             * something (q=đ would suggest d, which finds nothing) */
            char *f = bantin_fold(x->p, text, strlen(text));
            apr_array_header_t *none = apr_array_make(x->p, 1,
                                                      sizeof(char *));
            apr_size_t found = 0, over = 0;
            bantin_query fq = q;
            fq.text = f;
            if (strcasecmp(f, text) /* not just the query lowercased */
                && bantin_search_query(search, x->p, &fq, 0,
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
            "from", echo_arg(x, "from"),
            "to", echo_arg(x, "to"),
            NULL, NULL};
        bantin_render_search(x->p, x->portal->theme, v, text, items,
                             snippets, n, total, more, page, pages, suggestion,
                             filters, building ? progress : NULL, &out);
    }
    /* a page of an index being built is no answer to keep */
    bantin_ans_header(x, "Cache-Control",
                      building ? "no-store" : "max-age=60", 0);
    bantin_ans_page(x, &out);
}
