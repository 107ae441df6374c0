#!/usr/bin/env bash
# What it measures: Sluice's latency under a steady offered load below its limit. For each workload it first
# measures the maximum rate (closed loop, 64 connections), then offers 25 %, 50 % and 75 % of it in open loop
# (`sluice bench --rate`, fixed timetable, latency counted from each request's scheduled send time, so queueing
# is never hidden: no coordinated omission). nginx `return 200` gets the same offered rates as a reference.
# How to read it: one line per (workload, fraction) with p50/p90/p99/p99.9/max in ms for Sluice and nginx;
# a p99 that climbs steeply from 50 % to 75 % means the server queues well before its measured maximum.
# Results go to perf/results/<date>-latency.json; perf/report.py plots latency percentiles vs offered rate.
# Env: DURATION (s per run, default 10; SHORT=1 sets 3), WORKLOADS ("format:batch:fsync ...", default
# "structured:100:always structured:100:interval=10 hec-raw:1:none"), CONNECTIONS (default 64).
set -euo pipefail
cd "$(dirname "$0")"
source lib/nginx.sh
source lib/bench.sh
if [ "${SHORT:-0}" = 1 ]; then DURATION=${DURATION:-3}; fi
DURATION=${DURATION:-10}
WORKLOADS=${WORKLOADS:-"structured:100:always structured:100:interval=10 hec-raw:1:none"}
CONNECTIONS=${CONNECTIONS:-64}
OUT=${OUT:-$RESULTS_DIR/$(stamp)-latency.json}

work=$(mktemp -d)
pids=()
cleanup() {
    nginx_stop
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
bench_build
nginx_start

start_sluice() { # policy -> sets S_PORT, S_TOKEN
    local data="$work/sluice-$RANDOM"
    mkdir -p "$data"
    "$BENCH_BIN" serve --data "$data" --listen 127.0.0.1:0 --fsync "$1" \
        --segment-bytes $((32 << 20)) --retention-bytes $((128 << 20)) >"$data.out" 2>"$data.err" &
    pids+=($!)
    for _ in $(seq 1 100); do [ -s "$data/sluice.port" ] && break; sleep 0.1; done
    S_PORT=$(cat "$data/sluice.port")
    S_TOKEN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$data/bootstrap-credentials.json")
}

runs="$work/runs.jsonl"
: > "$runs"
printf "%-32s %5s %10s | %-44s | %-44s\n" workload load rate "sluice p50/p90/p99/p99.9/max ms" "nginx p50/p90/p99/p99.9/max ms"
for workload in $WORKLOADS; do
    IFS=: read -r format batch policy <<<"$workload"
    start_sluice "$policy"
    flags=(--format "$format" --batch "$batch" --connections "$CONNECTIONS" --duration "$DURATION" --seed 1)
    max=$(bench_json "http://127.0.0.1:$S_PORT" --token "$S_TOKEN" "${flags[@]}")
    max_rps=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['requests_per_second'])" "$max")
    printf '{"workload":"%s","format":"%s","batch":%d,"fsync":"%s","fraction":1.0,"sluice":%s,"nginx":null}\n' \
        "$workload" "$format" "$batch" "$policy" "$max" >> "$runs"
    for fraction in 0.25 0.50 0.75; do
        rate=$(python3 -c "print(max(1.0, $max_rps * $fraction))")
        sluice=$(bench_json "http://127.0.0.1:$S_PORT" --token "$S_TOKEN" "${flags[@]}" --rate "$rate")
        nginx=$(bench_json "http://127.0.0.1:$NGINX_PORT/" "${flags[@]}" --rate "$rate")
        printf '{"workload":"%s","format":"%s","batch":%d,"fsync":"%s","fraction":%s,"sluice":%s,"nginx":%s}\n' \
            "$workload" "$format" "$batch" "$policy" "$fraction" "$sluice" "$nginx" >> "$runs"
        python3 - "$(tail -1 "$runs")" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
def l(x):
    m = x["latency_ms"]
    return "/".join(f"{m[k]:.2f}" for k in ("p50", "p90", "p99", "p999", "max"))
print(f"{r['workload']:<32} {int(r['fraction'] * 100):>4}% {r['sluice']['offered_rate']:>10.0f} | {l(r['sluice']):<44} | {l(r['nginx']):<44}")
PY
    done
done

python3 - "$runs" "$OUT" "$DURATION" "$CONNECTIONS" <<'PY'
import json, sys, datetime
runs_path, out, duration, connections = sys.argv[1:5]
runs = [json.loads(l) for l in open(runs_path) if l.strip()]
json.dump({"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "duration_s": float(duration), "connections": int(connections), "runs": runs}, open(out, "w"), indent=1)
print(f"written {out}")
PY
