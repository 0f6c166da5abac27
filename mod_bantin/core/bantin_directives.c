/* bantin_directives.c -- the portal's directives, one table for both
 * servers, and the checks of their values (see bantin_directives.h).
 *
 * Directives are checked while the config is read, so a wrong value, a
 * directory that cannot be listed or a template that does not compile
 * fails `apachectl -t` and `nginx -t` with one line naming the
 * directive, the value and why.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "bantin_date.h"
#include "bantin_directives.h"
#include "bantin_lifecycle.h"
#include "bantin_render.h"

#define SEC(f) offsetof(bantin_section, f)
#define REG(f) offsetof(bantin_registry, f)
/* A row: both spellings, the kind, server-wide or not, its field. */
#define ROW(h, n, kind, srv, off, help) \
    {{h, n}, kind, srv, 0, off, 0, 0, NULL, help}
#define NUMBER(h, n, srv, off, lo, hi, why, help) \
    {{h, n}, BANTIN_V_NUMBER, srv, 0, off, lo, hi, why, help}

const bantin_directive bantin_directives[BANTIN_D_COUNT] = {
    ROW("BantinContentDir", "bantin_content_dir", BANTIN_V_CONTENT_DIR, 0,
        SEC(content), "directory holding the portal's XML articles"),
    ROW("BantinTemplateDir", "bantin_template_dir", BANTIN_V_TEMPLATE_DIR, 0,
        SEC(templates), "directory holding the portal's templates"),
    ROW("BantinPrefix", "bantin_prefix", BANTIN_V_PREFIX, 0, SEC(prefix),
        "URL path of the portal; defaults to the <Location> path"),
    NUMBER("BantinPageSize", "bantin_page_size", 0, SEC(set.page_size), 1,
           100, "is not a number from %ld to %ld",
           "articles per list page, 1-100 (default 10)"),
    {{"BantinFontSizes", "bantin_font_sizes"}, BANTIN_V_FONT_SIZES, 0, 1,
     SEC(set.fs_rem), 0, 0, NULL,
     "font-size steps in rem, smallest first "
     "(default 0.875 1 1.125 1.375 1.75)"},
    ROW("BantinFontDefault", "bantin_font_default", BANTIN_V_FONT_DEFAULT, 0,
        SEC(set.fs_default),
        "the step readers get without a cookie (default: the middle)"),
    ROW("BantinFontCookie", "bantin_font_cookie", BANTIN_V_COOKIE, 0,
        SEC(set.fs_cookie),
        "name of the font-size cookie (default bantin_fs)"),
    ROW("BantinPortalName", "bantin_portal_name", BANTIN_V_TEXT, 0,
        SEC(set.portal_name),
        "the portal's name, shown in titles (default Bản tin)"),
    ROW("BantinTimeZone", "bantin_time_zone", BANTIN_V_TIME_ZONE, 0,
        SEC(set.tz_min),
        "zone dates are shown in (default Asia/Ho_Chi_Minh)"),
    NUMBER("BantinListMaxAge", "bantin_list_max_age", 0,
           SEC(set.list_max_age), 0, 31536000,
           "is not a number of seconds from %ld to %ld",
           "Cache-Control max-age of list pages (default 60)"),
    NUMBER("BantinArticleMaxAge", "bantin_article_max_age", 0,
           SEC(set.article_max_age), 0, 31536000,
           "is not a number of seconds from %ld to %ld",
           "Cache-Control max-age of article pages (default 300)"),
    NUMBER("BantinErrorMaxAge", "bantin_error_max_age", 0,
           SEC(set.error_max_age), 0, 31536000,
           "is not a number of seconds from %ld to %ld",
           "Cache-Control max-age of error pages: 404, 400, 405 "
           "(default 5)"),
    ROW("BantinWatch", "bantin_watch", BANTIN_V_WATCH, 0, SEC(walk),
        "inotify (default) or walk: how changes are noticed; walk "
        "for NFS written by other hosts"),
    NUMBER("BantinRelatedCount", "bantin_related_count", 0, SEC(set.related),
           0, BANTIN_MAX_RELATED, "is not a number from %ld to %ld",
           "articles under \"Tin liên quan\" and \"Tin khác\", "
           "0-50 (default 5)"),
    NUMBER("BantinFeedSize", "bantin_feed_size", 0, SEC(set.feed_size), 0,
           100, "is not a number from %ld to %ld",
           "items in the RSS feeds, 0-100 (default 20)"),
    NUMBER("BantinCacheSize", "bantin_cache_size", 1, REG(cache_mb), 0,
           65536, "is not a number of MiB from %ld (off) to %ld",
           "MiB of rendered pages each process keeps (default 64)"),
    ROW("BantinStateDir", "bantin_state_dir", BANTIN_V_PATH, 1,
        REG(state_root),
        "where processes share last good copies (default: "
        "bantin-state under DefaultRuntimeDir)"),
    ROW("BantinStartCacheDir", "bantin_start_cache_dir",
        BANTIN_V_PATH_OR_OFF, 1, REG(startcache_dir),
        "where the parent keeps what it parsed for the next "
        "start, or off (default: bantin-startcache under "
        "DefaultRuntimeDir)"),
    ROW("BantinSiteURL", "bantin_site_url", BANTIN_V_SITE_URL, 0,
        SEC(set.site_url),
        "scheme://host[:port] of every absolute URL (canonical, "
        "share links, feeds, sitemap); default: httpd's own rule, "
        "the Host header unless UseCanonicalName On"),
    ROW("BantinCheckInterval", "bantin_check_interval", BANTIN_V_INTERVAL,
        0, SEC(interval),
        "seconds between looks for changed articles (default 0.25)"),
};

const char *bantin_directive_name(bantin_directive_id id, bantin_spelling sp)
{
    return bantin_directives[id].name[sp];
}

int bantin_directive_is_dir(const bantin_directive *d)
{
    return d->kind == BANTIN_V_CONTENT_DIR || d->kind == BANTIN_V_TEMPLATE_DIR;
}

int bantin_directive_takes_path(const bantin_directive *d)
{
    return bantin_directive_is_dir(d) || d->kind == BANTIN_V_PATH
           || d->kind == BANTIN_V_PATH_OR_OFF;
}

/* ---------------------------------------------------------------------- */
/* the checks: each returns NULL or why, after "Name: "                     */

#define NAMED(id) bantin_directive_name(id, sp)

static const char *check_dir(apr_pool_t *p, bantin_registry *reg, int is_theme,
                             const char *arg, const char *path,
                             bantin_source **out)
{
    bantin_source *src;
    apr_dir_t *d;
    apr_status_t rv;
    const char *err;
    char buf[120];

    if (!path) {
        return apr_psprintf(p, "invalid path '%s'", arg);
    }
    if ((rv = apr_dir_open(&d, path, p)) != APR_SUCCESS) {
        return apr_psprintf(p, "%s: %s", path,
                            apr_strerror(rv, buf, sizeof(buf)));
    }
    apr_dir_close(d);
    src = bantin_registry_source(reg, p, path, is_theme);
    /* a template dir compiles once, however many sections name it */
    if (is_theme && !src->theme
        && (err = bantin_theme_load(p, path, &src->theme)) != NULL) {
        return err;
    }
    *out = src;
    return NULL;
}

static const char *check_prefix(apr_pool_t *p, const char *a,
                                const char **out)
{
    apr_size_t n = strlen(a);

    while (n > 0 && a[n - 1] == '/') {
        n--;
    }
    if (a[0] != '/' || strpbrk(a, "\"'<>\\ ?#%")) {
        return apr_psprintf(p, "'%s' must be a URL path starting with '/'",
                            a);
    }
    *out = apr_pstrmemdup(p, a, n);
    return NULL;
}

/* A size in rem: digits with at most one '.', above 0 and at most 10. */
static int rem_is_valid(const char *s)
{
    char *end;
    double v;

    if (!*s || strspn(s, "0123456789.") != strlen(s)) {
        return 0;
    }
    v = strtod(s, &end);
    return !*end && v > 0 && v <= 10;
}

/* Taken word by word, quoted or not: "0.875 1 1.25" and 0.875 1 1.25
 * mean the same. */
static const char *check_font_sizes(apr_pool_t *p, bantin_spelling sp,
                                    bantin_section *sec, int argc,
                                    const char *const *argv)
{
    const char **list = apr_pcalloc(p, sizeof(*list) * BANTIN_FONT_MAX_STEPS);
    char *words, *w, *last;
    int i, n = 0;

    for (i = 0; i < argc; i++) {
        words = apr_pstrdup(p, argv[i]);
        for (w = apr_strtok(words, " \t\n\r\f\v", &last); w;
             w = apr_strtok(NULL, " \t\n\r\f\v", &last)) {
            if (n == BANTIN_FONT_MAX_STEPS || !rem_is_valid(w)) {
                return apr_psprintf(p, "give 2 to %d sizes in rem, smallest "
                                    "first (e.g. 0.875 1 1.125 1.375 1.75); "
                                    "'%s' is not one", BANTIN_FONT_MAX_STEPS,
                                    w);
            }
            if (n > 0 && strtod(w, NULL) <= strtod(list[n - 1], NULL)) {
                return apr_psprintf(p, "sizes must grow, smallest first ('%s' "
                                    "after '%s')", w, list[n - 1]);
            }
            list[n++] = w;
        }
    }
    if (n < 2) {
        return "give at least 2 sizes";
    }
    if (sec->set.fs_default != BANTIN_UNSET && sec->set.fs_default > n) {
        return apr_psprintf(p, "%s %d is past these %d sizes",
                            NAMED(BANTIN_D_FONT_DEFAULT), sec->set.fs_default,
                            n);
    }
    sec->set.fs_rem = list;
    sec->set.fs_count = n;
    return NULL;
}

static const char *check_font_default(apr_pool_t *p, bantin_spelling sp,
                                      bantin_section *sec, const char *a)
{
    char *end;
    long v = strtol(a, &end, 10);

    if (*end || v < 1 || v > BANTIN_FONT_MAX_STEPS) {
        return apr_psprintf(p, "'%s' is not a step number (1 = the first "
                            "size of %s)", a, NAMED(BANTIN_D_FONT_SIZES));
    }
    if (sec->set.fs_count != BANTIN_UNSET && v > sec->set.fs_count) {
        return apr_psprintf(p, "step %ld is past the %d sizes of %s", v,
                            sec->set.fs_count, NAMED(BANTIN_D_FONT_SIZES));
    }
    sec->set.fs_default = (int)v;
    return NULL;
}

static const char *check_cookie(apr_pool_t *p, const char *a)
{
    const char *s;

    for (s = a; *s && (apr_isalnum(*s) || *s == '_' || *s == '-'); s++) {
    }
    if (!*a || *s || strlen(a) > 64) {
        return apr_psprintf(p, "'%s' must be 1 to 64 of A-Z a-z 0-9 _ -", a);
    }
    return NULL;
}

/* Why s is not a host name (labels of letters, digits and inner '-',
 * joined by single dots), an IPv4 address or a bracketed IPv6 one; NULL
 * when it is one. */
static const char *host_problem(const char *s, apr_size_t n)
{
    apr_size_t i, label = 0;

    if (!n) {
        return "has no host";
    }
    if (s[0] == '[') {
        for (i = 1; i < n - 1; i++) {
            if (!apr_isxdigit(s[i]) && s[i] != ':' && s[i] != '.') {
                break;
            }
        }
        return n > 2 && s[n - 1] == ']' && i == n - 1
               ? NULL : "has a host that is not an IPv6 address in []";
    }
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (!label || s[i - 1] == '-') {
                break;
            }
            label = 0;
        }
        else if (apr_isalnum(s[i]) || (s[i] == '-' && label)) {
            label++;
        }
        else {
            break;
        }
    }
    return i == n && label && s[n - 1] != '-'
           ? NULL : "has a host that is not a host name or IP address";
}

/* scheme://host[:port]: the site of every absolute URL, kept as
 * "scheme://host[:port]" in lower case, without a default port.  A path
 * is refused rather than taken: the portal's path is its location or
 * BantinPrefix, and two sources for it would disagree. */
static const char *check_site_url(apr_pool_t *p, bantin_spelling sp,
                                  const char *a, const char **out)
{
    const char *why = NULL, *host = NULL, *end, *colon = NULL;
    const char *scheme = !strncasecmp(a, "https://", 8)  ? "https"
                         : !strncasecmp(a, "http://", 7) ? "http" : NULL;
    char *site, *l, *stop;
    long port = 0;

    if (!scheme) {
        why = "must start with http:// or https://";
    }
    else {
        host = a + strlen(scheme) + 3;
        end = host + strcspn(host, "/?#@\\");
        why = *end == '@' ? "must not name a user"
              : *end == '\\' ? "must not hold a backslash"
              : *end == '?' || *end == '#' ? "must not have a query or fragment"
              : *end == '/' && end[1]
                  ? apr_psprintf(p, "must not have a path (the portal's path "
                                 "is its %s or %s)",
                                 sp == BANTIN_HTTPD ? "<Location>" : "location",
                                 NAMED(BANTIN_D_PREFIX))
                  : NULL;
        /* the port's colon is the last one, after any IPv6 bracket */
        for (colon = end; colon > host && colon[-1] != ':' && colon[-1] != ']';
             colon--) {
        }
        colon = colon > host && colon[-1] == ':' ? colon - 1 : end;
        if (!why && colon < end) {
            port = strtol(colon + 1, &stop, 10);
            if (stop != end || colon + 1 == end || !apr_isdigit(colon[1])
                || port < 1 || port > 65535) {
                why = "has a port that is not a number from 1 to 65535";
            }
        }
        if (!why) {
            why = host_problem(host, (apr_size_t)(colon - host));
        }
    }
    if (why) {
        return apr_psprintf(p, "'%s' %s: give the scheme, host and port only "
                            "(e.g. https://portal.example.vn)", a, why);
    }
    site = apr_pstrcat(p, scheme, "://",
                       apr_pstrmemdup(p, host, (apr_size_t)(colon - host)),
                       NULL);
    for (l = site; *l; l++) {
        *l = apr_tolower(*l);
    }
    if (port && port != (!strcmp(scheme, "https") ? 443 : 80)) {
        site = apr_psprintf(p, "%s:%ld", site, port);
    }
    *out = site;
    return NULL;
}

/* ---------------------------------------------------------------------- */

const char *bantin_directive_set(apr_pool_t *p, const bantin_directive *d,
                                 bantin_spelling sp, bantin_section *sec,
                                 bantin_registry *reg, int argc,
                                 const char *const *argv, const char *path)
{
    char *at = d->server_only ? (char *)reg : (char *)sec;
    const char *a = argc > 0 ? argv[0] : "", *why = NULL;
#define FIELD(type) (*(type *)(at + d->offset))
    char *end;
    double x;
    long v;
    int tz;

    switch (d->kind) {
    case BANTIN_V_CONTENT_DIR:
    case BANTIN_V_TEMPLATE_DIR:
        why = check_dir(p, reg, d->kind == BANTIN_V_TEMPLATE_DIR, a, path,
                        &FIELD(bantin_source *));
        break;
    case BANTIN_V_PREFIX:
        why = check_prefix(p, a, &FIELD(const char *));
        break;
    case BANTIN_V_NUMBER:
        v = strtol(a, &end, 10);
        if (*end || end == a || v < d->lo || v > d->hi) {
            why = apr_pstrcat(p, "'", a, "' ",
                              apr_psprintf(p, d->why, d->lo, d->hi), NULL);
        }
        else if (d->server_only) {
            FIELD(long) = v;
        }
        else {
            FIELD(int) = (int)v;
        }
        break;
    case BANTIN_V_FONT_SIZES:
        why = check_font_sizes(p, sp, sec, argc, argv);
        break;
    case BANTIN_V_FONT_DEFAULT:
        why = check_font_default(p, sp, sec, a);
        break;
    case BANTIN_V_COOKIE:
        if (!(why = check_cookie(p, a))) {
            FIELD(const char *) = apr_pstrdup(p, a);
        }
        break;
    case BANTIN_V_TEXT:
        FIELD(const char *) = apr_pstrdup(p, a);
        break;
    case BANTIN_V_TIME_ZONE:
        if (bantin_tz_parse(a, &tz)) {
            why = apr_psprintf(p, "'%s' is not a zone: use Asia/Ho_Chi_Minh, "
                               "UTC or an offset like +07:00", a);
        }
        else {
            FIELD(int) = tz;
        }
        break;
    case BANTIN_V_INTERVAL:
        x = strtod(a, &end);
        if (*end || end == a || !(x >= 0.01 && x <= 3600)) {
            why = apr_psprintf(p, "'%s' is not a number of seconds from 0.01 "
                               "to 3600", a);
        }
        else {
            FIELD(apr_interval_time_t) =
                (apr_interval_time_t)(x * APR_USEC_PER_SEC);
        }
        break;
    case BANTIN_V_WATCH:
        if (strcasecmp(a, "inotify") && strcasecmp(a, "walk")) {
            why = apr_psprintf(p, "'%s' is neither inotify nor walk", a);
        }
        else {
            FIELD(int) = !strcasecmp(a, "walk");
        }
        break;
    case BANTIN_V_SITE_URL:
        why = check_site_url(p, sp, a, &FIELD(const char *));
        break;
    case BANTIN_V_PATH_OR_OFF:
        if (!strcasecmp(a, "off")) {
            FIELD(const char *) = "";
            break;
        }
        /* fall through */
    case BANTIN_V_PATH:
        if (!path) {
            why = apr_psprintf(p, "invalid path '%s'", a);
        }
        else {
            FIELD(const char *) = apr_pstrdup(p, path);
        }
        break;
    }
#undef FIELD
    return why ? apr_pstrcat(p, d->name[sp], ": ", why, NULL) : NULL;
}

void bantin_section_unset(bantin_section *s, const char *section)
{
    memset(s, 0, sizeof(*s));
    s->section = section;
    bantin_settings_unset(&s->set);
    s->interval = BANTIN_UNSET;
    s->walk = BANTIN_UNSET;
}

#define MERGE_PTR(f) out->f = a.f ? a.f : base->f
#define MERGE_INT(f) out->f = a.f != BANTIN_UNSET ? a.f : base->f

void bantin_section_merge(bantin_section *out, const bantin_section *base,
                          const bantin_section *add)
{
    bantin_section a = *add; /* out may be add */

    out->section = a.content || !base->section ? a.section : base->section;
    MERGE_PTR(prefix);
    MERGE_PTR(content);
    MERGE_PTR(templates);
    bantin_settings_merge(&out->set, &base->set, &a.set);
    MERGE_INT(interval);
    MERGE_INT(walk);
}
