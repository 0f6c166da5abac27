/* bantin_buf.h -- a growable byte buffer on an APR pool, and the escapes
 * every byte of article or request data goes through on its way to HTML.
 *
 * Pages are built into one contiguous buffer so the handler can hand httpd
 * a single bucket instead of many small writes.
 */
#ifndef BANTIN_BUF_H
#define BANTIN_BUF_H

#include <apr_pools.h>

typedef struct bantin_buf {
    apr_pool_t *pool;
    char *data;
    apr_size_t len;
    apr_size_t cap;
} bantin_buf;

void bantin_buf_init(bantin_buf *b, apr_pool_t *pool, apr_size_t hint);
void bantin_buf_add(bantin_buf *b, const char *s, apr_size_t n);
void bantin_buf_adds(bantin_buf *b, const char *s);
void bantin_buf_addf(bantin_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NUL-terminates and returns the data (the buffer stays usable). */
const char *bantin_buf_cstr(bantin_buf *b);

/* Text and attribute context: & < > " ' are replaced by entities.  One
 * escape serves both contexts because every attribute is double-quoted
 * in our templates and the single quote is escaped too. */
void bantin_buf_add_html(bantin_buf *b, const char *s, apr_size_t n);
const char *bantin_html_escape(apr_pool_t *p, const char *s);

/* The text of sanitised HTML (ours: tags removed, the five entities and
 * &#39; decoded), blocks separated by spaces. */
char *bantin_html_text(apr_pool_t *p, const char *html);

/* Percent-encodes everything outside the unreserved set and '/', for
 * putting a slug or a media path into a URL. */
void bantin_buf_add_urlpath(bantin_buf *b, const char *s);

/* A 64-bit hash, eight bytes a step (FNV-1a's byte loop was a few percent
 * of loading 100,000 articles and the top symbol of a cached request):
 * content fingerprints of what editors and admins write, for ETags and
 * cache keys.  Each step can be undone, so it is no defence against
 * someone who chooses the input: what a reader chooses freely (the site,
 * from the Host header) never goes through it, but through SipHash below.
 * Chained calls go on where the last one stopped. */
#define BANTIN_HASH_INIT APR_UINT64_C(0xcbf29ce484222325)
apr_uint64_t bantin_hash64(apr_uint64_t h, const void *data, apr_size_t len);
apr_uint64_t bantin_hash_str(apr_uint64_t h, const char *s);

/* SipHash-2-4 (Aumasson and Bernstein): a 64-bit hash under a 128-bit key.
 * Under a secret key nobody can aim inputs at one value (the page cache's
 * index); under a known key, finding an input for a given value still
 * takes some 2^64 tries (the site in an ETag).  Fed in pieces, it gives
 * the hash of their concatenation. */
typedef struct bantin_sip {
    apr_uint64_t v0, v1, v2, v3;
    apr_uint64_t tail;       /* bytes not yet making a whole word */
    apr_size_t len;          /* bytes fed so far */
} bantin_sip;

#define BANTIN_SIP_KEY_LEN 16
void bantin_sip_init(bantin_sip *s, const unsigned char *key);
void bantin_sip_add(bantin_sip *s, const void *data, apr_size_t len);
apr_uint64_t bantin_sip_end(bantin_sip *s);
apr_uint64_t bantin_siphash(const unsigned char *key, const void *data,
                            apr_size_t len);

/* Is this href safe to emit?  Only http:, https:, mailto: and relative
 * references (no scheme) pass.  Browsers ignore ASCII tab/newline inside a
 * scheme ("java\tscript:"), so those and other control characters make a
 * URL unsafe outright. */
int bantin_href_is_safe(const char *href);

/* Is this a safe relative path below a directory: segments made of
 * [A-Za-z0-9._-], none empty, none starting with '.', not absolute? */
int bantin_relpath_is_safe(const char *path);

/* Is this a valid slug: segments of [a-z0-9-]+ joined by single '/'? */
int bantin_slug_is_valid(const char *slug, apr_size_t len);

#endif
