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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "bantin_article.h"
#include "bantin_fold.h"
#include "bantin_fs.h"
#include "bantin_log.h"
#include "bantin_names.h"
#include "bantin_store.h"

/* The checker's messages about categories (bantin_names.h), Vietnamese
 * then English, in one place. */
enum {
    MSG_CAT_SPELLING,         /* an article's spelling, the portal's name */
    MSG_CAT_NAMES_OK,         /* the names file, how many names */
    MSG_CAT_WARNINGS          /* the summary's count of warnings */
};
static const char *const cat_msgs[][2] = {
    [MSG_CAT_SPELLING] = {
        "cảnh báo: chuyên mục \"%s\" viết khác với \"%s\" mà cổng dùng",
        "warning: category \"%s\" is spelled differently from \"%s\", "
        "the name the portal uses"},
    [MSG_CAT_NAMES_OK] = {
        "ok: tệp tên chuyên mục, %lu tên",
        "ok: category names file, %lu names"},
    [MSG_CAT_WARNINGS] = {
        "; %d cảnh báo",
        "; %d warning(s)"},
};

/* One article's category as the editor wrote it, for the spelling check
 * once all files of a content dir are read. */
typedef struct {
    const char *path;
    int line, col;            /* of <category> */
    const char *spelling;     /* as written */
    const char *cat_slug;
    const char *slug;         /* the article's, orders it as the portal */
    bantin_article art;       /* what the choice of a name looks at */
} cat_use;

/* The articles of one content dir (or of the files given alone) and its
 * names file. */
typedef struct {
    apr_array_header_t *uses; /* of cat_use */
    bantin_names *names;      /* NULL: none, or broken */
} cat_group;

typedef struct {
    apr_pool_t *pool;
    bantin_schema *schema;
    int quiet;
    int good, bad;
    int skipped;              /* folders too deep to be read */
    int warnings;
    int lang_en;              /* messages in English (else Vietnamese) */
    cat_group loose;          /* files given one by one */
    const bantin_fs_reader *user; /* the server's User, or NULL */
} checker;

static const char *cat_msg(const checker *ck, int id)
{
    return cat_msgs[id][ck->lang_en ? 1 : 0];
}

/* Where "<category" starts in an article's source (1-based line, column
 * in characters), or 0, 0. */
static void category_at(const char *data, apr_size_t len, int *line,
                        int *col)
{
    const char *p, *end = data + len, *bol = data;

    *line = 1;
    *col = 0;
    for (p = data; p + 10 <= end; p++) {
        if (*p == '\n') {
            ++*line;
            bol = p + 1;
        }
        else if (*p == '<' && !memcmp(p + 1, "category", 8)
                 && strchr(" \t\r\n>", p[9])) {
            const char *q;
            *col = 1;
            for (q = bol; q < p; q++) {
                *col += ((unsigned char)*q & 0xC0) != 0x80;
            }
            return;
        }
    }
    *line = 0;
}

/* Notes a good article's category for the spelling check. */
static void note_category(checker *ck, cat_group *g, const char *path,
                          const char *slug, const bantin_article *a,
                          const char *data, apr_size_t len)
{
    cat_use *u;

    if (!a->category_slug || !slug) {
        return;
    }
    u = apr_array_push(g->uses);
    u->path = apr_pstrdup(ck->pool, path);
    category_at(data, len, &u->line, &u->col);
    u->spelling = apr_pstrdup(ck->pool, a->category);
    u->cat_slug = apr_pstrdup(ck->pool, a->category_slug);
    u->slug = apr_pstrdup(ck->pool, slug);
    memset(&u->art, 0, sizeof(u->art));
    u->art.category = u->spelling;
    u->art.date = a->date;
    u->art.expires = a->expires;
    u->art.draft = a->draft;
}

/* By category, then as the portal orders articles: newest first. */
static int use_cmp(const void *x, const void *y)
{
    const cat_use *a = x, *b = y;
    int c = strcmp(a->cat_slug, b->cat_slug);

    if (c) {
        return c;
    }
    if (a->art.date.when != b->art.date.when) {
        return a->art.date.when > b->art.date.when ? -1 : 1;
    }
    return strcmp(a->slug, b->slug);
}

/* Warns of every article that spells its category otherwise (in case,
 * diacritics or spacing) than the name the portal shows it by
 * (bantin_names.h), then forgets the group. */
static void check_spellings(checker *ck, cat_group *g)
{
    cat_use *u = (cat_use *)g->uses->elts;
    apr_size_t n = (apr_size_t)g->uses->nelts, i, j, k;
    apr_time_t now = apr_time_now();
    apr_pool_t *tmp;

    if (!n || apr_pool_create(&tmp, ck->pool) != APR_SUCCESS) {
        return;
    }
    qsort(u, n, sizeof(cat_use), use_cmp);
    for (i = 0; i < n; i = j) {
        const bantin_article **arts = apr_palloc(tmp, sizeof(*arts) * n);
        const char *name = bantin_names_get(g->names, u[i].cat_slug);
        for (j = i; j < n && !strcmp(u[j].cat_slug, u[i].cat_slug); j++) {
            arts[j - i] = &u[j].art; /* drafts too: the choice skips them */
        }
        if (!name) {
            /* the portal's choice, as it would make it now */
            name = bantin_names_choose(tmp, arts, j - i, now);
        }
        /* A names file may rename a category outright (its slug given):
         * then the articles' spelling is no mistake, only its key. */
        if (strcmp(bantin_slugify(tmp, name), u[i].cat_slug)) {
            continue;
        }
        for (k = i; k < j; k++) {
            if (strcmp(u[k].spelling, name)) {
                bantin_problem pr = {u[k].path, u[k].line, u[k].col, NULL};
                pr.message = apr_psprintf(tmp, cat_msg(ck, MSG_CAT_SPELLING),
                                          u[k].spelling, name);
                printf("%s\n", bantin_problem_str(tmp, &pr));
                ck->warnings++;
            }
        }
    }
    apr_pool_destroy(tmp);
    apr_array_clear(g->uses);
}

/* A names file: parsed as the portal parses it. */
static void check_names(checker *ck, cat_group *g, const char *path,
                        const char *data, apr_size_t len)
{
    bantin_problem pr;
    bantin_names *names;
    apr_pool_t *tmp;

    if (apr_pool_create(&tmp, ck->pool) != APR_SUCCESS) {
        printf("%s: out of memory\n", path);
        ck->bad++;
        return;
    }
    if (bantin_names_parse(ck->pool, path, data, len, &names, &pr)
        != APR_SUCCESS) {
        printf("%s\n", bantin_problem_str(tmp, &pr));
        ck->bad++;
    }
    else {
        g->names = names;
        if (!ck->quiet) {
            printf("%s: %s\n", path,
                   apr_psprintf(tmp, cat_msg(ck, MSG_CAT_NAMES_OK),
                                (unsigned long)names->count));
        }
        ck->good++;
    }
    apr_pool_destroy(tmp);
}

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
    const char *data, *base = strrchr(path, '/');
    apr_size_t len;

    struct stat st;

    if (ck->user && stat(path, &st) == 0
        && !bantin_fs_reader_may(ck->user, &st)) {
        user_cannot_read(ck, path, &user_cannot_read_file);
        return;
    }
    if (!(tmp = scratch(ck, path))) {
        return;
    }
    if (bantin_article_read(tmp, path, &data, &len, &pr) != APR_SUCCESS) {
        a = NULL;
    }
    else if (bantin_names_is_file(base ? base + 1 : path)) {
        check_names(ck, &ck->loose, path, data, len);
        apr_pool_destroy(tmp);
        return;
    }
    else if (bantin_article_parse(tmp, ck->schema, path, data, len,
                                  BANTIN_TZ_DEFAULT_MIN, &a, &pr)
             != APR_SUCCESS) {
        a = NULL;
    }
    else {
        note_category(ck, &ck->loose, path, slug, a, data, len);
    }
    report(ck, tmp, path, a, &pr, slug);
    apr_pool_destroy(tmp);
}

/* A content dir's walk: the portal's own (bantin_fs_walk), so the checker
 * sees exactly the files the portal sees. */
typedef struct {
    checker *ck;
    const char *top;          /* the folder as given, without a final '/' */
    cat_group group;
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
        != APR_SUCCESS) {
        a = NULL;
    }
    else if (bantin_names_is_file(rel)) {
        check_names(dw->ck, &dw->group, path, data, len);
        apr_pool_destroy(tmp);
        return;
    }
    else if (bantin_article_parse(tmp, dw->ck->schema, path, data, len,
                                  BANTIN_TZ_DEFAULT_MIN, &a, &pr)
             != APR_SUCCESS) {
        a = NULL;
    }
    else {
        note_category(dw->ck, &dw->group, path,
                      bantin_slug_from_path(tmp, rel), a, data, len);
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
    dw.group.uses = apr_array_make(ck->pool, 64, sizeof(cat_use));
    dw.group.names = NULL;
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
    check_spellings(ck, &dw.group);
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
    ck.loose.uses = apr_array_make(ck.pool, 16, sizeof(cat_use));
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
    check_spellings(&ck, &ck.loose);
    printf("%d file%s checked: %d ok, %d with problems", ck.good + ck.bad,
           ck.good + ck.bad == 1 ? "" : "s", ck.good, ck.bad);
    if (ck.warnings) {
        printf(cat_msg(&ck, MSG_CAT_WARNINGS), ck.warnings);
    }
    if (ck.skipped) {
        printf("; %d folder%s too deep, not read", ck.skipped,
               ck.skipped == 1 ? "" : "s");
    }
    printf("\n");
    apr_pool_destroy(ck.pool);
    apr_terminate();
    return ck.bad || ck.skipped ? 1 : 0;
}
