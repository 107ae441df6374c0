#!/usr/bin/env bash
# What it measures: server CPU per request (user + system time of the sluice process from /proc/PID/stat,
# over a wrk -t1 -c64 run, --fsync interval=10), for one or more binaries in alternating rounds, so that
# load from neighbours hits all alike. Steadier than requests/s on this shared 2-core machine for comparing
# builds of the request path.
# Workloads (WORKLOAD, default small) are perf/lib/workloads.sh's.
# Env: BINS (space-separated sluice binaries, default .build/release/sluice built here; PATH@limits and
# PATH@reload as in perf/lib/workloads.sh), ROUNDS (default 3), DURATION (s per run, default 5).
# How to read it: one line per run with req/s and µs of server CPU per request; compare the binaries' averages.
set -euo pipefail
cd "$(dirname "$0")"
source lib/wrk.sh
source lib/workloads.sh
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
WORKLOAD=${WORKLOAD:-small}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
if [ -z "${BINS:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BINS="$(cd .. && pwd)/.build/release/sluice"; fi
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""

workload_body "$WORKLOAD" "$work"

for round in $(seq 1 "$ROUNDS"); do
    for entry in $BINS; do
        bin=${entry%@limits}; bin=${bin%@reload}
        data="$work/data"; rm -rf "$data"; mkdir -p "$data"
        "$bin" serve --data "$data" --listen 127.0.0.1:0 --fsync interval=10 >"$work/serve.log" 2>&1 &
        for _ in $(seq 1 100); do [ -s "$data/sluice.port" ] && break; sleep 0.1; done
        pid=$(cat "$data/sluice.pid"); port=$(cat "$data/sluice.port")
        token=$(workload_token "$entry" "$WORKLOAD" "$data" "$pid" "$work")
        wrk_post_lua "$work/body.json" "$token" "$work/post.lua"
        before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        out=$(wrk -t1 -c64 -d"${DURATION}s" -s "$work/post.lua" "http://127.0.0.1:$port$workload_path")
        after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        requests=$(echo "$out" | awk '/requests in/ {print $1}')
        rps=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
        awk -v b="$entry" -v r="$round" -v rps="$rps" -v n="$requests" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" \
            'BEGIN {printf "round %d %s: %d req/s, %.1f us server CPU per request\n", r, b, rps, t / hz * 1e6 / n}'
        kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
done
