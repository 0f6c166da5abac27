/* bantin_startcache.h -- what the last start parsed, so the next one reads
 * it back instead of parsing every file again.
 *
 * Parsing and checking is most of a large portal's start: 100,000 files
 * take about 4 CPU-seconds.  The parent writes every article it holds, in
 * the form parsing gave it, to one file after startup; the next start maps
 * that file and takes an article from it when the file on disk still has
 * the size, mtime, ctime and inode it had (any write moves the ctime), and
 * parses it otherwise.  The cache is tied to the build that wrote it and to
 * the settings that shape an article (the time zone): any other build or
 * setting ignores it.
 *
 * Its content goes out as HTML unchecked, so only the parent may write
 * it: it lives in a folder of the server's runtime dir that belongs to the
 * parent's user and that nobody else can write (bantin_startcache_dir),
 * opened without following a link anyone else could have placed on the
 * way (bantin_safedir.h) and then used through its descriptor only; a
 * file that is not the parent's own (0600 or stricter), or that is damaged
 * in any way, is ignored as a whole.
 */
#ifndef BANTIN_STARTCACHE_H
#define BANTIN_STARTCACHE_H

#include <apr_file_info.h>
#include <apr_pools.h>

#include "bantin_article.h"

typedef struct bantin_startcache bantin_startcache;

/* Makes dir (mode 0700) if needed, opens it (bantin_safedir_open) and
 * checks that it belongs to this process's user and that no one else can
 * write to it.  Returns its descriptor (closed when p is cleared), or -1
 * and *why. */
int bantin_startcache_dir(apr_pool_t *p, const char *dir, const char **why);

/* Removes what a write of the cache `name` cut short left in the folder
 * (files "<name>.*"). */
void bantin_startcache_clean(apr_pool_t *p, int dirfd, const char *name);

/* The key a cache must carry to be used: this build and the zone. */
apr_uint64_t bantin_startcache_key(int tz_min);

/* Maps the cache `name` of the folder dirfd.  Returns NULL when there is
 * none, or it is a link, or not this process user's own and 0600 or
 * stricter, or it was written for another key, or any record of it is
 * damaged.  Every record is checked here, so that get() can trust them. */
bantin_startcache *bantin_startcache_open(apr_pool_t *p, int dirfd,
                                          const char *name, apr_uint64_t key);

/* The same over len bytes in memory (which must outlive the cache): what
 * open() does once the file is mapped, for tests that want every byte
 * under a memory checker's eye. */
bantin_startcache *bantin_startcache_read(apr_pool_t *p, const void *data,
                                          apr_size_t len, apr_uint64_t key);

/* The article recorded for rel, when the file still has that stat: packed
 * (bantin_article_pack: free with bantin_article_free) with the given
 * path and slug.  NULL when it is not there, changed, or out of memory.
 * Safe from several threads at once (it only reads). */
bantin_article *bantin_startcache_get(const bantin_startcache *c,
                                      const char *rel,
                                      const apr_finfo_t *fi,
                                      const char *path, const char *slug);

/* How many records the cache holds. */
apr_size_t bantin_startcache_count(const bantin_startcache *c);

/* Unmaps it (also done when p is destroyed). */
void bantin_startcache_close(bantin_startcache *c);

/* One article to record, with the stat of its file. */
typedef struct {
    const char *rel;
    apr_off_t size;
    apr_time_t mtime, ctime;
    apr_ino_t ino;
    const bantin_article *article;
} bantin_startcache_entry;

/* Writes a cache of these n entries as `name` in the folder dirfd: a
 * temporary file (mode 0600), then a rename, so a reader sees the old one
 * or the new one whole. */
apr_status_t bantin_startcache_write(apr_pool_t *p, int dirfd,
                                     const char *name, apr_uint64_t key,
                                     const bantin_startcache_entry *e,
                                     apr_size_t n);

#endif
