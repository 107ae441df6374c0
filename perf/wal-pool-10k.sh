#!/usr/bin/env bash
# What it measures: REPOS (default 10 000) repositories each receiving one 1-event structured request per
# second (open loop, `sluice bench --rate REPOS`, round-robin over one ingest token per repository) for
# DURATION seconds (default 60), beside the same rate into one repository, under --fsync FSYNC (default
# always). Reports per run: requests/s, p50/p99/max latency, HTTP statuses (no 503 is the target), and the
# server's threads (target <= loops + writers + 4), descriptors and RSS sampled in the middle of the run.
# Env: BIN (default .build/release/sluice, built here), REPOS, DURATION, FSYNC, CONNECTIONS (bench
# keep-alive connections, default 1000), WRITERS (--wal-writers, default cores), LOOPS (--threads, default 2).
set -euo pipefail
cd "$(dirname "$0")"
source lib/sluice.sh
REPOS=${REPOS:-10000}
DURATION=${DURATION:-60}
FSYNC=${FSYNC:-always}
CONNECTIONS=${CONNECTIONS:-1000}
WRITERS=${WRITERS:-$(nproc)}
LOOPS=${LOOPS:-2}
if [ -z "${BIN:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BIN="$(cd .. && pwd)/.build/release/sluice"; fi
work=$(mktemp -d)
SLUICE_PID=""
trap '[ -n "$SLUICE_PID" ] && sluice_kill; rm -rf "$work"' EXIT

sluice_serve "$BIN" "$work/data" --fsync "$FSYNC" --threads "$LOOPS" --wal-writers "$WRITERS" \
    --max-connections $((CONNECTIONS * 2 + 100))
python3 lib/add_repositories.py "$SLUICE_DATA/tokens.json" "$work/tokens.txt" "$REPOS" tenant 11
kill -HUP "$SLUICE_PID"
for _ in $(seq 1 300); do grep -q "tokens=reloaded" "$SLUICE_DATA/stderr.log" && break; sleep 0.1; done
echo "limits: $(grep -m1 -o 'open_files=[0-9]*' "$SLUICE_DATA/stderr.log" || true) $(grep -m1 -o 'max_connections=[0-9]*' "$SLUICE_DATA/stderr.log" || true)"
# Every repository written once first, so the runs measure steady state, not first opens.
"$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --format structured --batch 1 --connections 64 --threads 1 \
    --requests "$REPOS" --token-file "$work/tokens.txt" --json >"$work/warm.json" 2>/dev/null
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('warm-up: statuses', r['status'])" "$work/warm.json"

run() { # label tokenargs...
    local label=$1
    shift
    "$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --format structured --batch 1 --connections "$CONNECTIONS" \
        --threads 1 --rate "$REPOS" --duration "$DURATION" --json "$@" >"$work/out.json" 2>/dev/null &
    local bench=$!
    sleep $((DURATION / 2))
    local threads fds rss
    threads=$(ls "/proc/$SLUICE_PID/task" | wc -l)
    fds=$(ls "/proc/$SLUICE_PID/fd" | wc -l)
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$SLUICE_PID/status")
    wait "$bench"
    python3 - "$work/out.json" "$label" "$threads" "$fds" "$rss" "$FSYNC" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r['latency_ms']
print(f"{sys.argv[6]:12} {sys.argv[2]:5} {r['requests_per_second']:8.0f} req/s  p50 {l['p50']:6.2f} ms  p99 {l['p99']:6.2f} ms  max {l['max']:7.2f} ms  "
      f"status {r['status']}  errors {r['errors']}  server threads {sys.argv[3]}  fds {sys.argv[4]}  rss {int(sys.argv[5]) / 1024:.0f} MB")
PY
}

run one --token "$SLUICE_TOKEN"
run many --token-file "$work/tokens.txt"
grep -c '"status":503\|503' "$SLUICE_DATA/stderr.log" >/dev/null 2>&1 || true
echo "open repositories at the end: $(curl -s "http://127.0.0.1:$SLUICE_PORT/metrics" 2>/dev/null | awk '/^sluice_wal_open_repositories/ {print $2}')"
