#!/usr/bin/env bash
# What it measures: HEC ingest of 1000-event requests with indexer acknowledgements (serve --hec-acks, every
# request on one channel, each bench connection polling /services/collector/ack for its ackIds every 100 ms
# on the same connection) against the same binary without them, in alternating rounds: events/s, and server
# CPU per request (user + system of the sluice process from /proc/PID/stat; ack polls included in the CPU,
# not in the request count). Durable events/s: every answered event without acks; the events of ids reported
# true within the run with them (the last 100 ms of ids are not polled for, so it undercounts slightly).
# Env: BIN (default .build/release/sluice), ROUNDS (default 3), DURATION (s per run, default 5),
# CONNECTIONS (default 16), FSYNC (default always).
# How to read it: one line per run; compare the modes' averages (acks / plain).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$(pwd)/.build/release/sluice}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
FSYNC=${FSYNC:-always}
work=$(mktemp -d)
pid=""
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
for round in $(seq 1 "$ROUNDS"); do
    for mode in plain acks; do
        data="$work/data"; rm -rf "$data"; mkdir -p "$data"
        serve_flags=(); bench_flags=()
        if [ "$mode" = acks ]; then serve_flags=(--hec-acks); bench_flags=(--hec-ack-poll-ms 100); fi
        "$BIN" serve --data "$data" --listen 127.0.0.1:0 --fsync "$FSYNC" "${serve_flags[@]}" >"$work/serve.log" 2>&1 &
        for _ in $(seq 1 100); do [ -s "$data/sluice.port" ] && break; sleep 0.1; done
        pid=$(cat "$data/sluice.pid"); port=$(cat "$data/sluice.port")
        token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$data/bootstrap-credentials.json")
        before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        out=$("$BIN" bench --url "http://127.0.0.1:$port" --token "$token" --format hec --batch 1000 \
              --connections "$CONNECTIONS" --duration "$DURATION" --quiet --json "${bench_flags[@]}")
        after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
        python3 - "$mode" "$round" "$((after - before))" "$hz" "$out" <<'PY'
import json, sys
mode, rnd, ticks, hz, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
req = out["requests"]
# Durable events/s: without acks every 200 is durable; with them, the ids reported true within the run.
durable = out["events_per_second"] if mode == "plain" else out.get("acks_true", 0) * 1000 / out["seconds"]
print(f"round {rnd} {mode:5s} {out['events_per_second']:>9.0f} events/s answered  {durable:>9.0f} events/s durable  "
      f"{req:6d} requests  {1e6 * ticks / hz / max(req, 1):6.0f} us server CPU/request  status {out['status']}  "
      f"ack_polls {out.get('ack_polls', 0)} acks_true {out.get('acks_true', 0)}")
PY
    done
done
