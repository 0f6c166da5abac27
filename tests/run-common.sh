# tests/run-common.sh -- sourced by run-httpd.sh and run-nginx.sh (make run).
#
# readable_copy: the server's children run as www-data, and a root user's
# clone under /root (0700) is closed to them: they would serve an empty
# portal.  Then they get a copy they can read, in $copy (content and
# templates point there); else nothing changes.
readable_copy() {
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
}

# serve_foreground COMMAND...: runs the server in the foreground until
# Ctrl-C or SIGTERM (the server stops on either); a copy made by
# readable_copy goes with it.
serve_foreground() {
    if [ -z "$copy" ]; then
        exec "$@"
    fi
    trap 'kill -TERM $server 2>/dev/null' INT TERM
    "$@" &
    server=$!
    status=0
    wait $server || status=$?
    while kill -0 $server 2>/dev/null; do wait $server || status=$?; done
    rm -rf "$copy"
    exit $status
}
