/* bantin_settings.c -- a portal's settings: unset, merged, resolved (see
 * bantin_settings.h).  The defaults are applied here and nowhere else.
 */
#include <string.h>

#include "bantin_date.h"
#include "bantin_settings.h"

const char *const bantin_default_sizes[] = {"0.875", "1", "1.125", "1.375",
                                            "1.75"};
const int bantin_default_nsizes = 5;

void bantin_settings_unset(bantin_settings *s)
{
    s->page_size = BANTIN_UNSET;
    s->fs_count = BANTIN_UNSET;
    s->fs_rem = NULL;
    s->fs_default = BANTIN_UNSET;
    s->fs_cookie = NULL;
    s->portal_name = NULL;
    s->tz_min = BANTIN_UNSET;
    s->list_max_age = BANTIN_UNSET;
    s->article_max_age = BANTIN_UNSET;
    s->error_max_age = BANTIN_UNSET;
    s->related = BANTIN_UNSET;
    s->feed_size = BANTIN_UNSET;
    s->site_url = NULL;
}

#define MERGE_PTR(f) out->f = add->f ? add->f : base->f
#define MERGE_INT(f) out->f = add->f != BANTIN_UNSET ? add->f : base->f

void bantin_settings_merge(bantin_settings *out, const bantin_settings *base,
                           const bantin_settings *add)
{
    MERGE_INT(page_size);
    MERGE_INT(fs_count);
    MERGE_PTR(fs_rem);
    MERGE_INT(fs_default);
    MERGE_PTR(fs_cookie);
    MERGE_PTR(portal_name);
    MERGE_INT(tz_min);
    MERGE_INT(list_max_age);
    MERGE_INT(article_max_age);
    MERGE_INT(error_max_age);
    MERGE_INT(related);
    MERGE_INT(feed_size);
    MERGE_PTR(site_url);
}

#define OR_DEFAULT(f, d) out->f = in->f != BANTIN_UNSET ? in->f : (d)

void bantin_settings_resolve(bantin_settings *out, const bantin_settings *in)
{
    OR_DEFAULT(page_size, BANTIN_DEFAULT_PAGE_SIZE);
    /* the sizes and their count go together */
    out->fs_rem = in->fs_rem ? in->fs_rem : bantin_default_sizes;
    out->fs_count = in->fs_rem ? in->fs_count : bantin_default_nsizes;
    out->fs_default = in->fs_default != BANTIN_UNSET
                              && in->fs_default <= out->fs_count
                          ? in->fs_default
                          : (out->fs_count + 1) / 2;
    out->fs_cookie = in->fs_cookie ? in->fs_cookie : BANTIN_DEFAULT_COOKIE;
    out->portal_name = in->portal_name ? in->portal_name
                                       : BANTIN_DEFAULT_PORTAL_NAME;
    OR_DEFAULT(tz_min, BANTIN_TZ_DEFAULT_MIN);
    OR_DEFAULT(list_max_age, BANTIN_DEFAULT_LIST_MAX_AGE);
    OR_DEFAULT(article_max_age, BANTIN_DEFAULT_ARTICLE_MAX_AGE);
    OR_DEFAULT(error_max_age, BANTIN_DEFAULT_ERROR_MAX_AGE);
    OR_DEFAULT(related, BANTIN_DEFAULT_RELATED);
    OR_DEFAULT(feed_size, BANTIN_DEFAULT_FEED_SIZE);
    out->site_url = in->site_url;
}

/* Strings by their bytes: a config merged per request (httpd's per-dir
 * configs) holds the same values at other addresses. */
static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

int bantin_settings_same(const bantin_settings *a, const bantin_settings *b)
{
    int i;

    if (a->page_size != b->page_size || a->fs_count != b->fs_count
        || a->fs_default != b->fs_default || a->tz_min != b->tz_min
        || a->list_max_age != b->list_max_age
        || a->article_max_age != b->article_max_age
        || a->error_max_age != b->error_max_age || a->related != b->related
        || a->feed_size != b->feed_size
        || !same_str(a->fs_cookie, b->fs_cookie)
        || !same_str(a->portal_name, b->portal_name)
        || !same_str(a->site_url, b->site_url)) {
        return 0;
    }
    for (i = 0; a->fs_rem != b->fs_rem && i < a->fs_count; i++) {
        if (!same_str(a->fs_rem[i], b->fs_rem[i])) {
            return 0;
        }
    }
    return 1;
}
