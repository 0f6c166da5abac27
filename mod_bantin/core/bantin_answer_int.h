/* bantin_answer_int.h -- what the files behind bantin_answer share
 * (bantin_answer.c: the entry, the answers' forms, the page cache;
 * bantin_answer_pages.c, bantin_answer_feeds.c, bantin_answer_files.c:
 * the routes).  Internal to the core. */
#ifndef BANTIN_ANSWER_INT_H
#define BANTIN_ANSWER_INT_H

#include "bantin_answer.h"

/* One request being answered. */
typedef struct bantin_ctx {
    apr_pool_t *p;
    const bantin_portal *portal;
    const bantin_request_in *in;
    bantin_settings set;      /* resolved: every default applied */
    bantin_view v;            /* the reader's view */
    const bantin_snapshot *snap;
    apr_time_t now;
    bantin_response *out;
    const char *hot_key;      /* the page key of an answer that is a
                               * function of its request, snapshot and
                               * epoch alone (bantin_hot.h); NULL: none */
} bantin_ctx;

/* ---- bantin_answer.c: the answers' forms ------------------------------- */

void bantin_ans_header(bantin_ctx *x, const char *name, const char *value,
                       int always);
/* Appends value to name's header, ", " between (a new one if none). */
void bantin_ans_merge(bantin_ctx *x, const char *name, const char *value);
void bantin_ans_body(bantin_ctx *x, const char *ctype, const char *data,
                     apr_size_t len);
/* An HTML page of the portal: Vary: Cookie, the security headers. */
void bantin_ans_page(bantin_ctx *x, const bantin_page *pg);
/* A rendered answer with its validators and max-age; _as for answers the
 * same for every reader (no Vary: Cookie). */
void bantin_ans_rendered_as(bantin_ctx *x, const bantin_cached *pg,
                            int max_age, const char *ctype);
void bantin_ans_rendered(bantin_ctx *x, const bantin_cached *pg,
                         int max_age);
void bantin_ans_error(bantin_ctx *x, int status);
/* 301 to route below the prefix, checked by bantin_location_is_safe (a
 * 404 when it fails). */
void bantin_ans_moved(bantin_ctx *x, const char *route);
void bantin_ans_security(bantin_ctx *x);
int bantin_ans_takes_gzip(const bantin_ctx *x);

/* ---- bantin_answer.c: the page cache ----------------------------------- */

/* The key of a page ('a' article, 'l' list, 's' sitemap) and tag, the
 * hash of everything else it shows; NULL when it must not be kept. */
const char *bantin_ans_page_key(bantin_ctx *x, char kind, apr_uint64_t tag);
int bantin_ans_recall(bantin_ctx *x, const char *key, bantin_cached *out);
void bantin_ans_remember(bantin_ctx *x, const char *key,
                         const bantin_page *pg, apr_uint64_t tag,
                         apr_time_t modified, bantin_cached *out);

/* ---- bantin_answer.c: what the routes share ---------------------------- */

const bantin_category *bantin_ans_category(const bantin_ctx *x,
                                           const char *slug);
apr_time_t bantin_newest(apr_time_t a, apr_time_t b);
apr_uint64_t bantin_hash_articles(apr_uint64_t h,
                                  const bantin_article *const *items,
                                  apr_size_t n);
/* A parameter of the query string, or NULL. */
const char *bantin_ans_arg(const bantin_ctx *x, const char *name);

/* ---- the routes -------------------------------------------------------- */

void bantin_answer_article(bantin_ctx *x, const char *slug,
                           bantin_part_e part);
void bantin_answer_list(bantin_ctx *x, const char *category, int fragment);
void bantin_answer_fontsize(bantin_ctx *x);
void bantin_answer_loose(bantin_ctx *x, const char *rest);
void bantin_answer_feed(bantin_ctx *x, const char *category);
void bantin_answer_sitemap(bantin_ctx *x, const char *part);
void bantin_answer_search(bantin_ctx *x);
void bantin_answer_media(bantin_ctx *x, const char *rel);
void bantin_answer_static(bantin_ctx *x, const char *name);

#endif
