#!/usr/bin/env bash
# What it does: one open-loop run against one Sluice server while a tracer watches it, to find where a latency
# tail comes from (perf/latency.md lists what was found with it). Run it under the heavy lock:
#   flock /tmp/sluice-heavy.lock perf/latency-trace.sh BINARY POLICY RATE [BATCH]
# TRACE=sched (default): `perf sched record` of the whole machine for TRACE_SECONDS in the middle of the run, then
#   `perf sched latency` (each thread's longest and average wait between wake-up and getting a core) for the
#   server's threads and the generator, and the ten longest waits of `perf sched timehist`.
# TRACE=strace: `strace -T -f` on the WAL writer threads for TRACE_SECONDS; prints the slowest system calls.
# TRACE=syscalls: `perf trace -s` on the server for TRACE_SECONDS: per thread, each system call's count and
#   min/avg/max time (slow writes, futex waits, munmap/madvise/brk of allocator trims).
# TRACE=life: per request. `sluice bench --slow-log` lists every request of at least SLOW_MS (default 1) with its
#   CLOCK_MONOTONIC times, lib/stallwatch.py (a real-time thread per CPU) logs every gap over 2 ms in which the vCPU
#   itself did not run, and `perf record -k CLOCK_MONOTONIC` takes the scheduler events on the same clock; then
#   lib/slow_requests.py prints how many slow requests a vCPU stall explains, and for those of at least MIN_MS
#   (default 2) how their lifetime was spent: each thread group running or waiting for a CPU, and CPUs idle.
#   The generator must have --slow-log: BENCH_BIN (default BINARY) names a build that has it.
# TRACE=none: the run alone.
# Prints the run's p50/p90/p99/p99.9/max and the WAL's fdatasync histogram (under `none` only segment seals sync). Env: DURATION (s, default 6), TRACE_SECONDS (default 3),
# SERVER_FLAGS (extra `sluice serve` flags), SERVER_PRELOAD (a library the server runs with, e.g. one replacing
# sched_yield to measure the event loop's yield), CONNECTIONS (64), TRACE_DIR (default a folder under /dev/shm).
set -euo pipefail
cd "$(dirname "$0")"
bin=$1 policy=$2 rate=$3 batch=${4:-1}
bench_bin=${BENCH_BIN:-$bin}
DURATION=${DURATION:-6}
TRACE=${TRACE:-sched}
TRACE_SECONDS=${TRACE_SECONDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_FLAGS=${SERVER_FLAGS:-}
work=$(mktemp -d)
trace_dir=${TRACE_DIR:-$(mktemp -d -p /dev/shm)}
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
    [ -n "${TRACE_DIR:-}" ] || rm -rf "$trace_dir"
}
trap cleanup EXIT

# shellcheck disable=SC2086
env ${SERVER_PRELOAD:+LD_PRELOAD=$SERVER_PRELOAD} "$bin" serve --data "$work/data" --listen 127.0.0.1:0 --fsync "$policy" $SERVER_FLAGS >"$work/out" 2>"$work/err" &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$work/data/sluice.port" ] && break; sleep 0.1; done
port=$(cat "$work/data/sluice.port")
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$work/data/bootstrap-credentials.json")

slow_flags=()
watchers=()
if [ "$TRACE" = life ]; then
    slow_flags=(--slow-log "$trace_dir/slow" --slow-ms "${SLOW_MS:-1}")
    for cpu in 0 1; do python3 lib/stallwatch.py "$cpu" "$trace_dir/sw$cpu" $((DURATION + 1)) & watchers+=($!); done
fi
"$bench_bin" bench --url "http://127.0.0.1:$port" --token "$token" --json --quiet --format structured --batch "$batch" \
    --connections "$CONNECTIONS" --duration "$DURATION" --rate "$rate" "${slow_flags[@]}" > "$work/bench.json" &
bench_pid=$!
sleep $(( (DURATION - TRACE_SECONDS) / 2 ))
case $TRACE in
sched)
    perf sched record -a -o "$trace_dir/sched.data" -- sleep "$TRACE_SECONDS" 2>/dev/null >/dev/null
    ;;
life)
    perf sched record -k CLOCK_MONOTONIC -a -o "$trace_dir/sched.data" -- sleep "$TRACE_SECONDS" 2>/dev/null >/dev/null
    ;;
syscalls)
    perf trace -s -p "$server_pid" -o "$trace_dir/syscalls.txt" -- sleep "$TRACE_SECONDS" >/dev/null 2>&1 || true
    ;;
strace)
    writers=$(for t in /proc/$server_pid/task/*; do
        if [[ $(cat "$t/comm") == sluice-wal-* ]]; then echo "-p $(basename "$t")"; fi; done)
    # shellcheck disable=SC2086
    timeout -s INT "$TRACE_SECONDS" strace -T -tt -f $writers -o "$trace_dir/strace.txt" 2>/dev/null || true
    ;;
esac
wait "$bench_pid"
for watcher in "${watchers[@]}"; do wait "$watcher"; done
python3 - "$work/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); m = r["latency_ms"]
print("latency ms p50/p90/p99/p99.9/max:", "/".join(f"{m[k]:.2f}" for k in ("p50", "p90", "p99", "p999", "max")),
      f"  req/s {r['requests_per_second']:.0f} unsent {r['unsent']}")
PY
echo "--- WAL fdatasyncs during the run (sluice_wal_fsync_seconds: count, sum s, non-empty buckets) ---"
curl -s "http://127.0.0.1:$port/metrics" | grep '^sluice_wal_fsync_seconds' | grep -v ' 0$' | sed 's/repository="[^"]*",\?//' | tr '\n' ' '; echo
case $TRACE in
sched)
    echo "--- perf sched latency (server threads and generator) ---"
    perf sched latency -i "$trace_dir/sched.data" 2>/dev/null | grep -E "Task|sluice|swift|loop|wal|kworker|jbd2" | head -20
    echo "--- ten longest waits for a core (perf sched timehist, sch delay ms) ---"
    perf sched timehist -i "$trace_dir/sched.data" 2>/dev/null | awk 'NR>3 {print $5, $3, $2, $1}' | sort -rn | head -10
    ;;
syscalls)
    echo "--- system calls per server thread (perf trace -s: calls, total, min/avg/max ms) ---"
    grep -vE '^\s*$' "$trace_dir/syscalls.txt" | grep -vE '^\s+(--|syscall)' | head -60
    ;;
life)
    echo "--- slow requests: vCPU stalls, and where the slowest spent their lifetime ---"
    python3 lib/slow_requests.py "$trace_dir"
    ;;
strace)
    echo "--- slowest writer system calls (strace -T) ---"
    grep -o '<[0-9.]*>$' "$trace_dir/strace.txt" | wc -l | sed 's/^/calls traced: /'
    awk -F'<' '{t=$NF; sub(/>$/, "", t); print t, $0}' "$trace_dir/strace.txt" | sort -rn | head -15 | cut -c1-200
    ;;
esac
