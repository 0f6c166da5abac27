/* test_startcache.c -- the start cache: a second start reads what the
 * first one parsed, every field of it; a file changed in between (even to
 * the same size) is parsed again; and a cache that is damaged, another
 * user's or anyone's to write, or was written for another time zone is
 * ignored as a whole -- never half read. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_safedir.h"
#include "bantin_startcache.h"
#include "bantin_store.h"
#include "unit.h"

static const char *path_in(const char *dir, const char *rel)
{
    return apr_pstrcat(unit_pool, dir, "/", rel, NULL);
}

/* A content dir with every kind of field: category, author, expiry,
 * draft, figures with media and remote sources, inline markup. */
static const char *make_content(void)
{
    const char *dir = unit_tmpdir();
    int i;

    unit_write_str(path_in(dir, "2024/day-du.xml"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<article status=\"published\"><title>Đầy đủ &amp; \"trích\"</title>"
        "<date>2024-01-04T08:30:15+07:00</date><expires>2031-01-01</expires>"
        "<category>Kinh tế - Xã hội</category><summary>Tóm tắt</summary>"
        "<body><p>Đoạn <b>đậm</b> <a href=\"https://x.vn/a?b=1&amp;c\">ngoài"
        "</a></p><figure src=\"images/a.png\"><caption>Ảnh <i>một</i>"
        "</caption></figure><figure src=\"https://x.vn/b.jpg\"><caption>Hai"
        "</caption></figure><figure><caption>Ba</caption></figure><p/></body>"
        "<author>Tác Giả</author></article>\n");
    unit_write_str(path_in(dir, "nhap.xml"),
        "<?xml version=\"1.0\"?>\n<article status=\"draft\"><title>Nháp"
        "</title><date>2023-12-31</date><summary>S</summary><body><p>x</p>"
        "</body></article>\n");
    for (i = 0; i < 40; i++) {
        unit_write_str(path_in(dir, apr_psprintf(unit_pool, "2023/bai-%d.xml",
                                                 i)),
                       unit_article_xml(apr_psprintf(unit_pool, "Bài %d", i),
                                        "2023-05-01", "đoạn <i>văn</i>"));
    }
    unit_write_str(path_in(dir, "hong.xml"), "<article><title>x</titl>");
    return dir;
}

static bantin_store *open_store(const char *dir, const char *cache, int tz)
{
    bantin_store *st = NULL;

    ck_assert_int_eq(bantin_store_create_cached(&st, unit_pool, dir,
                                                unit_schema(), tz,
                                                apr_time_from_sec(1), NULL,
                                                cache),
                     APR_SUCCESS);
    return st;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Every field a page or a feed reads. */
static void assert_same(const bantin_article *a, const bantin_article *b)
{
    int i;

    ck_assert_str_eq(a->slug, b->slug);
    ck_assert_str_eq(a->path, b->path);
    ck_assert(same_str(a->title, b->title));
    ck_assert(same_str(a->category, b->category));
    ck_assert(same_str(a->category_slug, b->category_slug));
    ck_assert(same_str(a->summary, b->summary));
    ck_assert(same_str(a->author, b->author));
    ck_assert(memcmp(&a->date, &b->date, sizeof(a->date)) == 0);
    ck_assert_int_eq(a->expires, b->expires);
    ck_assert_int_eq(a->draft, b->draft);
    ck_assert_uint_eq(a->hash, b->hash);
    ck_assert_int_eq(a->mtime, b->mtime);
    ck_assert_int_eq(a->nblocks, b->nblocks);
    for (i = 0; i < a->nblocks; i++) {
        ck_assert_int_eq(a->blocks[i].kind, b->blocks[i].kind);
        ck_assert_int_eq(a->blocks[i].src_is_media, b->blocks[i].src_is_media);
        ck_assert(same_str(a->blocks[i].html, b->blocks[i].html));
        ck_assert(same_str(a->blocks[i].text, b->blocks[i].text));
        ck_assert(same_str(a->blocks[i].src, b->blocks[i].src));
    }
}

static const char *cache_file(const char *cache)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    const char *found = NULL;

    ck_assert_int_eq(apr_dir_open(&d, cache, unit_pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (strstr(fi.name, ".cache")) {
            ck_assert_msg(!found, "two cache files");
            found = path_in(cache, fi.name);
        }
    }
    apr_dir_close(d);
    ck_assert_ptr_nonnull(found);
    return found;
}

START_TEST(startcache_second_start_reads_every_field)
{
    const char *dir = make_content(), *cache = path_in(unit_tmpdir(), "sc");
    bantin_store *first, *second;
    const bantin_snapshot *s1, *s2;
    apr_time_t now = apr_time_now();
    apr_size_t i;

    unit_log_capture();
    first = open_store(dir, cache, 420);
    ck_assert_ptr_nonnull(strstr(unit_log_text(),
                                 "; 0 read from the start cache"));
    /* 41 articles and the draft; not the broken file. */
    ck_assert_uint_eq(bantin_store_save_startcache(first), 42);
    ck_assert_uint_eq(bantin_store_save_startcache(first), 0); /* once */

    unit_log_capture();
    second = open_store(dir, cache, 420);
    /* counted as the 41 articles loaded are: the draft is read from the
     * cache too, but is no article of the site */
    ck_assert_ptr_nonnull(strstr(unit_log_text(), "41 articles loaded"));
    ck_assert_ptr_nonnull(strstr(unit_log_text(),
                                 "; 41 read from the start cache"));
    /* The broken file is parsed again, and logged again. */
    ck_assert_ptr_nonnull(strstr(unit_log_text(), "BT0101 "));
    ck_assert_uint_eq(bantin_store_save_startcache(second), 0); /* in step */
    s1 = bantin_store_acquire(first);
    s2 = bantin_store_acquire(second);
    ck_assert_uint_eq(s1->count, 41);
    ck_assert_uint_eq(s2->count, s1->count);
    ck_assert_uint_eq(s2->nrejected, 1);
    for (i = 0; i < s1->count; i++) {
        assert_same(s1->by_date[i], s2->by_date[i]);
    }
    ck_assert_ptr_nonnull(bantin_snapshot_get(s2, "2024/day-du", now));
    bantin_store_release(first, s1);
    bantin_store_release(second, s2);
}
END_TEST

START_TEST(startcache_changed_file_is_parsed_again)
{
    const char *dir = make_content(), *cache = path_in(unit_tmpdir(), "sc");
    bantin_store *st;
    const bantin_snapshot *snap;
    apr_time_t now = apr_time_now();

    st = open_store(dir, cache, 420);
    bantin_store_save_startcache(st);
    /* Same length, other title: only the ctime (and mtime) tell. */
    unit_write_str(path_in(dir, "2023/bai-7.xml"),
                   unit_article_xml("Bài X", "2023-05-01",
                                    "đoạn <i>văn</i>"));
    ck_assert_int_eq(apr_file_remove(path_in(dir, "2023/bai-8.xml"),
                                     unit_pool), APR_SUCCESS);
    unit_log_capture();
    st = open_store(dir, cache, 420);
    ck_assert_ptr_nonnull(strstr(unit_log_text(),
                                 "; 39 read from the start cache"));
    snap = bantin_store_acquire(st);
    ck_assert_str_eq(bantin_snapshot_get(snap, "2023/bai-7", now)->title,
                     "Bài X");
    ck_assert_ptr_null(bantin_snapshot_get(snap, "2023/bai-8", now));
    bantin_store_release(st, snap);
    /* Out of step: written anew, without the file that went. */
    ck_assert_uint_eq(bantin_store_save_startcache(st), 41);
}
END_TEST

/* A cache is only read whole: each kind of damage makes the next start
 * parse everything (and serve the right articles). */
static void assert_ignored(const char *dir, const char *cache, int tz)
{
    bantin_store *st;
    const bantin_snapshot *snap;

    unit_log_capture();
    st = open_store(dir, cache, tz);
    ck_assert_msg(strstr(unit_log_text(), "; 0 read from the start cache")
                  || strstr(unit_log_text(), "start cache off"),
                  "%s", unit_log_text());
    snap = bantin_store_acquire(st);
    ck_assert_uint_eq(snap->count, 41);
    bantin_store_release(st, snap);
}

START_TEST(startcache_ignores_damage_and_strangers)
{
    const char *dir = make_content(), *cache = path_in(unit_tmpdir(), "sc");
    const char *file, *good;
    apr_size_t len, i;

    bantin_store_save_startcache(open_store(dir, cache, 420));
    file = cache_file(cache);
    good = unit_read_file(file, &len);

    /* Another time zone: other articles (plain dates move). */
    assert_ignored(dir, cache, 0);
    ck_assert_str_eq(cache_file(cache), file); /* not overwritten by it */
    /* Cut short; one byte changed anywhere. */
    unit_write_file(file, good, len / 2);
    assert_ignored(dir, cache, 420);
    for (i = 0; i < 5; i++) {
        char *bad = apr_pmemdup(unit_pool, good, len);
        bad[(len - 1) * i / 4] ^= 0x20;
        unit_write_file(file, bad, len);
        chmod(file, 0600);
        assert_ignored(dir, cache, 420);
    }
    /* Writable by others: not the parent's alone. */
    unit_write_file(file, good, len);
    chmod(file, 0622);
    assert_ignored(dir, cache, 420);
    /* Readable by others: not as the parent writes it (0600). */
    unit_write_file(file, good, len);
    chmod(file, 0644);
    assert_ignored(dir, cache, 420);
    chmod(file, 0600);
    /* A folder others can write: the cache is off, with a warning. */
    chmod(cache, 0777);
    assert_ignored(dir, cache, 420);
    ck_assert_ptr_nonnull(strstr(unit_log_text(), "[warn] BT0110 "));
    chmod(cache, 0700);
}
END_TEST

/* Damage that keeps the checksum right (as only the parent's user could
 * make) is still bounded: every length and count is checked, and a
 * record that does not add up refuses the whole file.  The damaged bytes
 * are read from a malloc()ed copy of exactly their size, so that ASan
 * (tests/sanitize.sh unit) sees any read past the end. */
START_TEST(startcache_bounds_hold_with_a_right_checksum)
{
    const char *dir = make_content(), *cache = path_in(unit_tmpdir(), "sc");
    const char *file;
    char *good;
    apr_size_t len, i, hdr = 4 + 4 + 8 + 8 + 8, found = 0;
    apr_uint64_t key = bantin_startcache_key(420);
    apr_finfo_t fi;

    bantin_store_save_startcache(open_store(dir, cache, 420));
    file = cache_file(cache);
    good = unit_read_file(file, &len);
    ck_assert_int_eq(apr_stat(&fi, path_in(dir, "2024/day-du.xml"),
                              APR_FINFO_SIZE | APR_FINFO_MTIME
                              | APR_FINFO_CTIME | APR_FINFO_INODE,
                              unit_pool), APR_SUCCESS);
    for (i = hdr; i < len; i += 7) {
        static const unsigned char values[] = {0x00, 0xff, 0x7f, 0x80, 0x01};
        char *bad = malloc(len);
        apr_uint64_t sum;
        apr_pool_t *p;
        bantin_startcache *sc;
        memcpy(bad, good, len);
        bad[i] = (char)values[i % sizeof(values)];
        sum = bantin_hash64(BANTIN_HASH_INIT, bad + hdr, len - hdr);
        memcpy(bad + hdr - 8, &sum, 8);
        apr_pool_create(&p, unit_pool);
        /* refused, or (a changed byte of text) sound: never out of bounds */
        if ((sc = bantin_startcache_read(p, bad, len, key)) != NULL) {
            bantin_article_free(bantin_startcache_get(
                sc, "2024/day-du.xml", &fi, "/x", "2024/day-du"));
            found++;
        }
        apr_pool_destroy(p);
        free(bad);
    }
    /* The untouched bytes read, and the article in them comes back. */
    {
        apr_pool_t *p;
        bantin_article *a;
        apr_pool_create(&p, unit_pool);
        a = bantin_startcache_get(bantin_startcache_read(p, good, len, key),
                                  "2024/day-du.xml", &fi, "/x", "2024/day-du");
        ck_assert_ptr_nonnull(a);
        ck_assert_str_eq(a->summary, "Tóm tắt");
        bantin_article_free(a);
        apr_pool_destroy(p);
    }
    ck_assert_uint_lt(found, (len - hdr) / 7); /* most damage is refused */
    /* The file itself opens, but not for another build or zone. */
    {
        apr_pool_t *p;
        const char *name = strrchr(file, '/') + 1;
        int dfd = open(cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dfd, 0);
        apr_pool_create(&p, unit_pool);
        ck_assert_ptr_nonnull(bantin_startcache_open(p, dfd, name, key));
        /* another build or zone: another key */
        ck_assert_ptr_null(bantin_startcache_open(p, dfd, name, key ^ 2));
        ck_assert_ptr_null(bantin_startcache_open(
            p, dfd, name, bantin_startcache_key(0)));
        apr_pool_destroy(p);
        close(dfd);
    }
}
END_TEST

/* Where the cache (and the state dir) live: bantin_safedir_open follows a
 * link only where nobody but root (or us) could have put it. */
START_TEST(safedir_follows_only_links_of_folders_of_ours)
{
    const char *top = unit_tmpdir(), *why = NULL;
    const char *open_dir = path_in(top, "open"), *ours = path_in(top, "ours");
    const char *target = path_in(top, "target");
    struct stat a, b;
    int fd;

    ck_assert_int_eq(mkdir(target, 0700), 0);
    ck_assert_int_eq(mkdir(ours, 0755), 0);
    ck_assert_int_eq(mkdir(open_dir, 0755), 0);
    ck_assert_int_eq(chmod(open_dir, 0777), 0); /* anyone may add a link */
    ck_assert_int_eq(symlink(target, path_in(ours, "link")), 0);
    ck_assert_int_eq(symlink(target, path_in(open_dir, "link")), 0);
    unit_write_str(path_in(ours, "file"), "x");

    /* a link in a folder only we can write: followed, to the target */
    fd = bantin_safedir_open(unit_pool, path_in(ours, "link"), 0, &why);
    ck_assert_msg(fd >= 0, "%s", why);
    ck_assert_int_eq(fstat(fd, &a), 0);
    ck_assert_int_eq(stat(target, &b), 0);
    ck_assert(a.st_ino == b.st_ino);
    /* the same link where anyone could have put it: refused */
    ck_assert_int_eq(bantin_safedir_open(unit_pool, path_in(open_dir, "link"),
                                         0, &why), -1);
    ck_assert_int_eq(errno, ELOOP);
    ck_assert_ptr_nonnull(strstr(why, "/open/link: a symbolic link"));
    /* ...and below it, with a folder to make: nothing made in the target */
    ck_assert_int_eq(bantin_safedir_open(unit_pool,
                                         path_in(open_dir, "link/new"), 0700,
                                         &why), -1);
    ck_assert_int_ne(access(path_in(target, "new"), F_OK), 0);
    /* not a folder; '..'; missing folders are made when asked */
    ck_assert_int_eq(bantin_safedir_open(unit_pool, path_in(ours, "file"), 0,
                                         &why), -1);
    ck_assert_int_eq(errno, ENOTDIR);
    ck_assert_int_eq(bantin_safedir_open(unit_pool, path_in(ours, "../ours"),
                                         0, &why), -1);
    ck_assert_int_ge(bantin_safedir_open(unit_pool, path_in(open_dir, "a/b"),
                                         0700, &why), 0);
    ck_assert_int_eq(stat(path_in(open_dir, "a/b"), &a), 0);
    ck_assert(S_ISDIR(a.st_mode));
    /* right below a folder: never through a link */
    fd = open(ours, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_eq(bantin_safedir_openat(unit_pool, fd, "link", 0), -1);
    ck_assert_int_eq(errno, ELOOP);
    ck_assert_int_eq(bantin_safedir_openat(unit_pool, fd, "file", 0), -1);
    ck_assert_int_eq(errno, ENOTDIR);
    ck_assert_int_ge(bantin_safedir_openat(unit_pool, fd, "made", 0700), 0);
    close(fd);
}
END_TEST

Suite *startcache_suite(void)
{
    Suite *s = suite_create("startcache");
    TCase *tc = unit_tcase("startcache");

    tcase_add_test(tc, startcache_second_start_reads_every_field);
    tcase_add_test(tc, startcache_changed_file_is_parsed_again);
    tcase_add_test(tc, startcache_ignores_damage_and_strangers);
    tcase_add_test(tc, startcache_bounds_hold_with_a_right_checksum);
    tcase_add_test(tc, safedir_follows_only_links_of_folders_of_ours);
    suite_add_tcase(s, tc);
    return s;
}
