/* bantin_state.c -- see bantin_state.h.
 *
 * The parent runs as root, and the folder of a content dir belongs to the
 * server's User, as does anything that runs as it: every file operation
 * here is relative to the folder's descriptor, opened once without
 * following a link (bantin_safedir.h), and never follows a link inside
 * it.  A name the User swapped for a link to /etc only loses its own
 * entry. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "bantin_log.h"
#include "bantin_safedir.h"
#include "bantin_state.h"

struct bantin_state {
    const char *dir; /* root/<hash of the content dir>, for messages */
    int fd;          /* that folder, as opened by bantin_state_open */
};

/* The server's User (bantin_state_hand_to), or -1. */
static uid_t hand_uid = (uid_t)-1;
static gid_t hand_gid = (gid_t)-1;

void bantin_state_hand_to(uid_t uid, gid_t gid)
{
    hand_uid = uid;
    hand_gid = gid;
}

/* "2024/x.xml" -> "2024+x.xml": slugs hold only [a-z0-9-/], so '+' cannot
 * clash, and one flat folder needs no mkdir per article. */
static const char *flat(apr_pool_t *p, const char *rel, const char *suffix)
{
    char *f = apr_pstrcat(p, rel, suffix, NULL), *c;
    for (c = f; *c; c++) {
        if (*c == '/') {
            *c = '+';
        }
    }
    return f;
}

static apr_time_t mtime_of(const struct stat *sb)
{
    return apr_time_from_sec(sb->st_mtim.tv_sec) + sb->st_mtim.tv_nsec / 1000;
}

static int owned_by_us(const struct stat *sb)
{
    return sb->st_uid == geteuid()
           || (hand_uid != (uid_t)-1 && sb->st_uid == hand_uid);
}

/* The state root: the parent's own, that nobody else can write (a root
 * the User could write would let it swap a content dir's folder for a
 * link).  One that an earlier version handed to the User is taken back,
 * through the descriptor.  -1 and logged when it cannot be used. */
static int open_root(apr_pool_t *p, const char *root)
{
    const char *why;
    struct stat sb;
    int fd = bantin_safedir_open(p, root, 0755, &why);

    if (fd < 0) {
        bantin_log(errno == ELOOP || errno == ENOTDIR ? BANTIN_LOG_ERR
                                                      : BANTIN_LOG_WARN,
                   "%s %s: state directory refused: last good copies are "
                   "not shared between processes, and search is off",
                   errno == ELOOP || errno == ENOTDIR ? "BT0109" : "BT0108",
                   why);
        return -1;
    }
    if (fstat(fd, &sb) != 0
        || ((sb.st_uid != geteuid() || (sb.st_mode & 022))
            && (fchown(fd, geteuid(), getegid()) != 0
                || fchmod(fd, 0755) != 0))) {
        bantin_log(BANTIN_LOG_ERR, "BT0109 %s: state directory refused: it "
                   "belongs to someone else or others can write to it (%s); "
                   "last good copies are not shared between processes, and "
                   "search is off", root, strerror(errno));
        return -1;
    }
    return fd;
}

/* Set by a restart of the same parent: the markers stay. */
static int remember_logged;

void bantin_state_remember_logged(int yes)
{
    remember_logged = yes;
}

/* Removes the markers of logged problems, so that a start logs each
 * once again. */
static void forget_logged(int fd)
{
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    struct dirent *de;

    if (!d) {
        if (dup_fd >= 0) {
            close(dup_fd);
        }
        return;
    }
    while ((de = readdir(d)) != NULL) {
        apr_size_t len = strlen(de->d_name);
        if (len > 4 && !strcmp(de->d_name + len - 4, ".bad")) {
            unlinkat(fd, de->d_name, 0); /* a link: the link goes */
        }
    }
    closedir(d);
}

const char *bantin_state_folder_name(apr_pool_t *p, const char *dir)
{
    apr_ssize_t n = APR_HASH_KEY_STRING;
    return apr_psprintf(p, "%08x", apr_hashfunc_default(dir, &n));
}

bantin_state *bantin_state_open(apr_pool_t *p, const char *root,
                                const char *dir)
{
    bantin_state *st = apr_pcalloc(p, sizeof(*st));
    const char *name = bantin_state_folder_name(p, dir);
    apr_pool_t *tmp;
    struct stat sb;
    int rfd;

    st->dir = apr_pstrcat(p, root, "/", name, NULL);
    if (apr_pool_create(&tmp, p) != APR_SUCCESS) {
        bantin_log(BANTIN_LOG_WARN, "BT0108 %s: out of memory: last good "
                   "copies are not shared between processes", st->dir);
        return NULL;
    }
    rfd = open_root(tmp, root);
    /* 0700: only the User's processes (and root) open what is inside.
     * Another local user who could open the index, its shared memory or
     * its lock file could hold fcntl or flock locks on them and stall
     * every process's search and indexing. */
    st->fd = rfd < 0 ? -1 : bantin_safedir_openat(p, rfd, name, 0700);
    if (rfd >= 0 && st->fd < 0) {
        int link = errno == ELOOP || errno == ENOTDIR;
        bantin_log(link ? BANTIN_LOG_ERR : BANTIN_LOG_WARN,
                   "%s %s: state directory %s: last good copies are not "
                   "shared between processes, and search is off",
                   link ? "BT0109" : "BT0108", st->dir,
                   errno == ELOOP ? "is a symbolic link, not followed"
                   : errno == ENOTDIR ? "is not a folder, refused"
                                      : strerror(errno));
    }
    apr_pool_destroy(tmp); /* closes the root */
    if (st->fd < 0) {
        return NULL;
    }
    if (fstat(st->fd, &sb) != 0 || !owned_by_us(&sb)) {
        bantin_log(BANTIN_LOG_ERR, "BT0109 %s: state directory refused: it "
                   "belongs to someone else; last good copies are not shared "
                   "between processes, and search is off", st->dir);
        return NULL;
    }
    /* made 0755 by an earlier version */
    if ((sb.st_mode & 077) && fchmod(st->fd, 0700) != 0) {
        bantin_log(BANTIN_LOG_WARN, "BT0004 %s: cannot make the state "
                   "directory private to the server's User: %s", st->dir,
                   strerror(errno));
    }
    /* The children, which write to it, run as the User of mod_unixd. */
    if (hand_uid != (uid_t)-1 && geteuid() == 0
        && (sb.st_uid != hand_uid || sb.st_gid != hand_gid)
        && fchown(st->fd, hand_uid, hand_gid) != 0) {
        bantin_log(BANTIN_LOG_WARN, "BT0004 %s: cannot hand the state "
                   "directory to the server's User: %s", st->dir,
                   strerror(errno));
    }
    if (!remember_logged) {
        forget_logged(st->fd);
    }
    return st;
}

const char *bantin_state_dir(const bantin_state *st)
{
    return st->dir;
}

void bantin_state_save_good(bantin_state *st, apr_pool_t *p, const char *rel,
                            const char *data, apr_size_t len,
                            apr_time_t src_mtime)
{
    static volatile apr_uint32_t serial;
    const char *name = flat(p, rel, "");
    const char *tmp = NULL;
    struct stat sb;
    int fd = -1, written, tries;

    if (fstatat(st->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0
        && S_ISREG(sb.st_mode) && mtime_of(&sb) >= src_mtime) {
        return; /* another process saved this version already */
    }
    /* A name of its own: two threads of one child may save the same
     * article at once, and must not write into one file. */
    for (tries = 0; fd < 0 && tries < 8; tries++) {
        tmp = apr_psprintf(p, "%s.%ld.%u.tmp", name, (long)getpid(),
                           (unsigned)apr_atomic_inc32(&serial));
        fd = openat(st->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                                     | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) {
            return;
        }
    }
    if (fd < 0) {
        return;
    }
    written = fchmod(fd, 0644) == 0
              && write(fd, data, len) == (ssize_t)len;
    if (close(fd) != 0 || !written
        || renameat(st->fd, tmp, st->fd, name) != 0) {
        unlinkat(st->fd, tmp, 0);
    }
}

apr_status_t bantin_state_read_good(bantin_state *st, apr_pool_t *p,
                                    const char *rel, apr_time_t after,
                                    const char *file, const char **data,
                                    apr_size_t *len, bantin_problem *problem)
{
    /* What a child wrote is read like an article from an editor: no link,
     * a regular file of one name only (not a hard link to someone else's
     * file), of our own, within the article's size limit; then parsed. */
    int fd = openat(st->fd, flat(p, rel, ""),
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    apr_status_t rv = APR_ENOENT;

    if (fd < 0) {
        return APR_ENOENT;
    }
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_nlink == 1
        && owned_by_us(&sb) && mtime_of(&sb) > after) {
        rv = bantin_article_read_fd(p, fd, file, data, len, problem);
    }
    close(fd);
    return rv;
}

void bantin_state_forget(bantin_state *st, apr_pool_t *p, const char *rel)
{
    unlinkat(st->fd, flat(p, rel, ""), 0);
}

/* Makes the mark of this version of rel, with suffix: 1 when this process
 * made it (its problem is to be logged now), 0 when one was there. */
static int claim_mark(bantin_state *st, apr_pool_t *p, const char *rel,
                      const apr_finfo_t *fi, const char *suffix)
{
    const char *marker = flat(p, rel,
                              apr_psprintf(p, "@%lu-%" APR_TIME_T_FMT "-%"
                                           APR_OFF_T_FMT "%s",
                                           (unsigned long)fi->inode,
                                           fi->mtime, fi->size, suffix));
    int fd = openat(st->fd, marker,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    0644);

    if (fd < 0) {
        return errno != EEXIST; /* when in doubt, log */
    }
    close(fd);
    return 1;
}

int bantin_state_claim_log(bantin_state *st, apr_pool_t *p, const char *rel,
                           const apr_finfo_t *fi)
{
    return claim_mark(st, p, rel, fi, ".bad");
}

int bantin_state_claim_refs_log(bantin_state *st, apr_pool_t *p,
                                const char *rel, const apr_finfo_t *fi)
{
    /* ".refs", not ".bad": forget_logged leaves it at a start */
    return claim_mark(st, p, rel, fi, ".refs");
}

apr_status_t bantin_state_read_file(bantin_state *st, apr_pool_t *p,
                                    const char *name, apr_size_t max,
                                    char **data, apr_size_t *len,
                                    const char **why)
{
    int fd = openat(st->fd, name,
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    apr_size_t got = 0;
    char *buf;

    if (fd < 0) {
        if (errno == ENOENT) {
            return APR_ENOENT;
        }
        *why = errno == ELOOP ? "a symbolic link, not followed"
                              : apr_pstrdup(p, strerror(errno));
        return APR_EINVAL;
    }
    *why = NULL;
    if (fstat(fd, &sb) != 0) {
        *why = apr_pstrdup(p, strerror(errno));
    }
    else if (!S_ISREG(sb.st_mode)) {
        *why = "not a regular file";
    }
    else if (sb.st_nlink != 1) {
        *why = "a hard link";
    }
    else if (!owned_by_us(&sb)) {
        *why = "it belongs to someone else";
    }
    else if ((apr_uint64_t)sb.st_size > max) {
        *why = apr_psprintf(p, "larger than %lu bytes", (unsigned long)max);
    }
    if (*why) {
        close(fd);
        return APR_EINVAL;
    }
    /* Read up to one byte past its size: it may have grown since fstat
     * (a file is replaced by rename, never rewritten in place). */
    max = (apr_size_t)sb.st_size;
    buf = apr_palloc(p, max + 2);
    for (;;) {
        ssize_t n = read(fd, buf + got, max + 1 - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            *why = apr_pstrdup(p, strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        got += (apr_size_t)n;
        if (got > max) {
            *why = "it grew while it was read";
            break;
        }
    }
    close(fd);
    if (*why) {
        return APR_EINVAL;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return APR_SUCCESS;
}

apr_status_t bantin_state_write_file(bantin_state *st, apr_pool_t *p,
                                     const char *name, const char *data,
                                     apr_size_t len)
{
    static volatile apr_uint32_t serial;
    const char *tmp = NULL;
    apr_status_t rv = APR_SUCCESS;
    int fd = -1, tries;

    /* A name no other process or thread uses, made with O_EXCL: a link
     * the User left in its place is not followed. */
    for (tries = 0; fd < 0 && tries < 8; tries++) {
        tmp = apr_psprintf(p, "%s.%ld.%u.tmp", name, (long)getpid(),
                           (unsigned)apr_atomic_inc32(&serial));
        fd = openat(st->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                                     | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) {
            return APR_FROM_OS_ERROR(errno);
        }
    }
    if (fd < 0) {
        return APR_EEXIST;
    }
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rv = n < 0 ? APR_FROM_OS_ERROR(errno) : APR_EGENERAL;
            break;
        }
        data += n;
        len -= (apr_size_t)n;
    }
    if (rv == APR_SUCCESS && fchmod(fd, 0644) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (close(fd) != 0 && rv == APR_SUCCESS) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv == APR_SUCCESS && renameat(st->fd, tmp, st->fd, name) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv != APR_SUCCESS) {
        unlinkat(st->fd, tmp, 0);
    }
    return rv;
}
