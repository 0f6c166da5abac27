/* bantin_log.c -- see bantin_log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* The length of the UTF-8 character at s (1 to 4) when it is valid and
 * harmless text, else 0: not shortest form, a surrogate, beyond U+10FFFF,
 * or a character that breaks or reorders a line (C1 controls, U+2028,
 * U+2029, the bidirectional embeddings, overrides and isolates). */
static apr_size_t utf8_text_len(const unsigned char *s)
{
    apr_uint32_t c;
    apr_size_t n, i;

    if (s[0] < 0xC2 || s[0] > 0xF4) {
        return 0;
    }
    n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    c = s[0] & (0x7F >> n);
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0; /* (a NUL ends it here too) */
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF))
        || (c >= 0xD800 && c <= 0xDFFF) || c < 0xA0
        || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E)
        || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F
        || c == 0x061C) {
        return 0;
    }
    return n;
}

apr_size_t bantin_log_text_buf(char *out, apr_size_t size, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t o = 0, n;

    if (!size) {
        return 0;
    }
    while (*u) {
        const char *esc = NULL;
        char x[5];
        if (*u >= 0x20 && *u < 0x7F && *u != '\\') {
            if (o + 1 >= size) {
                break;
            }
            out[o++] = (char)*u++;
            continue;
        }
        if (*u >= 0x80 && (n = utf8_text_len(u)) != 0) {
            if (o + n >= size) {
                break;
            }
            memcpy(out + o, u, n);
            o += n;
            u += n;
            continue;
        }
        switch (*u) {
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\v': esc = "\\v"; break;
        default:
            x[0] = '\\';
            x[1] = 'x';
            x[2] = hex[*u >> 4];
            x[3] = hex[*u & 15];
            x[4] = '\0';
            esc = x;
        }
        n = strlen(esc);
        if (o + n >= size) {
            break;
        }
        memcpy(out + o, esc, n);
        o += n;
        u++;
    }
    out[o] = '\0';
    return o;
}

const char *bantin_log_text(apr_pool_t *p, const char *s)
{
    /* at worst four bytes out for one in ("\xff") */
    apr_size_t size = strlen(s) * 4 + 1;
    char *out = apr_palloc(p, size);

    bantin_log_text_buf(out, size, s);
    return out;
}

int bantin_log_is_ascii(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    while (*u && *u < 0x80) {
        u++;
    }
    return !*u;
}
