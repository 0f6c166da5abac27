/* bantin_store.h -- the content store: every article of one content dir,
 * indexed by slug and sorted for lists.
 *
 * A store hands out snapshots.  A snapshot is immutable once built, so any
 * number of threads may read it without a lock.  The store is built in the
 * httpd parent before it forks, so prefork children share its pages
 * copy-on-write instead of each holding a copy of the site.
 */
#ifndef BANTIN_STORE_H
#define BANTIN_STORE_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "bantin_article.h"

typedef struct bantin_snapshot {
    const bantin_article **sorted; /* newest first: date desc, slug asc */
    apr_size_t count;
    apr_hash_t *by_slug;           /* slug -> const bantin_article * */
    apr_array_header_t *rejected;  /* of bantin_problem, files not served */
    apr_time_t scanned;            /* when this snapshot was built */
} bantin_snapshot;

typedef struct bantin_store bantin_store;

/* Creates a store over dir (which must exist) and loads it.  Problems with
 * single files are logged (BT0101..BT0104) and never fail the load; only a
 * directory that cannot be read at all does. */
apr_status_t bantin_store_create(bantin_store **out, apr_pool_t *p,
                                 const char *dir,
                                 const bantin_schema *schema, int tz_min);

const char *bantin_store_dir(const bantin_store *s);

/* The current snapshot; valid as long as the store's pool. */
const bantin_snapshot *bantin_store_snapshot(const bantin_store *s);

const bantin_article *bantin_snapshot_get(const bantin_snapshot *snap,
                                          const char *slug);

/* Orders articles the way lists show them. */
int bantin_article_cmp(const bantin_article *a, const bantin_article *b);

/* The slug a content-relative file path maps to ("2024/x.xml" ->
 * "2024/x"), or NULL when the name is outside [a-z0-9-] or not *.xml. */
const char *bantin_slug_from_path(apr_pool_t *p, const char *relpath);

#endif
