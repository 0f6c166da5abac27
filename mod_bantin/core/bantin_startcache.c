/* bantin_startcache.c -- see bantin_startcache.h.
 *
 * The file: a header (magic, format, key, record count, checksum: a write
 * cut short or a damaged disk is refused as a whole), then one record
 * per article:
 *
 *   str rel; u64 size; i64 mtime; i64 ctime; u64 inode; u32 nblocks
 *   str title, category, category_slug, summary, author
 *   i64 date.when; i32 has_time, year, month, day, offset_min
 *   i64 expires; i32 draft; u64 hash
 *   per block: i32 kind, src_is_media; str html, text, src
 *
 * where a str is a u32 length (NO_STR for NULL), the bytes and a NUL.
 * Numbers are in this machine's order: the key ties a cache to the build
 * that wrote it, and so to its machine.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_safedir.h"
#include "bantin_startcache.h"

#define MAGIC "BTSC"
#define FORMAT 1u
#define NO_STR 0xffffffffu

/* A new field of the model must be recorded too: these fail to compile
 * until this file is looked at again. */
_Static_assert(sizeof(bantin_article) == 136, "bantin_article changed");
_Static_assert(sizeof(bantin_block) == 40, "bantin_block changed");
_Static_assert(sizeof(bantin_date) == 32, "bantin_date changed");

typedef struct {
    char magic[4];
    apr_uint32_t format;
    apr_uint64_t key;
    apr_uint64_t count;
    apr_uint64_t sum;    /* bantin_hash64 of everything after the header */
} header;

struct bantin_startcache {
    const char *map;     /* the file's bytes */
    apr_size_t len;
    int mapped;          /* map is an mmap() of the file, ours to unmap */
    apr_hash_t *records; /* rel -> start of the record after its rel */
};

/* ---- the key ------------------------------------------------------------ */

/* This build: the bytes of the binary the core is linked into (the module,
 * or a test program), so any change to the code, or to the schema compiled
 * into it, changes the key.  0 when it cannot be read. */
static apr_uint64_t build_hash(void)
{
    Dl_info info;
    struct stat st;
    apr_uint64_t h = 0;
    int fd;
    void *m;

    if (!dladdr((void *)build_hash, &info) || !info.dli_fname
        || (fd = open(info.dli_fname, O_RDONLY | O_CLOEXEC)) < 0) {
        return 0;
    }
    if (fstat(fd, &st) == 0 && st.st_size > 0
        && (m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0))
               != MAP_FAILED) {
        h = bantin_hash64(BANTIN_HASH_INIT, m, (apr_size_t)st.st_size);
        munmap(m, (size_t)st.st_size);
    }
    close(fd);
    return h;
}

apr_uint64_t bantin_startcache_key(int tz_min)
{
    apr_uint64_t h = build_hash();
    apr_int64_t tz = tz_min;

    return h ? bantin_hash64(h, &tz, sizeof(tz)) | 1 : 0;
}

/* ---- the folder ---------------------------------------------------------- */

int bantin_startcache_dir(apr_pool_t *p, const char *dir, const char **why)
{
    struct stat st;
    int fd = bantin_safedir_open(p, dir, 0700, why);

    if (fd < 0) {
        return -1;
    }
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        *why = apr_psprintf(p, "%s: not a folder of this user's that only "
                            "it can write", dir);
        return -1;
    }
    return fd;
}

void bantin_startcache_clean(apr_pool_t *p, int dirfd, const char *name)
{
    apr_size_t n = strlen(name);
    int dup_fd = dup(dirfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    struct dirent *de;

    (void)p;
    if (!d) {
        if (dup_fd >= 0) {
            close(dup_fd);
        }
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (!strncmp(de->d_name, name, n) && de->d_name[n] == '.') {
            unlinkat(dirfd, de->d_name, 0);
        }
    }
    closedir(d);
}

/* ---- reading ------------------------------------------------------------- */

typedef struct {
    const char *at, *end;
    int bad;
} cursor;

static const void *take(cursor *c, apr_size_t n)
{
    const char *at = c->at;

    if (c->bad || (apr_size_t)(c->end - c->at) < n) {
        c->bad = 1;
        return NULL;
    }
    c->at += n;
    return at;
}

static apr_uint64_t u64(cursor *c)
{
    apr_uint64_t v = 0;
    const void *at = take(c, sizeof(v));
    if (at) {
        memcpy(&v, at, sizeof(v));
    }
    return v;
}

static apr_uint32_t u32(cursor *c)
{
    apr_uint32_t v = 0;
    const void *at = take(c, sizeof(v));
    if (at) {
        memcpy(&v, at, sizeof(v));
    }
    return v;
}

/* A string inside the map: its length within bounds, a NUL right after
 * it and none inside; or NULL for NO_STR (and c->bad on damage). */
static const char *str(cursor *c)
{
    apr_uint32_t n = u32(c);
    const char *s;

    if (n == NO_STR || c->bad) {
        return NULL;
    }
    if (!(s = take(c, (apr_size_t)n + 1)) || s[n] != '\0'
        || memchr(s, '\0', n)) {
        c->bad = 1;
        return NULL;
    }
    return s;
}

/* The most blocks an article can have: each takes at least a "<p/>" of a
 * file of at most BANTIN_ARTICLE_MAX_BYTES. */
#define MAX_BLOCKS (BANTIN_ARTICLE_MAX_BYTES / 4)

/* Reads one article, from after its stat fields, into a; its strings
 * point into the map, its blocks into `small` or, when there are more,
 * into *heap (malloc()ed: the caller frees it). */
static int read_article(cursor *c, bantin_article *a, bantin_block *small,
                        apr_uint32_t nsmall, bantin_block **heap)
{
    apr_uint32_t i, n = u32(c);
    bantin_block *blocks = small;

    *heap = NULL;
    if (c->bad || n > MAX_BLOCKS) {
        return 0;
    }
    if (n > nsmall && !(blocks = *heap = malloc(sizeof(*blocks) * n))) {
        return 0;
    }
    memset(a, 0, sizeof(*a));
    a->title = str(c);
    a->category = str(c);
    a->category_slug = str(c);
    a->summary = str(c);
    a->author = str(c);
    a->date.when = (apr_time_t)u64(c);
    a->date.has_time = (int)u32(c);
    a->date.year = (int)u32(c);
    a->date.month = (int)u32(c);
    a->date.day = (int)u32(c);
    a->date.offset_min = (int)u32(c);
    a->expires = (apr_time_t)u64(c);
    a->draft = (int)u32(c);
    a->hash = u64(c);
    /* What a page takes for granted of a parsed article. */
    if (c->bad || !a->title || !a->summary
        || (!a->category) != (!a->category_slug)
        || a->date.month < 1 || a->date.month > 12) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        bantin_block *b = &blocks[i];
        apr_uint32_t kind = u32(c);
        b->kind = kind == BANTIN_BLOCK_FIGURE ? BANTIN_BLOCK_FIGURE
                                              : BANTIN_BLOCK_PARAGRAPH;
        b->src_is_media = u32(c) != 0;
        b->html = str(c);
        b->text = str(c);
        b->src = str(c);
        if (c->bad || kind > BANTIN_BLOCK_FIGURE || !b->html) {
            return 0;
        }
    }
    a->blocks = blocks;
    a->nblocks = (int)n;
    return 1;
}

/* Reads one record from its rel on: 1 when it matches fi (or fi is NULL:
 * only checking), filling a. */
static int read_record(cursor *c, const apr_finfo_t *fi, bantin_article *a,
                       bantin_block *small, apr_uint32_t nsmall,
                       bantin_block **heap)
{
    apr_off_t size = (apr_off_t)u64(c);
    apr_time_t mtime = (apr_time_t)u64(c), ctime = (apr_time_t)u64(c);
    apr_ino_t ino = (apr_ino_t)u64(c);

    *heap = NULL;
    if (c->bad || (fi && (size != fi->size || mtime != fi->mtime
                          || ctime != fi->ctime || ino != fi->inode))) {
        return 0;
    }
    return read_article(c, a, small, nsmall, heap);
}

static apr_status_t unmap(void *data)
{
    bantin_startcache *sc = data;
    if (sc->map && sc->mapped) {
        munmap((void *)sc->map, sc->len);
    }
    sc->map = NULL;
    return APR_SUCCESS;
}

/* Checks the header and every record of the len bytes at data, once, so
 * that get() can trust them, and indexes the records by rel; NULL when
 * anything is wrong. */
static bantin_startcache *index_records(apr_pool_t *p, const char *data,
                                        apr_size_t len, apr_uint64_t key)
{
    bantin_startcache *sc;
    header h;
    cursor c;
    apr_uint64_t i;

    if (!key || len < sizeof(h)) {
        return NULL;
    }
    memcpy(&h, data, sizeof(h));
    if (memcmp(h.magic, MAGIC, 4) || h.format != FORMAT || h.key != key
        || h.count > len
        || h.sum != bantin_hash64(BANTIN_HASH_INIT, data + sizeof(h),
                                  len - sizeof(h))) {
        return NULL;
    }
    sc = apr_pcalloc(p, sizeof(*sc));
    sc->map = data;
    sc->len = len;
    sc->records = apr_hash_make(p);
    c.at = data + sizeof(h);
    c.end = data + len;
    c.bad = 0;
    for (i = 0; i < h.count && !c.bad; i++) {
        const char *rel = str(&c), *rec = c.at;
        bantin_article a;
        bantin_block small[16], *heap = NULL;
        if (!rel || !read_record(&c, NULL, &a, small, 16, &heap)) {
            c.bad = 1;
        }
        free(heap);
        if (!c.bad) {
            apr_hash_set(sc->records, rel, APR_HASH_KEY_STRING, rec);
        }
    }
    return c.bad || c.at != c.end ? NULL : sc;
}

bantin_startcache *bantin_startcache_open(apr_pool_t *p, int dirfd,
                                          const char *name, apr_uint64_t key)
{
    int fd = key ? openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK
                                           | O_CLOEXEC)
                 : -1;
    bantin_startcache *sc;
    struct stat st;
    void *m;

    if (fd < 0) {
        return NULL;
    }
    /* The parent's own file, 0600 or stricter (as it writes it): not a
     * link to someone else's (one name only) nor one others could touch. */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()
        || st.st_nlink != 1 || (st.st_mode & 077) || st.st_size <= 0
        || (m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0))
               == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    close(fd);
    if (!(sc = index_records(p, m, (apr_size_t)st.st_size, key))) {
        munmap(m, (size_t)st.st_size);
        return NULL;
    }
    sc->mapped = 1;
    apr_pool_cleanup_register(p, sc, unmap, apr_pool_cleanup_null);
    return sc;
}

bantin_startcache *bantin_startcache_read(apr_pool_t *p, const void *data,
                                          apr_size_t len, apr_uint64_t key)
{
    return index_records(p, data, len, key);
}

apr_size_t bantin_startcache_count(const bantin_startcache *sc)
{
    return sc && sc->records ? apr_hash_count(sc->records) : 0;
}

bantin_article *bantin_startcache_get(const bantin_startcache *sc,
                                      const char *rel,
                                      const apr_finfo_t *fi,
                                      const char *path, const char *slug)
{
    const char *rec = sc && sc->records
                      ? apr_hash_get(sc->records, rel, APR_HASH_KEY_STRING)
                      : NULL;
    cursor c = {rec, sc ? sc->map + sc->len : NULL, 0};
    bantin_article a, *out = NULL;
    bantin_block small[16], *heap;

    if (!rec) {
        return NULL;
    }
    if (read_record(&c, fi, &a, small, 16, &heap)) {
        a.path = path;
        out = bantin_article_pack(&a, slug);
    }
    free(heap);
    return out;
}

void bantin_startcache_close(bantin_startcache *sc)
{
    if (sc) {
        unmap(sc);
        sc->records = NULL;
    }
}

/* ---- writing ------------------------------------------------------------- */

static void put_u64(FILE *f, apr_uint64_t v)
{
    fwrite(&v, sizeof(v), 1, f);
}

static void put_u32(FILE *f, apr_uint32_t v)
{
    fwrite(&v, sizeof(v), 1, f);
}

static void put_str(FILE *f, const char *s)
{
    if (!s) {
        put_u32(f, NO_STR);
        return;
    }
    put_u32(f, (apr_uint32_t)strlen(s));
    fwrite(s, strlen(s) + 1, 1, f);
}

static void put_record(FILE *f, const bantin_startcache_entry *e)
{
    const bantin_article *a = e->article;
    int i;

    put_str(f, e->rel);
    put_u64(f, (apr_uint64_t)e->size);
    put_u64(f, (apr_uint64_t)e->mtime);
    put_u64(f, (apr_uint64_t)e->ctime);
    put_u64(f, (apr_uint64_t)e->ino);
    put_u32(f, (apr_uint32_t)a->nblocks);
    put_str(f, a->title);
    put_str(f, a->category);
    put_str(f, a->category_slug);
    put_str(f, a->summary);
    put_str(f, a->author);
    put_u64(f, (apr_uint64_t)a->date.when);
    put_u32(f, (apr_uint32_t)a->date.has_time);
    put_u32(f, (apr_uint32_t)a->date.year);
    put_u32(f, (apr_uint32_t)a->date.month);
    put_u32(f, (apr_uint32_t)a->date.day);
    put_u32(f, (apr_uint32_t)a->date.offset_min);
    put_u64(f, (apr_uint64_t)a->expires);
    put_u32(f, (apr_uint32_t)a->draft);
    put_u64(f, a->hash);
    for (i = 0; i < a->nblocks; i++) {
        const bantin_block *b = &a->blocks[i];
        put_u32(f, (apr_uint32_t)b->kind);
        put_u32(f, (apr_uint32_t)b->src_is_media);
        put_str(f, b->html);
        put_str(f, b->text);
        put_str(f, b->src);
    }
}

/* The checksum of a written file's records (mapped back). */
static apr_uint64_t payload_sum(int fd, int *ok)
{
    struct stat st;
    apr_uint64_t sum = 0;
    void *m;

    if (fstat(fd, &st) != 0
        || (m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0))
               == MAP_FAILED) {
        *ok = 0;
        return 0;
    }
    sum = bantin_hash64(BANTIN_HASH_INIT, (const char *)m + sizeof(header),
                        (apr_size_t)st.st_size - sizeof(header));
    munmap(m, (size_t)st.st_size);
    return sum;
}

apr_status_t bantin_startcache_write(apr_pool_t *p, int dirfd,
                                     const char *name, apr_uint64_t key,
                                     const bantin_startcache_entry *e,
                                     apr_size_t n)
{
    const char *tmp = apr_psprintf(p, "%s.%ld.tmp", name, (long)getpid());
    int fd = key ? openat(dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW
                                          | O_CLOEXEC, 0600)
                 : -1;
    header h;
    FILE *f;
    apr_size_t i;
    int ok;

    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        if (fd >= 0) {
            close(fd);
            unlinkat(dirfd, tmp, 0);
        }
        return key ? APR_FROM_OS_ERROR(errno) : APR_ENOTIMPL;
    }
    memset(&h, 0, sizeof(h));
    fwrite(&h, sizeof(h), 1, f); /* filled in below, with the checksum */
    for (i = 0; i < n; i++) {
        put_record(f, &e[i]);
    }
    ok = fflush(f) == 0 && !ferror(f);
    memcpy(h.magic, MAGIC, 4);
    h.format = FORMAT;
    h.key = key;
    h.count = n;
    h.sum = ok ? payload_sum(fd, &ok) : 0;
    ok = ok && fchmod(fd, 0600) == 0
         && pwrite(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h);
    ok = fclose(f) == 0 && ok;
    if (!ok || renameat(dirfd, tmp, dirfd, name) != 0) {
        unlinkat(dirfd, tmp, 0);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
