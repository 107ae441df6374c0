#!/usr/bin/env bash
# What it measures: the cost of TLS termination in Sluice, in one run. (1) Ingest of 1000-event structured
# batches (POST /api/v1/ingest/humio-structured, `sluice bench --format structured --batch 1000`) over plain
# HTTP and over TLS 1.3 (keep-alive, the bench checking the server's certificate with --ca), alternated round
# by round so that load from neighbours hits both alike; `sluice bench`, BENCH_THREADS threads (default 2, so
# that the client, which encrypts every body, is not one starved thread), CONNECTIONS connections
# (default 16), DURATION seconds per run (default 10), ROUNDS rounds (default 3); Sluice with --fsync
# interval=10 and 2 loops. With BEFORE=/path/to/an/older/sluice, that binary serves alternate runs too (the
# bench is always this tree's), so a change is measured before and after in the same run. (2) Full and
# resumed TLS handshakes per second against a Sluice with ONE loop, with `openssl s_time` for
# HANDSHAKE_SECONDS (default 10; 0 skips it).
# How to read it: one line per server binary and transport with the median round's requests/s, MB/s of
# request bodies, p99 and the server's CPU time per request (from /proc/PID/stat); then per binary the ratios
# tls/plain of requests/s (issue 17's target: >= 0.80) and of requests per server core-second (the server's
# own TLS cost: the bench encrypts every body too, on the same two cores, which lowers the first ratio without
# any server cost); the server's record layer (kTLS or OpenSSL) from its metrics.
# The machine is shared: figures are noisy, compare only within one run.
set -euo pipefail
cd "$(dirname "$0")"
source lib/sluice.sh
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-16}
BENCH_THREADS=${BENCH_THREADS:-2}
HANDSHAKE_SECONDS=${HANDSHAKE_SECONDS:-10}
command -v openssl >/dev/null || { echo "needs the openssl command line" >&2; exit 1; }
root=$(cd .. && pwd)
(cd "$root" && swift build -c release --product sluice >/dev/null)
NEW="$root/.build/release/sluice"
BINARIES=("$NEW")
[ -n "${BEFORE:-}" ] && BINARIES=("$BEFORE" "$NEW")

work=$(mktemp -d)
trap 'sluice_kill 2>/dev/null || true; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SLUICE_PID/stat"; }
metric() { curl -s "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

run() { # binary-index scheme -> appends "rps mbps p99ms server-us-per-request errors" to $work/<index>-<scheme>
    local index=$1 scheme=$2 port url before after out
    sluice_serve "${BINARIES[$index]}" "$work/data" --fsync interval=10 --threads 2 \
        --tls-listen 127.0.0.1:0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
    port=$SLUICE_PORT
    [ "$scheme" = https ] && port=$(cat "$SLUICE_DATA/sluice.tls-port")
    url="$scheme://127.0.0.1:$port"
    local tlsargs=()
    [ "$scheme" = https ] && tlsargs=(--ca "$work/cert.pem")
    before=$(cpu_ticks)
    out=$("$NEW" bench --url "$url" --token "$SLUICE_TOKEN" --format structured --batch 1000 --connections "$CONNECTIONS" --threads "$BENCH_THREADS" \
        --duration "$DURATION" --seed 7 --json --quiet "${tlsargs[@]}")
    after=$(cpu_ticks)
    if [ "$scheme" = https ]; then
        echo "$(metric 'sluice_tls_ktls_sessions_total{direction="send"}') $(metric 'sluice_tls_ktls_sessions_total{direction="receive"}') $(metric sluice_tls_userspace_sessions_total)" >"$work/$index-layer"
    fi
    python3 -c '
import json, sys
r = json.loads(sys.argv[1]); ticks = float(sys.argv[2]) / float(sys.argv[3])
print("%.1f %.1f %.2f %.0f %d %d %.0f" % (r["requests_per_second"], r["mb_per_second"], r["latency_ms"]["p99"],
      ticks * 1e6 / max(r["requests"], 1), r["errors"], r["bytes"] // max(r["requests"], 1),
      r["cpu_seconds"] * 1e6 / max(r["requests"], 1)))
' "$out" "$((after - before))" "$TICKS" >>"$work/$index-$scheme"
    sluice_kill
    rm -rf "$work/data"
}

for _ in $(seq 1 "$ROUNDS"); do
    for index in "${!BINARIES[@]}"; do
        run "$index" http
        run "$index" https
    done
done

median() { sort -n -k1,1 "$1" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }
echo "1000-event structured batches, sluice bench --threads $BENCH_THREADS --connections $CONNECTIONS, ${DURATION}s x $ROUNDS rounds alternated, median round by req/s"
echo "server-cpu/req: CPU time of the Sluice process per request (the bench's own encryption is not in it); bench-cpu/req: the bench's"
printf "%-8s %-6s %9s %8s %9s %15s %14s %7s %10s\n" server scheme req/s MB/s p99ms server-cpu/req bench-cpu/req errors body-bytes
for index in "${!BINARIES[@]}"; do
    name=new; [ "${#BINARIES[@]}" = 2 ] && [ "$index" = 0 ] && name=before
    read -r pr pm pp pc pe pb pk <<<"$(median "$work/$index-http")"
    read -r tr tm tp tc te tb tk <<<"$(median "$work/$index-https")"
    printf "%-8s %-6s %9s %8s %9s %13sus %12sus %7s %10s\n" "$name" plain "$pr" "$pm" "$pp" "$pc" "$pk" "$pe" "$pb"
    printf "%-8s %-6s %9s %8s %9s %13sus %12sus %7s %10s\n" "$name" tls "$tr" "$tm" "$tp" "$tc" "$tk" "$te" "$tb"
    printf "%-8s ratio tls/plain: requests/s %.2f, requests per server core-second %.2f; record layer (ktls send, ktls receive, openssl only): %s\n" \
        "$name" "$(awk "BEGIN{print $tr/$pr}")" "$(awk "BEGIN{print $pc/$tc}")" "$(cat "$work/$index-layer" 2>/dev/null || echo n/a)"
    echo "$name all rounds plain: $(awk '{printf "%s/%sus ", $1, $4}' "$work/$index-http")  tls: $(awk '{printf "%s/%sus ", $1, $4}' "$work/$index-https")"
done

[ "$HANDSHAKE_SECONDS" = 0 ] && exit 0
sluice_serve "$NEW" "$work/data" --threads 1 --tls-listen 127.0.0.1:0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
TLS_PORT=$(cat "$SLUICE_DATA/sluice.tls-port")
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
