/* bantin_snapshot.h -- the store's private snapshot builder (see
 * bantin_store.h for the reading side). */
#ifndef BANTIN_SNAPSHOT_H
#define BANTIN_SNAPSHOT_H

#include "bantin_names.h"
#include "bantin_store.h"

/* The next snapshot: old without its retired articles, plus added (not
 * drafts; the array is reordered).
 * Allocated with malloc, refs = 1.  NULL when out of memory. */
bantin_snapshot *bantin_snapshot_build(const bantin_snapshot *old,
                                       bantin_article **added,
                                       apr_size_t nadded,
                                       const char *const *rejected,
                                       apr_size_t nrejected,
                                       apr_size_t ndrafts, apr_time_t now);

/* The same, with the names file's names (NULL: none): a category it
 * names is shown by that name, any other by its articles' most used
 * spelling (bantin_names_pick). */
bantin_snapshot *bantin_snapshot_build_named(const bantin_snapshot *old,
                                             bantin_article **added,
                                             apr_size_t nadded,
                                             const char *const *rejected,
                                             apr_size_t nrejected,
                                             apr_size_t ndrafts,
                                             apr_time_t now,
                                             const bantin_names *names);

/* Frees the snapshot and the articles on its garbage list. */
void bantin_snapshot_destroy(bantin_snapshot *s);

#endif
