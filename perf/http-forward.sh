#!/usr/bin/env bash
# What it measures: how fast an http forwarding target drains a backlog into another Sluice. A gateway takes
# 1000-event structured requests (`sluice bench`, 16 connections, DURATION seconds, forwarding off); then an
# http target pointing at a second Sluice (the upstream) is attached and timed until its lag is 0. The
# baseline, in the same run, is `sluice bench` posting the same kind of requests straight to the upstream.
# How to read it: forwarded events/s (and body MB/s) beside the upstream's direct-ingest events/s; both
# processes share the machine's cores, as in the direct run. Run under `flock /tmp/sluice-heavy.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
source perf/lib/sluice.sh
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-5}
COMPRESSION=${COMPRESSION:-}
BIN=${BIN:-$PWD/.build/release/sluice}  # another binary (an older build) to compare with
[ "$BIN" != "$PWD/.build/release/sluice" ] || swift build -c release --product sluice >/dev/null

bench() {  # PORT TOKEN -> events/s (prints "events events_per_second")
    "$BIN" bench --url "http://127.0.0.1:$1" --token "$2" --format structured --batch 1000 --connections 16 \
        --duration "$DURATION" --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["events"], d["events_per_second"])'
}

for _ in $(seq 1 "$ROUNDS"); do
    sluice_serve "$BIN" "$(mktemp -d)" --fsync interval=10
    UP_PID=$SLUICE_PID UP_PORT=$SLUICE_PORT UP_DATA=$SLUICE_DATA UP_TOKEN=$SLUICE_TOKEN
    read -r _ direct < <(bench "$UP_PORT" "$UP_TOKEN")
    # A fresh upstream for the forwarded run, so both runs start from an empty WAL.
    SLUICE_PID=$UP_PID SLUICE_DATA=$UP_DATA sluice_stop
    sluice_serve "$BIN" "$(mktemp -d)" --fsync interval=10
    UP_PID=$SLUICE_PID UP_PORT=$SLUICE_PORT UP_DATA=$SLUICE_DATA UP_TOKEN=$SLUICE_TOKEN
    sluice_serve "$BIN" "$(mktemp -d)" --fsync interval=10
    read -r stored _ < <(bench "$SLUICE_PORT" "$SLUICE_TOKEN")
    "$BIN" forwarders add --data "$SLUICE_DATA" --name up --kind http --url "http://127.0.0.1:$UP_PORT" \
        --upstream-token "$UP_TOKEN" ${COMPRESSION:+--compression "$COMPRESSION"} --repo sandbox >/dev/null
    start=$(date +%s.%N)
    kill -HUP "$SLUICE_PID"
    until "$BIN" forward status --data "$SLUICE_DATA" | awk 'NR==2 {exit !($4=="0" && $3!="0")}'; do sleep 0.05; done
    end=$(date +%s.%N)
    bytes=$(curl -s "http://127.0.0.1:$SLUICE_PORT/metrics" | awk '/^sluice_forward_bytes_total/ {print $2}')
    python3 -c "
s=$end-$start
print(f'direct ingest into the upstream {float($direct):12.0f} events/s')
print(f'forwarded backlog {$stored} events in {s:.2f} s: {$stored/s:12.0f} events/s, {$bytes/s/1e6:.1f} MB/s of bodies${COMPRESSION:+ ($COMPRESSION)}')"
    sluice_stop
    SLUICE_PID=$UP_PID SLUICE_DATA=$UP_DATA sluice_stop
done
