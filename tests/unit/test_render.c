/* test_render.c -- the shipped theme: loading, article, home, error and
 * static pages. */
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_render.h"
#include "unit.h"

static const char *const rems[] = {"0.875", "1", "1.125", "1.375", "1.75"};

static bantin_view view(int step)
{
    bantin_view v;
    memset(&v, 0, sizeof(v)); /* no site, no categories */
    v.base = "/portal";
    v.portal_name = "Bản tin";
    v.tz_min = BANTIN_TZ_DEFAULT_MIN;
    v.fs_step = step;
    v.fs_count = (int)UNIT_N(rems);
    v.fs_rem = rems;
    v.fs_cookie = "bantin_fs";
    return v;
}

static const bantin_theme *theme(void)
{
    bantin_theme *t = NULL;
    const char *dir = apr_pstrcat(unit_pool, unit_srcdir(), "/templates",
                                  NULL);
    const char *err = bantin_theme_load(unit_pool, dir, &t);
    ck_assert_msg(err == NULL, "theme: %s", err ? err : "");
    ck_assert_ptr_nonnull(t);
    return t;
}

/* The page as a C string (pages are not NUL-terminated). */
static const char *page_str(const bantin_page *pg)
{
    ck_assert_ptr_nonnull(pg->data);
    ck_assert_uint_gt(pg->len, 0);
    ck_assert_msg(memchr(pg->data, '\0', pg->len) == NULL, "NUL in page");
    return apr_pstrmemdup(unit_pool, pg->data, pg->len);
}

/* a and b were found, and a comes first. */
#define ck_assert_before(a, b)                                               \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        ck_assert_msg(a_ && b_ && a_ < b_, "%s before %s", #a, #b);          \
    } while (0)

/* What every HTML page of the portal has. */
static void check_html_page(const char *html, int step)
{
    ck_assert_msg(!strncmp(html, "<!DOCTYPE html>", 15), "%.40s", html);
    ck_assert_ptr_nonnull(strstr(html, "<html lang=\"vi\">"));
    ck_assert_ptr_nonnull(strstr(html, "<meta charset=\"utf-8\">"));
    ck_assert_ptr_nonnull(strstr(html, "<title>"));
    ck_assert_ptr_null(strstr(html, "<title></title>"));
    ck_assert_ptr_nonnull(strstr(html, apr_psprintf(unit_pool,
                                                    "class=\"bantin-fs-%d",
                                                    step)));
    ck_assert_ptr_nonnull(strstr(html, "href=\"/portal/static/bantin.css\""));
    ck_assert_ptr_null(strstr(html, "{{"));
    ck_assert_ptr_nonnull(strstr(html, "</html>"));
}

static const bantin_article *seed(void)
{
    bantin_article *a = NULL;
    bantin_problem pr;
    const char *f = apr_pstrcat(unit_pool, unit_srcdir(),
                                "/content/2024/giup-do-xa-kho-khan.xml", NULL);
    ck_assert_msg(bantin_article_load(unit_pool, unit_schema(), f,
                                      BANTIN_TZ_DEFAULT_MIN, &a, &pr)
                  == APR_SUCCESS, "%s", bantin_problem_str(unit_pool, &pr));
    a->slug = "2024/giup-do-xa-kho-khan";
    return a;
}

START_TEST(theme_loads)
{
    theme();
}
END_TEST

static const struct {
    const char *file;
    const char *content; /* NULL: the file is missing */
    const char *where;   /* expected in the message after the file name */
} broken_cases[] = {
    {"layout.html", "<html>\n{{contnet}}\n</html>", ":2:1: unknown name"},
    {"layout.html", "{{#content}}", ":1:1: "},
    {"layout.html", NULL, ": cannot read"},
    {"view.html", "{{/title}}", ":1:1: "},
    {"bantin.css", "{{#font_steps}}", ":1:1: "},
    {"bantin.js", NULL, ": cannot read"},
};

START_TEST(broken_theme_table)
{
    static const char *const files[] = {
        "layout.html", "toolbar.html", "view.html",  "list.html",
        "error.html",  "related.html", "other.html", "print.html",
        "search.html", "bantin.css",  "bantin.js"};
    apr_size_t i, k;

    for (i = 0; i < UNIT_N(broken_cases); i++) {
        const char *dir = unit_tmpdir();
        const char *bad = apr_pstrcat(unit_pool, dir, "/",
                                      broken_cases[i].file, NULL);
        bantin_theme *t = NULL;
        const char *err;

        for (k = 0; k < UNIT_N(files); k++) {
            const char *src = apr_pstrcat(unit_pool, unit_srcdir(),
                                          "/templates/", files[k], NULL);
            const char *dst = apr_pstrcat(unit_pool, dir, "/", files[k],
                                          NULL);
            ck_assert_int_eq(apr_file_copy(src, dst, APR_OS_DEFAULT,
                                           unit_pool), APR_SUCCESS);
        }
        /* The copy loads... */
        ck_assert_ptr_null(bantin_theme_load(unit_pool, dir, &t));
        t = NULL;
        /* ...until one file is broken. */
        if (broken_cases[i].content) {
            unit_write_str(bad, broken_cases[i].content);
        }
        else {
            ck_assert_int_eq(apr_file_remove(bad, unit_pool), APR_SUCCESS);
        }
        err = bantin_theme_load(unit_pool, dir, &t);
        ck_assert_msg(err != NULL, "case %u: broken %s loaded", (unsigned)i,
                      broken_cases[i].file);
        ck_assert_msg(strstr(err, apr_pstrcat(unit_pool, bad,
                                              broken_cases[i].where, NULL))
                      != NULL, "case %u: \"%s\" lacks \"%s%s\"", (unsigned)i,
                      err, bad, broken_cases[i].where);
    }
}
END_TEST

START_TEST(article_page)
{
    const bantin_theme *t = theme();
    const bantin_article *a = seed();
    bantin_view v = view(3);
    bantin_page pg;
    const char *html, *toolbar, *viewdata, *img;

    bantin_render_article(unit_pool, t, &v, a, &pg);
    html = page_str(&pg);
    check_html_page(html, 3);

    ck_assert_ptr_nonnull(strstr(html, "<title>Tích cực giúp đỡ xã khó khăn "
                                       "xây dựng nông thôn mới - Bản tin"
                                       "</title>"));
    ck_assert_ptr_nonnull(strstr(html, "<h1 class=\"bantin-title\">Tích cực "
                                       "giúp đỡ xã khó khăn xây dựng nông "
                                       "thôn mới</h1>"));
    ck_assert_ptr_nonnull(strstr(html, ">04/01/2024</time>"));
    ck_assert_ptr_nonnull(strstr(html, "datetime=\"2024-01-04\""));
    ck_assert_ptr_nonnull(strstr(html, "Tăng cỡ chữ"));
    ck_assert_ptr_nonnull(strstr(html, "Giảm cỡ chữ"));
    ck_assert_ptr_nonnull(strstr(html, "<body class=\"bantin-fs-3"));
    ck_assert_ptr_nonnull(strstr(html, "action=\"/portal/fontsize\""));
    ck_assert_ptr_nonnull(strstr(html, "name=\"back\" value=\"article/2024/"
                                       "giup-do-xa-kho-khan\""));
    ck_assert_ptr_nonnull(strstr(html, "Hương Dịu"));
    ck_assert_ptr_nonnull(strstr(html, "Bành Trạch là một trong những xã"));
    ck_assert_ptr_nonnull(strstr(html, "“Dân vận khéo”"));

    toolbar = strstr(html, "id=\"Block_BanTin_Toolbar\"");
    viewdata = strstr(html, "id=\"Block_BanTin_ViewData\"");
    ck_assert_before(toolbar, viewdata);
    ck_assert_int_eq(unit_count(html, "id=\"Block_BanTin_Toolbar\""), 1);
    ck_assert_int_eq(unit_count(html, "id=\"Block_BanTin_ViewData\""), 1);
    /* Date and buttons in the toolbar, title in the view. */
    ck_assert_before(toolbar, strstr(html, "04/01/2024"));
    ck_assert_before(strstr(html, "04/01/2024"), viewdata);
    ck_assert_before(strstr(html, "bantin-fs-up"), viewdata);
    ck_assert_before(strstr(html, "bantin-fs-down"), viewdata);
    ck_assert_before(viewdata, strstr(html, "bantin-title"));

    img = unit_tag_with(html, "<img ");
    ck_assert_ptr_nonnull(img);
    ck_assert_msg(strstr(img, "src=\"/portal/media/images/"
                              "cong-thon-pac-cham.png\"") != NULL, "%s", img);
    ck_assert_msg(strstr(img, "alt=\"Cổng thôn Pác Châm") != NULL, "%s", img);
    ck_assert_before(viewdata, strstr(html, "<img "));

    /* Paragraphs in body order: the first before the last. */
    ck_assert_before(strstr(html, "Bành Trạch là một"),
                     strstr(html, "Phát huy những kết quả"));
    ck_assert_before(strstr(html, "<figure"), strstr(html, "Bành Trạch"));
    ck_assert_before(strstr(html, "bantin-summary"), strstr(html, "<figure"));
    ck_assert_before(strstr(html, "Phát huy những kết quả"),
                     strstr(html, "bantin-author"));
}
END_TEST

static const struct {
    int step;
    int up_disabled;
    int down_disabled;
} button_cases[] = {
    {1, 0, 1},
    {2, 0, 0},
    {3, 0, 0},
    {4, 0, 0},
    {5, 1, 0},
};

START_TEST(fontsize_buttons_table)
{
    const bantin_theme *t = theme();
    const bantin_article *a = seed();
    apr_size_t i;

    for (i = 0; i < UNIT_N(button_cases); i++) {
        bantin_view v = view(button_cases[i].step);
        bantin_page pg;
        const char *html, *up, *down;

        bantin_render_article(unit_pool, t, &v, a, &pg);
        html = page_str(&pg);
        ck_assert_ptr_nonnull(strstr(
            html, apr_psprintf(unit_pool, "<body class=\"bantin-fs-%d",
                               button_cases[i].step)));
        up = unit_tag_with(html, "<button type=\"submit\" name=\"step\" "
                                 "value=\"up\"");
        down = unit_tag_with(html, "<button type=\"submit\" name=\"step\" "
                                   "value=\"down\"");
        ck_assert_ptr_nonnull(up);
        ck_assert_ptr_nonnull(down);
        ck_assert_msg((strstr(up, " disabled") != NULL)
                      == button_cases[i].up_disabled,
                      "step %d: %s", button_cases[i].step, up);
        ck_assert_msg((strstr(down, " disabled") != NULL)
                      == button_cases[i].down_disabled,
                      "step %d: %s", button_cases[i].step, down);
    }
}
END_TEST

START_TEST(article_page_escapes)
{
    const bantin_theme *t = theme();
    bantin_view v = view(3);
    bantin_article *a = NULL;
    bantin_problem pr;
    bantin_page pg;
    const char *html;
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<article>\n"
        "  <title>&lt;script&gt;alert(1)&lt;/script&gt;</title>\n"
        "  <date>2024-01-04T20:00Z</date>\n"
        "  <category>&lt;i&gt;</category>\n"
        "  <summary>\"quoted\" &amp; 'single'</summary>\n"
        "  <body>\n"
        "    <figure src=\"https://example.com/a.png?x=1&amp;y=&quot;2\">"
        "<caption>&lt;img onerror=x&gt; <b>đậm</b></caption></figure>\n"
        "    <p>&lt;b&gt;not bold&lt;/b&gt; <a href=\"javascript:alert(1)\">"
        "x</a></p>\n"
        "  </body>\n"
        "  <author>&lt;/p&gt;</author>\n"
        "</article>\n";

    ck_assert_int_eq(bantin_article_parse(unit_pool, unit_schema(), "x.xml",
                                          xml, strlen(xml), 420, &a, &pr),
                     APR_SUCCESS);
    a->slug = "x";
    bantin_render_article(unit_pool, t, &v, a, &pg);
    html = page_str(&pg);

    ck_assert_ptr_null(strstr(html, "<script>alert"));
    ck_assert_ptr_nonnull(strstr(html, "<title>&lt;script&gt;alert(1)"
                                       "&lt;/script&gt; - Bản tin</title>"));
    ck_assert_ptr_nonnull(strstr(html, ">&lt;script&gt;alert(1)&lt;/script"
                                       "&gt;</h1>"));
    ck_assert_ptr_nonnull(strstr(html, "&quot;quoted&quot; &amp; "
                                       "&#39;single&#39;"));
    ck_assert_ptr_nonnull(strstr(html, "src=\"https://example.com/a.png?x=1"
                                       "&amp;y=&quot;2\""));
    ck_assert_ptr_nonnull(strstr(html, "alt=\"&lt;img onerror=x&gt; đậm\""));
    ck_assert_ptr_nonnull(strstr(html, "<figcaption>&lt;img onerror=x&gt; "
                                       "<b>đậm</b></figcaption>"));
    ck_assert_ptr_nonnull(strstr(html,
                                 "<p>&lt;b&gt;not bold&lt;/b&gt; x</p>"));
    ck_assert_ptr_null(strstr(html, "javascript:"));
    ck_assert_ptr_null(strstr(html, "<img onerror"));
    ck_assert_ptr_nonnull(strstr(html, ">&lt;/p&gt;</p>"));
    /* 20:00Z is already the next day in +07:00. */
    ck_assert_ptr_nonnull(strstr(html, "datetime=\"2024-01-05\">05/01/2024"));
}
END_TEST

static bantin_store *shipped_store(void)
{
    bantin_store *st = NULL;
    ck_assert_int_eq(bantin_store_create(&st, unit_pool,
                                         apr_pstrcat(unit_pool, unit_srcdir(),
                                                     "/content", NULL),
                                         unit_schema(), 420,
                                         apr_time_from_sec(1), NULL),
                     APR_SUCCESS);
    return st;
}

/* Renders page `page` of the list the way the handler does; returns 0
 * when there is no such page. */
static int home(const bantin_theme *t, const bantin_view *v,
                const bantin_snapshot *snap, apr_time_t now, long page,
                apr_size_t size, bantin_page *out)
{
    const bantin_article **items = apr_palloc(unit_pool,
                                              size * sizeof(*items));
    apr_size_t total, n;
    long pages;

    n = bantin_snapshot_list(snap, now, (apr_size_t)(page > 0 ? page - 1 : 0)
                                            * size, size, items, &total);
    pages = total ? (long)((total + size - 1) / size) : 1;
    if (page > pages) {
        ck_assert_uint_eq(n, 0); /* the list agrees: nothing there */
    }
    if (page < 1 || page > pages) {
        return 0;
    }
    bantin_render_list(unit_pool, t, v, items, n, page, pages, out);
    return 1;
}

START_TEST(home_pages_table)
{
    static const apr_size_t sizes[] = {1, 2, 3, 5, 10, 11, 12, 100};
    const bantin_theme *t = theme();
    bantin_store *st = shipped_store();
    const bantin_snapshot *snap = bantin_store_acquire(st);
    apr_time_t now = apr_time_now();
    bantin_view v = view(2);
    const bantin_article *all[64];
    apr_size_t si, count;

    count = bantin_snapshot_list(snap, now, 0, UNIT_N(all), all, &count);
    ck_assert_uint_ge(count, 2);
    for (si = 0; si < UNIT_N(sizes); si++) {
        apr_size_t size = sizes[si];
        long pages = (long)((count + size - 1) / size), page;
        apr_size_t seen = 0;
        bantin_page pg;

        for (page = 1; page <= pages; page++) {
            const char *html, *prev_at = NULL;
            apr_size_t k, first = (apr_size_t)(page - 1) * size;
            apr_size_t n = count - first < size ? count - first : size;

            ck_assert_msg(home(t, &v, snap, now, page, size, &pg) == 1,
                          "size %lu page %ld refused", (unsigned long)size,
                          page);
            html = page_str(&pg);
            check_html_page(html, 2);
            ck_assert_int_eq(unit_count(html, "<li class=\"bantin-item\">"),
                             (int)n);
            /* Newest first, in the store's order. */
            for (k = 0; k < n; k++) {
                const char *href = apr_pstrcat(unit_pool,
                                               "href=\"/portal/article/",
                                               all[first + k]->slug, "\"",
                                               NULL);
                const char *at = strstr(html, href);
                ck_assert_msg(at != NULL, "size %lu page %ld: no %s",
                              (unsigned long)size, page, href);
                ck_assert_msg(!prev_at || at > prev_at,
                              "size %lu page %ld: %s out of order",
                              (unsigned long)size, page, href);
                prev_at = at;
                seen++;
            }
            ck_assert_int_eq(strstr(html, "rel=\"prev\"") != NULL, page > 1);
            ck_assert_int_eq(strstr(html, "rel=\"next\"") != NULL,
                             page < pages);
            if (page > 1) {
                ck_assert_ptr_nonnull(strstr(html, page == 2
                    ? "rel=\"prev\" href=\"/portal/\""
                    : apr_psprintf(unit_pool, "rel=\"prev\" href=\"/portal/"
                                   "?page=%ld\"", page - 1)));
            }
            if (page < pages) {
                ck_assert_ptr_nonnull(strstr(html, apr_psprintf(unit_pool,
                    "rel=\"next\" href=\"/portal/?page=%ld\"", page + 1)));
            }
            ck_assert_ptr_nonnull(strstr(html, apr_psprintf(unit_pool,
                "Trang %ld/%ld", page, pages)));
        }
        ck_assert_uint_eq(seen, count);
        /* Beyond the last page, and before the first: no page. */
        ck_assert_int_eq(home(t, &v, snap, now, pages + 1, size, &pg), 0);
        ck_assert_int_eq(home(t, &v, snap, now, 0, size, &pg), 0);
        ck_assert_int_eq(home(t, &v, snap, now, 999999999, size, &pg), 0);
    }
    bantin_store_release(st, snap);
}
END_TEST

START_TEST(home_dates_and_titles)
{
    const bantin_theme *t = theme();
    bantin_store *st = shipped_store();
    const bantin_snapshot *snap = bantin_store_acquire(st);
    apr_time_t now = apr_time_now();
    bantin_view v = view(3);
    bantin_page pg;
    const char *html;

    ck_assert_int_eq(home(t, &v, snap, now, 1, 100, &pg), 1);
    html = page_str(&pg);
    ck_assert_ptr_nonnull(strstr(html, "<title>Bản tin</title>"));
    ck_assert_ptr_nonnull(strstr(html, "Tích cực giúp đỡ xã khó khăn xây "
                                       "dựng nông thôn mới</a>"));
    ck_assert_ptr_nonnull(strstr(html, "<time datetime=\"2024-01-04\">"
                                       "04/01/2024</time>"));
    ck_assert_ptr_nonnull(strstr(html, "<ul class=\"bantin-list\">"));
    ck_assert_ptr_nonnull(strstr(html, "<nav class=\"bantin-pager\""));
    ck_assert_ptr_nonnull(strstr(html, "href=\"/portal/article/2024/"
                                       "giup-do-xa-kho-khan\""));

    ck_assert_int_eq(home(t, &v, snap, now, 2, 1, &pg), 1);
    ck_assert_ptr_nonnull(strstr(page_str(&pg),
                                 "<title>Bản tin - Trang 2</title>"));
    bantin_store_release(st, snap);
}
END_TEST

START_TEST(home_empty)
{
    const bantin_theme *t = theme();
    bantin_store *st = NULL;
    const bantin_snapshot *snap;
    bantin_view v = view(3);
    bantin_page pg;
    const char *html;

    ck_assert_int_eq(bantin_store_create(&st, unit_pool, unit_tmpdir(),
                                         unit_schema(), 420,
                                         apr_time_from_sec(1), NULL), APR_SUCCESS);
    snap = bantin_store_acquire(st);
    ck_assert_int_eq(home(t, &v, snap, apr_time_now(), 1, 10, &pg), 1);
    html = page_str(&pg);
    check_html_page(html, 3);
    ck_assert_ptr_nonnull(strstr(html, "Chưa có bài viết nào."));
    ck_assert_ptr_null(strstr(html, "<li "));
    ck_assert_ptr_null(strstr(html, "rel=\"next\""));
    ck_assert_ptr_null(strstr(html, "rel=\"prev\""));
    ck_assert_ptr_nonnull(strstr(html, "Trang 1/1"));
    ck_assert_int_eq(home(t, &v, snap, apr_time_now(), 2, 10, &pg), 0);
    bantin_store_release(st, snap);
}
END_TEST

/* The list escapes what it shows and links by URL-encoded slug. */
START_TEST(home_escapes)
{
    const bantin_theme *t = theme();
    bantin_view v = view(3);
    bantin_article a;
    const bantin_article *items[1];
    bantin_page pg;
    const char *html;

    memset(&a, 0, sizeof(a));
    a.slug = "2024/x-1";
    a.title = "<script>alert(1)</script>";
    a.summary = "\"s\" & 's'";
    a.category = "<i>c</i>";
    ck_assert_ptr_null(bantin_date_parse(&a.date, "2024-01-04T20:00Z", 420));
    items[0] = &a;
    bantin_render_list(unit_pool, t, &v, items, 1, 1, 1, &pg);
    html = page_str(&pg);
    ck_assert_ptr_null(strstr(html, "<script>alert"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script"
                                       "&gt;</a>"));
    ck_assert_ptr_nonnull(strstr(html, "&quot;s&quot; &amp; &#39;s&#39;"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;i&gt;c&lt;/i&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "href=\"/portal/article/2024/x-1\""));
    ck_assert_ptr_nonnull(strstr(html, "datetime=\"2024-01-05\">05/01/2024"));
}
END_TEST

static const struct {
    int status;
    const char *message;
} error_cases[] = {
    {404, "Không tìm thấy trang"},
    {400, "Yêu cầu không hợp lệ"},
    {405, "Phương thức không được hỗ trợ"},
    {503, "Dịch vụ tạm thời gián đoạn"},
};

/* The search page's count: grouped the Vietnamese way, and "Hơn N" when
 * more match than were ranked. */
START_TEST(search_count_table)
{
    static const struct {
        apr_size_t total, more;
        const char *want;
    } cases[] = {
        {1, 0, ">1 kết quả cho"},
        {999, 0, ">999 kết quả cho"},
        {1000, 0, ">1.000 kết quả cho"},
        {12345, 0, ">12.345 kết quả cho"},
        {1234567, 0, ">1.234.567 kết quả cho"},
        {1347, 1000, ">Hơn 1.000 kết quả cho"},
    };
    const bantin_theme *t = theme();
    const bantin_article *items[1];
    const char *snippets[] = {"một <mark>đoạn</mark>"};
    const char *filters[] = {NULL, NULL};
    bantin_view v = view(3);
    bantin_page pg;
    apr_size_t i;

    items[0] = seed();
    for (i = 0; i < UNIT_N(cases); i++) {
        const char *html;
        bantin_render_search(unit_pool, t, &v, "đoạn", items, snippets, 1,
                             cases[i].total, cases[i].more, 1, 2, NULL,
                             filters, NULL, &pg);
        html = page_str(&pg);
        check_html_page(html, 3);
        ck_assert_msg(strstr(html, cases[i].want) != NULL, "%lu/%lu: %s",
                      (unsigned long)cases[i].total,
                      (unsigned long)cases[i].more, cases[i].want);
        ck_assert_ptr_nonnull(strstr(html, "một <mark>đoạn</mark>"));
    }
}
END_TEST

/* While the index is being built: the notice with its progress grouped
 * the Vietnamese way, the results found so far, and never "no results". */
START_TEST(search_while_indexing)
{
    const bantin_theme *t = theme();
    const bantin_article *items[1];
    const char *snippets[] = {"một <mark>đoạn</mark>"};
    const char *filters[] = {NULL, NULL};
    const apr_size_t progress[] = {41000, 100000};
    bantin_view v = view(3);
    bantin_page pg;
    const char *html;

    items[0] = seed();
    bantin_render_search(unit_pool, t, &v, "đoạn", items, snippets, 1, 1, 0,
                         1, 1, NULL, filters, progress, &pg);
    html = page_str(&pg);
    check_html_page(html, 3);
    ck_assert_ptr_nonnull(strstr(html, "Đang lập chỉ mục tìm kiếm: "
                                       "41.000/100.000 bài"));
    ck_assert_ptr_nonnull(strstr(html, "một <mark>đoạn</mark>"));

    bantin_render_search(unit_pool, t, &v, "đoạn", items, snippets, 0, 0, 0,
                         1, 1, "doan", filters, progress, &pg);
    html = page_str(&pg);
    ck_assert_ptr_nonnull(strstr(html, "Đang lập chỉ mục tìm kiếm: "
                                       "41.000/100.000 bài"));
    ck_assert_ptr_null(strstr(html, "Không tìm thấy"));
    ck_assert_ptr_null(strstr(html, "bantin-empty"));

    /* complete: no notice, and "no results" is the truth */
    bantin_render_search(unit_pool, t, &v, "đoạn", items, snippets, 0, 0, 0,
                         1, 1, NULL, filters, NULL, &pg);
    html = page_str(&pg);
    ck_assert_ptr_null(strstr(html, "Đang lập chỉ mục"));
    ck_assert_ptr_nonnull(strstr(html, "Không tìm thấy kết quả nào"));
}
END_TEST

START_TEST(error_page_table)
{
    const bantin_theme *t = theme();
    apr_size_t i;

    for (i = 0; i < UNIT_N(error_cases); i++) {
        bantin_view v = view(4);
        bantin_page pg;
        const char *html;

        bantin_render_error(unit_pool, t, &v, error_cases[i].status, &pg);
        html = page_str(&pg);
        check_html_page(html, 4);
        ck_assert_ptr_nonnull(strstr(html, "bantin-error"));
        ck_assert_ptr_nonnull(strstr(html, apr_psprintf(unit_pool,
            "Mã lỗi %d.", error_cases[i].status)));
        ck_assert_ptr_nonnull(strstr(html, apr_psprintf(unit_pool,
            "<h1>%s</h1>", error_cases[i].message)));
        ck_assert_ptr_nonnull(strstr(html, apr_psprintf(unit_pool,
            "<title>%s - Bản tin</title>", error_cases[i].message)));
        ck_assert_ptr_nonnull(strstr(html, "href=\"/portal/\""));
    }
}
END_TEST

START_TEST(static_css_and_js)
{
    const bantin_theme *t = theme();
    bantin_view v = view(3);
    bantin_page pg;
    const char *css, *ct = NULL;
    apr_size_t i;

    ck_assert_int_eq(bantin_render_static(unit_pool, t, &v, "bantin.css", &pg,
                                          &ct), 1);
    ck_assert_ptr_nonnull(ct);
    ck_assert_msg(!strncmp(ct, "text/css", 8), "%s", ct);
    css = page_str(&pg);
    ck_assert_ptr_null(strstr(css, "{{"));
    for (i = 0; i < UNIT_N(rems); i++) {
        const char *sel = apr_psprintf(unit_pool, ".bantin-fs-%u ",
                                       (unsigned)i + 1);
        const char *rule = strstr(css, sel), *eol;
        ck_assert_msg(rule != NULL, "no rule for step %u", (unsigned)i + 1);
        ck_assert_int_eq(unit_count(css, sel), 1);
        eol = strchr(rule, '\n');
        rule = apr_pstrmemdup(unit_pool, rule,
                              eol ? (apr_size_t)(eol - rule) : strlen(rule));
        ck_assert_msg(strstr(rule, apr_psprintf(unit_pool, "font-size: %srem",
                                                rems[i])) != NULL,
                      "step %u: %s", (unsigned)i + 1, rule);
    }
    ck_assert_ptr_null(strstr(css, ".bantin-fs-6 "));
    ck_assert_ptr_null(strstr(css, ".bantin-fs-0 "));

    /* Fewer steps, other sizes. */
    {
        static const char *const two[] = {"0.9", "2.5"};
        v.fs_rem = two;
        v.fs_count = 2;
        ck_assert_int_eq(bantin_render_static(unit_pool, t, &v, "bantin.css",
                                              &pg, &ct), 1);
        css = page_str(&pg);
        ck_assert_ptr_nonnull(strstr(css, "font-size: 0.9rem"));
        ck_assert_ptr_nonnull(strstr(css, "font-size: 2.5rem"));
        ck_assert_ptr_null(strstr(css, ".bantin-fs-3 "));
    }

    ct = NULL;
    ck_assert_int_eq(bantin_render_static(unit_pool, t, &v, "bantin.js", &pg,
                                          &ct), 1);
    ck_assert_ptr_nonnull(ct);
    ck_assert_ptr_nonnull(strstr(ct, "javascript"));
    ck_assert_uint_gt(pg.len, 0);

    ck_assert_int_eq(bantin_render_static(unit_pool, t, &v, "layout.html",
                                          &pg, &ct), 0);
    ck_assert_int_eq(bantin_render_static(unit_pool, t, &v, "nope.css", &pg,
                                          &ct), 0);
    ck_assert_int_eq(bantin_render_static(unit_pool, t, &v, "", &pg, &ct), 0);
}
END_TEST

START_TEST(base_and_names_escaped)
{
    const bantin_theme *t = theme();
    bantin_view v = view(3);
    bantin_page pg;
    const char *html;

    v.base = "";
    v.portal_name = "Tin \"<Bắc Kạn>\"";
    bantin_render_error(unit_pool, t, &v, 404, &pg);
    html = page_str(&pg);
    ck_assert_ptr_nonnull(strstr(html, "href=\"/static/bantin.css\""));
    ck_assert_ptr_nonnull(strstr(html, "href=\"/\""));
    ck_assert_ptr_nonnull(strstr(html, "Tin &quot;&lt;Bắc Kạn&gt;&quot;"));
    ck_assert_ptr_null(strstr(html, "<Bắc Kạn>"));
}
END_TEST

/* An article as another page lists it: the seed under another slug,
 * title and byte hash. */
static const bantin_article *neighbour(int i, const char *title)
{
    bantin_article *n = apr_pmemdup(unit_pool, seed(), sizeof(*n));
    n->slug = apr_psprintf(unit_pool, "2024/tin-%d", i);
    n->title = title;
    n->hash = bantin_hash_str(BANTIN_HASH_INIT, title);
    return n;
}

/* Whatever surrounds an article page goes into its tag: over many
 * arrangements of neighbours and lists, two that render differently never
 * share a tag (and the ones that differ only in what the page does not
 * show are not asked to). */
START_TEST(around_hash_covers_what_is_shown)
{
    const bantin_theme *t = theme();
    const bantin_article *a = seed(), *n[6], *retitled;
    bantin_view v = view(3);
    enum { CASES = 13 };
    bantin_around ar[CASES];
    apr_uint64_t h[CASES];
    const char *html[CASES];
    int i, j;

    for (i = 0; i < 6; i++) {
        n[i] = neighbour(i, apr_psprintf(unit_pool, "Tin số %d", i));
    }
    retitled = neighbour(1, "Tin số 1, sửa lại");
    memset(ar, 0, sizeof(ar));
    for (i = 0; i < CASES; i++) {
        ar[i].related = n;
        ar[i].nrelated = 2;
        ar[i].other = n + 2;
        ar[i].nother = 2;
        ar[i].newer = n[4];
        ar[i].older = n[5];
    }
    ar[1].older = n[3];                 /* another older neighbour */
    ar[2].older = NULL;                 /* none */
    ar[3].newer = n[3];                 /* another newer neighbour */
    ar[4].newer = NULL;
    ar[5].nrelated = 3;                 /* an article moves between lists */
    ar[5].other = n + 3;
    ar[5].nother = 1;
    ar[6].nrelated = 1;                 /* ...or leaves one */
    ar[7].nother = 1;
    ar[8].related = n + 1;              /* the lists shift */
    ar[9].other = n + 1;
    ar[10].nrelated = 0;
    ar[10].nother = 0;
    ar[11].older = retitled;            /* the neighbour is retitled */
    ar[12].newer = NULL;                /* the newer one becomes older */
    ar[12].older = n[4];
    for (i = 0; i < CASES; i++) {
        bantin_page pg;
        bantin_render_article_ex(unit_pool, t, &v, a, &ar[i],
                                 BANTIN_PART_PAGE, &pg);
        html[i] = page_str(&pg);
        h[i] = bantin_around_hash(BANTIN_HASH_INIT, &ar[i]);
    }
    for (i = 0; i < CASES; i++) {
        for (j = i + 1; j < CASES; j++) {
            if (strcmp(html[i], html[j])) {
                ck_assert_msg(h[i] != h[j], "cases %d and %d render "
                              "differently under one tag", i, j);
            }
        }
        if (i > 0) {
            ck_assert_msg(strcmp(html[i], html[0]) != 0,
                          "case %d shows nothing new: not a test", i);
        }
    }
    ck_assert(bantin_around_hash(BANTIN_HASH_INIT, NULL)
              != bantin_around_hash(BANTIN_HASH_INIT, &ar[10]));
}
END_TEST

/* A page's ETag tag holds its bytes: any change of a byte, of the length
 * or of the tag it starts from gives another tag. */
START_TEST(body_tag_holds_the_bytes)
{
    const bantin_theme *t = theme();
    bantin_view v = view(3);
    bantin_page pg;
    char *copy;
    apr_uint64_t base;
    apr_size_t i;

    bantin_render_article(unit_pool, t, &v, seed(), &pg);
    base = bantin_body_tag(42, pg.data, pg.len);
    ck_assert(base == bantin_body_tag(42, pg.data, pg.len));
    ck_assert(base != bantin_body_tag(43, pg.data, pg.len));
    ck_assert(base != bantin_body_tag(42, pg.data, pg.len - 1));
    copy = apr_pmemdup(unit_pool, pg.data, pg.len);
    for (i = 0; i < pg.len; i += 97) {
        copy[i] ^= 0x20;
        ck_assert_msg(bantin_body_tag(42, copy, pg.len) != base,
                      "byte %u changed, same tag", (unsigned)i);
        copy[i] ^= 0x20;
    }
    ck_assert(bantin_body_tag(42, "", 0) != bantin_body_tag(42, "\0", 1));
}
END_TEST

Suite *render_suite(void)
{
    Suite *s = suite_create("render");
    TCase *tc = unit_tcase("theme");

    tcase_add_test(tc, theme_loads);
    tcase_add_test(tc, broken_theme_table);
    suite_add_tcase(s, tc);

    tc = unit_tcase("pages");
    tcase_add_test(tc, article_page);
    tcase_add_test(tc, fontsize_buttons_table);
    tcase_add_test(tc, article_page_escapes);
    tcase_add_test(tc, home_pages_table);
    tcase_add_test(tc, home_dates_and_titles);
    tcase_add_test(tc, home_empty);
    tcase_add_test(tc, home_escapes);
    tcase_add_test(tc, error_page_table);
    tcase_add_test(tc, search_count_table);
    tcase_add_test(tc, search_while_indexing);
    tcase_add_test(tc, static_css_and_js);
    tcase_add_test(tc, base_and_names_escaped);
    tcase_add_test(tc, around_hash_covers_what_is_shown);
    tcase_add_test(tc, body_tag_holds_the_bytes);
    suite_add_tcase(s, tc);
    return s;
}
