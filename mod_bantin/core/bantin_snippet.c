/* bantin_snippet.c -- the snippet of a search result: see bantin_search.h
 * (bantin_search_snippet, bantin_search_article_snippet). */
#include <string.h>

#include "bantin_buf.h"
#include "bantin_fold.h"
#include "bantin_search.h"

/* 1 when text word t matches query word k of nq: exactly, or as a
 * prefix for the last when that is one. */
static int word_matches(const bantin_word *t, const bantin_word *qw,
                        apr_size_t k, apr_size_t nq, int prefix)
{
    return k == nq - 1 && prefix
           ? !strncmp(t->folded, qw[k].folded, strlen(qw[k].folded))
           : !strcmp(t->folded, qw[k].folded);
}

/* How many of the query's words text has. */
static apr_size_t words_found(apr_pool_t *p, const char *text,
                              const bantin_word *qw, apr_size_t nq,
                              int prefix)
{
    bantin_word *tw;
    apr_size_t nt = bantin_fold_words(p, text, strlen(text), &tw);
    apr_size_t i, k, found = 0;

    for (k = 0; k < nq; k++) {
        for (i = 0; i < nt; i++) {
            if (word_matches(&tw[i], qw, k, nq, prefix)) {
                found++;
                break;
            }
        }
    }
    return found;
}

const char *bantin_search_article_snippet(apr_pool_t *p,
                                          const bantin_article *a,
                                          const char *query,
                                          apr_size_t words)
{
    int prefix = bantin_search_last_is_prefix(p, query);
    const char *lead = a->summary ? a->summary : "";
    const char *body = bantin_search_text(p, a);
    bantin_word *qw;
    apr_size_t nq = bantin_fold_words(p, query, strlen(query), &qw);
    apr_size_t in_lead = *lead ? words_found(p, lead, qw, nq, prefix) : 0;
    apr_size_t in_body = words_found(p, body, qw, nq, prefix);

    /* where the words are, the lead when it has as many as the body; a
     * match in the title (or the author line only) shows the lead, which
     * says what the article is about */
    if (*lead && (in_lead >= in_body || !in_body)) {
        return bantin_search_snippet(p, lead, query, words);
    }
    return bantin_search_snippet(p, body, query, words);
}

const char *bantin_search_snippet(apr_pool_t *p, const char *text,
                                  const char *query, apr_size_t words)
{
    int prefix = bantin_search_last_is_prefix(p, query);
    bantin_word *tw, *qw;
    apr_size_t nt = bantin_fold_words(p, text, strlen(text), &tw);
    apr_size_t nq = bantin_fold_words(p, query, strlen(query), &qw);
    apr_size_t i, k, hit = nt, from, to;
    bantin_buf b;

    /* a word matches a query word exactly, or as a prefix for the last */
    for (i = 0; i < nt && hit == nt; i++) {
        for (k = 0; k < nq; k++) {
            if (word_matches(&tw[i], qw, k, nq, prefix)) {
                hit = i;
                break;
            }
        }
    }
    if (!nt) {
        return "";
    }
    if (hit == nt) {
        hit = 0;
    }
    from = hit > words / 3 ? hit - words / 3 : 0;
    to = from + words < nt ? from + words : nt;
    bantin_buf_init(&b, p, 1024);
    if (from > 0) {
        bantin_buf_adds(&b, "… ");
    }
    for (i = from; i < to; i++) {
        int match = 0;
        apr_size_t gap_end = i + 1 < to ? tw[i + 1].start : tw[i].end;
        for (k = 0; k < nq && !match; k++) {
            match = word_matches(&tw[i], qw, k, nq, prefix);
        }
        if (match) {
            bantin_buf_adds(&b, "<mark>");
        }
        bantin_buf_add_html(&b, text + tw[i].start, tw[i].end - tw[i].start);
        if (match) {
            bantin_buf_adds(&b, "</mark>");
        }
        /* what stood between this word and the next */
        bantin_buf_add_html(&b, text + tw[i].end, gap_end - tw[i].end);
    }
    if (to < nt) {
        bantin_buf_adds(&b, " …");
    }
    return bantin_buf_cstr(&b);
}
