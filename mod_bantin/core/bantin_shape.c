/* bantin_shape.c -- see bantin_shape.h.  Each function below is one
 * definition of schema/article.rng, read strictly: anything the grammar
 * merely tolerates (comments, processing instructions, namespace
 * declarations, values that only match after whitespace normalisation)
 * makes the walk unsure, never more lenient. */
#include <string.h>

#include "bantin_shape.h"

/* Deeper inline markup than this is left to the schema (libxml2 itself
 * refuses documents nested deeper than 256 elements). */
#define MAX_INLINE_DEPTH 64

static int is_xml_space(xmlChar c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* An element of no namespace, with no namespace declarations, and no
 * attributes but (optionally) the one named `attr`. */
static int plain_element(const xmlNode *n, const char *name, const char *attr)
{
    const xmlAttr *a = n->properties;

    if (n->type != XML_ELEMENT_NODE || n->ns || n->nsDef
        || strcmp((const char *)n->name, name) != 0) {
        return 0;
    }
    if (!a) {
        return 1;
    }
    return attr && !a->next && !a->ns && !strcmp((const char *)a->name, attr)
           && (!a->children || (a->children->type == XML_TEXT_NODE
                                && !a->children->next));
}

static const char *attr_value(const xmlNode *n)
{
    const xmlAttr *a = n->properties;
    return a && a->children ? (const char *)a->children->content : "";
}

/* Text only between the elements of a sequence: whitespace, which the
 * grammar ignores there. */
static int is_blank_text(const xmlNode *n)
{
    const xmlChar *c;

    if (n->type != XML_TEXT_NODE) {
        return 0;
    }
    for (c = n->content; c && *c; c++) {
        if (!is_xml_space(*c)) {
            return 0;
        }
    }
    return 1;
}

/* The element at or after n, past blank text; NULL at the end, or at
 * anything else (then *odd is set). */
static const xmlNode *next_element(const xmlNode *n, int *odd)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            return n;
        }
        if (!is_blank_text(n)) {
            *odd = 1;
            return NULL;
        }
    }
    return NULL;
}

/* "line": text only, at least one character (here: one that is not
 * whitespace). */
static int is_line(const xmlNode *n)
{
    const xmlNode *c;
    int seen = 0;

    for (c = n->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE) {
            return 0;
        }
        seen |= !is_blank_text(c);
    }
    return seen;
}

/* s starts with form, where 'd' stands for an ASCII digit. */
static int fits(const char *s, const char *form)
{
    for (; *form; s++, form++) {
        if (*form == 'd' ? !(*s >= '0' && *s <= '9') : *s != *form) {
            return 0;
        }
    }
    return 1;
}

/* "when": the whole text matches
 * [0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+\-][0-9]{2}:[0-9]{2}))? */
static int is_when(const xmlNode *n)
{
    const xmlNode *c = n->children;
    const char *s;

    if (!c || c->next || c->type != XML_TEXT_NODE || !c->content) {
        return 0;
    }
    s = (const char *)c->content;
    if (!fits(s, "dddd-dd-dd")) {
        return 0;
    }
    s += 10;
    if (!*s) {
        return 1;
    }
    if (!fits(s, "Tdd:dd")) {
        return 0;
    }
    s += 6;
    if (fits(s, ":dd")) {
        s += 3;
    }
    if (*s == 'Z') {
        return s[1] == '\0';
    }
    return (*s == '+' || *s == '-') && fits(s + 1, "dd:dd") && s[6] == '\0';
}

/* "inline": text, b, i and a (with its href), nested. */
static int is_inline(const xmlNode *n, int depth)
{
    const xmlNode *c;

    if (depth > MAX_INLINE_DEPTH) {
        return 0;
    }
    for (c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            continue;
        }
        if (plain_element(c, "b", NULL) || plain_element(c, "i", NULL)
            || (plain_element(c, "a", "href") && c->properties)) {
            if (!is_inline(c, depth + 1)) {
                return 0;
            }
            continue;
        }
        return 0;
    }
    return 1;
}

/* "figure": an optional src, one caption. */
static int is_figure(const xmlNode *n)
{
    int odd = 0;
    const xmlNode *cap = next_element(n->children, &odd);

    return plain_element(n, "figure", "src") && cap && !odd
           && plain_element(cap, "caption", NULL) && is_inline(cap, 0)
           && !next_element(cap->next, &odd) && !odd;
}

/* body: one or more of p and figure. */
static int is_body(const xmlNode *n)
{
    int odd = 0, blocks = 0;
    const xmlNode *c;

    if (!plain_element(n, "body", NULL)) {
        return 0;
    }
    for (c = next_element(n->children, &odd); c;
         c = next_element(c->next, &odd)) {
        if (plain_element(c, "p", NULL) ? !is_inline(c, 0) : !is_figure(c)) {
            return 0;
        }
        blocks++;
    }
    return blocks > 0 && !odd;
}

/* A required element of the article's sequence, then the next one. */
static const xmlNode *take(const xmlNode *n, const char *name,
                           int (*content_ok)(const xmlNode *), int *ok,
                           int *odd)
{
    if (!*ok || !n || !plain_element(n, name, NULL) || !content_ok(n)) {
        *ok = 0;
        return NULL;
    }
    return next_element(n->next, odd);
}

/* An optional one: taken when it is there. */
static const xmlNode *maybe(const xmlNode *n, const char *name,
                            int (*content_ok)(const xmlNode *), int *ok,
                            int *odd)
{
    if (*ok && n && n->type == XML_ELEMENT_NODE
        && !strcmp((const char *)n->name, name)) {
        return take(n, name, content_ok, ok, odd);
    }
    return n;
}

int bantin_shape_valid(const xmlDoc *doc)
{
    const xmlNode *root = doc ? doc->children : NULL, *n;
    int ok = 1, odd = 0;

    /* The root alone: no comment or processing instruction around it, no
     * DOCTYPE (the parser refuses one anyway). */
    if (!root || root->next || doc->intSubset || doc->extSubset
        || !plain_element(root, "article", "status")) {
        return 0;
    }
    if (root->properties) {
        const char *status = attr_value(root);
        if (strcmp(status, "draft") != 0 && strcmp(status, "published") != 0) {
            return 0;
        }
    }
    n = next_element(root->children, &odd);
    n = take(n, "title", is_line, &ok, &odd);
    n = take(n, "date", is_when, &ok, &odd);
    n = maybe(n, "expires", is_when, &ok, &odd);
    n = maybe(n, "category", is_line, &ok, &odd);
    n = take(n, "summary", is_line, &ok, &odd);
    n = take(n, "body", is_body, &ok, &odd);
    n = maybe(n, "author", is_line, &ok, &odd);
    return ok && !odd && !n;
}
