/* test_directives.c -- the one table of directives and its checks
 * (bantin_directives.h), in both servers' spellings, and the settling of
 * a content dir over its sections (bantin_lifecycle.h).
 */
#include <string.h>
#include <unistd.h>

#include <apr_allocator.h>
#include <apr_strings.h>

#include "bantin_date.h"
#include "bantin_directives.h"
#include "bantin_lifecycle.h"
#include "bantin_parent.h"
#include "unit.h"

static bantin_section sec;
static bantin_registry reg;

static void fresh(void)
{
    bantin_section_unset(&sec, "/tin");
    bantin_registry_reset(&reg);
}

/* Sets directive id to the one word a (path: a as the server made it
 * absolute); the message or NULL. */
static const char *set1(bantin_directive_id id, bantin_spelling sp,
                        const char *a, const char *path)
{
    const char *argv[1];

    argv[0] = a;
    return bantin_directive_set(unit_pool, &bantin_directives[id], sp, &sec,
                                &reg, 1, argv, path);
}

/* The message in the other spelling: each directive name of the row
 * table in httpd's spelling turned into nginx's, "<Location>" into
 * "location". */
static const char *respelled(const char *msg)
{
    char *out = apr_pstrdup(unit_pool, msg);
    int i;

    for (i = 0; i < BANTIN_D_COUNT; i++) {
        const char *h = bantin_directives[i].name[BANTIN_HTTPD];
        const char *n = bantin_directives[i].name[BANTIN_NGINX];
        char *at;
        while ((at = strstr(out, h)) != NULL
               && (at[strlen(h)] < 'A' || at[strlen(h)] > 'Z')) {
            out = apr_pstrcat(unit_pool, apr_pstrmemdup(unit_pool, out,
                                                        (apr_size_t)(at - out)),
                              n, at + strlen(h), NULL);
        }
    }
    {
        char *at = strstr(out, "<Location>");
        if (at) {
            out = apr_pstrcat(unit_pool, apr_pstrmemdup(unit_pool, out,
                                                        (apr_size_t)(at - out)),
                              "location", at + 10, NULL);
        }
    }
    return out;
}

/* ---- the table ---- */

/* nginx's name is httpd's with '_' before each capital that follows a
 * small letter, in lower case (the rule README and the tests use). */
START_TEST(test_names_derive)
{
    int i;

    for (i = 0; i < BANTIN_D_COUNT; i++) {
        const char *h = bantin_directives[i].name[BANTIN_HTTPD], *s;
        char want[64];
        apr_size_t n = 0;
        for (s = h; *s; s++) {
            if (s > h && s[0] >= 'A' && s[0] <= 'Z' && s[-1] >= 'a'
                && s[-1] <= 'z') {
                want[n++] = '_';
            }
            want[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
        }
        want[n] = '\0';
        ck_assert_str_eq(bantin_directives[i].name[BANTIN_NGINX], want);
        ck_assert_msg(bantin_directives[i].help && *bantin_directives[i].help,
                      "%s has no help", h);
    }
}
END_TEST

/* ---- each kind: accepted values and what they set ---- */

START_TEST(test_accepts)
{
    fresh();
    ck_assert_ptr_null(set1(BANTIN_D_PAGE_SIZE, BANTIN_HTTPD, "1", NULL));
    ck_assert_int_eq(sec.set.page_size, 1);
    ck_assert_ptr_null(set1(BANTIN_D_PAGE_SIZE, BANTIN_NGINX, "100", NULL));
    ck_assert_int_eq(sec.set.page_size, 100);
    ck_assert_ptr_null(set1(BANTIN_D_PREFIX, BANTIN_HTTPD, "/tin//", NULL));
    ck_assert_str_eq(sec.prefix, "/tin");
    ck_assert_ptr_null(set1(BANTIN_D_FONT_SIZES, BANTIN_HTTPD, "1 1.5\t2",
                            NULL));
    ck_assert_int_eq(sec.set.fs_count, 3);
    ck_assert_str_eq(sec.set.fs_rem[2], "2");
    ck_assert_ptr_null(set1(BANTIN_D_FONT_DEFAULT, BANTIN_NGINX, "3", NULL));
    ck_assert_int_eq(sec.set.fs_default, 3);
    ck_assert_ptr_null(set1(BANTIN_D_FONT_COOKIE, BANTIN_HTTPD, "co_t-chu",
                            NULL));
    ck_assert_str_eq(sec.set.fs_cookie, "co_t-chu");
    ck_assert_ptr_null(set1(BANTIN_D_PORTAL_NAME, BANTIN_NGINX, "Tin tức",
                            NULL));
    ck_assert_str_eq(sec.set.portal_name, "Tin tức");
    ck_assert_ptr_null(set1(BANTIN_D_TIME_ZONE, BANTIN_HTTPD, "-05:30", NULL));
    ck_assert_int_eq(sec.set.tz_min, -330);
    ck_assert_ptr_null(set1(BANTIN_D_ERROR_MAX_AGE, BANTIN_HTTPD, "0", NULL));
    ck_assert_int_eq(sec.set.error_max_age, 0);
    ck_assert_ptr_null(set1(BANTIN_D_RELATED_COUNT, BANTIN_NGINX, "50", NULL));
    ck_assert_int_eq(sec.set.related, BANTIN_MAX_RELATED);
    ck_assert_ptr_null(set1(BANTIN_D_WATCH, BANTIN_HTTPD, "WALK", NULL));
    ck_assert_int_eq(sec.walk, 1);
    ck_assert_ptr_null(set1(BANTIN_D_WATCH, BANTIN_NGINX, "inotify", NULL));
    ck_assert_int_eq(sec.walk, 0);
    ck_assert_ptr_null(set1(BANTIN_D_CHECK_INTERVAL, BANTIN_HTTPD, "0.5",
                            NULL));
    ck_assert_int_eq(sec.interval, apr_time_from_msec(500));
    ck_assert_ptr_null(set1(BANTIN_D_SITE_URL, BANTIN_HTTPD,
                            "HTTPS://Portal.Example.VN:443/", NULL));
    ck_assert_str_eq(sec.set.site_url, "https://portal.example.vn");
    ck_assert_ptr_null(set1(BANTIN_D_SITE_URL, BANTIN_NGINX,
                            "http://[::1]:8080", NULL));
    ck_assert_str_eq(sec.set.site_url, "http://[::1]:8080");
    /* the server-wide ones go into the registry */
    ck_assert_ptr_null(set1(BANTIN_D_CACHE_SIZE, BANTIN_HTTPD, "65536", NULL));
    ck_assert_int_eq(reg.cache_mb, 65536);
    ck_assert_ptr_null(set1(BANTIN_D_STATE_DIR, BANTIN_NGINX, "st", "/x/st"));
    ck_assert_str_eq(reg.state_root, "/x/st");
    ck_assert_ptr_null(set1(BANTIN_D_START_CACHE_DIR, BANTIN_HTTPD, "Off",
                            "/x/Off"));
    ck_assert_str_eq(reg.startcache_dir, "");
    ck_assert_ptr_null(set1(BANTIN_D_START_CACHE_DIR, BANTIN_HTTPD, "sc",
                            "/x/sc"));
    ck_assert_str_eq(reg.startcache_dir, "/x/sc");
}
END_TEST

/* Words in several arguments count as in one (nginx's bantin_font_sizes
 * 0.875 1 1.25 and httpd's quoted "0.875 1 1.25"). */
START_TEST(test_font_sizes_words)
{
    const char *argv[] = {"0.875", "1 1.25"};

    fresh();
    ck_assert_ptr_null(bantin_directive_set(
        unit_pool, &bantin_directives[BANTIN_D_FONT_SIZES], BANTIN_NGINX,
        &sec, &reg, 2, argv, NULL));
    ck_assert_int_eq(sec.set.fs_count, 3);
    ck_assert_str_eq(sec.set.fs_rem[0], "0.875");
}
END_TEST

/* ---- each kind: refused values, and the one line that says why ---- */

static const struct {
    bantin_directive_id id;
    const char *value;
    const char *msg;          /* in httpd's spelling */
} refused[] = {
    {BANTIN_D_PAGE_SIZE, "abc", "BantinPageSize: 'abc' is not a number from 1 to 100"},
    {BANTIN_D_PAGE_SIZE, "0", "BantinPageSize: '0' is not a number from 1 to 100"},
    {BANTIN_D_PAGE_SIZE, "5x", "BantinPageSize: '5x' is not a number from 1 to 100"},
    {BANTIN_D_PAGE_SIZE, "101", "BantinPageSize: '101' is not a number from 1 to 100"},
    {BANTIN_D_ERROR_MAX_AGE, "-1", "BantinErrorMaxAge: '-1' is not a number of seconds from 0 to 31536000"},
    {BANTIN_D_LIST_MAX_AGE, "", "BantinListMaxAge: '' is not a number of seconds from 0 to 31536000"},
    {BANTIN_D_RELATED_COUNT, "51", "BantinRelatedCount: '51' is not a number from 0 to 50"},
    {BANTIN_D_FEED_SIZE, "101", "BantinFeedSize: '101' is not a number from 0 to 100"},
    {BANTIN_D_CACHE_SIZE, "65537", "BantinCacheSize: '65537' is not a number of MiB from 0 (off) to 65536"},
    {BANTIN_D_PREFIX, "tin", "BantinPrefix: 'tin' must be a URL path starting with '/'"},
    {BANTIN_D_PREFIX, "/t?n", "BantinPrefix: '/t?n' must be a URL path starting with '/'"},
    {BANTIN_D_FONT_SIZES, "abc", "BantinFontSizes: give 2 to 12 sizes in rem, smallest first (e.g. 0.875 1 1.125 1.375 1.75); 'abc' is not one"},
    {BANTIN_D_FONT_SIZES, "", "BantinFontSizes: give at least 2 sizes"},
    {BANTIN_D_FONT_SIZES, "1 1", "BantinFontSizes: sizes must grow, smallest first ('1' after '1')"},
    {BANTIN_D_FONT_SIZES, "1 11", "BantinFontSizes: give 2 to 12 sizes in rem, smallest first (e.g. 0.875 1 1.125 1.375 1.75); '11' is not one"},
    {BANTIN_D_FONT_DEFAULT, "0", "BantinFontDefault: '0' is not a step number (1 = the first size of BantinFontSizes)"},
    {BANTIN_D_FONT_DEFAULT, "x", "BantinFontDefault: 'x' is not a step number (1 = the first size of BantinFontSizes)"},
    {BANTIN_D_FONT_COOKIE, "a b", "BantinFontCookie: 'a b' must be 1 to 64 of A-Z a-z 0-9 _ -"},
    {BANTIN_D_FONT_COOKIE, "", "BantinFontCookie: '' must be 1 to 64 of A-Z a-z 0-9 _ -"},
    {BANTIN_D_TIME_ZONE, "nowhere", "BantinTimeZone: 'nowhere' is not a zone: use Asia/Ho_Chi_Minh, UTC or an offset like +07:00"},
    {BANTIN_D_CHECK_INTERVAL, "0", "BantinCheckInterval: '0' is not a number of seconds from 0.01 to 3600"},
    {BANTIN_D_CHECK_INTERVAL, "1s", "BantinCheckInterval: '1s' is not a number of seconds from 0.01 to 3600"},
    {BANTIN_D_WATCH, "poll", "BantinWatch: 'poll' is neither inotify nor walk"},
    {BANTIN_D_SITE_URL, "ftp://x", "BantinSiteURL: 'ftp://x' must start with http:// or https://: give the scheme, host and port only (e.g. https://portal.example.vn)"},
    {BANTIN_D_SITE_URL, "http://u@x", "BantinSiteURL: 'http://u@x' must not name a user: give the scheme, host and port only (e.g. https://portal.example.vn)"},
    {BANTIN_D_SITE_URL, "http://x/tin", "BantinSiteURL: 'http://x/tin' must not have a path (the portal's path is its <Location> or BantinPrefix): give the scheme, host and port only (e.g. https://portal.example.vn)"},
    {BANTIN_D_SITE_URL, "http://x:0", "BantinSiteURL: 'http://x:0' has a port that is not a number from 1 to 65535: give the scheme, host and port only (e.g. https://portal.example.vn)"},
    {BANTIN_D_SITE_URL, "http://a..b", "BantinSiteURL: 'http://a..b' has a host that is not a host name or IP address: give the scheme, host and port only (e.g. https://portal.example.vn)"},
    {BANTIN_D_SITE_URL, "http://[::g]", "BantinSiteURL: 'http://[::g]' has a host that is not an IPv6 address in []: give the scheme, host and port only (e.g. https://portal.example.vn)"},
    {BANTIN_D_STATE_DIR, "x", "BantinStateDir: invalid path 'x'"},
    {BANTIN_D_START_CACHE_DIR, "x", "BantinStartCacheDir: invalid path 'x'"},
    {BANTIN_D_CONTENT_DIR, "x", "BantinContentDir: invalid path 'x'"},
};

START_TEST(test_refuses)
{
    int sp;

    for (sp = BANTIN_HTTPD; sp <= BANTIN_NGINX; sp++) {
        const char *msg, *want;
        bantin_section before;
        fresh();
        before = sec;
        msg = set1(refused[_i].id, (bantin_spelling)sp, refused[_i].value,
                   NULL);
        want = sp == BANTIN_HTTPD ? refused[_i].msg
                                  : respelled(refused[_i].msg);
        ck_assert_ptr_nonnull(msg);
        ck_assert_str_eq(msg, want);
        /* one line, and nothing of it kept */
        ck_assert_ptr_null(strchr(msg, '\n'));
        ck_assert_mem_eq(&sec, &before, sizeof(sec));
        ck_assert_ptr_null(reg.sources);
    }
}
END_TEST

/* The font steps and the default step check each other, in either
 * order, naming the other directive. */
START_TEST(test_font_cross_checks)
{
    fresh();
    ck_assert_ptr_null(set1(BANTIN_D_FONT_DEFAULT, BANTIN_HTTPD, "4", NULL));
    ck_assert_str_eq(set1(BANTIN_D_FONT_SIZES, BANTIN_HTTPD, "1 2 3", NULL),
                     "BantinFontSizes: BantinFontDefault 4 is past these 3 "
                     "sizes");
    ck_assert_str_eq(set1(BANTIN_D_FONT_SIZES, BANTIN_NGINX, "1 2 3", NULL),
                     "bantin_font_sizes: bantin_font_default 4 is past these "
                     "3 sizes");
    fresh();
    ck_assert_ptr_null(set1(BANTIN_D_FONT_SIZES, BANTIN_NGINX, "1 2", NULL));
    ck_assert_str_eq(set1(BANTIN_D_FONT_DEFAULT, BANTIN_NGINX, "3", NULL),
                     "bantin_font_default: step 3 is past the 2 sizes of "
                     "bantin_font_sizes");
}
END_TEST

/* A content dir is listed and registered once; one that cannot be listed
 * is refused with the path and why; a template dir compiles. */
START_TEST(test_dirs)
{
    const char *dir = unit_tmpdir(), *gone, *msg;
    const char *tdir = apr_pstrcat(unit_pool, unit_srcdir(), "/templates",
                                   NULL);
    bantin_section other;

    fresh();
    ck_assert_ptr_null(set1(BANTIN_D_CONTENT_DIR, BANTIN_HTTPD, "c", dir));
    ck_assert_str_eq(sec.content->dir, dir);
    ck_assert(!sec.content->is_theme);
    bantin_section_unset(&other, "/khac");
    ck_assert_ptr_null(bantin_directive_set(
        unit_pool, &bantin_directives[BANTIN_D_CONTENT_DIR], BANTIN_NGINX,
        &other, &reg, 1, (const char *const[]){"c"}, dir));
    ck_assert_ptr_eq(other.content, sec.content);
    ck_assert_int_eq(reg.sources->nelts, 1);
    ck_assert_ptr_null(set1(BANTIN_D_TEMPLATE_DIR, BANTIN_HTTPD, "t", tdir));
    ck_assert_ptr_nonnull(sec.templates->theme);
    ck_assert_int_eq(reg.sources->nelts, 2);
    gone = apr_pstrcat(unit_pool, dir, "/gone", NULL);
    msg = set1(BANTIN_D_CONTENT_DIR, BANTIN_NGINX, "gone", gone);
    ck_assert_str_eq(msg, apr_psprintf(unit_pool, "bantin_content_dir: %s: "
                                       "No such file or directory", gone));
    /* a template dir without its templates: the directive and the file */
    msg = set1(BANTIN_D_TEMPLATE_DIR, BANTIN_HTTPD, "c", dir);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(!strncmp(msg, "BantinTemplateDir: ", 19), "%s", msg);
    ck_assert_msg(strstr(msg, dir) != NULL, "%s", msg);
}
END_TEST

/* Merge: add over base, unset fields inherited; the prefix's section is
 * the one naming the content dir. */
START_TEST(test_merge)
{
    bantin_section base, add, out;
    bantin_source src;

    memset(&src, 0, sizeof(src));
    bantin_section_unset(&base, "/tin");
    bantin_section_unset(&add, "/tin/trong");
    base.content = &src;
    base.set.page_size = 3;
    base.walk = 1;
    add.set.related = 2;
    add.interval = 7;
    bantin_section_merge(&out, &base, &add);
    ck_assert_str_eq(out.section, "/tin");
    ck_assert_ptr_eq(out.content, &src);
    ck_assert_int_eq(out.set.page_size, 3);
    ck_assert_int_eq(out.set.related, 2);
    ck_assert_int_eq(out.walk, 1);
    ck_assert_int_eq(out.interval, 7);
    /* in place, as nginx merges, and a section naming its own content */
    add.content = &src;
    bantin_section_merge(&add, &base, &add);
    ck_assert_str_eq(add.section, "/tin/trong");
    ck_assert_int_eq(add.set.page_size, 3);
}
END_TEST

/* ---- a content dir settled over its sections ---- */

START_TEST(test_settle)
{
    bantin_source src;
    const char *msg;

    memset(&src, 0, sizeof(src));
    src.dir = "/srv/tin";
    src.tz_min = BANTIN_UNSET;
    src.interval = BANTIN_UNSET;
    ck_assert_ptr_null(bantin_registry_settle(unit_pool, BANTIN_HTTPD, &src,
                                              "<Location /a>", BANTIN_UNSET,
                                              BANTIN_UNSET, 500));
    ck_assert_int_eq(src.tz_min, BANTIN_TZ_DEFAULT_MIN);
    /* +07:00 is the default's offset: the same zone */
    ck_assert_ptr_null(bantin_registry_settle(unit_pool, BANTIN_HTTPD, &src,
                                              "<Location /b>", 420, 1, 200));
    ck_assert_int_eq(src.walk, 1);
    ck_assert_int_eq(src.interval, 200);
    msg = bantin_registry_settle(unit_pool, BANTIN_HTTPD, &src,
                                 "<Location /c>", 0, 0, 900);
    ck_assert_str_eq(msg, "BT0003 BantinTimeZone: BantinContentDir /srv/tin "
                     "is published in one zone, but <Location /a> "
                     "(Asia/Ho_Chi_Minh, the default) and <Location /c> "
                     "(UTC) differ: give them the same BantinTimeZone, or "
                     "each its own content dir");
    msg = bantin_registry_settle(unit_pool, BANTIN_NGINX, &src,
                                 "location /d", -330, 0, 900);
    ck_assert_str_eq(msg, "BT0003 bantin_time_zone: bantin_content_dir "
                     "/srv/tin is published in one zone, but <Location /a> "
                     "(Asia/Ho_Chi_Minh, the default) and location /d "
                     "(-05:30) differ: give them the same bantin_time_zone, "
                     "or each its own content dir");
    ck_assert_int_eq(src.interval, 200);
}
END_TEST

/* Every merged section in turn, named in the server's spelling; one
 * without a content dir settles nothing. */
START_TEST(test_settle_all)
{
    bantin_section a, b, none;
    bantin_source src;
    apr_array_header_t *secs = apr_array_make(unit_pool, 3,
                                              sizeof(bantin_section *));

    memset(&src, 0, sizeof(src));
    src.dir = "/srv/tin";
    src.tz_min = BANTIN_UNSET;
    src.interval = BANTIN_UNSET;
    bantin_section_unset(&a, "/a");
    bantin_section_unset(&b, "/b");
    bantin_section_unset(&none, "/n");
    a.content = b.content = &src;
    a.interval = 900;
    b.interval = 300;
    b.walk = 1;
    none.set.tz_min = 0;
    APR_ARRAY_PUSH(secs, bantin_section *) = &a;
    APR_ARRAY_PUSH(secs, bantin_section *) = &none;
    APR_ARRAY_PUSH(secs, bantin_section *) = &b;
    ck_assert_ptr_null(bantin_registry_settle_all(unit_pool, BANTIN_NGINX,
                                                  secs));
    ck_assert_int_eq(src.interval, 300);
    ck_assert_int_eq(src.walk, 1);
    ck_assert_str_eq(src.tz_where, "location /a (Asia/Ho_Chi_Minh, the "
                     "default)");
    none.content = &src;
    ck_assert_pstr_eq(bantin_registry_settle_all(unit_pool, BANTIN_NGINX,
                                                 secs),
                      "BT0003 bantin_time_zone: bantin_content_dir /srv/tin "
                      "is published in one zone, but location /a "
                      "(Asia/Ho_Chi_Minh, the default) and location /n (UTC) "
                      "differ: give them the same bantin_time_zone, or each "
                      "its own content dir");
    src.tz_where = NULL;
    none.section = NULL;
    ck_assert_ptr_nonnull(strstr(bantin_registry_settle_all(unit_pool,
                                                            BANTIN_HTTPD,
                                                            secs),
                                 "<Location /a> (Asia/Ho_Chi_Minh, the "
                                 "default) and the server config (UTC)"));
}
END_TEST

/* A section serves only with both dirs, its content loaded. */
START_TEST(test_portal)
{
    bantin_source content, templates;
    bantin_portal portal;

    memset(&content, 0, sizeof(content));
    memset(&templates, 0, sizeof(templates));
    fresh();
    ck_assert_int_eq(bantin_registry_portal(&reg, &sec, &portal), 0);
    sec.content = &content;
    sec.templates = &templates;
    ck_assert_int_eq(bantin_registry_portal(&reg, &sec, &portal), 0);
    content.store = (bantin_store *)&content; /* only compared */
    content.dir = "/srv/tin";
    ck_assert_int_eq(bantin_registry_portal(&reg, &sec, &portal), 1);
    ck_assert_str_eq(portal.content_dir, "/srv/tin");
    ck_assert_ptr_eq(portal.settings, &sec.set);
    /* no watcher thread: requests look for changes themselves */
    ck_assert_int_eq(portal.refresh, 1);
}
END_TEST

/* The status page of a configuration that serves nothing yet. */
START_TEST(test_status)
{
    bantin_response a;

    fresh();
    bantin_registry_status(&reg, unit_pool, "GET", &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_ptr_nonnull(a.body);
    ck_assert_ptr_nonnull(strstr(a.body, apr_psprintf(unit_pool, "%ld",
                                                      (long)getpid())));
}
END_TEST

/* The command line this process was started with (a stop is told from a
 * start by it in httpd). */
START_TEST(test_cmdline)
{
    const char **argv;
    int argc;

    ck_assert_int_eq(bantin_parent_cmdline(unit_pool, &argc, &argv), 1);
    ck_assert_int_ge(argc, 1);
    ck_assert_msg(strstr(argv[0], "unit-tests") != NULL, "%s", argv[0]);
    ck_assert_ptr_null(argv[argc]);
}
END_TEST

/* httpd's -f: the last one counts, joined or apart; none is NULL. */
START_TEST(test_argv_option)
{
    const char *a[] = {"apache2", "-d", "/x", "-f", "a.conf", "-k",
                       "start"};
    const char *b[] = {"apache2", "-fa.conf", "-X", "-f", "b.conf"};
    const char *c[] = {"apache2", "-k", "start", "-f"};
    const char *d[] = {"-f", "x", "-D", "f"};

    ck_assert_str_eq(bantin_argv_option(7, a, 'f'), "a.conf");
    ck_assert_str_eq(bantin_argv_option(7, a, 'd'), "/x");
    ck_assert_str_eq(bantin_argv_option(2, b, 'f'), "a.conf");
    ck_assert_str_eq(bantin_argv_option(5, b, 'f'), "b.conf");
    ck_assert_str_eq(bantin_argv_option(4, c, 'f'), "");
    ck_assert_ptr_null(bantin_argv_option(4, d, 'f'));
    ck_assert_ptr_null(bantin_argv_option(7, a, 'C'));
}
END_TEST


/* A request's pool gives back to the next request what it freed: both
 * take their memory from one allocator, which kept the block. */
START_TEST(test_request_pool_recycles)
{
    apr_pool_t *a, *b;
    apr_allocator_t *shared;
    void *first;

    ck_assert_int_eq(bantin_request_pool(&a), APR_SUCCESS);
    shared = apr_pool_allocator_get(a);
    first = apr_palloc(a, 64 * 1024);
    apr_pool_destroy(a);
    ck_assert_int_eq(bantin_request_pool(&b), APR_SUCCESS);
    ck_assert_ptr_eq(apr_pool_allocator_get(b), shared);
    ck_assert_ptr_eq(apr_palloc(b, 64 * 1024), first);
    apr_pool_destroy(b);
}
END_TEST

Suite *directives_suite(void)
{
    Suite *s = suite_create("directives");
    TCase *tc = unit_tcase("directives");

    tcase_add_test(tc, test_names_derive);
    tcase_add_test(tc, test_accepts);
    tcase_add_test(tc, test_font_sizes_words);
    tcase_add_loop_test(tc, test_refuses, 0, (int)UNIT_N(refused));
    tcase_add_test(tc, test_font_cross_checks);
    tcase_add_test(tc, test_dirs);
    tcase_add_test(tc, test_merge);
    tcase_add_test(tc, test_settle);
    tcase_add_test(tc, test_settle_all);
    tcase_add_test(tc, test_portal);
    tcase_add_test(tc, test_cmdline);
    tcase_add_test(tc, test_argv_option);
    tcase_add_test(tc, test_status);
    tcase_add_test(tc, test_request_pool_recycles);
    suite_add_tcase(s, tc);
    return s;
}
