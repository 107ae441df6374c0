#!/usr/bin/env bash
# What it measures: the memory a server keeps after large requests, and their CPU cost. Starts Sluice
# (--fsync interval=10), posts LARGE structured requests of about 32 MB (170 000 events, just under the
# 32 MiB limit), then SMALL 331-byte requests on new connections, and prints the server's RSS (VmRSS) and
# CPU time after each phase, for each binary in BINS.
# How to read it: after the large requests RSS holds what the loops kept for them (each loop keeps its
# batch and encoder buffers while large requests keep coming); after 16 smaller requests per loop
# (ScratchRetention's patience) those buffers are given back and RSS should be near its start; after_idle is
# RSS after 2 s without requests (an idle loop gives its buffers back on its next tick: it is the figure for
# binaries whose small requests did not reach 16 per loop).
# cpu_ms_per_large is the server CPU per large request (the price of regrowing buffers shows there).
# Env: BINS (sluice binaries; default .build/release/sluice built here), LARGE (default 6), SMALL (default 80).
set -euo pipefail
cd "$(dirname "$0")"
LARGE=${LARGE:-6}
SMALL=${SMALL:-80}
if [ -z "${BINS:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BINS="$(cd .. && pwd)/.build/release/sluice"; fi
source lib/sluice.sh
work=$(mktemp -d)
SLUICE_PID=""
trap '[ -n "$SLUICE_PID" ] && sluice_kill; rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import json, sys
events = [{"timestamp": "2026-11-29T10:00:00.%03dZ" % (i % 1000),
           "attributes": {"host": "web-%d" % (i % 50), "status": 200 + i % 5,
                          "msg": "request %d done with some text to make it longer %s" % (i, "x" * 32)}}
          for i in range(170000)]
open(sys.argv[1] + "/large.json", "w").write(json.dumps([{"tags": {"env": "p"}, "events": events}]))
open(sys.argv[1] + "/small.json", "w").write(json.dumps([{"events": [{"attributes": {"msg": "small"}}]}]))
PY
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
format="%10s %15s %15s %14s %17s  %-24s %s\n"
printf "$format" start_kB after_large_kB after_small_kB after_idle_kB cpu_ms_per_large large_status binary
for bin in $BINS; do
    rm -rf "$work/data"
    sluice_serve "$bin" "$work/data" --fsync interval=10
    pid=$SLUICE_PID; port=$SLUICE_PORT; token=$SLUICE_TOKEN
    url="http://127.0.0.1:$port/api/v1/ingest/humio-structured"
    start=$(rss); t0=$(ticks); statuses=""
    for _ in $(seq 1 "$LARGE"); do
        statuses+=$(curl -s -o /dev/null -w "%{http_code}," -H "Authorization: Bearer $token" --data-binary @"$work/large.json" "$url")
    done
    t1=$(ticks); large=$(rss)
    for _ in $(seq 1 "$SMALL"); do
        curl -s -o /dev/null -H "Authorization: Bearer $token" --data-binary @"$work/small.json" "$url"
    done
    small=$(rss)
    sleep 2
    idle=$(rss)
    printf "$format" "$start" "$large" "$small" "$idle" "$(awk "BEGIN{printf \"%.0f\", ($t1 - $t0) * 1000 / $hz / $LARGE}")" "${statuses%,}" "$bin"
    sluice_kill; SLUICE_PID=""
done
