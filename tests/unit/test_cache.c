/* test_cache.c -- the page cache: keys compared in full (two keys that
 * land in one bucket never answer for each other), pages held by readers
 * across evictions, and SipHash, which indexes it and tags sites. */
#include <string.h>

#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_cache.h"
#include "bantin_render.h"
#include "unit.h"

/* ---- SipHash-2-4 ---- */

static const unsigned char sip_key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                          11, 12, 13, 14, 15};

/* The reference vectors (key 00..0f, message 00..len-1). */
static const struct {
    apr_size_t len;
    apr_uint64_t out;
} sip_vectors[] = {
    {0, APR_UINT64_C(0x726fdb47dd0e0e31)},
    {8, APR_UINT64_C(0x93f5f5799a932462)},
    {15, APR_UINT64_C(0xa129ca6149be45e5)},
};

START_TEST(siphash_reference_vectors)
{
    unsigned char msg[64];
    apr_size_t i;

    for (i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char)i;
    }
    for (i = 0; i < UNIT_N(sip_vectors); i++) {
        apr_uint64_t got = bantin_siphash(sip_key, msg, sip_vectors[i].len);
        ck_assert_msg(got == sip_vectors[i].out, "length %lu: %016llx",
                      (unsigned long)sip_vectors[i].len,
                      (unsigned long long)got);
    }
}
END_TEST

START_TEST(siphash_in_pieces_is_the_whole)
{
    unsigned char msg[64];
    apr_size_t len, cut, cut2;

    for (len = 0; len < sizeof(msg); len++) {
        msg[len] = (unsigned char)(len * 37 + 11);
    }
    for (len = 0; len <= sizeof(msg); len++) {
        apr_uint64_t whole = bantin_siphash(sip_key, msg, len);
        for (cut = 0; cut <= len; cut++) {
            for (cut2 = cut; cut2 <= len; cut2 += 3) {
                bantin_sip s;
                bantin_sip_init(&s, sip_key);
                bantin_sip_add(&s, msg, cut);
                bantin_sip_add(&s, msg + cut, cut2 - cut);
                bantin_sip_add(&s, msg + cut2, len - cut2);
                ck_assert(bantin_sip_end(&s) == whole);
            }
        }
    }
}
END_TEST

START_TEST(site_tag_depends_on_site_and_tag)
{
    apr_uint64_t a = bantin_site_tag(1, "http://127.0.0.1");

    ck_assert(a == bantin_site_tag(1, "http://127.0.0.1"));
    ck_assert(a != bantin_site_tag(2, "http://127.0.0.1"));
    ck_assert(a != bantin_site_tag(1, "http://127.0.0.2"));
    ck_assert(a != bantin_site_tag(1, "http://127.0.0.1:80"));
    ck_assert(bantin_site_tag(1, "") == bantin_site_tag(1, NULL));
}
END_TEST

/* ---- the cache ---- */

/* Every key in one bucket, with one hash: only the full compare tells
 * them apart. */
static apr_uint64_t one_bucket(const unsigned char *secret, const void *key,
                               apr_size_t len)
{
    (void)secret; (void)key; (void)len;
    return 42;
}

static void put_text(bantin_cache *c, const char *key, const char *body,
                     apr_uint64_t tag)
{
    bantin_cached pg = {body, strlen(body), NULL, 0, tag, 0};
    bantin_cache_put(c, key, &pg);
}

/* The body under key, "" on a miss. */
static const char *get_text(bantin_cache *c, const char *key, apr_pool_t *p)
{
    bantin_cached pg;
    if (!bantin_cache_get(c, key, p, 0, &pg)) {
        return "";
    }
    return apr_pstrmemdup(p, pg.body, pg.len);
}

/* Keys that differ in one byte, in length only, or only after what a
 * short compare would look at: in one bucket, with equal hashes. */
static const char *const alike[] = {
    "a|7:/srv/ct|16:http://127.0.0.1|00000000000000aa",
    "a|7:/srv/ct|16:http://127.0.0.2|00000000000000aa",
    "a|7:/srv/ct|16:http://127.0.0.1|00000000000000ab",
    "a|7:/srv/ct|16:http://127.0.0.1|00000000000000a",
    "a|7:/srv/ct|16:http://127.0.0.1|00000000000000aa0",
    "l|7:/srv/ct|16:http://127.0.0.1|00000000000000aa",
    "",
};

START_TEST(colliding_keys_never_answer_for_each_other)
{
    bantin_cache *c = bantin_cache_create_ex(unit_pool, 1 << 20, one_bucket);
    apr_size_t i, j;

    ck_assert_ptr_nonnull(c);
    /* Nothing stored: every look-up misses, whatever the bucket holds. */
    ck_assert_str_eq(get_text(c, alike[0], unit_pool), "");
    for (i = 0; i < UNIT_N(alike); i++) {
        put_text(c, alike[i], apr_psprintf(unit_pool, "page %lu",
                                           (unsigned long)i), i);
        /* each one stored so far answers with its own page only */
        for (j = 0; j < UNIT_N(alike); j++) {
            const char *want = j <= i ? apr_psprintf(unit_pool, "page %lu",
                                                     (unsigned long)j)
                                      : "";
            ck_assert_msg(!strcmp(get_text(c, alike[j], unit_pool), want),
                          "after %lu stored, key %lu gave '%s'",
                          (unsigned long)i, (unsigned long)j,
                          get_text(c, alike[j], unit_pool));
        }
    }
    ck_assert_str_eq(get_text(c, "a|7:/srv/ct|16:http://127.0.0.3|"
                                 "00000000000000aa", unit_pool), "");
}
END_TEST

START_TEST(full_key_compare_with_the_real_index)
{
    bantin_cache *c = bantin_cache_create(unit_pool, 64 << 20);
    bantin_cache_stats_t st;
    int i;

    ck_assert_ptr_nonnull(c);
    /* Enough keys to grow the index several times. */
    for (i = 0; i < 5000; i++) {
        put_text(c, apr_psprintf(unit_pool, "k|%d", i),
                 apr_psprintf(unit_pool, "v%d", i), (apr_uint64_t)i);
    }
    for (i = 0; i < 5000; i++) {
        ck_assert_str_eq(get_text(c, apr_psprintf(unit_pool, "k|%d", i),
                                  unit_pool),
                         apr_psprintf(unit_pool, "v%d", i));
    }
    ck_assert_str_eq(get_text(c, "k|5000", unit_pool), "");
    bantin_cache_skip(c);
    bantin_cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 5000);
    ck_assert_uint_eq(st.hits, 5000);
    ck_assert_uint_eq(st.misses, 1);
    ck_assert_uint_eq(st.skipped, 1);
}
END_TEST

START_TEST(a_page_stays_readable_while_held)
{
    /* Room for one page of 40 KB (a page may take a quarter). */
    bantin_cache *c = bantin_cache_create_ex(unit_pool, 200000, one_bucket);
    char *big = apr_palloc(unit_pool, 40001);
    apr_pool_t *req;
    bantin_cached held, again;
    bantin_cache_stats_t st;
    int i;

    memset(big, 'x', 40000);
    big[40000] = '\0';
    put_text(c, "first", big, 7);
    ck_assert_int_eq(apr_pool_create(&req, unit_pool), APR_SUCCESS);
    ck_assert_int_eq(bantin_cache_get(c, "first", req, 1, &held), 1);
    ck_assert_uint_eq(held.tag, 7);
    /* Push it out while the "request" still reads it. */
    for (i = 0; i < 10; i++) {
        memset(big, 'a' + i, 40000);
        put_text(c, apr_psprintf(unit_pool, "other %d", i), big, 100 + i);
    }
    ck_assert_str_eq(get_text(c, "first", unit_pool), "");
    for (i = 0; i < 40000; i++) {
        ck_assert_int_eq(held.body[i], 'x');
    }
    /* Storing the same key again replaces the page; a reader of the old
     * one keeps it. */
    ck_assert_int_eq(bantin_cache_get(c, "other 9", req, 0, &again), 1);
    put_text(c, "other 9", "new", 1);
    ck_assert_str_eq(get_text(c, "other 9", unit_pool), "new");
    ck_assert_int_eq(again.body[39999], 'a' + 9);
    apr_pool_destroy(req); /* the last readers go: the blocks are freed */
    bantin_cache_stats(c, &st);
    ck_assert_uint_le(st.bytes, 200000);
}
END_TEST

Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = unit_tcase("core");

    tcase_add_test(tc, siphash_reference_vectors);
    tcase_add_test(tc, siphash_in_pieces_is_the_whole);
    tcase_add_test(tc, site_tag_depends_on_site_and_tag);
    tcase_add_test(tc, colliding_keys_never_answer_for_each_other);
    tcase_add_test(tc, full_key_compare_with_the_real_index);
    tcase_add_test(tc, a_page_stays_readable_while_held);
    suite_add_tcase(s, tc);
    return s;
}
