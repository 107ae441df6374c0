#!/usr/bin/env bash
# What it measures: what an idle keep-alive connection costs the server. Starts Sluice (--fsync interval=10,
# --max-connections raised), warms it with 200 requests, then opens COUNT connections that each send one
# ingest request and stay open idle; prints the server's RSS (VmRSS) before and after, its open descriptors,
# and the RSS growth per connection, for each binary in BINS and each COUNT.
# The clients run as several processes (each under its own descriptor limit) from distinct loopback source
# addresses; the server runs under `ulimit -n` at the hard limit. COUNT must fit under that hard limit.
# Env: BINS (default .build/release/sluice built here), COUNTS (default "5000 18000").
# How to read it: per_conn_B is (RSS after - RSS before) / COUNT; answered must equal COUNT.
set -euo pipefail
cd "$(dirname "$0")"
COUNTS=${COUNTS:-"5000 18000"}
if [ -z "${BINS:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BINS="$(cd .. && pwd)/.build/release/sluice"; fi
source lib/sluice.sh
work=$(mktemp -d)
SLUICE_PID=""
clients=()
cleanup() { for c in "${clients[@]:-}"; do [ -n "$c" ] && kill "$c" 2>/dev/null || true; done; [ -n "$SLUICE_PID" ] && sluice_kill; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"
rss() { awk '/VmRSS/ {print $2}' "/proc/$SLUICE_PID/status"; }
format="%7s %10s %10s %9s %9s %10s  %s\n"
printf "$format" count before_kB after_kB fds answered per_conn_B binary
per_process=8000
for count in $COUNTS; do
    for bin in $BINS; do
        rm -rf "$work/data"
        sluice_serve "$bin" "$work/data" --fsync interval=10 --max-connections $((count + 1000))
        for _ in $(seq 1 200); do
            curl -s -o /dev/null -H "Authorization: Bearer $SLUICE_TOKEN" -d '[{"messages":["warm"]}]' \
                "http://127.0.0.1:$SLUICE_PORT/api/v1/ingest/humio-unstructured"
        done
        sleep 1
        before=$(rss)
        clients=(); left=$count; i=0; answered=0
        while [ "$left" -gt 0 ]; do
            n=$(( left < per_process ? left : per_process ))
            mkfifo "$work/in$i"
            python3 lib/hold_connections.py "$SLUICE_PORT" "$n" "127.0.0.$((i + 2))" "$SLUICE_TOKEN" <"$work/in$i" >"$work/out$i" &
            clients+=($!)
            exec {holder}>"$work/in$i"
            eval "holder$i=$holder"
            while ! grep -q ready "$work/out$i" 2>/dev/null; do
                kill -0 "${clients[-1]}" 2>/dev/null || { echo "client failed" >&2; exit 1; }
                sleep 0.2
            done
            answered=$(( answered + $(awk '{print $3}' "$work/out$i") ))
            left=$(( left - n )); i=$(( i + 1 ))
        done
        sleep 1.5   # two loop ticks: idle buffers given back
        after=$(rss)
        fds=$(ls "/proc/$SLUICE_PID/fd" | wc -l)
        printf "$format" "$count" "$before" "$after" "$fds" "$answered" $(( (after - before) * 1024 / count )) "$bin"
        for j in $(seq 0 $((i - 1))); do v="holder$j"; eval "exec ${!v}>&-"; done
        for c in "${clients[@]}"; do wait "$c" 2>/dev/null || true; done
        clients=()
        sluice_kill
        SLUICE_PID=""
        rm -f "$work"/in* "$work"/out*
    done
done
