/* test_answer.c -- the core's one entry for requests (bantin_answer.h),
 * driven without any server: a request in, the whole answer out. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>

#include "bantin_answer.h"
#include "bantin_hot.h"
#include "unit.h"

/* A portal over a content dir of two articles (one in a category) and
 * an image, with the shipped templates and a page cache. */
typedef struct {
    bantin_settings set;
    bantin_portal portal;
    const char *dir;
} fixture;

static void portal_make(fixture *f)
{
    bantin_theme *t = NULL;
    const char *tdir = apr_pstrcat(unit_pool, unit_srcdir(), "/templates",
                                   NULL);
    bantin_store *st = NULL;

    f->dir = unit_tmpdir();
    unit_write_str(apr_pstrcat(unit_pool, f->dir, "/2024/tin-a.xml", NULL),
                   unit_article_xml("Tin A", "2024-01-04", "Nội dung A"));
    unit_write_str(apr_pstrcat(unit_pool, f->dir, "/2024/tin-b.xml", NULL),
                   unit_article_xml("Tin B", "2024-01-05", "Nội dung B"));
    unit_write_file(apr_pstrcat(unit_pool, f->dir, "/images/a.png", NULL),
                    "\x89PNG", 4);
    ck_assert_ptr_null(bantin_theme_load(unit_pool, tdir, &t));
    ck_assert_int_eq(bantin_store_create(&st, unit_pool, f->dir,
                                         unit_schema(), 420,
                                         apr_time_from_sec(1), NULL),
                     APR_SUCCESS);
    bantin_settings_unset(&f->set);
    memset(&f->portal, 0, sizeof(f->portal));
    f->portal.settings = &f->set;
    f->portal.content_dir = f->dir;
    f->portal.store = st;
    f->portal.theme = t;
    f->portal.cache = bantin_cache_create(unit_pool, 1 << 20);
    f->portal.hot = bantin_hot_create(unit_pool, 64);
    f->portal.refresh = 1;
}

static bantin_request_in get(const char *path, const char *args)
{
    bantin_request_in in;
    memset(&in, 0, sizeof(in));
    in.method = "GET";
    in.prefix = "/portal";
    in.path = path;
    in.args = args;
    in.site = "http://example.test";
    return in;
}

static const char *body_str(const bantin_response *a)
{
    return apr_pstrmemdup(unit_pool, a->body, a->len);
}

static const char *header(const bantin_response *a, const char *name)
{
    return bantin_response_header(a, name);
}

/* The header marked always (kept on the server's own page), or NULL. */
static const char *header_always(const bantin_response *a, const char *name)
{
    int i;
    for (i = 0; i < a->headers->nelts; i++) {
        const bantin_header *h = &APR_ARRAY_IDX(a->headers, i, bantin_header);
        if (!strcmp(h->name, name) && h->always) {
            return h->value;
        }
    }
    return NULL;
}

START_TEST(settings_defaults_in_one_place)
{
    bantin_settings in, out;

    bantin_settings_unset(&in);
    bantin_settings_resolve(&out, &in);
    ck_assert_int_eq(out.page_size, BANTIN_DEFAULT_PAGE_SIZE);
    ck_assert_int_eq(out.fs_count, bantin_default_nsizes);
    ck_assert_int_eq(out.fs_default, (bantin_default_nsizes + 1) / 2);
    ck_assert_str_eq(out.fs_cookie, BANTIN_DEFAULT_COOKIE);
    ck_assert_str_eq(out.portal_name, BANTIN_DEFAULT_PORTAL_NAME);
    ck_assert_int_eq(out.article_max_age, BANTIN_DEFAULT_ARTICLE_MAX_AGE);
    ck_assert_int_eq(out.error_max_age, BANTIN_DEFAULT_ERROR_MAX_AGE);
    ck_assert_ptr_null(out.site_url);

    /* a default step past the sizes given falls back to the middle one */
    {
        static const char *const three[] = {"1", "1.25", "1.5"};
        bantin_settings base, add, merged;
        bantin_settings_unset(&base);
        bantin_settings_unset(&add);
        base.fs_default = 5;
        base.page_size = 7;
        add.fs_rem = three;
        add.fs_count = 3;
        add.page_size = 4;
        bantin_settings_merge(&merged, &base, &add);
        bantin_settings_resolve(&out, &merged);
        ck_assert_int_eq(out.page_size, 4);
        ck_assert_int_eq(out.fs_count, 3);
        ck_assert_int_eq(out.fs_default, 2);
    }
}
END_TEST

START_TEST(article_with_validators_and_gzip)
{
    fixture f;
    bantin_request_in in;
    bantin_response a, z, again;
    const char *etag;

    portal_make(&f);
    in = get("/article/2024/tin-a", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_int_eq(a.server_page, 0);
    ck_assert_int_eq(a.conditional, 1);
    ck_assert_ptr_null(a.encoding);
    ck_assert_str_eq(a.ctype, "text/html; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(body_str(&a), "Tin A"));
    etag = header(&a, "ETag");
    ck_assert_ptr_nonnull(etag);
    ck_assert_int_eq(strncmp(etag, "\"bt-", 4), 0);
    ck_assert_str_eq(header(&a, "Vary"), "Cookie, Accept-Encoding");
    ck_assert_str_eq(header(&a, "Cache-Control"), "max-age=300");
    ck_assert_ptr_nonnull(header(&a, "Last-Modified"));
    ck_assert_ptr_nonnull(header(&a, "Content-Security-Policy"));
    ck_assert_int_gt(a.modified, 0);

    /* the precompressed form, under its own ETag */
    in.accept_encoding = "gzip, deflate";
    bantin_answer(unit_pool, &f.portal, &in, &z);
    ck_assert_str_eq(z.encoding, "gzip");
    ck_assert_uint_gt(z.len, 2);
    ck_assert_int_eq((unsigned char)z.body[0], 0x1f);
    ck_assert_int_eq((unsigned char)z.body[1], 0x8b);
    ck_assert_str_eq(header(&z, "ETag"),
                     apr_pstrcat(unit_pool,
                                 apr_pstrndup(unit_pool, etag,
                                              strlen(etag) - 1),
                                 "-gz\"", NULL));

    /* never to an include */
    in.subrequest = 1;
    bantin_answer(unit_pool, &f.portal, &in, &again);
    ck_assert_ptr_null(again.encoding);
    ck_assert_str_eq(header(&again, "ETag"), etag);
    ck_assert_uint_eq(again.len, a.len);
    ck_assert_int_eq(memcmp(again.body, a.body, a.len), 0);
}
END_TEST

START_TEST(cache_and_etag_follow_the_view)
{
    fixture f;
    bantin_request_in in;
    bantin_response a, b, c;
    bantin_cache_stats_t st;

    portal_make(&f);
    in = get("/article/2024/tin-a", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    bantin_answer(unit_pool, &f.portal, &in, &b);
    bantin_cache_stats(f.portal.cache, &st);
    ck_assert_uint_eq(st.hits, 1);
    ck_assert_str_eq(header(&a, "ETag"), header(&b, "ETag"));
    /* another font step is another page */
    in.cookie = "bantin_fs=5";
    bantin_answer(unit_pool, &f.portal, &in, &c);
    ck_assert_str_ne(header(&a, "ETag"), header(&c, "ETag"));
    /* a Host not of the server: rendered, not kept */
    in.cookie = NULL;
    in.site = "http://junk.test";
    in.site_foreign = 1;
    bantin_answer(unit_pool, &f.portal, &in, &c);
    bantin_cache_stats(f.portal.cache, &st);
    ck_assert_uint_eq(st.skipped, 1);
    ck_assert_ptr_nonnull(strstr(body_str(&c), "http://junk.test"));
}
END_TEST

START_TEST(head_answers_like_get)
{
    fixture f;
    bantin_request_in in;
    bantin_response g, h;

    portal_make(&f);
    in = get("/", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &g);
    in.method = "HEAD";
    bantin_answer(unit_pool, &f.portal, &in, &h);
    ck_assert_int_eq(h.status, 200);
    ck_assert_str_eq(header(&h, "ETag"), header(&g, "ETag"));
    ck_assert_str_eq(header(&h, "Cache-Control"), "max-age=60");
    ck_assert_uint_eq(h.len, g.len);
}
END_TEST

START_TEST(redirects)
{
    fixture f;
    bantin_request_in in;
    bantin_response a;

    portal_make(&f);
    /* a loose URL of a page that exists */
    in = get("/Article/2024/Tin-A/", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 301);
    ck_assert_int_eq(a.server_page, 1);
    ck_assert_str_eq(header(&a, "Location"), "/portal/article/2024/tin-a");
    ck_assert_str_eq(header_always(&a, "Cache-Control"), "max-age=5");
    /* ... and of one that does not */
    in = get("/article/2024/khong-co/", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
    /* the prefix without its slash, the query kept */
    in = get("", "x=1");
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 301);
    ck_assert_str_eq(header(&a, "Location"), "/portal/?x=1");
}
END_TEST

START_TEST(errors)
{
    fixture f;
    bantin_request_in in;
    bantin_response a;

    portal_make(&f);
    f.set.error_max_age = 9;
    in = get("/khong-co-trang-nay", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
    ck_assert_int_eq(a.server_page, 0);
    ck_assert_str_eq(header(&a, "Cache-Control"), "max-age=9");
    ck_assert_str_eq(header(&a, "Vary"), "Cookie");
    ck_assert_str_eq(a.ctype, "text/html; charset=utf-8");
    ck_assert_uint_gt(a.len, 0);
    /* not below the prefix */
    in.prefix = NULL;
    in.path = "/elsewhere";
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
    /* a method the route does not take */
    in = get("/article/2024/tin-a", NULL);
    in.method = "POST";
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 405);
    ck_assert_str_eq(header(&a, "Allow"), "GET, HEAD");
    in = get("/fontsize", NULL);
    in.method = "PUT";
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 405);
    ck_assert_str_eq(header(&a, "Allow"), "GET, HEAD, POST");
    /* a page number that is none */
    in = get("/", "page=x");
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 400);
    in = get("/", "page=9");
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
}
END_TEST

static const char *form_of(void *baton, apr_size_t max)
{
    const char *form = baton;
    return strlen(form) < max ? form : NULL;
}

START_TEST(fontsize_post_redirects_safely)
{
    fixture f;
    bantin_request_in in;
    bantin_response a;

    portal_make(&f);
    in = get("/fontsize", NULL);
    in.method = "POST";
    in.read_form = form_of;
    in.baton = "step=up&back=article/2024/tin-a";
    in.cookie = "bantin_fs=2";
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 303);
    ck_assert_int_eq(a.server_page, 1);
    ck_assert_str_eq(header_always(&a, "Location"),
                     "/portal/article/2024/tin-a");
    ck_assert_str_eq(header_always(&a, "Set-Cookie"),
                     "bantin_fs=3; Path=/portal; Max-Age=31536000; "
                     "SameSite=Lax");
    ck_assert_str_eq(header_always(&a, "Cache-Control"), "no-store");
    /* off-site: back to the portal's home; https: a Secure cookie */
    in.baton = "step=1&back=//evil.test/x";
    in.secure = 1;
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_str_eq(header_always(&a, "Location"), "/portal/");
    ck_assert_str_eq(header_always(&a, "Set-Cookie"),
                     "bantin_fs=1; Path=/portal; Max-Age=31536000; "
                     "SameSite=Lax; Secure");
    /* a body too long to be the form */
    in.baton = apr_pstrcat(unit_pool, "step=up&back=",
                           apr_pstrndup(unit_pool,
                                        memset(apr_palloc(unit_pool, 4000),
                                               'a', 4000), 4000), NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 400);
    /* the GET form, from the query */
    in = get("/fontsize", "step=down&back=");
    in.cookie = "bantin_fs=2";
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 303);
    ck_assert_str_eq(header_always(&a, "Set-Cookie"),
                     "bantin_fs=1; Path=/portal; Max-Age=31536000; "
                     "SameSite=Lax");
}
END_TEST

START_TEST(search_params)
{
    fixture f;
    bantin_request_in in;
    bantin_response a;

    portal_make(&f);
    /* search off: an answer nonetheless, that nothing was found */
    in = get("/search", "q=tin&from=2024-01-01&to=x");
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(header(&a, "Cache-Control"), "max-age=60");
    ck_assert_str_eq(header(&a, "Vary"), "Cookie");
    ck_assert_ptr_nonnull(strstr(body_str(&a), "tin"));
    in = get("/search", "q=tin&page=-1");
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 400);
    in = get("/search", "q=tin&page=0");
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
    /* not UTF-8: echoed back as U+FFFD */
    in = get("/search", "q=%ff%fe");
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_int_eq(unit_utf8_valid(body_str(&a)), 1);
}
END_TEST

START_TEST(feeds_and_sitemap)
{
    fixture f;
    bantin_request_in in;
    bantin_response a;

    portal_make(&f);
    in = get("/feed.xml", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(a.ctype, "application/rss+xml; charset=utf-8");
    ck_assert_ptr_null(header(&a, "Vary")); /* the same for every reader */
    ck_assert_ptr_nonnull(strstr(body_str(&a),
                                 "http://example.test/portal/article/2024/"
                                 "tin-b"));
    in = get("/sitemap.xml", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(a.ctype, "application/xml; charset=utf-8");
    in = get("/sitemap-2.xml", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
}
END_TEST

START_TEST(media_and_static)
{
    fixture f;
    bantin_request_in in;
    bantin_response a;

    portal_make(&f);
    in = get("/media/images/a.png", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_int_ge(a.fd, 0);
    ck_assert_int_eq((int)a.finfo.size, 4);
    ck_assert_str_eq(a.ctype, "image/png");
    ck_assert_str_eq(header(&a, "X-Content-Type-Options"), "nosniff");
    in = get("/media/images/none.png", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
    ck_assert_int_lt(a.fd, 0);
    in = get("/media/2024/tin-a.xml", NULL); /* not an image type */
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
    in = get("/static/bantin.css", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(header(&a, "Cache-Control"), "max-age=3600");
    ck_assert_uint_gt(a.len, 0);
}
END_TEST

START_TEST(status_page)
{
    fixture f;
    bantin_status_dir d;
    bantin_response a;

    portal_make(&f);
    d.dir = f.dir;
    d.store = f.portal.store;
    d.search = NULL;
    d.refresh = 1;
    bantin_answer_status(unit_pool, "POST", &d, 1, f.portal.cache,
                         f.portal.hot, 42, &a);
    ck_assert_int_eq(a.status, 405);
    ck_assert_int_eq(a.server_page, 1);
    ck_assert_str_eq(header(&a, "Allow"), "GET, HEAD");
    bantin_answer_status(unit_pool, "GET", &d, 1, f.portal.cache,
                         f.portal.hot, 42, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(header(&a, "Cache-Control"), "no-store");
    ck_assert_ptr_nonnull(strstr(body_str(&a),
                                 "<dd class=\"articles\">2</dd>"));
    ck_assert_ptr_nonnull(strstr(body_str(&a), "pid 42"));
    ck_assert_ptr_nonnull(strstr(body_str(&a),
                                 "<dd class=\"hot-hits\">0</dd>"));
    {
        /* a page asked for twice: answered again once */
        bantin_request_in in = get("/article/2024/tin-a", NULL);
        bantin_response page;
        bantin_answer(unit_pool, &f.portal, &in, &page);
        bantin_answer(unit_pool, &f.portal, &in, &page);
    }
    bantin_answer_status(unit_pool, "GET", &d, 1, f.portal.cache,
                         f.portal.hot, 42, &a);
    ck_assert_ptr_nonnull(strstr(body_str(&a),
                                 "<dd class=\"hot-hits\">1</dd>"));
    bantin_answer_status(unit_pool, "HEAD", &d, 1, f.portal.cache,
                         f.portal.hot, 42, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(a.ctype, "text/html; charset=utf-8");
    ck_assert_ptr_null(a.body);
}
END_TEST

/* Where a watcher thread looks for changes (nginx: its event loop reads
 * inotify, a thread walks), the status page must not do it itself on the
 * request's thread; where none does, it looks, as article pages do. */
START_TEST(status_page_refreshes_only_without_a_watcher)
{
    const char *dir = unit_tmpdir();
    bantin_cache *cache = bantin_cache_create(unit_pool, 1 << 20);
    bantin_store *st = NULL;
    bantin_status_dir d;
    bantin_response a;

    unit_write_str(apr_pstrcat(unit_pool, dir, "/2024/tin-a.xml", NULL),
                   unit_article_xml("Tin A", "2024-01-04", "Nội dung A"));
    ck_assert_int_eq(bantin_store_create(&st, unit_pool, dir, unit_schema(),
                                         420, apr_time_from_msec(1), NULL),
                     APR_SUCCESS);
    unit_write_str(apr_pstrcat(unit_pool, dir, "/2024/tin-b.xml", NULL),
                   unit_article_xml("Tin B", "2024-01-05", "Nội dung B"));
    apr_sleep(apr_time_from_msec(5)); /* past the check interval */
    d.dir = dir;
    d.store = st;
    d.search = NULL;
    d.refresh = 0;
    bantin_answer_status(unit_pool, "GET", &d, 1, cache, NULL, 42, &a);
    ck_assert_ptr_nonnull(strstr(body_str(&a),
                                 "<dd class=\"articles\">1</dd>"));
    d.refresh = 1;
    bantin_answer_status(unit_pool, "GET", &d, 1, cache, NULL, 42, &a);
    ck_assert_ptr_nonnull(strstr(body_str(&a),
                                 "<dd class=\"articles\">2</dd>"));
}
END_TEST

START_TEST(moved_and_gone_articles)
{
    fixture f;
    bantin_store *st = NULL;
    bantin_request_in in;
    bantin_response a;
    const char *root = unit_tmpdir();

    portal_make(&f);
    /* the same content dir, with a state folder: moves are remembered */
    ck_assert_int_eq(bantin_store_create(&st, unit_pool, f.dir,
                                         unit_schema(), 420,
                                         apr_time_from_sec(1), root),
                     APR_SUCCESS);
    f.portal.store = st;
    f.set.article_max_age = 77;
    ck_assert_int_eq(mkdir(apr_pstrcat(unit_pool, f.dir, "/nong-thon", NULL),
                           0755), 0);
    ck_assert_int_eq(rename(apr_pstrcat(unit_pool, f.dir, "/2024/tin-a.xml",
                                        NULL),
                            apr_pstrcat(unit_pool, f.dir,
                                        "/nong-thon/tin-a.xml", NULL)), 0);
    ck_assert_int_eq(unlink(apr_pstrcat(unit_pool, f.dir, "/2024/tin-b.xml",
                                        NULL)), 0);
    bantin_store_rescan(st);

    in = get("/block/view/2024/tin-a", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 301);
    ck_assert_int_eq(a.server_page, 1);
    ck_assert_str_eq(header_always(&a, "Location"),
                     "/portal/block/view/nong-thon/tin-a");
    ck_assert_str_eq(header_always(&a, "Cache-Control"), "max-age=77");
    in = get("/article/2024/tin-b", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 410);
    ck_assert_int_eq(a.server_page, 0);
    in = get("/article/2024/chua-bao-gio-co", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &a);
    ck_assert_int_eq(a.status, 404);
}
END_TEST

/* The request as both servers fill it in: the prefix (given, else the
 * section's without trailing slashes) and the path below it. */
START_TEST(request_init_prefix_and_path)
{
    bantin_request_in in;

    in.secure = 1;
    ck_assert(bantin_request_init(unit_pool, &in, "GET", NULL, "/tin/",
                                  "/tin/a-b", "x=1", "c=2", "gzip"));
    ck_assert_str_eq(in.method, "GET");
    ck_assert_str_eq(in.prefix, "/tin");
    ck_assert_str_eq(in.path, "/a-b");
    ck_assert_str_eq(in.args, "x=1");
    ck_assert_str_eq(in.cookie, "c=2");
    ck_assert_str_eq(in.accept_encoding, "gzip");
    ck_assert(!in.secure && !in.site && !in.subrequest && !in.read_form);
    ck_assert(bantin_request_init(unit_pool, &in, "HEAD", "", "/tin",
                                  "/tin", NULL, NULL, NULL));
    ck_assert_str_eq(in.prefix, "");
    ck_assert_str_eq(in.path, "/tin");
    ck_assert(!in.args && !in.cookie && !in.accept_encoding);
    /* /tinx is not below /tin */
    ck_assert(!bantin_request_init(unit_pool, &in, "GET", "/tin", NULL,
                                   "/tinx/a", NULL, NULL, NULL));
    ck_assert(!in.prefix);
    ck_assert_str_eq(in.path, "/tinx/a");
}
END_TEST

/* What must happen before the answer on an event loop: the font-size
 * POST's body read, a search query (while search is on) off the loop. */
START_TEST(needs_before_answering)
{
    static const struct {
        const char *method, *path;
        int search;
        bantin_needs_e want;
    } cases[] = {
        {"POST", "/fontsize", 1, BANTIN_NEEDS_FORM},
        {"POST", "/fontsize", 0, BANTIN_NEEDS_FORM},
        {"GET", "/fontsize", 1, BANTIN_NEEDS_NOTHING},
        {"GET", "/search", 1, BANTIN_NEEDS_THREAD},
        {"HEAD", "/search", 1, BANTIN_NEEDS_THREAD},
        {"GET", "/search", 0, BANTIN_NEEDS_NOTHING},
        {"POST", "/search", 1, BANTIN_NEEDS_THREAD},
        {"GET", "/", 1, BANTIN_NEEDS_NOTHING},
        {"POST", "/a-b", 1, BANTIN_NEEDS_NOTHING},
    };
    bantin_portal portal;
    bantin_request_in in;
    int i;

    memset(&portal, 0, sizeof(portal));
    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
        bantin_request_init(unit_pool, &in, cases[i].method, "", NULL,
                            cases[i].path, NULL, NULL, NULL);
        portal.search = cases[i].search ? (bantin_search *)&portal : NULL;
        ck_assert_int_eq(bantin_answer_needs(unit_pool, &portal, &in),
                         cases[i].want);
    }
}
END_TEST

/* The site from the Host: its port as written unless the scheme's. */
START_TEST(site_of_host_port)
{
    static const struct {
        int secure;
        const char *host, *site, *port;
    } cases[] = {
        {0, "a.vn", "http://n.vn", NULL},
        {0, NULL, "http://n.vn", NULL},
        {0, "a.vn:80", "http://n.vn", NULL},
        {1, "a.vn:443", "https://n.vn", NULL},
        {1, "a.vn:80", "https://n.vn:80", ":80"},
        {0, "a.vn:8080", "http://n.vn:8080", ":8080"},
        {0, "a.vn:", "http://n.vn", NULL},
        {0, "[::1]", "http://n.vn", NULL},
        {0, "[::1]:81", "http://n.vn:81", ":81"},
    };
    const char *port;
    int i;

    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
        ck_assert_str_eq(bantin_site_of(unit_pool, cases[i].secure, "n.vn",
                                        cases[i].host, &port),
                         cases[i].site);
        if (cases[i].port) {
            ck_assert_str_eq(port, cases[i].port);
        }
        else {
            ck_assert(!port);
        }
    }
}
END_TEST

/* ---- answers given again (bantin_hot.h) ---- */

static void assert_same_answer(const bantin_response *a,
                               const bantin_response *b)
{
    int i;

    ck_assert_int_eq(a->status, b->status);
    ck_assert_str_eq(a->ctype, b->ctype);
    ck_assert(!a->encoding == !b->encoding);
    ck_assert_int_eq(a->conditional, b->conditional);
    ck_assert(a->modified == b->modified);
    ck_assert_int_eq(a->headers->nelts, b->headers->nelts);
    for (i = 0; i < a->headers->nelts; i++) {
        const bantin_header *x = &APR_ARRAY_IDX(a->headers, i, bantin_header);
        const bantin_header *y = &APR_ARRAY_IDX(b->headers, i, bantin_header);
        ck_assert_str_eq(x->name, y->name);
        ck_assert_str_eq(x->value, y->value);
        ck_assert_int_eq(x->always, y->always);
    }
    ck_assert_uint_eq(a->len, b->len);
    ck_assert_int_eq(memcmp(a->body, b->body, a->len), 0);
}

static apr_uint64_t hot_hits(const fixture *f)
{
    apr_uint64_t hits, misses;
    bantin_hot_stats(f->portal.hot, &hits, &misses);
    return hits;
}

START_TEST(answers_given_again_are_the_same)
{
    static const char *const paths[][2] = {
        {"/article/2024/tin-a", NULL}, {"/article/2024/tin-a", "print=1"},
        {"/", NULL}, {"/", "page=1"}, {"/block/toolbar/2024/tin-b", NULL}};
    fixture f;
    bantin_request_in in;
    bantin_response first, again, other;
    apr_uint64_t hits;
    int i, gz;

    portal_make(&f);
    for (i = 0; i < (int)UNIT_N(paths); i++) {
        for (gz = 0; gz < 2; gz++) {
            in = get(paths[i][0], paths[i][1]);
            in.accept_encoding = gz ? "gzip" : NULL;
            bantin_answer(unit_pool, &f.portal, &in, &first);
            hits = hot_hits(&f);
            bantin_answer(unit_pool, &f.portal, &in, &again);
            ck_assert_msg(hot_hits(&f) == hits + 1, "%s not given again",
                          paths[i][0]);
            assert_same_answer(&first, &again);
        }
    }
    /* each part of the request is part of its identity */
    in = get("/article/2024/tin-a", NULL);
    bantin_answer(unit_pool, &f.portal, &in, &first);
    in.cookie = "bantin_fs=5";
    bantin_answer(unit_pool, &f.portal, &in, &other);
    ck_assert_str_ne(header(&first, "ETag"), header(&other, "ETag"));
    in.cookie = NULL;
    in.site = "http://other.test";
    bantin_answer(unit_pool, &f.portal, &in, &other);
    ck_assert_ptr_nonnull(strstr(body_str(&other), "http://other.test"));
    in.site = "http://example.test";
    in.args = "";
    bantin_answer(unit_pool, &f.portal, &in, &other);
    ck_assert_int_eq(other.status, 200);
    in.args = NULL;
    in.subrequest = 1;
    in.accept_encoding = "gzip";
    bantin_answer(unit_pool, &f.portal, &in, &other);
    ck_assert_ptr_null(other.encoding);
    /* a Host not of the server: never kept, so never given again */
    in = get("/article/2024/tin-a", NULL);
    in.site = "http://junk.test";
    in.site_foreign = 1;
    hits = hot_hits(&f);
    bantin_answer(unit_pool, &f.portal, &in, &first);
    bantin_answer(unit_pool, &f.portal, &in, &again);
    ck_assert(hot_hits(&f) == hits);
}
END_TEST

/* What the reader sees now, with a deadline: the store looks for changes
 * once a second (portal_make). */
static const char *page_until(fixture *f, const char *path, const char *want,
                              int present)
{
    apr_time_t until = apr_time_now() + apr_time_from_sec(10);
    bantin_request_in in = get(path, NULL);
    bantin_response a;
    const char *body;

    do {
        bantin_answer(unit_pool, &f->portal, &in, &a);
        body = a.status == 200 ? body_str(&a) : "";
        if (!strstr(body, want) == !present) {
            return body;
        }
        apr_sleep(apr_time_from_msec(50));
    } while (apr_time_now() < until);
    ck_abort_msg("%s: \"%s\" %s after 10 s", path, want,
                 present ? "still not shown" : "still shown");
    return NULL;
}

START_TEST(answers_given_again_follow_the_content)
{
    fixture f;

    portal_make(&f);
    page_until(&f, "/article/2024/tin-a", "Tin A", 1);
    page_until(&f, "/", "Tin A", 1);
    unit_write_str(apr_pstrcat(unit_pool, f.dir, "/2024/tin-a.xml", NULL),
                   unit_article_xml("Tin A mới", "2024-01-04", "Nội dung"));
    page_until(&f, "/article/2024/tin-a", "Tin A mới", 1);
    page_until(&f, "/", "Tin A mới", 1);
}
END_TEST

/* The file is not touched again: only the clock says the article is out
 * (the snapshot's epoch, bantin_snapshot_epoch). */
START_TEST(answers_given_again_follow_the_clock)
{
    fixture f;
    apr_time_exp_t t;
    char when[40];
    apr_size_t n;
    const char *home;

    portal_make(&f);
    apr_time_exp_gmt(&t, apr_time_now() + apr_time_from_sec(2));
    apr_strftime(when, &n, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &t);
    unit_write_str(apr_pstrcat(unit_pool, f.dir, "/2024/tin-hen.xml", NULL),
                   unit_article_xml("Tin hẹn giờ", when, "Sắp đăng"));
    page_until(&f, "/article/2024/tin-b", "Tin B", 1);
    page_until(&f, "/", "Tin B", 1);
    home = page_until(&f, "/", "Tin hẹn giờ", 1);
    ck_assert_ptr_nonnull(strstr(home, "Tin B"));
    page_until(&f, "/article/2024/tin-hen", "Tin hẹn giờ", 1);
}
END_TEST

/* Identities compared in full: in a table of one slot every identity
 * hashes alike. */
START_TEST(hot_identities_never_answer_for_each_other)
{
    bantin_hot *h = bantin_hot_create(unit_pool, 1);
    bantin_settings set, other;
    bantin_hot_id a = {&set, {&set, NULL}, "/p", "/x", NULL, "http://s", 3,
                       0, 1, 0};
    bantin_hot_id b;
    bantin_response r, got;
    bantin_header *hd;

    bantin_settings_unset(&set);
    bantin_settings_resolve(&set, &set);
    other = set;
    memset(&r, 0, sizeof(r));
    r.status = 200;
    r.ctype = "text/html";
    r.fd = -1;
    r.headers = apr_array_make(unit_pool, 1, sizeof(bantin_header));
    hd = apr_array_push(r.headers);
    hd->name = "ETag";
    hd->value = "\"t\"";
    hd->always = 1;
    bantin_hot_put(h, &a, "key-a", &r);
    ck_assert_str_eq(bantin_hot_get(h, &a, unit_pool, &got), "key-a");
    ck_assert_str_eq(bantin_response_header(&got, "ETag"), "\"t\"");
    ck_assert_ptr_null(got.encoding);
    b = a, b.path = "/y";
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    b = a, b.args = "";
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    b = a, b.site = "http://t";
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    b = a, b.epoch = 1;
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    b = a, b.generation = 2;
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    b = a, b.portal[1] = &b;
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    /* settings by value: the same at another address, or one differing */
    b = a, b.set = &other;
    ck_assert_str_eq(bantin_hot_get(h, &b, unit_pool, &got), "key-a");
    other.portal_name = apr_pstrdup(unit_pool, set.portal_name);
    ck_assert_str_eq(bantin_hot_get(h, &b, unit_pool, &got), "key-a");
    other.page_size++;
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    other.page_size--;
    other.portal_name = "Cổng khác";
    ck_assert_ptr_null(bantin_hot_get(h, &b, unit_pool, &got));
    /* the newest takes the slot */
    b = a, b.args = "";
    r.encoding = "gzip";
    bantin_hot_put(h, &b, "key-b", &r);
    ck_assert_ptr_null(bantin_hot_get(h, &a, unit_pool, &got));
    ck_assert_str_eq(bantin_hot_get(h, &b, unit_pool, &got), "key-b");
    ck_assert_str_eq(got.encoding, "gzip");
}
END_TEST

Suite *answer_suite(void)
{
    Suite *s = suite_create("answer");
    TCase *tc = unit_tcase("answer");

    tcase_add_test(tc, settings_defaults_in_one_place);
    tcase_add_test(tc, article_with_validators_and_gzip);
    tcase_add_test(tc, cache_and_etag_follow_the_view);
    tcase_add_test(tc, head_answers_like_get);
    tcase_add_test(tc, redirects);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, fontsize_post_redirects_safely);
    tcase_add_test(tc, search_params);
    tcase_add_test(tc, feeds_and_sitemap);
    tcase_add_test(tc, media_and_static);
    tcase_add_test(tc, status_page);
    tcase_add_test(tc, status_page_refreshes_only_without_a_watcher);
    tcase_add_test(tc, moved_and_gone_articles);
    tcase_add_test(tc, request_init_prefix_and_path);
    tcase_add_test(tc, site_of_host_port);
    tcase_add_test(tc, needs_before_answering);
    tcase_add_test(tc, answers_given_again_are_the_same);
    tcase_add_test(tc, answers_given_again_follow_the_content);
    tcase_add_test(tc, answers_given_again_follow_the_clock);
    tcase_add_test(tc, hot_identities_never_answer_for_each_other);
    suite_add_tcase(s, tc);
    return s;
}
