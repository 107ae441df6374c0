#!/usr/bin/env bash
# What it measures: the CPU an idle server burns. Starts Sluice (default options: one event loop per core,
# --fsync interval=10 here), sends one request so that every loop and the WAL writer have started, then
# reads the process's user + system time over IDLE seconds (default 5) from /proc/PID/stat.
# How to read it: CPU milliseconds per idle second; a loop that spins instead of blocking shows as hundreds.
# Exits 1 above LIMIT ms/s (default 5): the event loops yield once before blocking (EventLoop.waitForEvents),
# and that must never turn into polling.
# Env: BIN (a sluice binary; default .build/release/sluice built here), IDLE, LIMIT, THREADS.
set -euo pipefail
cd "$(dirname "$0")"
IDLE=${IDLE:-5}
LIMIT=${LIMIT:-5}
if [ -z "${BIN:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BIN="$(cd .. && pwd)/.build/release/sluice"; fi
source lib/sluice.sh
work=$(mktemp -d)
SLUICE_PID=""
trap '[ -n "$SLUICE_PID" ] && sluice_kill; rm -rf "$work"' EXIT
sluice_serve "$BIN" "$work/data" --fsync interval=10 ${THREADS:+--threads "$THREADS"}
pid=$SLUICE_PID; port=$SLUICE_PORT; token=$SLUICE_TOKEN
curl -sf -H "Authorization: Bearer $token" --data '[{"events":[{"rawstring":"idle check"}]}]' \
    "http://127.0.0.1:$port/api/v1/ingest/humio-structured" >/dev/null
sleep 1
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks); sleep "$IDLE"; after=$(ticks)
ms_per_s=$(( (after - before) * 1000 / hz / IDLE ))
echo "idle CPU: $ms_per_s ms per second over ${IDLE}s ($(( after - before )) ticks at ${hz} Hz), threads: $(ls /proc/$pid/task | wc -l)"
[ "$ms_per_s" -le "$LIMIT" ] || { echo "over the limit of $LIMIT ms/s: a loop is spinning" >&2; exit 1; }
