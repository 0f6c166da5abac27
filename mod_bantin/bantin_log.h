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

#endif
