#!/bin/sh
# Runs nginx in the foreground with the freshly built module, from a config
# generated under build/run/ -- the system's nginx config is not touched.
# Usage: tests/run-nginx.sh PORT CONTENT_DIR TEMPLATE_DIR
set -eu
port=$1 content=$2 templates=$3
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/run-common.sh"
run=$top/build/run
mkdir -p "$run/nginx-tmp"
user=""
copy=""
if [ "$(id -u)" = 0 ]; then
    user="user www-data www-data;"
    readable_copy  # tests/run-common.sh
fi
cat > "$run/nginx.conf" <<CONF
load_module "$top/build/ngx_http_bantin_module.so";
daemon off;
pid "$run/nginx.pid";
error_log /dev/stderr info;
$user
events { worker_connections 1024; }
http {
    access_log /dev/stdout;
    client_body_temp_path "$run/nginx-tmp/body";
    proxy_temp_path "$run/nginx-tmp/proxy";
    fastcgi_temp_path "$run/nginx-tmp/fastcgi";
    uwsgi_temp_path "$run/nginx-tmp/uwsgi";
    scgi_temp_path "$run/nginx-tmp/scgi";
    server {
        listen 127.0.0.1:$port;
        server_name 127.0.0.1;
        location /portal {
            bantin;
            bantin_content_dir "$content";
            bantin_template_dir "$templates";
        }
    }
}
CONF
echo "mod_bantin: http://127.0.0.1:$port/portal/  (nginx; config: $run/nginx.conf, Ctrl-C stops)"
serve_foreground /usr/sbin/nginx -p "$run" -c "$run/nginx.conf"  # (daemon off)
