/* bantin_feed.c -- see bantin_feed.h. */
#include <string.h>

#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_feed.h"

/* Breaks an instant down in a fixed-offset zone. */
static void local_parts(apr_time_t t, int tz_min, int *y, int *m, int *d,
                        int *hh, int *mm, int *ss, int *wday)
{
    apr_int64_t secs = apr_time_sec(t) + (apr_int64_t)tz_min * 60;
    long days = (long)(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400);
    apr_int64_t rem = secs - (apr_int64_t)days * 86400;

    bantin_civil_from_days(days, y, m, d);
    *hh = (int)(rem / 3600);
    *mm = (int)(rem / 60 % 60);
    *ss = (int)(rem % 60);
    *wday = (int)(((days % 7) + 11) % 7);
}

const char *bantin_rfc822(apr_pool_t *p, apr_time_t t, int tz_min)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    int y, m, d, hh, mm, ss, wd, off = tz_min < 0 ? -tz_min : tz_min;

    local_parts(t, tz_min, &y, &m, &d, &hh, &mm, &ss, &wd);
    return apr_psprintf(p, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
                        days[wd], d, months[m - 1], y, hh, mm, ss,
                        tz_min < 0 ? '-' : '+', off / 60, off % 60);
}

const char *bantin_w3c_datetime(apr_pool_t *p, apr_time_t t, int tz_min)
{
    int y, m, d, hh, mm, ss, wd, off = tz_min < 0 ? -tz_min : tz_min;

    local_parts(t, tz_min, &y, &m, &d, &hh, &mm, &ss, &wd);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m,
                        d, hh, mm, ss, tz_min < 0 ? '-' : '+', off / 60,
                        off % 60);
}

static void add_text(bantin_buf *b, const char *s)
{
    bantin_buf_add_html(b, s, strlen(s)); /* the five XML escapes */
}

static const char *abs_url(apr_pool_t *p, const bantin_view *v,
                           const char *path, const char *rel)
{
    bantin_buf b;
    bantin_buf_init(&b, p, 128);
    bantin_buf_adds(&b, v->site ? v->site : "");
    bantin_buf_adds(&b, v->base);
    bantin_buf_adds(&b, path);
    if (rel) {
        bantin_buf_add_urlpath(&b, rel);
    }
    return bantin_buf_cstr(&b);
}

static void element(bantin_buf *b, const char *name, const char *text)
{
    bantin_buf_addf(b, "<%s>", name);
    add_text(b, text);
    bantin_buf_addf(b, "</%s>\n", name);
}

void bantin_render_rss(apr_pool_t *p, const bantin_view *v,
                       const char *title, const char *link_path,
                       const char *self_path,
                       const bantin_article *const *items, apr_size_t n,
                       bantin_page *out)
{
    bantin_buf b;
    apr_size_t i;

    bantin_buf_init(&b, p, 2048 + n * 1024);
    bantin_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/"
                        "2005/Atom\">\n<channel>\n");
    element(&b, "title", title);
    element(&b, "link", abs_url(p, v, link_path, NULL));
    element(&b, "description", apr_pstrcat(p, "Tin mới: ", title, NULL));
    element(&b, "language", "vi");
    bantin_buf_adds(&b, "<atom:link href=\"");
    add_text(&b, abs_url(p, v, self_path, NULL));
    bantin_buf_adds(&b, "\" rel=\"self\" type=\"application/rss+xml\"/>\n");
    if (n) {
        element(&b, "lastBuildDate",
                bantin_rfc822(p, items[0]->date.when, v->tz_min));
    }
    for (i = 0; i < n; i++) {
        const bantin_article *a = items[i];
        const char *url = abs_url(p, v, "/article/", a->slug);
        bantin_buf_adds(&b, "<item>\n");
        element(&b, "title", a->title);
        element(&b, "link", url);
        bantin_buf_adds(&b, "<guid isPermaLink=\"true\">");
        add_text(&b, url);
        bantin_buf_adds(&b, "</guid>\n");
        element(&b, "pubDate", bantin_rfc822(p, a->date.when, v->tz_min));
        element(&b, "description", a->summary);
        if (a->category) {
            element(&b, "category", bantin_category_name(p, v, a));
        }
        /* No <author>: RSS wants an e-mail address there, and articles
         * carry only a name. */
        bantin_buf_adds(&b, "</item>\n");
    }
    bantin_buf_adds(&b, "</channel>\n</rss>\n");
    out->data = b.data;
    out->len = b.len;
}

void bantin_render_sitemap(apr_pool_t *p, const bantin_view *v,
                           const bantin_article *const *items, apr_size_t n,
                           int with_home, bantin_page *out)
{
    bantin_buf b;
    apr_size_t i;

    bantin_buf_init(&b, p, 256 + n * 160);
    bantin_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<urlset xmlns=\"http://www.sitemaps.org/schemas/"
                        "sitemap/0.9\">\n");
    if (with_home) {
        bantin_buf_adds(&b, "<url>");
        element(&b, "loc", abs_url(p, v, "/", NULL));
        bantin_buf_adds(&b, "</url>\n");
    }
    for (i = 0; i < n; i++) {
        const bantin_article *a = items[i];
        bantin_buf_adds(&b, "<url>");
        element(&b, "loc", abs_url(p, v, "/article/", a->slug));
        element(&b, "lastmod",
                bantin_w3c_datetime(p, a->mtime > a->date.when
                                           ? a->mtime : a->date.when,
                                    v->tz_min));
        bantin_buf_adds(&b, "</url>\n");
    }
    bantin_buf_adds(&b, "</urlset>\n");
    out->data = b.data;
    out->len = b.len;
}

void bantin_render_sitemap_index(apr_pool_t *p, const bantin_view *v,
                                 apr_size_t parts, bantin_page *out)
{
    bantin_buf b;
    apr_size_t i;

    bantin_buf_init(&b, p, 256 + parts * 128);
    bantin_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<sitemapindex xmlns=\"http://www.sitemaps.org/"
                        "schemas/sitemap/0.9\">\n");
    for (i = 1; i <= parts; i++) {
        bantin_buf_adds(&b, "<sitemap>");
        element(&b, "loc", abs_url(p, v, apr_psprintf(p, "/sitemap-%lu.xml",
                                                      (unsigned long)i),
                                   NULL));
        bantin_buf_adds(&b, "</sitemap>\n");
    }
    bantin_buf_adds(&b, "</sitemapindex>\n");
    out->data = b.data;
    out->len = b.len;
}
