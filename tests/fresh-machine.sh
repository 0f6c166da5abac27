#!/usr/bin/env bash
# tests/fresh-machine.sh -- the README's commands on a fresh Debian 12.
#
#   tests/fresh-machine.sh              `make`, then `make run` and `make run
#                                       SERVER=nginx` on a free loopback port
#                                       until the seed article is served with
#                                       its title (CI runs this)
#   tests/fresh-machine.sh --ci         `.ci/run` (the whole CI) instead
#   tests/fresh-machine.sh --command 'make test'   any command instead
#   tests/fresh-machine.sh --packages   `make deb`, then the packages as an
#                                       admin uses them: apt install, a2enmod,
#                                       a site on the sample content,
#                                       configtest, the seed article served
#                                       by httpd and by nginx (the module in
#                                       modules-enabled), a2dismod, apt
#                                       purge: no file left
#   --keep                              leave the root in place at the end
#
# As root: makes a Debian 12 (bookworm) root with `debootstrap
# --variant=minbase` plus make, git and ca-certificates under
# /var/tmp/bantin-fresh-XXXXXX, gives it what a machine of this network has
# (the host's apt sources, keys and settings, resolv.conf, the local CA
# certificates and NODE_EXTRA_CA_CERTS, npm settings and proxy variables),
# `git clone`s this checkout's committed HEAD into /root/mod_bantin inside
# (a 0700 home, where a root user clones), and runs the commands there as
# root, as a newcomer would.  No service starts in the root (it shares the
# host's network): policy-rc.d says no, as in any build chroot.  Every exit
# path stops what runs in the root, unmounts /proc, /sys, /dev, /dev/pts,
# /dev/shm and removes the root (unless --keep).
# Exit status: 0 when the commands (and the smoke) pass.
set -euo pipefail
# The whole script is one block, read before it runs: editing the file
# during a run (it takes minutes) does not change the run.
{

usage() { sed -n '2,29p' "$0"; exit 2; }

mode=smoke
command=""
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
    --ci) mode=command; command=".ci/run" ;;
    --packages) mode=packages ;;
    --command) [ $# -ge 2 ] || usage; mode=command; command=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage ;;
    *) echo "fresh-machine.sh: unknown argument: $1" >&2; usage ;;
    esac
    shift
done

say() { echo "fresh-machine.sh: $*"; }
die() { echo "fresh-machine.sh: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mounts)"
top=$(cd "$(dirname "$0")/.." && pwd)

# The host's tools, installed the way `make deps` installs packages.
"$top/tools/need-debs" debootstrap git python3
head=$(git -C "$top" rev-parse HEAD)
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
    say "note: uncommitted changes are not tested, only the committed HEAD $head"
fi

# The host's Debian mirror: the first one its apt sources name for bookworm.
mirror=${BANTIN_FRESH_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(awk -v RS= '/(^|\n)Suites:[^\n]*[[:space:]]bookworm([[:space:]]|$)/ {
                 if (match($0, /(^|\n)URIs:[[:space:]]*[^[:space:]]+/)) {
                     u = substr($0, RSTART, RLENGTH); sub(/^\n?URIs:[[:space:]]*/, "", u)
                     print u; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\)[[:space:]]\+bookworm[[:space:]].*/\2/p' \
                 /etc/apt/sources.list | head -1 || true)
fi
[ -n "$mirror" ] || die "no Debian mirror in the host's apt sources (set BANTIN_FRESH_MIRROR)"

work=$(mktemp -d /var/tmp/bantin-fresh-XXXXXX)
chmod 755 "$work"
root=$work/root
name=mod_bantin
mounts=() # mounted in this order, unmounted in reverse

# Processes whose root directory is ours (an httpd, varnishd or browser a
# failed test left behind): stopped by id before the unmounts.
stop_processes() {
    local sig pid pids left
    for sig in TERM KILL; do
        pids=""
        for d in /proc/[0-9]*; do
            pid=${d#/proc/}
            [ "$(readlink "$d/root" 2>/dev/null)" = "$root" ] && pids="$pids $pid"
        done
        [ -z "$pids" ] && return 0
        say "stopping processes left in the root ($sig):$pids"
        kill -"$sig" $pids 2>/dev/null || true
        for _ in $(seq 50); do
            left=""
            for pid in $pids; do [ -d "/proc/$pid" ] && left="$left $pid"; done
            [ -z "$left" ] && return 0
            sleep 0.2
        done
    done
}

cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    set +e
    stop_processes
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" ||
            echo "fresh-machine.sh: could not unmount ${mounts[i]}" >&2
    done
    if findmnt -rn -o TARGET | grep -q "^$work/"; then
        echo "fresh-machine.sh: mounts left under $work, not removing it:" >&2
        findmnt -rn -o TARGET | grep "^$work/" >&2
        rc=1
    elif [ $keep = 1 ]; then
        say "root kept: $root"
    else
        rm -rf --one-file-system "$work"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mount_in() { # mount_in TARGET MOUNT-ARGS...
    local target=$root$1
    shift
    mount "$@" "$target"
    mounts+=("$target")
}

say "debootstrap bookworm (minbase + make git ca-certificates) in $root"
debootstrap --variant=minbase --include=make,git,ca-certificates \
    bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log" >&2; die "debootstrap (log above)"; }

# apt: the host's sources, keys and the settings no package owns (proxy,
# mirror quirks); debootstrap's own sources.list would name the mirror twice.
rm -f "$root/etc/apt/sources.list"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
for d in sources.list.d trusted.gpg.d keyrings auth.conf.d; do
    [ -d "/etc/apt/$d" ] || continue
    mkdir -p "$root/etc/apt/$d"
    cp -a "/etc/apt/$d/." "$root/etc/apt/$d/"
done
[ -f /etc/apt/trusted.gpg ] && cp -a /etc/apt/trusted.gpg "$root/etc/apt/"
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
    [ -f "$f" ] || continue
    dpkg -S "$f" >/dev/null 2>&1 || cp -a "$f" "$root$f"
done
# Signed-By keyrings the sources name outside /etc/apt.
for k in $(sed -n 's/^Signed-By:[[:space:]]*\(\/[^[:space:]]*\).*/\1/p' \
                 /etc/apt/sources.list.d/*.sources 2>/dev/null || true); do
    [ -f "$k" ] && [ ! -e "$root$k" ] && { mkdir -p "$root$(dirname "$k")"; cp -a "$k" "$root$k"; }
done
printf '#!/bin/sh\n# fresh-machine.sh: no service starts in this root\nexit 101\n' \
    >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# The CA trust store: the local certificates, then the root's own bundle.
if [ -d /usr/local/share/ca-certificates ]; then
    cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
chroot "$root" /usr/sbin/update-ca-certificates >"$work/ca.log" 2>&1 ||
    { cat "$work/ca.log" >&2; die "update-ca-certificates in the root"; }
# BANTIN_FRESH_ROOT tells .ci/run it already runs in a fresh root.
inside_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8
            TERM="${TERM:-dumb}" BANTIN_FRESH_ROOT=1)
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
    if [ ! -e "$root$NODE_EXTRA_CA_CERTS" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
        mkdir -p "$root$(dirname "$NODE_EXTRA_CA_CERTS")"
        cp -L "$NODE_EXTRA_CA_CERTS" "$root$NODE_EXTRA_CA_CERTS"
    fi
    inside_env+=(NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS")
fi
# npm settings and the proxy variables of this network.
[ -f /etc/npmrc ] && cp -a /etc/npmrc "$root/etc/npmrc"
[ -f "$HOME/.npmrc" ] && cp -a "$HOME/.npmrc" "$root/root/.npmrc"
while IFS= read -r var; do
    inside_env+=("$var=${!var}")
done < <(compgen -e | grep -E '^(npm_config_|NPM_CONFIG_|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$)' || true)

mount_in /proc -t proc proc
mount_in /sys -t sysfs sysfs
mount_in /dev --bind /dev
mount --make-private "$root/dev"
mount_in /dev/pts --bind /dev/pts
mount --make-private "$root/dev/pts"
mount_in /dev/shm -t tmpfs -o mode=1777,nosuid,nodev shm

# The committed HEAD, cloned where a root user clones.
chmod 700 "$root/root"
git clone -q --no-hardlinks "$top" "$root/root/$name"
git -C "$root/root/$name" checkout -q --detach "$head"
say "cloned $head into /root/$name"

inside() { # inside COMMAND: bash -c COMMAND in the clone, in the root
    chroot "$root" /usr/bin/env -i "${inside_env[@]}" DEBIAN_FRONTEND=noninteractive \
        /bin/bash -c "cd /root/$name && $1"
}
# In the background, waited for: a SIGTERM or SIGINT to this script runs
# the cleanup at once, which stops what runs in the root.
inside_wait() {
    inside "$1" &
    wait $!
}

if [ $mode = command ]; then
    say "running in the root: $command"
    start=$SECONDS
    inside_wait "$command" || die "'$command' in a fresh Debian 12 root (after $((SECONDS - start)) s)"
    say "'$command' passed in a fresh Debian 12 root in $((SECONDS - start)) s"
    exit 0
fi

# seed_served PORT SERVER: the seed article is served on 127.0.0.1:PORT,
# with its title, within two minutes.
seed_served() {
    python3 - "$1" "$2" <<'EOF'
import sys, time, urllib.request
base, server = f"http://127.0.0.1:{sys.argv[1]}", sys.argv[2]
path = "/portal/article/2024/giup-do-xa-kho-khan"
title = "Tích cực giúp đỡ xã khó khăn xây dựng nông thôn mới"
deadline = time.monotonic() + 120
while True:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            page = r.read().decode("utf-8")
            break
    except OSError as e:
        if time.monotonic() > deadline:
            sys.exit(f"fresh-machine.sh: {base}{path}: {e}")
        time.sleep(0.5)
if title not in page:
    sys.exit(f"fresh-machine.sh: {path} served by {server} without its title")
print(f"fresh-machine.sh: {base}{path} served by the packaged {server} module with its title")
EOF
}

if [ $mode = packages ]; then
    say "running in the root: make deb"
    inside_wait "make deb" || die "'make deb' in a fresh Debian 12 root"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # What the system holds before the packages, as piuparts compares it:
    # every path but the package manager's own records, logs, caches of
    # apt and man, runtime and temporary files, root's home (the clone),
    # and the empty folders of the servers' own state: a2dismod makes
    # /var/lib/apache2/module/disabled_by_admin (purging a module removes
    # its entries, and the folder stays apache2's); nginx makes its
    # temporary folders /var/lib/nginx/{body,proxy,...} when it first runs.
    snapshot='find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
        -o -path /tmp -o -path /var/tmp -o -path /var/log -o -path /var/lib/dpkg \
        -o -path /var/lib/apt -o -path /var/cache/apt -o -path /var/cache/debconf \
        -o -path /var/cache/man -o -path /var/cache/ldconfig -o -path /root \) -prune \
        -o \( -path "/var/lib/apache2/*" -type d -empty \) \
        -o \( -path "/var/lib/nginx/*" -type d -empty \) -o -print | sort'
    inside_wait "$snapshot > /tmp/files-before" || die "listing files"
    say "running in the root: apt install ./build/deb/*.deb, a2enmod bantin, a site on the sample content"
    inside_wait "set -e
        apt-get install -y -q ./build/deb/libapache2-mod-bantin_*.deb ./build/deb/libnginx-mod-http-bantin_*.deb \
            ./build/deb/bantin-tools_*.deb ./build/deb/bantin-common_*.deb
        a2enmod bantin
        cp /etc/apache2/ports.conf /tmp/ports.conf.orig
        echo 'Listen 127.0.0.1:$port' > /etc/apache2/ports.conf
        printf '%s\n' '<VirtualHost 127.0.0.1:$port>' \
            '    <Location /portal>' '        SetHandler bantin' \
            '        BantinContentDir /usr/share/bantin/content' \
            '        BantinTemplateDir /usr/share/bantin/templates' \
            '    </Location>' '</VirtualHost>' > /etc/apache2/sites-available/portal.conf
        a2dissite -q 000-default
        a2ensite -q portal
        apache2ctl configtest
        bantin-check -q /usr/share/bantin/content
        test -f /usr/share/man/man1/bantin-check.1.gz
        apache2ctl start" || die "installing and enabling the packages"
    seed_served "$port" httpd || die "the packaged module did not serve the seed article"
    version=$(cat "$root/root/$name/VERSION")
    grep -q "BT0001 mod_bantin $version started" "$root/var/log/apache2/error.log" ||
        die "no 'BT0001 mod_bantin $version started' line in the root's apache2 error log"
    # nginx: the module enabled by its package (modules-enabled), a server
    # on the packaged sample content, on loopback only
    nport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    say "running in the root: nginx with the packaged module (modules-enabled), a server on the sample content"
    inside_wait "set -e
        test -L /etc/nginx/modules-enabled/50-mod-http-bantin.conf || ls -l /etc/nginx/modules-enabled/
        ls /etc/nginx/modules-enabled/ | grep -q bantin
        mv /etc/nginx/sites-enabled/default /tmp/nginx-default-site
        printf '%s\n' 'server {' '    listen 127.0.0.1:$nport;' '    location /portal {' '        bantin;' \
            '        bantin_content_dir /usr/share/bantin/content;' \
            '        bantin_template_dir /usr/share/bantin/templates;' '    }' '}' \
            > /etc/nginx/conf.d/portal.conf
        nginx -t
        nginx" || die "nginx with the packaged module"
    seed_served "$nport" nginx || die "the packaged nginx module did not serve the seed article"
    inside_wait "set -e
        pid=\$(cat /run/nginx.pid)
        nginx -s quit
        for _ in \$(seq 100); do kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
        ! kill -0 \$pid 2>/dev/null
        rm /etc/nginx/conf.d/portal.conf
        mv /tmp/nginx-default-site /etc/nginx/sites-enabled/default" || die "stopping nginx"
    say "running in the root: apache2ctl stop, a2dismod bantin, apt purge"
    inside_wait "set -e
        pid=\$(cat /run/apache2/apache2.pid)
        apache2ctl stop
        for _ in \$(seq 100); do kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
        ! kill -0 \$pid 2>/dev/null
        a2dismod -q bantin
        a2dissite -q -p portal
        rm /etc/apache2/sites-available/portal.conf
        a2ensite -q 000-default
        cp /tmp/ports.conf.orig /etc/apache2/ports.conf
        apt-get purge -y -q libapache2-mod-bantin libnginx-mod-http-bantin bantin-tools bantin-common
        $snapshot > /tmp/files-after
        diff -u /tmp/files-before /tmp/files-after" ||
        die "the packages left files behind (diff above) or did not purge"
    say "make deb, install, a2enmod, the seed article served by httpd and nginx, a2dismod and purge passed in a fresh Debian 12 root"
    exit 0
fi

say "running in the root: make"
inside_wait make || die "'make' in a fresh Debian 12 root"

# run_smoke SERVER: `make run SERVER=...` on a free port until the home page
# links the seed article and the article is served with its title; then
# stopped as Ctrl-C would (the server's parent ends its children and exits).
run_smoke() {
    local server=$1 port runlog runpid pidfile
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    say "running in the root: make run SERVER=$server PORT=$port"
    runlog=$work/make-run-$server.log
    inside "exec make run SERVER=$server PORT=$port" >"$runlog" 2>&1 &
    runpid=$!
    python3 - "$port" "$runpid" "$server" <<'EOF' || { tail -40 "$runlog" >&2; die "the 'make run SERVER=$server' smoke (log above)"; }
import os, sys, time, urllib.request, urllib.error
port, pid, server = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
path = "/portal/article/2024/giup-do-xa-kho-khan"
title = "Tích cực giúp đỡ xã khó khăn xây dựng nông thôn mới"

def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode("utf-8")

deadline = time.monotonic() + 180  # the first start reads and indexes content/
while True:
    if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z":
        sys.exit(f"fresh-machine.sh: 'make run SERVER={server}' ended before the portal answered")
    try:
        status, home = get(base + "/portal/")
        break
    except (OSError, urllib.error.URLError) as e:
        if time.monotonic() > deadline:
            sys.exit(f"fresh-machine.sh: {base}/portal/ never answered: {e}")
        time.sleep(0.5)
if status != 200:
    sys.exit(f"fresh-machine.sh: /portal/ answered {status}")
if path not in home:
    sys.exit(f"fresh-machine.sh: the home page does not link to {path}")
status, page = get(base + path)
if status != 200 or title not in page:
    sys.exit(f"fresh-machine.sh: {path} answered {status} without its title")
print(f"fresh-machine.sh: {base}{path} served by {server} with its title")
EOF
    pidfile=$root/root/$name/build/run/$server.pid
    [ -s "$pidfile" ] || die "no $pidfile"
    kill -TERM "$(cat "$pidfile")"
    for _ in $(seq 300); do
        kill -0 "$runpid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$runpid" 2>/dev/null && die "'make run SERVER=$server' still running 30 s after SIGTERM"
    wait "$runpid" || true
}

run_smoke httpd
run_smoke nginx
say "make, make run and make run SERVER=nginx passed in a fresh Debian 12 root"
exit 0
}
