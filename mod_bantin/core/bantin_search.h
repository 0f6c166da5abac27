/* bantin_search.h -- full-text search over a content store.
 *
 * SQLite's FTS5 does the indexing and BM25 ranking; the folding is ours
 * (bantin_fold: tones and diacritics removed, đ -> d, NFC and NFD alike),
 * applied before indexing and to every query, because FTS5's own
 * unicode61 remove_diacritics leaves đ alone ("giup do" would not find
 * "giúp đỡ").  Each article is indexed twice: folded, for matching, and
 * as written, so that when a query has diacritics the articles that
 * match them exactly rank first ("bán" before "bàn").  What is indexed:
 * every text a reader sees, in three fields ranked in this order (title,
 * lead, the rest: bantin_search_fields.h).
 *
 * The index is a file in the state directory, shared by httpd's
 * processes (WAL mode); it follows the store change by change and is
 * rebuilt automatically when missing or corrupt.
 */
#ifndef BANTIN_SEARCH_H
#define BANTIN_SEARCH_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "bantin_store.h"

typedef struct bantin_search bantin_search;

/* Checks that the index file at path is ours and readable, recreating it
 * when it is not (missing, not a database, another schema version).  For
 * the parent, before children open it; cheap, whatever the index's size:
 * the full integrity checks are bantin_search_sync's. */
apr_status_t bantin_search_prepare(apr_pool_t *p, const char *path,
                                   const char **err);

/* Opens the index for this process.  NULL and *err on failure. */
bantin_search *bantin_search_open(apr_pool_t *p, const char *path,
                                  const char **err);

/* Checks the whole index (SQLite's and FTS5's integrity checks; a damaged
 * index is emptied or rebuilt in place), then brings it in line with the
 * store: adds or updates what differs
 * (by content hash), then removes what the store's current snapshot lacks
 * (current then, not at the start: articles added meanwhile stay).
 * Batched in transactions; queued updates (bantin_search_queue) and other
 * processes get in between.  Returns how many articles were written. */
apr_size_t bantin_search_sync(bantin_search *s, bantin_store *store);

/* Queues one update of the store for bantin_search_work(): the slugs in
 * `gone` were replaced or removed, `added` are new versions (not
 * drafts).  Never waits for the index: for the store's listener, which
 * runs on a request thread. */
void bantin_search_queue(bantin_search *s, const bantin_article *const *added,
                         apr_size_t nadded, const char *const *gone,
                         apr_size_t ngone);

/* Writes what was queued, each slug as the store has it now (a newer
 * version, or none), waiting up to `wait` for something to be queued
 * (0: not at all).  For one background thread a process; returns how
 * many slugs it took. */
apr_size_t bantin_search_work(bantin_search *s, bantin_store *store,
                              apr_interval_time_t wait);

/* Makes a running bantin_search_sync() or bantin_search_work() stop at
 * once, whatever SQLite is doing (a batch, an integrity check, a wait for
 * another process's lock): the batch under way is abandoned (rolled
 * back; the next sync goes on from there) and no further write is made.
 * For a process on its way out: from another thread, while the one that
 * writes may be busy; the index is closed without a checkpoint. */
void bantin_search_stop(bantin_search *s);
int bantin_search_stopped(bantin_search *s);

/* How far the index is, for search not to claim that nothing matched
 * when it has not looked everywhere.  track: at a process's start (after
 * bantin_search_open, before the indexer thread), with a token that the
 * processes of one start share: the index is complete from the start
 * when it was left holding exactly the store's articles.  refresh: in the
 * indexer thread, now and then, to learn what another process's sync
 * did; returns 1 when complete.  progress: for request threads (atomics,
 * no lock): 1 when the index holds the whole store (snap: the request's),
 * else 0 with *indexed of *of articles gone through so far (a first
 * build, a rebuild, or a store much ahead of the index). */
void bantin_search_track(bantin_search *s, bantin_store *store,
                         apr_uint64_t start);
int bantin_search_refresh(bantin_search *s);
int bantin_search_progress(bantin_search *s, const bantin_snapshot *snap,
                           apr_size_t *indexed, apr_size_t *of);

typedef struct bantin_query {
    const char *text;       /* what the reader typed */
    const char *category;   /* a category slug, or NULL */
    apr_time_t from, to;    /* a date range [from, to), 0 = open */
    apr_time_t now;         /* leaves out articles dated later or expired
                             * by then; 0 = keep them */
    /* 1 when a reader may see the article (the store's word, which is
     * final: the index may lag behind it); NULL = all matches */
    int (*visible)(void *baton, const char *slug);
    void *baton;
} bantin_query;

/* Slugs of matching articles, best first: up to n from the first-th;
 * *total is how many can be paged through (those q->visible keeps).
 * The last word of the text is a folded prefix when typed without
 * diacritics ("nong th"), and a whole word, like the others, when typed
 * with them ("nông thôn": not thông, thống).  When more articles match
 * than are ranked (bantin_search_set_candidates), *more is how many are
 * ranked ("more than *more match"), else 0.  Returns APR_EINVAL when the
 * query has nothing to search for. */
apr_status_t bantin_search_query(bantin_search *s, apr_pool_t *p,
                                 const bantin_query *q, apr_size_t first,
                                 apr_size_t n, apr_array_header_t *slugs,
                                 apr_size_t *total, apr_size_t *more);

/* How many of the newest matches a search ranks (default 1,000; 0 sets
 * the default): title matches and exact-diacritics matches are looked
 * for separately, so a search lists up to a few times that. */
void bantin_search_set_candidates(bantin_search *s, apr_size_t n);

/* The text of an article's body: captions and paragraphs (the index
 * also has its title, lead, author and category name). */
const char *bantin_search_text(apr_pool_t *p, const bantin_article *a);

/* 1 when the query's last word is matched as a prefix (see
 * bantin_search_query): the snippet marks the words it begins. */
int bantin_search_last_is_prefix(apr_pool_t *p, const char *query);

/* A snippet of text around the first word matching the query, about
 * `words` words long, HTML-escaped, matches wrapped in <mark>. */
const char *bantin_search_snippet(apr_pool_t *p, const char *text,
                                  const char *query, apr_size_t words);

/* The snippet of an article for a query, from where its words are: the
 * lead when it has as many of them as the body, the body when it has
 * more; the lead when neither has any (a match in the title or the
 * author line). */
const char *bantin_search_article_snippet(apr_pool_t *p,
                                          const bantin_article *a,
                                          const char *query,
                                          apr_size_t words);

#endif
