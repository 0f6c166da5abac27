/* bantin_conditions.c -- conditional requests as httpd decides them (see
 * bantin_conditions.h).
 */
#include <string.h>

#include <apr_date.h>
#include <apr_strings.h>

#include "bantin_conditions.h"

int bantin_etag_in(const char *list, const char *etag, int strong)
{
    const char *e = etag, *t;
    size_t n;

    if (strong && !strncmp(e, "W/", 2)) {
        return 0;
    }
    e += strncmp(e, "W/", 2) ? 0 : 2;
    for (t = list; *t; t += n) {
        t += strspn(t, " \t,");
        n = strcspn(t, ",");
        if (!n) {
            break;
        }
        {
            const char *u = t;
            size_t m = n;
            while (m && (u[m - 1] == ' ' || u[m - 1] == '\t')) {
                m--;
            }
            if (!strncmp(u, "W/", 2)) {
                if (strong) {
                    continue;
                }
                u += 2;
                m -= 2;
            }
            if (m == strlen(e) && !strncmp(u, e, m)) {
                return 1;
            }
        }
    }
    return 0;
}

int bantin_conditions(const bantin_conditional *c)
{
    apr_int64_t mtime = apr_time_sec(c->modified);
    int not_modified = -1;

    if (c->if_match) {
        if (strcmp(c->if_match, "*")
            && (!c->etag || !bantin_etag_in(c->if_match, c->etag, 1))) {
            return 412;
        }
    }
    else if (c->if_unmodified_since != BANTIN_NO_DATE && c->modified
             && mtime > c->if_unmodified_since) {
        return 412;
    }
    if (c->if_none_match) {
        if (!strcmp(c->if_none_match, "*")
            || (c->etag && bantin_etag_in(c->if_none_match, c->etag, 0))) {
            if (!c->get) {
                return 412;
            }
            not_modified = 1;
        }
        else {
            not_modified = 0;
        }
    }
    /* only without If-None-Match: a matching ETag decides alone (RFC 9110
     * 13.1.3; the httpd module hides If-Modified-Since from
     * ap_meets_conditions then), since each server's Last-Modified is its
     * own and a cache revalidates at one server a page it fetched from
     * another with that one's date */
    if (c->get && not_modified == -1 && c->modified
        && c->if_modified_since != BANTIN_NO_DATE) {
        not_modified = mtime <= c->if_modified_since
                       && c->if_modified_since <= c->now;
    }
    return not_modified == 1 ? 304 : 0;
}

/* A date header in seconds, BANTIN_NO_DATE when absent or unreadable. */
static apr_int64_t http_date(const char *s)
{
    apr_time_t t = s ? apr_date_parse_http(s) : APR_DATE_BAD;

    return t == APR_DATE_BAD ? BANTIN_NO_DATE : apr_time_sec(t);
}

int bantin_conditions_of(const bantin_response *a, const char *etag,
                         int get_or_head, bantin_header_get *get,
                         void *baton, apr_time_t now)
{
    bantin_conditional c;

    c.get = get_or_head;
    c.etag = etag;
    c.modified = a->modified;
    c.if_match = get(baton, "If-Match");
    c.if_none_match = get(baton, "If-None-Match");
    c.if_unmodified_since = http_date(get(baton, "If-Unmodified-Since"));
    c.if_modified_since = http_date(get(baton, "If-Modified-Since"));
    c.now = apr_time_sec(now);
    return bantin_conditions(&c);
}

const char *bantin_file_etag(apr_pool_t *p, const bantin_response *a,
                             apr_time_t now)
{
    return apr_psprintf(p, "%s\"%" APR_UINT64_T_HEX_FMT "-%"
                        APR_UINT64_T_HEX_FMT "\"",
                        now - a->modified > APR_USEC_PER_SEC ? "" : "W/",
                        (apr_uint64_t)a->finfo.size,
                        (apr_uint64_t)a->modified);
}
