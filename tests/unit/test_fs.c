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
    suite_add_tcase(s, tc);
    return s;
}
