/* bantin_settings.h -- what an admin sets for one portal (a <Location> of
 * httpd, a location of nginx), and the one place defaults are applied.
 *
 * A server module fills a bantin_settings from its directives, starting
 * from bantin_settings_unset (every field unset: BANTIN_UNSET or NULL),
 * merges nested sections with bantin_settings_merge, and hands the merged
 * settings to the core, which resolves the defaults with
 * bantin_settings_resolve when a request comes.  No default is written
 * anywhere else.
 */
#ifndef BANTIN_SETTINGS_H
#define BANTIN_SETTINGS_H

#include <apr_time.h>

#define BANTIN_UNSET (-1)

#define BANTIN_DEFAULT_PAGE_SIZE 10
#define BANTIN_DEFAULT_COOKIE "bantin_fs"
#define BANTIN_DEFAULT_PORTAL_NAME "Bản tin"
#define BANTIN_DEFAULT_INTERVAL apr_time_from_msec(250)
#define BANTIN_DEFAULT_LIST_MAX_AGE 60
#define BANTIN_DEFAULT_ARTICLE_MAX_AGE 300
#define BANTIN_DEFAULT_ERROR_MAX_AGE 5
#define BANTIN_DEFAULT_CACHE_MB 64
#define BANTIN_DEFAULT_RELATED 5
#define BANTIN_DEFAULT_FEED_SIZE 20
#define BANTIN_MAX_RELATED 50

/* The font sizes (rem) of the default five steps. */
extern const char *const bantin_default_sizes[];
extern const int bantin_default_nsizes;

typedef struct {
    int page_size;              /* articles per list page */
    int fs_count;               /* how many font steps fs_rem lists */
    const char *const *fs_rem;  /* the steps' sizes in rem */
    int fs_default;             /* the step of a reader without cookie */
    const char *fs_cookie;      /* the font step's cookie */
    const char *portal_name;
    int tz_min;                 /* where plain dates fall, minutes east */
    int list_max_age;           /* Cache-Control of lists, feeds, sitemaps */
    int article_max_age;        /* ... of article pages */
    int error_max_age;          /* ... of 404, 400 and 405 pages, redirects */
    int related;                /* "Tin liên quan" and "Tin khác" each */
    int feed_size;              /* items of a feed */
    const char *site_url;       /* "https://host[:port]", NULL: the Host */
} bantin_settings;

/* Every field unset. */
void bantin_settings_unset(bantin_settings *s);

/* out = add over base: a field add sets wins, else base's. */
void bantin_settings_merge(bantin_settings *out, const bantin_settings *base,
                           const bantin_settings *add);

/* out = in with every unset field given its default (site_url stays NULL
 * when unset: the request's Host then makes the site).  The font step of
 * a reader without cookie is settled too: fs_default when it is one of
 * the steps, else the middle one. */
void bantin_settings_resolve(bantin_settings *out, const bantin_settings *in);

/* Whether a and b (resolved) say the same in every setting. */
int bantin_settings_same(const bantin_settings *a, const bantin_settings *b);

#endif
