/* mod_bantin_startup.c -- what httpd is about to do with the config it
 * read: only stop a running server, or start, restart or test one; and the
 * checks made once the whole config is read (check_config).
 *
 * Why a stop must be told apart.  httpd reads the whole config for
 * `-k stop` and `-k graceful-stop` too: directive handlers run
 * (ap_process_config_tree), then the check_config hooks, and only then
 * does the stopping process send its signal and exit, before post_config
 * (server/main.c, ap_signal_server in server/mpm_unix.c).  A check that
 * fails on the way -- a template broken or a content dir removed under
 * the running server -- would keep the admin from stopping it.  Those
 * checks are for a server that is to be started or tested, so a stop
 * skips them; `-k restart` and `-k graceful` keep them, so that a broken
 * config is refused before the running server is told to read it.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "apr_getopt.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "unixd.h"

#include "bantin_date.h"
#include "bantin_fs.h"
#include "mod_bantin.h"

/* The command line as the process was started, from /proc/self/cmdline
 * (NUL-separated), or 0 where it cannot be read. */
static int original_argv(apr_pool_t *p, int *argc, const char ***argv)
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

/* httpd 2.4 does not tell a module which -k it was given: the MPM's
 * rewrite_args takes -k out of process->argv into a static of its own
 * (ap_mpm_rewrite_args, server/mpm_unix.c), and ap_state_query only tells
 * a test (-t) or a dump (-S) from a run.  So the original command line is
 * parsed the way ap_mpm_rewrite_args parses it: the first -k with a known
 * value counts.  Where it cannot be read the answer is no, and every check
 * is made, as before.  Computed once per process: a running parent (never
 * a stop) keeps its answer across restarts. */
int bantin_only_stopping(apr_pool_t *ptemp)
{
    static int answer = -1;
    apr_getopt_t *opt;
    const char **argv, *optarg, *k = NULL;
    char ch;
    int argc;

    if (answer != -1) {
        return answer;
    }
    answer = 0;
    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_NORMAL
        || !original_argv(ptemp, &argc, &argv)
        || apr_getopt_init(&opt, ptemp, argc, argv) != APR_SUCCESS) {
        return answer;
    }
    opt->errfn = NULL;
    while (apr_getopt(opt, "k:" AP_SERVER_BASEARGS, &ch, &optarg)
           == APR_SUCCESS) {
        if (ch == 'k' && !k
            && (!strcmp(optarg, "start") || !strcmp(optarg, "stop")
                || !strcmp(optarg, "restart") || !strcmp(optarg, "graceful")
                || !strcmp(optarg, "graceful-stop"))) {
            k = optarg;
        }
    }
    answer = k && (!strcmp(k, "stop") || !strcmp(k, "graceful-stop"));
    return answer;
}

/* ---------------------------------------------------------------------- */
/* check_config                                                            */

/* A section's setting, else its server's (the base httpd merges every
 * section over: after ap_fixup_virtual_hosts a virtual host's holds the
 * main server's too), else UNSET. */
#define SETTING(c, srv, f) ((c)->f != UNSET ? (c)->f : (srv)->f)

static const char *section_name(apr_pool_t *p, const bantin_conf *c)
{
    return c->section ? apr_psprintf(p, "<Location %s>", c->section)
                      : "the server config";
}

static const char *zone_name(apr_pool_t *p, int tz_min, int is_default)
{
    if (is_default) {
        return "Asia/Ho_Chi_Minh, the default";
    }
    if (tz_min == 0) {
        return "UTC";
    }
    return apr_psprintf(p, "%c%02d:%02d", tz_min < 0 ? '-' : '+',
                        (tz_min < 0 ? -tz_min : tz_min) / 60,
                        (tz_min < 0 ? -tz_min : tz_min) % 60);
}

/* A content dir the server's User cannot read (or reach) fails here: the
 * parent (root) could read it, and would start an empty portal.  In
 * check_config, when the whole config is read: User may come after the
 * portal's section. */
static int check_user_may_read(apr_pool_t *ptemp)
{
    const bantin_fs_reader *user;
    int i;

    if (geteuid() != 0) {
        return OK;
    }
    user = bantin_fs_reader_make(ptemp, ap_unixd_config.user_name,
                                 ap_unixd_config.user_id,
                                 ap_unixd_config.group_id);
    for (i = 0; bantin_reg.sources && i < bantin_reg.sources->nelts; i++) {
        const bantin_source *src = APR_ARRAY_IDX(bantin_reg.sources, i,
                                                 bantin_source *);
        const char *why;
        if (!src->is_theme
            && !bantin_fs_reader_may_path(ptemp, user, src->dir, &why)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_ERR, 0, NULL,
                         "BantinContentDir: %s", why);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* Settles what each content dir's store is made with, from every section
 * naming it, with what those sections inherit from their server:
 * - the zone places plain dates, so it decides when an article is
 *   published: a content dir is published in one zone, and sections over
 *   one dir in two zones (set, inherited or the default) fail here;
 * - BantinWatch walk in any of them walks (it sees all inotify does);
 * - the shortest BantinCheckInterval among them wins.
 * A stop (see above) settles nothing and fails nothing. */
int bantin_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                        apr_pool_t *ptemp, server_rec *s)
{
    int i;

    (void)pconf; (void)plog; (void)s;
    if (!bantin_reg.sections || bantin_only_stopping(ptemp)) {
        return OK;
    }
    if (check_user_may_read(ptemp) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (i = 0; i < bantin_reg.sections->nelts; i++) {
        const bantin_conf *c = APR_ARRAY_IDX(bantin_reg.sections, i,
                                             bantin_conf *);
        const bantin_conf *srv;
        bantin_source *src = c->content;
        int tz, walk;
        apr_interval_time_t interval;

        if (!src || !c->server) {
            continue;
        }
        srv = ap_get_module_config(c->server->lookup_defaults,
                                   &bantin_module);
        tz = SETTING(c, srv, set.tz_min);
        walk = SETTING(c, srv, walk);
        interval = SETTING(c, srv, interval);
        if (src->tz_where == NULL) {
            src->tz_min = tz != UNSET ? tz : BANTIN_TZ_DEFAULT_MIN;
            src->tz_where = apr_psprintf(
                pconf, "%s (%s)", section_name(pconf, c),
                zone_name(pconf, src->tz_min, tz == UNSET));
        }
        else if ((tz != UNSET ? tz : BANTIN_TZ_DEFAULT_MIN) != src->tz_min) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_ERR, 0, NULL,
                         "BT0003 BantinTimeZone: BantinContentDir %s is "
                         "published in one zone, but %s and %s (%s) differ: "
                         "give them the same BantinTimeZone, or each its "
                         "own content dir", src->dir, src->tz_where,
                         section_name(ptemp, c),
                         zone_name(ptemp, tz != UNSET ? tz
                                                      : BANTIN_TZ_DEFAULT_MIN,
                                   tz == UNSET));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (walk == 1) {
            src->walk = 1;
        }
        if (interval != UNSET
            && (src->interval == UNSET || interval < src->interval)) {
            src->interval = interval;
        }
    }
    return OK;
}
