/* bantin_template.h -- a small logic-less template engine.
 *
 *   {{name}}              the value; text is HTML-escaped, values the core
 *                         marked as sanitised HTML are copied as they are
 *   {{#name}}...{{/name}} a list: once per item; otherwise once if the
 *                         value is set, true or non-empty
 *   {{^name}}...{{/name}} once if the value is unset, false or empty
 *   {{! comment }}
 *
 * Names are resolved when a template is compiled, against the vocabulary
 * the renderer declares: a typo fails at startup (apachectl -t) with the
 * file, line and column, not silently at request time.  Rendering is then
 * a walk over an op array with array-indexed lookups.
 */
#ifndef BANTIN_TEMPLATE_H
#define BANTIN_TEMPLATE_H

#include <apr_pools.h>

#include "bantin_buf.h"

typedef enum {
    BANTIN_TV_UNSET = 0,
    BANTIN_TV_TEXT,  /* escaped on output */
    BANTIN_TV_HTML,  /* already safe HTML, copied */
    BANTIN_TV_BOOL,
    BANTIN_TV_LIST
} bantin_tval_kind_e;

typedef struct bantin_tscope bantin_tscope;

typedef struct bantin_tval {
    bantin_tval_kind_e kind;
    const char *s;               /* TEXT, HTML */
    apr_size_t len;              /* TEXT, HTML; BOOL: 0 or 1 */
    const bantin_tscope *items;  /* LIST: an array of n scopes */
    int n;
} bantin_tval;

/* A scope holds one value per vocabulary entry; names not set in an item
 * scope are looked up in its parent. */
struct bantin_tscope {
    const bantin_tscope *parent;
    bantin_tval *vals;
};

typedef struct bantin_template bantin_template;

/* Compiles src.  vocab is an array of nvocab names; ids are indexes into
 * it.  On error returns NULL and sets *err to "name:line:col: why". */
bantin_template *bantin_template_compile(apr_pool_t *p, const char *name,
                                         const char *src, apr_size_t len,
                                         const char *const *vocab,
                                         int nvocab, const char **err);

void bantin_template_render(const bantin_template *t,
                            const bantin_tscope *scope, bantin_buf *out);

/* Scope helpers for the renderer. */
void bantin_tscope_init(bantin_tscope *s, apr_pool_t *p, int nvocab,
                        const bantin_tscope *parent);
void bantin_tset_text(bantin_tscope *s, int id, const char *v);
void bantin_tset_html(bantin_tscope *s, int id, const char *v, apr_size_t n);
void bantin_tset_bool(bantin_tscope *s, int id, int v);
void bantin_tset_list(bantin_tscope *s, int id, const bantin_tscope *items,
                      int n);

#endif
