/* bantin_log.h -- the core's logging bridge.
 *
 * The core never includes httpd headers, so it cannot call ap_log_error.
 * Instead it logs through one function pointer that the embedding program
 * sets once at startup (mod_bantin.c points it at httpd's error log,
 * bantin-check at stderr).  Every message starts with a stable ID
 * ("BT0101") so that tests and admins can expect or forbid it.
 */
#ifndef BANTIN_LOG_H
#define BANTIN_LOG_H

#include <apr_pools.h>

typedef enum {
    BANTIN_LOG_ERR = 0,
    BANTIN_LOG_WARN,
    BANTIN_LOG_NOTICE,
    BANTIN_LOG_INFO,
    BANTIN_LOG_DEBUG
} bantin_log_level_e;

/* Called with a fully formatted message (no trailing newline). */
typedef void bantin_log_cb(void *baton, bantin_log_level_e level,
                           const char *msg);

/* Set at startup, before any thread runs; NULL means "discard". */
void bantin_log_set(bantin_log_cb *cb, void *baton);

/* Formats into a small stack buffer; never allocates from shared pools,
 * so it is safe from any thread. */
void bantin_log(bantin_log_level_e level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Text for a log line or an admin's page, as httpd's error log writes
 * its messages (a backslash doubled; \n, \t...; other control bytes as
 * \xNN), except that valid UTF-8 text stays as it is: a file named
 * "bài-việt.xml" shows as that, not as "b\xc3\xa0i-...".  What is not
 * valid UTF-8, and the characters that would break or reorder a line
 * (C1 controls, U+2028/9, bidirectional controls), are escaped per byte.
 * Writes at most size bytes with the NUL (cut at a whole character or
 * escape); returns the length. */
apr_size_t bantin_log_text_buf(char *out, apr_size_t size, const char *s);
const char *bantin_log_text(apr_pool_t *p, const char *s);

/* 1 when s has no byte above 0x7F. */
int bantin_log_is_ascii(const char *s);

#endif
