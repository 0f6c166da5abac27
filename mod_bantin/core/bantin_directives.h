/* bantin_directives.h -- the one table of the portal's directives, and
 * their checks, for both servers: httpd's BantinFooBar and nginx's
 * bantin_foo_bar are the same directive, with the same values, checks,
 * merge and messages (each in its server's spelling).
 *
 * A server module registers one command per row of bantin_directives
 * (built from the table when the module is loaded), all with one setter
 * that does what only the server can (make a path absolute, refuse a
 * directive in the wrong context) and hands the words to
 * bantin_directive_set.  Adding a directive is one row of the table.
 */
#ifndef BANTIN_DIRECTIVES_H
#define BANTIN_DIRECTIVES_H

#include <apr_pools.h>
#include <apr_time.h>

#include "bantin_settings.h"

struct bantin_source;
struct bantin_registry;

/* Which server's names a message uses. */
typedef enum {
    BANTIN_HTTPD = 0,     /* BantinPageSize, <Location> */
    BANTIN_NGINX = 1      /* bantin_page_size, location */
} bantin_spelling;

/* What one <Location> (httpd) or location (nginx) says of its portal;
 * unset fields are BANTIN_UNSET or NULL (bantin_section_unset). */
typedef struct bantin_section {
    const char *section;           /* the location's path */
    const char *prefix;            /* BantinPrefix, overrides section */
    struct bantin_source *content; /* BantinContentDir */
    struct bantin_source *templates; /* BantinTemplateDir */
    bantin_settings set;           /* merged by bantin_settings_merge */
    apr_interval_time_t interval;  /* BantinCheckInterval */
    int walk;                      /* BantinWatch: 1 walk, 0 inotify */
} bantin_section;

/* The kinds of value, each with its own check. */
typedef enum {
    BANTIN_V_CONTENT_DIR,   /* a folder that can be listed */
    BANTIN_V_TEMPLATE_DIR,  /* the same, whose templates compile */
    BANTIN_V_PREFIX,        /* a URL path */
    BANTIN_V_NUMBER,        /* a whole number from lo to hi */
    BANTIN_V_FONT_SIZES,    /* 2 to BANTIN_FONT_MAX_STEPS sizes, growing */
    BANTIN_V_FONT_DEFAULT,  /* one of those steps */
    BANTIN_V_COOKIE,        /* a cookie name */
    BANTIN_V_TEXT,          /* any text */
    BANTIN_V_TIME_ZONE,     /* bantin_tz_parse */
    BANTIN_V_INTERVAL,      /* seconds, 0.01 to 3600 */
    BANTIN_V_WATCH,         /* inotify or walk */
    BANTIN_V_SITE_URL,      /* scheme://host[:port] */
    BANTIN_V_PATH,          /* a path */
    BANTIN_V_PATH_OR_OFF    /* a path, or off ("") */
} bantin_value_kind;

/* The rows, in the table's order. */
typedef enum {
    BANTIN_D_CONTENT_DIR, BANTIN_D_TEMPLATE_DIR, BANTIN_D_PREFIX,
    BANTIN_D_PAGE_SIZE, BANTIN_D_FONT_SIZES, BANTIN_D_FONT_DEFAULT,
    BANTIN_D_FONT_COOKIE, BANTIN_D_PORTAL_NAME, BANTIN_D_TIME_ZONE,
    BANTIN_D_LIST_MAX_AGE, BANTIN_D_ARTICLE_MAX_AGE, BANTIN_D_ERROR_MAX_AGE,
    BANTIN_D_WATCH, BANTIN_D_RELATED_COUNT, BANTIN_D_FEED_SIZE,
    BANTIN_D_CACHE_SIZE, BANTIN_D_STATE_DIR, BANTIN_D_START_CACHE_DIR,
    BANTIN_D_SITE_URL, BANTIN_D_CHECK_INTERVAL,
    BANTIN_D_COUNT
} bantin_directive_id;

typedef struct bantin_directive {
    const char *name[2];        /* by bantin_spelling */
    bantin_value_kind kind;
    int server_only;            /* httpd's server config, nginx's http
                                 * block; the field is the registry's */
    int many;                   /* takes one or more words (else one) */
    apr_size_t offset;          /* of the field in bantin_section, or in
                                 * bantin_registry when server_only */
    long lo, hi;                /* BANTIN_V_NUMBER: the bounds */
    const char *why;            /* BANTIN_V_NUMBER: what the value is not
                                 * (a format of lo and hi) */
    const char *help;           /* httpd's help line */
} bantin_directive;

extern const bantin_directive bantin_directives[BANTIN_D_COUNT];

/* A directive's name in a spelling. */
const char *bantin_directive_name(bantin_directive_id id,
                                  bantin_spelling sp);

/* Whether d names a content or template dir (which a server reading its
 * config only to stop a running one skips: it must not fail for a dir
 * gone or a template broken under that server). */
int bantin_directive_is_dir(const bantin_directive *d);

/* Whether d takes a path, which the server makes absolute its own way
 * (httpd: from ServerRoot, nginx: from its prefix). */
int bantin_directive_takes_path(const bantin_directive *d);

/* Sets what directive d says with the words argv[0..argc-1] into sec (or
 * into reg when d->server_only); path is argv[0] made absolute by the
 * server (NULL when it could not be) for the kinds that take a path.
 * Content and template dirs are registered in reg (their folders are
 * listed, the templates compiled).  NULL, or the one-line message that
 * fails the config test ("BantinPageSize: '0' is not ..."), allocated
 * from p, which outlives the config (the values are kept there too). */
const char *bantin_directive_set(apr_pool_t *p, const bantin_directive *d,
                                 bantin_spelling sp, bantin_section *sec,
                                 struct bantin_registry *reg, int argc,
                                 const char *const *argv, const char *path);

/* A section with everything unset. */
void bantin_section_unset(bantin_section *s, const char *section);

/* out = add over base (out may be add).  The portal's prefix is the
 * section that names its content dir: an inner section that only tunes a
 * setting must not move it. */
void bantin_section_merge(bantin_section *out, const bantin_section *base,
                          const bantin_section *add);

#endif
