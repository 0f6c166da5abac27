#!/bin/sh
# Runs httpd in the foreground with the freshly built module, from a config
# generated under build/run/ -- the system's Apache config is not touched.
# Usage: tests/run-httpd.sh PORT CONTENT_DIR TEMPLATE_DIR [MPM]
set -eu
port=$1 content=$2 templates=$3 mpm=${4:-event}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/run-common.sh"
run=$top/build/run
mods=/usr/lib/apache2/modules
mkdir -p "$run"
user=""
copy=""
if [ "$(id -u)" = 0 ]; then
    user="User www-data
Group www-data"
    readable_copy  # tests/run-common.sh
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
serve_foreground /usr/sbin/apache2 -f "$run/httpd.conf" -D FOREGROUND
