/* mod_bantin_config.c -- the Bantin* directives: parsing, checking and
 * merging them the httpd way (unset sentinels in create, `add` over `base`
 * in merge).  The pages' settings are the core's bantin_settings, which
 * the core merges and gives their defaults (bantin_settings.h).
 *
 * Directives are checked while the config is read, so a wrong directory
 * or a template that does not compile fails `apachectl -t` with one line
 * naming the directive, the path and why -- except when httpd only reads
 * the config to stop a running server (see mod_bantin_startup.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_core.h"
#include "unixd.h"

#include "bantin_fs.h"
#include "mod_bantin.h"

#define MERGE_PTR(f) c->f = add->f ? add->f : base->f
#define MERGE_INT(f) c->f = add->f != UNSET ? add->f : base->f

bantin_registry bantin_reg = {NULL, NULL, NULL, NULL, UNSET};

static apr_status_t registry_reset(void *unused)
{
    (void)unused;
    bantin_reg.sources = NULL;
    bantin_reg.sections = NULL;
    bantin_reg.state_root = NULL;
    bantin_reg.startcache_dir = NULL;
    bantin_reg.cache_mb = UNSET;
    return APR_SUCCESS;
}

static bantin_source *source_for(apr_pool_t *pconf, const char *dir,
                                 int is_theme)
{
    int i;
    bantin_source *src;

    if (!bantin_reg.sources) {
        bantin_reg.sources = apr_array_make(pconf, 4, sizeof(bantin_source *));
    }
    for (i = 0; i < bantin_reg.sources->nelts; i++) {
        src = APR_ARRAY_IDX(bantin_reg.sources, i, bantin_source *);
        if (src->is_theme == is_theme && !strcmp(src->dir, dir)) {
            return src;
        }
    }
    src = apr_pcalloc(pconf, sizeof(*src));
    src->dir = dir;
    src->is_theme = is_theme;
    src->tz_min = UNSET;
    src->interval = UNSET;
    APR_ARRAY_PUSH(bantin_reg.sources, bantin_source *) = src;
    return src;
}

/* ---------------------------------------------------------------------- */
/* configuration                                                           */

void *bantin_create_conf(apr_pool_t *p, char *dir)
{
    bantin_conf *c = apr_pcalloc(p, sizeof(*c));
    c->section = dir;
    bantin_settings_unset(&c->set);
    c->interval = UNSET;
    c->walk = UNSET;
    if (!bantin_reg.sections) {
        bantin_reg.sections = apr_array_make(p, 8, sizeof(bantin_conf *));
        apr_pool_cleanup_register(p, NULL, registry_reset,
                                  apr_pool_cleanup_null);
    }
    APR_ARRAY_PUSH(bantin_reg.sections, bantin_conf *) = c;
    return c;
}

void *bantin_merge_conf(apr_pool_t *p, void *basev, void *addv)
{
    bantin_conf *base = basev, *add = addv;
    bantin_conf *c = apr_pcalloc(p, sizeof(*c));

    /* The portal's prefix is the section that names its content dir: an
     * inner <Location> that only tunes a setting must not move it. */
    c->section = add->content || !base->section ? add->section
                                                : base->section;
    MERGE_PTR(prefix);
    MERGE_PTR(content);
    MERGE_PTR(templates);
    bantin_settings_merge(&c->set, &base->set, &add->set);
    MERGE_INT(interval);
    MERGE_INT(walk);
    return c;
}

/* Resolves a directory argument and checks that it can be listed. */
static const char *check_dir(cmd_parms *cmd, const char *arg,
                             const char **out)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_dir_t *d;
    apr_status_t rv;
    char buf[120];

    if (!path) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    if ((rv = apr_dir_open(&d, path, cmd->temp_pool)) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: %s: %s", cmd->cmd->name, path,
                            apr_strerror(rv, buf, sizeof(buf)));
    }
    apr_dir_close(d);
    *out = path;
    return NULL;
}

static const char *set_content_dir(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char *path, *err;

    /* A stop needs no content, and must not fail for a dir gone under the
     * running server (mod_bantin_startup.c). */
    if (bantin_only_stopping(cmd->temp_pool)) {
        return NULL;
    }
    /* and whether the server's User can read it: bantin_check_config,
     * once User is surely read */
    if ((err = check_dir(cmd, a, &path)) != NULL) {
        return err;
    }
    c->content = source_for(cmd->pool, path, 0);
    c->server = cmd->server;
    return NULL;
}

static const char *set_template_dir(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char *path, *err;
    bantin_source *src;

    /* nor templates, broken or not */
    if (bantin_only_stopping(cmd->temp_pool)) {
        return NULL;
    }
    if ((err = check_dir(cmd, a, &path)) != NULL) {
        return err;
    }
    src = source_for(cmd->pool, path, 1);
    if (!src->theme
        && (err = bantin_theme_load(cmd->pool, path, &src->theme)) != NULL) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", err, NULL);
    }
    c->templates = src;
    return NULL;
}

static const char *set_prefix(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    apr_size_t n = strlen(a);

    while (n > 0 && a[n - 1] == '/') {
        n--;
    }
    if (a[0] != '/' || strpbrk(a, "\"'<>\\ ?#%")) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be a URL path "
                            "starting with '/'", cmd->cmd->name, a);
    }
    c->prefix = apr_pstrmemdup(cmd->pool, a, n);
    return NULL;
}

static const char *set_page_size(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    char *end;
    long v = strtol(a, &end, 10);

    if (*end || v < 1 || v > 100) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number from 1 "
                            "to 100", cmd->cmd->name, a);
    }
    c->set.page_size = (int)v;
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

static const char *set_font_sizes(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char **list;
    const char *w, *words;
    int n = 0;

    /* Taken word by word, quoted or not: "0.875 1 1.25" and 0.875 1 1.25
     * mean the same. */
    list = apr_pcalloc(cmd->pool, sizeof(*list) * BANTIN_FONT_MAX_STEPS);
    while (*a && *(words = ap_getword_conf(cmd->temp_pool, &a))) {
      while (*(w = ap_getword_white(cmd->temp_pool, &words))) {
        if (n == BANTIN_FONT_MAX_STEPS || !rem_is_valid(w)) {
            return apr_psprintf(cmd->pool, "%s: give 2 to %d sizes in rem, "
                                "smallest first (e.g. 0.875 1 1.125 1.375 "
                                "1.75); '%s' is not one", cmd->cmd->name,
                                BANTIN_FONT_MAX_STEPS, w);
        }
        if (n > 0 && strtod(w, NULL) <= strtod(list[n - 1], NULL)) {
            return apr_psprintf(cmd->pool, "%s: sizes must grow, smallest "
                                "first ('%s' after '%s')", cmd->cmd->name, w,
                                list[n - 1]);
        }
        list[n++] = apr_pstrdup(cmd->pool, w);
      }
    }
    if (n < 2) {
        return apr_psprintf(cmd->pool, "%s: give at least 2 sizes",
                            cmd->cmd->name);
    }
    if (c->set.fs_default != UNSET && c->set.fs_default > n) {
        return apr_psprintf(cmd->pool, "%s: BantinFontDefault %d is past "
                            "these %d sizes", cmd->cmd->name, c->set.fs_default,
                            n);
    }
    c->set.fs_rem = list;
    c->set.fs_count = n;
    return NULL;
}

static const char *set_font_default(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    char *end;
    long v = strtol(a, &end, 10);

    if (*end || v < 1 || v > BANTIN_FONT_MAX_STEPS) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a step number "
                            "(1 = the first size of BantinFontSizes)",
                            cmd->cmd->name, a);
    }
    if (c->set.fs_count != UNSET && v > c->set.fs_count) {
        return apr_psprintf(cmd->pool, "%s: step %ld is past the %d sizes "
                            "of BantinFontSizes", cmd->cmd->name, v,
                            c->set.fs_count);
    }
    c->set.fs_default = (int)v;
    return NULL;
}

static const char *set_cookie_name(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char *s;

    for (s = a; *s; s++) {
        if (!apr_isalnum(*s) && *s != '_' && *s != '-') {
            break;
        }
    }
    if (!*a || *s || strlen(a) > 64) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be 1 to 64 of "
                            "A-Z a-z 0-9 _ -", cmd->cmd->name, a);
    }
    c->set.fs_cookie = a;
    return NULL;
}

static const char *set_portal_name(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    (void)cmd;
    c->set.portal_name = a;
    return NULL;
}

static const char *set_time_zone(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    int tz;

    if (bantin_tz_parse(a, &tz)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a zone: use "
                            "Asia/Ho_Chi_Minh, UTC or an offset like +07:00",
                            cmd->cmd->name, a);
    }
    c->set.tz_min = tz;
    return NULL;
}

static const char *set_interval(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    char *end;
    double v = strtod(a, &end);

    if (*end || end == a || !(v >= 0.01 && v <= 3600)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of "
                            "seconds from 0.01 to 3600", cmd->cmd->name, a);
    }
    c->interval = (apr_interval_time_t)(v * APR_USEC_PER_SEC);
    return NULL;
}

static const char *set_state_dir(cmd_parms *cmd, void *cfg, const char *a)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)cfg;
    if (err) {
        return err;
    }
    if (!(bantin_reg.state_root = ap_server_root_relative(cmd->pool, a))) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, a);
    }
    return NULL;
}

static const char *set_startcache_dir(cmd_parms *cmd, void *cfg,
                                      const char *a)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)cfg;
    if (err) {
        return err;
    }
    if (!strcasecmp(a, "off")) {
        bantin_reg.startcache_dir = "";
    }
    else if (!(bantin_reg.startcache_dir = ap_server_root_relative(cmd->pool,
                                                                   a))) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, a);
    }
    return NULL;
}

static const char *set_max_age(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    char *end;
    long v = strtol(a, &end, 10);

    if (*end || end == a || v < 0 || v > 31536000) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds "
                            "from 0 to 31536000", cmd->cmd->name, a);
    }
    *(int *)((char *)c + (apr_size_t)cmd->info) = (int)v;
    return NULL;
}

/* A count from 0 to its limit: BANTIN_MAX_RELATED for BantinRelatedCount (told
 * by cmd->info, the field's offset), 100 for BantinFeedSize. */
static const char *set_count(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    int is_related = cmd->info == (void *)APR_OFFSETOF(bantin_conf, set.related);
    long max = is_related ? BANTIN_MAX_RELATED : 100;
    char *end;
    long v = strtol(a, &end, 10);

    if (*end || end == a || v < 0 || v > max) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number from 0 to "
                            "%ld", cmd->cmd->name, a, max);
    }
    *(int *)((char *)c + (apr_size_t)cmd->info) = (int)v;
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

/* BantinSiteURL scheme://host[:port]: the site of every absolute URL,
 * kept as "scheme://host[:port]" in lower case, without a default port.
 * A path is refused rather than taken: the portal's path is its
 * <Location> or BantinPrefix, and two sources for it would disagree. */
static const char *set_site_url(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;
    const char *why = NULL, *host, *end, *colon;
    const char *scheme = !strncasecmp(a, "https://", 8) ? "https"
                         : !strncasecmp(a, "http://", 7) ? "http" : NULL;
    long port = 0;

    if (!scheme) {
        why = "must start with http:// or https://";
    }
    else {
        host = a + strlen(scheme) + 3;
        end = host + strcspn(host, "/?#@\\");
        if (*end == '@') {
            why = "must not name a user";
        }
        else if (*end == '\\') {
            why = "must not hold a backslash";
        }
        else if (*end == '?' || *end == '#') {
            why = "must not have a query or fragment";
        }
        else if (*end == '/' && end[1]) {
            why = "must not have a path (the portal's path is its "
                  "<Location> or BantinPrefix)";
        }
        /* The port's colon is the last one, after any IPv6 bracket. */
        colon = end;
        while (colon > host && colon[-1] != ':' && colon[-1] != ']') {
            colon--;
        }
        colon = colon > host && colon[-1] == ':' ? colon - 1 : end;
        if (!why && colon < end) {
            char *stop;
            port = strtol(colon + 1, &stop, 10);
            if (stop != end || colon + 1 == end || !apr_isdigit(colon[1])
                || port < 1 || port > 65535) {
                why = "has a port that is not a number from 1 to 65535";
            }
        }
        if (!why) {
            why = host_problem(host, (apr_size_t)(colon - host));
        }
        if (!why) {
            char *site = apr_pstrcat(cmd->pool, scheme, "://",
                                     apr_pstrmemdup(cmd->pool, host,
                                                    (apr_size_t)(colon
                                                                 - host)),
                                     NULL), *l;
            for (l = site; *l; l++) {
                *l = apr_tolower(*l);
            }
            if (port && port != (!strcmp(scheme, "https") ? 443 : 80)) {
                site = apr_psprintf(cmd->pool, "%s:%ld", site, port);
            }
            c->set.site_url = site;
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "%s: '%s' %s: give the scheme, host and "
                        "port only (e.g. https://portal.example.vn)",
                        cmd->cmd->name, a, why);
}

static const char *set_watch(cmd_parms *cmd, void *cfg, const char *a)
{
    bantin_conf *c = cfg;

    if (!strcasecmp(a, "inotify")) {
        c->walk = 0;
    }
    else if (!strcasecmp(a, "walk")) {
        c->walk = 1;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is neither inotify nor "
                            "walk", cmd->cmd->name, a);
    }
    return NULL;
}

static const char *set_cache_size(cmd_parms *cmd, void *cfg, const char *a)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long v = strtol(a, &end, 10);

    (void)cfg;
    if (err) {
        return err;
    }
    if (*end || end == a || v < 0 || v > 65536) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of MiB "
                            "from 0 (off) to 65536", cmd->cmd->name, a);
    }
    bantin_reg.cache_mb = v;
    return NULL;
}

#define DIRECTIVE(name, fn, help) \
    AP_INIT_TAKE1(name, fn, NULL, RSRC_CONF | ACCESS_CONF, help)

const command_rec bantin_cmds[] = {
    DIRECTIVE("BantinContentDir", set_content_dir,
              "directory holding the portal's XML articles"),
    DIRECTIVE("BantinTemplateDir", set_template_dir,
              "directory holding the portal's templates"),
    DIRECTIVE("BantinPrefix", set_prefix,
              "URL path of the portal; defaults to the <Location> path"),
    DIRECTIVE("BantinPageSize", set_page_size,
              "articles per list page, 1-100 (default 10)"),
    AP_INIT_RAW_ARGS("BantinFontSizes", set_font_sizes, NULL,
                     RSRC_CONF | ACCESS_CONF,
                     "font-size steps in rem, smallest first "
                     "(default 0.875 1 1.125 1.375 1.75)"),
    DIRECTIVE("BantinFontDefault", set_font_default,
              "the step readers get without a cookie (default: the middle)"),
    DIRECTIVE("BantinFontCookie", set_cookie_name,
              "name of the font-size cookie (default bantin_fs)"),
    DIRECTIVE("BantinPortalName", set_portal_name,
              "the portal's name, shown in titles (default Bản tin)"),
    DIRECTIVE("BantinTimeZone", set_time_zone,
              "zone dates are shown in (default Asia/Ho_Chi_Minh)"),
    AP_INIT_TAKE1("BantinListMaxAge", set_max_age,
                  (void *)APR_OFFSETOF(bantin_conf, set.list_max_age),
                  RSRC_CONF | ACCESS_CONF,
                  "Cache-Control max-age of list pages (default 60)"),
    AP_INIT_TAKE1("BantinArticleMaxAge", set_max_age,
                  (void *)APR_OFFSETOF(bantin_conf, set.article_max_age),
                  RSRC_CONF | ACCESS_CONF,
                  "Cache-Control max-age of article pages (default 300)"),
    AP_INIT_TAKE1("BantinErrorMaxAge", set_max_age,
                  (void *)APR_OFFSETOF(bantin_conf, set.error_max_age),
                  RSRC_CONF | ACCESS_CONF,
                  "Cache-Control max-age of error pages: 404, 400, 405 "
                  "(default 5)"),
    AP_INIT_TAKE1("BantinWatch", set_watch, NULL, RSRC_CONF | ACCESS_CONF,
                  "inotify (default) or walk: how changes are noticed; walk "
                  "for NFS written by other hosts"),
    AP_INIT_TAKE1("BantinRelatedCount", set_count,
                  (void *)APR_OFFSETOF(bantin_conf, set.related),
                  RSRC_CONF | ACCESS_CONF,
                  "articles under \"Tin liên quan\" and \"Tin khác\", "
                  "0-50 (default 5)"),
    AP_INIT_TAKE1("BantinFeedSize", set_count,
                  (void *)APR_OFFSETOF(bantin_conf, set.feed_size),
                  RSRC_CONF | ACCESS_CONF,
                  "items in the RSS feeds, 0-100 (default 20)"),
    AP_INIT_TAKE1("BantinCacheSize", set_cache_size, NULL, RSRC_CONF,
                  "MiB of rendered pages each process keeps (default 64)"),
    AP_INIT_TAKE1("BantinStateDir", set_state_dir, NULL, RSRC_CONF,
                  "where processes share last good copies (default: "
                  "bantin-state under DefaultRuntimeDir)"),
    AP_INIT_TAKE1("BantinStartCacheDir", set_startcache_dir, NULL, RSRC_CONF,
                  "where the parent keeps what it parsed for the next "
                  "start, or off (default: bantin-startcache under "
                  "DefaultRuntimeDir)"),
    DIRECTIVE("BantinSiteURL", set_site_url,
              "scheme://host[:port] of every absolute URL (canonical, "
              "share links, feeds, sitemap); default: httpd's own rule, "
              "the Host header unless UseCanonicalName On"),
    DIRECTIVE("BantinCheckInterval", set_interval,
              "seconds between looks for changed articles (default 0.25)"),
    {NULL}
};

