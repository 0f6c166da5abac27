/* bantin_snapshot.c -- building snapshots from changes, and reading them.
 *
 * A new snapshot is the old one minus the articles the store marked
 * retired, plus the new ones, merged in order: O(count) pointer copies and
 * O(changes log changes) comparisons, with no re-sorting of the site.
 */
#include <stdlib.h>
#include <string.h>

#include "bantin_snapshot.h"

int bantin_article_cmp(const bantin_article *a, const bantin_article *b)
{
    if (a->date.when != b->date.when) {
        return a->date.when > b->date.when ? -1 : 1;
    }
    return strcmp(a->slug, b->slug);
}

static int by_date_cmp(const void *x, const void *y)
{
    return bantin_article_cmp(*(const bantin_article *const *)x,
                              *(const bantin_article *const *)y);
}

static int slug_cmp(const bantin_article *a, const bantin_article *b)
{
    return strcmp(a->slug, b->slug);
}

static int by_slug_cmp(const void *x, const void *y)
{
    return slug_cmp(*(const bantin_article *const *)x,
                    *(const bantin_article *const *)y);
}

/* Merges the live part of old[] with add[] (both sorted by cmp) into out.
 * Returns how many were written. */
static apr_size_t merge(const bantin_article **out,
                        const bantin_article *const *old, apr_size_t nold,
                        const bantin_article *const *add, apr_size_t nadd,
                        int (*cmp)(const bantin_article *,
                                   const bantin_article *))
{
    apr_size_t i = 0, j = 0, k = 0;

    while (i < nold || j < nadd) {
        /* An added article can be retired too: a file parsed twice in one
         * update (its folder walked and its own event) replaces its first
         * version before any snapshot held it. */
        if (i < nold && old[i]->retired) {
            i++;
        }
        else if (j < nadd && add[j]->retired) {
            j++;
        }
        else if (j == nadd || (i < nold && cmp(old[i], add[j]) <= 0)) {
            out[k++] = old[i++];
        }
        else {
            out[k++] = add[j++];
        }
    }
    return k;
}

bantin_snapshot *bantin_snapshot_build(const bantin_snapshot *old,
                                       bantin_article **added,
                                       apr_size_t nadded,
                                       const char *const *rejected,
                                       apr_size_t nrejected,
                                       apr_size_t ndrafts, apr_time_t now)
{
    bantin_snapshot *s = calloc(1, sizeof(*s));
    apr_size_t cap = (old ? old->count : 0) + nadded, i, bytes;
    char *text;

    if (!s) {
        return NULL;
    }
    s->by_date = malloc(sizeof(*s->by_date) * (cap ? cap : 1));
    s->by_slug = malloc(sizeof(*s->by_slug) * (cap ? cap : 1));
    for (bytes = 0, i = 0; i < nrejected; i++) {
        bytes += strlen(rejected[i]) + 1;
    }
    s->rejected = malloc(sizeof(char *) * (nrejected ? nrejected : 1)
                         + bytes);
    if (!s->by_date || !s->by_slug || !s->rejected) {
        bantin_snapshot_destroy(s);
        return NULL;
    }

    qsort(added, nadded, sizeof(*added), by_date_cmp);
    s->count = merge(s->by_date, old ? old->by_date : NULL,
                     old ? old->count : 0,
                     (const bantin_article *const *)added, nadded,
                     bantin_article_cmp);
    qsort(added, nadded, sizeof(*added), by_slug_cmp);
    merge(s->by_slug, old ? old->by_slug : NULL, old ? old->count : 0,
          (const bantin_article *const *)added, nadded, slug_cmp);

    for (i = 0; i < s->count; i++) {
        s->nexpiring += s->by_date[i]->expires != 0;
    }
    if (s->nexpiring) {
        apr_size_t k = 0;
        if (!(s->expiring = malloc(sizeof(apr_size_t) * s->nexpiring))) {
            bantin_snapshot_destroy(s);
            return NULL;
        }
        for (i = 0; i < s->count; i++) {
            if (s->by_date[i]->expires) {
                s->expiring[k++] = i;
            }
        }
    }

    text = (char *)(s->rejected + (nrejected ? nrejected : 1));
    for (i = 0; i < nrejected; i++) {
        apr_size_t n = strlen(rejected[i]) + 1;
        s->rejected[i] = memcpy(text, rejected[i], n);
        text += n;
    }
    s->nrejected = nrejected;
    s->ndrafts = ndrafts;
    s->built = now;
    s->refs = 1;
    return s;
}

void bantin_snapshot_destroy(bantin_snapshot *s)
{
    apr_size_t i;

    for (i = 0; i < s->ngarbage; i++) {
        bantin_article_free(s->garbage[i]);
    }
    free(s->garbage);
    free(s->expiring);
    free(s->by_date);
    free(s->by_slug);
    free((void *)s->rejected);
    free(s);
}

const bantin_article *bantin_snapshot_get(const bantin_snapshot *snap,
                                          const char *slug, apr_time_t now)
{
    apr_size_t lo = 0, hi = snap->count;

    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(snap->by_slug[mid]->slug, slug);
        if (c == 0) {
            const bantin_article *a = snap->by_slug[mid];
            return bantin_article_visible(a, now) ? a : NULL;
        }
        if (c < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return NULL;
}

static int expired(const bantin_article *a, apr_time_t now)
{
    return a->expires && a->expires <= now;
}

apr_size_t bantin_snapshot_list(const bantin_snapshot *snap, apr_time_t now,
                                apr_size_t first, apr_size_t n,
                                const bantin_article **out,
                                apr_size_t *total)
{
    apr_size_t lo = 0, hi = snap->count, j, gone = 0, p, k = 0;

    /* by_date is newest first, so articles not yet published (dated in
     * the future) are a prefix: skip it by binary search. */
    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        if (snap->by_date[mid]->date.when > now) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    /* Expired articles are few and their positions are known: count them
     * instead of walking the list. */
    for (j = 0; j < snap->nexpiring; j++) {
        if (snap->expiring[j] >= lo
            && expired(snap->by_date[snap->expiring[j]], now)) {
            gone++;
        }
    }
    *total = snap->count - lo - gone;
    if (first >= *total) {
        return 0;
    }
    p = lo + first;
    for (j = 0; j < snap->nexpiring && snap->expiring[j] <= p; j++) {
        if (snap->expiring[j] >= lo
            && expired(snap->by_date[snap->expiring[j]], now)) {
            p++;
        }
    }
    for (; p < snap->count && k < n; p++) {
        if (!expired(snap->by_date[p], now)) {
            out[k++] = snap->by_date[p];
        }
    }
    return k;
}
