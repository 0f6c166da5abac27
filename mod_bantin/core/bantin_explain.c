/* bantin_explain.c -- libxml2's errors about an article, in the words of
 * the table of messages: what is wrong and what to write instead. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "bantin_date.h"
#include "bantin_explain.h"
#include "bantin_fold.h"

static void explain(bantin_explained *out, int id, ...)
{
    const char *a;
    va_list ap;

    out->id = id;
    out->nargs = 0;
    va_start(ap, id);
    while (out->nargs < BANTIN_MSG_MAX_ARGS
           && (a = va_arg(ap, const char *)) != NULL) {
        out->args[out->nargs++] = a;
    }
    va_end(ap);
}

static int starts(const char *s, const char *prefix)
{
    return s && !strncmp(s, prefix, strlen(prefix));
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

int bantin_explain_encoding(const char *data, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)data;

    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE)
                     || (u[0] == 0xFE && u[1] == 0xFF))) {
        return BANTIN_MSG_UTF16;
    }
    /* No mark: "<" as UTF-16, big- or little-endian. */
    if (len >= 4 && ((u[0] == 0 && u[1] == '<' && u[2] == 0)
                     || (u[0] == '<' && u[1] == 0 && u[3] == 0))) {
        return BANTIN_MSG_UTF16;
    }
    return 0;
}

/* HTML's named characters that editors paste most, with their numbers:
 * XML knows only &amp; &lt; &gt; &quot; &apos;. */
static const struct {
    const char *name, *code;
} html_entities[] = {
    {"ndash", "8211"}, {"mdash", "8212"}, {"hellip", "8230"},
    {"laquo", "171"}, {"raquo", "187"}, {"ldquo", "8220"},
    {"rdquo", "8221"}, {"lsquo", "8216"}, {"rsquo", "8217"},
    {"bull", "8226"}, {"middot", "183"}, {"copy", "169"}, {"reg", "174"},
    {"trade", "8482"}, {"deg", "176"}, {"times", "215"}, {"euro", "8364"},
};

static void explain_entity(const char *name, bantin_explained *out)
{
    apr_size_t i;

    if (!strcmp(name, "nbsp")) {
        explain(out, BANTIN_MSG_NBSP, NULL);
        return;
    }
    for (i = 0; i < sizeof(html_entities) / sizeof(html_entities[0]); i++) {
        if (!strcmp(name, html_entities[i].name)) {
            explain(out, BANTIN_MSG_ENTITY_CODE, name, html_entities[i].code,
                    NULL);
            return;
        }
    }
    explain(out, BANTIN_MSG_ENTITY, name, NULL);
}

void bantin_explain_xml(apr_pool_t *p, const xmlError *err,
                        bantin_explained *out)
{
    const char *m = err->message;

    switch (err->code) {
    case XML_ERR_NAME_REQUIRED:
        if (starts(m, "xmlParseEntityRef")) {
            explain(out, BANTIN_MSG_AMP, NULL);
            return;
        }
        if (starts(m, "StartTag")) {
            explain(out, BANTIN_MSG_LT, NULL);
            return;
        }
        break;
    case XML_ERR_ENTITYREF_SEMICOL_MISSING: /* "R&D" */
        explain(out, BANTIN_MSG_AMP, NULL);
        return;
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
        if (err->str1) {
            explain_entity(err->str1, out);
            return;
        }
        break;
    case XML_ERR_INVALID_CHAR:
        if (starts(m, "Input is not proper UTF-8")) {
            explain(out, BANTIN_MSG_NOT_UTF8, NULL);
            return;
        }
        if (strstr(or_empty(m), "invalid Char value")) {
            explain(out, BANTIN_MSG_CONTROL_CHAR,
                    apr_itoa(p, err->int1), NULL);
            return;
        }
        break;
    case XML_ERR_DOCUMENT_EMPTY:
        explain(out, starts(m, "Document is empty") ? BANTIN_MSG_EMPTY_FILE
                                                     : BANTIN_MSG_NO_START,
                NULL);
        return;
    case XML_ERR_DOCUMENT_END:
        explain(out, BANTIN_MSG_AFTER_END, NULL);
        return;
    case XML_ERR_TAG_NAME_MISMATCH:
        if (err->str1 && err->str2) {
            explain(out, BANTIN_MSG_TAG_MISMATCH, err->str2, err->str1,
                    apr_itoa(p, err->int1), err->str1, err->str2, NULL);
            return;
        }
        break;
    case XML_ERR_TAG_NOT_FINISHED:
        if (err->str1) {
            explain(out, BANTIN_MSG_TAG_UNCLOSED, err->str1,
                    apr_itoa(p, err->int1), err->str1, NULL);
            return;
        }
        break;
    case XML_ERR_ATTRIBUTE_NOT_STARTED:
    case XML_ERR_ATTRIBUTE_WITHOUT_VALUE:
        explain(out, BANTIN_MSG_ATTR_QUOTES, NULL);
        return;
    case XML_ERR_HYPHEN_IN_COMMENT:
        explain(out, BANTIN_MSG_COMMENT_DASHES, NULL);
        return;
    case XML_ERR_ATTRIBUTE_REDEFINED:
        if (err->str1) {
            explain(out, BANTIN_MSG_ATTR_TWICE, err->str1, NULL);
            return;
        }
        break;
    default:
        break;
    }
    explain(out, BANTIN_MSG_NOT_XML, m ? m : "unknown error", NULL);
}

/* The children of an article, in the order the schema wants them. */
static const struct {
    const char *name;
    int required;
} order[] = {
    {"title", 1}, {"date", 1}, {"expires", 0}, {"category", 0},
    {"summary", 1}, {"body", 1}, {"author", 0},
};
#define NORDER ((int)(sizeof(order) / sizeof(order[0])))

static int order_of(const xmlChar *name)
{
    int i;
    for (i = 0; i < NORDER; i++) {
        if (!strcmp((const char *)name, order[i].name)) {
            return i;
        }
    }
    return -1;
}

static int has_child_before(xmlNodePtr first, xmlNodePtr stop,
                            const char *name)
{
    xmlNodePtr n;
    for (n = first; n && n != stop; n = n->next) {
        if (n->type == XML_ELEMENT_NODE
            && !strcmp((const char *)n->name, name)) {
            return 1;
        }
    }
    return 0;
}

/* An article's child the schema did not expect where it stands: written
 * twice, out of order, or something before it is missing. */
static void explain_in_article(xmlNodePtr node, bantin_explained *out)
{
    const char *name = (const char *)node->name;
    int at = order_of(node->name), i;
    xmlNodePtr n;

    if (at < 0) {
        explain(out, BANTIN_MSG_UNKNOWN_IN_ARTICLE, name, NULL);
        return;
    }
    if (has_child_before(node->parent->children, node, name)) {
        explain(out, BANTIN_MSG_TWICE, name, NULL);
        return;
    }
    for (n = node->parent->children; n != node; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && order_of(n->name) > at) {
            explain(out, BANTIN_MSG_ORDER, name, (const char *)n->name,
                    NULL);
            return;
        }
    }
    for (n = node->next; n; n = n->next) {
        int o = n->type == XML_ELEMENT_NODE ? order_of(n->name) : -1;
        if (o >= 0 && o < at) {
            explain(out, BANTIN_MSG_ORDER, (const char *)n->name, name,
                    NULL);
            return;
        }
    }
    for (i = 0; i < at; i++) {
        if (order[i].required
            && !has_child_before(node->parent->children, node,
                                 order[i].name)) {
            explain(out, BANTIN_MSG_MISSING_BEFORE, order[i].name, name,
                    NULL);
            return;
        }
    }
    explain(out, BANTIN_MSG_SCHEMA, "", NULL);
}

/* "04/01/2024", "4-1-2024", "2024/1/4": the day it means as 2024-01-04,
 * or NULL. */
static const char *iso_of(apr_pool_t *p, const char *s)
{
    int a, b, c, end = 0, y, m, d, ry, rm, rd;
    char s1, s2;

    if (sscanf(s, "%d%c%d%c%d%n", &a, &s1, &b, &s2, &c, &end) != 5
        || s[end] || s1 != s2 || !strchr("/-.", s1)) {
        return NULL;
    }
    if (a > 31) {
        y = a, m = b, d = c;
    }
    else {
        d = a, m = b, y = c;
    }
    if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
        return NULL;
    }
    bantin_civil_from_days(bantin_days_from_civil(y, m, d), &ry, &rm, &rd);
    if (ry != y || rm != m || rd != d) {
        return NULL;
    }
    return apr_psprintf(p, "%04d-%02d-%02d", y, m, d);
}

static const char *trimmed_text(apr_pool_t *p, xmlNodePtr node)
{
    xmlChar *raw = xmlNodeGetContent(node);
    const char *s = raw ? (const char *)raw : "", *e;
    const char *out;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
        s++;
    }
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'
                     || e[-1] == '\r')) {
        e--;
    }
    out = apr_pstrmemdup(p, s, (apr_size_t)(e - s));
    xmlFree(raw);
    return out;
}

static void explain_date_form(apr_pool_t *p, const char *value,
                              bantin_explained *out)
{
    const char *iso = iso_of(p, value);
    if (iso) {
        explain(out, BANTIN_MSG_DATE_DMY, iso, value, NULL);
    }
    else {
        explain(out, BANTIN_MSG_DATE_FORM, value, NULL);
    }
}

static int is_named(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE
           && !strcmp((const char *)n->name, name);
}

void bantin_explain_rng(apr_pool_t *p, const xmlError *err,
                        xmlNodePtr node, bantin_explained *out)
{
    xmlNodePtr parent;
    const char *name;

    if (!node || node->type != XML_ELEMENT_NODE) {
        explain(out, BANTIN_MSG_SCHEMA, or_empty(err->message), NULL);
        return;
    }
    name = (const char *)node->name;
    parent = node->parent && node->parent->type == XML_ELEMENT_NODE
                 ? node->parent : NULL;
    switch (err->code) {
    case XML_RELAXNG_ERR_DATATYPE: {
        const char *value = trimmed_text(p, node);
        if (!*value) {
            explain(out, BANTIN_MSG_EMPTY_ELEM, name, NULL);
        }
        else if (is_named(node, "date") || is_named(node, "expires")) {
            explain_date_form(p, value, out);
        }
        else {
            break;
        }
        return;
    }
    case XML_RELAXNG_ERR_DATAELEM: {
        /* about the element of plain text, or the element inside it */
        xmlNodePtr inner = node->children;
        while (inner && inner->type != XML_ELEMENT_NODE) {
            inner = inner->next;
        }
        if (err->str1 && !strcmp(err->str1, name) && inner) {
            name = (const char *)inner->name;
        }
        if (err->str1) {
            explain(out, BANTIN_MSG_PLAIN_TEXT, err->str1, name, NULL);
            return;
        }
        break;
    }
    case XML_RELAXNG_ERR_ELEMNAME:
    case XML_RELAXNG_ERR_ELEMWRONG:
        if (!parent) {
            explain(out, BANTIN_MSG_NOT_ARTICLE, name, NULL);
        }
        else if (is_named(parent, "article")) {
            explain_in_article(node, out);
        }
        else if (is_named(parent, "body")) {
            explain(out, BANTIN_MSG_UNKNOWN_IN_BODY, name, NULL);
        }
        else if (is_named(parent, "figure")) {
            explain(out, BANTIN_MSG_UNKNOWN_IN_FIGURE, name, NULL);
        }
        else {
            explain(out, BANTIN_MSG_UNKNOWN_IN_TEXT, name, NULL);
        }
        if (out->id == BANTIN_MSG_SCHEMA) {
            break;
        }
        return;
    case XML_RELAXNG_ERR_NOELEM:
        if (is_named(node, "body")) {
            explain(out, BANTIN_MSG_EMPTY_BODY, NULL);
            return;
        }
        if (is_named(node, "figure")) {
            explain(out, BANTIN_MSG_NO_CAPTION, NULL);
            return;
        }
        if (is_named(node, "article")) {
            int i;
            for (i = 0; i < NORDER; i++) {
                if (order[i].required
                    && !has_child_before(node->children, NULL,
                                         order[i].name)) {
                    explain(out, BANTIN_MSG_MISSING, order[i].name, NULL);
                    return;
                }
            }
        }
        break;
    case XML_RELAXNG_ERR_TEXTWRONG:
    case XML_RELAXNG_ERR_EXTRACONTENT:
        explain(out, is_named(node, "body") ? BANTIN_MSG_TEXT_IN_BODY
                                            : BANTIN_MSG_TEXT_IN,
                name, NULL);
        return;
    case XML_RELAXNG_ERR_INVALIDATTR:
        if (err->str1 && !strcmp(err->str1, "status")
            && is_named(node, "article")) {
            xmlChar *v = xmlGetProp(node, (const xmlChar *)"status");
            const char *value = apr_pstrdup(p, v ? (const char *)v : "");
            xmlFree(v);
            explain(out, BANTIN_MSG_STATUS_VALUE, value, NULL);
            return;
        }
        if (err->str1) {
            explain(out, BANTIN_MSG_UNKNOWN_ATTR, name, err->str1, NULL);
            return;
        }
        break;
    case XML_RELAXNG_ERR_ATTRVALID:
        if (is_named(node, "a")
            && !xmlHasProp(node, (const xmlChar *)"href")) {
            explain(out, BANTIN_MSG_LINK_NO_HREF, NULL);
            return;
        }
        break;
    default:
        break;
    }
    explain(out, BANTIN_MSG_SCHEMA, or_empty(err->message), NULL);
}

void bantin_explain_date(apr_pool_t *p, const char *err, const char *value,
                         bantin_explained *out)
{
    if (strstr(err, "real calendar day")) {
        explain(out, BANTIN_MSG_DATE_NOT_REAL, value, NULL);
    }
    else if (strstr(err, "out of range")) {
        explain(out, BANTIN_MSG_TIME_RANGE, value, NULL);
    }
    else {
        explain_date_form(p, value, out);
    }
}

/* The name the portal would take for a file it skips for its name: every
 * folder and the base name folded to a slug ("Bài Viết 1.xml" ->
 * "bai-viet-1.xml"), or NULL when nothing is left of one of them. */
const char *bantin_explain_file_name(apr_pool_t *p, const char *rel)
{
    const char *out = NULL, *seg = rel, *slash;

    do {
        const char *end, *slug;
        slash = strchr(seg, '/');
        end = slash ? slash : seg + strlen(seg);
        if (!slash && end - seg > 4 && !strcasecmp(end - 4, ".xml")) {
            end -= 4;
        }
        slug = bantin_slugify(p, apr_pstrmemdup(p, seg,
                                                (apr_size_t)(end - seg)));
        if (!*slug) {
            return NULL;
        }
        out = out ? apr_pstrcat(p, out, "/", slug, NULL) : slug;
        seg = slash + 1;
    } while (slash);
    return apr_pstrcat(p, out, ".xml", NULL);
}
