#!/usr/bin/env bash
# What it measures: what storing messages costs nats-server -js (one R1 file-storage stream on loopback), to
# tell its per-message cost from its per-byte cost and to see how the arrival pattern changes it.
# 1. TOTAL bytes (500 MB) published by perf/lib/js-publish.c as fast as acknowledgements allow, for each
#    message size in SIZES, ROUNDS times: nats-server's CPU seconds (/proc/<pid>/stat) per message and per byte.
# 2. RATE messages/s of SIZE bytes for DURATION seconds, sent in bursts every BURSTS milliseconds (0.01: evenly).
# NATS_ENV (e.g. GOGC=400) goes into nats-server's environment. Run under `flock /tmp/sluice-heavy.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
cc -O2 -o "$WORK/js-publish" perf/lib/js-publish.c $(pkg-config --cflags --libs libnats)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env ${NATS_ENV:-} nats-server -a 127.0.0.1 -p "$PORT" -js -sd "$WORK/nats" >/dev/null 2>&1 &
NATS_PID=$!
trap 'kill $NATS_PID; wait $NATS_PID 2>/dev/null; rm -rf "$WORK"' EXIT
until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do sleep 0.1; done
cpu() { awk '{print $14 + $15}' "/proc/$NATS_PID/stat"; }
TOTAL=${TOTAL:-500000000}
RATE=${RATE:-3000}; SIZE=${SIZE:-50000}; SECONDS_EACH=${DURATION:-5}
for _ in $(seq 1 "${ROUNDS:-2}"); do
    for size in ${SIZES:-1024 8192 51200 262144 1000000}; do
        stream="S$RANDOM$RANDOM"; c0=$(cpu)
        read -r sent secs < <("$WORK/js-publish" "nats://127.0.0.1:$PORT" "$stream.x" $((TOTAL / size)) "$size" "$stream" 1)
        c1=$(cpu)
        python3 -c "
c = ($c1 - $c0) / 100; n = $sent; b = n * $size
print(f'size {$size:>8} B: {n/$secs:9.0f} messages/s {b/$secs/1e6:7.1f} MB/s; nats-server {c:5.2f} CPU-s = {c/n*1e6:7.1f} us/message, {c/b*1e9:5.2f} ns/B')"
    done
    for burst in ${BURSTS:-0.01 1 10 50}; do
        stream="S$RANDOM$RANDOM"; c0=$(cpu)
        read -r sent secs < <(RATE=$RATE BURST_MS=$burst "$WORK/js-publish" "nats://127.0.0.1:$PORT" "$stream.x" $((RATE * SECONDS_EACH)) "$SIZE" "$stream" 1)
        c1=$(cpu)
        python3 -c "
c = ($c1 - $c0) / 100
print(f'{$RATE} messages/s of {$SIZE} B in bursts every {$burst:>5} ms: nats-server {c/$secs:.2f} cores, {c/$sent*1e6:.0f} us/message')"
    done
done
