/* bantin_hot.h -- answers given again: the last answers of the pages
 * readers ask most, kept with everything but their bodies.
 *
 * An article or list page is a function of the request (its path and
 * query, the reader's font step, whether the gzip form is taken, the
 * site) and of what the portal shows at that moment: the snapshot, and
 * which of its articles are visible, which depends on the time only
 * through the snapshot's epoch (bantin_snapshot_epoch: the newest date
 * or expiry reached).  With all of those the same, the answer is the
 * same: the same page key, status and headers.  Working that out again
 * (the route, the visible categories, the neighbours, the hashes of the
 * tag, the key and the validators' text) costs more than the rest of a
 * cached page's answer together, so the answer is kept here, and the
 * body is taken from the page cache by its key (bantin_cache.h), which
 * holds it for the request.  When the page cache has let the page go,
 * the answer is worked out again, as it would have been anyway.
 *
 * A fixed number of slots, one per request identity's hash (a new
 * identity takes its slot's place): a flood of distinct URLs takes no
 * memory and only costs the pages it pushes out of here.  Identities are
 * compared in full.  One mutex guards the slots; each answer is copied
 * into the request's pool, so a slot may change as soon as it is read.
 */
#ifndef BANTIN_HOT_H
#define BANTIN_HOT_H

#include <apr_pools.h>

#include "bantin_answer.h"
#include "bantin_settings.h"

typedef struct bantin_hot bantin_hot;

/* A server's: room for the pages a portal's readers ask most (a slot
 * holds about a kilobyte). */
#define BANTIN_HOT_SLOTS 256

/* What an answer is a function of (see above). */
typedef struct bantin_hot_id {
    const bantin_settings *set; /* the portal's, resolved: compared by
                                 * value (httpd merges a section's config
                                 * anew for each request) */
    const void *portal[2];   /* its theme and store */
    const char *prefix;
    const char *path;
    const char *args;        /* NULL: no '?' at all */
    const char *site;
    int fs_step;
    int gz;                  /* the gzip form is the answer's body */
    apr_uint64_t generation; /* the snapshot's */
    apr_time_t epoch;
} bantin_hot_id;

/* A table of slots (a power of two) in p's lifetime; NULL without
 * memory or a lock. */
bantin_hot *bantin_hot_create(apr_pool_t *p, apr_size_t slots);

/* The answer kept for id, copied into p (out's headers, status, type,
 * encoding, validators; not its body), and the page key of its body;
 * NULL when none is kept. */
const char *bantin_hot_get(bantin_hot *h, const bantin_hot_id *id,
                           apr_pool_t *p, bantin_response *out);

/* Keeps out (a page answer whose body is the page kept under page_key)
 * for id, in place of what id's slot held. */
void bantin_hot_put(bantin_hot *h, const bantin_hot_id *id,
                    const char *page_key, const bantin_response *out);

/* Hits and misses, for the status page and tests. */
void bantin_hot_stats(bantin_hot *h, apr_uint64_t *hits,
                      apr_uint64_t *misses);

#endif
