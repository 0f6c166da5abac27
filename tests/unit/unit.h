/* unit.h -- shared pieces of the libcheck unit tests of the core library.
 *
 * Every suite is declared here and assembled into one SRunner by main.c.
 * Each test case uses unit_fixture_setup/teardown as a checked fixture:
 * a fresh APR pool per test (unit_pool), destroyed afterwards together
 * with whatever temporary files the test made under it.
 */
#ifndef BANTIN_UNIT_H
#define BANTIN_UNIT_H

#include <check.h>

#include <apr_pools.h>

#include "bantin_article.h"
#include "bantin_log.h"

/* The suites, one per concern. */
Suite *buf_suite(void);
Suite *date_suite(void);
Suite *request_suite(void);
Suite *template_suite(void);
Suite *article_suite(void);
Suite *store_suite(void);
Suite *render_suite(void);
Suite *fold_suite(void);
Suite *hostile_suite(void);
Suite *search_suite(void);
Suite *shape_suite(void);
Suite *startcache_suite(void);
Suite *fs_suite(void);
Suite *cache_suite(void);
Suite *names_suite(void);
Suite *messages_suite(void);
Suite *moves_suite(void);
Suite *answer_suite(void);
Suite *directives_suite(void);
Suite *conditions_suite(void);

/* Is s valid UTF-8? */
int unit_utf8_valid(const char *s);

/* Number of elements of a case table. */
#define UNIT_N(a) (sizeof(a) / sizeof((a)[0]))

/* The pool of the running test. */
extern apr_pool_t *unit_pool;

void unit_fixture_setup(void);
void unit_fixture_teardown(void);

/* A TCase with the per-test pool fixture already attached. */
TCase *unit_tcase(const char *name);

/* Log capture: after unit_log_capture(), every bantin_log line is kept
 * (one per line, after its level: "[error] ", "[info] " …) until the
 * fixture's teardown. */
void unit_log_capture(void);
const char *unit_log_text(void);

/* While on, every malloc() and calloc() of the core library fails (until
 * turned off, or the fixture's teardown). */
void unit_fail_allocs(int on);

/* $BANTIN_SRCDIR, or "." when unset. */
const char *unit_srcdir(void);

/* The compiled article schema, loaded into unit_pool. */
const bantin_schema *unit_schema(void);

/* A new, empty directory under /tmp with a unique name, removed (with all
 * it holds; symbolic links are removed, not followed) when unit_pool is
 * destroyed. */
const char *unit_tmpdir(void);

/* Writes len bytes to path, creating the parent directories. */
void unit_write_file(const char *path, const char *data, apr_size_t len);
void unit_write_str(const char *path, const char *data);

/* The whole file (NUL-terminated too), its size in *len. */
char *unit_read_file(const char *path, apr_size_t *len);

/* A complete, valid article with the given title, date and inline body
 * paragraph (markup allowed, caller escapes). */
const char *unit_article_xml(const char *title, const char *date,
                             const char *para);

/* How many times needle occurs in hay (non-overlapping). */
int unit_count(const char *hay, const char *needle);

/* The text from the first occurrence of needle up to the next '>', or
 * NULL: the start tag a class or id is in. */
const char *unit_tag_with(const char *hay, const char *needle);

#endif
