/* bantin_render.c -- see bantin_render.h. */
#include <string.h>

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_fold.h"
#include "bantin_render.h"
#include "bantin_template.h"

/* The vocabulary templates may use; see README "Templates". */
#define VOCAB(X)                                                             \
    X(base) X(portal_name) X(page_title) X(content)                          \
    X(fs_step) X(fs_count) X(fs_at_min) X(fs_at_max) X(fs_cookie)            \
    X(font_steps) X(step) X(rem)                                             \
    X(slug) X(url) X(back) X(title) X(date) X(date_iso) X(category)          \
    X(summary) X(author) X(body) X(is_figure) X(is_paragraph) X(html)        \
    X(caption) X(caption_text) X(src) X(has_src)                             \
    X(items) X(page) X(pages) X(has_prev) X(prev_url) X(has_next)            \
    X(next_url) X(status) X(message)                                         \
    X(site) X(canonical) X(meta_description) X(og_image) X(weekday)         \
    X(date_long) X(category_url) X(categories) X(is_current) X(related)     \
    X(other) X(has_newer) X(newer_url) X(newer_title) X(has_older)          \
    X(older_url) X(older_title) X(print_url) X(share_mail)                  \
    X(share_facebook) X(share_zalo) X(feed_url) X(list_title)               \
    X(is_article) X(is_home) X(has_related) X(has_other)                    \
    X(query) X(has_query) X(results) X(snippet) X(total) X(has_results)     \
    X(more) X(suggestion) X(suggestion_url) X(is_selected) X(date_from)     \
    X(date_to) X(date_error) X(from_bad) X(to_bad) X(indexing)

#define AS_ENUM(n) V_##n,
#define AS_NAME(n) #n,
enum { VOCAB(AS_ENUM) V__COUNT };
static const char *const vocab[] = {VOCAB(AS_NAME)};

/* The theme's files; each is required, so a missing one fails startup. */
#define TEMPLATES(X) X(layout, "layout.html") X(toolbar, "toolbar.html")   \
    X(view, "view.html") X(list, "list.html") X(error, "error.html")         \
    X(related, "related.html") X(other, "other.html")                        \
    X(print, "print.html") X(search, "search.html") X(css, "bantin.css")
#define AS_FIELD(f, file) bantin_template *f;

struct bantin_theme {
    TEMPLATES(AS_FIELD)
    const char *js;
    apr_size_t js_len;
    apr_uint64_t hash;
    apr_time_t mtime;
};

static const char *read_file(apr_pool_t *p, const char *path, char **data,
                             apr_size_t *len, bantin_theme *t)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    char buf[120];

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_MTIME
                                        | APR_FINFO_CTIME, f);
        if (rv == APR_SUCCESS) {
            *data = apr_palloc(p, (apr_size_t)fi.size + 1);
            rv = apr_file_read_full(f, *data, (apr_size_t)fi.size, len);
            (*data)[*len] = '\0';
            /* The file's name, not its path: two servers with the same
             * templates in different places must agree on ETags. */
            t->hash = bantin_hash64(bantin_hash_str(t->hash,
                                                    strrchr(path, '/') + 1),
                                    *data, *len);
            if (fi.mtime > t->mtime) {
                t->mtime = fi.mtime;
            }
            if (fi.ctime > t->mtime) {
                t->mtime = fi.ctime;
            }
        }
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "%s: cannot read: %s", path,
                            apr_strerror(rv, buf, sizeof(buf)));
    }
    return NULL;
}

const char *bantin_theme_load(apr_pool_t *p, const char *dir,
                              bantin_theme **out)
{
    bantin_theme *t = apr_pcalloc(p, sizeof(*t));
    const char *err = NULL;
    char *src;
    apr_size_t len;

    t->hash = BANTIN_HASH_INIT;

#define LOAD(f, file)                                                        \
    {                                                                        \
        const char *path = apr_pstrcat(p, dir, "/" file, NULL);              \
        if ((err = read_file(p, path, &src, &len, t)) != NULL) {             \
            return err;                                                      \
        }                                                                    \
        t->f = bantin_template_compile(p, path, src, len, vocab, V__COUNT,   \
                                       &err);                                \
        if (!t->f) {                                                         \
            return err;                                                      \
        }                                                                    \
    }
    TEMPLATES(LOAD)
#undef LOAD
    if ((err = read_file(p, apr_pstrcat(p, dir, "/bantin.js", NULL), &src,
                         &t->js_len, t)) != NULL) {
        return err;
    }
    t->js = src;
    *out = t;
    return NULL;
}

static const char *url_of(apr_pool_t *p, const bantin_view *v,
                          const char *path, const char *rel)
{
    bantin_buf b;
    bantin_buf_init(&b, p, 128);
    bantin_buf_adds(&b, v->base);
    bantin_buf_adds(&b, path);
    bantin_buf_add_urlpath(&b, rel);
    return bantin_buf_cstr(&b);
}

static const char *list_url(apr_pool_t *p, const bantin_view *v,
                            const char *path, long page)
{
    return page <= 1 ? apr_pstrcat(p, v->base, path, NULL)
                     : apr_psprintf(p, "%s%s?page=%ld", v->base, path, page);
}

/* A query-string value: everything outside the unreserved set encoded. */
static const char *q_enc(apr_pool_t *p, const char *s)
{
    bantin_buf b;
    const char *c;

    bantin_buf_init(&b, p, strlen(s) * 3 + 1);
    for (c = s; *c; c++) {
        if (*c == '/') {
            bantin_buf_adds(&b, "%2F");
        }
        else {
            char one[2] = {*c, 0};
            bantin_buf_add_urlpath(&b, one);
        }
    }
    return bantin_buf_cstr(&b);
}

static const char *category_url(apr_pool_t *p, const bantin_view *v,
                                const char *slug)
{
    return url_of(p, v, "/category/", slug);
}

/* Values every page has, with the category menu; `current` marks the
 * category the page belongs to, `selected` the one a search is filtered
 * by. */
static void page_scope_with(apr_pool_t *p, bantin_tscope *s,
                            const bantin_view *v, const char *current,
                            const char *selected)
{
    bantin_tscope *cats;
    apr_size_t i;

    bantin_tscope_init(s, p, V__COUNT, NULL);
    bantin_tset_text(s, V_site, v->site ? v->site : "");
    bantin_tset_text(s, V_feed_url, apr_pstrcat(p, v->base, "/feed.xml",
                                                NULL));
    cats = apr_palloc(p, sizeof(*cats) * (v->ncategories + 1));
    for (i = 0; i < v->ncategories; i++) {
        const bantin_category *c = &v->categories[i];
        bantin_tscope_init(&cats[i], p, V__COUNT, s);
        bantin_tset_text(&cats[i], V_category, c->name);
        bantin_tset_text(&cats[i], V_slug, c->slug);
        bantin_tset_text(&cats[i], V_category_url,
                         category_url(p, v, c->slug));
        bantin_tset_bool(&cats[i], V_is_current,
                         current && !strcmp(current, c->slug));
        bantin_tset_bool(&cats[i], V_is_selected,
                         selected && !strcmp(selected, c->slug));
    }
    bantin_tset_list(s, V_categories, cats, (int)v->ncategories);
    bantin_tset_text(s, V_base, v->base);
    bantin_tset_text(s, V_portal_name, v->portal_name);
    bantin_tset_text(s, V_fs_step, apr_itoa(p, v->fs_step));
    bantin_tset_text(s, V_fs_count, apr_itoa(p, v->fs_count));
    bantin_tset_bool(s, V_fs_at_min, v->fs_step <= 1);
    bantin_tset_bool(s, V_fs_at_max, v->fs_step >= v->fs_count);
    bantin_tset_text(s, V_fs_cookie, v->fs_cookie);
}

static void page_scope_in(apr_pool_t *p, bantin_tscope *s,
                          const bantin_view *v, const char *current)
{
    page_scope_with(p, s, v, current, NULL);
}

static void page_scope(apr_pool_t *p, bantin_tscope *s, const bantin_view *v)
{
    page_scope_in(p, s, v, NULL);
}

/* The value of name in filters (name/value pairs), or NULL. */
static const char *filter_value(const char *const *filters, const char *name)
{
    for (; filters && filters[0]; filters += 2) {
        if (!strcmp(filters[0], name)) {
            return filters[1];
        }
    }
    return NULL;
}

const char *bantin_category_name(apr_pool_t *p, const bantin_view *v,
                                 const bantin_article *a)
{
    apr_size_t i;

    if (!a->category) {
        return NULL;
    }
    for (i = 0; a->category_slug && i < v->ncategories; i++) {
        if (!strcmp(v->categories[i].slug, a->category_slug)) {
            return v->categories[i].name;
        }
    }
    return bantin_fold_space(p, a->category);
}

static void article_values(apr_pool_t *p, bantin_tscope *s,
                           const bantin_view *v, const bantin_article *a)
{
    char dmy[11], iso[11];

    bantin_date_format_dmy(&a->date, v->tz_min, dmy);
    bantin_date_format_iso(&a->date, v->tz_min, iso);
    bantin_tset_text(s, V_slug, a->slug);
    bantin_tset_text(s, V_url, url_of(p, v, "/article/", a->slug));
    bantin_tset_text(s, V_title, a->title);
    bantin_tset_text(s, V_date, apr_pstrdup(p, dmy));
    bantin_tset_text(s, V_date_iso, apr_pstrdup(p, iso));
    bantin_tset_text(s, V_summary, a->summary);
    bantin_tset_text(s, V_weekday,
                     bantin_weekday_vi(bantin_date_weekday(&a->date,
                                                           v->tz_min)));
    bantin_tset_text(s, V_date_long, apr_pstrcat(
        p, bantin_weekday_vi(bantin_date_weekday(&a->date, v->tz_min)), ", ",
        dmy, NULL));
    if (a->category) {
        bantin_tset_text(s, V_category, bantin_category_name(p, v, a));
    }
    if (a->category_slug) {
        bantin_tset_text(s, V_category_url,
                         category_url(p, v, a->category_slug));
    }
    if (a->author) {
        bantin_tset_text(s, V_author, a->author);
    }
}

/* A list of articles as item scopes of `parent`. */
static void article_list(apr_pool_t *p, bantin_tscope *parent, int id,
                         const bantin_view *v,
                         const bantin_article *const *items, apr_size_t n)
{
    bantin_tscope *scopes = apr_palloc(p, sizeof(*scopes) * (n ? n : 1));
    apr_size_t i;

    for (i = 0; i < n; i++) {
        bantin_tscope_init(&scopes[i], p, V__COUNT, parent);
        article_values(p, &scopes[i], v, items[i]);
    }
    bantin_tset_list(parent, id, scopes, (int)n);
}

/* Canonical URL, description, Open Graph image, print and share links. */
static void article_meta(apr_pool_t *p, bantin_tscope *s,
                         const bantin_view *v, const bantin_article *a)
{
    const char *site = v->site ? v->site : "";
    const char *path = url_of(p, v, "/article/", a->slug);
    const char *abs = apr_pstrcat(p, site, path, NULL), *enc = q_enc(p, abs);
    int i;

    bantin_tset_text(s, V_canonical, abs);
    bantin_tset_text(s, V_meta_description, a->summary);
    bantin_tset_bool(s, V_is_article, 1);
    bantin_tset_text(s, V_print_url, url_of(p, v, "/print/", a->slug));
    bantin_tset_text(s, V_share_mail,
                     apr_pstrcat(p, "mailto:?subject=", q_enc(p, a->title),
                                 "&body=", enc, NULL));
    bantin_tset_text(s, V_share_facebook,
                     apr_pstrcat(p, "https://www.facebook.com/sharer/"
                                 "sharer.php?u=", enc, NULL));
    bantin_tset_text(s, V_share_zalo,
                     apr_pstrcat(p, "https://sp.zalo.me/plugins/share?dev=0"
                                 "&layout=2&color=blue&customize=false&url=",
                                 enc, NULL));
    for (i = 0; i < a->nblocks; i++) {
        const bantin_block *b = &a->blocks[i];
        if (b->kind == BANTIN_BLOCK_FIGURE && b->src) {
            bantin_tset_text(s, V_og_image,
                             b->src_is_media
                                 ? apr_pstrcat(p, site,
                                               url_of(p, v, "/media/", b->src),
                                               NULL)
                                 : b->src);
            break;
        }
    }
}

static void around_values(apr_pool_t *p, bantin_tscope *s,
                          const bantin_view *v, const bantin_around *ar)
{
    if (!ar) {
        return;
    }
    article_list(p, s, V_related, v, ar->related, ar->nrelated);
    article_list(p, s, V_other, v, ar->other, ar->nother);
    bantin_tset_bool(s, V_has_related, ar->nrelated > 0);
    bantin_tset_bool(s, V_has_other, ar->nother > 0);
    bantin_tset_bool(s, V_has_newer, ar->newer != NULL);
    bantin_tset_bool(s, V_has_older, ar->older != NULL);
    if (ar->newer) {
        bantin_tset_text(s, V_newer_url,
                         url_of(p, v, "/article/", ar->newer->slug));
        bantin_tset_text(s, V_newer_title, ar->newer->title);
    }
    if (ar->older) {
        bantin_tset_text(s, V_older_url,
                         url_of(p, v, "/article/", ar->older->slug));
        bantin_tset_text(s, V_older_title, ar->older->title);
    }
}

/* Renders layout.html around content already in `content`. */
static void finish_page(apr_pool_t *p, const bantin_theme *t,
                        bantin_tscope *s, bantin_buf *content,
                        bantin_page *out)
{
    bantin_buf b;

    bantin_tset_html(s, V_content, content->data, content->len);
    bantin_buf_init(&b, p, content->len + 4096);
    bantin_template_render(t->layout, s, &b);
    out->data = b.data;
    out->len = b.len;
}

void bantin_render_article(apr_pool_t *p, const bantin_theme *t,
                           const bantin_view *v, const bantin_article *a,
                           bantin_page *out)
{
    bantin_render_article_part(p, t, v, a, BANTIN_PART_PAGE, out);
}

void bantin_render_article_part(apr_pool_t *p, const bantin_theme *t,
                                const bantin_view *v,
                                const bantin_article *a, bantin_part_e part,
                                bantin_page *out)
{
    bantin_render_article_ex(p, t, v, a, NULL, part, out);
}

void bantin_render_article_ex(apr_pool_t *p, const bantin_theme *t,
                              const bantin_view *v, const bantin_article *a,
                              const bantin_around *around,
                              bantin_part_e part, bantin_page *out)
{
    bantin_tscope s, *blocks;
    bantin_buf content;
    int i, n = a->nblocks;

    page_scope_in(p, &s, v, a->category_slug);
    article_values(p, &s, v, a);
    article_meta(p, &s, v, a);
    around_values(p, &s, v, around);
    bantin_tset_text(&s, V_page_title,
                     apr_pstrcat(p, a->title, " - ", v->portal_name, NULL));
    bantin_tset_text(&s, V_back, apr_pstrcat(p, "article/", a->slug, NULL));

    blocks = apr_palloc(p, sizeof(*blocks) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        const bantin_block *blk = &a->blocks[i];
        bantin_tscope *b = &blocks[i];
        bantin_tscope_init(b, p, V__COUNT, &s);
        bantin_tset_bool(b, V_is_figure, blk->kind == BANTIN_BLOCK_FIGURE);
        bantin_tset_bool(b, V_is_paragraph,
                         blk->kind == BANTIN_BLOCK_PARAGRAPH);
        bantin_tset_html(b, V_html, blk->html, strlen(blk->html));
        if (blk->kind == BANTIN_BLOCK_FIGURE) {
            bantin_tset_html(b, V_caption, blk->html, strlen(blk->html));
            bantin_tset_text(b, V_caption_text, blk->text);
            bantin_tset_bool(b, V_has_src, blk->src != NULL);
            if (blk->src) {
                bantin_tset_text(b, V_src, blk->src_is_media
                                 ? url_of(p, v, "/media/", blk->src)
                                 : blk->src);
            }
        }
    }
    bantin_tset_list(&s, V_body, blocks, n);

    bantin_buf_init(&content, p, 16384);
    if (part == BANTIN_PART_PAGE || part == BANTIN_PART_TOOLBAR) {
        bantin_template_render(t->toolbar, &s, &content);
    }
    if (part == BANTIN_PART_PAGE || part == BANTIN_PART_VIEW
        || part == BANTIN_PART_PRINT) {
        bantin_template_render(t->view, &s, &content);
    }
    if (part == BANTIN_PART_PAGE || part == BANTIN_PART_RELATED) {
        bantin_template_render(t->related, &s, &content);
    }
    if (part == BANTIN_PART_PAGE || part == BANTIN_PART_OTHER) {
        bantin_template_render(t->other, &s, &content);
    }
    if (part == BANTIN_PART_PAGE) {
        finish_page(p, t, &s, &content, out);
    }
    else if (part == BANTIN_PART_PRINT) {
        bantin_buf b;
        bantin_tset_html(&s, V_content, content.data, content.len);
        bantin_buf_init(&b, p, content.len + 2048);
        bantin_template_render(t->print, &s, &b);
        out->data = b.data;
        out->len = b.len;
    }
    else {
        out->data = content.data;
        out->len = content.len;
    }
}

void bantin_render_list(apr_pool_t *p, const bantin_theme *t,
                        const bantin_view *v,
                        const bantin_article *const *items, apr_size_t n,
                        long page, long pages, bantin_page *out)
{
    bantin_render_list_part(p, t, v, items, n, page, pages, 0, out);
}

void bantin_render_list_part(apr_pool_t *p, const bantin_theme *t,
                             const bantin_view *v,
                             const bantin_article *const *items,
                             apr_size_t n, long page, long pages,
                             int fragment, bantin_page *out)
{
    bantin_listing home = {"Tin mới", "/", NULL};
    bantin_render_listing(p, t, v, &home, items, n, page, pages, fragment,
                          out);
}

void bantin_render_listing(apr_pool_t *p, const bantin_theme *t,
                           const bantin_view *v, const bantin_listing *l,
                           const bantin_article *const *items, apr_size_t n,
                           long page, long pages, int fragment,
                           bantin_page *out)
{
    bantin_tscope s;
    bantin_buf content;
    const char *name = l->category ? l->category->name : v->portal_name;

    page_scope_in(p, &s, v, l->category ? l->category->slug : NULL);
    bantin_tset_text(&s, V_page_title,
                     page == 1 ? (l->category ? apr_pstrcat(p, name, " - ",
                                                            v->portal_name,
                                                            NULL)
                                              : name)
                               : apr_psprintf(p, "%s - Trang %ld%s%s", name,
                                              page, l->category ? " - " : "",
                                              l->category ? v->portal_name
                                                          : ""));
    bantin_tset_text(&s, V_list_title, l->title);
    bantin_tset_bool(&s, V_is_home, l->category == NULL);
    bantin_tset_text(&s, V_canonical,
                     apr_pstrcat(p, v->site ? v->site : "",
                                 list_url(p, v, l->path, page), NULL));
    if (l->category) {
        bantin_tset_text(&s, V_category, l->category->name);
        bantin_tset_text(&s, V_category_url,
                         category_url(p, v, l->category->slug));
        bantin_tset_text(&s, V_feed_url,
                         apr_pstrcat(p, category_url(p, v, l->category->slug),
                                     "/feed.xml", NULL));
    }
    article_list(p, &s, V_items, v, items, n);
    bantin_tset_text(&s, V_page, apr_ltoa(p, page));
    bantin_tset_text(&s, V_pages, apr_ltoa(p, pages));
    bantin_tset_bool(&s, V_has_prev, page > 1);
    bantin_tset_bool(&s, V_has_next, page < pages);
    bantin_tset_text(&s, V_prev_url, list_url(p, v, l->path, page - 1));
    bantin_tset_text(&s, V_next_url, list_url(p, v, l->path, page + 1));

    bantin_buf_init(&content, p, 8192);
    bantin_template_render(t->list, &s, &content);
    if (fragment) {
        out->data = content.data;
        out->len = content.len;
        return;
    }
    finish_page(p, t, &s, &content, out);
}

static const char *search_url(apr_pool_t *p, const bantin_view *v,
                              const char *q, const char *const *filters,
                              long page)
{
    const char *u = apr_pstrcat(p, v->base, "/search?q=", q_enc(p, q), NULL);
    for (; filters && filters[0]; filters += 2) {
        if (filters[1] && *filters[1]) {
            u = apr_pstrcat(p, u, "&", filters[0], "=", q_enc(p, filters[1]),
                            NULL);
        }
    }
    return page > 1 ? apr_psprintf(p, "%s&page=%ld", u, page) : u;
}

/* A date filter as the form's date inputs take it (YYYY-MM-DD, also when
 * the reader wrote DD/MM/YYYY); anything else is kept as typed, so the
 * reader sees it again and can mend it, and *bad is set: the search left
 * it out, and the page says so. */
static const char *date_filter(apr_pool_t *p, const char *s, int *bad)
{
    bantin_date d;
    char iso[11];

    if (!s || !*s) {
        return "";
    }
    if (bantin_date_parse_day(&d, s, 0)) {
        *bad = 1;
        return s;
    }
    bantin_date_format_iso(&d, 0, iso);
    return apr_pstrdup(p, iso);
}

/* A count the Vietnamese way: 12.345 */
static const char *grouped(apr_pool_t *p, apr_size_t n)
{
    char digits[32], *out = apr_palloc(p, 48), *o = out;
    int len = apr_snprintf(digits, sizeof(digits), "%" APR_SIZE_T_FMT, n), i;

    for (i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) {
            *o++ = '.';
        }
        *o++ = digits[i];
    }
    *o = '\0';
    return out;
}

void bantin_render_search(apr_pool_t *p, const bantin_theme *t,
                          const bantin_view *v, const char *query,
                          const bantin_article *const *items,
                          const char *const *snippets, apr_size_t n,
                          apr_size_t total, apr_size_t more, long page,
                          long pages, const char *suggestion,
                          const char *const *filters,
                          const apr_size_t *indexing, bantin_page *out)
{
    bantin_tscope s, *res;
    bantin_buf content;
    apr_size_t i;

    page_scope_with(p, &s, v, NULL, filter_value(filters, "category"));
    {
        const char *from = filter_value(filters, "from");
        const char *to = filter_value(filters, "to");
        int bad_from = 0, bad_to = 0;
        bantin_tset_text(&s, V_date_from, date_filter(p, from, &bad_from));
        bantin_tset_text(&s, V_date_to, date_filter(p, to, &bad_to));
        /* a date input cannot hold what is not a date: a text input
         * does, for the reader to mend */
        bantin_tset_bool(&s, V_from_bad, bad_from);
        bantin_tset_bool(&s, V_to_bad, bad_to);
        if (bad_from || bad_to) {
            /* "Không đọc được ngày: 31/02/2024, hôm qua" */
            bantin_tset_text(&s, V_date_error,
                             apr_pstrcat(p, bad_from ? from : "",
                                         bad_from && bad_to ? ", " : "",
                                         bad_to ? to : "", NULL));
        }
    }
    bantin_tset_text(&s, V_page_title,
                     apr_pstrcat(p, query ? query : "", query ? " - " : "",
                                 "Tìm kiếm - ", v->portal_name, NULL));
    bantin_tset_bool(&s, V_has_query, query != NULL);
    bantin_tset_text(&s, V_query, query ? query : "");
    bantin_tset_text(&s, V_total, grouped(p, total));
    if (more) {
        bantin_tset_text(&s, V_more, grouped(p, more));
    }
    if (indexing) {
        /* "41.000/100.000": how far the index is */
        bantin_tset_text(&s, V_indexing,
                         apr_pstrcat(p, grouped(p, indexing[0]), "/",
                                     grouped(p, indexing[1]), NULL));
    }
    bantin_tset_bool(&s, V_has_results, n > 0);
    res = apr_palloc(p, sizeof(*res) * (n ? n : 1));
    for (i = 0; i < n; i++) {
        bantin_tscope_init(&res[i], p, V__COUNT, &s);
        article_values(p, &res[i], v, items[i]);
        bantin_tset_html(&res[i], V_snippet, snippets[i],
                         strlen(snippets[i]));
    }
    bantin_tset_list(&s, V_results, res, (int)n);
    if (suggestion) {
        bantin_tset_text(&s, V_suggestion, suggestion);
        bantin_tset_text(&s, V_suggestion_url,
                         search_url(p, v, suggestion, filters, 1));
    }
    bantin_tset_text(&s, V_page, apr_ltoa(p, page));
    bantin_tset_text(&s, V_pages, apr_ltoa(p, pages));
    bantin_tset_bool(&s, V_has_prev, query && page > 1);
    bantin_tset_bool(&s, V_has_next, query && page < pages);
    if (query) {
        bantin_tset_text(&s, V_prev_url,
                         search_url(p, v, query, filters, page - 1));
        bantin_tset_text(&s, V_next_url,
                         search_url(p, v, query, filters, page + 1));
    }
    bantin_buf_init(&content, p, 8192);
    bantin_template_render(t->search, &s, &content);
    finish_page(p, t, &s, &content, out);
}

apr_uint64_t bantin_theme_hash(const bantin_theme *t)
{
    return t->hash;
}

apr_time_t bantin_theme_mtime(const bantin_theme *t)
{
    return t->mtime;
}

apr_uint64_t bantin_view_hash(const bantin_view *v)
{
    apr_uint64_t h = bantin_hash_str(BANTIN_HASH_INIT, BANTIN_VERSION);
    int i;

    h = bantin_hash_str(h, v->base);
    /* Not the site: see bantin_site_tag. */
    h = bantin_hash_str(h, v->portal_name);
    for (i = 0; i < (int)v->ncategories; i++) {
        h = bantin_hash_str(h, v->categories[i].slug);
        h = bantin_hash_str(h, v->categories[i].name);
    }
    h = bantin_hash_str(h, v->fs_cookie);
    h = bantin_hash64(h, &v->tz_min, sizeof(v->tz_min));
    h = bantin_hash64(h, &v->fs_step, sizeof(v->fs_step));
    h = bantin_hash64(h, &v->fs_count, sizeof(v->fs_count));
    for (i = 0; i < v->fs_count; i++) {
        h = bantin_hash_str(h, v->fs_rem[i]);
    }
    return h;
}

/* One article as a page shows it elsewhere: its bytes (title, date,
 * summary...) and its URL. */
static apr_uint64_t hash_shown(apr_uint64_t h, const bantin_article *a)
{
    h = bantin_hash64(h, &a->hash, sizeof(a->hash));
    return bantin_hash_str(h, a->slug);
}

/* One list, its length first: without it an article moving from the end
 * of one list to the start of the next would leave the chain unchanged. */
static apr_uint64_t hash_shown_list(apr_uint64_t h,
                                    const bantin_article *const *items,
                                    apr_size_t n)
{
    apr_uint64_t count = n;
    apr_size_t i;

    h = bantin_hash64(h, &count, sizeof(count));
    for (i = 0; i < n; i++) {
        h = hash_shown(h, items[i]);
    }
    return h;
}

apr_uint64_t bantin_around_hash(apr_uint64_t h, const bantin_around *ar)
{
    const bantin_article *const newer[1] = {ar ? ar->newer : NULL};
    const bantin_article *const older[1] = {ar ? ar->older : NULL};

    if (!ar) {
        return bantin_hash64(h, "-", 1);
    }
    h = hash_shown_list(h, ar->related, ar->nrelated);
    h = hash_shown_list(h, ar->other, ar->nother);
    h = hash_shown_list(h, newer, ar->newer ? 1 : 0);
    return hash_shown_list(h, older, ar->older ? 1 : 0);
}

/* A key anyone may know: ETags must agree between processes and servers.
 * What it buys is SipHash's one-wayness: a site that brings a page onto
 * another page's tag takes some 2^64 tries, where the hash chain of
 * bantin_hash64 could be walked back in microseconds. */
static const unsigned char site_tag_key[BANTIN_SIP_KEY_LEN] = {
    'b', 'a', 'n', 't', 'i', 'n', '-', 'e', 't', 'a', 'g', '-',
    's', 'i', 't', 'e'};

apr_uint64_t bantin_site_tag(apr_uint64_t tag, const char *site)
{
    unsigned char w[8];
    bantin_sip s;
    int i;

    for (i = 0; i < 8; i++) {
        w[i] = (unsigned char)(tag >> (8 * i));
    }
    bantin_sip_init(&s, site_tag_key);
    bantin_sip_add(&s, w, sizeof(w));
    if (site) {
        bantin_sip_add(&s, site, strlen(site));
    }
    return bantin_sip_end(&s);
}

static const unsigned char body_tag_key[BANTIN_SIP_KEY_LEN] = {
    'b', 'a', 'n', 't', 'i', 'n', '-', 'e', 't', 'a', 'g', '-',
    'b', 'o', 'd', 'y'};

apr_uint64_t bantin_body_tag(apr_uint64_t tag, const char *data,
                             apr_size_t len)
{
    unsigned char w[8];
    bantin_sip s;
    int i;

    for (i = 0; i < 8; i++) {
        w[i] = (unsigned char)(tag >> (8 * i));
    }
    bantin_sip_init(&s, body_tag_key);
    bantin_sip_add(&s, w, sizeof(w));
    bantin_sip_add(&s, data, len);
    return bantin_sip_end(&s);
}

void bantin_render_error(apr_pool_t *p, const bantin_theme *t,
                         const bantin_view *v, int status, bantin_page *out)
{
    bantin_tscope s;
    bantin_buf content;
    const char *msg = status == 404 ? "Không tìm thấy trang"
                      : status == 410 ? "Bài viết này đã được gỡ bỏ"
                      : status == 405 ? "Phương thức không được hỗ trợ"
                      : status == 503 ? "Dịch vụ tạm thời gián đoạn"
                                      : "Yêu cầu không hợp lệ";

    page_scope(p, &s, v);
    bantin_tset_text(&s, V_page_title,
                     apr_pstrcat(p, msg, " - ", v->portal_name, NULL));
    bantin_tset_text(&s, V_message, msg);
    bantin_tset_text(&s, V_status, apr_itoa(p, status));
    bantin_buf_init(&content, p, 2048);
    bantin_template_render(t->error, &s, &content);
    finish_page(p, t, &s, &content, out);
}

int bantin_render_static(apr_pool_t *p, const bantin_theme *t,
                         const bantin_view *v, const char *name,
                         bantin_page *out, const char **content_type)
{
    if (!strcmp(name, "bantin.js")) {
        out->data = t->js;
        out->len = t->js_len;
        *content_type = "text/javascript; charset=utf-8";
        return 1;
    }
    if (!strcmp(name, "bantin.css")) {
        bantin_tscope s, *steps;
        bantin_buf b;
        int i;

        page_scope(p, &s, v);
        steps = apr_palloc(p, sizeof(*steps) * (apr_size_t)v->fs_count);
        for (i = 0; i < v->fs_count; i++) {
            bantin_tscope_init(&steps[i], p, V__COUNT, &s);
            bantin_tset_text(&steps[i], V_step, apr_itoa(p, i + 1));
            bantin_tset_text(&steps[i], V_rem, v->fs_rem[i]);
        }
        bantin_tset_list(&s, V_font_steps, steps, v->fs_count);
        bantin_buf_init(&b, p, 8192);
        bantin_template_render(t->css, &s, &b);
        out->data = b.data;
        out->len = b.len;
        *content_type = "text/css; charset=utf-8";
        return 1;
    }
    return 0;
}
