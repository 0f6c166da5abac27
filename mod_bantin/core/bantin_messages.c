/* bantin_messages.c -- the table of editors' messages and filling it in.
 *
 * Slots are "%s" only and are filled here, not by printf: a format never
 * reaches a printf-family function, so a table line cannot read an
 * argument that was not given, and the same arguments fill both
 * languages' texts.
 */
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_messages.h"

typedef struct {
    const char *name, *en, *vi;
} message;

static const message table[BANTIN_MSG_COUNT] = {
#define BANTIN_MSG_ROW_(id, en, vi) {#id, en, vi},
    BANTIN_MESSAGES(BANTIN_MSG_ROW_)
#undef BANTIN_MSG_ROW_
};

const char *bantin_msg_format(int id, bantin_lang_e lang)
{
    if (id < 0 || id >= BANTIN_MSG_COUNT) {
        return NULL;
    }
    return lang == BANTIN_LANG_EN ? table[id].en : table[id].vi;
}

const char *bantin_msg_name(int id)
{
    return id < 0 || id >= BANTIN_MSG_COUNT ? NULL : table[id].name;
}

const char *bantin_msg_args(apr_pool_t *p, bantin_lang_e lang, int id,
                            const char *const *args, int nargs)
{
    const char *f = bantin_msg_format(id, lang), *s;
    bantin_buf b;
    int next = 0;

    if (!f) {
        return "";
    }
    bantin_buf_init(&b, p, 128);
    while ((s = strchr(f, '%')) != NULL) {
        bantin_buf_add(&b, f, (apr_size_t)(s - f));
        if (s[1] == 's') {
            const char *a = next < nargs ? args[next] : NULL;
            next++;
            if (a) {
                bantin_buf_adds(&b, a);
            }
            f = s + 2;
        }
        else {
            /* "%%", or a lone '%' (kept as it is) */
            bantin_buf_add(&b, "%", 1);
            f = s + 1 + (s[1] == '%');
        }
    }
    bantin_buf_adds(&b, f);
    return bantin_buf_cstr(&b);
}

const char *bantin_msg(apr_pool_t *p, bantin_lang_e lang, int id, ...)
{
    const char *args[BANTIN_MSG_MAX_ARGS];
    const char *a;
    int n = 0;
    va_list ap;

    va_start(ap, id);
    while (n < BANTIN_MSG_MAX_ARGS && (a = va_arg(ap, const char *)) != NULL) {
        args[n++] = a;
    }
    va_end(ap);
    return bantin_msg_args(p, lang, id, args, n);
}

int bantin_lang_parse(const char *s, bantin_lang_e *lang)
{
    if (!strncmp(s, "vi", 2) && (!s[2] || s[2] == '_' || s[2] == '.'
                                 || s[2] == '-')) {
        *lang = BANTIN_LANG_VI;
        return 0;
    }
    if (!strncmp(s, "en", 2) && (!s[2] || s[2] == '_' || s[2] == '.'
                                 || s[2] == '-')) {
        *lang = BANTIN_LANG_EN;
        return 0;
    }
    return -1;
}
