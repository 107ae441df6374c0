#!/usr/bin/env bash
# What it measures: Sluice's latency under a steady offered load below its limit (issue 24's table). Open loop
# (`sluice bench --rate`, fixed timetable, latency counted from each request's scheduled send time, so queueing
# is never hidden: no coordinated omission), 64 connections, one client thread, for each batch size and rate:
# nginx `return 200` (the floor any HTTP server on this machine pays), then Sluice under each fsync policy, each
# binary of BINS in turn (a fresh server and data folder per run). A 4 KiB write + fdatasync probe on the data
# folder's disk runs before and after (the floor under `--fsync always`).
# How to read it: one line per run with p50/p90/p99/p99.9/max in ms; the targets are Sluice p99 ≤ 2 × nginx p99 at
# the same rate under `none` and `interval=10`, and ≤ 3 × the fdatasync p99 under `always`. The machine is shared
# and single runs are noisy: use ROUNDS ≥ 2 and read ranges. Run it under the heavy lock:
#   flock /tmp/sluice-heavy.lock perf/latency.sh
# Results go to perf/results/<date>-latency.json (one object per run); perf/report.py tabulates and plots them.
# Env: BINS ("name=path ...", default the worktree's release build as "new"; e.g. "base=/tmp/sluice-base new=..."),
# POLICIES (default "none interval=10 always"), BATCHES (default "1 100"), RATES_1 (req/s for 1-event requests,
# default "20000 42000"), RATES_100 (default "6000 12000": about a quarter and half of the closed-loop maximum, as 20000 and 42000 are for 1 event), DURATION (s per run, default 6), ROUNDS (default 1),
# CONNECTIONS (64), NGINX (1: include nginx), SYNCS (fdatasync samples per probe, 2000), SERVER_FLAGS (extra
# `sluice serve` flags), KEEP_SERVER_LOGS (folder to copy each server's stderr to).
set -euo pipefail
cd "$(dirname "$0")"
source lib/nginx.sh
source lib/bench.sh
DURATION=${DURATION:-6}
ROUNDS=${ROUNDS:-1}
POLICIES=${POLICIES-"none interval=10 always"}
BATCHES=${BATCHES:-"1 100"}
RATES_1=${RATES_1:-"20000 42000"}
RATES_100=${RATES_100:-"6000 12000"}
CONNECTIONS=${CONNECTIONS:-64}
NGINX=${NGINX:-1}
SYNCS=${SYNCS:-2000}
SERVER_FLAGS=${SERVER_FLAGS:-}
OUT=${OUT:-$RESULTS_DIR/$(stamp)-latency.json}

work=$(mktemp -d -p "${DATA_PARENT:-/tmp}")
server_pid=
cleanup() {
    if [ "$NGINX" = 1 ]; then nginx_stop; fi
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${BINS:-}" ]; then
    bench_build
    BINS="new=$BENCH_BIN"
else
    BENCH_BIN=${BENCH_BIN:-${BINS##*=}}
fi
[ "$NGINX" = 1 ] && nginx_start

start_sluice() { # binary policy -> sets S_PORT, S_TOKEN, server_pid
    local data="$work/sluice-$RANDOM$RANDOM"
    mkdir -p "$data"
    # shellcheck disable=SC2086
    "$1" serve --data "$data" --listen 127.0.0.1:0 --fsync "$2" $SERVER_FLAGS >"$data.out" 2>"$data.err" &
    server_pid=$!
    for _ in $(seq 1 100); do [ -s "$data/sluice.port" ] && break; sleep 0.1; done
    S_PORT=$(cat "$data/sluice.port")
    S_TOKEN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$data/bootstrap-credentials.json")
    S_DATA=$data
}

stop_sluice() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    if [ -n "${KEEP_SERVER_LOGS:-}" ]; then mkdir -p "$KEEP_SERVER_LOGS"; cp "$S_DATA.err" "$KEEP_SERVER_LOGS/" || true; fi
    rm -rf "$S_DATA" "$S_DATA.out" "$S_DATA.err"
}

probe() { python3 lib/fdatasync-probe.py "$work" "$SYNCS"; }

runs="$work/runs.jsonl"
: > "$runs"
record() { # server binary policy batch rate json
    printf '{"server":"%s","binary":"%s","fsync":"%s","batch":%d,"rate":%s,"round":%d,"result":%s}\n' \
        "$1" "$2" "$3" "$4" "$5" "$round" "$6" >> "$runs"
    python3 - "$(tail -1 "$runs")" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); s = r["result"]; m = s["latency_ms"]
lat = "/".join(f"{m[k]:.2f}" for k in ("p50", "p90", "p99", "p999", "max"))
name = r["server"] if r["server"] == "nginx" else f"{r['binary']} {r['fsync']}"
print(f"{r['round']:>2} {r['batch']:>4} {r['rate']:>7} {name:<24} {lat:<36} {s['requests_per_second']:>9.0f} unsent {s['unsent']}")
PY
}

probes=()
probes+=("$(probe)")
echo "fdatasync 4 KiB: ${probes[0]}"
echo "rd batch    rate server                   p50/p90/p99/p99.9/max ms             req/s"
for round in $(seq 1 "$ROUNDS"); do
    for batch in $BATCHES; do
        rates_var="RATES_$batch"
        for rate in ${!rates_var}; do
            flags=(--format structured --batch "$batch" --connections "$CONNECTIONS" --duration "$DURATION" --seed "$round" --rate "$rate")
            if [ "$NGINX" = 1 ]; then
                record nginx - - "$batch" "$rate" "$(bench_json "http://127.0.0.1:$NGINX_PORT/" "${flags[@]}")"
            fi
            for policy in $POLICIES; do
                for entry in $BINS; do
                    start_sluice "${entry#*=}" "$policy"
                    record sluice "${entry%%=*}" "$policy" "$batch" "$rate" \
                        "$(bench_json "http://127.0.0.1:$S_PORT" --token "$S_TOKEN" "${flags[@]}")"
                    stop_sluice
                done
            done
        done
    done
done
probes+=("$(probe)")
echo "fdatasync 4 KiB: ${probes[1]}"

python3 - "$runs" "$OUT" "$DURATION" "$CONNECTIONS" "${probes[@]}" <<'PY'
import json, sys, datetime
runs_path, out, duration, connections, *probes = sys.argv[1:]
runs = [json.loads(l) for l in open(runs_path) if l.strip()]
json.dump({"kind": "latency-table", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "duration_s": float(duration), "connections": int(connections),
           "fdatasync_probes": [json.loads(p) for p in probes], "runs": runs}, open(out, "w"), indent=1)
# Summary: p99 range over rounds per (batch, rate, server), with the targets.
from collections import defaultdict
cells = defaultdict(list)
for r in runs:
    name = "nginx" if r["server"] == "nginx" else f"{r['binary']} {r['fsync']}"
    cells[(r["batch"], r["rate"], name)].append(r["result"]["latency_ms"]["p99"])
sync_p99 = max(p["p99_ms"] for p in json.loads("[" + ",".join(probes) + "]"))
print(f"\np99 ms over rounds (min–max); fdatasync 4 KiB p99 (worse probe) {sync_p99:.3f} ms → always target {3 * sync_p99:.2f} ms")
for (batch, rate) in dict.fromkeys((b, r) for b, r, _ in cells):
    nginx = cells.get((batch, rate, "nginx"))
    ref = f"nginx {min(nginx):.2f}–{max(nginx):.2f} → target {2 * max(nginx):.2f}" if nginx else ""
    print(f"batch {batch} at {rate} req/s: {ref}")
    for (b, r, name), v in cells.items():
        if (b, r) == (batch, rate) and name != "nginx":
            print(f"    {name:<24} {min(v):.2f}–{max(v):.2f}")
print(f"written {out}")
PY
