/* bantin_snapshot.c -- building snapshots from changes, and reading them.
 *
 * A new snapshot is the old one minus the articles the store marked
 * retired, plus the new ones, merged in order: O(count) pointer copies and
 * O(changes log changes) comparisons, with no re-sorting of the site.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>

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

static int by_cat_slug(const void *x, const void *y)
{
    return strcmp(((const bantin_category *)x)->slug,
                  ((const bantin_category *)y)->slug);
}

/* Names every category (see bantin_names.h), in one block of the
 * snapshot's own: a name outlives the articles it was taken from only as
 * long as the snapshot does.  Every build chooses again, among the
 * articles published at that moment, so a name follows the articles as
 * they come and go. */
static apr_status_t name_categories(bantin_snapshot *s, apr_pool_t *tmp,
                                    const bantin_names *names)
{
    const char **chosen = apr_palloc(tmp, sizeof(char *)
                                              * (s->ncategories + 1));
    apr_size_t k, bytes = 0;
    char *at;

    for (k = 0; k < s->ncategories; k++) {
        const bantin_category *c = &s->categories[k];
        const char *name = bantin_names_get(names, c->slug);
        if (!name) {
            name = bantin_names_choose(tmp, c->by_date, c->count, s->built);
        }
        chosen[k] = name;
        bytes += strlen(name) + 1;
        s->categories[k].order = bantin_names_order(names, c->slug);
    }
    if (!(s->category_names = malloc(bytes ? bytes : 1))) {
        return APR_ENOMEM;
    }
    for (at = s->category_names, k = 0; k < s->ncategories; k++) {
        apr_size_t n = strlen(chosen[k]) + 1;
        s->categories[k].name = memcpy(at, chosen[k], n);
        at += n;
    }
    return APR_SUCCESS;
}

/* Groups by_date by category in one pass: each category's list comes out
 * in date order because by_date is.  One block holds every category's
 * article pointers and expiring positions. */
static apr_status_t build_categories(bantin_snapshot *s,
                                     const bantin_names *names)
{
    apr_status_t rv;
    apr_pool_t *tmp;
    apr_hash_t *index;
    apr_size_t i, k, ncat = 0, ptrs = 0, exps = 0;
    const bantin_article **at;
    apr_size_t *eat;

    if (apr_pool_create_unmanaged_ex(&tmp, NULL, NULL) != APR_SUCCESS) {
        return APR_ENOMEM;
    }
    index = apr_hash_make(tmp);
    /* pass 1: count categories and their members */
    for (i = 0; i < s->count; i++) {
        const bantin_article *a = s->by_date[i];
        apr_size_t *slot;
        if (!a->category_slug) {
            continue;
        }
        if (!(slot = apr_hash_get(index, a->category_slug,
                                  APR_HASH_KEY_STRING))) {
            slot = apr_pcalloc(tmp, 3 * sizeof(apr_size_t));
            slot[0] = ncat++;
            apr_hash_set(index, a->category_slug, APR_HASH_KEY_STRING, slot);
        }
        slot[1]++;
        slot[2] += a->expires != 0;
        ptrs++;
        exps += a->expires != 0;
    }
    s->ncategories = ncat;
    s->categories = calloc(ncat ? ncat : 1, sizeof(bantin_category));
    s->category_mem = malloc(sizeof(*at) * (ptrs ? ptrs : 1)
                             + sizeof(apr_size_t) * (exps ? exps : 1));
    if (!s->categories || !s->category_mem) {
        apr_pool_destroy(tmp);
        return APR_ENOMEM;
    }
    /* pass 2: carve each category's arrays out of the block, then fill */
    at = s->category_mem;
    eat = (apr_size_t *)(at + (ptrs ? ptrs : 1));
    {
        apr_hash_index_t *hi;
        for (hi = apr_hash_first(tmp, index); hi; hi = apr_hash_next(hi)) {
            apr_size_t *slot = apr_hash_this_val(hi);
            bantin_category *c = &s->categories[slot[0]];
            c->by_date = at;
            at += slot[1];
            c->expiring = eat;
            eat += slot[2];
        }
    }
    for (i = 0; i < s->count; i++) {
        const bantin_article *a = s->by_date[i];
        bantin_category *c;
        if (!a->category_slug) {
            continue;
        }
        c = &s->categories[((apr_size_t *)apr_hash_get(
            index, a->category_slug, APR_HASH_KEY_STRING))[0]];
        if (!c->count) {
            c->slug = a->category_slug;
        }
        if (a->expires) {
            c->expiring[c->nexpiring++] = c->count;
        }
        c->by_date[c->count++] = a;
    }
    for (k = 0; k < ncat; k++) {
        if (!s->categories[k].nexpiring) {
            s->categories[k].expiring = NULL;
        }
    }
    qsort(s->categories, ncat, sizeof(bantin_category), by_cat_slug);
    rv = name_categories(s, tmp, names);
    apr_pool_destroy(tmp);
    return rv;
}

bantin_snapshot *bantin_snapshot_build(const bantin_snapshot *old,
                                       bantin_article **added,
                                       apr_size_t nadded,
                                       const char *const *rejected,
                                       apr_size_t nrejected,
                                       apr_size_t ndrafts, apr_time_t now)
{
    return bantin_snapshot_build_named(old, added, nadded, rejected,
                                       nrejected, ndrafts, now, NULL);
}

bantin_snapshot *bantin_snapshot_build_named(const bantin_snapshot *old,
                                             bantin_article **added,
                                             apr_size_t nadded,
                                             const char *const *rejected,
                                             apr_size_t nrejected,
                                             apr_size_t ndrafts,
                                             apr_time_t now,
                                             const bantin_names *names)
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

    if (nadded) { /* qsort wants an array, even of none */
        qsort(added, nadded, sizeof(*added), by_date_cmp);
    }
    s->count = merge(s->by_date, old ? old->by_date : NULL,
                     old ? old->count : 0,
                     (const bantin_article *const *)added, nadded,
                     bantin_article_cmp);
    if (nadded) {
        qsort(added, nadded, sizeof(*added), by_slug_cmp);
    }
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

    s->built = now; /* the moment the names are chosen at */
    if (build_categories(s, names) != APR_SUCCESS) {
        bantin_snapshot_destroy(s);
        return NULL;
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
    s->generation = old ? old->generation + 1 : 1;
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
    free(s->categories);
    free((void *)s->category_mem);
    free(s->category_names);
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

/* The visible part of a date-ordered list; see bantin_snapshot_list. */
static apr_size_t list_visible(const bantin_article *const *by_date,
                               apr_size_t count, const apr_size_t *expiring,
                               apr_size_t nexpiring, apr_time_t now,
                               apr_size_t first, apr_size_t n,
                               const bantin_article **out, apr_size_t *total)
{
    apr_size_t lo = 0, hi = count, j, gone = 0, p, k = 0;

    /* Newest first, so articles not yet published (dated in the future)
     * are a prefix: skip it by binary search. */
    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        if (by_date[mid]->date.when > now) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    /* Expired articles are few and their positions are known: count them
     * instead of walking the list. */
    for (j = 0; j < nexpiring; j++) {
        if (expiring[j] >= lo && expired(by_date[expiring[j]], now)) {
            gone++;
        }
    }
    *total = count - lo - gone;
    if (first >= *total) {
        return 0;
    }
    p = lo + first;
    for (j = 0; j < nexpiring && expiring[j] <= p; j++) {
        if (expiring[j] >= lo && expired(by_date[expiring[j]], now)) {
            p++;
        }
    }
    for (; p < count && k < n; p++) {
        if (!expired(by_date[p], now)) {
            out[k++] = by_date[p];
        }
    }
    return k;
}

apr_time_t bantin_snapshot_epoch(const bantin_snapshot *snap, apr_time_t now)
{
    apr_size_t lo = 0, hi = snap->count, j;
    apr_time_t epoch = APR_INT64_MIN;

    /* The newest date reached: the first article not in the future. */
    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        if (snap->by_date[mid]->date.when > now) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    if (lo < snap->count) {
        epoch = snap->by_date[lo]->date.when;
    }
    for (j = 0; j < snap->nexpiring; j++) {
        apr_time_t e = snap->by_date[snap->expiring[j]]->expires;
        if (e <= now && e > epoch) {
            epoch = e;
        }
    }
    return epoch;
}

apr_size_t bantin_snapshot_list(const bantin_snapshot *snap, apr_time_t now,
                                apr_size_t first, apr_size_t n,
                                const bantin_article **out,
                                apr_size_t *total)
{
    return list_visible(snap->by_date, snap->count, snap->expiring,
                        snap->nexpiring, now, first, n, out, total);
}

apr_size_t bantin_category_list(const bantin_category *cat, apr_time_t now,
                                apr_size_t first, apr_size_t n,
                                const bantin_article **out,
                                apr_size_t *total)
{
    return list_visible(cat->by_date, cat->count, cat->expiring,
                        cat->nexpiring, now, first, n, out, total);
}

const bantin_category *bantin_snapshot_category(const bantin_snapshot *snap,
                                                const char *slug)
{
    bantin_category key;
    key.slug = slug;
    return bsearch(&key, snap->categories, snap->ncategories,
                   sizeof(bantin_category), by_cat_slug);
}

/* Where a sits in a date-ordered list. */
static apr_size_t position(const bantin_article *const *by_date,
                           apr_size_t count, const bantin_article *a)
{
    apr_size_t lo = 0, hi = count;
    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        if (bantin_article_cmp(by_date[mid], a) < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

apr_size_t bantin_category_nearest(const bantin_category *cat,
                                   const bantin_article *a, apr_time_t now,
                                   apr_size_t n, const bantin_article **out)
{
    apr_size_t at = position(cat->by_date, cat->count, a), k = 0;
    apr_size_t up = at, down = at + 1; /* next candidates: up-1, down */

    if (at >= cat->count || cat->by_date[at] != a) {
        down = at;
    }
    while (k < n && (up > 0 || down < cat->count)) {
        const bantin_article *newer = up > 0 ? cat->by_date[up - 1] : NULL;
        const bantin_article *older = down < cat->count ? cat->by_date[down]
                                                        : NULL;
        const bantin_article *pick;
        if (newer && older) {
            apr_time_t dn = newer->date.when - a->date.when;
            apr_time_t doo = a->date.when - older->date.when;
            pick = dn <= doo ? newer : older;
        }
        else {
            pick = newer ? newer : older;
        }
        if (pick == newer) {
            up--;
        }
        else {
            down++;
        }
        if (bantin_article_visible(pick, now)) {
            out[k++] = pick;
        }
    }
    return k;
}

apr_size_t bantin_snapshot_around(const bantin_snapshot *snap,
                                  const bantin_article *a, apr_time_t now,
                                  const bantin_article **newer,
                                  apr_size_t n, const bantin_article **older)
{
    apr_size_t at = position(snap->by_date, snap->count, a), i, k = 0;

    *newer = NULL;
    for (i = at; i > 0; i--) {
        if (bantin_article_visible(snap->by_date[i - 1], now)) {
            *newer = snap->by_date[i - 1];
            break;
        }
    }
    i = at < snap->count && snap->by_date[at] == a ? at + 1 : at;
    for (; i < snap->count && k < n; i++) {
        if (bantin_article_visible(snap->by_date[i], now)) {
            older[k++] = snap->by_date[i];
        }
    }
    return k;
}

static int is_one_of(const bantin_article *a,
                     const bantin_article *const *set, apr_size_t n)
{
    apr_size_t i;
    for (i = 0; i < n; i++) {
        if (set[i] == a) {
            return 1;
        }
    }
    return 0;
}

apr_size_t bantin_snapshot_older_except(const bantin_snapshot *snap,
                                        const bantin_article *a,
                                        apr_time_t now,
                                        const bantin_article *const *skip,
                                        apr_size_t nskip, apr_size_t n,
                                        const bantin_article **out)
{
    apr_size_t at = position(snap->by_date, snap->count, a), i, k = 0;

    i = at < snap->count && snap->by_date[at] == a ? at + 1 : at;
    for (; i < snap->count && k < n; i++) {
        const bantin_article *b = snap->by_date[i];
        if (b != a && bantin_article_visible(b, now)
            && !is_one_of(b, skip, nskip)) {
            out[k++] = b;
        }
    }
    return k;
}

void bantin_snapshot_page_around(const bantin_snapshot *snap,
                                 const bantin_article *a, apr_time_t now,
                                 apr_size_t n,
                                 const bantin_article **newer,
                                 const bantin_article **older,
                                 const bantin_article **related,
                                 apr_size_t *nrelated,
                                 const bantin_article **other,
                                 apr_size_t *nother)
{
    const bantin_category *cat = a->category_slug
        ? bantin_snapshot_category(snap, a->category_slug) : NULL;
    apr_size_t i, k = 0, found;

    if (!bantin_snapshot_around(snap, a, now, newer, 1, older)) {
        *older = NULL;
    }
    /* The nearest n + 2 hold the nearest n that are not a neighbour. */
    found = cat ? bantin_category_nearest(cat, a, now, n + 2, related) : 0;
    for (i = 0; i < found && k < n; i++) {
        if (related[i] != *newer && related[i] != *older) {
            related[k++] = related[i];
        }
    }
    *nrelated = k;
    /* The neighbours after the list, to be skipped with it. */
    related[k] = *older;
    related[k + 1] = *newer;
    *nother = bantin_snapshot_older_except(snap, a, now, related, k + 2, n,
                                           other);
}
