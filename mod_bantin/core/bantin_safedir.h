/* bantin_safedir.h -- opening the parent's own folders without following
 * a path that someone else could change.
 *
 * httpd's parent runs as root; its children, the server's User, own some
 * folders (and whatever else runs as that User can write there).  A path
 * that crosses such a folder can be turned by that User, at any moment,
 * into a symbolic link to /etc or /root.  So the parent opens its folders
 * one component at a time (openat + O_NOFOLLOW), follows a symbolic link
 * only where nobody but root (or the parent's own user) could have put it,
 * and then works relative to the descriptor it holds, never through the
 * path again.
 */
#ifndef BANTIN_SAFEDIR_H
#define BANTIN_SAFEDIR_H

#include <sys/types.h>

#include <apr_pools.h>

/* Opens the folder at the absolute path, creating missing folders on the
 * way with `mode` when mode is not 0.  A symbolic link is followed only
 * when the folder holding it can be changed by nobody but root or this
 * process's user (a sticky folder such as /tmp counts when the link is
 * theirs); anywhere else it is refused, as is anything that is not a
 * folder.  Returns a descriptor (O_DIRECTORY, close-on-exec, closed when
 * p is cleared), or -1 with *why ("<path>: <reason>") and errno: ELOOP
 * for a link not followed, ENOTDIR for what is not a folder. */
int bantin_safedir_open(apr_pool_t *p, const char *path, mode_t mode,
                        const char **why);

/* Opens the folder `name` right below the folder dfd (creating it with
 * `mode` when missing and mode is not 0), never through a symbolic link.
 * The descriptor is closed when p is cleared.  Returns -1 with errno set
 * (ELOOP: a symbolic link, ENOTDIR: not a folder). */
int bantin_safedir_openat(apr_pool_t *p, int dfd, const char *name,
                          mode_t mode);

#endif
