#!/bin/sh
# Installs what `bench/run.py --plot` needs beyond `make bench`, from
# Debian's packages, only when missing: nginx (the second static-file
# reference) and gnuplot (the plot). wrk is installed by `make bench`;
# perf (linux-perf) and valgrind only for --profile / the callgrind part
# of goal 7. Run as root; prints what it installs.
#
# The nginx package would start the system's nginx on port 80 from its
# postinst; a temporary policy-rc.d stops that (the benchmark runs its own
# nginx from a generated config on a loopback port, then stops it).
set -eu

want=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || want="$want nginx-light"
command -v gnuplot >/dev/null 2>&1 || want="$want gnuplot-nox"
command -v wrk >/dev/null 2>&1 || want="$want wrk"
for arg in "$@"; do
    case $arg in
    --profile) command -v perf >/dev/null 2>&1 || want="$want linux-perf"
               command -v valgrind >/dev/null 2>&1 || want="$want valgrind" ;;
    esac
done
[ -n "$want" ] || exit 0

echo "bench/deps.sh: installing Debian packages:$want"
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    made_policy=1
fi
cleanup() { [ -z "$made_policy" ] || rm -f "$policy"; }
trap cleanup EXIT INT TERM
apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $want
