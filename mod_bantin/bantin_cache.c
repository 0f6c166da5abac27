/* bantin_cache.c -- see bantin_cache.h. */
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <zlib.h>

#include "bantin_cache.h"

typedef struct entry {
    struct entry *newer, *older;   /* the LRU list */
    char *key;
    apr_size_t size;               /* bytes charged to the cache */
    bantin_cached page;            /* body and gz point into this block */
} entry;

struct bantin_cache {
    apr_thread_mutex_t *lock;
    apr_pool_t *table_pool;        /* own allocator, used under lock */
    apr_hash_t *by_key;
    entry *newest, *oldest;
    apr_size_t bytes, max_bytes, entries;
    apr_uint64_t hits, misses;
};

static apr_status_t cache_cleanup(void *data)
{
    bantin_cache *c = data;
    entry *e = c->newest;

    while (e) {
        entry *next = e->older;
        free(e);
        e = next;
    }
    apr_pool_destroy(c->table_pool);
    return APR_SUCCESS;
}

bantin_cache *bantin_cache_create(apr_pool_t *p, apr_size_t max_bytes)
{
    bantin_cache *c;

    if (!max_bytes) {
        return NULL;
    }
    c = apr_pcalloc(p, sizeof(*c));
    c->max_bytes = max_bytes;
    if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p)
            != APR_SUCCESS
        || apr_pool_create_unmanaged_ex(&c->table_pool, NULL, NULL)
               != APR_SUCCESS) {
        return NULL;
    }
    c->by_key = apr_hash_make(c->table_pool);
    apr_pool_cleanup_register(p, c, cache_cleanup, apr_pool_cleanup_null);
    return c;
}

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
    apr_hash_set(c->by_key, e->key, APR_HASH_KEY_STRING, NULL);
    c->bytes -= e->size;
    c->entries--;
    free(e);
}

int bantin_cache_get(bantin_cache *c, const char *key, apr_pool_t *p,
                     int want_gz, bantin_cached *out)
{
    entry *e;

    if (!c) {
        return 0;
    }
    apr_thread_mutex_lock(c->lock);
    e = apr_hash_get(c->by_key, key, APR_HASH_KEY_STRING);
    if (!e) {
        c->misses++;
        apr_thread_mutex_unlock(c->lock);
        return 0;
    }
    c->hits++;
    unlink_entry(c, e);
    push_newest(c, e);
    /* Copied out under the lock: the entry may be evicted the moment the
     * lock is released, and a page is a few kilobytes. */
    *out = e->page;
    out->body = apr_pmemdup(p, e->page.body, e->page.len);
    out->gz = want_gz && e->page.gz ? apr_pmemdup(p, e->page.gz,
                                                  e->page.gzlen)
                                    : NULL;
    apr_thread_mutex_unlock(c->lock);
    return 1;
}

void bantin_cache_put(bantin_cache *c, const char *key,
                      const bantin_cached *page)
{
    apr_size_t klen = strlen(key) + 1;
    apr_size_t size = sizeof(entry) + klen + page->len
                      + (page->gz ? page->gzlen : 0);
    entry *e, *old;
    char *at;

    if (!c || size > c->max_bytes / 4 || !(e = malloc(size))) {
        return; /* a page too big for the cache is not worth keeping */
    }
    at = (char *)(e + 1);
    e->key = memcpy(at, key, klen);
    at += klen;
    e->page = *page;
    e->page.body = memcpy(at, page->body, page->len);
    at += page->len;
    e->page.gz = page->gz ? memcpy(at, page->gz, page->gzlen) : NULL;
    e->size = size;

    apr_thread_mutex_lock(c->lock);
    if ((old = apr_hash_get(c->by_key, key, APR_HASH_KEY_STRING)) != NULL) {
        evict(c, old); /* two threads rendered the same page at once */
    }
    while (c->oldest && c->bytes + size > c->max_bytes) {
        evict(c, c->oldest);
    }
    apr_hash_set(c->by_key, e->key, APR_HASH_KEY_STRING, e);
    push_newest(c, e);
    c->bytes += size;
    c->entries++;
    apr_thread_mutex_unlock(c->lock);
}

void bantin_cache_stats(bantin_cache *c, apr_size_t *entries,
                        apr_size_t *bytes, apr_uint64_t *hits,
                        apr_uint64_t *misses)
{
    *entries = *bytes = 0;
    *hits = *misses = 0;
    if (!c) {
        return;
    }
    apr_thread_mutex_lock(c->lock);
    *entries = c->entries;
    *bytes = c->bytes;
    *hits = c->hits;
    *misses = c->misses;
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
