/* bantin_hot.c -- answers given again (see bantin_hot.h). */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "bantin_buf.h"
#include "bantin_hot.h"

/* Headers an answer may have to be kept (a page has seven). */
#define MAX_HEADERS 32

/* One kept answer.  Its strings are one malloc()ed block, each ended by
 * a NUL, in this order: the identity's prefix, path, args and site, the
 * page key, the type, the encoding, then each header's name and value. */
typedef struct {
    apr_uint64_t hash;       /* of the identity; 0: empty */
    bantin_settings set;     /* its strings are the config's, which
                              * outlives this table */
    const void *portal[2];
    int fs_step;
    int gz;
    apr_uint64_t generation;
    apr_time_t epoch;
    int status;
    int conditional;
    apr_time_t modified;
    int nheaders;
    apr_uint32_t always;     /* bit i: header i is marked always */
    unsigned absent;         /* bit 0: no args; bit 1: no encoding */
    char *blob;
    apr_size_t len;
} hot_slot;

struct bantin_hot {
    apr_thread_mutex_t *lock;
    hot_slot *slots;
    apr_size_t mask;
    apr_uint64_t hits, misses;
};

static apr_status_t hot_free(void *data)
{
    bantin_hot *h = data;
    apr_size_t i;

    for (i = 0; i <= h->mask; i++) {
        free(h->slots[i].blob);
    }
    free(h->slots);
    return APR_SUCCESS;
}

bantin_hot *bantin_hot_create(apr_pool_t *p, apr_size_t slots)
{
    bantin_hot *h = apr_pcalloc(p, sizeof(*h));
    apr_size_t n = 1;

    while (n < slots) {
        n <<= 1;
    }
    if (apr_thread_mutex_create(&h->lock, APR_THREAD_MUTEX_DEFAULT, p)
            != APR_SUCCESS
        || !(h->slots = calloc(n, sizeof(*h->slots)))) {
        return NULL;
    }
    h->mask = n - 1;
    apr_pool_cleanup_register(p, h, hot_free, apr_pool_cleanup_null);
    return h;
}

static apr_uint64_t id_hash(const bantin_hot_id *id)
{
    apr_uint64_t x = bantin_hash64(BANTIN_HASH_INIT, id->portal,
                                   sizeof(id->portal));
    apr_int64_t n[4] = {id->fs_step, id->gz, (apr_int64_t)id->generation,
                        id->epoch};

    x = bantin_hash64(x, n, sizeof(n));
    x = bantin_hash_str(x, id->prefix);
    x = bantin_hash_str(x, id->path);
    x = bantin_hash_str(x, id->args);
    x = bantin_hash_str(x, id->site);
    return x | 1; /* 0 is an empty slot */
}

/* The next string of a blob, and the one after it in *at. */
static const char *next_str(const char **at)
{
    const char *s = *at;
    *at += strlen(s) + 1;
    return s;
}

static int next_is(const char **at, const char *s)
{
    return !strcmp(next_str(at), s);
}

const char *bantin_hot_get(bantin_hot *h, const bantin_hot_id *id,
                           apr_pool_t *p, bantin_response *out)
{
    apr_uint64_t hash = id_hash(id);
    hot_slot *s = &h->slots[hash & h->mask], kept = {0};
    const char *at = NULL, *key;
    int i;

    apr_thread_mutex_lock(h->lock);
    if (s->hash == hash && !memcmp(s->portal, id->portal, sizeof(s->portal))
        && s->fs_step == id->fs_step && s->gz == id->gz
        && s->generation == id->generation && s->epoch == id->epoch
        && bantin_settings_same(&s->set, id->set)) {
        kept = *s;
        at = apr_pmemdup(p, s->blob, s->len);
    }
    apr_thread_mutex_unlock(h->lock);
    /* the strings compared in full: identities that hash alike never
     * answer for each other */
    if (!at || !next_is(&at, id->prefix) || !next_is(&at, id->path)
        || !next_is(&at, id->args ? id->args : "")
        || !(kept.absent & 1) != (id->args != NULL)
        || !next_is(&at, id->site)) {
        __atomic_fetch_add(&h->misses, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    key = next_str(&at);
    out->status = kept.status;
    out->ctype = next_str(&at);
    out->encoding = next_str(&at);
    if (kept.absent & 2) {
        out->encoding = NULL;
    }
    out->modified = kept.modified;
    out->conditional = kept.conditional;
    out->headers = apr_array_make(p, kept.nheaders, sizeof(bantin_header));
    for (i = 0; i < kept.nheaders; i++) {
        bantin_header *hd = apr_array_push(out->headers);
        hd->name = next_str(&at);
        hd->value = next_str(&at);
        hd->always = (kept.always >> i) & 1;
    }
    __atomic_fetch_add(&h->hits, 1, __ATOMIC_RELAXED);
    return key;
}

void bantin_hot_put(bantin_hot *h, const bantin_hot_id *id,
                    const char *page_key, const bantin_response *out)
{
    const char *strs[7 + 2 * MAX_HEADERS];
    apr_size_t lens[7 + 2 * MAX_HEADERS], len = 0;
    hot_slot s;
    char *old, *w;
    int n = 0, i;

    if (out->headers->nelts > MAX_HEADERS || out->fd >= 0 || !out->ctype) {
        return;
    }
    memset(&s, 0, sizeof(s));
    s.hash = id_hash(id);
    s.set = *id->set;
    memcpy(s.portal, id->portal, sizeof(s.portal));
    s.fs_step = id->fs_step;
    s.gz = id->gz;
    s.generation = id->generation;
    s.epoch = id->epoch;
    s.status = out->status;
    s.conditional = out->conditional;
    s.modified = out->modified;
    s.nheaders = out->headers->nelts;
    s.absent = (id->args ? 0 : 1) | (out->encoding ? 0 : 2);
    strs[n++] = id->prefix;
    strs[n++] = id->path;
    strs[n++] = id->args ? id->args : "";
    strs[n++] = id->site;
    strs[n++] = page_key;
    strs[n++] = out->ctype;
    strs[n++] = out->encoding ? out->encoding : "";
    for (i = 0; i < out->headers->nelts; i++) {
        const bantin_header *hd = &APR_ARRAY_IDX(out->headers, i,
                                                 bantin_header);
        strs[n++] = hd->name;
        strs[n++] = hd->value;
        s.always |= (apr_uint32_t)(hd->always != 0) << i;
    }
    for (i = 0; i < n; i++) {
        lens[i] = strlen(strs[i]) + 1;
        len += lens[i];
    }
    if (!(s.blob = w = malloc(len))) {
        return;
    }
    for (i = 0; i < n; i++) {
        memcpy(w, strs[i], lens[i]);
        w += lens[i];
    }
    s.len = len;
    apr_thread_mutex_lock(h->lock);
    old = h->slots[s.hash & h->mask].blob;
    h->slots[s.hash & h->mask] = s;
    apr_thread_mutex_unlock(h->lock);
    free(old);
}

void bantin_hot_stats(bantin_hot *h, apr_uint64_t *hits,
                      apr_uint64_t *misses)
{
    *hits = __atomic_load_n(&h->hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&h->misses, __ATOMIC_RELAXED);
}
