/* bantin_search_fields.h -- what of an article the search index holds.
 *
 * Every text a reader sees on the article page is searchable, in three
 * fields that rank in this order: the title, the lead (<summary>), and
 * the rest (figure captions and paragraphs, the author, the category's
 * name).  The index's FTS5 tables keep no copy of the text (contentless:
 * half the index's size); removing an article's words from them needs
 * the text they were made from, which the index keeps packed, zlib-
 * compressed, beside the article's row.  Internal to bantin_search.c.
 */
#ifndef BANTIN_SEARCH_FIELDS_H
#define BANTIN_SEARCH_FIELDS_H

#include <apr_pools.h>

#include "bantin_article.h"

typedef struct bantin_search_fields {
    const char *title;
    const char *lead;     /* "" when the article has none */
    const char *body;     /* captions, paragraphs, author, category name */
} bantin_search_fields;

/* The fields of article a, as plain text. */
void bantin_search_fields_of(apr_pool_t *p, const bantin_article *a,
                             bantin_search_fields *f);

/* The fields as one compressed blob of *len bytes; NULL when out of
 * memory. */
const void *bantin_search_fields_pack(apr_pool_t *p,
                                      const bantin_search_fields *f,
                                      apr_size_t *len);

/* Reads a blob of bantin_search_fields_pack back into *f.  0 when it is
 * not one (a damaged index). */
int bantin_search_fields_unpack(apr_pool_t *p, const void *blob,
                                apr_size_t len, bantin_search_fields *f);

#endif
