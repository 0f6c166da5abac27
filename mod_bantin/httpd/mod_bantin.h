/* mod_bantin.h -- what the httpd glue files share: the per-directory
 * config and the registry of content and template dirs, and the handlers.
 * Only the glue (mod_bantin/httpd) includes httpd headers. */
#ifndef MOD_BANTIN_H
#define MOD_BANTIN_H

#include "httpd.h"
#include "http_config.h"

#include "bantin_lifecycle.h"

extern module AP_MODULE_DECLARE_DATA bantin_module;

#define UNSET BANTIN_UNSET

/* Where the index and the start cache live unless configured, when the
 * parent runs as root: on disk, where Debian keeps regenerable data (not
 * in the runtime dir, a tmpfs: RAM, emptied at boot); one folder per
 * instance below each (bantin_state_instance). */
#define DEFAULT_CACHE_BASE "/var/cache/apache2/mod_bantin"

/* A <Location>'s config: what its directives say (bantin_directives.h)
 * and where BantinContentDir was read. */
typedef struct {
    bantin_section d;
    server_rec *server;      /* where BantinContentDir was read: its
                              * settings are this section's defaults */
} bantin_conf;

/* The config being read: filled while httpd reads it (one thread),
 * read-only once children run, reset when pconf is cleared.  The content
 * and template dirs, the server-wide directives, and this process's page
 * cache (bantin_lifecycle.h). */
extern bantin_registry bantin_reg;

/* Every bantin_conf made, as written (of bantin_conf *), or NULL. */
extern apr_array_header_t *bantin_sections;

extern command_rec bantin_cmds[];
void *bantin_create_conf(apr_pool_t *p, char *dir);
void *bantin_merge_conf(apr_pool_t *p, void *basev, void *addv);

/* mod_bantin_startup.c: is this process only stopping a running server
 * (-k stop, -k graceful-stop)?  Then checks that only matter to a server
 * that is started or tested are skipped.  And the check_config hook that
 * settles each content dir's zone, watch and interval. */
int bantin_only_stopping(apr_pool_t *ptemp);
int bantin_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                        apr_pool_t *ptemp, server_rec *s);

/* mod_bantin_respond.c: SetHandler bantin and SetHandler bantin-status. */
int bantin_handler(request_rec *r);
int bantin_status_handler(request_rec *r);

#endif
