/* bantin_article.h -- the article model, and loading one from XML.
 *
 * Loading does all the work a page needs that does not depend on the
 * request: it parses, validates against the compiled-in RELAX NG schema,
 * checks what a schema cannot (real calendar dates, safe URLs), and turns
 * inline markup into sanitised HTML once.  Rendering then only copies.
 */
#ifndef BANTIN_ARTICLE_H
#define BANTIN_ARTICLE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "bantin_date.h"
#include "bantin_messages.h"

/* Articles larger than this are refused before parsing. */
#define BANTIN_ARTICLE_MAX_BYTES (4 * 1024 * 1024)

typedef enum {
    BANTIN_BLOCK_PARAGRAPH,
    BANTIN_BLOCK_FIGURE
} bantin_block_kind_e;

typedef struct bantin_block {
    bantin_block_kind_e kind;
    const char *html;    /* sanitised inner HTML of the <p> or caption */
    const char *text;    /* figure: the caption as plain text (for alt) */
    const char *src;     /* figure: NULL, a media path or an http(s) URL */
    int src_is_media;    /* src is a path below the content dir */
} bantin_block;

typedef struct bantin_article {
    const char *slug;     /* "2024/giup-do-xa-kho-khan" */
    const char *path;     /* the file it came from, for messages */
    const char *title;
    const char *category; /* NULL when absent */
    const char *category_slug; /* the category folded to [a-z0-9-], or NULL */
    const char *summary;
    const char *author;   /* NULL when absent */
    bantin_date date;     /* also the moment it is published */
    apr_time_t expires;   /* hidden from then on; 0 = never */
    int draft;            /* status="draft": never shown */
    const bantin_block *blocks; /* the body, in order */
    int nblocks;
    int retired;          /* the store's mark: replaced or removed */
    apr_uint64_t hash;    /* of the file's bytes: the ETag's article part */
    apr_time_t mtime;     /* of the file, for Last-Modified; 0 unknown */
} bantin_article;

/* Is the article shown at this moment? */
int bantin_article_visible(const bantin_article *a, apr_time_t now);

/* Copies an article (with the given slug) into one malloc()ed block, so the
 * content store can replace and free articles one by one without a pool
 * each.  Returns NULL when out of memory.  Free with bantin_article_free. */
bantin_article *bantin_article_pack(const bantin_article *a,
                                    const char *slug);
void bantin_article_free(bantin_article *a);

/* What went wrong with a file, in the form compilers use.  message is
 * the English text (the error log's); msg and args are the table's id and
 * slots (bantin_messages.h), so that the text can be given in either
 * language by bantin_problem_text. */
typedef struct bantin_problem {
    const char *file;
    int line;            /* 0 when unknown */
    int col;             /* 0 when unknown */
    const char *message;
    int msg;             /* bantin_msg_e; BANTIN_MSG_RAW: message as it is */
    int nargs;
    const char *args[BANTIN_MSG_MAX_ARGS];
} bantin_problem;

typedef struct bantin_schema bantin_schema;

/* Initialises libxml2 (once, from the parent) and compiles the schema.
 * Returns NULL and sets *err on failure. */
bantin_schema *bantin_schema_load(apr_pool_t *p, const char **err);

/* Parses and validates one article held in memory.  On success returns
 * APR_SUCCESS and *out, allocated from p.  On failure returns APR_EINVAL
 * and fills *problem (allocated from p); nothing else is logged, so the
 * caller decides how often to report.  tz_min places plain dates. */
apr_status_t bantin_article_parse(apr_pool_t *p, const bantin_schema *schema,
                                  const char *file, const char *data,
                                  apr_size_t len, int tz_min,
                                  bantin_article **out,
                                  bantin_problem *problem);

/* Reads a whole file into p, refusing more than BANTIN_ARTICLE_MAX_BYTES;
 * on failure fills problem. */
apr_status_t bantin_article_read(apr_pool_t *p, const char *file,
                                 const char **data, apr_size_t *len,
                                 bantin_problem *problem);

/* The same for name below the folder open as dirfd ("folder/name" too),
 * opened by bantin_fs_open_below: no symbolic link is followed anywhere on
 * the way.  file is the path shown in problems. */
apr_status_t bantin_article_read_at(apr_pool_t *p, int dirfd,
                                    const char *name, const char *file,
                                    const char **data, apr_size_t *len,
                                    bantin_problem *problem);

/* The same from an open descriptor (not closed here): for files opened
 * relative to a folder's descriptor some other way (the state dir's).
 * Refuses anything but a regular file; file names it in problems. */
apr_status_t bantin_article_read_fd(apr_pool_t *p, int fd, const char *file,
                                    const char **data, apr_size_t *len,
                                    bantin_problem *problem);

/* Reads a file and parses it as above. */
apr_status_t bantin_article_load(apr_pool_t *p, const bantin_schema *schema,
                                 const char *file, int tz_min,
                                 bantin_article **out,
                                 bantin_problem *problem);

/* The line of the first start tag with more than 32 attributes, or of the
 * 17th namespace declaration, or 0: what keeps libxml2 2.9 busy for
 * minutes, refused before parsing (any other XML the module reads). */
int bantin_xml_crowded(const char *data, apr_size_t len);

/* "file:line:col: message" (line/col left out when unknown). */
const char *bantin_problem_str(apr_pool_t *p, const bantin_problem *pr);

/* The same in the given language. */
const char *bantin_problem_text(apr_pool_t *p, const bantin_problem *pr,
                                bantin_lang_e lang);

/* Sets pr's message from the table: id and its slots, NULL-terminated
 * (each slot is cleaned to one short line of UTF-8). */
void bantin_problem_set(apr_pool_t *p, bantin_problem *pr, int id, ...);

#endif
