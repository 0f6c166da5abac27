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
#include <string.h>

#include "apr_getopt.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "unixd.h"

#include "bantin_parent.h"
#include "mod_bantin.h"

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
        || !bantin_parent_cmdline(ptemp, &argc, &argv)
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
#define SETTING(c, srv, f) ((c)->d.f != UNSET ? (c)->d.f : (srv)->d.f)

/* Settles what each content dir's store is made with, from every section
 * naming it, with what those sections inherit from their server
 * (bantin_registry_settle: one zone per content dir, walk when any says
 * so, the shortest BantinCheckInterval); before that, a content dir the
 * server's User cannot read (or reach) fails: the parent (root) could
 * read it, and would start an empty portal.  In check_config, when the
 * whole config is read: User may come after the portal's section.  A
 * stop (see above) settles nothing and fails nothing. */
int bantin_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                        apr_pool_t *ptemp, server_rec *s)
{
    bantin_user user = {ap_unixd_config.user_name, ap_unixd_config.user_id,
                        ap_unixd_config.group_id};
    const char *err;
    int i;

    (void)plog; (void)s;
    if (!bantin_sections || bantin_only_stopping(ptemp)) {
        return OK;
    }
    err = bantin_registry_check_user(&bantin_reg, ptemp, BANTIN_HTTPD, &user);
    for (i = 0; !err && i < bantin_sections->nelts; i++) {
        const bantin_conf *c = APR_ARRAY_IDX(bantin_sections, i,
                                             bantin_conf *);
        const bantin_conf *srv;

        if (!c->d.content || !c->server) {
            continue;
        }
        srv = ap_get_module_config(c->server->lookup_defaults,
                                   &bantin_module);
        err = bantin_registry_settle(
            pconf, BANTIN_HTTPD, c->d.content,
            c->d.section ? apr_psprintf(pconf, "<Location %s>", c->d.section)
                         : "the server config",
            SETTING(c, srv, set.tz_min), SETTING(c, srv, walk),
            SETTING(c, srv, interval));
    }
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_ERR, 0, NULL, "%s",
                     err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
