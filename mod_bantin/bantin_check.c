/* bantin_check.c -- the editors' checker: bantin-check FILE|DIR ...
 *
 * Runs the very parser and validator the module runs, and prints each
 * problem as "file:line:col: message" (the form compilers use, so editors
 * can jump to it), then one summary line.  Exits 1 when anything is wrong,
 * 2 on bad usage.  With -q only problems are printed.
 */
#include <stdio.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "bantin_article.h"
#include "bantin_log.h"
#include "bantin_store.h"

typedef struct {
    apr_pool_t *pool;
    bantin_schema *schema;
    int quiet;
    int good, bad;
} checker;

/* What the portal would do with a good article, now. */
static const char *publication(apr_pool_t *p, const bantin_article *a,
                               apr_time_t now)
{
    char dmy[11], stamp[APR_RFC822_DATE_LEN];
    const char *state;

    bantin_date_format_dmy(&a->date, BANTIN_TZ_DEFAULT_MIN, dmy);
    apr_rfc822_date(stamp, a->date.when);
    if (a->draft) {
        state = "hidden: draft";
    }
    else if (a->date.when > now) {
        state = apr_pstrcat(p, "hidden until ", stamp, NULL);
    }
    else if (a->expires && a->expires <= now) {
        char until[APR_RFC822_DATE_LEN];
        apr_rfc822_date(until, a->expires);
        state = apr_pstrcat(p, "hidden: expired ", until, NULL);
    }
    else {
        state = "visible now";
    }
    return apr_psprintf(p, "dated %s (published %s), %s", dmy, stamp, state);
}

static void check_file(checker *ck, const char *path, const char *slug)
{
    apr_pool_t *tmp;
    bantin_article *a;
    bantin_problem pr;

    if (apr_pool_create(&tmp, ck->pool) != APR_SUCCESS) {
        printf("%s: out of memory\n", path);
        ck->bad++;
        return;
    }
    if (bantin_article_load(tmp, ck->schema, path, BANTIN_TZ_DEFAULT_MIN, &a,
                            &pr) != APR_SUCCESS) {
        printf("%s\n", bantin_problem_str(tmp, &pr));
        ck->bad++;
    }
    else if (!slug) {
        printf("%s: the file name must be made of a-z, 0-9 and '-' and end "
               "in .xml, or the portal skips it\n", path);
        ck->bad++;
    }
    else {
        if (!ck->quiet) {
            printf("%s: ok: slug %s, %s\n", path, slug,
                   publication(tmp, a, apr_time_now()));
        }
        ck->good++;
    }
    apr_pool_destroy(tmp);
}

/* Walks a content dir the way the portal does, slugs relative to top. */
static void check_dir(checker *ck, const char *dir, const char *rel)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, ck->pool) != APR_SUCCESS) {
        printf("%s: cannot open folder\n", dir);
        ck->bad++;
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        const char *full, *crel;
        apr_size_t n = strlen(fi.name);
        if (fi.name[0] == '.') {
            continue;
        }
        full = apr_pstrcat(ck->pool, dir, "/", fi.name, NULL);
        crel = *rel ? apr_pstrcat(ck->pool, rel, "/", fi.name, NULL)
                    : fi.name;
        if (fi.filetype == APR_DIR) {
            check_dir(ck, full, crel);
        }
        else if (fi.filetype == APR_REG && n > 4
                 && !strcmp(fi.name + n - 4, ".xml")) {
            check_file(ck, full, bantin_slug_from_path(ck->pool, crel));
        }
    }
    apr_dir_close(d);
}

int main(int argc, const char *const *argv)
{
    checker ck = {0};
    const char *err = NULL;
    int i, first = 1;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&ck.pool, NULL) != APR_SUCCESS) {
        fprintf(stderr, "bantin-check: out of memory\n");
        return 2;
    }
    if (argc > 1 && !strcmp(argv[1], "-q")) {
        ck.quiet = 1;
        first = 2;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: bantin-check [-q] FILE.xml|DIR ...\n");
        return 2;
    }
    if (!(ck.schema = bantin_schema_load(ck.pool, &err))) {
        fprintf(stderr, "bantin-check: %s\n", err);
        return 2;
    }
    for (i = first; i < argc; i++) {
        apr_finfo_t fi;
        if (apr_stat(&fi, argv[i], APR_FINFO_TYPE, ck.pool) != APR_SUCCESS) {
            printf("%s: no such file or folder\n", argv[i]);
            ck.bad++;
        }
        else if (fi.filetype == APR_DIR) {
            check_dir(&ck, argv[i], "");
        }
        else {
            /* A single file: its slug is its base name. */
            const char *base = strrchr(argv[i], '/');
            check_file(&ck, argv[i],
                       bantin_slug_from_path(ck.pool, base ? base + 1
                                                           : argv[i]));
        }
    }
    printf("%d file%s checked: %d ok, %d with problems\n", ck.good + ck.bad,
           ck.good + ck.bad == 1 ? "" : "s", ck.good, ck.bad);
    apr_pool_destroy(ck.pool);
    apr_terminate();
    return ck.bad ? 1 : 0;
}
