#!/usr/bin/env bash
# What it measures: Sluice's ingest throughput and latency across formats × batch sizes (1, 100, 1000 events per
# request) × fsync policies (always, interval=10, none) × gzip (off, on), each cell beside its baseline: nginx
# `return 200` fed the very same requests by the same generator (`sluice bench`, closed loop, 64 connections,
# 1 client thread). Three Sluice servers (one per fsync policy) and nginx run side by side and each cell runs
# them back to back, so load from neighbours hits all alike.
# How to read it: one line per cell with events/s and p99 of Sluice and nginx and `ratio` = Sluice events/s ÷
# nginx events/s (1.0 = as fast as an HTTP server that does no work); all cells go to
# perf/results/<date>.json together with the physical baselines (perf/baselines.sh: lz4 speed, fdatasync
# latency, generator capacity). `perf/report.py` turns the newest results into perf/REPORT.md with plots.
# Env: SHORT=1 (2 s per cell, short baselines: a first picture in ~10 minutes), DURATION (s per cell, default 10),
# FORMATS, BATCHES, FSYNCS, GZIPS (space-separated subsets), CONNECTIONS (default 64), SKIP_BASELINES=1.
set -euo pipefail
cd "$(dirname "$0")"
source lib/nginx.sh
source lib/bench.sh
if [ "${SHORT:-0}" = 1 ]; then DURATION=${DURATION:-2}; export SYNCS=${SYNCS:-200} CORPUS_BYTES=${CORPUS_BYTES:-16777216}; fi
DURATION=${DURATION:-10}
FORMATS=${FORMATS:-"structured unstructured json raw hec hec-raw bulk"}
BATCHES=${BATCHES:-"1 100 1000"}
FSYNCS=${FSYNCS:-"always interval=10 none"}
GZIPS=${GZIPS:-"off on"}
CONNECTIONS=${CONNECTIONS:-64}
date=$(stamp)
OUT=${OUT:-$RESULTS_DIR/$date.json}

work=$(mktemp -d)
pids=()
cleanup() {
    nginx_stop
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
bench_build

if [ "${SKIP_BASELINES:-0}" != 1 ]; then
    DURATION=$DURATION OUT="$RESULTS_DIR/$date-baselines.json" ./baselines.sh
fi
baselines=$(ls -1 "$RESULTS_DIR"/*-baselines.json 2>/dev/null | sort | tail -1 || true)

# One Sluice per fsync policy, each on its own data folder with bounded WAL retention.
declare -A port token
for policy in $FSYNCS; do
    data="$work/sluice-${policy//=/-}"
    mkdir -p "$data"
    "$BENCH_BIN" serve --data "$data" --listen 127.0.0.1:0 --fsync "$policy" \
        --segment-bytes $((32 << 20)) --retention-bytes $((128 << 20)) >"$data.out" 2>"$data.err" &
    pids+=($!)
    for _ in $(seq 1 100); do [ -s "$data/sluice.port" ] && break; sleep 0.1; done
    port[$policy]=$(cat "$data/sluice.port")
    token[$policy]=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$data/bootstrap-credentials.json")
done
nginx_start

cells="$work/cells.jsonl"
: > "$cells"
printf "%-13s %5s %4s %-12s %12s %9s %12s %9s %6s\n" format batch gzip fsync sluice_ev/s p99_ms nginx_ev/s p99_ms ratio
for format in $FORMATS; do
    for batch in $BATCHES; do
        for gz in $GZIPS; do
            flags=(--format "$format" --batch "$batch" --connections "$CONNECTIONS" --duration "$DURATION" --seed 1)
            [ "$gz" = on ] && flags+=(--gzip)
            nginx=$(bench_json "http://127.0.0.1:$NGINX_PORT/" "${flags[@]}")
            for policy in $FSYNCS; do
                sluice=$(bench_json "http://127.0.0.1:${port[$policy]}" --token "${token[$policy]}" "${flags[@]}")
                printf '{"format":"%s","batch":%d,"gzip":%s,"fsync":"%s","sluice":%s,"nginx":%s}\n' \
                    "$format" "$batch" "$([ "$gz" = on ] && echo true || echo false)" "$policy" "$sluice" "$nginx" >> "$cells"
                python3 - "$(tail -1 "$cells")" <<'PY'
import json, sys
c = json.loads(sys.argv[1]); s, n = c["sluice"], c["nginx"]
ratio = s["events_per_second"] / n["events_per_second"] if n["events_per_second"] else 0
bad = sum(v for k, v in s["status"].items() if not k.startswith("2")) + s["errors"]
print(f"{c['format']:<13} {c['batch']:>5} {'on' if c['gzip'] else 'off':>4} {c['fsync']:<12} {s['events_per_second']:>12.0f} "
      f"{s['latency_ms']['p99']:>9.2f} {n['events_per_second']:>12.0f} {n['latency_ms']['p99']:>9.2f} {ratio:>6.2f}"
      + (f"  ({bad} refused/errors: {s['status']})" if bad else ""))
PY
            done
        done
    done
done

python3 - "$cells" "$OUT" "$DURATION" "$CONNECTIONS" "${SHORT:-0}" "$baselines" <<'PY'
import json, os, platform, sys, datetime
cells_path, out, duration, connections, short, baselines = sys.argv[1:7]
cells = [json.loads(l) for l in open(cells_path) if l.strip()]
for c in cells:
    n = c["nginx"]["events_per_second"]
    c["ratio_events"] = c["sluice"]["events_per_second"] / n if n else None
result = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "mode": "short" if short == "1" else "full",
    "duration_s": float(duration), "connections": int(connections), "client_threads": 1,
    "host": {"cores": os.cpu_count(), "kernel": platform.release()},
    "baselines_file": os.path.basename(baselines) if baselines else None,
    "baselines": json.load(open(baselines)) if baselines else None,
    "cells": cells,
}
json.dump(result, open(out, "w"), indent=1)
print(f"written {out} ({len(cells)} cells)")
PY
