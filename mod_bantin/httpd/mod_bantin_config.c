/* mod_bantin_config.c -- the Bantin* directives the httpd way: one
 * command per row of the core's table (bantin_directives.h), all read by
 * one setter, and the per-directory config created with unset sentinels
 * and merged `add` over `base`.  The values' checks, and their messages,
 * are the core's, shared with nginx; the core gives the defaults
 * (bantin_settings.h).
 *
 * Directives are checked while the config is read, so a wrong value or
 * directory, or a template that does not compile, fails `apachectl -t`
 * with one line naming the directive, the value and why -- except when
 * httpd only reads the config to stop a running server (see
 * mod_bantin_startup.c).
 */
#include "apr_strings.h"
#include "http_core.h"

#include "mod_bantin.h"

bantin_registry bantin_reg = {NULL, NULL, NULL, UNSET, NULL, NULL, 0, NULL};
apr_array_header_t *bantin_sections;

static apr_status_t registry_reset(void *unused)
{
    (void)unused;
    bantin_registry_reset(&bantin_reg);
    bantin_sections = NULL;
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* configuration                                                           */

void *bantin_create_conf(apr_pool_t *p, char *dir)
{
    bantin_conf *c = apr_pcalloc(p, sizeof(*c));

    bantin_section_unset(&c->d, dir);
    if (!bantin_sections) {
        bantin_sections = apr_array_make(p, 8, sizeof(bantin_conf *));
        apr_pool_cleanup_register(p, NULL, registry_reset,
                                  apr_pool_cleanup_null);
    }
    APR_ARRAY_PUSH(bantin_sections, bantin_conf *) = c;
    return c;
}

void *bantin_merge_conf(apr_pool_t *p, void *basev, void *addv)
{
    bantin_conf *base = basev, *add = addv;
    bantin_conf *c = apr_pcalloc(p, sizeof(*c));

    bantin_section_merge(&c->d, &base->d, &add->d);
    return c;
}

/* Every Bantin* directive: cmd->info is its row of the table. */
static const char *set_directive(cmd_parms *cmd, void *cfg, const char *args)
{
    const bantin_directive *d = cmd->info;
    bantin_conf *c = cfg;
    apr_array_header_t *words = apr_array_make(cmd->temp_pool, 4,
                                               sizeof(const char *));
    const char *err, *w, *path = NULL;

    if (d->server_only && (err = ap_check_cmd_context(cmd, GLOBAL_ONLY))) {
        return err;
    }
    /* A stop needs neither content nor templates, and must not fail for
     * a dir gone or a template broken under the running server
     * (mod_bantin_startup.c).  Whether the server's User can read the
     * content: bantin_check_config, once User is surely read. */
    if (bantin_directive_is_dir(d) && bantin_only_stopping(cmd->temp_pool)) {
        return NULL;
    }
    if (d->many) {
        /* word by word, quoted or not: "1 2 3" and 1 2 3 mean the same */
        while (*args && *(w = ap_getword_conf(cmd->pool, &args))) {
            APR_ARRAY_PUSH(words, const char *) = w;
        }
    }
    else {
        APR_ARRAY_PUSH(words, const char *) = args;
    }
    if (bantin_directive_takes_path(d)) {
        path = ap_server_root_relative(cmd->pool, args);
    }
    err = bantin_directive_set(cmd->pool, d, BANTIN_HTTPD, &c->d, &bantin_reg,
                               words->nelts, (const char **)words->elts,
                               path);
    if (!err && d->kind == BANTIN_V_CONTENT_DIR) {
        c->server = cmd->server;
    }
    return err;
}

/* One command per row of the table, filled in when the module is loaded
 * (before LoadModule hands httpd the commands). */
command_rec bantin_cmds[BANTIN_D_COUNT + 1];

static void __attribute__((constructor)) bantin_cmds_fill(void)
{
    int i;

    for (i = 0; i < BANTIN_D_COUNT; i++) {
        const bantin_directive *d = &bantin_directives[i];
        command_rec *cmd = &bantin_cmds[i];
        cmd->name = d->name[BANTIN_HTTPD];
        if (d->many) {
            cmd->func.raw_args = set_directive;
            cmd->args_how = RAW_ARGS;
        }
        else {
            cmd->func.take1 = set_directive;
            cmd->args_how = TAKE1;
        }
        cmd->cmd_data = (void *)d;
        cmd->req_override = d->server_only ? RSRC_CONF
                                           : RSRC_CONF | ACCESS_CONF;
        cmd->errmsg = d->help;
    }
}
