/* bantin_safedir.c -- see bantin_safedir.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>

#include "bantin_safedir.h"

/* As the kernel: more links than this on one path is a loop. */
#define MAX_LINKS 40

static apr_status_t close_fd(void *data)
{
    close(*(int *)data);
    return APR_SUCCESS;
}

static int keep(apr_pool_t *p, int fd)
{
    if (fd >= 0) {
        int *at = apr_palloc(p, sizeof(*at));
        *at = fd;
        apr_pool_cleanup_register(p, at, close_fd, apr_pool_cleanup_null);
    }
    return fd;
}

static int trusted_uid(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

/* Could only root or we have put the entry e into the folder d? */
static int placed_by_us(const struct stat *d, const struct stat *e)
{
    if (!trusted_uid(d->st_uid)) {
        return 0;
    }
    if (!(d->st_mode & (S_IWGRP | S_IWOTH))) {
        return 1;
    }
    /* sticky (/tmp): others may add names, not replace root's */
    return (d->st_mode & S_ISVTX) && trusted_uid(e->st_uid);
}

/* The next component of *todo (skipping slashes), cut out in place. */
static char *next_component(char **todo)
{
    char *c = *todo, *slash;

    while (*c == '/') {
        c++;
    }
    if (!*c) {
        return NULL;
    }
    if ((slash = strchr(c, '/')) != NULL) {
        *slash = '\0';
        *todo = slash + 1;
    }
    else {
        *todo = c + strlen(c);
    }
    return c;
}

/* Fails with errno err: ELOOP for a link not followed, ENOTDIR for what
 * is not a folder, as open() would. */
static int fail(apr_pool_t *p, int fd, const char **why, const char *at,
                int err, const char *reason)
{
    if (fd >= 0) {
        close(fd);
    }
    *why = apr_pstrcat(p, *at ? at : "/", ": ",
                       reason ? reason : strerror(err), NULL);
    errno = err;
    return -1;
}

int bantin_safedir_open(apr_pool_t *p, const char *path, mode_t mode,
                        const char **why)
{
    char *todo = apr_pstrdup(p, path), *c;
    const char *at = ""; /* the folder fd is, for messages */
    int fd, links = 0;

    if (path[0] != '/') {
        return fail(p, -1, why, path, EINVAL, "not an absolute path");
    }
    if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        return fail(p, -1, why, "/", errno, NULL);
    }
    while ((c = next_component(&todo)) != NULL) {
        struct stat d, e, o;
        const char *here = apr_pstrcat(p, at, "/", c, NULL);
        int nfd;

        if (!strcmp(c, ".")) {
            continue;
        }
        if (!strcmp(c, "..")) {
            return fail(p, fd, why, here, EINVAL, "'..' is not followed");
        }
        if (fstat(fd, &d) != 0) {
            return fail(p, fd, why, at, errno, NULL);
        }
        if (fstatat(fd, c, &e, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT || !mode
                || (mkdirat(fd, c, mode) != 0 && errno != EEXIST)
                || fstatat(fd, c, &e, AT_SYMLINK_NOFOLLOW) != 0) {
                return fail(p, fd, why, here, errno, NULL);
            }
        }
        if (S_ISLNK(e.st_mode)) {
            char *target = apr_palloc(p, PATH_MAX);
            ssize_t n;
            if (!placed_by_us(&d, &e)) {
                return fail(p, fd, why, here, ELOOP, "a symbolic link in a "
                            "folder others can write: not followed");
            }
            if (++links > MAX_LINKS
                || (n = readlinkat(fd, c, target, PATH_MAX - 1)) < 0) {
                return fail(p, fd, why, here,
                            links > MAX_LINKS ? ELOOP : errno, NULL);
            }
            target[n] = '\0';
            todo = apr_pstrcat(p, target, "/", todo, NULL);
            if (target[0] == '/') {
                close(fd);
                if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                    return fail(p, -1, why, "/", errno, NULL);
                }
                at = "";
            }
            continue;
        }
        if (!S_ISDIR(e.st_mode)) {
            return fail(p, fd, why, here, ENOTDIR, "not a folder");
        }
        nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (nfd < 0 || fstat(nfd, &o) != 0 || o.st_dev != e.st_dev
            || o.st_ino != e.st_ino) {
            int err = nfd < 0 ? errno : ELOOP;
            if (nfd >= 0) {
                close(nfd);
            }
            return fail(p, fd, why, here, err,
                        nfd < 0 ? NULL : "changed while it was opened");
        }
        close(fd);
        fd = nfd;
        at = here;
    }
    return keep(p, fd);
}

int bantin_safedir_openat(apr_pool_t *p, int dfd, const char *name,
                          mode_t mode)
{
    struct stat e;
    int fd;

    if (mode && mkdirat(dfd, name, mode) != 0 && errno != EEXIST) {
        return -1;
    }
    fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOTDIR
        && fstatat(dfd, name, &e, AT_SYMLINK_NOFOLLOW) == 0
        && S_ISLNK(e.st_mode)) {
        errno = ELOOP; /* Linux says ENOTDIR for a link with O_DIRECTORY */
    }
    return keep(p, fd);
}
