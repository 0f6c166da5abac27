/* bantin_check.c -- the editors' checker: bantin-check FILE|DIR ...
 *
 * Runs the very parser and validator the module runs, and prints each
 * problem as "file:line:col: message" (the form compilers use, so editors
 * can jump to it), then one summary line.  Exits 1 when anything is wrong,
 * 2 on bad usage.  With -q only problems are printed; -h or --help prints
 * the usage.  What the server's User (--user NAME, www-data by default)
 * could not read is a problem too: the portal serves none of it.  A folder is walked with the portal's own walk (bantin_fs.h):
 * the same files, the same depth limit, no symbolic link followed.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "bantin_article.h"
#include "bantin_fs.h"
#include "bantin_log.h"
#include "bantin_store.h"

typedef struct {
    apr_pool_t *pool;
    bantin_schema *schema;
    int quiet;
    int good, bad;
    int skipped;              /* folders too deep to be read */
    const bantin_fs_reader *user; /* the server's User, or NULL */
} checker;

/* What the checker says of a file or folder the server's User could not
 * read (the portal serves nothing of it), as a (Vietnamese, English) pair:
 * the one place these texts live.  The Vietnamese is printed. */
typedef struct {
    const char *vi, *en;
} message_pair;
static const message_pair user_cannot_read_file = {
    "máy chủ (%s) không đọc được tệp này",
    "the server's User (%s) cannot read this file"};
static const message_pair user_cannot_read_folder = {
    "máy chủ (%s) không đọc được thư mục này",
    "the server's User (%s) cannot read this folder"};

/* Says that the server's User cannot read path (a folder when its name
 * ends in '/'); counts it as a problem. */
static void user_cannot_read(checker *ck, const char *path,
                             const message_pair *m)
{
    printf("%s: ", path);
    printf(m->vi, ck->user->name);
    printf("\n");
    ck->bad++;
}

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

/* Prints what the portal would make of one file: a (or NULL and pr). */
static void report(checker *ck, apr_pool_t *tmp, const char *path,
                   const bantin_article *a, const bantin_problem *pr,
                   const char *slug)
{
    if (!a) {
        printf("%s\n", bantin_problem_str(tmp, pr));
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
}

/* A pool for one file's work, or NULL when memory ran out (then the
 * file counts as bad: a check that could not look never says "ok"). */
static apr_pool_t *scratch(checker *ck, const char *what)
{
    apr_pool_t *tmp;

    if (apr_pool_create(&tmp, ck->pool) != APR_SUCCESS) {
        printf("%s: out of memory\n", what);
        ck->bad++;
        return NULL;
    }
    return tmp;
}

static void check_file(checker *ck, const char *path, const char *slug)
{
    apr_pool_t *tmp;
    bantin_article *a;
    bantin_problem pr;

    struct stat st;

    if (ck->user && stat(path, &st) == 0
        && !bantin_fs_reader_may(ck->user, &st)) {
        user_cannot_read(ck, path, &user_cannot_read_file);
        return;
    }
    if (!(tmp = scratch(ck, path))) {
        return;
    }
    if (bantin_article_load(tmp, ck->schema, path, BANTIN_TZ_DEFAULT_MIN, &a,
                            &pr) != APR_SUCCESS) {
        a = NULL;
    }
    report(ck, tmp, path, a, &pr, slug);
    apr_pool_destroy(tmp);
}

/* A content dir's walk: the portal's own (bantin_fs_walk), so the checker
 * sees exactly the files the portal sees. */
typedef struct {
    checker *ck;
    const char *top;          /* the folder as given, without a final '/' */
} dir_walk;

static const char *below_top(apr_pool_t *p, const dir_walk *dw,
                             const char *rel)
{
    return apr_pstrcat(p, dw->top, "/", rel, NULL);
}

static void walk_file(void *baton, void *folder, int dirfd, const char *name,
                      const char *rel, int is_link)
{
    dir_walk *dw = baton;
    apr_pool_t *tmp;
    const char *data, *path;
    apr_size_t len;
    bantin_article *a = NULL;
    bantin_problem pr;

    if (!(tmp = scratch(dw->ck, rel))) {
        return;
    }
    path = below_top(tmp, dw, rel);
    if (!is_link && !bantin_fs_reader_may_at(dw->ck->user, dirfd, name)) {
        user_cannot_read(dw->ck, path, &user_cannot_read_file);
        apr_pool_destroy(tmp);
        return;
    }
    /* read as the portal reads it: a link is reported, not followed */
    if (bantin_article_read_at(tmp, dirfd, name, path, &data, &len, &pr)
            != APR_SUCCESS
        || bantin_article_parse(tmp, dw->ck->schema, path, data, len,
                                BANTIN_TZ_DEFAULT_MIN, &a, &pr)
               != APR_SUCCESS) {
        a = NULL;
    }
    report(dw->ck, tmp, path, a, &pr, bantin_slug_from_path(tmp, rel));
    apr_pool_destroy(tmp);
}

static void walk_too_deep(void *baton, const char *rel)
{
    dir_walk *dw = baton;
    apr_pool_t *tmp;

    if (!(tmp = scratch(dw->ck, rel))) {
        return;
    }
    printf("%s: deeper than %d folders, not read (the portal skips it "
           "too)\n", below_top(tmp, dw, rel), BANTIN_FS_MAX_DEPTH);
    dw->ck->skipped++;
    apr_pool_destroy(tmp);
}

/* A folder the server's User cannot list: the portal serves nothing in
 * it, so neither is it walked here. */
static int walk_unreadable(void *baton, int parentfd, const char *name,
                           const char *rel)
{
    dir_walk *dw = baton;
    apr_pool_t *tmp;

    if ((tmp = scratch(dw->ck, rel)) != NULL) {
        user_cannot_read(dw->ck, apr_pstrcat(tmp, below_top(tmp, dw, rel),
                                             "/", NULL),
                         &user_cannot_read_folder);
        apr_pool_destroy(tmp);
    }
    return 0;
}

/* Walks a content dir the way the portal does, slugs relative to top. */
static void check_dir(checker *ck, const char *dir)
{
    dir_walk dw;
    bantin_walker w = {NULL, walk_file, walk_too_deep, &dw};
    apr_size_t n = strlen(dir);
    int fd;

    while (n > 1 && dir[n - 1] == '/') {
        n--; /* "content/" prints as "content/2024/x.xml" */
    }
    dw.ck = ck;
    dw.top = n == 1 && dir[0] == '/' ? "" : apr_pstrmemdup(ck->pool, dir, n);
    if ((fd = bantin_fs_open_top(dir)) < 0
        || bantin_fs_walk_as(ck->pool, fd, "", &w, ck->user,
                             ck->user ? walk_unreadable : NULL) != 0) {
        printf("%s: cannot open folder\n", dir);
        ck->bad++;
    }
    if (fd >= 0) {
        close(fd);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bantin-check [-q] [--user NAME] FILE.xml|DIR ...\n"
            "Checks articles with the portal's own parser and schema, and "
            "walks a DIR as the\nportal walks its content dir.  Prints "
            "\"FILE: ok: ...\" per good article and\n\"FILE:LINE:COL: "
            "message\" per problem, then a summary line.\n"
            "  -q          print problems only\n"
            "  --user NAME the server's User (default www-data): says what "
            "it could not\n              read (the portal serves none of "
            "it)\n"
            "  -h, --help  print this help\n"
            "Exit status: 0 all good, 1 problems found, 2 bad usage.\n");
}

int main(int argc, const char *const *argv)
{
    checker ck = {0};
    const char *err = NULL, *user = "www-data";
    struct passwd *pw;
    int i, first = 1, user_given = 0;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&ck.pool, NULL) != APR_SUCCESS) {
        fprintf(stderr, "bantin-check: out of memory\n");
        return 2;
    }
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[first], "--")) {
            first++;
            break;
        }
        if (!strcmp(argv[first], "--user") && first + 1 < argc) {
            user = argv[++first];
            user_given = 1;
            continue;
        }
        if (strcmp(argv[first], "-q")) {
            fprintf(stderr, "bantin-check: unknown option %s\n",
                    argv[first]);
            usage(stderr);
            return 2;
        }
        ck.quiet = 1;
    }
    if (argc <= first) {
        usage(stderr);
        return 2;
    }
    if ((pw = getpwnam(user)) != NULL) {
        ck.user = bantin_fs_reader_make(ck.pool, user, pw->pw_uid,
                                        pw->pw_gid);
    }
    else if (user_given) {
        fprintf(stderr, "bantin-check: no such user: %s\n", user);
        return 2;
    } /* else no www-data here: nothing to say about it */
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
            check_dir(&ck, argv[i]);
        }
        else {
            /* A single file: its slug is its base name. */
            const char *base = strrchr(argv[i], '/');
            check_file(&ck, argv[i],
                       bantin_slug_from_path(ck.pool, base ? base + 1
                                                           : argv[i]));
        }
    }
    printf("%d file%s checked: %d ok, %d with problems", ck.good + ck.bad,
           ck.good + ck.bad == 1 ? "" : "s", ck.good, ck.bad);
    if (ck.skipped) {
        printf("; %d folder%s too deep, not read", ck.skipped,
               ck.skipped == 1 ? "" : "s");
    }
    printf("\n");
    apr_pool_destroy(ck.pool);
    apr_terminate();
    return ck.bad || ck.skipped ? 1 : 0;
}
