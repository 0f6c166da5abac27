/* main.c -- runs every unit suite of the core library, and holds the
 * helpers the suites share (see unit.h).
 *
 *   make unit                     build and run
 *   CK_FORK=no valgrind --leak-check=full --error-exitcode=1 \
 *       build/unit-tests          the same under valgrind
 *   CK_RUN_SUITE=date build/unit-tests   one suite (CK_RUN_CASE too)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "unit.h"

apr_pool_t *unit_pool;

/* ---- log capture ---- */

static struct {
    char text[256 * 1024];
    apr_size_t len;
} captured;

static void capture_cb(void *baton, bantin_log_level_e level,
                       const char *msg)
{
    /* Each line starts with its level, so tests can tell an editor's
     * error from a note. */
    static const char *const names[] = {"[error] ", "[warn] ", "[notice] ",
                                        "[info] ", "[debug] "};
    const char *name = names[level];
    apr_size_t n = strlen(msg), k = strlen(name);
    (void)baton;
    if (captured.len + k + n + 2 > sizeof(captured.text)) {
        return;
    }
    memcpy(captured.text + captured.len, name, k);
    captured.len += k;
    memcpy(captured.text + captured.len, msg, n);
    captured.len += n;
    captured.text[captured.len++] = '\n';
    captured.text[captured.len] = '\0';
}

void unit_log_capture(void)
{
    captured.len = 0;
    captured.text[0] = '\0';
    bantin_log_set(capture_cb, NULL);
}

const char *unit_log_text(void)
{
    return captured.text;
}

/* ---- allocation failure ---- */

/* The unit tests are linked with -Wl,--wrap=malloc,--wrap=calloc: the
 * core's own malloc() and calloc() calls come here (APR's, libxml2's and
 * SQLite's, in shared libraries, do not). */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);

static volatile int failing_allocs;

void *__wrap_malloc(size_t n)
{
    return failing_allocs ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return failing_allocs ? NULL : __real_calloc(n, size);
}

void unit_fail_allocs(int on)
{
    failing_allocs = on;
}

/* ---- fixture ---- */

void unit_fixture_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&unit_pool, NULL), APR_SUCCESS);
    captured.len = 0;
    captured.text[0] = '\0';
}

void unit_fixture_teardown(void)
{
    unit_fail_allocs(0);
    bantin_log_set(NULL, NULL);
    apr_pool_destroy(unit_pool);
    unit_pool = NULL;
}

TCase *unit_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, unit_fixture_setup, unit_fixture_teardown);
    /* Valgrind runs everything much slower; CK_FORK=no ignores it. */
    tcase_set_timeout(tc, 30);
    return tc;
}

/* ---- files ---- */

const char *unit_srcdir(void)
{
    const char *s = getenv("BANTIN_SRCDIR");
    return s && *s ? s : ".";
}

const bantin_schema *unit_schema(void)
{
    const char *err = NULL;
    const bantin_schema *s = bantin_schema_load(unit_pool, &err);
    ck_assert_msg(s != NULL, "schema: %s", err ? err : "?");
    return s;
}

/* rm -r that never follows a symbolic link. */
static void remove_tree(apr_pool_t *p, const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return;
    }
    while (1) {
        apr_status_t rv = apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE
                                       | APR_FINFO_LINK, d);
        const char *full;
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            break;
        }
        if (!strcmp(fi.name, ".") || !strcmp(fi.name, "..")) {
            continue;
        }
        full = apr_pstrcat(p, dir, "/", fi.name, NULL);
        if ((fi.valid & APR_FINFO_TYPE) && fi.filetype == APR_DIR) {
            remove_tree(p, full);
        }
        else {
            apr_file_remove(full, p);
        }
    }
    apr_dir_close(d);
    apr_dir_remove(dir, p);
}

static apr_status_t tmpdir_cleanup(void *data)
{
    apr_pool_t *p;
    /* unit_pool is being destroyed: work in a pool of our own. */
    if (apr_pool_create(&p, NULL) == APR_SUCCESS) {
        remove_tree(p, data);
        apr_pool_destroy(p);
    }
    return APR_SUCCESS;
}

const char *unit_tmpdir(void)
{
    static unsigned serial;
    char *dir = NULL;
    int tries;

    for (tries = 0; tries < 100; tries++) {
        apr_finfo_t fi;
        dir = apr_psprintf(unit_pool, "/tmp/bantin-unit-%ld-%" APR_TIME_T_FMT
                           "-%u", (long)getpid(), apr_time_now(), ++serial);
        if (apr_stat(&fi, dir, APR_FINFO_TYPE, unit_pool) != APR_SUCCESS) {
            break;
        }
    }
    ck_assert_int_eq(apr_dir_make_recursive(dir, APR_OS_DEFAULT, unit_pool),
                     APR_SUCCESS);
    apr_pool_cleanup_register(unit_pool, dir, tmpdir_cleanup,
                              apr_pool_cleanup_null);
    return dir;
}

void unit_write_file(const char *path, const char *data, apr_size_t len)
{
    apr_file_t *f;
    apr_size_t wrote = 0;
    const char *slash = strrchr(path, '/');

    if (slash && slash != path) {
        const char *parent = apr_pstrmemdup(unit_pool, path,
                                            (apr_size_t)(slash - path));
        ck_assert_int_eq(apr_dir_make_recursive(parent, APR_OS_DEFAULT,
                                                unit_pool), APR_SUCCESS);
    }
    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_WRITE
                                   | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE
                                   | APR_FOPEN_BINARY, APR_OS_DEFAULT,
                                   unit_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, data, len, &wrote), APR_SUCCESS);
    ck_assert_int_eq(apr_file_close(f), APR_SUCCESS);
}

char *unit_read_file(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *data;

    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_READ
                                   | APR_FOPEN_BINARY, APR_OS_DEFAULT,
                                   unit_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_info_get(&fi, APR_FINFO_SIZE, f), APR_SUCCESS);
    *len = (apr_size_t)fi.size;
    data = apr_palloc(unit_pool, *len + 1);
    ck_assert_int_eq(apr_file_read_full(f, data, *len, NULL), APR_SUCCESS);
    data[*len] = '\0';
    ck_assert_int_eq(apr_file_close(f), APR_SUCCESS);
    return data;
}

void unit_write_str(const char *path, const char *data)
{
    unit_write_file(path, data, strlen(data));
}

const char *unit_article_xml(const char *title, const char *date,
                             const char *para)
{
    return apr_pstrcat(unit_pool,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<article>\n"
                       "  <title>", title, "</title>\n"
                       "  <date>", date, "</date>\n"
                       "  <summary>Tóm tắt</summary>\n"
                       "  <body>\n"
                       "    <p>", para, "</p>\n"
                       "  </body>\n"
                       "</article>\n", NULL);
}

int unit_count(const char *hay, const char *needle)
{
    int n = 0;
    apr_size_t len = strlen(needle);

    while ((hay = strstr(hay, needle)) != NULL) {
        n++;
        hay += len;
    }
    return n;
}

const char *unit_tag_with(const char *hay, const char *needle)
{
    const char *at = strstr(hay, needle), *end;
    if (!at) {
        return NULL;
    }
    end = strchr(at, '>');
    return apr_pstrmemdup(unit_pool, at,
                          end ? (apr_size_t)(end - at) : strlen(at));
}

/* ---- main ---- */

static void terminate(void)
{
    apr_terminate();
}

/* Is s valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF)? */
int unit_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n, i;
        unsigned long cp;
        if (*p < 0x80) {
            p++;
            continue;
        }
        if ((*p & 0xe0) == 0xc0) { n = 1; cp = *p & 0x1f; }
        else if ((*p & 0xf0) == 0xe0) { n = 2; cp = *p & 0x0f; }
        else if ((*p & 0xf8) == 0xf0) { n = 3; cp = *p & 0x07; }
        else return 0;
        for (i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800)
            || (n == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        p += n + 1;
    }
    return 1;
}

int main(void)
{
    SRunner *sr;
    int failed;

    if (apr_initialize() != APR_SUCCESS) {
        return EXIT_FAILURE;
    }
    atexit(terminate);

    sr = srunner_create(buf_suite());
    srunner_add_suite(sr, date_suite());
    srunner_add_suite(sr, request_suite());
    srunner_add_suite(sr, template_suite());
    srunner_add_suite(sr, fs_suite());
    srunner_add_suite(sr, article_suite());
    srunner_add_suite(sr, shape_suite());
    srunner_add_suite(sr, store_suite());
    srunner_add_suite(sr, moves_suite());
    srunner_add_suite(sr, startcache_suite());
    srunner_add_suite(sr, cache_suite());
    srunner_add_suite(sr, render_suite());
    srunner_add_suite(sr, fold_suite());
    srunner_add_suite(sr, hostile_suite());
    srunner_add_suite(sr, search_suite());
    srunner_add_suite(sr, names_suite());
    srunner_add_suite(sr, messages_suite());
    srunner_add_suite(sr, answer_suite());
    srunner_add_suite(sr, directives_suite());
    srunner_add_suite(sr, conditions_suite());

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
