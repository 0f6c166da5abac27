/* bantin_names.h -- the name a category is shown by.
 *
 * Articles say which category they belong to in their own words, and
 * editors spell the same category differently ("Nông thôn mới", "nong thon
 * moi", "Nông  Thôn Mới").  Two spellings are the same category when they
 * give the same slug (bantin_slugify: diacritics, case, spacing and
 * punctuation do not count).  The category is shown everywhere by one
 * name: the one the names file gives it, or else the spelling most of its
 * published articles use (ties: the spelling of the oldest of them), with
 * its spacing folded.
 */
#ifndef BANTIN_NAMES_H
#define BANTIN_NAMES_H

#include <apr_pools.h>

#include "bantin_article.h"

/* The names file, at the top of the content dir.  Never an article. */
#define BANTIN_NAMES_FILE "chuyen-muc.xml"

typedef struct bantin_name {
    const char *slug;         /* "nong-thon-moi" */
    const char *name;         /* "Nông thôn mới", spacing folded */
    apr_size_t order;         /* its place in the file, 1… */
} bantin_name;

/* What a names file says, sorted by slug. */
typedef struct bantin_names {
    const bantin_name *names;
    apr_size_t count;
} bantin_names;

/* Is rel (a path below the content dir) the names file? */
int bantin_names_is_file(const char *rel);

/* Parses and validates a names file held in memory against the
 * compiled-in schema (schema/categories.rng), then checks what a schema
 * cannot: every name has letters or digits, no slug is named twice.  On
 * success returns APR_SUCCESS and *out (allocated from p); otherwise
 * APR_EINVAL (APR_ENOMEM) and *problem, with the line and column. */
apr_status_t bantin_names_parse(apr_pool_t *p, const char *file,
                                const char *data, apr_size_t len,
                                bantin_names **out, bantin_problem *problem);

/* The name the file gives slug, or NULL.  names may be NULL. */
const char *bantin_names_get(const bantin_names *names, const char *slug);

/* slug's place in the file (1…), or 0 when it is not listed. */
apr_size_t bantin_names_order(const bantin_names *names, const char *slug);

/* The name of a category from its articles' spellings, newest article
 * first (spellings[n-1] is the oldest's): the spelling (spacing folded)
 * most of them use, ties going to the one the oldest article uses.
 * Allocated from p; NULL when n is 0. */
const char *bantin_names_pick(apr_pool_t *p, const char *const *spellings,
                              apr_size_t n);

/* The name of a category with these articles (newest first, as a
 * snapshot orders them), at `now`, when no names file names it: picked
 * among the spellings of the articles visible now, so that a scheduled
 * article's spelling never shows before it does.  With none visible, the
 * spelling of the oldest scheduled one (the first to show); with none of
 * those either, among all.  Allocated from p; NULL when n is 0. */
const char *bantin_names_choose(apr_pool_t *p,
                                const bantin_article *const *by_date,
                                apr_size_t n, apr_time_t now);

/* Sorts categories (bantin_store.h) for the menu: those the names file
 * lists in its order, then the others by slug. */
struct bantin_category;
void bantin_names_menu_sort(struct bantin_category *cats, apr_size_t n);

#endif
