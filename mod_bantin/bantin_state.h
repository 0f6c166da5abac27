/* bantin_state.h -- what the processes of one server share on disk about
 * a content dir: the last good copy of every article that changed while
 * the server ran, and which broken versions were already logged.
 *
 * httpd runs many processes that each parse what changed.  Without a
 * shared record, a child forked after an article broke would have only
 * its parent's older copy, and every process would log the same broken
 * file once.  Both records are plain files in a state directory (by
 * default under httpd's DefaultRuntimeDir), written atomically (temp file
 * + rename, or O_EXCL), so no lock is needed between processes.
 */
#ifndef BANTIN_STATE_H
#define BANTIN_STATE_H

#include <apr_file_info.h>
#include <apr_pools.h>

typedef struct bantin_state bantin_state;

/* Opens (creating it if needed) the state of content dir `dir` below
 * `root`; forgets which problems were logged, so that a start logs each
 * once again.  Returns NULL and logs when the directory is unusable. */
bantin_state *bantin_state_open(apr_pool_t *p, const char *root,
                                const char *dir);

const char *bantin_state_dir(const bantin_state *st);

/* Keeps data as the last good copy of rel (unless one at least as new as
 * src_mtime is there already). */
void bantin_state_save_good(bantin_state *st, apr_pool_t *p, const char *rel,
                            const char *data, apr_size_t len,
                            apr_time_t src_mtime);

/* The path of rel's last good copy if it was saved after `after`, or
 * NULL. */
const char *bantin_state_good_copy(bantin_state *st, apr_pool_t *p,
                                   const char *rel, apr_time_t after);

/* Removes rel's last good copy (the file is gone). */
void bantin_state_forget(bantin_state *st, apr_pool_t *p, const char *rel);

/* Claims the right to log this version of rel as broken: returns 1 to the
 * first process that asks, 0 to the others. */
int bantin_state_claim_log(bantin_state *st, apr_pool_t *p, const char *rel,
                           const apr_finfo_t *fi);

#endif
