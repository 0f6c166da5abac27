/* bantin_stateclean.c -- see bantin_stateclean.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "bantin_buf.h"
#include "bantin_log.h"
#include "bantin_safedir.h"
#include "bantin_startcache.h"
#include "bantin_state.h"
#include "bantin_stateclean.h"

#define SUFFIX ".instance"
#define MAX_RECORD 65536 /* a record longer than this is not ours */
#define MAX_DEPTH 8      /* a state folder is flat; deeper is not ours */

const char *bantin_state_instance(apr_pool_t *p, const char *server_root,
                                  const char *config_file)
{
    return apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT,
                        bantin_hash_str(bantin_hash_str(BANTIN_HASH_INIT,
                                                        server_root),
                                        config_file));
}

/* The record of folder `name`, or NULL when there is none (or it is not a
 * regular file of this process's user: then it is not touched). */
static char *read_record(apr_pool_t *p, int rfd, const char *name)
{
    struct stat sb;
    char *buf;
    ssize_t n, got = 0;
    int fd = openat(rfd, apr_pstrcat(p, name, SUFFIX, NULL),
                    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)
        || sb.st_uid != geteuid() || sb.st_size >= MAX_RECORD) {
        close(fd);
        return NULL;
    }
    buf = apr_palloc(p, (apr_size_t)sb.st_size + 1);
    while (got < sb.st_size
           && ((n = read(fd, buf + got, (size_t)(sb.st_size - got))) > 0
               || (n < 0 && errno == EINTR))) {
        got += n > 0 ? n : 0;
    }
    close(fd);
    buf[got] = '\0';
    return buf;
}

/* Writes the record whole (temp file + rename): a reader never sees half. */
static void write_record(apr_pool_t *p, int rfd, const char *name,
                         const char *text)
{
    const char *final = apr_pstrcat(p, name, SUFFIX, NULL);
    const char *tmp = apr_psprintf(p, "%s.%ld.tmp", final, (long)getpid());
    apr_size_t len = strlen(text);
    int fd;

    unlinkat(rfd, tmp, 0);
    fd = openat(rfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                              | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;
    }
    if (write(fd, text, len) != (ssize_t)len || close(fd) != 0
        || renameat(rfd, tmp, rfd, final) != 0) {
        unlinkat(rfd, tmp, 0);
    }
}

/* Does the record (the content dir, then one instance a line) name
 * `instance`?  *others is set to the record without it. */
static int names(apr_pool_t *p, const char *record, const char *instance,
                 const char **others, int *nothers)
{
    char *copy = apr_pstrdup(p, record), *line, *last;
    const char *head = NULL, *rest = "";
    int found = 0;

    *nothers = 0;
    for (line = apr_strtok(copy, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        if (!head) {
            head = line;
        }
        else if (!strcmp(line, instance)) {
            found = 1;
        }
        else {
            rest = apr_pstrcat(p, rest, line, "\n", NULL);
            (*nothers)++;
        }
    }
    *others = apr_pstrcat(p, head ? head : "", "\n", rest, NULL);
    return found;
}

/* Removes folder `name` below dfd and all it holds, never through a
 * link: whatever is not a folder opened with O_NOFOLLOW is unlinked as
 * the entry it is (a link goes, not what it points at). */
static void remove_tree(int dfd, const char *name, int depth)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
                                   | O_CLOEXEC);
    DIR *d;
    struct dirent *de;

    if (fd < 0) {
        unlinkat(dfd, name, 0);
        return;
    }
    if (!(d = fdopendir(fd))) {
        close(fd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat sb;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
            continue;
        }
        if (depth < MAX_DEPTH
            && fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0
            && S_ISDIR(sb.st_mode)) {
            remove_tree(fd, de->d_name, depth + 1);
        }
        else {
            unlinkat(fd, de->d_name, 0);
        }
    }
    closedir(d);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

void bantin_state_sweep(apr_pool_t *p, const char *root,
                        const char *instance, const char *const *dirs,
                        int n)
{
    apr_pool_t *tmp;
    apr_hash_t *kept;
    const char *why;
    struct stat sb;
    DIR *d;
    struct dirent *de;
    int rfd, dup_fd, i;

    if (apr_pool_create(&tmp, p) != APR_SUCCESS) {
        return;
    }
    /* Only a root the parent owns and nobody else can write (as
     * bantin_state_open leaves it); otherwise nothing is touched. */
    rfd = bantin_safedir_open(tmp, root, 0, &why);
    if (rfd < 0 || fstat(rfd, &sb) != 0 || sb.st_uid != geteuid()
        || (sb.st_mode & 022)) {
        apr_pool_destroy(tmp);
        return;
    }
    kept = apr_hash_make(tmp);
    for (i = 0; i < n; i++) {
        const char *name = bantin_state_folder_name(tmp, dirs[i]);
        const char *record = read_record(tmp, rfd, name), *others;
        int nothers;
        apr_hash_set(kept, name, APR_HASH_KEY_STRING, name);
        if (!record || !names(tmp, record, instance, &others, &nothers)) {
            write_record(tmp, rfd, name,
                         apr_pstrcat(tmp, record ? others : dirs[i],
                                     record ? "" : "\n", instance, "\n",
                                     NULL));
        }
    }
    if ((dup_fd = dup(rfd)) < 0 || !(d = fdopendir(dup_fd))) {
        if (dup_fd >= 0) {
            close(dup_fd);
        }
        apr_pool_destroy(tmp);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        apr_size_t len = strlen(de->d_name), sl = strlen(SUFFIX);
        const char *name, *record, *others;
        int nothers;
        if (len <= sl || strcmp(de->d_name + len - sl, SUFFIX)) {
            continue;
        }
        name = apr_pstrmemdup(tmp, de->d_name, len - sl);
        if (apr_hash_get(kept, name, APR_HASH_KEY_STRING)
            || !(record = read_record(tmp, rfd, name))
            || !names(tmp, record, instance, &others, &nothers)) {
            continue; /* served, or not this instance's */
        }
        if (nothers) {
            write_record(tmp, rfd, name, others);
            continue;
        }
        remove_tree(rfd, name, 0);
        unlinkat(rfd, de->d_name, 0);
        bantin_log(BANTIN_LOG_INFO, "BT0121 %s/%s: state of %.*s removed: "
                   "no longer a content dir of this server", root, name,
                   (int)strcspn(others, "\n"), others);
    }
    closedir(d);
    apr_pool_destroy(tmp);
}

void bantin_startcache_sweep(apr_pool_t *p, const char *dir,
                             const char *const *names, int n)
{
    apr_pool_t *tmp;
    const char *why;
    DIR *d;
    struct dirent *de;
    int fd, dup_fd, i;

    if (apr_pool_create(&tmp, p) != APR_SUCCESS) {
        return;
    }
    if ((fd = bantin_startcache_dir(tmp, dir, &why)) < 0
        || (dup_fd = dup(fd)) < 0) {
        apr_pool_destroy(tmp);
        return;
    }
    if (!(d = fdopendir(dup_fd))) {
        close(dup_fd);
        apr_pool_destroy(tmp);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        apr_size_t len = strlen(de->d_name);
        if (len <= 6 || strcmp(de->d_name + len - 6, ".cache")) {
            continue;
        }
        for (i = 0; i < n && strcmp(names[i], de->d_name); i++) {
        }
        if (i == n) {
            unlinkat(fd, de->d_name, 0); /* a link: the link goes */
        }
    }
    closedir(d);
    apr_pool_destroy(tmp);
}
