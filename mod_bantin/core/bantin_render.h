/* bantin_render.h -- pages from templates and articles.
 *
 * A theme is the compiled template set of one template dir, loaded once at
 * configuration time and read-only afterwards.  The render functions fill
 * a scope from the article or list and walk the templates into one buffer.
 */
#ifndef BANTIN_RENDER_H
#define BANTIN_RENDER_H

#include <apr_pools.h>

#include "bantin_article.h"
#include "bantin_store.h"

#define BANTIN_FONT_MAX_STEPS 12

/* Part of every ETag: a new release may render the same inputs anew. */
#define BANTIN_VERSION "0.4.0"

/* What of an article to render: the page, or one block alone (for SSI,
 * ESI or a portal that places blocks itself). */
typedef enum {
    BANTIN_PART_PAGE,
    BANTIN_PART_TOOLBAR,
    BANTIN_PART_VIEW,
    BANTIN_PART_RELATED,
    BANTIN_PART_OTHER,
    BANTIN_PART_PRINT      /* a page of its own, for printing */
} bantin_part_e;

typedef struct bantin_theme bantin_theme;

/* What a page depends on besides its content: the portal's settings and
 * the reader's font step. */
typedef struct bantin_view {
    const char *base;         /* the portal prefix, "" or "/portal" */
    const char *portal_name;
    int tz_min;
    int fs_step;              /* 1..fs_count */
    int fs_count;
    const char *const *fs_rem; /* fs_count sizes in rem, e.g. "1.125" */
    const char *fs_cookie;
    const char *site;         /* "https://host[:port]", for absolute URLs */
    const bantin_category *categories; /* the menu */
    apr_size_t ncategories;
} bantin_view;

/* What an article page shows around the article: neighbours in its
 * category ("Tin liên quan"), the next newer and older articles and more
 * older ones ("Tin khác"), no article twice (see
 * bantin_snapshot_page_around). */
typedef struct bantin_around {
    const bantin_article *const *related;
    apr_size_t nrelated;
    const bantin_article *newer, *older;
    const bantin_article *const *other;
    apr_size_t nother;
} bantin_around;

/* Which list a list page shows: the home list or a category's. */
typedef struct bantin_listing {
    const char *title;        /* "Tin mới", or the category's name */
    const char *path;         /* "/" or "/category/<slug>/" below base */
    const bantin_category *category; /* NULL for the home list */
} bantin_listing;

/* The name a's category is shown by: the view's (see bantin_names.h), or
 * the article's own spelling, spacing folded, when the view does not list
 * it.  NULL when a has no category. */
const char *bantin_category_name(apr_pool_t *p, const bantin_view *v,
                                 const bantin_article *a);

/* Loads and compiles every template of dir.  Returns NULL on success, or
 * a message naming the file (and line:col) and what is wrong. */
const char *bantin_theme_load(apr_pool_t *p, const char *dir,
                              bantin_theme **out);

typedef struct bantin_page {
    const char *data;
    apr_size_t len;
} bantin_page;

void bantin_render_article(apr_pool_t *p, const bantin_theme *t,
                           const bantin_view *v, const bantin_article *a,
                           bantin_page *out);
void bantin_render_article_part(apr_pool_t *p, const bantin_theme *t,
                                const bantin_view *v,
                                const bantin_article *a, bantin_part_e part,
                                bantin_page *out);

/* Page `page` (1-based) of `pages` of a list, holding items[0..n). */
void bantin_render_list(apr_pool_t *p, const bantin_theme *t,
                        const bantin_view *v,
                        const bantin_article *const *items, apr_size_t n,
                        long page, long pages, bantin_page *out);
/* An article page or part with what surrounds it (around may be NULL). */
void bantin_render_article_ex(apr_pool_t *p, const bantin_theme *t,
                              const bantin_view *v, const bantin_article *a,
                              const bantin_around *around,
                              bantin_part_e part, bantin_page *out);

/* A list page of any listing, or its block alone when fragment is set. */
void bantin_render_listing(apr_pool_t *p, const bantin_theme *t,
                           const bantin_view *v, const bantin_listing *l,
                           const bantin_article *const *items, apr_size_t n,
                           long page, long pages, int fragment,
                           bantin_page *out);

/* The same, as the list block alone when fragment is set. */
void bantin_render_list_part(apr_pool_t *p, const bantin_theme *t,
                             const bantin_view *v,
                             const bantin_article *const *items,
                             apr_size_t n, long page, long pages,
                             int fragment, bantin_page *out);

/* The search page: the query as typed (NULL: no query yet), n results
 * with their HTML snippets, `total` results to page through ("more than
 * `more`" match when more is not 0), and a suggestion
 * (the folded query) when nothing matched.  `filters`: name/value pairs
 * ending with NULL ("category", slug, "from", date…) that the pager and
 * suggestion links keep; a NULL or empty value is left out.  indexing:
 * NULL when the search index is complete, else {articles indexed, of how
 * many}: the page says so, and never that nothing matched. */
void bantin_render_search(apr_pool_t *p, const bantin_theme *t,
                          const bantin_view *v, const char *query,
                          const bantin_article *const *items,
                          const char *const *snippets, apr_size_t n,
                          apr_size_t total, apr_size_t more, long page,
                          long pages, const char *suggestion,
                          const char *const *filters,
                          const apr_size_t *indexing, bantin_page *out);

/* Fingerprints of what a page depends on besides its content: the
 * templates (hash and newest file time) and the view (settings, menu and
 * font step, with BANTIN_VERSION; not the site). */
apr_uint64_t bantin_theme_hash(const bantin_theme *t);
apr_time_t bantin_theme_mtime(const bantin_theme *t);
apr_uint64_t bantin_view_hash(const bantin_view *v);
/* h with everything an article page shows around the article: both
 * neighbours and both lists, each list with its length (around may be
 * NULL: nothing around). */
apr_uint64_t bantin_around_hash(apr_uint64_t h, const bantin_around *ar);

/* The tag of a page (the hash of everything else it is made of) with its
 * site, for its ETag.  The site may come from the request's Host, so it
 * goes in through SipHash: no Host can be chosen to give another page's
 * tag (see bantin_buf.h). */
apr_uint64_t bantin_site_tag(apr_uint64_t tag, const char *site);

/* The ETag's tag of a rendered page: tag (from bantin_site_tag) with the
 * page's bytes, through SipHash as the site is.  Whatever a page's inputs
 * (and whether its tag holds them all), one tag then never stands for two
 * bodies; computed once, when the page is rendered. */
apr_uint64_t bantin_body_tag(apr_uint64_t tag, const char *data,
                             apr_size_t len);

void bantin_render_error(apr_pool_t *p, const bantin_theme *t,
                         const bantin_view *v, int status, bantin_page *out);

/* Static files of the theme: "bantin.css" (rendered with the font steps)
 * and "bantin.js".  Returns 0 for any other name. */
int bantin_render_static(apr_pool_t *p, const bantin_theme *t,
                         const bantin_view *v, const char *name,
                         bantin_page *out, const char **content_type);

#endif
