/* bantin_cache.c -- see bantin_cache.h. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <zlib.h>

#include "bantin_buf.h"
#include "bantin_cache.h"

#define FIRST_BUCKETS 64

typedef struct entry {
    struct entry *newer, *older;   /* the LRU list */
    struct entry *next;            /* the rest of its bucket */
    apr_uint64_t hash;             /* of the key, by the index's hash */
    const char *key;               /* klen bytes and a NUL */
    apr_size_t klen;
    apr_size_t size;               /* bytes charged to the cache */
    int refs;                      /* requests reading the page now */
    int gone;                      /* evicted while read: the last frees */
    bantin_cached page;            /* body and gz point into this block */
} entry;

struct bantin_cache {
    apr_thread_mutex_t *lock;
    bantin_cache_hash_fn index_hash;
    unsigned char secret[BANTIN_SIP_KEY_LEN];
    entry **buckets;               /* nbuckets chains, a power of two */
    apr_size_t nbuckets;
    entry *newest, *oldest;
    apr_size_t bytes, max_bytes, entries;
    apr_uint64_t hits, misses, skipped;
};

static apr_status_t cache_cleanup(void *data)
{
    bantin_cache *c = data;
    entry *e = c->newest;

    /* Pages still read would be in pools below the cache's own, which are
     * gone by now (APR destroys subpools before their parent's cleanups). */
    while (e) {
        entry *next = e->older;
        free(e);
        e = next;
    }
    free(c->buckets);
    return APR_SUCCESS;
}

bantin_cache *bantin_cache_create_ex(apr_pool_t *p, apr_size_t max_bytes,
                                     bantin_cache_hash_fn index_hash)
{
    bantin_cache *c;

    if (!max_bytes) {
        return NULL;
    }
    c = apr_pcalloc(p, sizeof(*c));
    c->max_bytes = max_bytes;
    c->index_hash = index_hash;
    c->nbuckets = FIRST_BUCKETS;
    if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p)
            != APR_SUCCESS
        || apr_generate_random_bytes(c->secret, sizeof(c->secret))
               != APR_SUCCESS
        || !(c->buckets = calloc(c->nbuckets, sizeof(*c->buckets)))) {
        return NULL;
    }
    apr_pool_cleanup_register(p, c, cache_cleanup, apr_pool_cleanup_null);
    return c;
}

bantin_cache *bantin_cache_create(apr_pool_t *p, apr_size_t max_bytes)
{
    return bantin_cache_create_ex(p, max_bytes, bantin_siphash);
}

/* ---- the index: chains of entries, compared on the whole key ---- */

static entry **bucket_of(bantin_cache *c, apr_uint64_t hash)
{
    return &c->buckets[hash & (c->nbuckets - 1)];
}

static entry *find(bantin_cache *c, const char *key, apr_size_t klen,
                   apr_uint64_t hash)
{
    entry *e;

    for (e = *bucket_of(c, hash); e; e = e->next) {
        if (e->hash == hash && e->klen == klen
            && !memcmp(e->key, key, klen)) {
            return e;
        }
    }
    return NULL;
}

static void index_remove(bantin_cache *c, entry *e)
{
    entry **at = bucket_of(c, e->hash);

    while (*at != e) {
        at = &(*at)->next;
    }
    *at = e->next;
    e->next = NULL;
}

/* Twice the buckets when there are more entries than buckets; without
 * memory for that, chains just get longer. */
static void index_grow(bantin_cache *c)
{
    apr_size_t n = c->nbuckets * 2, i;
    entry **b = calloc(n, sizeof(*b));

    if (!b) {
        return;
    }
    for (i = 0; i < c->nbuckets; i++) {
        entry *e = c->buckets[i];
        while (e) {
            entry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

/* ---- the LRU list ---- */

static void unlink_entry(bantin_cache *c, entry *e)
{
    if (e->newer) {
        e->newer->older = e->older;
    }
    else {
        c->newest = e->older;
    }
    if (e->older) {
        e->older->newer = e->newer;
    }
    else {
        c->oldest = e->newer;
    }
    e->newer = e->older = NULL;
}

static void push_newest(bantin_cache *c, entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest) {
        c->newest->newer = e;
    }
    c->newest = e;
    if (!c->oldest) {
        c->oldest = e;
    }
}

static void evict(bantin_cache *c, entry *e)
{
    unlink_entry(c, e);
    index_remove(c, e);
    c->bytes -= e->size;
    c->entries--;
    if (e->refs) {
        e->gone = 1; /* freed by the last reader's release */
    }
    else {
        free(e);
    }
}

/* ---- reading and writing ---- */

typedef struct {
    bantin_cache *c;
    entry *e;
} held;

static apr_status_t release(void *data)
{
    held *h = data;

    apr_thread_mutex_lock(h->c->lock);
    if (!--h->e->refs && h->e->gone) {
        free(h->e);
    }
    apr_thread_mutex_unlock(h->c->lock);
    return APR_SUCCESS;
}

int bantin_cache_get(bantin_cache *c, const char *key, apr_pool_t *p,
                     int want_gz, bantin_cached *out)
{
    apr_size_t klen;
    apr_uint64_t hash;
    held *h;
    entry *e;

    if (!c) {
        return 0;
    }
    klen = strlen(key);
    hash = c->index_hash(c->secret, key, klen);
    apr_thread_mutex_lock(c->lock);
    if (!(e = find(c, key, klen, hash))) {
        c->misses++;
        apr_thread_mutex_unlock(c->lock);
        return 0;
    }
    c->hits++;
    unlink_entry(c, e);
    push_newest(c, e);
    /* Held, not copied: an eviction meanwhile leaves the block to the
     * last reader, so a hit costs the same for a 5 KB page and an 8 MB
     * sitemap. */
    e->refs++;
    *out = e->page;
    apr_thread_mutex_unlock(c->lock);
    if (!want_gz) {
        out->gz = NULL;
        out->gzlen = 0;
    }
    h = apr_palloc(p, sizeof(*h));
    h->c = c;
    h->e = e;
    apr_pool_cleanup_register(p, h, release, apr_pool_cleanup_null);
    return 1;
}

void bantin_cache_put(bantin_cache *c, const char *key,
                      const bantin_cached *page)
{
    apr_size_t klen = strlen(key);
    apr_size_t size = sizeof(entry) + klen + 1 + page->len
                      + (page->gz ? page->gzlen : 0);
    entry *e, *old;
    char *at;

    if (!c || size > c->max_bytes / 4 || !(e = malloc(size))) {
        return; /* a page too big for the cache is not worth keeping */
    }
    at = (char *)(e + 1);
    e->key = memcpy(at, key, klen + 1);
    e->klen = klen;
    e->hash = c->index_hash(c->secret, key, klen);
    at += klen + 1;
    e->page = *page;
    e->page.body = memcpy(at, page->body, page->len);
    at += page->len;
    e->page.gz = page->gz ? memcpy(at, page->gz, page->gzlen) : NULL;
    e->size = size;
    e->refs = 0;
    e->gone = 0;
    e->next = NULL;

    apr_thread_mutex_lock(c->lock);
    if ((old = find(c, key, klen, e->hash)) != NULL) {
        evict(c, old); /* two threads rendered the same page at once */
    }
    while (c->oldest && c->bytes + size > c->max_bytes) {
        evict(c, c->oldest);
    }
    e->next = *bucket_of(c, e->hash);
    *bucket_of(c, e->hash) = e;
    push_newest(c, e);
    c->bytes += size;
    if (++c->entries > c->nbuckets) {
        index_grow(c);
    }
    apr_thread_mutex_unlock(c->lock);
}

void bantin_cache_skip(bantin_cache *c)
{
    if (!c) {
        return;
    }
    apr_thread_mutex_lock(c->lock);
    c->skipped++;
    apr_thread_mutex_unlock(c->lock);
}

void bantin_cache_stats(bantin_cache *c, bantin_cache_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!c) {
        return;
    }
    apr_thread_mutex_lock(c->lock);
    out->entries = c->entries;
    out->bytes = c->bytes;
    out->hits = c->hits;
    out->misses = c->misses;
    out->skipped = c->skipped;
    apr_thread_mutex_unlock(c->lock);
}

const char *bantin_gzip(apr_pool_t *p, const char *data, apr_size_t len,
                        apr_size_t *outlen)
{
    z_stream zs;
    char *out;
    uLong cap;

    memset(&zs, 0, sizeof(zs));
    /* windowBits 15 + 16: a gzip member, as Content-Encoding: gzip wants. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        != Z_OK) {
        return NULL;
    }
    cap = deflateBound(&zs, (uLong)len);
    out = apr_palloc(p, cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        deflateEnd(&zs);
        return NULL;
    }
    *outlen = zs.total_out;
    deflateEnd(&zs);
    return out;
}
