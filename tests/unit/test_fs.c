/* test_fs.c -- opening and walking below a folder without following any
 * symbolic link (bantin_fs.h): every way a path could lead outside is
 * refused, at the end of the path and in the middle alike. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>

#include "bantin_fs.h"
#include "unit.h"

static const char *path_in(const char *dir, const char *rel)
{
    return apr_pstrcat(unit_pool, dir, "/", rel, NULL);
}

/* A top folder holding a/b/ok.xml, a FIFO, and links to an outside
 * folder (as a folder and as a file) next to real ones. */
static int make_top(const char **outside_out)
{
    const char *top = unit_tmpdir(), *outside = unit_tmpdir();
    int fd;

    unit_write_str(path_in(top, "a/b/ok.xml"), "inside");
    unit_write_str(path_in(outside, "b/ok.xml"), "outside");
    unit_write_str(path_in(outside, "secret.xml"), "outside");
    ck_assert_int_eq(symlink(outside, path_in(top, "linked")), 0);
    ck_assert_int_eq(symlink(path_in(outside, "b"), path_in(top, "a/lb")), 0);
    ck_assert_int_eq(symlink(path_in(outside, "secret.xml"),
                             path_in(top, "a/secret.xml")), 0);
    ck_assert_int_eq(mkfifo(path_in(top, "a/fifo.xml"), 0600), 0);
    fd = bantin_fs_open_top(top);
    ck_assert_int_ge(fd, 0);
    if (outside_out) {
        *outside_out = outside;
    }
    return fd;
}

static char *read_all(int fd)
{
    char buf[64];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    return apr_pstrdup(unit_pool, buf);
}

START_TEST(fs_opens_a_plain_path_below)
{
    int top = make_top(NULL), fd;

    fd = bantin_fs_open_below(top, "a/b/ok.xml", BANTIN_FS_FILE);
    ck_assert_int_ge(fd, 0);
    ck_assert_str_eq(read_all(fd), "inside");
    close(fd);
    fd = bantin_fs_open_below(top, "a/b", BANTIN_FS_DIR);
    ck_assert_int_ge(fd, 0);
    close(fd);
    close(top);
}
END_TEST

/* Each of these is refused, with the errno bantin_fs.h promises. */
static const struct {
    const char *rel;
    bantin_fs_kind_e kind;
    int err;
} refused[] = {
    {"linked/secret.xml", BANTIN_FS_FILE, ELOOP},   /* a link in the middle */
    {"linked/b/ok.xml", BANTIN_FS_FILE, ELOOP},
    {"a/lb/ok.xml", BANTIN_FS_FILE, ELOOP},         /* deeper in the middle */
    {"a/secret.xml", BANTIN_FS_FILE, ELOOP},        /* a link at the end */
    {"linked", BANTIN_FS_DIR, ELOOP},               /* a linked folder */
    {"a/lb", BANTIN_FS_DIR, ELOOP},
    {"a/fifo.xml", BANTIN_FS_FILE, ENXIO},          /* a FIFO: no wait */
    {"a/b", BANTIN_FS_FILE, ENXIO},                 /* not a regular file */
    {"a/b/ok.xml", BANTIN_FS_DIR, ENOTDIR},
    {"a/../a/b/ok.xml", BANTIN_FS_FILE, EINVAL},    /* '..' */
    {"..", BANTIN_FS_DIR, EINVAL},
    {"a/b/..", BANTIN_FS_DIR, EINVAL},
    {"./a/b/ok.xml", BANTIN_FS_FILE, EINVAL},       /* '.' */
    {"a//b/ok.xml", BANTIN_FS_FILE, EINVAL},        /* empty component */
    {"a/b/", BANTIN_FS_DIR, EINVAL},
    {"", BANTIN_FS_DIR, EINVAL},
    {"/etc/passwd", BANTIN_FS_FILE, EINVAL},        /* absolute */
    {"a/nothing.xml", BANTIN_FS_FILE, ENOENT},
};

START_TEST(fs_refuses_links_odd_files_and_odd_paths)
{
    int top = make_top(NULL);
    apr_size_t i;

    for (i = 0; i < UNIT_N(refused); i++) {
        int fd;
        errno = 0;
        fd = bantin_fs_open_below(top, refused[i].rel, refused[i].kind);
        ck_assert_msg(fd < 0, "%s: opened", refused[i].rel);
        ck_assert_msg(errno == refused[i].err, "%s: errno %d (%s), not %d",
                      refused[i].rel, errno, strerror(errno),
                      refused[i].err);
    }
    close(top);
}
END_TEST

START_TEST(fs_stat_below_never_passes_a_link)
{
    int top = make_top(NULL);
    struct stat st;

    ck_assert_int_eq(bantin_fs_stat_below(top, "a/b/ok.xml", &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    /* at the end: the link itself */
    ck_assert_int_eq(bantin_fs_stat_below(top, "a/secret.xml", &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    /* in the middle: not looked through */
    errno = 0;
    ck_assert_int_eq(bantin_fs_stat_below(top, "linked/secret.xml", &st), -1);
    ck_assert_int_eq(errno, ELOOP);
    ck_assert_int_eq(bantin_fs_stat_below(top, "a/lb/ok.xml", &st), -1);
    ck_assert_int_eq(errno, ELOOP);
    ck_assert_int_eq(bantin_fs_stat_below(top, "a/../a/b/ok.xml", &st), -1);
    ck_assert_int_eq(errno, EINVAL);
    close(top);
}
END_TEST

/* What a walk reported, one line each. */
typedef struct {
    char *text;
} seen;

static void *on_folder(void *baton, int dirfd, const char *rel)
{
    seen *sn = baton;
    sn->text = apr_pstrcat(unit_pool, sn->text, "folder ", rel, "\n", NULL);
    return NULL;
}

static void on_file(void *baton, void *folder, int dirfd, const char *name,
                    const char *rel, int is_link)
{
    seen *sn = baton;
    sn->text = apr_pstrcat(unit_pool, sn->text, is_link ? "link " : "file ",
                           rel, "\n", NULL);
}

static void on_too_deep(void *baton, const char *rel)
{
    seen *sn = baton;
    sn->text = apr_pstrcat(unit_pool, sn->text, "deep ", rel, "\n", NULL);
}

START_TEST(fs_walk_stays_below)
{
    int top = make_top(NULL);
    seen sn = {""};
    bantin_walker w = {on_folder, on_file, on_too_deep, &sn};

    ck_assert_int_eq(bantin_fs_walk(unit_pool, top, "", &w), 0);
    ck_assert_ptr_nonnull(strstr(sn.text, "folder \n"));
    ck_assert_ptr_nonnull(strstr(sn.text, "folder a/b\n"));
    ck_assert_ptr_nonnull(strstr(sn.text, "file a/b/ok.xml\n"));
    ck_assert_ptr_nonnull(strstr(sn.text, "link a/secret.xml\n"));
    ck_assert_ptr_null(strstr(sn.text, "linked"));  /* not walked into */
    ck_assert_ptr_null(strstr(sn.text, "lb"));
    ck_assert_ptr_null(strstr(sn.text, "fifo"));    /* not a file */
    close(top);
}
END_TEST

START_TEST(fs_walk_depth_counts_from_the_top)
{
    const char *dir = unit_tmpdir();
    char *deep = "";
    seen sn = {""};
    bantin_walker w = {on_folder, on_file, on_too_deep, &sn};
    int i, top;

    for (i = 0; i < BANTIN_FS_MAX_DEPTH; i++) {
        deep = apr_pstrcat(unit_pool, deep, *deep ? "/" : "", "d", NULL);
    }
    unit_write_str(path_in(dir, apr_pstrcat(unit_pool, deep, "/in.xml",
                                            NULL)), "x");
    unit_write_str(path_in(dir, apr_pstrcat(unit_pool, deep, "/d/out.xml",
                                            NULL)), "x");
    top = bantin_fs_open_top(dir);
    ck_assert_int_ge(top, 0);
    ck_assert_int_eq(bantin_fs_walk(unit_pool, top, "", &w), 0);
    ck_assert_ptr_nonnull(strstr(sn.text, apr_pstrcat(unit_pool, "file ",
                                                      deep, "/in.xml\n",
                                                      NULL)));
    ck_assert_ptr_nonnull(strstr(sn.text, apr_pstrcat(unit_pool, "deep ",
                                                      deep, "/d\n", NULL)));
    ck_assert_ptr_null(strstr(sn.text, "out.xml"));
    /* the same from a folder below: its depth is its place in the tree */
    sn.text = "";
    ck_assert_int_eq(bantin_fs_walk(unit_pool, top, apr_pstrcat(unit_pool,
                                    deep, "/d", NULL), &w), 0);
    ck_assert_str_eq(sn.text, apr_pstrcat(unit_pool, "deep ", deep, "/d\n",
                                          NULL));
    close(top);
}
END_TEST

START_TEST(fs_walk_refuses_a_linked_start)
{
    int top = make_top(NULL);
    seen sn = {""};
    bantin_walker w = {on_folder, on_file, on_too_deep, &sn};

    errno = 0;
    ck_assert_int_eq(bantin_fs_walk(unit_pool, top, "linked", &w), -1);
    ck_assert_int_eq(errno, ELOOP);
    ck_assert_int_eq(bantin_fs_walk(unit_pool, top, "a/lb", &w), -1);
    ck_assert_str_eq(sn.text, "");
    close(top);
}
END_TEST

/* Whom the permission bits let read, as the kernel picks the triplet:
 * the owner's, else a group's the reader is in, else the others'. */
START_TEST(fs_reader_follows_the_permission_bits)
{
    static const struct {
        unsigned mode;
        uid_t uid;
        gid_t gid;
        int may;
    } cases[] = {
        {S_IFREG | 0600, 1000, 1000, 1},  /* the owner */
        {S_IFREG | 0600, 0, 0, 0},        /* root's own, 0600 */
        {S_IFREG | 0640, 0, 33, 1},       /* its group */
        {S_IFREG | 0640, 0, 44, 1},       /* a supplementary group */
        {S_IFREG | 0604, 0, 55, 1},       /* others */
        {S_IFREG | 0064, 1000, 1000, 0},  /* the owner's bits apply, not others' */
        {S_IFREG | 0200, 1000, 1000, 0},
        {S_IFDIR | 0755, 0, 0, 1},
        {S_IFDIR | 0700, 0, 0, 0},
        {S_IFDIR | 0744, 0, 0, 0},        /* listable, not enterable */
        {S_IFDIR | 0711, 0, 0, 0},        /* enterable, not listable */
        {S_IFDIR | 0750, 0, 33, 1},
    };
    bantin_fs_reader *r = bantin_fs_reader_make(unit_pool, "#1000", 1000, 33);
    gid_t groups[] = {33, 44};
    apr_size_t i;

    r->groups = groups;
    r->ngroups = 2;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct stat st;
        memset(&st, 0, sizeof(st));
        st.st_mode = cases[i].mode;
        st.st_uid = cases[i].uid;
        st.st_gid = cases[i].gid;
        ck_assert_msg(bantin_fs_reader_may(r, &st) == cases[i].may,
                      "case %lu", (unsigned long)i);
    }
    /* root reads everything; no reader: this process reads for itself */
    r->uid = 0;
    {
        struct stat st;
        memset(&st, 0, sizeof(st));
        st.st_mode = S_IFREG;
        st.st_uid = 5;
        ck_assert_int_eq(bantin_fs_reader_may(r, &st), 1);
        ck_assert_int_eq(bantin_fs_reader_may(NULL, &st), 1);
    }
}
END_TEST

typedef struct {
    const char *text;
} denied;

static int on_unreadable(void *baton, int parentfd, const char *name,
                         const char *rel)
{
    denied *d = baton;
    d->text = apr_pstrcat(unit_pool, d->text, "denied ", rel, "\n", NULL);
    (void)parentfd;
    (void)name;
    return 0;
}

static void on_denied_file(void *baton, void *folder, int dirfd,
                           const char *name, const char *rel, int is_link)
{
    denied *d = baton;
    d->text = apr_pstrcat(unit_pool, d->text, "file ", rel, "\n", NULL);
}

/* A folder the reader may not list is reported, not walked, wherever the
 * walk starts; the rest is walked as ever. */
START_TEST(fs_walk_as_skips_what_the_reader_cannot_list)
{
    const char *dir = unit_tmpdir();
    denied d = {""};
    bantin_walker w = {NULL, on_denied_file, NULL, &d};
    bantin_fs_reader *r = bantin_fs_reader_make(unit_pool, "#4242", 4242,
                                                4242);
    int top;

    unit_write_str(path_in(dir, "a/ok.xml"), "x");
    unit_write_str(path_in(dir, "a/rieng/in.xml"), "x");
    ck_assert_int_eq(chmod(path_in(dir, "a"), 0755), 0);
    ck_assert_int_eq(chmod(path_in(dir, "a/rieng"), 0700), 0);
    ck_assert_int_eq(chmod(dir, 0755), 0);
    top = bantin_fs_open_top(dir);
    ck_assert_int_eq(bantin_fs_walk_as(unit_pool, top, "", &w, r,
                                       on_unreadable), 0);
    ck_assert_str_eq(d.text, "file a/ok.xml\ndenied a/rieng\n");
    d.text = "";
    ck_assert_int_eq(bantin_fs_walk_as(unit_pool, top, "a/rieng", &w, r,
                                       on_unreadable), 0);
    ck_assert_str_eq(d.text, "denied a/rieng\n");
    /* without a reader, the same walk sees it all */
    d.text = "";
    ck_assert_int_eq(bantin_fs_walk(unit_pool, top, "a", &w), 0);
    ck_assert_ptr_nonnull(strstr(d.text, "file a/rieng/in.xml\n"));
    close(top);
}
END_TEST

Suite *fs_suite(void)
{
    Suite *s = suite_create("fs");
    TCase *tc = unit_tcase("fs");

    tcase_add_test(tc, fs_opens_a_plain_path_below);
    tcase_add_test(tc, fs_refuses_links_odd_files_and_odd_paths);
    tcase_add_test(tc, fs_stat_below_never_passes_a_link);
    tcase_add_test(tc, fs_walk_stays_below);
    tcase_add_test(tc, fs_walk_depth_counts_from_the_top);
    tcase_add_test(tc, fs_walk_refuses_a_linked_start);
    tcase_add_test(tc, fs_reader_follows_the_permission_bits);
    tcase_add_test(tc, fs_walk_as_skips_what_the_reader_cannot_list);
    suite_add_tcase(s, tc);
    return s;
}
