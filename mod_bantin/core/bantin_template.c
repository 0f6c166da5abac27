/* bantin_template.c -- see bantin_template.h. */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "bantin_template.h"

#define MAX_NESTING 16

typedef enum { OP_LIT, OP_VAR, OP_SECTION, OP_INVERTED } op_kind_e;

typedef struct {
    op_kind_e kind;
    const char *lit;  /* OP_LIT */
    apr_size_t len;
    int var;          /* OP_VAR, OP_SECTION, OP_INVERTED */
    int end;          /* sections: index of the first op after the body */
} op;

struct bantin_template {
    const char *name;
    op *ops;
    int nops;
};

static int lookup(const char *const *vocab, int nvocab, const char *s,
                  apr_size_t n)
{
    int i;
    for (i = 0; i < nvocab; i++) {
        if (strlen(vocab[i]) == n && !memcmp(vocab[i], s, n)) {
            return i;
        }
    }
    return -1;
}

/* Line and column (1-based) of offset pos in src, for messages. */
static const char *where(apr_pool_t *p, const char *name, const char *src,
                         apr_size_t pos)
{
    int line = 1, col = 1;
    apr_size_t i;
    for (i = 0; i < pos; i++) {
        if (src[i] == '\n') {
            line++;
            col = 1;
        }
        else {
            col++;
        }
    }
    return apr_psprintf(p, "%s:%d:%d", name, line, col);
}

bantin_template *bantin_template_compile(apr_pool_t *p, const char *name,
                                         const char *src, apr_size_t len,
                                         const char *const *vocab,
                                         int nvocab, const char **err)
{
    apr_array_header_t *ops = apr_array_make(p, 32, sizeof(op));
    int open[MAX_NESTING];
    apr_size_t open_at[MAX_NESTING];
    int depth = 0;
    apr_size_t pos = 0;
    bantin_template *t;

    while (pos < len) {
        const char *tag = NULL, *close;
        apr_size_t i, tag_at, inner, n;
        char sigil;
        int id;
        op *o;

        for (i = pos; i + 1 < len; i++) {
            if (src[i] == '{' && src[i + 1] == '{') {
                tag = src + i;
                break;
            }
        }
        tag_at = tag ? (apr_size_t)(tag - src) : len;
        if (tag_at > pos) {
            o = apr_array_push(ops);
            o->kind = OP_LIT;
            o->lit = src + pos;
            o->len = tag_at - pos;
        }
        if (!tag) {
            break;
        }
        inner = tag_at + 2;
        close = NULL;
        for (i = inner; i + 1 < len; i++) {
            if (src[i] == '}' && src[i + 1] == '}') {
                close = src + i;
                break;
            }
        }
        if (!close) {
            *err = apr_psprintf(p, "%s: '{{' is never closed by '}}'",
                                where(p, name, src, tag_at));
            return NULL;
        }
        pos = (apr_size_t)(close - src) + 2;
        sigil = src[inner];
        if (sigil == '!') {
            continue;
        }
        if (sigil == '#' || sigil == '^' || sigil == '/') {
            inner++;
        }
        while (inner < (apr_size_t)(close - src) && src[inner] == ' ') {
            inner++;
        }
        n = (apr_size_t)(close - src) - inner;
        while (n > 0 && src[inner + n - 1] == ' ') {
            n--;
        }
        id = lookup(vocab, nvocab, src + inner, n);
        if (id < 0) {
            *err = apr_psprintf(p, "%s: unknown name '%.*s'",
                                where(p, name, src, tag_at), (int)n,
                                src + inner);
            return NULL;
        }
        if (sigil == '/') {
            if (depth == 0) {
                *err = apr_psprintf(p, "%s: '{{/%s}}' closes no section",
                                    where(p, name, src, tag_at), vocab[id]);
                return NULL;
            }
            o = &((op *)ops->elts)[open[depth - 1]];
            if (o->var != id) {
                *err = apr_psprintf(p, "%s: '{{/%s}}' closes '{{#%s}}' "
                                    "opened at %s",
                                    where(p, name, src, tag_at), vocab[id],
                                    vocab[o->var],
                                    where(p, name, src, open_at[depth - 1]));
                return NULL;
            }
            o->end = ops->nelts;
            depth--;
            continue;
        }
        if ((sigil == '#' || sigil == '^') && depth == MAX_NESTING) {
            *err = apr_psprintf(p, "%s: sections nested deeper than %d",
                                where(p, name, src, tag_at), MAX_NESTING);
            return NULL;
        }
        o = apr_array_push(ops);
        o->var = id;
        if (sigil == '#' || sigil == '^') {
            o->kind = sigil == '#' ? OP_SECTION : OP_INVERTED;
            open_at[depth] = tag_at;
            open[depth++] = ops->nelts - 1;
        }
        else {
            o->kind = OP_VAR;
        }
    }
    if (depth) {
        op *o = &((op *)ops->elts)[open[depth - 1]];
        *err = apr_psprintf(p, "%s: section '{{#%s}}' is never closed",
                            where(p, name, src, open_at[depth - 1]),
                            vocab[o->var]);
        return NULL;
    }
    t = apr_palloc(p, sizeof(*t));
    t->name = name;
    t->ops = (op *)ops->elts;
    t->nops = ops->nelts;
    return t;
}

static const bantin_tval *find(const bantin_tscope *s, int id)
{
    for (; s; s = s->parent) {
        if (s->vals[id].kind != BANTIN_TV_UNSET) {
            return &s->vals[id];
        }
    }
    return NULL;
}

static int truthy(const bantin_tval *v)
{
    if (!v) {
        return 0;
    }
    switch (v->kind) {
    case BANTIN_TV_TEXT:
    case BANTIN_TV_HTML:
    case BANTIN_TV_BOOL: return v->len > 0;
    case BANTIN_TV_LIST: return v->n > 0;
    default: return 0;
    }
}

static void render_ops(const op *ops, int from, int to,
                       const bantin_tscope *scope, bantin_buf *out)
{
    int i = from;

    while (i < to) {
        const op *o = &ops[i];
        const bantin_tval *v;
        switch (o->kind) {
        case OP_LIT:
            bantin_buf_add(out, o->lit, o->len);
            i++;
            break;
        case OP_VAR:
            v = find(scope, o->var);
            if (v && v->kind == BANTIN_TV_TEXT) {
                bantin_buf_add_html(out, v->s, v->len);
            }
            else if (v && v->kind == BANTIN_TV_HTML) {
                bantin_buf_add(out, v->s, v->len);
            }
            i++;
            break;
        case OP_SECTION:
            v = find(scope, o->var);
            if (v && v->kind == BANTIN_TV_LIST) {
                int k;
                for (k = 0; k < v->n; k++) {
                    render_ops(ops, i + 1, o->end, &v->items[k], out);
                }
            }
            else if (truthy(v)) {
                render_ops(ops, i + 1, o->end, scope, out);
            }
            i = o->end;
            break;
        case OP_INVERTED:
            if (!truthy(find(scope, o->var))) {
                render_ops(ops, i + 1, o->end, scope, out);
            }
            i = o->end;
            break;
        }
    }
}

void bantin_template_render(const bantin_template *t,
                            const bantin_tscope *scope, bantin_buf *out)
{
    render_ops(t->ops, 0, t->nops, scope, out);
}

void bantin_tscope_init(bantin_tscope *s, apr_pool_t *p, int nvocab,
                        const bantin_tscope *parent)
{
    s->parent = parent;
    s->vals = apr_pcalloc(p, sizeof(bantin_tval) * (apr_size_t)nvocab);
}

void bantin_tset_text(bantin_tscope *s, int id, const char *v)
{
    s->vals[id].kind = BANTIN_TV_TEXT;
    s->vals[id].s = v ? v : "";
    s->vals[id].len = v ? strlen(v) : 0;
}

void bantin_tset_html(bantin_tscope *s, int id, const char *v, apr_size_t n)
{
    s->vals[id].kind = BANTIN_TV_HTML;
    s->vals[id].s = v;
    s->vals[id].len = n;
}

void bantin_tset_bool(bantin_tscope *s, int id, int v)
{
    s->vals[id].kind = BANTIN_TV_BOOL;
    s->vals[id].len = v ? 1 : 0;
}

void bantin_tset_list(bantin_tscope *s, int id, const bantin_tscope *items,
                      int n)
{
    s->vals[id].kind = BANTIN_TV_LIST;
    s->vals[id].items = items;
    s->vals[id].n = n;
}
