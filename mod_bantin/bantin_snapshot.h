/* bantin_snapshot.h -- the store's private snapshot builder (see
 * bantin_store.h for the reading side). */
#ifndef BANTIN_SNAPSHOT_H
#define BANTIN_SNAPSHOT_H

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

/* Frees the snapshot and the articles on its garbage list. */
void bantin_snapshot_destroy(bantin_snapshot *s);

#endif
