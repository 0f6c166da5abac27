/* bantin_answer.h -- the core answers a request: one entry that takes a
 * request as a server parsed it and returns the whole answer (status,
 * headers, body and its gzip form, validators), so that a server module
 * only translates its request in and the answer out.
 *
 * Everything that is not about talking to a server happens behind
 * bantin_answer: the settings' defaults (bantin_settings_resolve), the
 * reader's view (font step from the cookie, visible categories), routing,
 * redirects, error pages, the page cache and its keys, conditional
 * validators, the search parameters, the sitemap's parts.  The status page
 * of SetHandler bantin-status is bantin_answer_status.
 */
#ifndef BANTIN_ANSWER_H
#define BANTIN_ANSWER_H

#include <apr_file_info.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "bantin_cache.h"
#include "bantin_render.h"
#include "bantin_search.h"
#include "bantin_settings.h"
#include "bantin_store.h"

/* What serves one portal: its merged settings (unresolved: the core
 * applies the defaults) and what the server module loaded for it. */
typedef struct bantin_portal {
    const bantin_settings *settings;
    const char *content_dir;
    bantin_store *store;
    const bantin_theme *theme;
    bantin_search *search;   /* NULL: search is off */
    bantin_cache *cache;     /* this process's pages; NULL: none kept */
    struct bantin_hot *hot;  /* answers given again (bantin_hot.h), over
                              * the cache; NULL: none */
    int refresh;             /* no watcher thread: the request looks for
                              * changes itself (bantin_store_refresh) */
} bantin_portal;

/* A request as the server parsed it. */
typedef struct bantin_request_in {
    const char *method;      /* "GET", "HEAD", "POST", ... */
    const char *prefix;      /* the portal's prefix ("" or "/portal");
                              * NULL: the URL is not below it (a 404) */
    const char *path;        /* the URL's path below the prefix */
    const char *args;        /* the query string; NULL: no '?' at all */
    const char *cookie;      /* the Cookie header, or NULL */
    const char *site;        /* "http://host[:port]" the reader asked,
                              * used unless the settings have site_url */
    int site_foreign;        /* that Host is none of the server's names:
                              * pages made for it are not kept */
    int secure;              /* https: the font cookie is Secure */
    const char *accept_encoding;
    int subrequest;          /* an include (SSI): never the gzip form */
    /* The request body of the font-size POST, at most max bytes; NULL
     * when it is longer or cannot be read.  Called only for that POST. */
    const char *(*read_form)(void *baton, apr_size_t max);
    void *baton;
} bantin_request_in;

/* A header of the answer.  always: also when the server writes its own
 * page for the status (httpd's err_headers_out).  Two values have a
 * server's own form: "Last-Modified" (value: the date as RFC 1123, the
 * server may clamp it to the request's time) and a file's "ETag" with
 * value NULL (the server's own file validator). */
typedef struct bantin_header {
    const char *name;
    const char *value;
    int always;
} bantin_header;

typedef struct bantin_response {
    int status;
    int server_page;         /* the server writes the page of status
                              * itself (redirects, a plain 405) */
    const char *ctype;       /* Content-Type of the body */
    apr_array_header_t *headers; /* of bantin_header, in order */
    apr_time_t modified;     /* Last-Modified's time, 0: none */
    int conditional;         /* has validators: If-None-Match and
                              * If-Modified-Since may make it a 304 */
    const char *encoding;    /* "gzip": body is the gzip form; set only
                              * on a full answer, not on a 304 */
    const char *body;        /* NULL: none made (a HEAD of the status
                              * page): headers alone, no length */
    apr_size_t len;
    int fd;                  /* >= 0: the body is this file (finfo.size
                              * bytes), closed when the pool goes */
    apr_finfo_t finfo;
} bantin_response;

/* Answers in (method, path, query, cookie...) for portal, allocating from
 * p, the request's pool: the answer's bytes and the snapshot it read stay
 * valid until p goes.  Never fails: errors are answers (404, 400, 503). */
void bantin_answer(apr_pool_t *p, const bantin_portal *portal,
                   const bantin_request_in *in, bantin_response *out);

/* What answering in needs first, for a server whose event loop must not
 * wait: BANTIN_NEEDS_FORM for the font-size POST (its body read, for
 * in->read_form), BANTIN_NEEDS_THREAD for a search query while search
 * is on (it may take long), else BANTIN_NEEDS_NOTHING. */
typedef enum {
    BANTIN_NEEDS_NOTHING = 0,
    BANTIN_NEEDS_FORM,
    BANTIN_NEEDS_THREAD
} bantin_needs_e;

bantin_needs_e bantin_answer_needs(apr_pool_t *p, const bantin_portal *portal,
                                   const bantin_request_in *in);

/* The value of header name in out, or NULL. */
const char *bantin_response_header(const bantin_response *out,
                                   const char *name);

/* The portal's prefix of uri: prefix when uri is it or below it, else
 * NULL.  prefix NULL: the section the settings were made for (section),
 * without its trailing slashes. */
const char *bantin_prefix_of(apr_pool_t *p, const char *prefix,
                             const char *section, const char *uri);

/* Fills in with what every server parses alike, the rest zero: the
 * method; the portal's prefix of uri (bantin_prefix_of) and the path
 * below it, or the whole uri with in->prefix NULL when uri is not below
 * the prefix (returns 0 then: a 404, unless the server declines it); the
 * query string (NULL: no '?'); the Cookie and Accept-Encoding headers
 * (NULL when absent).  Returns 1 otherwise. */
int bantin_request_init(apr_pool_t *p, bantin_request_in *in,
                        const char *method, const char *prefix,
                        const char *section, const char *uri,
                        const char *args, const char *cookie,
                        const char *accept_encoding);

/* The site a reader asked for, by httpd's rule: "http://name" (https
 * when secure) and the port of the Host header, as written, unless it is
 * the scheme's own (an IPv6 literal without a port has none).  *port:
 * that ":port", or NULL when the site has none. */
const char *bantin_site_of(apr_pool_t *p, int secure, const char *name,
                           const char *host, const char **port);

/* One content dir, as the status page shows it. */
typedef struct bantin_status_dir {
    const char *dir;
    bantin_store *store;
    bantin_search *search;   /* NULL: search is off */
    int refresh;             /* no watcher thread: the page looks for
                              * changes itself (never on nginx's loop
                              * while a thread walks) */
} bantin_status_dir;

/* The admins' status page: what each content dir holds and which files
 * are not served, and the page cache of this process (pid) with its
 * answers given again (hot, or NULL). */
void bantin_answer_status(apr_pool_t *p, const char *method,
                          const bantin_status_dir *dirs, int ndirs,
                          bantin_cache *cache, struct bantin_hot *hot,
                          long pid, bantin_response *out);

#endif
