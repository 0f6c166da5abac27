/* bantin_conditions.h -- conditional requests decided as httpd's
 * ap_meets_conditions decides them, for a server that does not decide
 * them that way itself (nginx's not-modified filter takes
 * If-Modified-Since only when it equals Last-Modified), so that both
 * servers answer 304 and 412 alike; and a file's ETag as httpd makes it.
 * One difference, which the httpd module makes too: beside an
 * If-None-Match, If-Modified-Since is ignored (RFC 9110 13.1.3).
 */
#ifndef BANTIN_CONDITIONS_H
#define BANTIN_CONDITIONS_H

#include <apr_pools.h>
#include <apr_time.h>

#include "bantin_answer.h"

#define BANTIN_NO_DATE ((apr_int64_t)-1)

/* What the request asks and what the answer has; dates in seconds (HTTP
 * dates have no finer part), BANTIN_NO_DATE when absent or unreadable. */
typedef struct bantin_conditional {
    int get;                   /* GET or HEAD */
    const char *etag;          /* the answer's ETag, or NULL */
    apr_time_t modified;       /* its Last-Modified, 0: none */
    const char *if_match;      /* the headers, NULL when absent */
    const char *if_none_match;
    apr_int64_t if_unmodified_since;
    apr_int64_t if_modified_since;
    apr_int64_t now;           /* the request's time */
} bantin_conditional;

/* 0 (the answer as it is), 304 or 412. */
int bantin_conditions(const bantin_conditional *c);

/* A request header's value (several joined by ", ", as httpd merges
 * them), or NULL when the request has none. */
typedef const char *bantin_header_get(void *baton, const char *name);

/* bantin_conditions for answer a, whose ETag is etag (NULL: none), with
 * the request's headers as get finds them: the If-* dates read as httpd
 * reads them (apr_date_parse_http: RFC 1123, RFC 850 or asctime);
 * get_or_head: the method is GET or HEAD; now: the request's time. */
int bantin_conditions_of(const bantin_response *a, const char *etag,
                         int get_or_head, bantin_header_get *get,
                         void *baton, apr_time_t now);

/* Whether the comma-separated list of entity tags names etag: weakly
 * (W/ ignored on both) or strongly (a weak one never matches). */
int bantin_etag_in(const char *list, const char *etag, int strong);

/* The ETag of a media answer's file as httpd makes it (FileETag MTime
 * Size): the size and the modification time in microseconds, in hex;
 * weak when the file changed within the second before now. */
const char *bantin_file_etag(apr_pool_t *p, const bantin_response *a,
                             apr_time_t now);

#endif
