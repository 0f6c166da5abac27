/* bantin_fs.c -- reading below the content dir without following any
 * symbolic link; see bantin_fs.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* Lists the folder open as fd (at rel, depth components below the top):
 * files are reported, folders walked in turn, each opened from fd. */
static void walk_folder(apr_pool_t *p, int fd, const char *rel, int depth,
                        const bantin_walker *w)
{
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
                walk_folder(tmp, cfd, crel, depth + 1, w);
                close(cfd);
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

int bantin_fs_walk(apr_pool_t *p, int topfd, const char *rel,
                   const bantin_walker *w)
{
    int depth = 0, fd;
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
    if (fd < 0) {
        return -1;
    }
    walk_folder(p, fd, rel, depth, w);
    if (fd != topfd) {
        close(fd);
    }
    return 0;
}
