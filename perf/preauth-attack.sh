#!/usr/bin/env bash
# What it measures: whether tokenless clients can hurt the shippers a server serves (issue 17, item 1).
# For each binary in BINS: starts Sluice (--fsync interval=10), runs `sluice bench` open loop at RATE req/s
# (1-event structured, 16 connections, DURATION s) once alone and once while perf/lib/preauth_attack.py holds
# SLOW tokenless connections trickling a head one byte a second and BIG tokenless connections announcing
# 32 MiB bodies and streaming them (all reconnecting whenever the server closes them). Prints the bench's
# p99 latency, error count and answered requests for both runs, the server's peak RSS (VmHWM), and the CPU
# seconds the server and the attacker used during each bench run (on a 2-core machine the attacker's own CPU
# competes with the server and the bench). RECONNECT: seconds before the attacker replaces a connection the
# server closed (default 0: at once, a reconnect flood; 1 keeps about SLOW + BIG connections).
# Loopback only; bounded by DURATION. Env: BINS (default .build/release/sluice built here), RATE (2000),
# DURATION (10), SLOW (1000), BIG (20), RECONNECT (0).
set -euo pipefail
cd "$(dirname "$0")"
RATE=${RATE:-2000}
DURATION=${DURATION:-10}
SLOW=${SLOW:-1000}
BIG=${BIG:-20}
RECONNECT=${RECONNECT:-0}
if [ -z "${BINS:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BINS="$(cd .. && pwd)/.build/release/sluice"; fi
BENCH=${BENCH:-$(echo $BINS | awk '{print $NF}')}
source lib/sluice.sh
work=$(mktemp -d)
SLUICE_PID=""
attacker=""
trap '[ -n "$attacker" ] && kill "$attacker" 2>/dev/null; [ -n "$SLUICE_PID" ] && sluice_kill; rm -rf "$work"' EXIT
ulimit -n "$(ulimit -Hn)"
bench() {
    "$BENCH" bench --url "http://127.0.0.1:$SLUICE_PORT" --token "$SLUICE_TOKEN" --format structured \
        --connections 16 --rate "$RATE" --duration "$DURATION" --json --quiet
}
summary() {
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%9.2f %7d %9d" % (r["latency_ms"]["p99"], r["errors"], r["status"].get("200", 0)))'
}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
format="%-8s %9s %7s %9s %12s %10s %12s  %s\n"
printf "$format" run p99_ms errors ok_200 peak_rss_kB server_cpu_s attacker_cpu_s binary
for bin in $BINS; do
    rm -rf "$work/data"
    sluice_serve "$bin" "$work/data" --fsync interval=10
    c0=$(cpu "$SLUICE_PID")
    read -r p99 errors ok <<<"$(bench | summary)"
    c1=$(cpu "$SLUICE_PID")
    printf "$format" alone "$p99" "$errors" "$ok" "$(awk '/VmHWM/ {print $2}' "/proc/$SLUICE_PID/status")" \
        "$(echo "scale=2; ($c1 - $c0) / $hz" | bc)" - "$bin"
    mkfifo "$work/attack-in"
    python3 lib/preauth_attack.py "$SLUICE_PORT" "$SLOW" "$BIG" "$RECONNECT" <"$work/attack-in" >"$work/attack-out" 2>&1 &
    attacker=$!
    exec {hold}>"$work/attack-in"
    while ! grep -q ready "$work/attack-out"; do sleep 0.2; done
    sleep 3   # the trickles are under way and the big bodies streaming
    c0=$(cpu "$SLUICE_PID"); a0=$(cpu "$attacker")
    read -r p99 errors ok <<<"$(bench | summary)"
    c1=$(cpu "$SLUICE_PID"); a1=$(cpu "$attacker")
    exec {hold}>&-
    wait "$attacker" || true
    attacker=""
    printf "$format" attacked "$p99" "$errors" "$ok" "$(awk '/VmHWM/ {print $2}' "/proc/$SLUICE_PID/status")" \
        "$(echo "scale=2; ($c1 - $c0) / $hz" | bc)" "$(echo "scale=2; ($a1 - $a0) / $hz" | bc)" "$bin"
    echo "         attacker: $(grep opened "$work/attack-out" || echo '?')"
    rm -f "$work/attack-in" "$work/attack-out"
    sluice_kill
    SLUICE_PID=""
done
