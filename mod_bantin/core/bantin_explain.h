/* bantin_explain.h -- what libxml2's errors about an article mean to the
 * editor who wrote it.
 *
 * libxml2 reports "xmlParseEntityRef: no name" for the bare & of
 * "NN & PTNT" and "Error validating datatype string" for a date written
 * 04/01/2024.  These functions turn an error (its code, its strings, the
 * node it is about) into a message of the table (bantin_messages.h) that
 * says what to write instead; what they do not recognise keeps libxml2's
 * words inside a general message.
 */
#ifndef BANTIN_EXPLAIN_H
#define BANTIN_EXPLAIN_H

#include <apr_pools.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "bantin_messages.h"

typedef struct {
    int id;                   /* bantin_msg_e */
    int nargs;
    const char *args[BANTIN_MSG_MAX_ARGS];
} bantin_explained;

/* A file's bytes that are plainly not UTF-8 before any parsing (a UTF-16
 * byte order mark or zero bytes around ASCII): BANTIN_MSG_UTF16, or 0. */
int bantin_explain_encoding(const char *data, apr_size_t len);

/* A well-formedness error of the parser. */
void bantin_explain_xml(apr_pool_t *p, const xmlError *err,
                        bantin_explained *out);

/* A RELAX NG validation error about node (may be NULL). */
void bantin_explain_rng(apr_pool_t *p, const xmlError *err,
                        xmlNodePtr node, bantin_explained *out);

/* A bantin_date_parse error for value, which passed the schema's
 * pattern. */
void bantin_explain_date(apr_pool_t *p, const char *err, const char *value,
                         bantin_explained *out);

/* The name the portal would take for a file it skips for its name
 * (rel, below the content dir): every folder and the base name folded to
 * a slug ("Tin Tức/Bài Viết 1.xml" -> "tin-tuc/bai-viet-1.xml"), or NULL
 * when nothing is left of one of them. */
const char *bantin_explain_file_name(apr_pool_t *p, const char *rel);

#endif
