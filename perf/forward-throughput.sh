#!/usr/bin/env bash
# What it measures, in one run (release build; run under `flock /tmp/sluice-heavy.lock`):
# 1. Ingest maximum: 1000-event structured requests (`sluice bench`, 16 connections, 8 s, --fsync interval=10),
#    forwarding off.
# 2. Lag at half load: the same requests at half that maximum (`--rate`) for LAG_SECONDS (60) while
#    forwarding into an R1 file-storage stream on a loopback nats-server -js, in `wal` and in `ndjson`.
#    Every 0.5 s it samples /metrics: sluice_wal_events_appended_total (what is stored), and
#    sluice_forward_lag_records; the forwarder's position is stored - lag, and its lag in seconds is how long
#    ago the WAL held that position (resolution 0.5 s). It also reports the largest
#    sluice_forward_lag_seconds gauge (the age of the first record not yet forwarded).
# 3. Forwarding's own maximum: PRELOAD_SECONDS (4) of full-speed ingest with forwarding off, then the target
#    is attached (SIGHUP) and timed until it caught up: events/s, records (messages)/s and MB/s of message
#    bodies, into an R1 stream and into an R3 stream on a 3-node cluster (perf/lib/nats-cluster.sh), wal and
#    ndjson. Beside each, perf/lib/js-publish.c (libnats, async acks, 4096 in flight, message ids) publishes
#    as many messages of the same mean size into a fresh stream with the same replicas.
# How to read it: issue 19 asks lag < 2 s at half load; the forwarder's messages/s against the baseline's
# says how much of the server's publish capacity the forwarder uses.
set -euo pipefail
cd "$(dirname "$0")/.."
source perf/lib/sluice.sh
source perf/lib/nats.sh
LAG_SECONDS=${LAG_SECONDS:-60}
PRELOAD_SECONDS=${PRELOAD_SECONDS:-4}
MAXIMUM=${MAXIMUM:-1}  # 0: only the ingest maximum and the lag at half load
BIN=${BIN:-$PWD/.build/release/sluice}
[ -x "$BIN" ] || swift build -c release --product sluice >/dev/null
WORK=$(mktemp -d)
cc -O2 -o "$WORK/js-publish" perf/lib/js-publish.c $(pkg-config --cflags --libs libnats)
NATS_PID=""
trap 'sluice_kill 2>/dev/null || true; kill $NATS_PID 2>/dev/null; perf/lib/nats-cluster.sh stop "$WORK/cluster"; rm -rf "$WORK"' EXIT
nats_start "$WORK/nats"
perf/lib/nats-cluster.sh start "$WORK/cluster" >/dev/null
CLUSTER_URLS=$(perf/lib/nats-cluster.sh urls "$WORK/cluster")

metric() { # NAME: the sum of that metric's samples
    curl -fsS "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" { s += $2 } END { printf "%.3f\n", s }'
}
bench() { # extra bench arguments; prints events/s
    "$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --token "$SLUICE_TOKEN" --format structured --batch 1000 \
        --connections 16 --json "$@" 2>/dev/null | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["events_per_second"]))'
}
attach() { # FORMAT URLS REPLICAS: adds target js on a fresh stream, creates it, SIGHUPs
    local stream="S$RANDOM$RANDOM" servers=()
    IFS=, read -r -a urls <<<"$2"
    for url in "${urls[@]}"; do servers+=(--server "$url"); done
    "$BIN" forwarders add --data "$SLUICE_DATA" --name js "${servers[@]}" --stream "$stream" --subject-prefix "$stream." \
        --format "$1" --repo sandbox >/dev/null
    "$BIN" forwarders create-stream --data "$SLUICE_DATA" --name js --replicas "$3" --duplicate-window 120 >/dev/null
    kill -HUP "$SLUICE_PID"
}
caught_up() { # live gauges: something forwarded and nothing stored left
    curl -fsS "http://127.0.0.1:$SLUICE_PORT/metrics" | awk '$1 ~ /^sluice_forward_lag_records[{]/ { l = $2; seen = 1 }
        $1 ~ /^sluice_forward_records_total[{]/ { r = $2 } END { exit !(seen && l == 0 && r > 0) }'
}

sluice_serve "$BIN" "$WORK/max" --fsync interval=10
MAX=$(bench --duration 8)
sluice_stop
RATE=$((MAX / 2 / 1000))
echo "ingest maximum, forwarding off: $MAX events/s; half load: $RATE requests/s of 1000 events"

for format in wal ndjson; do
    sluice_serve "$BIN" "$WORK/lag-$format" --fsync interval=10
    attach "$format" "nats://127.0.0.1:$NATS_PORT" 1
    until grep -q "state=forwarding" "$SLUICE_DATA/stderr.log"; do sleep 0.1; done
    "$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --token "$SLUICE_TOKEN" --format structured --batch 1000 \
        --connections 16 --rate "$RATE" --duration "$LAG_SECONDS" --json >"$WORK/lag-bench.json" 2>/dev/null &
    BENCH=$!
    : >"$WORK/samples"
    while kill -0 $BENCH 2>/dev/null; do
        echo "$(date +%s.%N) $(metric sluice_wal_events_appended_total) $(metric sluice_forward_lag_records) $(metric sluice_forward_lag_seconds)" >>"$WORK/samples"
        sleep 0.5
    done
    offered=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["events_per_second"]))' "$WORK/lag-bench.json")
    python3 - "$WORK/samples" "$format" "$offered" <<'PY'
import sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1]) if len(line.split()) == 4]
worst, gauge = 0.0, max(r[3] for r in rows)
for t, stored, lag, _ in rows:
    position = stored - lag
    held = next(ti for ti, si, _, _ in rows if si >= position)
    worst = max(worst, t - held)
print(f"{sys.argv[2]:7s} R1 at half load ({sys.argv[3]} events/s for {rows[-1][0]-rows[0][0]:.0f} s, {len(rows)} samples): "
      f"max lag {worst:.1f} s, max lag records {max(r[2] for r in rows):.0f}, max sluice_forward_lag_seconds {gauge:.2f}")
PY
    sluice_stop
done

[ "$MAXIMUM" = 0 ] && exit 0
for replicas in 1 3; do
    urls="nats://127.0.0.1:$NATS_PORT"
    [ "$replicas" = 3 ] && urls=$CLUSTER_URLS
    for format in wal ndjson; do
        sluice_serve "$BIN" "$WORK/max-$format-$replicas" --fsync interval=10
        bench --duration "$PRELOAD_SECONDS" >/dev/null
        events=$(metric sluice_wal_events_appended_total)
        start=$(date +%s.%N)
        attach "$format" "$urls" "$replicas"
        sleep 0.2
        until caught_up; do sleep 0.05; done
        end=$(date +%s.%N)
        records=$(metric sluice_forward_records_total)
        bytes=$(metric sluice_forward_bytes_total)
        sluice_stop
        size=$(python3 -c "print(max(1, round($bytes / $records)))")
        subject="B$RANDOM$RANDOM"
        read -r sent seconds < <("$WORK/js-publish" "$urls" "$subject.x" "${records%.*}" "$size" "$subject" "$replicas")
        python3 -c "
e, r, b, s = $events, $records, $bytes, $end - $start
print(f'R$replicas $format: forwarder {e/s:,.0f} events/s, {r/s:,.0f} messages/s, {b/s/1e6:.1f} MB/s ({r:.0f} messages of {b/r:.0f} B in {s:.2f} s); '
      f'baseline publisher {$sent/$seconds:,.0f} messages/s, {$sent*$size/$seconds/1e6:.1f} MB/s; forwarder/baseline {(r/s)/($sent/$seconds):.2f}')"
    done
done
