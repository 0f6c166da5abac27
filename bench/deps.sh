#!/bin/sh
# Installs what `bench/run.py --plot` needs beyond `make bench`, from
# Debian's packages, only when missing: gnuplot (the plot), and nginx
# (which `make` installs already, to build and run the nginx module). wrk is installed by `make bench`;
# perf (linux-perf) and valgrind only for --profile / the callgrind part
# of goal 7. Run as root; prints what it installs.
set -eu

want=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || want="$want nginx"
command -v gnuplot >/dev/null 2>&1 || want="$want gnuplot-nox"
command -v wrk >/dev/null 2>&1 || want="$want wrk"
for arg in "$@"; do
    case $arg in
    --profile) command -v perf >/dev/null 2>&1 || want="$want linux-perf"
               command -v valgrind >/dev/null 2>&1 || want="$want valgrind" ;;
    esac
done
[ -n "$want" ] || exit 0

# tools/need-debs says what it installs, and starts no service while it
# does (the nginx package would start the system's nginx on port 80).
# shellcheck disable=SC2086
exec "$(dirname "$0")/../tools/need-debs" $want
