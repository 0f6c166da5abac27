/* bantin_lifecycle.c -- the portals of one configuration, from the config
 * read to the serving processes' exit, for both servers (see
 * bantin_lifecycle.h).
 */
#include <string.h>
#include <unistd.h>

#include <apr_allocator.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "bantin_article.h"
#include "bantin_date.h"
#include "bantin_fs.h"
#include "bantin_hot.h"
#include "bantin_lifecycle.h"
#include "bantin_log.h"
#include "bantin_state.h"
#include "bantin_stateclean.h"
#include "bantin_version.h"

#define UNSET BANTIN_UNSET
#define EACH_SOURCE(reg, i, src)                                             \
    for (i = 0; (reg)->sources && i < (reg)->sources->nelts                  \
                && ((src) = APR_ARRAY_IDX((reg)->sources, i,                 \
                                          bantin_source *), 1); i++)

void bantin_registry_reset(bantin_registry *reg)
{
    memset(reg, 0, sizeof(*reg));
    reg->cache_mb = UNSET;
}

bantin_source *bantin_registry_source(bantin_registry *reg, apr_pool_t *p,
                                      const char *dir, int is_theme)
{
    bantin_source *src;
    int i;

    EACH_SOURCE(reg, i, src) {
        if (src->is_theme == is_theme && !strcmp(src->dir, dir)) {
            return src;
        }
    }
    if (!reg->sources) {
        reg->sources = apr_array_make(p, 4, sizeof(bantin_source *));
    }
    src = apr_pcalloc(p, sizeof(*src));
    src->dir = apr_pstrdup(p, dir);
    src->is_theme = is_theme;
    src->tz_min = UNSET;
    src->interval = UNSET;
    APR_ARRAY_PUSH(reg->sources, bantin_source *) = src;
    return src;
}

const char *bantin_registry_check_user(bantin_registry *reg, apr_pool_t *p,
                                       bantin_spelling sp,
                                       const bantin_user *user)
{
    const bantin_fs_reader *reader;
    bantin_source *src;
    const char *why;
    int i;

    if (geteuid() != 0) {
        return NULL;
    }
    reader = bantin_fs_reader_make(p, user->name, user->uid, user->gid);
    EACH_SOURCE(reg, i, src) {
        if (!src->is_theme
            && !bantin_fs_reader_may_path(p, reader, src->dir, &why)) {
            return apr_psprintf(p, "%s: %s",
                                bantin_directive_name(BANTIN_D_CONTENT_DIR,
                                                      sp), why);
        }
    }
    return NULL;
}

static const char *zone_name(apr_pool_t *p, int tz_min, int is_default)
{
    int a = tz_min < 0 ? -tz_min : tz_min;

    return is_default ? "Asia/Ho_Chi_Minh, the default"
           : !tz_min  ? "UTC"
                      : apr_psprintf(p, "%c%02d:%02d", tz_min < 0 ? '-' : '+',
                                     a / 60, a % 60);
}

const char *bantin_registry_settle(apr_pool_t *p, bantin_spelling sp,
                                   bantin_source *src, const char *where,
                                   int tz, int walk,
                                   apr_interval_time_t interval)
{
    int zone = tz != UNSET ? tz : BANTIN_TZ_DEFAULT_MIN;
    const char *here = apr_psprintf(p, "%s (%s)", where,
                                    zone_name(p, zone, tz == UNSET));
    const char *tz_name = bantin_directive_name(BANTIN_D_TIME_ZONE, sp);

    if (!src->tz_where) {
        src->tz_min = zone;
        src->tz_where = here;
    }
    else if (zone != src->tz_min) {
        return apr_psprintf(p, "BT0003 %s: %s %s is published in one zone, "
                            "but %s and %s differ: give them the same %s, or "
                            "each its own content dir", tz_name,
                            bantin_directive_name(BANTIN_D_CONTENT_DIR, sp),
                            src->dir, src->tz_where, here, tz_name);
    }
    if (walk == 1) {
        src->walk = 1;
    }
    if (interval != UNSET
        && (src->interval == UNSET || interval < src->interval)) {
        src->interval = interval;
    }
    return NULL;
}

const char *bantin_registry_settle_all(apr_pool_t *p, bantin_spelling sp,
                                       const apr_array_header_t *secs)
{
    const char *err = NULL;
    int i;

    for (i = 0; !err && i < secs->nelts; i++) {
        const bantin_section *d = APR_ARRAY_IDX(secs, i, bantin_section *);

        if (d->content) {
            err = bantin_registry_settle(
                p, sp, d->content,
                !d->section ? "the server config"
                : apr_psprintf(p, sp == BANTIN_NGINX ? "location %s"
                                                     : "<Location %s>",
                               d->section),
                d->set.tz_min, d->walk, d->interval);
        }
    }
    return err;
}

/* The default folder `what` ("state", "startcache") of this instance:
 * base/what/<instance> when the parent runs as root, with the folders
 * above made 0755 and root's (the serving processes reach the index
 * through them); else `fallback`. */
static const char *default_dir(apr_pool_t *p, apr_pool_t *ptemp,
                               const char *base, const char *what,
                               const char *instance, const char *fallback)
{
    const char *why, *dir = apr_pstrcat(ptemp, base, "/", what, NULL);

    if (geteuid() != 0) {
        return fallback;
    }
    if (bantin_parent_default_dir(ptemp, dir, instance,
                                  !strcmp(what, "state"), &why) != 0) {
        bantin_log(BANTIN_LOG_WARN, "BT0005 %s: the default folder cannot be "
                   "made: %s", dir, why);
    }
    return apr_pstrcat(p, dir, "/", instance, NULL);
}

/* Opens (or, when missing or outdated, has the serving processes' user
 * rebuild) a content dir's search index in its state folder. */
static void prepare_search(bantin_source *src, apr_pool_t *p,
                           apr_pool_t *ptemp, const bantin_user *user)
{
    const char *err;

    if (!bantin_store_state_dir(src->store)) {
        return;
    }
    src->search_path = apr_pstrcat(p, bantin_store_state_dir(src->store),
                                   "/search.sqlite", NULL);
    if (bantin_parent_prepare_search(ptemp, src->search_path, user, &err)
        != APR_SUCCESS) {
        bantin_log(BANTIN_LOG_ERR, "BT0303 %s: search is off", err);
        src->search_path = NULL;
    }
}

int bantin_registry_load(bantin_registry *reg, apr_pool_t *p,
                         apr_pool_t *ptemp, bantin_spelling sp,
                         const bantin_start *how, const char **err,
                         apr_status_t *cause)
{
    const bantin_user *user = how->user;
    bantin_schema *schema;
    const char *root, *cache_dir, **dirs, **names;
    bantin_source *src;
    apr_uint64_t bytes;
    apr_status_t rv;
    int i, n = 0, nc = 0;

    *cause = 0;
    reg->start_token = (apr_uint64_t)apr_time_now();
    if (!(schema = bantin_schema_load(p, err))) {
        *err = apr_pstrcat(p, "BT0010 ", *err, NULL);
        return -1;
    }
    /* in 64 bits: 65536 MiB << 20 is 0 in a 32-bit size_t; more than the
     * address space holds is as good as no limit */
    bytes = (apr_uint64_t)(reg->cache_mb != UNSET ? reg->cache_mb
                                                   : BANTIN_DEFAULT_CACHE_MB)
            << 20;
    reg->cache = bantin_cache_create(p, bytes > APR_SIZE_MAX
                                            ? APR_SIZE_MAX
                                            : (apr_size_t)bytes);
    reg->hot = reg->cache ? bantin_hot_create(p, BANTIN_HOT_SLOTS) : NULL;
    root = reg->state_root ? reg->state_root
                           : default_dir(p, ptemp, how->cache_base, "state",
                                         how->instance, how->state_dir);
    cache_dir = reg->startcache_dir
                    ? reg->startcache_dir
                    : default_dir(p, ptemp, how->cache_base, "startcache",
                                  how->instance, how->startcache_dir);
    /* The state root stays the parent's; each content dir's folder in it
     * is handed to the serving processes' user (bantin_state.h), and the
     * parent (root) serves only what that user can read. */
    if (geteuid() == 0) {
        bantin_state_hand_to(user->uid, user->gid);
        bantin_store_read_as(bantin_fs_reader_make(p, user->name, user->uid,
                                                   user->gid));
    }
    /* a restart keeps the parent, which already logged the problems it
     * found: only a fresh start logs them again */
    bantin_state_remember_logged(how->restart);
    n = reg->sources ? reg->sources->nelts : 0;
    dirs = apr_pcalloc(ptemp, sizeof(*dirs) * (apr_size_t)(n + 1));
    names = apr_pcalloc(ptemp, sizeof(*names) * (apr_size_t)(n + 1));
    n = 0;
    EACH_SOURCE(reg, i, src) {
        if (src->is_theme) {
            continue;
        }
        /* The start cache lives apart from the state dir: the serving
         * processes' user owns its folders, and only the parent may write
         * what the next start serves unchecked. */
        rv = bantin_store_create_cached(
            &src->store, p, src->dir, schema,
            src->tz_min != UNSET ? src->tz_min : BANTIN_TZ_DEFAULT_MIN,
            src->interval != UNSET ? src->interval : BANTIN_DEFAULT_INTERVAL,
            root, *cache_dir ? cache_dir : NULL);
        if (rv != APR_SUCCESS) {
            *err = apr_psprintf(p, "BT0002 %s %s: cannot be read",
                                bantin_directive_name(BANTIN_D_CONTENT_DIR,
                                                      sp), src->dir);
            *cause = rv;
            return -1;
        }
        if (src->walk) {
            bantin_store_walk_always(src->store);
        }
        prepare_search(src, p, ptemp, user);
        if (how->save_startcache) {
            bantin_store_save_startcache(src->store);
        }
        dirs[n++] = src->dir;
        if (bantin_store_startcache_name(src->store)) {
            names[nc++] = bantin_store_startcache_name(src->store);
        }
    }
    /* the state of content dirs this instance served before and serves
     * no more goes (BT0121); the default start cache folder is this
     * instance's alone, and loses the files of those too */
    bantin_state_sweep(ptemp, root, how->instance, dirs, n);
    if (!reg->startcache_dir && geteuid() == 0) {
        bantin_startcache_sweep(ptemp, cache_dir, names, nc);
    }
    return 0;
}

void bantin_registry_log_started(const bantin_registry *reg)
{
    bantin_source *src;
    int i, n = 0;

    EACH_SOURCE(reg, i, src) {
        n += !src->is_theme;
    }
    bantin_log(BANTIN_LOG_NOTICE, "BT0001 mod_bantin %s started, serving %d "
               "content dir%s", bantin_version, n, n == 1 ? "" : "s");
}

apr_status_t bantin_registry_start_workers(bantin_registry *reg,
                                           apr_pool_t *parent)
{
    bantin_source *src;
    apr_status_t rv;
    int i;

    if ((rv = apr_pool_create(&reg->workers_pool, parent)) != APR_SUCCESS) {
        return rv;
    }
    EACH_SOURCE(reg, i, src) {
        if (src->store) {
            src->workers = bantin_workers_start(reg->workers_pool, src->dir,
                                                src->store, src->search_path,
                                                reg->start_token);
            src->search = bantin_workers_search(src->workers);
        }
    }
    return APR_SUCCESS;
}

void bantin_registry_stop_workers(bantin_registry *reg)
{
    if (reg->workers_pool) {
        apr_pool_destroy(reg->workers_pool);
        reg->workers_pool = NULL;
    }
}

void bantin_registry_refresh(bantin_registry *reg, apr_time_t now)
{
    bantin_source *src;
    int i;

    EACH_SOURCE(reg, i, src) {
        if (src->store) {
            bantin_store_refresh(src->store, now);
            /* once after startup, when the load parsed files */
            bantin_store_save_startcache(src->store);
        }
    }
}

int bantin_registry_portal(const bantin_registry *reg,
                           const bantin_section *sec, bantin_portal *out)
{
    if (!sec->content || !sec->templates || !sec->content->store) {
        return 0;
    }
    out->settings = &sec->set;
    out->content_dir = sec->content->dir;
    out->store = sec->content->store;
    out->theme = sec->templates->theme;
    out->search = sec->content->search;
    out->cache = reg->cache;
    out->hot = reg->hot;
    out->refresh = !bantin_workers_watching(sec->content->workers);
    return 1;
}

void bantin_registry_status(const bantin_registry *reg, apr_pool_t *p,
                            const char *method, bantin_response *out)
{
    bantin_status_dir *dirs = apr_pcalloc(
        p, sizeof(*dirs) * (apr_size_t)((reg->sources ? reg->sources->nelts
                                                        : 0) + 1));
    bantin_source *src;
    int i, n = 0;

    EACH_SOURCE(reg, i, src) {
        if (src->store) {
            dirs[n].dir = src->dir;
            dirs[n].store = src->store;
            dirs[n].refresh = !bantin_workers_watching(src->workers);
            dirs[n++].search = src->search;
        }
    }
    bantin_answer_status(p, method, dirs, n, reg->cache, reg->hot,
                         (long)getpid(), out);
}

/* (bantin_lifecycle.h) A child of one pool per process whose
 * allocator keeps the memory freed by earlier requests (up to 2 MB, as
 * httpd's MaxMemFree): a pool with an allocator of its own would map
 * and unmap its memory on every request (Debian's APR allocates with
 * mmap), a page fault and a TLB flush each.  The allocator's mutex lets
 * a search in the thread pool allocate while the event loop makes and
 * destroys other requests' pools. */
apr_status_t bantin_request_pool(apr_pool_t **p)
{
    static apr_pool_t *parent; /* made in the worker, after the fork */
    /* kept, as the pool, for the process's life (and named here, since
     * the pool's own memory is mapped, not malloc()ed: leak checkers
     * would not find the allocator through it) */
    static apr_allocator_t *al;
    apr_thread_mutex_t *mx;

    if (!parent) {
        if (apr_allocator_create(&al) != APR_SUCCESS) {
            return APR_ENOMEM;
        }
        apr_allocator_max_free_set(al, 2048 * 1024);
        if (apr_pool_create_unmanaged_ex(&parent, NULL, al) != APR_SUCCESS) {
            apr_allocator_destroy(al);
            al = NULL;
            return APR_ENOMEM;
        }
        apr_allocator_owner_set(al, parent);
        if (apr_thread_mutex_create(&mx, APR_THREAD_MUTEX_DEFAULT, parent)
            != APR_SUCCESS) {
            apr_pool_destroy(parent); /* and its allocator */
            parent = NULL;
            al = NULL;
            return APR_ENOMEM;
        }
        apr_allocator_mutex_set(al, mx);
    }
    return apr_pool_create(p, parent);
}
