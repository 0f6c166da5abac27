/* bantin_cache.h -- rendered pages kept in memory, per process.
 *
 * A page is a pure function of its inputs (the article's bytes, the
 * templates, the portal's settings, the reader's font step), so the key is
 * made of those inputs' hashes and nothing ever needs invalidating: when
 * an article changes its key changes, and the stale page simply ages out
 * of the LRU.  Each page is kept with its gzip form, compressed once, so
 * that compressed answers cost a copy, not a compression per request.
 */
#ifndef BANTIN_CACHE_H
#define BANTIN_CACHE_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct bantin_cache bantin_cache;

typedef struct bantin_cached {
    const char *body;      /* the page */
    apr_size_t len;
    const char *gz;        /* its gzip form, or NULL */
    apr_size_t gzlen;
    apr_uint64_t tag;      /* hash of the inputs: the ETag's substance */
    apr_time_t modified;   /* newest input */
} bantin_cached;

/* A cache of at most max_bytes of pages (bodies + gzip forms + keys);
 * NULL when max_bytes is 0.  Memory is malloc()ed; one mutex guards it. */
bantin_cache *bantin_cache_create(apr_pool_t *p, apr_size_t max_bytes);

/* Looks key up; on a hit copies the page (and its gzip form when want_gz)
 * into p, fills *out and returns 1. */
int bantin_cache_get(bantin_cache *c, const char *key, apr_pool_t *p,
                     int want_gz, bantin_cached *out);

/* Stores a page under key (copying everything). */
void bantin_cache_put(bantin_cache *c, const char *key,
                      const bantin_cached *page);

/* Statistics, for the status page and tests. */
void bantin_cache_stats(bantin_cache *c, apr_size_t *entries,
                        apr_size_t *bytes, apr_uint64_t *hits,
                        apr_uint64_t *misses);

/* Compresses data into a gzip member allocated from p; NULL on failure. */
const char *bantin_gzip(apr_pool_t *p, const char *data, apr_size_t len,
                        apr_size_t *outlen);

#endif
