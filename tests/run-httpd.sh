#!/bin/sh
# Runs httpd in the foreground with the freshly built module, from a config
# generated under build/run/ -- the system's Apache config is not touched.
# Usage: tests/run-httpd.sh PORT CONTENT_DIR TEMPLATE_DIR [MPM]
set -eu
port=$1 content=$2 templates=$3 mpm=${4:-event}
top=$(cd "$(dirname "$0")/.." && pwd)
run=$top/build/run
mods=/usr/lib/apache2/modules
mkdir -p "$run"
user=""
copy=""
if [ "$(id -u)" = 0 ]; then
    user="User www-data
Group www-data"
    # httpd's children read the content and templates as www-data: a root
    # user's clone under /root (0700) is closed to them, and they would
    # serve an empty portal.  Then they get a copy they can read.
    if ! runuser -u www-data -- test -r "$content" -a -x "$content" -a \
                                     -r "$templates" -a -x "$templates"; then
        copy=$(mktemp -d /var/tmp/bantin-run.XXXXXX)
        chmod 755 "$copy"
        cp -R "$content" "$copy/content"
        cp -R "$templates" "$copy/templates"
        chmod -R o+rX "$copy"
        echo "mod_bantin: www-data cannot read $content or $templates (a 0700 folder above?):"
        echo "mod_bantin: serving a copy in $copy; edits there are seen, edits in the checkout are not"
        content=$copy/content templates=$copy/templates
    fi
fi
cat > "$run/httpd.conf" <<CONF
ServerRoot "$run"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$run/httpd.pid"
ErrorLog "/dev/stderr"
LogLevel warn bantin:info
LogFormat "%h \"%r\" %>s %b %D" short
CustomLog "/dev/stdout" short
$user
LoadModule mpm_${mpm}_module $mods/mod_mpm_${mpm}.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule bantin_module "$top/build/mod_bantin.so"
<Location /portal>
    SetHandler bantin
    BantinContentDir "$content"
    BantinTemplateDir "$templates"
</Location>
CONF
echo "mod_bantin: http://127.0.0.1:$port/portal/  (config: $run/httpd.conf, Ctrl-C stops)"
if [ -z "$copy" ]; then
    exec /usr/sbin/apache2 -f "$run/httpd.conf" -D FOREGROUND
fi
# httpd stops on Ctrl-C or SIGTERM; the copy goes with it.
trap 'kill -TERM $httpd 2>/dev/null' INT TERM
/usr/sbin/apache2 -f "$run/httpd.conf" -D FOREGROUND &
httpd=$!
status=0
wait $httpd || status=$?
while kill -0 $httpd 2>/dev/null; do wait $httpd || status=$?; done
rm -rf "$copy"
exit $status
