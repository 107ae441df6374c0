#!/usr/bin/env bash
# What it measures: what storing the forwarder's messages costs ingest on this machine whoever publishes them,
# i.e. the best ratio a forwarder could reach. Per round (ROUNDS; DURATION s of 1000-event structured
# requests, 16 connections, --fsync interval=10; one loopback nats-server -js, R1 file-storage streams):
#   off       forwarding off;
#   FORMAT    forwarding in FORMAT (each of FORMATS) with BIN; its messages/s and mean body size are read
#             from /metrics after it caught up;
#   c-FORMAT  forwarding off while perf/lib/js-publish.c (libnats, async acks, a Nats-Msg-Id each) publishes
#             that many messages/s of that size (all the run's records spread over the run, sent every
#             10 ms as the forwarder does) into a stream on the same nats-server for the whole run, at the
#             forwarder threads' nice 10.
# Each line has ingest's events/s, the ratio to `off` of the round, and nats-server's and Sluice's CPU seconds
# during the run (of Sluice's, the forwarder threads'). How to read it: c-FORMAT/off is what ingest keeps when only the storing is paid (the plain
# publisher's own CPU is small beside it); FORMAT/off against it shows what the forwarder adds.
# Run under `flock /tmp/sluice-heavy.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
source perf/lib/sluice.sh
source perf/lib/nats.sh
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-6}
FORMATS=${FORMATS:-wal ndjson}
BIN=${BIN:-$PWD/.build/release/sluice}
[ -x "$BIN" ] || swift build -c release --product sluice >/dev/null
WORK=$(mktemp -d)
cc -O2 -o "$WORK/js-publish" perf/lib/js-publish.c $(pkg-config --cflags --libs libnats)
NATS_PID=""
trap 'sluice_kill 2>/dev/null || true; kill $NATS_PID 2>/dev/null; rm -rf "$WORK"' EXIT
nats_start "$WORK/nats"

cpu() { awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$1/stat"; }
# CPU seconds of the forwarder's threads (and the NATS client's, which inherit their name) in process $1.
forwarder_cpu() { cat /proc/"$1"/task/*/stat 2>/dev/null | awk '$2 == "(sluice-forward)" { s += $14 + $15 } END { printf "%.2f\n", s / 100 }'; }
metric() { curl -fsS "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" { s += $2 } END { printf "%.0f\n", s }'; }
OFF=1
run() { # MODE [RATE SIZE]: prints one line; for a forwarding mode sets RATE and SIZE
    local mode=$1 stream="S$RANDOM$RANDOM" publisher=""
    sluice_serve "$BIN" "$WORK/data" --fsync interval=10
    case $mode in
    off) ;;
    c-*)
        RATE=$2 nice -n 10 "$WORK/js-publish" "nats://127.0.0.1:$NATS_PORT" "$stream.x" $(( $2 * (DURATION + 1) )) "$3" "$stream" 1 >/dev/null &
        publisher=$!
        sleep 0.3 ;;
    *)
        "$BIN" forwarders add --data "$SLUICE_DATA" --name js --server "nats://127.0.0.1:$NATS_PORT" --stream "$stream" \
            --subject-prefix "$stream." --format "$mode" --repo sandbox >/dev/null
        "$BIN" forwarders create-stream --data "$SLUICE_DATA" --name js --duplicate-window 120 >/dev/null
        kill -HUP "$SLUICE_PID"
        until grep -q "state=forwarding" "$SLUICE_DATA/stderr.log"; do sleep 0.1; done ;;
    esac
    local n0 s0 f0 n1 s1 f1 events
    n0=$(cpu "$NATS_PID"); s0=$(cpu "$SLUICE_PID"); f0=$(forwarder_cpu "$SLUICE_PID")
    events=$("$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --token "$SLUICE_TOKEN" --format structured --batch 1000 \
        --connections 16 --duration "$DURATION" --json 2>/dev/null | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["events_per_second"]))')
    n1=$(cpu "$NATS_PID"); s1=$(cpu "$SLUICE_PID"); f1=$(forwarder_cpu "$SLUICE_PID")
    [ "$mode" = off ] && OFF=$events
    local extra=""
    case $mode in
    off) ;;
    c-*) wait "$publisher" || true; extra="($2 messages/s of $3 B)" ;;
    *)
        until "$BIN" forward status --data "$SLUICE_DATA" | awk 'NR==2 {exit !($4=="0")}'; do sleep 0.1; done
        local records bytes
        records=$(metric sluice_forward_records_total); bytes=$(metric sluice_forward_bytes_total)
        SIZE=$((bytes / records)); RATE=$(python3 -c "print(round($records / $DURATION))")
        extra="(published $records messages of $SIZE B on average, i.e. $RATE/s over the run)" ;;
    esac
    python3 -c "print(f'{\"$mode\":9s} {$events:>10,} events/s  {$events/$OFF:.2f}  CPU during the run: nats-server {$n1-$n0:.2f} s, sluice {$s1-$s0:.2f} s (forwarder {$f1-$f0:.2f} s)  $extra')"
    sluice_stop
}

for round in $(seq 1 "$ROUNDS"); do
    echo "round $round"
    run off
    for format in $FORMATS; do
        run "$format"
        run "c-$format" "$RATE" "$SIZE"
    done
done
