/* bantin_store.c -- see bantin_store.h. */
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_log.h"
#include "bantin_store.h"

/* Deeper trees than this are almost surely a loop or a mistake. */
#define MAX_DEPTH 32

struct bantin_store {
    apr_pool_t *pool;
    const char *dir;
    const bantin_schema *schema;
    int tz_min;
    bantin_snapshot *snap;
};

int bantin_article_cmp(const bantin_article *a, const bantin_article *b)
{
    if (a->date.when != b->date.when) {
        return a->date.when > b->date.when ? -1 : 1;
    }
    return strcmp(a->slug, b->slug);
}

static int cmp_ptr(const void *x, const void *y)
{
    return bantin_article_cmp(*(const bantin_article *const *)x,
                              *(const bantin_article *const *)y);
}

const char *bantin_slug_from_path(apr_pool_t *p, const char *relpath)
{
    apr_size_t n = strlen(relpath);

    if (n <= 4 || strcmp(relpath + n - 4, ".xml")) {
        return NULL;
    }
    if (!bantin_slug_is_valid(relpath, n - 4)) {
        return NULL;
    }
    return apr_pstrmemdup(p, relpath, n - 4);
}

typedef struct {
    bantin_store *store;
    apr_pool_t *pool;           /* where articles live */
    apr_array_header_t *found;  /* of bantin_article * */
    apr_array_header_t *rejected;
} scan_ctx;

static void reject(scan_ctx *sc, const bantin_problem *pr)
{
    *(bantin_problem *)apr_array_push(sc->rejected) = *pr;
}

static void load_file(scan_ctx *sc, const char *full, const char *rel)
{
    const char *slug = bantin_slug_from_path(sc->pool, rel);
    bantin_article *a;
    bantin_problem pr;

    if (!slug) {
        pr.file = full;
        pr.line = pr.col = 0;
        pr.message = "skipped: file names must be made of a-z, 0-9 and '-' "
                     "(in every folder too) and end in .xml";
        bantin_log(BANTIN_LOG_WARN, "BT0102 %s: %s", full, pr.message);
        reject(sc, &pr);
        return;
    }
    if (bantin_article_load(sc->pool, sc->store->schema, full,
                            sc->store->tz_min, &a, &pr) != APR_SUCCESS) {
        bantin_log(BANTIN_LOG_ERR, "BT0101 %s",
                   bantin_problem_str(sc->pool, &pr));
        reject(sc, &pr);
        return;
    }
    a->slug = slug;
    *(bantin_article **)apr_array_push(sc->found) = a;
}

/* Walks one directory.  Symbolic links are not followed: the content dir
 * is the boundary of what the portal publishes. */
static apr_status_t scan_dir(scan_ctx *sc, apr_pool_t *tmp, const char *full,
                             const char *rel, int depth)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    if (depth > MAX_DEPTH) {
        bantin_log(BANTIN_LOG_WARN, "BT0104 %s: deeper than %d folders, "
                   "not read", full, MAX_DEPTH);
        return APR_SUCCESS;
    }
    if ((rv = apr_dir_open(&d, full, tmp)) != APR_SUCCESS) {
        return rv;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        const char *cfull, *crel;
        if (fi.name[0] == '.') {
            continue; /* ., .., hidden files and editors' temp files */
        }
        cfull = apr_pstrcat(tmp, full, "/", fi.name, NULL);
        crel = *rel ? apr_pstrcat(tmp, rel, "/", fi.name, NULL) : fi.name;
        if (fi.filetype == APR_LNK) {
            bantin_log(BANTIN_LOG_WARN, "BT0103 %s: symbolic link not "
                       "followed", cfull);
        }
        else if (fi.filetype == APR_DIR) {
            apr_status_t crv = scan_dir(sc, tmp, cfull, crel, depth + 1);
            if (crv != APR_SUCCESS) {
                bantin_log(BANTIN_LOG_WARN, "BT0104 %s: folder not read "
                           "(error %d)", cfull, crv);
            }
        }
        else if (fi.filetype == APR_REG) {
            apr_size_t n = strlen(fi.name);
            if (n > 4 && !strcmp(fi.name + n - 4, ".xml")) {
                load_file(sc, apr_pstrdup(sc->pool, cfull), crel);
            }
        }
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

static apr_status_t build_snapshot(bantin_store *s)
{
    apr_pool_t *tmp;
    scan_ctx sc;
    bantin_snapshot *snap;
    apr_size_t i;
    apr_status_t rv;

    apr_pool_create(&tmp, s->pool);
    sc.store = s;
    sc.pool = s->pool;
    sc.found = apr_array_make(s->pool, 64, sizeof(bantin_article *));
    sc.rejected = apr_array_make(s->pool, 4, sizeof(bantin_problem));
    rv = scan_dir(&sc, tmp, s->dir, "", 0);
    apr_pool_destroy(tmp);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    snap = apr_pcalloc(s->pool, sizeof(*snap));
    snap->count = (apr_size_t)sc.found->nelts;
    snap->sorted = (const bantin_article **)sc.found->elts;
    qsort(snap->sorted, snap->count, sizeof(*snap->sorted), cmp_ptr);
    snap->by_slug = apr_hash_make(s->pool);
    for (i = 0; i < snap->count; i++) {
        apr_hash_set(snap->by_slug, snap->sorted[i]->slug,
                     APR_HASH_KEY_STRING, snap->sorted[i]);
    }
    snap->rejected = sc.rejected;
    snap->scanned = apr_time_now();
    s->snap = snap;
    bantin_log(BANTIN_LOG_INFO, "BT0100 %s: %lu articles loaded, %d files "
               "rejected", s->dir, (unsigned long)snap->count,
               sc.rejected->nelts);
    return APR_SUCCESS;
}

apr_status_t bantin_store_create(bantin_store **out, apr_pool_t *p,
                                 const char *dir,
                                 const bantin_schema *schema, int tz_min)
{
    bantin_store *s = apr_pcalloc(p, sizeof(*s));
    apr_status_t rv;

    s->pool = p;
    s->dir = apr_pstrdup(p, dir);
    s->schema = schema;
    s->tz_min = tz_min;
    if ((rv = build_snapshot(s)) == APR_SUCCESS) {
        *out = s;
    }
    return rv;
}

const char *bantin_store_dir(const bantin_store *s)
{
    return s->dir;
}

const bantin_snapshot *bantin_store_snapshot(const bantin_store *s)
{
    return s->snap;
}

const bantin_article *bantin_snapshot_get(const bantin_snapshot *snap,
                                          const char *slug)
{
    return apr_hash_get(snap->by_slug, slug, APR_HASH_KEY_STRING);
}
