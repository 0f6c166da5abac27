/* bantin_state.c -- see bantin_state.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "bantin_log.h"
#include "bantin_state.h"

struct bantin_state {
    const char *dir; /* root/<hash of the content dir> */
};

/* "2024/x.xml" -> "2024+x.xml": slugs hold only [a-z0-9-/], so '+' cannot
 * clash, and one flat folder needs no mkdir per article. */
static const char *flat(apr_pool_t *p, const bantin_state *st,
                        const char *rel, const char *suffix)
{
    char *f = apr_pstrcat(p, st->dir, "/", rel, suffix, NULL), *c;
    for (c = f + strlen(st->dir) + 1; *c; c++) {
        if (*c == '/') {
            *c = '+';
        }
    }
    return f;
}

bantin_state *bantin_state_open(apr_pool_t *p, const char *root,
                                const char *dir)
{
    bantin_state *st = apr_pcalloc(p, sizeof(*st));
    apr_ssize_t n = APR_HASH_KEY_STRING;
    unsigned int h = apr_hashfunc_default(dir, &n);
    apr_status_t rv;
    apr_dir_t *d;
    apr_finfo_t fi;

    st->dir = apr_psprintf(p, "%s/%08x", root, h);
    rv = apr_dir_make_recursive(st->dir, APR_FPROT_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_dir_open(&d, st->dir, p);
    }
    if (rv != APR_SUCCESS) {
        char buf[120];
        bantin_log(BANTIN_LOG_WARN, "BT0108 %s: state directory unusable "
                   "(%s): last good copies are not shared between "
                   "processes", st->dir, apr_strerror(rv, buf, sizeof(buf)));
        return NULL;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        apr_size_t len = strlen(fi.name);
        if (len > 4 && !strcmp(fi.name + len - 4, ".bad")) {
            apr_file_remove(apr_pstrcat(p, st->dir, "/", fi.name, NULL), p);
        }
    }
    apr_dir_close(d);
    return st;
}

const char *bantin_state_dir(const bantin_state *st)
{
    return st->dir;
}

void bantin_state_save_good(bantin_state *st, apr_pool_t *p, const char *rel,
                            const char *data, apr_size_t len,
                            apr_time_t src_mtime)
{
    const char *path = flat(p, st, rel, "");
    char *tmp;
    apr_finfo_t fi;
    int fd, written;

    if (apr_stat(&fi, path, APR_FINFO_MTIME, p) == APR_SUCCESS
        && fi.mtime >= src_mtime) {
        return; /* another process saved this version already */
    }
    /* A name of its own (mkstemp): two threads of one child may save the
     * same article at once, and must not write into one file. */
    tmp = apr_pstrcat(p, path, ".XXXXXX", NULL);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
        return;
    }
    written = fchmod(fd, 0644) == 0
              && write(fd, data, len) == (ssize_t)len;
    if (close(fd) != 0 || !written) {
        unlink(tmp);
        return;
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
    }
}

const char *bantin_state_good_copy(bantin_state *st, apr_pool_t *p,
                                   const char *rel, apr_time_t after)
{
    const char *path = flat(p, st, rel, "");
    apr_finfo_t fi;

    if (apr_stat(&fi, path, APR_FINFO_MTIME, p) != APR_SUCCESS
        || fi.mtime <= after) {
        return NULL;
    }
    return path;
}

void bantin_state_forget(bantin_state *st, apr_pool_t *p, const char *rel)
{
    unlink(flat(p, st, rel, ""));
}

int bantin_state_claim_log(bantin_state *st, apr_pool_t *p, const char *rel,
                           const apr_finfo_t *fi)
{
    const char *marker = flat(p, st, rel,
                              apr_psprintf(p, "@%lu-%" APR_TIME_T_FMT "-%"
                                           APR_OFF_T_FMT ".bad",
                                           (unsigned long)fi->inode,
                                           fi->mtime, fi->size));
    int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    if (fd < 0) {
        return errno != EEXIST; /* when in doubt, log */
    }
    close(fd);
    return 1;
}
