/* micro.c -- the core's cost per page, without httpd.
 *
 *   build/bench/micro [-n ITERATIONS] [-s SRCDIR] [-o PAGE.html] [-j]
 *
 * Parses and renders the seed article (SRCDIR/content/2024/
 * giup-do-xa-kho-khan.xml with SRCDIR/templates/, SRCDIR defaulting to
 * the current directory) with build/libbantin.a, the way mod_bantin does:
 * parse + validate + sanitise into a pool, pack into one malloc()ed block,
 * render into a request-like pool that is cleared between pages.  Prints,
 * for each phase, nanoseconds per page (median of 5 rounds) and
 * allocations per page:
 *
 *   malloc    calls of malloc/calloc/realloc/posix_memalign/aligned_alloc
 *             by anyone in the process (our code, libxml2, APR's
 *             allocator), counted by defining those functions here: an
 *             executable's definitions take precedence over libc's for every
 *             shared library, and the real ones are glibc's __libc_*;
 *   apr_palloc  calls of apr_palloc/apr_pcalloc, counted the same way (libapr
 *             calls apr_palloc through its PLT, so apr_pstrdup, apr_pstrcat
 *             and friends are counted too; apr_psprintf and apr_pvsprintf
 *             write into the pool directly and are not).
 *
 * When the core has the page cache (bantin_cache.h), three more phases:
 * gzip of the page (what a cache miss adds) and a cache hit with and
 * without the gzip form (what a request costs in the module's steady
 * state).
 *
 * -o writes the rendered page (font step 4, as with Cookie: bantin_fs=4)
 * so that bench/run.py can check it is the module's page byte for byte.
 * -j prints one JSON object instead of the table.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "bantin_article.h"
#include "bantin_render.h"
#if __has_include("bantin_cache.h")
#include "bantin_cache.h"
#define HAVE_CACHE 1
#endif

/* ---- counting allocators ------------------------------------------------ */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static struct counts {
    unsigned long long malloc_calls, malloc_bytes, frees;
    unsigned long long palloc_calls, palloc_bytes;
} cnt;
static int counting;

void *malloc(size_t n)
{
    if (counting) {
        cnt.malloc_calls++;
        cnt.malloc_bytes += n;
    }
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (counting) {
        cnt.malloc_calls++;
        cnt.malloc_bytes += a * b;
    }
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (counting) {
        cnt.malloc_calls++;
        cnt.malloc_bytes += n;
    }
    return __libc_realloc(p, n);
}

void free(void *p)
{
    if (counting && p) {
        cnt.frees++;
    }
    __libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p;
    if (counting) {
        cnt.malloc_calls++;
        cnt.malloc_bytes += n;
    }
    p = __libc_memalign(align, n);
    if (!p) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    if (counting) {
        cnt.malloc_calls++;
        cnt.malloc_bytes += n;
    }
    return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
    return aligned_alloc(align, n);
}

static void *(*real_palloc)(apr_pool_t *, apr_size_t);
static void *(*real_pcalloc)(apr_pool_t *, apr_size_t);

void *apr_palloc(apr_pool_t *p, apr_size_t n)
{
    if (counting) {
        cnt.palloc_calls++;
        cnt.palloc_bytes += n;
    }
    return real_palloc(p, n);
}

#undef apr_pcalloc
void *apr_pcalloc(apr_pool_t *p, apr_size_t n)
{
    if (counting) {
        cnt.palloc_calls++;
        cnt.palloc_bytes += n;
    }
    return real_pcalloc(p, n);
}

/* ---- the benchmark -------------------------------------------------------- */

#define SEED_SLUG "2024/giup-do-xa-kho-khan"
#define ROUNDS 5

static const char *const sizes[] = {"0.875", "1", "1.125", "1.375", "1.75"};

typedef struct ctx {
    apr_pool_t *root, *iter;
    bantin_schema *schema;
    bantin_theme *theme;
    bantin_view view;
    const char *file, *data;
    apr_size_t len;
    bantin_article *packed;
    const bantin_article *items[10];
    apr_size_t page_len, list_len;
    const char *page;
#ifdef HAVE_CACHE
    bantin_cache *cache;
#endif
} ctx;

typedef enum { PH_PARSE, PH_RENDER, PH_PARSE_RENDER, PH_LIST, PH_GZIP,
               PH_HIT_GZ, PH_HIT, PH__COUNT } phase_e;

static const char *const phase_names[] = {
    "parse (+validate, sanitise)", "render article page",
    "parse + render", "render home list (10 items)",
    "gzip the page (cache miss)", "cache hit, copy page + gzip",
    "cache hit, copy page only"};
static const char *const phase_keys[] = {"parse", "render", "parse_render",
                                         "list", "gzip", "hit_gz", "hit"};

static void die(const char *what, const char *why)
{
    fprintf(stderr, "micro: %s: %s\n", what, why);
    exit(1);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void one(ctx *c, phase_e ph)
{
    bantin_article *a;
    bantin_problem pr;
    bantin_page pg;

    apr_pool_clear(c->iter);
    switch (ph) {
    case PH_PARSE:
    case PH_PARSE_RENDER:
        if (bantin_article_parse(c->iter, c->schema, c->file, c->data, c->len,
                                 c->view.tz_min, &a, &pr) != APR_SUCCESS) {
            die(c->file, bantin_problem_str(c->iter, &pr));
        }
        if (ph == PH_PARSE_RENDER) {
            a->slug = SEED_SLUG;
            bantin_render_article(c->iter, c->theme, &c->view, a, &pg);
            if (pg.len != c->page_len) {
                die("parse + render", "page length changed");
            }
        }
        break;
    case PH_RENDER:
        bantin_render_article(c->iter, c->theme, &c->view, c->packed, &pg);
        if (pg.len != c->page_len) {
            die("render", "page length changed");
        }
        break;
    case PH_LIST:
        bantin_render_list(c->iter, c->theme, &c->view, c->items, 10, 1, 1,
                           &pg);
        break;
#ifdef HAVE_CACHE
    case PH_GZIP: {
        apr_size_t gzlen;
        if (!bantin_gzip(c->iter, c->page, c->page_len, &gzlen)) {
            die("gzip", "failed");
        }
        break;
    }
    case PH_HIT_GZ:
    case PH_HIT: {
        bantin_cached hit;
        if (!bantin_cache_get(c->cache, "micro-key", c->iter, ph == PH_HIT_GZ,
                              &hit) || hit.len != c->page_len) {
            die("cache", "no hit");
        }
        break;
    }
#endif
    default:
        break;
    }
}

typedef struct result {
    double ns;                 /* median over ROUNDS */
    double ns_min;
    double mallocs, malloc_bytes, pallocs, palloc_bytes;
} result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static result measure(ctx *c, phase_e ph, long n)
{
    result r;
    double t[ROUNDS];
    long i, per = n / ROUNDS > 0 ? n / ROUNDS : 1;
    int k;

    for (i = 0; i < per / 10 + 10; i++) { /* warm the pool and caches */
        one(c, ph);
    }
    for (k = 0; k < ROUNDS; k++) {
        double t0 = now_ns();
        for (i = 0; i < per; i++) {
            one(c, ph);
        }
        t[k] = (now_ns() - t0) / (double)per;
    }
    qsort(t, ROUNDS, sizeof(t[0]), cmp_double);
    r.ns = t[ROUNDS / 2];
    r.ns_min = t[0];

    /* Allocations in steady state: the iteration pool is cleared, not
     * destroyed, between pages, as httpd recycles its request pools' blocks. */
    memset(&cnt, 0, sizeof(cnt));
    counting = 1;
    for (i = 0; i < per; i++) {
        one(c, ph);
    }
    counting = 0;
    r.mallocs = (double)cnt.malloc_calls / (double)per;
    r.malloc_bytes = (double)cnt.malloc_bytes / (double)per;
    r.pallocs = (double)cnt.palloc_calls / (double)per;
    r.palloc_bytes = (double)cnt.palloc_bytes / (double)per;
    return r;
}

static void usage(void)
{
    fprintf(stderr, "usage: micro [-n ITERATIONS] [-s SRCDIR] "
                    "[-o PAGE.html] [-j]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    ctx c;
    const char *srcdir = ".", *err = NULL, *out = NULL;
    long n = 20000;
    int json = 0, opt;
    bantin_problem pr;
    bantin_article *a;
    bantin_page pg;
    result res[PH__COUNT];
    int i, nph = PH_LIST + 1;

    while ((opt = getopt(argc, argv, "n:s:o:j")) != -1) {
        switch (opt) {
        case 'n': n = atol(optarg); break;
        case 's': srcdir = optarg; break;
        case 'o': out = optarg; break;
        case 'j': json = 1; break;
        default: usage();
        }
    }
    if (n < 1) {
        usage();
    }
    real_palloc = (void *(*)(apr_pool_t *, apr_size_t))dlsym(RTLD_NEXT,
                                                             "apr_palloc");
    real_pcalloc = (void *(*)(apr_pool_t *, apr_size_t))dlsym(RTLD_NEXT,
                                                              "apr_pcalloc");
    if (!real_palloc || !real_pcalloc) {
        die("dlsym", "apr_palloc not found");
    }

    memset(&c, 0, sizeof(c));
    apr_initialize();
    apr_pool_create(&c.root, NULL);
    apr_pool_create(&c.iter, c.root);
    if (!(c.schema = bantin_schema_load(c.root, &err))) {
        die("schema", err ? err : "?");
    }
    if ((err = bantin_theme_load(c.root, apr_pstrcat(c.root, srcdir,
                                                     "/templates", NULL),
                                 &c.theme))) {
        die("templates", err);
    }
    c.file = apr_pstrcat(c.root, srcdir, "/content/" SEED_SLUG ".xml", NULL);
    if (bantin_article_read(c.root, c.file, &c.data, &c.len, &pr)
        != APR_SUCCESS) {
        die(c.file, bantin_problem_str(c.root, &pr));
    }
    c.view.base = "/portal";
    c.view.portal_name = "Bản tin";
    c.view.tz_min = 7 * 60;
    c.view.fs_count = (int)(sizeof(sizes) / sizeof(sizes[0]));
    c.view.fs_rem = sizes;
    c.view.fs_step = 4; /* Cookie: bantin_fs=4 */
    c.view.fs_cookie = "bantin_fs";

    if (bantin_article_parse(c.root, c.schema, c.file, c.data, c.len,
                             c.view.tz_min, &a, &pr) != APR_SUCCESS) {
        die(c.file, bantin_problem_str(c.root, &pr));
    }
    if (!(c.packed = bantin_article_pack(a, SEED_SLUG))) {
        die("pack", "out of memory");
    }
    for (i = 0; i < 10; i++) {
        c.items[i] = c.packed;
    }
    bantin_render_article(c.root, c.theme, &c.view, c.packed, &pg);
    c.page_len = pg.len;
    if (out) {
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(pg.data, 1, pg.len, f) != pg.len || fclose(f)) {
            die(out, strerror(errno));
        }
    }
    c.page = pg.data;
    bantin_render_list(c.root, c.theme, &c.view, c.items, 10, 1, 1, &pg);
    c.list_len = pg.len;
#ifdef HAVE_CACHE
    {
        /* The module's page cache, holding the page and its gzip form. */
        bantin_cached put;
        memset(&put, 0, sizeof(put));
        put.body = c.page;
        put.len = c.page_len;
        put.gz = bantin_gzip(c.root, c.page, c.page_len, &put.gzlen);
        put.tag = 1;
        if (!(c.cache = bantin_cache_create(c.root, 64 * 1024 * 1024))) {
            die("cache", "cannot create");
        }
        bantin_cache_put(c.cache, "micro-key", &put);
        nph = PH__COUNT;
    }
#endif

    for (i = 0; i < nph; i++) {
        res[i] = measure(&c, (phase_e)i, i == PH_PARSE || i == PH_PARSE_RENDER
                                             ? n / 4 + 1 : n);
    }

    if (json) {
        printf("{\"input_bytes\": %lu, \"page_bytes\": %lu, "
               "\"list_bytes\": %lu",
               (unsigned long)c.len, (unsigned long)c.page_len,
               (unsigned long)c.list_len);
        for (i = 0; i < nph; i++) {
            printf(", \"%s\": {\"ns\": %.0f, \"ns_min\": %.0f, "
                   "\"mallocs\": %.2f, \"malloc_bytes\": %.0f, "
                   "\"pallocs\": %.2f, \"palloc_bytes\": %.0f}",
                   phase_keys[i], res[i].ns, res[i].ns_min, res[i].mallocs,
                   res[i].malloc_bytes, res[i].pallocs, res[i].palloc_bytes);
        }
        printf("}\n");
    }
    else {
        printf("seed article: %lu bytes of XML -> %lu bytes of HTML "
               "(home list of 10: %lu bytes)\n",
               (unsigned long)c.len, (unsigned long)c.page_len,
               (unsigned long)c.list_len);
        printf("%-30s %10s %10s %9s %10s %9s %10s\n", "phase", "ns/page",
               "min ns", "mallocs", "bytes", "pallocs", "bytes");
        for (i = 0; i < nph; i++) {
            printf("%-30s %10.0f %10.0f %9.1f %10.0f %9.1f %10.0f\n",
                   phase_names[i], res[i].ns, res[i].ns_min, res[i].mallocs,
                   res[i].malloc_bytes, res[i].pallocs, res[i].palloc_bytes);
        }
    }
    bantin_article_free(c.packed);
    apr_pool_destroy(c.root);
    apr_terminate();
    return 0;
}
