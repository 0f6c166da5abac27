/* bantin_fs.h -- reading below the content dir without following any
 * symbolic link: opening a file or folder by its path below a folder's
 * descriptor, one component at a time, and walking a tree by descriptors.
 *
 * Editors (and whatever writes the content dir) may swap any folder or
 * file for a symbolic link at any moment (SECURITY.md).  A path string
 * handed to open() or opendir() would pass through such a link; these
 * functions never do: every component is opened with openat(O_NOFOLLOW)
 * relative to the folder before it, and checked with fstat.  The store,
 * the media handler and the checker read the content dir only through
 * them, so they all see the same files.
 */
#ifndef BANTIN_FS_H
#define BANTIN_FS_H

#include <sys/stat.h>
#include <sys/types.h>

#include <apr_pools.h>

/* Deeper trees than this are almost surely a loop or a mistake: their
 * folders are not read (by the portal or the checker). */
#define BANTIN_FS_MAX_DEPTH 32

typedef enum {
    BANTIN_FS_FILE,    /* a regular file, opened O_NONBLOCK (a FIFO never
                        * waits for a writer) */
    BANTIN_FS_DIR      /* a folder */
} bantin_fs_kind_e;

/* Opens the folder at path (the configured content dir itself, which the
 * admin names and may reach through links) for the functions below.
 * Returns a descriptor (O_CLOEXEC), or -1 with errno set. */
int bantin_fs_open_top(const char *path);

/* Opens rel, "name" or "folder/.../name", below the folder open as dirfd,
 * without following a symbolic link anywhere on the way.  Returns a
 * descriptor (O_CLOEXEC) of a regular file or a folder as kind says, or
 * -1 with errno set:
 *   ELOOP   a component is a symbolic link
 *   ENXIO   the last one is not of the kind wanted (a FIFO, a device, a
 *           folder where a file is wanted; a file where a folder is
 *           wanted gives ENOTDIR)
 *   EINVAL  rel is not a plain relative path: empty, absolute, or with an
 *           empty, "." or ".." component
 *   or what openat() said (ENOENT, EACCES, ...). */
int bantin_fs_open_below(int dirfd, const char *rel, bantin_fs_kind_e kind);

/* lstat() of rel below dirfd: the folders on the way are opened as above
 * (a link among them fails with ELOOP), the last component is looked at
 * with fstatat(AT_SYMLINK_NOFOLLOW), so a link there is reported as one.
 * Returns 0, or -1 with errno set. */
int bantin_fs_stat_below(int dirfd, const char *rel, struct stat *st);

/* What a walk reports.  rel is the path below the top ("" for the top),
 * dirfd the folder being listed: both valid during the call only. */
typedef struct bantin_walker {
    /* A folder, open as dirfd, before its entries are listed; what it
     * returns is handed to `file` for each of them. */
    void *(*folder)(void *baton, int dirfd, const char *rel);
    /* An entry named like an article (not hidden, ends in ".xml") that is
     * a regular file or a symbolic link (is_link), in the folder dirfd. */
    void (*file)(void *baton, void *folder_data, int dirfd, const char *name,
                 const char *rel, int is_link);
    /* A folder deeper than BANTIN_FS_MAX_DEPTH: not read. */
    void (*too_deep)(void *baton, const char *rel);
    void *baton;
} bantin_walker;

/* Walks the folder rel below topfd ("" for the top itself) and every
 * folder below it, never through a symbolic link, skipping names that
 * start with '.'.  The depth of a folder is the number of components of
 * its path below the top, whichever folder the walk starts from.  Returns
 * 0, or -1 with errno set when rel itself cannot be opened as a folder. */
int bantin_fs_walk(apr_pool_t *p, int topfd, const char *rel,
                   const bantin_walker *w);

/* A folder the reader of bantin_fs_walk_as may not list: name in the
 * folder parentfd, at rel below the top.  Returns nonzero to walk it all
 * the same (when this process can open it). */
typedef int bantin_fs_unreadable_fn(void *baton, int parentfd,
                                    const char *name, const char *rel);

struct bantin_fs_reader;

/* bantin_fs_walk, for a reader (see bantin_fs_reader; NULL: this
 * process): every folder it may not list, and every folder this process
 * could not open (EACCES), is reported to unreadable (with w's baton). */
int bantin_fs_walk_as(apr_pool_t *p, int topfd, const char *rel,
                      const bantin_walker *w,
                      const struct bantin_fs_reader *reader,
                      bantin_fs_unreadable_fn *unreadable);

/* 1 when name is one the walk reports as a file: not hidden, ends in
 * ".xml" with something before it. */
int bantin_fs_is_article_name(const char *name);

/* Who reads the content dir: the server's User.  httpd's parent reads
 * as root, which can read everything, but its children, which serve, read
 * as the User; so whatever the parent reads, it first asks whether the
 * User could (by the permission bits: owner, group and supplementary
 * groups, and others), and both kinds of process then see the same files.
 * Made once at startup, read-only afterwards (thread-safe). */
typedef struct bantin_fs_reader {
    const char *name;  /* "www-data", for messages */
    uid_t uid;
    gid_t gid;
    gid_t *groups;     /* its supplementary groups, gid among them */
    int ngroups;
} bantin_fs_reader;

/* The reader named user (uid, gid; "#33" names a uid without groups), in
 * p.  Its groups are those initgroups() would give it. */
bantin_fs_reader *bantin_fs_reader_make(apr_pool_t *p, const char *user,
                                        uid_t uid, gid_t gid);

/* 1 when r may read what st describes: a file it can read, a folder it
 * can list and enter (read and search); always 1 for root. */
int bantin_fs_reader_may(const bantin_fs_reader *r, const struct stat *st);

/* The same for name in the folder dirfd (a link is not followed): 1, or
 * 0 when r may not read it; 1 when it cannot be looked at (the reading
 * says what is wrong then). */
int bantin_fs_reader_may_at(const bantin_fs_reader *r, int dirfd,
                            const char *name);

/* The same for a path the admin names (the content dir, reached through
 * links): every folder on the way must let r through (search), and the
 * last one be listable.  0 with *why set ("/srv/a: no search permission
 * for www-data"), or 1. */
int bantin_fs_reader_may_path(apr_pool_t *p, const bantin_fs_reader *r,
                              const char *path, const char **why);

#endif
