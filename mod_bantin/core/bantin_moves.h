/* bantin_moves.h -- where articles went: the old URL of an article whose
 * file moved within the content dir answers 301 to the new one, that of
 * an article deleted once it was known answers 410 Gone.
 *
 * The store tells the map of every article that leaves (its slug and the
 * hash of its bytes) and of every slug served again.  Where a slug that
 * left leads is worked out when it is asked for, from the snapshot the
 * request holds: the visible article with the same bytes (the first by
 * slug), or else the one visible article with the same file name in
 * another folder (none when several have it).  So a chain of moves leads
 * straight to the last place, every process that sees the same content
 * answers the same, and a new article at an old URL wins: the map is only
 * asked about slugs the snapshot does not hold.
 *
 * Each process keeps its own map, made of what its store saw (and what
 * it inherited at fork); a process whose map changed writes it to the
 * content dir's state folder (bantin_state.h) as "moves.map", and the
 * next start reads it back, so restarts keep it.  The newest
 * BANTIN_MOVES_MAX entries are kept.
 */
#ifndef BANTIN_MOVES_H
#define BANTIN_MOVES_H

#include <apr_pools.h>
#include <apr_time.h>

#include "bantin_state.h"
#include "bantin_store.h"

#define BANTIN_MOVES_MAX 10000      /* entries kept, newest first */
#define BANTIN_MOVES_SLUG_MAX 512   /* longer slugs are not kept */
#define BANTIN_MOVES_FILE "moves.map"

typedef struct bantin_moves bantin_moves;

/* One article that left: its slug, the hash of its last bytes, and when
 * it left (seconds since the epoch). */
typedef struct bantin_moves_entry {
    const char *slug;
    apr_uint64_t hash;
    apr_int64_t when;
} bantin_moves_entry;

typedef enum {
    BANTIN_MOVES_UNKNOWN = 0,   /* never known, or still here: 404 */
    BANTIN_MOVES_MOVED,         /* *to is where it is now: 301 */
    BANTIN_MOVES_GONE           /* it left and is nowhere now: 410 */
} bantin_moves_e;

/* A map, with what state (may be NULL: then nothing is saved) holds from
 * earlier runs; a damaged or foreign file is ignored with one BT0141
 * line. */
bantin_moves *bantin_moves_create(apr_pool_t *p, bantin_state *st,
                                  const char *dir);

/* The store's updating thread only: an article (not a draft) left slug;
 * a slug is served again (forgotten: whatever is there now wins). */
void bantin_moves_left(bantin_moves *m, const char *slug, apr_uint64_t hash,
                       apr_time_t now);
void bantin_moves_back(bantin_moves *m, const char *slug);

/* The store's updating thread only: writes the map when it changed. */
void bantin_moves_save(bantin_moves *m);

/* How many slugs the map holds. */
apr_size_t bantin_moves_count(bantin_moves *m);

/* What became of slug, for a request that holds snap and did not find
 * it there (any thread).  *to, for MOVED, is allocated from p. */
bantin_moves_e bantin_moves_find(bantin_moves *m, const bantin_snapshot *snap,
                                 const char *slug, apr_time_t now,
                                 apr_pool_t *p, const char **to);

/* The file format, for the tests: the entries in the order given, as
 *   bantin-moves 1 <count>\n
 *   <hash, 16 hex digits> <when> <slug>\n   (count lines)
 * and back.  Parsing is strict (the file is the User's): anything else,
 * a truncated file included, fails with *why and no entries. */
char *bantin_moves_format(apr_pool_t *p, const bantin_moves_entry *e,
                          apr_size_t n, apr_size_t *len);
apr_status_t bantin_moves_parse(apr_pool_t *p, const char *data,
                                apr_size_t len, bantin_moves_entry **out,
                                apr_size_t *n, const char **why);

#endif
