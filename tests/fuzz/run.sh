#!/usr/bin/env bash
# run.sh FUZZER... -- runs each fuzzer of $OUT for $FUZZ_SECONDS on a copy
# of its seed corpus (corpus/<name>/ is never written), $FUZZ_JOBS at a
# time, then prints one line per fuzzer: runs, execs/s, cov, ft, corpus
# size, crashes.  Exits 1 if any fuzzer found a crash, leak, timeout or
# broken property; the artifacts are in $OUT/artifacts/ and the logs in
# $OUT/<name>.log.
set -u
cd "$(dirname "$0")"
OUT=${OUT:-../../build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
mkdir -p "$OUT/artifacts"
# Properties that known, reported bugs break (see known-bugs.txt): off, so
# that the run looks past them.  FUZZ_SKIP= (empty) checks everything.
if [ -z "${FUZZ_SKIP+set}" ] && [ -f known-bugs.txt ]; then
    FUZZ_SKIP=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' known-bugs.txt | grep . | paste -sd, -)
fi
export FUZZ_SKIP
[ -n "$FUZZ_SKIP" ] && echo "run.sh: not checking (known bugs): $FUZZ_SKIP"
work=$(mktemp -d "${TMPDIR:-/tmp}/bantin-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Inputs bigger than an article needs only slow the search down.
max_len() {
    case "$1" in
    fuzz_request) echo 4096 ;;
    fuzz_template) echo 8192 ;;
    *) echo 65536 ;;
    esac
}

run_one() {
    local f=$1 dict=()
    mkdir -p "$work/$f"
    cp corpus/"$f"/* "$work/$f"/ 2>/dev/null || true
    [ -f "dict/$f.dict" ] && dict=(-dict="dict/$f.dict")
    "$OUT/$f" "$work/$f" "${dict[@]}" -max_total_time="$FUZZ_SECONDS" \
        -max_len="$(max_len "$f")" -timeout=10 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$f-" \
        >"$OUT/$f.log" 2>&1
    echo $? >"$work/$f.rc"
}

running=0
for f in "$@"; do
    run_one "$f" &
    running=$((running + 1))
    if [ "$running" -ge "$FUZZ_JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

status=0
printf '%-14s %10s %9s %7s %7s %7s  %s\n' fuzzer runs execs/s cov ft corpus result
for f in "$@"; do
    log=$OUT/$f.log
    rc=$(cat "$work/$f.rc" 2>/dev/null || echo 99)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
    if [ "$rc" = 0 ]; then
        result=ok
    else
        result="FAILED (exit $rc): $(grep -m1 -E 'ERROR|property violated|SUMMARY' "$log")"
        status=1
    fi
    printf '%-14s %10s %9s %7s %7s %7s  %s\n' "$f" "${runs:-?}" "${eps:-?}" \
        "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
exit $status
