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
 *
 * The state root belongs to the parent (root) and nobody else can write
 * it; each content dir's folder in it belongs to the server's User.  The
 * parent never acts on them through a path: the folder is opened once,
 * without following links, and every file is reached from its descriptor
 * (which the children inherit), so a link the User puts there is never
 * followed, and what the User wrote is read as hostile input.
 */
#ifndef BANTIN_STATE_H
#define BANTIN_STATE_H

#include <sys/types.h>

#include <apr_file_info.h>
#include <apr_pools.h>

#include "bantin_article.h"

typedef struct bantin_state bantin_state;

/* For a parent that runs as root: the server's User, to whom the folders
 * bantin_state_open makes are handed (the children write to them). */
void bantin_state_hand_to(uid_t uid, gid_t gid);

/* Opens (creating it if needed) the state of content dir `dir` below
 * `root`; forgets which problems were logged, so that a start logs each
 * once again (unless bantin_state_remember_logged said not to).  Returns NULL and logs when the directory is unusable, or
 * refused: a symbolic link where nobody but root could have put it is
 * the only kind followed (BT0109). */
bantin_state *bantin_state_open(apr_pool_t *p, const char *root,
                                const char *dir);

/* yes: bantin_state_open keeps which problems were logged (a restart of
 * the same parent, which logged them already: graceful or not); no (the
 * default): a fresh start, which logs each once again. */
void bantin_state_remember_logged(int yes);

const char *bantin_state_dir(const bantin_state *st);

/* The name of content dir `dir`'s folder below the root. */
const char *bantin_state_folder_name(apr_pool_t *p, const char *dir);

/* Keeps data as the last good copy of rel (unless one at least as new as
 * src_mtime is there already). */
void bantin_state_save_good(bantin_state *st, apr_pool_t *p, const char *rel,
                            const char *data, apr_size_t len,
                            apr_time_t src_mtime);

/* Reads rel's last good copy, if one was saved after `after`, into *data
 * and *len, as bantin_article_read would (regular files only, within its
 * size limit; `file` names it in *problem): APR_SUCCESS; APR_ENOENT when
 * there is none (or no usable one: a link, a file of another user, a hard
 * link); APR_EINVAL with *problem when it cannot be read. */
apr_status_t bantin_state_read_good(bantin_state *st, apr_pool_t *p,
                                    const char *rel, apr_time_t after,
                                    const char *file, const char **data,
                                    apr_size_t *len, bantin_problem *problem);

/* Removes rel's last good copy (the file is gone). */
void bantin_state_forget(bantin_state *st, apr_pool_t *p, const char *rel);

/* Claims the right to log this version of rel as broken: returns 1 to the
 * first process that asks, 0 to the others. */
int bantin_state_claim_log(bantin_state *st, apr_pool_t *p, const char *rel,
                           const apr_finfo_t *fi);

/* The same for this version's broken references (warnings), whose marks
 * are kept across starts and graceful restarts: a version is reported
 * once, however often the server starts.  One empty mark per version of
 * a file that had such warnings. */
int bantin_state_claim_refs_log(bantin_state *st, apr_pool_t *p,
                                const char *rel, const apr_finfo_t *fi);

/* A file of the module's own in the folder (not an article: such as the
 * map of moved articles, bantin_moves.h), `name` a plain name.  Read as
 * hostile input: no link, a regular file of one name only, of our own,
 * at most max bytes.  APR_SUCCESS with the bytes in *data (NUL-terminated)
 * and *len; APR_ENOENT when there is none; APR_EINVAL with *why when it
 * is there but cannot be used. */
apr_status_t bantin_state_read_file(bantin_state *st, apr_pool_t *p,
                                    const char *name, apr_size_t max,
                                    char **data, apr_size_t *len,
                                    const char **why);

/* Replaces the file `name` with data, atomically (temp file + rename).
 * Returns APR_SUCCESS or why not. */
apr_status_t bantin_state_write_file(bantin_state *st, apr_pool_t *p,
                                     const char *name, const char *data,
                                     apr_size_t len);

#endif
