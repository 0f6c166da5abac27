/* bantin_check.c -- the editors' checker: bantin-check FILE|DIR ...
 *
 * Runs the very parser and validator the module runs, and prints each
 * problem as "file:line:col: message" (the form compilers use, so editors
 * can jump to it), then one summary line.  Exits 1 when anything is wrong,
 * 2 on bad usage.  With -q only problems are printed; -h or --help prints
 * the usage.  It speaks Vietnamese (--lang en: English), every line from
 * the table of messages (bantin_messages.h), and gives times in the
 * portal's zone (--tz, +07:00 as BantinTimeZone's default).  What the
 * server's User (--user NAME, www-data by default) could not read is a
 * problem too: the portal serves none of it.  A folder is walked with
 * the portal's own walk (bantin_fs.h):
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
#include "bantin_explain.h"
#include "bantin_fold.h"
#include "bantin_fs.h"
#include "bantin_log.h"
#include "bantin_messages.h"
#include "bantin_names.h"
#include "bantin_refs.h"
#include "bantin_store.h"

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
    bantin_lang_e lang;
    int tz_min;               /* the portal's zone: plain dates, times shown */
    int good, bad;
    int warnings;             /* broken references, category spellings */
    int skipped;              /* folders too deep to be read */
    cat_group loose;          /* files given one by one */
    const bantin_fs_reader *user; /* the server's User, or NULL */
} checker;

/* One line of the table in the checker's language. */
#define say(ck, p, ...) bantin_msg((p), (ck)->lang, __VA_ARGS__, NULL)

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
                bantin_problem pr = {.file = u[k].path, .line = u[k].line,
                                     .col = u[k].col,
                                     .msg = BANTIN_MSG_RAW};
                pr.message = say(ck, tmp, BANTIN_MSG_CAT_SPELLING,
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
        printf("%s: %s\n", path,
               bantin_msg_format(BANTIN_MSG_OUT_OF_MEMORY, ck->lang));
        ck->bad++;
        return;
    }
    if (bantin_names_parse(ck->pool, path, data, len, &names, &pr)
        != APR_SUCCESS) {
        printf("%s\n", bantin_problem_text(tmp, &pr, ck->lang));
        ck->bad++;
    }
    else {
        g->names = names;
        if (!ck->quiet) {
            printf("%s: %s\n", path,
                   say(ck, tmp, BANTIN_MSG_CAT_NAMES_OK,
                       apr_psprintf(tmp, "%lu", (unsigned long)names->count)));
        }
        ck->good++;
    }
    apr_pool_destroy(tmp);
}

/* Says that the server's User cannot read path (a folder when its name
 * ends in '/', id BANTIN_MSG_USER_CANNOT_READ_FOLDER); a problem: the
 * portal serves none of it. */
static void user_cannot_read(checker *ck, const char *path, int id)
{
    printf("%s: %s\n", path, say(ck, ck->pool, id, ck->user->name));
    ck->bad++;
}


/* "07:00", "07/12/2026" and the zone's name for an instant in the
 * checker's zone: the times an editor reads are the portal's. */
static void local_time(const checker *ck, apr_pool_t *p, apr_time_t when,
                       const char **hm, const char **dmy, const char **zone)
{
    apr_int64_t secs = apr_time_sec(when) + (apr_int64_t)ck->tz_min * 60;
    apr_int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    apr_int64_t rest = secs - days * 86400;
    int y, m, d, off = ck->tz_min < 0 ? -ck->tz_min : ck->tz_min;

    bantin_civil_from_days((long)days, &y, &m, &d);
    *hm = apr_psprintf(p, "%02d:%02d", (int)(rest / 3600),
                       (int)(rest / 60 % 60));
    *dmy = apr_psprintf(p, "%02d/%02d/%04d", d, m, y);
    *zone = ck->tz_min == BANTIN_TZ_DEFAULT_MIN
                ? say(ck, p, BANTIN_MSG_ZONE_VN)
                : say(ck, p, BANTIN_MSG_ZONE_UTC,
                      apr_psprintf(p, "%c%02d:%02d",
                                   ck->tz_min < 0 ? '-' : '+', off / 60,
                                   off % 60));
}

/* What the portal would do with a good article, now. */
static const char *publication(const checker *ck, apr_pool_t *p,
                               const bantin_article *a, const char *slug,
                               apr_time_t now)
{
    char dmy[11];
    const char *state, *hm, *day, *zone;

    bantin_date_format_dmy(&a->date, ck->tz_min, dmy);
    if (a->draft) {
        state = say(ck, p, BANTIN_MSG_DRAFT);
    }
    else if (a->date.when > now) {
        local_time(ck, p, a->date.when, &hm, &day, &zone);
        state = say(ck, p, BANTIN_MSG_SCHEDULED, hm, day, zone);
    }
    else if (a->expires && a->expires <= now) {
        local_time(ck, p, a->expires, &hm, &day, &zone);
        state = say(ck, p, BANTIN_MSG_EXPIRED, hm, day, zone);
    }
    else {
        state = say(ck, p, BANTIN_MSG_VISIBLE);
    }
    return say(ck, p, BANTIN_MSG_OK, slug, dmy, state);
}

/* Prints a good article's broken references, "file:line:col: warning:
 * ...": it is served, but a picture or a link leads nowhere.  Media files
 * are looked for below content_fd (-1: not looked for). */
static void warn_refs(checker *ck, apr_pool_t *tmp, const bantin_article *a,
                      int content_fd, const char *data, apr_size_t len)
{
    apr_array_header_t *refs = apr_array_make(tmp, 4, sizeof(bantin_problem));
    int i;

    bantin_refs_check(tmp, a, content_fd, data, len, refs);
    for (i = 0; i < refs->nelts; i++) {
        bantin_problem shown = APR_ARRAY_IDX(refs, i, bantin_problem);
        shown.message = say(ck, tmp, BANTIN_MSG_WARNING,
                            bantin_msg_args(tmp, ck->lang, shown.msg,
                                            shown.args, shown.nargs));
        shown.msg = BANTIN_MSG_RAW;
        printf("%s\n", bantin_problem_str(tmp, &shown));
        ck->warnings++;
    }
}

/* Prints what the portal would make of one file: a (or NULL and pr).
 * rel is the name the slug comes from (a base name, or the path below a
 * walked folder). */
static void report(checker *ck, apr_pool_t *tmp, const char *path,
                   const char *rel, const bantin_article *a,
                   const bantin_problem *pr, const char *slug)
{
    if (!a) {
        printf("%s\n", bantin_problem_text(tmp, pr, ck->lang));
        ck->bad++;
    }
    else if (!slug) {
        const char *better = bantin_explain_file_name(tmp, rel);
        printf("%s: %s\n", path,
               better ? say(ck, tmp, BANTIN_MSG_BAD_NAME, better)
                      : say(ck, tmp, BANTIN_MSG_BAD_NAME_EMPTY));
        ck->bad++;
    }
    else {
        if (!ck->quiet) {
            printf("%s: %s\n", path,
                   publication(ck, tmp, a, slug, apr_time_now()));
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
        printf("%s: %s\n", what,
               bantin_msg_format(BANTIN_MSG_OUT_OF_MEMORY, ck->lang));
        ck->bad++;
        return NULL;
    }
    return tmp;
}

static void check_file(checker *ck, const char *path, const char *rel,
                       const char *slug)
{
    apr_pool_t *tmp;
    bantin_article *a;
    bantin_problem pr;
    const char *data, *base = strrchr(path, '/');
    apr_size_t len;

    struct stat st;

    if (ck->user && stat(path, &st) == 0
        && !bantin_fs_reader_may(ck->user, &st)) {
        user_cannot_read(ck, path, BANTIN_MSG_USER_CANNOT_READ_FILE);
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
                                  ck->tz_min, &a, &pr) != APR_SUCCESS) {
        a = NULL;
    }
    else {
        note_category(ck, &ck->loose, path, slug, a, data, len);
    }
    report(ck, tmp, path, rel, a, &pr, slug);
    if (a && slug) {
        /* a file alone: its content dir is not known, media not looked
         * for */
        warn_refs(ck, tmp, a, -1, data, len);
    }
    apr_pool_destroy(tmp);
}

/* A content dir's walk: the portal's own (bantin_fs_walk), so the checker
 * sees exactly the files the portal sees. */
typedef struct {
    checker *ck;
    const char *top;          /* the folder as given, without a final '/' */
    cat_group group;
    int top_fd;               /* it, open: media files are looked for there */
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
        user_cannot_read(dw->ck, path, BANTIN_MSG_USER_CANNOT_READ_FILE);
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
                                  dw->ck->tz_min, &a, &pr) != APR_SUCCESS) {
        a = NULL;
    }
    else {
        note_category(dw->ck, &dw->group, path,
                      bantin_slug_from_path(tmp, rel), a, data, len);
    }
    report(dw->ck, tmp, path, rel, a, &pr, bantin_slug_from_path(tmp, rel));
    if (a && bantin_slug_from_path(tmp, rel)) {
        warn_refs(dw->ck, tmp, a, dw->top_fd, data, len);
    }
    apr_pool_destroy(tmp);
}

static void walk_too_deep(void *baton, const char *rel)
{
    dir_walk *dw = baton;
    apr_pool_t *tmp;

    if (!(tmp = scratch(dw->ck, rel))) {
        return;
    }
    printf("%s: %s\n", below_top(tmp, dw, rel),
           say(dw->ck, tmp, BANTIN_MSG_TOO_DEEP,
               apr_itoa(tmp, BANTIN_FS_MAX_DEPTH)));
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
                         BANTIN_MSG_USER_CANNOT_READ_FOLDER);
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
    if ((dw.top_fd = fd = bantin_fs_open_top(dir)) < 0
        || bantin_fs_walk_as(ck->pool, fd, "", &w, ck->user,
                             ck->user ? walk_unreadable : NULL) != 0) {
        printf("%s: %s\n", dir,
               bantin_msg_format(BANTIN_MSG_NO_FOLDER, ck->lang));
        ck->bad++;
    }
    if (fd >= 0) {
        close(fd);
    }
    check_spellings(ck, &dw.group);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bantin-check [-q] [--lang vi|en] [--tz +HH:MM] "
            "[--user NAME] FILE.xml|DIR ...\n"
            "Checks articles with the portal's own parser and schema, and "
            "walks a DIR as the\nportal walks its content dir.  Prints "
            "\"FILE: ok: ...\" per good article and\n\"FILE:LINE:COL: "
            "message\" per problem, then a summary line.  Broken references "
            "(a picture\nmissing from DIR, a link without https://) and "
            "categories spelled otherwise\nthan the portal names them are "
            "warnings: the article is served all the same.\n"
            "  -q          print problems and warnings only\n"
            "  --lang vi   messages in Vietnamese (the default); en: English\n"
            "  --tz ZONE   the portal's BantinTimeZone (+07:00 by default): "
            "plain dates\n              and the times shown\n"
            "  --user NAME the server's User (default www-data): says what "
            "it could not\n              read (the portal serves none of "
            "it)\n"
            "  -h, --help  print this help\n"
            "Exit status: 0 all good, 1 problems found, 2 bad usage.\n");
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: its value ("" when it
 * is missing), *i moved onto the value; NULL when argv[*i] is another
 * option. */
static const char *option_value(int argc, const char *const *argv, int *i,
                                const char *name)
{
    apr_size_t n = strlen(name);

    if (strncmp(argv[*i], name, n)) {
        return NULL;
    }
    if (argv[*i][n] == '=') {
        return argv[*i] + n + 1;
    }
    if (argv[*i][n]) {
        return NULL; /* "--langx" */
    }
    return *i + 1 < argc ? argv[++*i] : "";
}

/* One line saying what is wrong with the command line, then the usage. */
static int bad_usage(const checker *ck, int id, const char *what)
{
    fprintf(stderr, "bantin-check: %s\n", say(ck, ck->pool, id, what));
    usage(stderr);
    return 2;
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
    ck.tz_min = BANTIN_TZ_DEFAULT_MIN;
    ck.lang = BANTIN_LANG_VI;
    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *val;
        if ((val = option_value(argc, argv, &first, "--lang")) != NULL) {
            if (bantin_lang_parse(val, &ck.lang) != 0) {
                return bad_usage(&ck, BANTIN_MSG_BAD_LANG, val);
            }
            continue;
        }
        if ((val = option_value(argc, argv, &first, "--tz")) != NULL) {
            if (bantin_tz_parse(val, &ck.tz_min) != 0) {
                return bad_usage(&ck, BANTIN_MSG_BAD_TZ, val);
            }
            continue;
        }
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
            return bad_usage(&ck, BANTIN_MSG_UNKNOWN_OPTION, argv[first]);
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
            printf("%s: %s\n", argv[i],
                   bantin_msg_format(BANTIN_MSG_NO_SUCH_PATH, ck.lang));
            ck.bad++;
        }
        else if (fi.filetype == APR_DIR) {
            check_dir(&ck, argv[i]);
        }
        else {
            /* A single file: its slug is its base name. */
            const char *base = strrchr(argv[i], '/');
            base = base ? base + 1 : argv[i];
            check_file(&ck, argv[i], base,
                       bantin_slug_from_path(ck.pool, base));
        }
    }
    check_spellings(&ck, &ck.loose);
    printf("%s", say(&ck, ck.pool, ck.good + ck.bad == 1
                                       ? BANTIN_MSG_SUMMARY_ONE
                                       : BANTIN_MSG_SUMMARY,
                     apr_itoa(ck.pool, ck.good + ck.bad),
                     apr_itoa(ck.pool, ck.good), apr_itoa(ck.pool, ck.bad)));
    if (ck.warnings) {
        printf("%s", say(&ck, ck.pool, ck.warnings == 1
                                           ? BANTIN_MSG_WARNINGS_ONE
                                           : BANTIN_MSG_WARNINGS,
                         apr_itoa(ck.pool, ck.warnings)));
    }
    if (ck.skipped) {
        printf("%s", say(&ck, ck.pool, ck.skipped == 1 ? BANTIN_MSG_DEEP_ONE
                                                        : BANTIN_MSG_DEEP,
                         apr_itoa(ck.pool, ck.skipped)));
    }
    printf("\n");
    apr_pool_destroy(ck.pool);
    apr_terminate();
    return ck.bad || ck.skipped ? 1 : 0;
}
