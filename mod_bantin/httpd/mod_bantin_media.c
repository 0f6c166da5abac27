/* mod_bantin_media.c -- files served as they are: images below the content
 * dir (/media/…), opened without following any symbolic link, and the
 * theme's stylesheet and script (/static/…).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apr_strings.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "bantin_fs.h"
#include "mod_bantin_handlers.h"

static const char *media_type(const char *path)
{
    static const char *const types[][2] = {
        {".png", "image/png"},   {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
        {".webp", "image/webp"}, {".avif", "image/avif"},
    };
    const char *dot = strrchr(path, '.');
    apr_size_t i;

    for (i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++) {
        if (!strcasecmp(dot, types[i][0])) {
            return types[i][1];
        }
    }
    return NULL;
}

/* The one owner of the fd open_below returns: the request pool's cleanup,
 * which runs once the response (and so any file bucket reading from it) is
 * out.  Nothing else may close it: an fd closed twice in a threaded MPM
 * closes whatever the number means by then, often another client's socket. */
static apr_status_t close_fd(void *fd)
{
    close((int)(intptr_t)fd);
    return APR_SUCCESS;
}

/* Opens rel below dir without following a symbolic link anywhere: one
 * openat(O_NOFOLLOW) per component (bantin_fs_open_below), so nothing can
 * be swapped for a link between a check and the open.  Only a regular
 * file (a FIFO is refused without waiting for a writer). */
static apr_status_t open_below(apr_pool_t *p, const char *dir,
                               const char *rel, apr_file_t **out)
{
    int top = bantin_fs_open_top(dir), fd;

    if (top < 0) {
        return APR_ENOENT;
    }
    fd = bantin_fs_open_below(top, rel, BANTIN_FS_FILE);
    close(top);
    if (fd < 0) {
        return APR_ENOENT;
    }
    apr_pool_cleanup_register(p, (void *)(intptr_t)fd, close_fd,
                              apr_pool_cleanup_null);
    return apr_os_file_put(out, &fd, APR_FOPEN_READ
                           | APR_FOPEN_SENDFILE_ENABLED, p);
}

/* Serves an image below the content dir, opened component by component
 * without following any symbolic link (open_below), so no link swapped in
 * between a check and the open can lead outside. */
int bantin_handle_media(request_rec *r, const bantin_conf *c,
                        const bantin_view *v, const char *rel)
{
    const char *type = media_type(rel), *path = c->content->dir;
    apr_finfo_t fi;
    apr_file_t *f;
    apr_bucket_brigade *bb;
    int rc;

    if (!type) {
        return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
    }
    if (open_below(r->pool, path, rel, &f) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_MTIME
                             | APR_FINFO_INODE, f) != APR_SUCCESS) {
        return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
    }
    r->finfo = fi;
    ap_update_mtime(r, fi.mtime);
    ap_set_last_modified(r);
    ap_set_etag(r);
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    if ((rc = ap_meets_conditions(r)) != OK) {
        return bantin_send_condition(r, rc);
    }
    ap_set_content_length(r, fi.size);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_brigade_insert_file(bb, f, 0, fi.size, r->pool);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                    r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

/* The theme's stylesheet (its font steps filled in from the settings) and
 * its script. */
int bantin_handle_static(request_rec *r, const bantin_conf *c,
                         const bantin_view *v, const char *name)
{
    bantin_page pg;
    const char *ctype;

    if (!bantin_render_static(r->pool, c->templates->theme, v, name, &pg,
                              &ctype)) {
        return bantin_send_error(r, c, v, HTTP_NOT_FOUND);
    }
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Cache-Control", "max-age=3600");
    return bantin_send_body(r, ctype, pg.data, pg.len);
}
