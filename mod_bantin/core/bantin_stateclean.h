/* bantin_stateclean.h -- which httpd instances use each content dir's
 * folder of a state root, and removing the folders of content dirs that
 * no instance serves any more.
 *
 * Several httpd instances may share one state root (Debian's apache2@x
 * instances, or test servers, under the default one): an instance
 * removes only what it alone used.  The record is a file next to each
 * folder, "<folder>.instance", in the state root (the parent's own, which
 * nobody else can write): the content dir, then one line per instance
 * that serves it.  Removal goes by descriptor (openat, unlinkat) and
 * never follows a symbolic link, wherever the server's User put one.
 */
#ifndef BANTIN_STATECLEAN_H
#define BANTIN_STATECLEAN_H

#include <apr_pools.h>

/* The instance key of an httpd: its ServerRoot and its config file. */
const char *bantin_state_instance(apr_pool_t *p, const char *server_root,
                                  const char *config_file);

/* At start, in the parent, after the stores are open: records that
 * `instance` serves the content dirs dirs[0..n), and removes the folders
 * (and records) of content dirs it served before and no longer does,
 * unless another instance still uses them (then only its own line goes).
 * Logs BT0121 for each folder removed. */
void bantin_state_sweep(apr_pool_t *p, const char *root,
                        const char *instance, const char *const *dirs,
                        int n);

/* Removes the start cache files ("*.cache") in the folder dir other than
 * names[0..n): for a folder of this instance's alone (the default one),
 * which the other content dirs it served before left behind.  Only a
 * folder bantin_startcache_dir accepts is touched. */
void bantin_startcache_sweep(apr_pool_t *p, const char *dir,
                             const char *const *names, int n);

#endif
