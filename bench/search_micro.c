/* search_micro.c -- the search index's cost without httpd.
 *
 *   build/bench/search-micro CONTENT_DIR INDEX [QUERIES] [-r ROUNDS] [-Q] [-v]
 *
 * Loads CONTENT_DIR into a store as the module does, brings the index
 * file INDEX in line with it (bantin_search_sync: from cold when INDEX
 * does not exist, which is the indexing time of the issue; the sync
 * pauses between its batches for page serving, and that pause is in the
 * figure), then runs each query of the file QUERIES (one a line,
 * "kind<TAB>query", or just the query) ROUNDS times (default 5) and
 * prints per query the median time of bantin_search_query for the first
 * page of 10 results and the match count (+: more match than are ranked), then the median and p95 over
 * all queries and per kind.  -Q skips the load and the sync: queries
 * only, on the index as it is (for profiling them).  -v also prints the
 * first page's slugs.  What HTTP adds is measured by
 * bench/search_bench.py; this isolates the engine, so that changes to
 * the ranking are compared on the same index without network noise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "bantin_article.h"
#include "bantin_log.h"
#include "bantin_search.h"
#include "bantin_store.h"

static void log_stderr(void *baton, bantin_log_level_e level,
                       const char *msg)
{
    (void)baton;
    if (level <= BANTIN_LOG_WARN) {
        fprintf(stderr, "%s\n", msg);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n ? v[(int)(q * (n - 1) + 0.5)] : 0;
}

typedef struct {
    char kind[64];
    char text[1024];
    double ms;
    apr_size_t total;
} query;

static int read_queries(const char *file, query **out)
{
    FILE *f = fopen(file, "r");
    char line[1200];
    int n = 0, cap = 64;
    query *q = malloc(sizeof(*q) * (size_t)cap);

    if (!f) {
        perror(file);
        exit(1);
    }
    while (fgets(line, sizeof(line), f)) {
        char *tab = strchr(line, '\t');
        line[strcspn(line, "\n")] = '\0';
        if (!*line) {
            continue;
        }
        if (n == cap) {
            q = realloc(q, sizeof(*q) * (size_t)(cap *= 2));
        }
        if (tab) {
            *tab = '\0';
            apr_cpystrn(q[n].kind, line, sizeof(q[n].kind));
            apr_cpystrn(q[n].text, tab + 1, sizeof(q[n].text));
        }
        else {
            apr_cpystrn(q[n].kind, "query", sizeof(q[n].kind));
            apr_cpystrn(q[n].text, line, sizeof(q[n].text));
        }
        n++;
    }
    fclose(f);
    *out = q;
    return n;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p, *qp;
    const bantin_schema *schema;
    bantin_store *store;
    bantin_search *search;
    const char *err = NULL, *files[3] = {NULL, NULL, NULL};
    apr_time_t t0;
    int rounds = 5, nfiles = 0, i, queries_only = 0, verbose = 0;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-Q")) {
            queries_only = 1;
        }
        else if (!strcmp(argv[i], "-v")) {
            verbose = 1;
        }
        else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        }
        else if (nfiles < 3) {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles < 2 || rounds < 1) {
        fprintf(stderr, "usage: %s CONTENT_DIR INDEX [QUERIES] [-r ROUNDS] [-Q] [-v]\n",
                argv[0]);
        return 2;
    }
    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    bantin_log_set(log_stderr, NULL);
    if (!(schema = bantin_schema_load(p, &err))) {
        fprintf(stderr, "schema: %s\n", err);
        return 1;
    }
    t0 = apr_time_now();
    if (!queries_only && bantin_store_create(&store, p, files[0], schema, 7 * 60,
                            apr_time_from_sec(1), NULL) != APR_SUCCESS) {
        fprintf(stderr, "%s: cannot load\n", files[0]);
        return 1;
    }
    printf("load: %.2f s\n", (double)(apr_time_now() - t0) / 1e6);
    t0 = apr_time_now();
    if (bantin_search_prepare(p, files[1], &err) != APR_SUCCESS
        || !(search = bantin_search_open(p, files[1], &err))) {
        fprintf(stderr, "index: %s\n", err);
        return 1;
    }
    printf("prepare + open: %.3f s\n", (double)(apr_time_now() - t0) / 1e6);
    t0 = apr_time_now();
    if (!queries_only) {
        apr_size_t wrote = bantin_search_sync(search, store);
        printf("sync: %lu articles written in %.2f s\n",
               (unsigned long)wrote, (double)(apr_time_now() - t0) / 1e6);
    }
    if (files[2]) {
        query *qs;
        int n = read_queries(files[2], &qs), k, r;
        double *all = malloc(sizeof(double) * (size_t)(n + 1));
        double *times = malloc(sizeof(double) * (size_t)rounds);

        apr_pool_create(&qp, p);
        for (k = 0; k < n; k++) {
            bantin_query q = {qs[k].text, NULL, 0, 0, apr_time_now(), NULL,
                              NULL};
            apr_size_t more = 0;
            for (r = 0; r < rounds; r++) {
                apr_array_header_t *slugs = apr_array_make(qp, 10,
                                                           sizeof(char *));
                apr_time_t t = apr_time_now();
                bantin_search_query(search, qp, &q, 0, 10, slugs,
                                    &qs[k].total, &more);
                times[r] = (double)(apr_time_now() - t) / 1e3;
                for (i = 0; verbose && r == 0 && i < slugs->nelts; i++) {
                    printf("    %s\n", APR_ARRAY_IDX(slugs, i, const char *));
                }
                apr_pool_clear(qp);
            }
            qs[k].ms = all[k] = quantile(times, rounds, 0.5);
            printf("%8.2f ms %7lu%s %-24s %s\n", qs[k].ms,
                   (unsigned long)qs[k].total, more ? "+" : " ", qs[k].kind,
                   qs[k].text);
        }
        printf("all %d queries: median %.2f ms, p95 %.2f ms, max %.2f ms\n",
               n, quantile(all, n, 0.5), quantile(all, n, 0.95),
               quantile(all, n, 1.0));
        for (k = 0; k < n; k++) {
            int m = 0, j, seen = 0;
            for (j = 0; j < k && !seen; j++) {
                seen = !strcmp(qs[j].kind, qs[k].kind);
            }
            if (seen) {
                continue;
            }
            for (j = k; j < n; j++) {
                if (!strcmp(qs[j].kind, qs[k].kind)) {
                    all[m++] = qs[j].ms;
                }
            }
            printf("  %-24s n=%-3d median %7.2f ms, max %7.2f ms\n",
                   qs[k].kind, m, quantile(all, m, 0.5),
                   quantile(all, m, 1.0));
        }
    }
    return 0;
}
