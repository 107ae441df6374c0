#!/usr/bin/env bash
# What it measures: the cost of token hot reload under load. A saturated ingest load (wrk, 1 thread,
# 64 connections, small raw bodies, --fsync interval=10) runs DURATION seconds (default 30) without
# reloads, then DURATION seconds with a SIGHUP (full snapshot reload and swap) every second.
# How to read it: requests/s of both runs, their ratio (target: reloads cost <= 2 %), and the number of
# answers that were not 2xx or failed on the socket during reloads (target: 0).
set -euo pipefail
cd "$(dirname "$0")"
source lib/sluice.sh
DURATION=${DURATION:-30}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
work=$(mktemp -d)
trap 'sluice_stop; rm -rf "$work"' EXIT
sluice_start --fsync interval=10
cat > "$work/raw.lua" <<LUA
wrk.method = "POST"; wrk.body = "2026-11-29T10:00:00Z level=info msg=reload-bench"
wrk.headers["Authorization"] = "Bearer $SLUICE_TOKEN"
LUA
run() { wrk -t1 -c64 -d"${DURATION}s" -s "$work/raw.lua" "http://127.0.0.1:$SLUICE_PORT/api/v1/ingest/raw"; }

quiet=$(run)
( for _ in $(seq 1 "$DURATION"); do sleep 1; kill -HUP "$SLUICE_PID"; done ) &
reloader=$!
loaded=$(run)
wait "$reloader" || true

rps() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
failures() { echo "$1" | awk '/Non-2xx/ {n+=$5} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}'; }
reloads=$(grep -c "tokens=reloaded" "$SLUICE_DATA/stderr.log" || true)
printf "%-22s %12s %10s\n" run requests/s failures
printf "%-22s %12.0f %10d\n" "no reloads" "$(rps "$quiet")" "$(failures "$quiet")"
printf "%-22s %12.0f %10d\n" "SIGHUP every second" "$(rps "$loaded")" "$(failures "$loaded")"
echo "reloads completed: $reloads; ratio with/without: $(awk "BEGIN{printf \"%.3f\", $(rps "$loaded")/$(rps "$quiet")}")"
