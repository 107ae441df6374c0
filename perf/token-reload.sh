#!/usr/bin/env bash
# What it measures: ingest throughput while the token snapshot is reloaded (issue 3: SIGHUP every second
# costs <= 2 % of requests/s and fails no request). Sluice starts on a fresh data folder whose snapshot is
# grown to TOKENS ingest tokens (default 100000), then wrk (1 thread, 64 keep-alive connections) POSTs a
# small structured-ingest body with the sandbox token for DURATION seconds (default 30): once quietly, once
# with `kill -HUP` every second; ROUNDS (default 2) such pairs, interleaved so neighbours' load hits both.
# Sluice runs with --fsync interval=10 so the numbers measure the gateway, not the disk.
# How to read it: one line per run with requests/s, p99 latency, non-2xx answers and socket errors (both
# must be 0), and the reloads the server counted (sluice_token_reloads_total); then the best quiet and
# best reloading requests/s and their ratio (target >= 0.98).
set -euo pipefail
cd "$(dirname "$0")"
source lib/sluice.sh
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-2}
TOKENS=${TOKENS:-100000}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }

work=$(mktemp -d)
hupper=
trap '[ -n "$hupper" ] && kill "$hupper" 2>/dev/null; sluice_stop; rm -rf "$work"' EXIT
sluice_start --fsync interval=10 --threads 2

# Grow the snapshot to TOKENS ingest tokens (43-character base62 values) and load it with one SIGHUP.
python3 - "$SLUICE_DATA/tokens.json" "$TOKENS" <<'PY'
import json, os, sys
path, count = sys.argv[1], int(sys.argv[2])
snapshot = json.load(open(path))
for i in range(count):
    snapshot["ingestTokens"].append({"name": "bench-%d" % i, "repository": "sandbox",
                                     "token": "B" + str(i).rjust(42, "0")})
tmp = path + ".tmp-bench"
with open(tmp, "w") as f:
    json.dump(snapshot, f)
os.chmod(tmp, 0o600)
os.rename(tmp, path)
PY
metric() { curl -s "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v name="$1" '$1 == name { print $2 }'; }
kill -HUP "$SLUICE_PID"
for _ in $(seq 1 100); do
    [ "$(metric sluice_tokens)" -gt "$TOKENS" ] 2>/dev/null && break
    sleep 0.1
done
echo "serving $(metric sluice_tokens) credentials; reload failures so far: $(metric sluice_token_reload_failures_total)"

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '[{"tags": {"source": "bench"}, "events": [{"timestamp": "2026-11-28T10:00:00.000Z", "attributes": {"host": "web-1"}, "rawstring": "GET /api/items/1 HTTP/1.1 200 512"}]}]'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $SLUICE_TOKEN"
LUA

run() { # label reload(0|1)
    local before after out
    before=$(metric sluice_token_reloads_total)
    if [ "$2" = 1 ]; then
        (while kill -HUP "$SLUICE_PID" 2>/dev/null; do sleep 1; done) &
        hupper=$!
    fi
    out=$(wrk -t1 -c64 -d"${DURATION}s" --latency -s "$work/post.lua" "http://127.0.0.1:$SLUICE_PORT/api/v1/ingest/humio-structured")
    if [ -n "$hupper" ]; then kill "$hupper" 2>/dev/null; wait "$hupper" 2>/dev/null || true; hupper=; fi
    after=$(metric sluice_token_reloads_total)
    local rps p99 non2xx errors
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out"); non2xx=${non2xx:-0}
    errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' <<<"$out"); errors=${errors:-0}
    printf '%-10s %10s req/s  p99 %-8s non-2xx %-6s socket errors %-4s reloads %s\n' \
        "$1" "$rps" "$p99" "$non2xx" "$errors" "$((after - before))"
    echo "$1 $rps $non2xx $errors" >>"$work/results"
}

for round in $(seq 1 "$ROUNDS"); do
    run quiet 0
    run reloading 1
done
awk '{ if ($1 == "quiet" && $2 > q) q = $2; if ($1 == "reloading" && $2 > r) r = $2; bad += $3 + $4 }
     END { printf "best quiet %.0f req/s, best reloading %.0f req/s, ratio %.3f (target >= 0.98); failed requests %d (target 0)\n", q, r, r / q, bad }' \
    "$work/results"
echo "reload failures: $(metric sluice_token_reload_failures_total)"
