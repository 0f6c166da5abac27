/* bantin_search_fields.c -- see bantin_search_fields.h. */
#include <string.h>

#include <apr_strings.h>
#include <zlib.h>

#include "bantin_buf.h"
#include "bantin_search.h"
#include "bantin_search_fields.h"

/* Packed texts are cut off past this (an article is a few KB; the store
 * refuses files of more than a few MB long before). */
#define MAX_UNPACKED (64u * 1024 * 1024)

const char *bantin_search_text(apr_pool_t *p, const bantin_article *a)
{
    bantin_buf b;
    int i;

    bantin_buf_init(&b, p, 4096);
    for (i = 0; i < a->nblocks; i++) {
        bantin_buf_adds(&b, bantin_html_text(p, a->blocks[i].html));
        bantin_buf_adds(&b, "\n");
    }
    return bantin_buf_cstr(&b);
}

void bantin_search_fields_of(apr_pool_t *p, const bantin_article *a,
                             bantin_search_fields *f)
{
    f->title = a->title ? a->title : "";
    f->lead = a->summary ? a->summary : "";
    /* the author line and the category's name are shown on the page (and
     * the category in every listing): found like the body's words */
    f->body = apr_pstrcat(p, bantin_search_text(p, a),
                          a->author ? a->author : "", "\n",
                          a->category ? a->category : "", NULL);
}

/* Layout: the unpacked length (4 bytes, little-endian), then the zlib
 * stream of "title\0lead\0body\0". */
const void *bantin_search_fields_pack(apr_pool_t *p,
                                      const bantin_search_fields *f,
                                      apr_size_t *len)
{
    apr_size_t lt = strlen(f->title) + 1, ll = strlen(f->lead) + 1;
    apr_size_t lb = strlen(f->body) + 1, raw = lt + ll + lb;
    uLongf out;
    unsigned char *src, *blob;
    z_stream z;
    int done;

    if (raw > MAX_UNPACKED) {
        return NULL;
    }
    src = apr_palloc(p, raw);
    memcpy(src, f->title, lt);
    memcpy(src + lt, f->lead, ll);
    memcpy(src + lt + ll, f->body, lb);
    out = deflateBound(NULL, (uLong)raw);
    blob = apr_palloc(p, out + 4);
    blob[0] = (unsigned char)(raw & 0xff);
    blob[1] = (unsigned char)((raw >> 8) & 0xff);
    blob[2] = (unsigned char)((raw >> 16) & 0xff);
    blob[3] = (unsigned char)((raw >> 24) & 0xff);
    /* compress2()'s window and memory (256 KB zeroed a call) were a
     * third of the build's time; a few KB of text needs neither */
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 12, 5,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return NULL;
    }
    z.next_in = src;
    z.avail_in = (uInt)raw;
    z.next_out = blob + 4;
    z.avail_out = (uInt)out;
    done = deflate(&z, Z_FINISH) == Z_STREAM_END;
    out = z.total_out;
    deflateEnd(&z);
    if (!done) {
        return NULL;
    }
    *len = out + 4;
    return blob;
}

int bantin_search_fields_unpack(apr_pool_t *p, const void *blob,
                                apr_size_t len, bantin_search_fields *f)
{
    const unsigned char *b = blob;
    apr_size_t raw, lt, ll;
    uLongf got;
    char *src;

    if (!b || len < 4) {
        return 0;
    }
    raw = (apr_size_t)b[0] | (apr_size_t)b[1] << 8 | (apr_size_t)b[2] << 16
          | (apr_size_t)b[3] << 24;
    if (raw < 3 || raw > MAX_UNPACKED) {
        return 0;
    }
    src = apr_palloc(p, raw);
    got = (uLongf)raw;
    if (uncompress((Bytef *)src, &got, b + 4, (uLong)(len - 4)) != Z_OK
        || got != raw || src[raw - 1] != '\0') {
        return 0;
    }
    lt = strlen(src) + 1;
    if (lt >= raw) {
        return 0;
    }
    ll = strlen(src + lt) + 1;
    if (lt + ll >= raw) {
        return 0;
    }
    f->title = src;
    f->lead = src + lt;
    f->body = src + lt + ll;
    return 1;
}
