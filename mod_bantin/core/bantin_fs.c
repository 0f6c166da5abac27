/* bantin_fs.c -- reading below the content dir without following any
 * symbolic link; see bantin_fs.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>

#include "bantin_fs.h"

int bantin_fs_open_top(const char *path)
{
    return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Copies the component of rel at *s into name and moves *s past it and
 * its slash; 0 when it is a plain name, -1 (errno set) when it is empty,
 * ".", "..", or too long. */
static int next_component(const char **s, char name[NAME_MAX + 1], int *last)
{
    const char *slash = strchr(*s, '/');
    size_t n = slash ? (size_t)(slash - *s) : strlen(*s);

    if (n == 0 || (n == 1 && (*s)[0] == '.')
        || (n == 2 && (*s)[0] == '.' && (*s)[1] == '.')) {
        errno = EINVAL;
        return -1;
    }
    if (n > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(name, *s, n);
    name[n] = '\0';
    *last = !slash;
    *s = slash ? slash + 1 : *s + n;
    return 0;
}

/* openat(O_NOFOLLOW) of one name in dirfd.  A symbolic link fails with
 * ELOOP whatever the flags: with O_DIRECTORY, Linux says ENOTDIR for a
 * link, so the name is looked at again to tell a link from a file. */
static int open_one(int dirfd, const char *name, int flags)
{
    int fd = openat(dirfd, name, flags | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0 && errno == ENOTDIR
        && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0
        && S_ISLNK(st.st_mode)) {
        errno = ELOOP;
    }
    return fd;
}

int bantin_fs_open_below(int dirfd, const char *rel, bantin_fs_kind_e kind)
{
    char name[NAME_MAX + 1];
    const char *s = rel;
    int fd = dirfd, last = 0;
    struct stat st;

    if (!rel || !*rel || *rel == '/') {
        errno = EINVAL;
        return -1;
    }
    while (!last) {
        int next, saved;
        if (next_component(&s, name, &last) != 0) {
            next = -1;
        }
        else if (!last || kind == BANTIN_FS_DIR) {
            next = open_one(fd, name, O_DIRECTORY);
        }
        else {
            /* O_NONBLOCK: opening a FIFO does not wait for a writer */
            next = open_one(fd, name, O_NONBLOCK);
        }
        saved = errno;
        if (fd != dirfd) {
            close(fd);
        }
        if (next < 0) {
            errno = saved;
            return -1;
        }
        fd = next;
    }
    if (fstat(fd, &st) != 0
        || (kind == BANTIN_FS_FILE ? !S_ISREG(st.st_mode)
                                   : !S_ISDIR(st.st_mode))) {
        close(fd);
        errno = ENXIO;
        return -1;
    }
    return fd;
}

int bantin_fs_stat_below(int dirfd, const char *rel, struct stat *st)
{
    const char *base = rel ? strrchr(rel, '/') : NULL;
    int fd = dirfd, rc, saved;

    if (!rel || !*rel || *rel == '/') {
        errno = EINVAL;
        return -1;
    }
    if (base) {
        /* the folders on the way, as bantin_fs_open_below opens them */
        char *parent = strndup(rel, (size_t)(base - rel));
        if (!parent) {
            errno = ENOMEM;
            return -1;
        }
        fd = bantin_fs_open_below(dirfd, parent, BANTIN_FS_DIR);
        free(parent);
        if (fd < 0) {
            return -1;
        }
        rel = base + 1;
    }
    if (!*rel || !strcmp(rel, ".") || !strcmp(rel, "..")) {
        errno = EINVAL;
        rc = -1;
    }
    else {
        rc = fstatat(fd, rel, st, AT_SYMLINK_NOFOLLOW);
    }
    saved = errno;
    if (fd != dirfd) {
        close(fd);
    }
    errno = saved;
    return rc;
}

int bantin_fs_is_article_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".xml");
}

/* The type of an entry: from readdir when the filesystem says, else from
 * fstatat (never following a link). */
static unsigned char entry_type(int dirfd, const struct dirent *de)
{
    struct stat st;

    if (de->d_type != DT_UNKNOWN) {
        return de->d_type;
    }
    if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return DT_UNKNOWN;
    }
    return S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
           : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
}

/* A walk and whom it reads for (bantin_fs_walk_as). */
typedef struct {
    const bantin_walker *w;
    const bantin_fs_reader *reader;
    bantin_fs_unreadable_fn *unreadable;
} walk_how;

/* Whether the walk enters the folder open as fd (name in parentfd, rel
 * below the top): yes, unless the reader may not list it and the walker,
 * told, says no. */
static int reader_may_walk(const walk_how *h, int fd, int parentfd,
                           const char *name, const char *rel)
{
    struct stat st;

    if (!h->reader || !h->unreadable || fstat(fd, &st) != 0
        || bantin_fs_reader_may(h->reader, &st)) {
        return 1;
    }
    return h->unreadable(h->w->baton, parentfd, name, rel);
}

/* Lists the folder open as fd (at rel, depth components below the top):
 * files are reported, folders walked in turn, each opened from fd. */
static void walk_folder(apr_pool_t *p, int fd, const char *rel, int depth,
                        const walk_how *h)
{
    const bantin_walker *w = h->w;
    apr_pool_t *tmp;
    DIR *d;
    struct dirent *de;
    void *data = NULL;
    int lfd;

    if (w->folder) {
        data = w->folder(w->baton, fd, rel);
    }
    /* fdopendir owns what it is given: a duplicate, so fd stays the
     * caller's (and the readdir position is this listing's own) */
    if ((lfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        return;
    }
    if (!(d = fdopendir(lfd))) {
        close(lfd);
        return;
    }
    apr_pool_create(&tmp, p);
    while ((de = readdir(d)) != NULL) {
        const char *crel;
        unsigned char type;
        if (de->d_name[0] == '.') {
            continue; /* ., .., hidden files and editors' temporary files */
        }
        type = entry_type(fd, de);
        if (type != DT_DIR && !(type == DT_REG || type == DT_LNK)) {
            continue;
        }
        if (type != DT_DIR && !bantin_fs_is_article_name(de->d_name)) {
            continue;
        }
        crel = *rel ? apr_pstrcat(tmp, rel, "/", de->d_name, NULL)
                    : apr_pstrdup(tmp, de->d_name);
        if (type == DT_DIR) {
            int cfd;
            if (depth + 1 > BANTIN_FS_MAX_DEPTH) {
                if (w->too_deep) {
                    w->too_deep(w->baton, crel);
                }
            }
            else if ((cfd = open_one(fd, de->d_name, O_DIRECTORY)) >= 0) {
                if (reader_may_walk(h, cfd, fd, de->d_name, crel)) {
                    walk_folder(tmp, cfd, crel, depth + 1, h);
                }
                close(cfd);
            }
            else if (errno == EACCES && h->unreadable) {
                /* this process may not open it either */
                h->unreadable(w->baton, fd, de->d_name, crel);
            }
            /* else gone, or swapped for a link since listed: not read */
        }
        else if (w->file) {
            w->file(w->baton, data, fd, de->d_name, crel, type == DT_LNK);
        }
        apr_pool_clear(tmp);
    }
    closedir(d);
    apr_pool_destroy(tmp);
}

/* The folder that holds rel (not the top), opened from the top, or the
 * top itself; -1 when gone. */
static int open_parent(int topfd, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    char *parent;
    int fd;

    if (!slash) {
        return topfd;
    }
    if (!(parent = strndup(rel, (size_t)(slash - rel)))) {
        return -1;
    }
    fd = bantin_fs_open_below(topfd, parent, BANTIN_FS_DIR);
    free(parent);
    return fd;
}

int bantin_fs_walk_as(apr_pool_t *p, int topfd, const char *rel,
                      const bantin_walker *w,
                      const bantin_fs_reader *reader,
                      bantin_fs_unreadable_fn *unreadable)
{
    walk_how h = {w, reader, unreadable};
    int depth = 0, fd, pfd, go = 1;
    const char *s;

    if (*rel) {
        depth = 1;
        for (s = rel; *s; s++) {
            depth += *s == '/';
        }
    }
    if (depth > BANTIN_FS_MAX_DEPTH) {
        if (w->too_deep) {
            w->too_deep(w->baton, rel);
        }
        return 0;
    }
    fd = *rel ? bantin_fs_open_below(topfd, rel, BANTIN_FS_DIR) : topfd;
    if (fd < 0 && !(errno == EACCES && unreadable)) {
        return -1;
    }
    if (*rel && unreadable && (fd < 0 || reader)) {
        /* A walk that starts below the top meets its first folder
         * without listing its parent: asked here, of rel in its parent. */
        const char *slash = strrchr(rel, '/');
        const char *name = slash ? slash + 1 : rel;
        if ((pfd = open_parent(topfd, rel)) < 0) {
            go = 0; /* gone since: the caller drops what was below */
        }
        else {
            go = fd < 0 ? (unreadable(w->baton, pfd, name, rel), 0)
                        : reader_may_walk(&h, fd, pfd, name, rel);
            if (pfd != topfd) {
                close(pfd);
            }
        }
    }
    if (fd >= 0 && go) {
        walk_folder(p, fd, rel, depth, &h);
    }
    if (fd >= 0 && fd != topfd) {
        close(fd);
    }
    return 0;
}

int bantin_fs_walk(apr_pool_t *p, int topfd, const char *rel,
                   const bantin_walker *w)
{
    return bantin_fs_walk_as(p, topfd, rel, w, NULL, NULL);
}

/* ---- the server's User as reader --------------------------------------- */

bantin_fs_reader *bantin_fs_reader_make(apr_pool_t *p, const char *user,
                                        uid_t uid, gid_t gid)
{
    bantin_fs_reader *r = apr_pcalloc(p, sizeof(*r));
    int n = 64;

    r->name = apr_pstrdup(p, user);
    r->uid = uid;
    r->gid = gid;
    r->groups = apr_palloc(p, sizeof(gid_t));
    r->groups[0] = gid;
    r->ngroups = 1;
    if (user[0] != '#') {
        /* getgrouplist says how many there are when n is too small */
        gid_t *g = apr_palloc(p, (apr_size_t)n * sizeof(gid_t));
        if (getgrouplist(user, gid, g, &n) < 0) {
            g = apr_palloc(p, (apr_size_t)n * sizeof(gid_t));
            if (getgrouplist(user, gid, g, &n) < 0) {
                n = 0;
            }
        }
        if (n > 0) {
            r->groups = g;
            r->ngroups = n;
        }
    }
    return r;
}

/* The permission bits (mode's rwx triplet) that apply to r, as the
 * kernel picks them: owner, else any of its groups, else others. */
static unsigned reader_bits(const bantin_fs_reader *r, const struct stat *st)
{
    int i;

    if (st->st_uid == r->uid) {
        return (st->st_mode >> 6) & 7;
    }
    for (i = 0; i < r->ngroups; i++) {
        if (r->groups[i] == st->st_gid) {
            return (st->st_mode >> 3) & 7;
        }
    }
    return st->st_mode & 7;
}

int bantin_fs_reader_may(const bantin_fs_reader *r, const struct stat *st)
{
    unsigned want = S_ISDIR(st->st_mode) ? 5 : 4; /* r-x, r-- */

    return !r || r->uid == 0 || (reader_bits(r, st) & want) == want;
}

int bantin_fs_reader_may_at(const bantin_fs_reader *r, int dirfd,
                            const char *name)
{
    struct stat st;

    if (!r || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0
        || S_ISLNK(st.st_mode)) {
        return 1;
    }
    return bantin_fs_reader_may(r, &st);
}

int bantin_fs_reader_may_path(apr_pool_t *p, const bantin_fs_reader *r,
                              const char *path, const char **why)
{
    char *real;
    char *s;
    struct stat st;

    if (!r || r->uid == 0) {
        return 1;
    }
    if (!(real = realpath(path, NULL))) {
        return 1; /* the open that follows says what is wrong */
    }
    /* every folder above the last, from /: search permission */
    for (s = real; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (stat(*real ? real : "/", &st) == 0
                && !(reader_bits(r, &st) & 1)) {
                *why = apr_psprintf(p, "%s: the server's User (%s) may not "
                                    "pass through this folder",
                                    *real ? real : "/", r->name);
                free(real);
                return 0;
            }
            *s = '/';
        }
    }
    if (stat(real, &st) == 0 && !bantin_fs_reader_may(r, &st)) {
        *why = apr_psprintf(p, "%s: the server's User (%s) cannot read this "
                            "folder", real, r->name);
        free(real);
        return 0;
    }
    free(real);
    return 1;
}
