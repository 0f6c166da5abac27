/* bantin_answer_files.c -- files served as they are: images below the
 * content dir (/media/...), opened without following any symbolic link,
 * and the theme's stylesheet and script (/static/...).  The core decides
 * (which file, which type, which headers) and opens the file; the server
 * sends it its own way (httpd: a file bucket, sendfile).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apr_portable.h"
#include "apr_strings.h"

#include "bantin_answer_int.h"
#include "bantin_fs.h"

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
 * which runs once the response (and so whatever the server reads from it)
 * is out.  Nothing else may close it: an fd closed twice in a threaded
 * server closes whatever the number means by then, often another
 * client's socket. */
static apr_status_t close_fd(void *fd)
{
    close((int)(intptr_t)fd);
    return APR_SUCCESS;
}

/* Opens rel below dir without following a symbolic link anywhere: one
 * openat(O_NOFOLLOW) per component (bantin_fs_open_below), so nothing can
 * be swapped for a link between a check and the open.  Only a regular
 * file (a FIFO is refused without waiting for a writer).  -1 if none. */
static int open_below(apr_pool_t *p, const char *dir, const char *rel,
                      apr_finfo_t *fi)
{
    int top = bantin_fs_open_top(dir), fd;
    apr_file_t *f;

    if (top < 0) {
        return -1;
    }
    fd = bantin_fs_open_below(top, rel, BANTIN_FS_FILE);
    close(top);
    if (fd < 0) {
        return -1;
    }
    apr_pool_cleanup_register(p, (void *)(intptr_t)fd, close_fd,
                              apr_pool_cleanup_null);
    if (apr_os_file_put(&f, &fd, APR_FOPEN_READ, p) != APR_SUCCESS
        || apr_file_info_get(fi, APR_FINFO_SIZE | APR_FINFO_MTIME
                             | APR_FINFO_INODE, f) != APR_SUCCESS) {
        return -1;
    }
    return fd;
}

/* An image below the content dir, with the server's own file validators
 * (its ETag of the file, Last-Modified from its mtime). */
void bantin_answer_media(bantin_ctx *x, const char *rel)
{
    const char *type = media_type(rel);
    char *when = apr_palloc(x->p, APR_RFC822_DATE_LEN);
    int fd;

    if (!type
        || (fd = open_below(x->p, x->portal->content_dir, rel,
                            &x->out->finfo)) < 0) {
        bantin_ans_error(x, 404);
        return;
    }
    x->out->fd = fd;
    x->out->modified = x->out->finfo.mtime;
    x->out->conditional = 1;
    x->out->ctype = type;
    apr_rfc822_date(when, x->out->finfo.mtime);
    bantin_ans_header(x, "Last-Modified", when, 0);
    bantin_ans_header(x, "ETag", NULL, 0); /* the server's, of the file */
    bantin_ans_header(x, "X-Content-Type-Options", "nosniff", 0);
}

/* The theme's stylesheet (its font steps filled in from the settings) and
 * its script. */
void bantin_answer_static(bantin_ctx *x, const char *name)
{
    bantin_page pg;
    const char *ctype;

    if (!bantin_render_static(x->p, x->portal->theme, &x->v, name, &pg,
                              &ctype)) {
        bantin_ans_error(x, 404);
        return;
    }
    bantin_ans_header(x, "X-Content-Type-Options", "nosniff", 0);
    bantin_ans_header(x, "Cache-Control", "max-age=3600", 0);
    bantin_ans_body(x, ctype, pg.data, pg.len);
}
