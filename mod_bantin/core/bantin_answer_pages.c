/* bantin_answer_pages.c -- the reader's pages: an article (or one of its
 * blocks, or its print view), the home and category lists (or the list
 * block), the font-size form, and URLs written loosely.
 *
 * Article and list pages are rendered once per process and kept in the
 * page cache under a key made of everything they show (see
 * bantin_cache.h); the answer then carries its validators
 * (bantin_ans_rendered).
 */
#include <string.h>

#include "apr_strings.h"

#include "bantin_answer_int.h"
#include "bantin_buf.h"
#include "bantin_moves.h"
#include "bantin_request.h"

#define MAX_FORM_BYTES 2048
#define COOKIE_MAX_AGE 31536000 /* a year */

/* ---------------------------------------------------------------------- */
/* the font-size form                                                      */

/* GET or POST /fontsize?step=up|down|N&back=route: the cookie, and a 303
 * back to the page. */
void bantin_answer_fontsize(bantin_ctx *x)
{
    const char *form = x->in->args ? x->in->args : "", *step, *back, *base;
    int next;

    if (!strcmp(x->in->method, "POST")) {
        if (!x->in->read_form
            || !(form = x->in->read_form(x->in->baton, MAX_FORM_BYTES))) {
            bantin_ans_error(x, 400);
            return;
        }
    }
    step = bantin_form_get(x->p, form, "step");
    back = bantin_form_get(x->p, form, "back");
    /* Only a route on this portal, rebuilt from our own prefix: nothing
     * the request says can make this an off-site or header-split URL. */
    if (!back || !bantin_back_is_safe(back)) {
        back = "";
    }
    next = bantin_fontsize_apply(step, x->v.fs_step, x->v.fs_count);
    base = x->v.base;
    x->out->status = 303;
    x->out->server_page = 1;
    bantin_ans_header(x, "Location", apr_pstrcat(x->p, base, "/", back, NULL),
                      1);
    bantin_ans_header(x, "Set-Cookie",
                      apr_psprintf(x->p, "%s=%d; Path=%s; Max-Age=%d; "
                                   "SameSite=Lax%s", x->v.fs_cookie, next,
                                   *base ? base : "/", COOKIE_MAX_AGE,
                                   x->in->secure ? "; Secure" : ""), 1);
    bantin_ans_header(x, "Cache-Control", "no-store", 1);
}

/* ---------------------------------------------------------------------- */
/* loosely written URLs                                                    */

/* A path that routes nowhere: 301 to its one URL when it was only
 * written loosely (bantin_route_canonical) and the page exists, else 404.
 * rest: the path below the prefix. */
void bantin_answer_loose(bantin_ctx *x, const char *rest)
{
    bantin_route route;
    const char *to = bantin_route_canonical(x->p, rest, x->in->args, &route);
    int exists = 0;

    if (to) {
        switch (route.kind) {
        case BANTIN_ROUTE_ARTICLE:
        case BANTIN_ROUTE_PRINT:
            exists = bantin_snapshot_get(x->snap, route.arg, x->now) != NULL;
            break;
        case BANTIN_ROUTE_CATEGORY:
            exists = bantin_ans_category(x, route.arg) != NULL;
            break;
        case BANTIN_ROUTE_FEED:
            exists = !route.arg || bantin_ans_category(x, route.arg);
            break;
        default:
            break;
        }
    }
    if (exists) {
        bantin_ans_moved(x, to);
    }
    else {
        bantin_ans_error(x, 404);
    }
}

/* ---------------------------------------------------------------------- */
/* articles and lists                                                      */

/* An article no longer at slug: 301 to where it moved (the same part of
 * it), 410 when it left for nowhere, 404 when it was never known.  The
 * Location is our prefix, a fixed route and a slug of the store's own
 * ([a-z0-9-/]), nothing the request said. */
static void article_left(bantin_ctx *x, const char *slug, bantin_part_e part)
{
    static const char *const routes[] = {
        [BANTIN_PART_PAGE] = "/article/",
        [BANTIN_PART_TOOLBAR] = "/block/toolbar/",
        [BANTIN_PART_VIEW] = "/block/view/",
        [BANTIN_PART_RELATED] = "/block/related/",
        [BANTIN_PART_OTHER] = "/block/other/",
        [BANTIN_PART_PRINT] = "/print/"};
    const char *to = NULL;

    switch (bantin_moves_find(bantin_store_moves(x->portal->store), x->snap,
                              slug, x->now, x->p, &to)) {
    case BANTIN_MOVES_MOVED:
        /* Kept by caches as long as an article page: a new article may
         * take the old URL, and wins from then on.  The server writes
         * the 301 page. */
        x->out->status = 301;
        x->out->server_page = 1;
        bantin_ans_header(x, "Location",
                          apr_pstrcat(x->p, x->v.base, routes[part], to,
                                      NULL), 1);
        bantin_ans_header(x, "Cache-Control",
                          apr_psprintf(x->p, "max-age=%d",
                                       x->set.article_max_age), 1);
        break;
    case BANTIN_MOVES_GONE:
        bantin_ans_error(x, 410);
        break;
    default:
        bantin_ans_error(x, 404);
        break;
    }
}

/* An article page, one of its blocks, or its print view. */
void bantin_answer_article(bantin_ctx *x, const char *slug,
                           bantin_part_e part)
{
    const bantin_snapshot *snap = x->snap;
    const bantin_article *a = bantin_snapshot_get(snap, slug, x->now);
    const bantin_theme *t = x->portal->theme;
    apr_size_t want = (apr_size_t)x->set.related;
    const bantin_article *related[BANTIN_MAX_RELATED + 2];
    const bantin_article *other[BANTIN_MAX_RELATED];
    bantin_around ar;
    apr_uint64_t tag;
    const char *key;
    bantin_cached pg;

    if (!a) {
        article_left(x, slug, part);
        return;
    }
    /* The neighbours, then the lists, with no article twice. */
    ar.related = related;
    ar.other = other;
    bantin_snapshot_page_around(snap, a, x->now, want, &ar.newer, &ar.older,
                                related, &ar.nrelated, other, &ar.nother);

    /* Everything the page shows goes into its tag: the article, its
     * neighbours, the part, the templates and the view. */
    tag = bantin_hash64(a->hash, &part, sizeof(part));
    tag = bantin_hash_str(tag, a->slug);
    tag = bantin_around_hash(tag, &ar);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_theme_hash(t)}, 8);
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_view_hash(&x->v)}, 8);
    key = bantin_ans_page_key(x, 'a', tag);
    if (!bantin_ans_recall(x, key, &pg)) {
        bantin_page out;
        bantin_render_article_ex(x->p, t, &x->v, a, &ar, part, &out);
        bantin_ans_remember(x, key, &out, bantin_site_tag(tag, x->v.site),
                            bantin_newest(a->mtime, bantin_theme_mtime(t)),
                            &pg);
    }
    /* After the cache, which keeps the time of the first rendering. */
    pg.modified = bantin_newest(pg.modified, snap->built);
    bantin_ans_rendered(x, &pg, x->set.article_max_age);
    x->hot_key = key;
}

/* A page of the home list, or the list block alone. */
void bantin_answer_list(bantin_ctx *x, const char *category, int fragment)
{
    const bantin_theme *t = x->portal->theme;
    const char *ps = bantin_ans_arg(x, "page");
    long page = ps ? bantin_page_parse(ps) : 1, pages;
    apr_size_t size = (apr_size_t)x->set.page_size;
    const bantin_article **items = apr_palloc(x->p, size * sizeof(*items));
    apr_size_t n, total, i;
    apr_uint64_t tag;
    apr_time_t modified = bantin_theme_mtime(t);
    const char *key;
    bantin_cached pg;
    bantin_listing l = {"Tin mới", "/", NULL};

    if (page < 0) {
        bantin_ans_error(x, 400);
        return;
    }
    if (category) {
        if (!(l.category = bantin_ans_category(x, category))) {
            bantin_ans_error(x, 404);
            return;
        }
        l.title = l.category->name;
        l.path = apr_pstrcat(x->p, "/category/", category, NULL);
        n = bantin_category_list(l.category, x->now,
                                 (apr_size_t)(page > 0 ? page - 1 : 0) * size,
                                 size, items, &total);
    }
    else {
        n = bantin_snapshot_list(x->snap, x->now,
                                 (apr_size_t)(page > 0 ? page - 1 : 0) * size,
                                 size, items, &total);
    }
    pages = total ? (long)((total + size - 1) / size) : 1;
    if (page < 1 || page > pages) {
        bantin_ans_error(x, 404);
        return;
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
    tag = bantin_hash64(tag, &(apr_uint64_t){bantin_view_hash(&x->v)}, 8);
    key = bantin_ans_page_key(x, 'l', tag);
    if (!bantin_ans_recall(x, key, &pg)) {
        bantin_page out;
        bantin_render_listing(x->p, t, &x->v, &l, items, n, page, pages,
                              fragment, &out);
        bantin_ans_remember(x, key, &out, bantin_site_tag(tag, x->v.site),
                            modified, &pg);
    }
    pg.modified = bantin_newest(pg.modified, x->snap->built);
    bantin_ans_rendered(x, &pg, x->set.list_max_age);
    x->hot_key = key;
}
