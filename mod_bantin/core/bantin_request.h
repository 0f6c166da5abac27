/* bantin_request.h -- what a request asks for, parsed without httpd.
 *
 * Routing, query parameters, cookies and the font-size step live here, as
 * plain functions over strings, so the unit tests and fuzzers reach them
 * directly and another server could reuse them.
 */
#ifndef BANTIN_REQUEST_H
#define BANTIN_REQUEST_H

#include <apr_pools.h>

typedef enum {
    BANTIN_ROUTE_NOT_FOUND = 0,
    BANTIN_ROUTE_ADD_SLASH,  /* "/portal" -> redirect to "/portal/" */
    BANTIN_ROUTE_HOME,
    BANTIN_ROUTE_ARTICLE,
    BANTIN_ROUTE_MEDIA,
    BANTIN_ROUTE_STATIC,
    BANTIN_ROUTE_FONTSIZE,
    BANTIN_ROUTE_BLOCK,      /* one block alone: /block/toolbar/<slug>,
                                /block/view/<slug>, /block/related/<slug>,
                                /block/other/<slug>, /block/list */
    BANTIN_ROUTE_CATEGORY,   /* /category/<slug> */
    BANTIN_ROUTE_FEED,       /* /feed.xml, /category/<slug>/feed.xml */
    BANTIN_ROUTE_SITEMAP,    /* /sitemap.xml, /sitemap-<n>.xml */
    BANTIN_ROUTE_PRINT,      /* /print/<slug> */
    BANTIN_ROUTE_SEARCH      /* /search?q=… */
} bantin_route_e;

typedef enum {
    BANTIN_BLOCK_NONE = 0,
    BANTIN_BLOCK_TOOLBAR,
    BANTIN_BLOCK_VIEW,
    BANTIN_BLOCK_RELATED,
    BANTIN_BLOCK_OTHER,
    BANTIN_BLOCK_LIST
} bantin_block_e;

typedef struct bantin_route {
    bantin_route_e kind;
    const char *arg;  /* ARTICLE, BLOCK, PRINT: slug; CATEGORY, FEED:
                         category slug (FEED: NULL for all); MEDIA:
                         relative path; STATIC: name; SITEMAP: part */
    bantin_block_e block;
} bantin_route;

/* Routes the decoded path below the portal prefix ("" or "/..."). */
void bantin_route_parse(apr_pool_t *p, const char *rest, bantin_route *out);

/* Percent-decodes s into the pool.  Returns NULL on a bad escape or an
 * encoded NUL.  In a query, '+' means a space (plus_is_space). */
char *bantin_unescape(apr_pool_t *p, const char *s, apr_size_t n,
                      int plus_is_space);

/* The decoded value of the first "name=value" in an
 * application/x-www-form-urlencoded string, or NULL. */
const char *bantin_form_get(apr_pool_t *p, const char *query,
                            const char *name);

/* Parses a page number in plain decimal.  Returns -1 when the text is not
 * a number (a bad request), else its value; 0 and numbers of ten or more
 * digits come back as 0, a page that does not exist. */
long bantin_page_parse(const char *s);

/* Does an Accept-Encoding header accept gzip (q > 0, or "*")? */
int bantin_accepts_gzip(const char *accept_encoding);

/* ---- font size ---- */

/* The step a Cookie header asks for: the value of the one cookie called
 * name, when it is plain decimal within 1..count.  Anything else (absent,
 * repeated, quoted, signed, out of range, too long) yields def. */
int bantin_fontsize_from_cookie(const char *header, const char *name,
                                int count, int def);

/* The step after a change: "up", "down" or an explicit step number,
 * clamped to 1..count.  Unknown requests leave cur as it is. */
int bantin_fontsize_apply(const char *req, int cur, int count);

/* Is back a route a reader may be sent back to after a change of font
 * size: empty (home) or made of [a-z0-9-] segments joined by single '/'? */
int bantin_back_is_safe(const char *back);

/* ---- loosely written URLs ---- */

/* The one URL of a page a reader wrote loosely: rest (as for
 * bantin_route_parse) without trailing slashes and with ASCII capitals
 * lowered, when that differs from rest and routes to an article, a print
 * view, a category or a feed (out: that route), with what of args
 * matters there (print=1 on an article, page=N on a category), rebuilt
 * rather than copied.  NULL otherwise.  Whether the page exists is the
 * caller's question. */
const char *bantin_route_canonical(apr_pool_t *p, const char *rest,
                                   const char *args, bantin_route *out);

/* May route, below the portal's prefix, go into a Location: "/" then
 * [a-z0-9-/.?=&] only, with no "//" and no segment starting with '.', so
 * it can name neither another host nor a path outside the portal. */
int bantin_location_is_safe(const char *route);

#endif
