#!/usr/bin/env bash
# What it measures: what attaching a JetStream target costs ingest. 1000-event structured requests
# (`sluice bench`, 16 connections, DURATION seconds, --fsync interval=10) into Sluice with forwarding off,
# into an R1 file-storage stream on a loopback nats-server -js in `wal` format, and in `ndjson` format,
# alternating ROUNDS times in the same run; after each forwarding run it waits until the forwarder caught
# up and reports how long that took.
# How to read it: events/s per run; the ratio on/off is the cost (issue 19 asks >= 0.9 for wal, >= 0.7 for
# ndjson). Run under `flock /tmp/sluice-heavy.lock`.
# MODES (default "off wal ndjson") picks the runs of a round; `ndjson+zstd` or `ndjson+gzip` forwards
# compressed bodies.
set -euo pipefail
cd "$(dirname "$0")/.."
source perf/lib/sluice.sh
source perf/lib/nats.sh
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-8}
BIN=${BIN:-$PWD/.build/release/sluice}  # another binary (an older build) to compare with
[ "$BIN" != "$PWD/.build/release/sluice" ] || swift build -c release --product sluice >/dev/null
NATS_DIR=$(mktemp -d)
NATS_PID=""
trap 'kill $NATS_PID 2>/dev/null; rm -rf "$NATS_DIR"' EXIT
nats_start "$NATS_DIR"

run() {  # MODE: off | wal | ndjson | FORMAT+COMPRESSION
    local mode=$1 stream="S$RANDOM$RANDOM" compression=()
    local format=${mode%%+*}
    [ "$format" = "$mode" ] || compression=(--compression "${mode#*+}")
    sluice_serve "$BIN" "$(mktemp -d)" --fsync interval=10
    if [ "$mode" != off ]; then
        "$BIN" forwarders add --data "$SLUICE_DATA" --name js --server "nats://127.0.0.1:$NATS_PORT" --stream "$stream" \
            --subject-prefix "$stream." --format "$format" "${compression[@]}" --repo sandbox >/dev/null
        "$BIN" forwarders create-stream --data "$SLUICE_DATA" --name js --duplicate-window 120 >/dev/null
        kill -HUP "$SLUICE_PID"
        until grep -q "state=forwarding" "$SLUICE_DATA/stderr.log"; do sleep 0.1; done
    fi
    local events
    events=$("$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --token "$SLUICE_TOKEN" --format structured --batch 1000 \
        --connections 16 --duration "$DURATION" --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["events_per_second"])')
    local catchup="-"
    if [ "$mode" != off ]; then
        local start end
        start=$(date +%s.%N)
        until "$BIN" forward status --data "$SLUICE_DATA" | awk 'NR==2 {exit !($4=="0")}'; do sleep 0.1; done
        end=$(date +%s.%N)
        catchup=$(python3 -c "print(f'{$end-$start:.2f}')")
    fi
    printf '%-11s %12.0f events/s   caught up %s s after the run\n' "$mode" "$events" "$catchup"
    sluice_stop
}

for _ in $(seq 1 "$ROUNDS"); do
    for mode in ${MODES:-off wal ndjson}; do run "$mode"; done
done
