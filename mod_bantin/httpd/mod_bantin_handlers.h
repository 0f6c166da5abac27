/* mod_bantin_handlers.h -- what the request-time glue files share: the
 * response helpers (mod_bantin_respond.c) and the handlers the dispatch in
 * mod_bantin.c calls (mod_bantin_pages.c, mod_bantin_feeds.c,
 * mod_bantin_media.c).  Internal to the module: the core never sees it.
 *
 * Every handler takes the request, its merged config, the reader's view
 * (font step, prefix, visible categories…) and, where it shows articles,
 * the snapshot the request holds and the time it reads it at; each returns
 * what an httpd handler returns. */
#ifndef MOD_BANTIN_HANDLERS_H
#define MOD_BANTIN_HANDLERS_H

#include "httpd.h"

#include "bantin_cache.h"
#include "bantin_render.h"
#include "bantin_store.h"
#include "mod_bantin.h"

/* Rendered pages of this process (mod_bantin.c). */
extern bantin_cache *bantin_page_cache;

/* ---- mod_bantin_respond.c: writing answers ---------------------------- */

int bantin_send_body(request_rec *r, const char *ctype, const char *data,
                     apr_size_t len);
int bantin_send_condition(request_rec *r, int status);
int bantin_send_page(request_rec *r, const bantin_page *pg);
/* With validators and max-age; _as for answers the same for every reader
 * (no Vary: Cookie), bantin_send_rendered for HTML pages. */
int bantin_send_rendered_as(request_rec *r, const bantin_cached *pg,
                            int max_age, const char *ctype);
int bantin_send_rendered(request_rec *r, const bantin_cached *pg,
                         int max_age);
/* The page cache's key of a page: its kind ('a' article, 'l' list, 's'
 * sitemap), the content dir and the site as they are, and tag, the hash of
 * everything else it shows.  NULL when the page must not be kept: its
 * site comes from a Host that is none of this server's names and ports. */
const char *bantin_page_key(request_rec *r, const bantin_conf *c,
                            const bantin_view *v, char kind,
                            apr_uint64_t tag);
/* A page from the cache (key NULL: none); 1 on a hit. */
int bantin_recall(request_rec *r, const char *key, bantin_cached *out);
/* Fills out with a freshly rendered page, its gzip form and its ETag tag,
 * and keeps it in the cache under key (NULL: not kept). */
void bantin_remember(request_rec *r, const char *key, const bantin_page *pg,
                     apr_uint64_t tag, apr_time_t modified,
                     bantin_cached *out);
int bantin_send_error(request_rec *r, const bantin_conf *c,
                      const bantin_view *v, int status);
/* 301 to route below the portal's prefix ("/article/x"), checked by
 * bantin_location_is_safe (a 404 when it fails). */
int bantin_send_moved(request_rec *r, const bantin_conf *c,
                      const bantin_view *v, const char *route);

/* ---- mod_bantin_respond.c: what the handlers share -------------------- */

const bantin_snapshot *bantin_hold_snapshot(request_rec *r,
                                            bantin_store *store);
const bantin_category *bantin_find_category(const bantin_view *v,
                                            const char *slug);
apr_time_t bantin_newest(apr_time_t a, apr_time_t b);
apr_uint64_t bantin_hash_articles(apr_uint64_t h,
                                  const bantin_article *const *items,
                                  apr_size_t n);

/* ---- mod_bantin_pages.c ------------------------------------------------ */

int bantin_handle_article(request_rec *r, const bantin_conf *c,
                          const bantin_view *v, const bantin_snapshot *snap,
                          apr_time_t now, const char *slug,
                          bantin_part_e part);
int bantin_handle_list(request_rec *r, const bantin_conf *c,
                       const bantin_view *v, const bantin_snapshot *snap,
                       apr_time_t now, const char *category, int fragment);
int bantin_handle_fontsize(request_rec *r, const bantin_conf *c,
                           const bantin_view *v);
/* A path that routes nowhere: 301 to its one URL when it was only
 * written loosely (bantin_route_canonical) and the page exists, else 404.
 * rest: the path below the prefix. */
int bantin_handle_loose(request_rec *r, const bantin_conf *c,
                        const bantin_view *v, const bantin_snapshot *snap,
                        apr_time_t now, const char *rest);
int bantin_status_handler(request_rec *r);

/* ---- mod_bantin_feeds.c ------------------------------------------------ */

int bantin_handle_feed(request_rec *r, const bantin_conf *c,
                       const bantin_view *v, const bantin_snapshot *snap,
                       apr_time_t now, const char *category);
int bantin_handle_sitemap(request_rec *r, const bantin_conf *c,
                          const bantin_view *v, const bantin_snapshot *snap,
                          apr_time_t now, const char *part);
int bantin_handle_search(request_rec *r, const bantin_conf *c,
                         const bantin_view *v, const bantin_snapshot *snap,
                         apr_time_t now);

/* ---- mod_bantin_media.c ------------------------------------------------ */

int bantin_handle_media(request_rec *r, const bantin_conf *c,
                        const bantin_view *v, const char *rel);
int bantin_handle_static(request_rec *r, const bantin_conf *c,
                         const bantin_view *v, const char *name);

#endif
