/* bantin_answer_status.c -- the admins' status page (SetHandler
 * bantin-status): what each content dir holds and which files are not
 * served, the search index's progress, and this process's page cache, for
 * admins who should not need the error log.
 */
#include <string.h>
#include <unistd.h>

#include "apr_strings.h"

#include "bantin_answer.h"
#include "bantin_buf.h"
#include "bantin_fs.h"
#include "bantin_hot.h"
#include "bantin_log.h"
#include "bantin_refs.h"
#include "bantin_version.h"

/* A file name or problem as the error log shows it (UTF-8 text as it is,
 * control bytes and invalid UTF-8 escaped: bantin_log_text), for HTML:
 * & < > and " escaped. */
static const char *status_text(apr_pool_t *p, const char *s)
{
    const char *t = bantin_log_text(p, s);
    bantin_buf b;

    bantin_buf_init(&b, p, strlen(t) + 16);
    for (; *t; t++) {
        switch (*t) {
        case '<': bantin_buf_adds(&b, "&lt;"); break;
        case '>': bantin_buf_adds(&b, "&gt;"); break;
        case '&': bantin_buf_adds(&b, "&amp;"); break;
        case '"': bantin_buf_adds(&b, "&quot;"); break;
        default: bantin_buf_add(&b, t, 1); break;
        }
    }
    return bantin_buf_cstr(&b);
}

/* The broken references of the articles of a snapshot, looked for now
 * (a media file added since the article was read counts as found):
 * "file: message" (the log's English), and how many. */
static void broken_refs(apr_pool_t *p, bantin_buf *b, const char *dir,
                        const bantin_snapshot *snap)
{
    apr_array_header_t *refs = apr_array_make(p, 4, sizeof(bantin_problem));
    int top = bantin_fs_open_top(dir), i;
    apr_size_t k;

    for (k = 0; k < snap->count; k++) {
        bantin_refs_check(p, snap->by_slug[k], top, NULL, 0, refs);
    }
    if (top >= 0) {
        close(top);
    }
    bantin_buf_addf(b, "<dl>\n<dt>Broken references</dt>"
                    "<dd class=\"broken-refs\">%d</dd>\n</dl>\n", refs->nelts);
    if (refs->nelts) {
        bantin_buf_adds(b, "<ul class=\"bantin-broken-refs\">\n");
        for (i = 0; i < refs->nelts; i++) {
            const bantin_problem *pr = &APR_ARRAY_IDX(refs, i,
                                                      bantin_problem);
            bantin_buf_addf(b, "<li>%s</li>\n",
                            status_text(p, bantin_problem_str(p, pr)));
        }
        bantin_buf_adds(b, "</ul>\n");
    }
}

typedef struct {
    bantin_store *store;
    const bantin_snapshot *snap;
} held_snapshot;

static apr_status_t release_snapshot(void *data)
{
    held_snapshot *h = data;
    bantin_store_release(h->store, h->snap);
    return APR_SUCCESS;
}

static void one_dir(apr_pool_t *p, bantin_buf *b, const bantin_status_dir *d,
                    apr_time_t now)
{
    held_snapshot *h = apr_palloc(p, sizeof(*h));
    const bantin_snapshot *snap;
    char when[APR_RFC822_DATE_LEN];
    apr_size_t k, total;

    if (d->refresh) {
        bantin_store_refresh(d->store, now);
    }
    h->store = d->store;
    h->snap = snap = bantin_store_acquire(d->store);
    apr_pool_cleanup_register(p, h, release_snapshot, apr_pool_cleanup_null);
    bantin_snapshot_list(snap, now, 0, 0, NULL, &total);
    apr_rfc822_date(when, bantin_store_last_check(d->store));
    bantin_buf_addf(b, "<section class=\"bantin-status-dir\">\n<h2>%s</h2>\n"
                    "<dl>\n<dt>Articles</dt><dd class=\"articles\">%lu</dd>\n"
                    "<dt>Visible now</dt><dd class=\"visible\">%lu</dd>\n"
                    "<dt>Drafts</dt><dd class=\"drafts\">%lu</dd>\n"
                    "<dt>Rejected files</dt><dd class=\"rejected\">%lu</dd>\n"
                    "<dt>Last check</dt><dd class=\"last-check\">%s</dd>\n"
                    "<dt>Change detection</dt><dd>%s</dd>\n</dl>\n",
                    status_text(p, d->dir), (unsigned long)snap->count,
                    (unsigned long)total, (unsigned long)snap->ndrafts,
                    (unsigned long)snap->nrejected, when,
                    bantin_store_watching(d->store) ? "inotify"
                                                    : "periodic walk");
    if (d->search) {
        apr_size_t indexed, of;
        int complete = bantin_search_progress(d->search, snap, &indexed, &of);
        bantin_buf_addf(b, "<dl class=\"bantin-status-search\">\n"
                        "<dt>Search index</dt><dd class=\"search-index\">"
                        "%s, <span class=\"search-indexed\">%lu</span> of "
                        "<span class=\"search-of\">%lu</span> articles"
                        "</dd>\n</dl>\n", complete ? "complete" : "building",
                        (unsigned long)indexed, (unsigned long)of);
    }
    if (snap->nrejected) {
        bantin_buf_adds(b, "<ul class=\"bantin-rejected\">\n");
        for (k = 0; k < snap->nrejected; k++) {
            bantin_buf_addf(b, "<li>%s</li>\n",
                            status_text(p, snap->rejected[k]));
        }
        bantin_buf_adds(b, "</ul>\n");
    }
    broken_refs(p, b, d->dir, snap);
    bantin_buf_adds(b, "</section>\n");
}

void bantin_answer_status(apr_pool_t *p, const char *method,
                          const bantin_status_dir *dirs, int ndirs,
                          bantin_cache *cache, bantin_hot *hot, long pid,
                          bantin_response *out)
{
    apr_time_t now = apr_time_now();
    apr_uint64_t again = 0, anew = 0;
    bantin_cache_stats_t st;
    bantin_header *h;
    bantin_buf b;
    int i;

    memset(out, 0, sizeof(*out));
    out->status = 200;
    out->fd = -1;
    out->headers = apr_array_make(p, 2, sizeof(bantin_header));
    h = apr_array_push(out->headers);
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        out->status = 405;
        out->server_page = 1;
        h->name = "Allow";
        h->value = "GET, HEAD";
        h->always = 0;
        return;
    }
    h->name = "Cache-Control";
    h->value = "no-store";
    h->always = 0;
    out->ctype = "text/html; charset=utf-8";
    if (!strcmp(method, "HEAD")) {
        return; /* no body, and no look at the content dirs */
    }
    bantin_buf_init(&b, p, 4096);
    bantin_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head><meta "
                    "charset=\"utf-8\"><title>mod_bantin status</title>"
                    "</head>\n<body>\n<h1>mod_bantin status</h1>\n");
    bantin_buf_addf(&b, "<p>Version <span class=\"bantin-version\">%s</span>"
                    "</p>\n", bantin_version);
    for (i = 0; i < ndirs; i++) {
        one_dir(p, &b, &dirs[i], now);
    }
    bantin_cache_stats(cache, &st);
    bantin_buf_addf(&b, "<section class=\"bantin-status-cache\">\n"
                    "<h2>Rendered pages (this process, pid %ld)</h2>\n<dl>\n"
                    "<dt>Pages</dt><dd class=\"cache-entries\">%lu</dd>\n"
                    "<dt>Bytes</dt><dd class=\"cache-bytes\">%lu</dd>\n"
                    "<dt>Hits</dt><dd class=\"cache-hits\">%" APR_UINT64_T_FMT
                    "</dd>\n<dt>Misses</dt><dd class=\"cache-misses\">%"
                    APR_UINT64_T_FMT "</dd>\n"
                    "<dt>Not kept (a Host not of this server)</dt>"
                    "<dd class=\"cache-not-kept\">%" APR_UINT64_T_FMT
                    "</dd>\n", pid, (unsigned long)st.entries,
                    (unsigned long)st.bytes, st.hits, st.misses, st.skipped);
    if (hot) {
        bantin_hot_stats(hot, &again, &anew);
    }
    bantin_buf_addf(&b, "<dt>Answers given again (unchanged since the last "
                    "reader)</dt><dd class=\"hot-hits\">%" APR_UINT64_T_FMT
                    "</dd>\n</dl>\n</section>\n", again);
    bantin_buf_adds(&b, "</body>\n</html>\n");
    out->body = b.data;
    out->len = b.len;
}
