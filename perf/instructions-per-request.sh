#!/usr/bin/env bash
# What it measures: instructions the server executes per request, counted by valgrind's cachegrind
# (`--cache-sim=no`, the `I refs` total), for the binaries and set-ups of BINS. Unlike CPU time this count does
# not move with the neighbours' load on a shared machine, so it settles differences of a few per cent that
# alternating timed rounds cannot (this VM exposes no hardware counters to `perf stat -e instructions`). It
# does not see what costs cycles without instructions (cache misses, a core waited for).
# Each entry runs twice, with LOW and HIGH requests sent one after another on one keep-alive connection; the
# difference of the two totals divided by HIGH − LOW is the steady per-request count, start-up and shutdown
# cancelling out.
# Workloads (WORKLOAD, default structured-bench) are perf/lib/workloads.sh's.
# Env: BINS (sluice binaries; PATH@limits and PATH@reload as in perf/lib/workloads.sh), LOW and HIGH
# (requests, default 20 and 220), KEEP (a folder that keeps each run's cachegrind output as
# ENTRY-N.out, for `cg_annotate` or comparing functions).
# How to read it: one line per entry with instructions per request (and per event); compare the entries.
set -euo pipefail
cd "$(dirname "$0")"
source lib/workloads.sh
command -v valgrind >/dev/null || { echo "needs valgrind: apt-get install -y valgrind" >&2; exit 1; }
WORKLOAD=${WORKLOAD:-structured-bench}
LOW=${LOW:-20}
HIGH=${HIGH:-220}
export WORKLOAD_SETTLE=3
if [ -z "${BINS:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BINS="$(cd .. && pwd)/.build/release/sluice"; fi
work=$(mktemp -d)
pid=""
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

workload_body "$WORKLOAD" "$work"

# count ENTRY N: prints the instructions of a server run that answered N requests.
count() {
    local entry=$1 n=$2 bin data port token out urls=()
    bin=${entry%@limits}; bin=${bin%@reload}
    # Valgrind 3.19 cannot read the DWARF 5 that Swift emits, so the server runs from a copy without it.
    objcopy --strip-debug "$bin" "$work/sluice"
    data="$work/data"; rm -rf "$data"; mkdir -p "$data"
    out="$work/cachegrind.out"; rm -f "$out"
    valgrind --tool=cachegrind --cache-sim=no --fair-sched=yes --cachegrind-out-file="$out" \
        "$work/sluice" serve --data "$data" --listen 127.0.0.1:0 --fsync interval=10 >"$work/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do [ -s "$data/sluice.port" ] && break; sleep 0.1; done
    port=$(cat "$data/sluice.port")
    token=$(workload_token "$entry" "$WORKLOAD" "$data" "$pid" "$work")
    for _ in $(seq 1 "$n"); do urls+=("http://127.0.0.1:$port$workload_path"); done
    curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
        --data-binary @"$work/body.json" "${urls[@]}" >/dev/null
    kill -TERM "$pid"
    wait "$pid" || true
    pid=""
    if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$out" "$KEEP/$(basename "$entry")-$n.out"; fi
    awk '/^summary:/ {print $2}' "$out"
}

for entry in $BINS; do
    low=$(count "$entry" "$LOW")
    high=$(count "$entry" "$HIGH")
    awk -v e="$entry" -v l="$low" -v h="$high" -v n=$((HIGH - LOW)) -v ev="$workload_events" \
        'BEGIN {printf "%s: %.0f instructions per request, %.1f per event (totals %d and %d)\n", e, (h - l) / n, (h - l) / n / ev, l, h}'
done
