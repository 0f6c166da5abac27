/* bantin_refs.h -- an article's broken references: a figure whose media
 * file is not in the content dir, a link written without its scheme
 * ("www.example.vn", which a browser reads as a page of this site: a 404).
 * The article is served all the same; these are warnings for the editor
 * (bantin-check), the status page and the error log (BT0150, BT0151).
 */
#ifndef BANTIN_REFS_H
#define BANTIN_REFS_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "bantin_article.h"

/* Appends a bantin_problem (file a->path, message from the table) to out
 * for each broken reference of a, in the order of the body, and returns
 * how many.  content_fd is the content dir, open (-1: media files are not
 * looked for); data and len, when not NULL, are the file's bytes, to give
 * each problem its line and column. */
int bantin_refs_check(apr_pool_t *p, const bantin_article *a, int content_fd,
                      const char *data, apr_size_t len,
                      apr_array_header_t *out);

/* Is href a host name written without its scheme ("www.example.vn/tin",
 * "baochinhphu.vn")? */
int bantin_ref_lacks_scheme(const char *href);

#endif
