#!/usr/bin/env bash
# What it measures: the cost of TLS termination in Sluice, in one run. (1) Ingest of 1000-event batches
# (POST /api/v1/ingest/humio-structured, about 190 KB of JSON each) over plain HTTP and over TLS 1.3
# (AES-256-GCM, keep-alive), interleaved round by round so that load from neighbours hits both alike;
# wrk, 1 thread, CONNECTIONS keep-alive connections (default 16), DURATION seconds per run (default 10),
# ROUNDS rounds (default 2); Sluice runs with --fsync interval=10 and 2 loops. (2) Full TLS handshakes per
# second against a Sluice with ONE loop (so: per core), and resumed ones, with `openssl s_time` for
# HANDSHAKE_SECONDS (default 10). The client runs on the same machine and takes CPU from the server, so
# handshakes/s is a lower bound on what one server core does.
# How to read it: one line per transport with requests/s, MB/s of request bodies, p99 and the server's CPU
# time per request (from /proc/PID/stat) of the best round; the ratios tls/plain of requests/s (target of
# issue 9: >= 0.80) and of requests per server core-second (the server's own TLS cost: wrk encrypts every
# body too, on the same two cores, which lowers the first ratio without any server cost); then
# handshakes/s full and resumed.
# The machine is shared: figures are noisy, compare only within one run.
set -euo pipefail
cd "$(dirname "$0")"
source lib/sluice.sh
source lib/wrk.sh
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-16}
HANDSHAKE_SECONDS=${HANDSHAKE_SECONDS:-10}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
command -v openssl >/dev/null || { echo "needs the openssl command line" >&2; exit 1; }

work=$(mktemp -d)
trap 'sluice_stop 2>/dev/null || true; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null

python3 - "$work" <<'PY'
import sys
sys.path.insert(0, "lib")
from structured_events import event, body
open(sys.argv[1] + "/batch.json", "w").write(body([event(i) for i in range(1000)]))
PY
BODY_BYTES=$(stat -c %s "$work/batch.json")

sluice_start --fsync interval=10 --threads 2 --tls-listen 127.0.0.1:0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
TLS_PORT=$(cat "$SLUICE_DATA/sluice.tls-port")
wrk_post_lua "$work/batch.json" "$SLUICE_TOKEN" "$work/batch.lua"
cipher=$(echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" -CAfile "$work/cert.pem" 2>/dev/null | awk '/^New,/ {print $2, $NF}')

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SLUICE_PID/stat"; }
TICKS=$(getconf CLK_TCK)
run() { # url -> "rps p99ms non2xx server-cpu-us-per-request"
    local out rps p99 non2xx before after requests
    before=$(cpu_ticks)
    out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/batch.lua" "$1")
    after=$(cpu_ticks)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    echo "$rps $p99 ${non2xx:-0} $(awk "BEGIN{print ($after - $before) * 1e6 / $TICKS / $requests}")"
}

best_p=0; best_t=0; p99_p=0; p99_t=0; cpu_p=0; cpu_t=0; errors=0
for _ in $(seq 1 "$ROUNDS"); do
    read -r p pp e1 cp <<<"$(run "http://127.0.0.1:$SLUICE_PORT/api/v1/ingest/humio-structured")"
    read -r t tp e2 ct <<<"$(run "https://127.0.0.1:$TLS_PORT/api/v1/ingest/humio-structured")"
    errors=$((errors + e1 + e2))
    if awk "BEGIN{exit !($p > $best_p)}"; then best_p=$p; p99_p=$pp; cpu_p=$cp; fi
    if awk "BEGIN{exit !($t > $best_t)}"; then best_t=$t; p99_t=$tp; cpu_t=$ct; fi
done
echo "1000-event batches: $BODY_BYTES bytes each; TLS: ${cipher:-unknown}; wrk -t1 -c$CONNECTIONS, ${DURATION}s x $ROUNDS rounds, best round"
echo "server-cpu/req: CPU time of the Sluice process per request (wrk's own encryption runs on the same cores and is not in it)"
printf "%-10s %10s %10s %10s %16s %16s\n" transport req/s MB/s p99 server-cpu/req req/s/server-core
printf "%-10s %10.1f %10.1f %8.1fms %14.0fus %16.0f\n" plain "$best_p" "$(awk "BEGIN{print $best_p*$BODY_BYTES/1e6}")" "$p99_p" "$cpu_p" "$(awk "BEGIN{print 1e6/$cpu_p}")"
printf "%-10s %10.1f %10.1f %8.1fms %14.0fus %16.0f\n" tls "$best_t" "$(awk "BEGIN{print $best_t*$BODY_BYTES/1e6}")" "$p99_t" "$cpu_t" "$(awk "BEGIN{print 1e6/$cpu_t}")"
printf "ratio tls/plain: requests/s %.2f, requests per server core-second %.2f   non-2xx answers: %d\n" \
    "$(awk "BEGIN{print $best_t/$best_p}")" "$(awk "BEGIN{print $cpu_p/$cpu_t}")" "$errors"
sluice_stop

sluice_start --threads 1 --tls-listen 127.0.0.1:0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
TLS_PORT=$(cat "$SLUICE_DATA/sluice.tls-port")
metric() { curl -s "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v name="$1" '$1 == name {print $2}'; }
handshakes() { # s_time mode flag, counter -> completed handshakes per wall-clock second, counted by the server
    local before after start end
    before=$(metric "$2"); start=$(date +%s.%N)
    openssl s_time -connect "127.0.0.1:$TLS_PORT" -CAfile "$work/cert.pem" -time "$HANDSHAKE_SECONDS" -www /api/v1/status "$1" >/dev/null 2>&1 || true
    end=$(date +%s.%N); after=$(metric "$2")
    awk "BEGIN{printf \"%.0f\", ($after - $before) / ($end - $start)}"
}
full=$(handshakes -new sluice_tls_handshakes_total)
resumed=$(handshakes -reuse sluice_tls_resumed_handshakes_total)
echo "handshakes/s against one server loop (openssl s_time -www /api/v1/status on the same machine, ${HANDSHAKE_SECONDS}s; counted by the server): full $full, resumed $resumed"
