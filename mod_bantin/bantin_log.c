/* bantin_log.c -- see bantin_log.h. */
#include <stdarg.h>
#include <stdio.h>

#include "bantin_log.h"

/* Written once during single-threaded startup, read-only afterwards. */
static bantin_log_cb *log_cb;
static void *log_baton;

void bantin_log_set(bantin_log_cb *cb, void *baton)
{
    log_cb = cb;
    log_baton = baton;
}

void bantin_log(bantin_log_level_e level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    if (!log_cb) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_cb(log_baton, level, msg);
}
