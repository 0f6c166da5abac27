/* bantin_parent.c -- what a server's parent process, started as root,
 * prepares for the processes that serve as another user (see
 * bantin_parent.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "bantin_parent.h"
#include "bantin_safedir.h"
#include "bantin_search.h"

/* A forked process drops to the user (as a serving process does: its
 * groups, then its uid), prepares, and writes why it failed, if it did,
 * into a pipe. */
apr_status_t bantin_parent_prepare_search(apr_pool_t *p, const char *path,
                                          const bantin_user *user,
                                          const char **err)
{
    int fds[2], status;
    pid_t pid;
    char why[512];
    ssize_t n, got = 0;

    if (geteuid() != 0) {
        return bantin_search_prepare(p, path, err);
    }
    if (pipe(fds) != 0) {
        *err = apr_psprintf(p, "%s: %s", path, strerror(errno));
        return APR_FROM_OS_ERROR(errno);
    }
    if ((pid = fork()) == 0) {
        const char *e = "";
        close(fds[0]);
        gid_t gid = user->gid;
        if (setgid(gid) != 0
            || (user->name[0] == '#' /* "User #33" */
                    ? setgroups(1, &gid)
                    : initgroups(user->name, gid)) != 0
            || setuid(user->uid) != 0 || geteuid() == 0) {
            e = apr_psprintf(p, "%s: cannot become the server's User: %s",
                             path, strerror(errno));
        }
        else if (bantin_search_prepare(p, path, &e) == APR_SUCCESS) {
            e = "";
        }
        if (write(fds[1], e, strlen(e)) < 0) {
            _exit(2);
        }
        _exit(*e ? 1 : 0);
    }
    close(fds[1]);
    while (pid > 0 && got < (ssize_t)sizeof(why) - 1
           && ((n = read(fds[0], why + got, sizeof(why) - 1 - (size_t)got)) > 0
               || (n < 0 && errno == EINTR))) {
        got += n > 0 ? n : 0;
    }
    close(fds[0]);
    why[got] = '\0';
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0) {
        *err = got ? apr_pstrdup(p, why)
                   : apr_psprintf(p, "%s: the check as the server's User "
                                  "failed", path);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}


int bantin_parent_default_dir(apr_pool_t *ptemp, const char *dir,
                              const char *instance, int in_reach,
                              const char **why)
{
    mode_t old;
    int fd;

    /* 0755 whatever the server's umask; the state root too (the serving
     * processes open the index by its path through it), not the start
     * cache's (0700: bantin_startcache_dir makes it) */
    old = umask(022);
    fd = bantin_safedir_open(ptemp, dir, 0755, why);
    if (fd >= 0 && in_reach) {
        fd = bantin_safedir_open(ptemp, apr_pstrcat(ptemp, dir, "/", instance,
                                                    NULL), 0755, why);
    }
    umask(old);
    return fd < 0 ? -1 : 0;
}

/* /proc/self/cmdline holds the words NUL-separated. */
int bantin_parent_cmdline(apr_pool_t *p, int *argc, const char ***argv)
{
    apr_array_header_t *args = apr_array_make(p, 8, sizeof(const char *));
    apr_size_t len = 0, cap = 4096;
    char *buf = apr_palloc(p, cap);
    const char *at;
    ssize_t n;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return 0;
    }
    while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (apr_size_t)n;
        if (len == cap - 1) {
            char *more = apr_palloc(p, cap * 2);
            memcpy(more, buf, len);
            buf = more;
            cap *= 2;
        }
    }
    close(fd);
    if (n < 0 || len == 0) {
        return 0;
    }
    buf[len] = '\0';
    for (at = buf; at < buf + len; at += strlen(at) + 1) {
        APR_ARRAY_PUSH(args, const char *) = at;
    }
    APR_ARRAY_PUSH(args, const char *) = NULL;
    *argc = args->nelts - 1;
    *argv = (const char **)args->elts;
    return 1;
}

const char *bantin_argv_option(int argc, const char *const *argv, char c)
{
    const char *v = NULL;
    int i;

    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] != c) {
            continue;
        }
        if (!argv[i][2] && i + 1 < argc) {
            v = argv[++i];
        }
        else {
            v = argv[i] + 2;
        }
    }
    return v;
}
