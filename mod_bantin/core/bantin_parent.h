/* bantin_parent.h -- what a server's parent process (httpd's, nginx's
 * master), started as root, prepares for the processes that serve, which
 * run as another user: the search index, checked as that user, and the
 * default folders of the state and the start cache.
 */
#ifndef BANTIN_PARENT_H
#define BANTIN_PARENT_H

#include <sys/types.h>

#include <apr_pools.h>

/* The user the serving processes run as. */
typedef struct bantin_user {
    const char *name;        /* a name, or "#uid" */
    uid_t uid;
    gid_t gid;
} bantin_user;

/* Checks (and, when missing, corrupt or outdated, rebuilds) the search
 * index at path, as user: the file and the folder it lies in belong to
 * the user, who may put a link there, so the parent (root) never touches
 * them itself.  Not root: checked directly.  On failure *err says why. */
apr_status_t bantin_parent_prepare_search(apr_pool_t *p, const char *path,
                                          const bantin_user *user,
                                          const char **err);

/* Makes dir (0755, root's, through no link of another user) and, when
 * in_reach (the serving processes open files by their paths below it),
 * dir/instance too.  0, or -1 with *why. */
int bantin_parent_default_dir(apr_pool_t *ptemp, const char *dir,
                              const char *instance, int in_reach,
                              const char **why);

/* The command line this process was started with, from
 * /proc/self/cmdline (a server may rewrite its own argv, as httpd's MPM
 * takes -k out): 1, or 0 where it cannot be read. */
int bantin_parent_cmdline(apr_pool_t *p, int *argc, const char ***argv);

/* The value of the last option -c among argv[1..argc-1], written "-c
 * value" or "-cvalue" ("" for a -c that ends the line); NULL without
 * one. */
const char *bantin_argv_option(int argc, const char *const *argv, char c);

#endif
