/* bantin_cache.h -- rendered pages kept in memory, per process.
 *
 * A page is a pure function of its inputs (the article's bytes, the
 * templates, the portal's settings, the site, the reader's font step), so
 * its key is made of those inputs and nothing ever needs invalidating:
 * when an article changes its key changes, and the stale page simply ages
 * out of the LRU.  Each page is kept with its gzip form, compressed once,
 * so that compressed answers cost nothing more than plain ones.
 *
 * A key is compared in full, byte for byte: two keys that hash alike
 * never answer for each other.  The index hashes keys with SipHash under
 * a key drawn at random when the cache is made, so no one outside can aim
 * keys at one bucket.
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
 * NULL when max_bytes is 0, or when no lock or random key can be had.
 * Memory is malloc()ed; one mutex guards it. */
bantin_cache *bantin_cache_create(apr_pool_t *p, apr_size_t max_bytes);

/* The same with another hash for the index, for tests: one that gives
 * every key the same value puts them all in one bucket. */
typedef apr_uint64_t (*bantin_cache_hash_fn)(const unsigned char *secret,
                                             const void *key,
                                             apr_size_t len);
bantin_cache *bantin_cache_create_ex(apr_pool_t *p, apr_size_t max_bytes,
                                     bantin_cache_hash_fn index_hash);

/* Looks key up; on a hit fills *out (with the gzip form when want_gz) and
 * returns 1.  The page is not copied: it stays readable, even if evicted
 * meanwhile, until p is cleared or destroyed, which must happen before
 * the cache's own pool goes (a request pool does). */
int bantin_cache_get(bantin_cache *c, const char *key, apr_pool_t *p,
                     int want_gz, bantin_cached *out);

/* Stores a page under key (copying everything). */
void bantin_cache_put(bantin_cache *c, const char *key,
                      const bantin_cached *page);

/* Counts a page rendered for a request whose pages must not be kept (see
 * bantin_ans_page_key in bantin_answer.c), for the statistics. */
void bantin_cache_skip(bantin_cache *c);

/* Statistics, for the status page and tests. */
typedef struct bantin_cache_stats_t {
    apr_size_t entries;
    apr_size_t bytes;
    apr_uint64_t hits;
    apr_uint64_t misses;
    apr_uint64_t skipped;  /* rendered and not kept */
} bantin_cache_stats_t;

void bantin_cache_stats(bantin_cache *c, bantin_cache_stats_t *out);

/* Compresses data into a gzip member allocated from p; NULL on failure. */
const char *bantin_gzip(apr_pool_t *p, const char *data, apr_size_t len,
                        apr_size_t *outlen);

#endif
