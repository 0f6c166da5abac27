/* bantin_feed.h -- what crawlers and feed readers get: RSS 2.0 feeds and
 * sitemaps (sitemaps.org protocol 0.9), with absolute URLs built from the
 * view's site. */
#ifndef BANTIN_FEED_H
#define BANTIN_FEED_H

#include "bantin_render.h"

/* The sitemap protocol's limit of URLs per file. */
#define BANTIN_SITEMAP_MAX 50000

/* An RSS 2.0 channel: title, the page it describes (link_path below the
 * base, e.g. "/" or "/category/kinh-te"), its own address (self_path). */
void bantin_render_rss(apr_pool_t *p, const bantin_view *v,
                       const char *title, const char *link_path,
                       const char *self_path,
                       const bantin_article *const *items, apr_size_t n,
                       bantin_page *out);

/* A <urlset> of articles (with the home page when with_home). */
void bantin_render_sitemap(apr_pool_t *p, const bantin_view *v,
                           const bantin_article *const *items, apr_size_t n,
                           int with_home, bantin_page *out);

/* A <sitemapindex> of /sitemap-1.xml … /sitemap-<parts>.xml. */
void bantin_render_sitemap_index(apr_pool_t *p, const bantin_view *v,
                                 apr_size_t parts, bantin_page *out);

/* "Thu, 04 Jan 2024 00:00:00 +0700" (RFC 822, in zone tz_min) and
 * "2024-01-04T00:00:00+07:00" (W3C datetime). */
const char *bantin_rfc822(apr_pool_t *p, apr_time_t t, int tz_min);
const char *bantin_w3c_datetime(apr_pool_t *p, apr_time_t t, int tz_min);

#endif
