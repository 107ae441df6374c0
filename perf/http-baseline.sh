#!/usr/bin/env bash
# What it measures: Sluice's HTTP layer against nginx `return 200` on the same machine, in one run,
# interleaved (nginx, Sluice, nginx, Sluice …) so that load from neighbours hits both alike.
# Load: wrk, 1 thread, 64 keep-alive connections, DURATION seconds per run (default 10), ROUNDS rounds.
# Workloads: GET /api/v1/status; POST of a 331-byte and a 27 KB JSON body to the structured ingest path
# (Sluice runs with --fsync interval=10 so the numbers measure the gateway, not the disk; THREADS event loops,
# default 2: on a 2-core machine shared with wrk, THREADS=1 leaves the WAL writer thread a core of its own).
# How to read it: one line per workload with requests/s and p99 latency of each side (best round) and
# the ratio Sluice/nginx; >= 0.95 on status is the target of the HTTP-core issue.
# SLUICE_BIN=PATH measures that binary instead of building this tree's release build.
set -euo pipefail
cd "$(dirname "$0")"
source lib/nginx.sh
source lib/sluice.sh
source lib/wrk.sh
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }

work=$(mktemp -d)
trap 'nginx_stop; sluice_stop; rm -rf "$work"' EXIT
nginx_start
sluice_start --fsync interval=10 --threads "${THREADS:-2}"

python3 - "$work" <<'PY'
import sys
sys.path.insert(0, "lib")
from structured_events import event, body
small = body([event(1)])
small = small + " " * max(0, 331 - len(small))
events, big = [], ""
while len(big) < 27000:
    events.append(event(len(events)))
    big = body(events)
open(sys.argv[1] + "/small.json", "w").write(small[:331] if len(small) > 331 else small)
open(sys.argv[1] + "/big.json", "w").write(big)
PY
for size in small big; do wrk_post_lua "$work/$size.json" "$SLUICE_TOKEN" "$work/$size.lua"; done

run() { # url [script] -> "rps p99ms"
    local out
    if [ -n "${2:-}" ]; then out=$(wrk -t1 -c64 -d"${DURATION}s" --latency -s "$2" "$1"); else out=$(wrk -t1 -c64 -d"${DURATION}s" --latency "$1"); fi
    local rps p99 non2xx
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    echo "$rps $p99 ${non2xx:-0}"
}

printf "%-22s %12s %10s %12s %10s %8s %8s\n" workload nginx_rps nginx_p99 sluice_rps sluice_p99 ratio errors
for workload in status small big; do
    best_n=0; best_s=0; p99_n=0; p99_s=0; errors=0
    for _ in $(seq 1 "$ROUNDS"); do
        if [ "$workload" = status ]; then
            read -r n np _ <<<"$(run "http://127.0.0.1:$NGINX_PORT/api/v1/status")"
            read -r s sp e <<<"$(run "http://127.0.0.1:$SLUICE_PORT/api/v1/status")"
        else
            read -r n np _ <<<"$(run "http://127.0.0.1:$NGINX_PORT/api/v1/ingest/humio-structured" "$work/$workload.lua")"
            read -r s sp e <<<"$(run "http://127.0.0.1:$SLUICE_PORT/api/v1/ingest/humio-structured" "$work/$workload.lua")"
        fi
        errors=$((errors + ${e:-0}))
        if awk "BEGIN{exit !($n > $best_n)}"; then best_n=$n; p99_n=$np; fi
        if awk "BEGIN{exit !($s > $best_s)}"; then best_s=$s; p99_s=$sp; fi
    done
    label=$workload; [ "$workload" = small ] && label="ingest-331B"; [ "$workload" = big ] && label="ingest-27KB"
    printf "%-22s %12.0f %9.2fms %12.0f %9.2fms %8.2f %8d\n" "$label" "$best_n" "$p99_n" "$best_s" "$p99_s" "$(awk "BEGIN{print $best_s/$best_n}")" "$errors"
done
