#!/usr/bin/env bash
# What it measures: server CPU per request (user + system time of the sluice process from /proc/PID/stat,
# over a wrk -t1 -c64 run, --fsync interval=10), for one or more binaries in alternating rounds, so that
# load from neighbours hits all alike. Steadier than requests/s on this shared 2-core machine for comparing
# builds of the request path.
# Workloads (WORKLOAD): small (the 331-byte structured body perf/http-baseline.sh sends), hec (1000 HEC text
# events that fall back to the kv parser, 176 KB), structured-shipper, structured-bench and accesslog
# (perf/bigreq.sh's 1000-event bodies; accesslog posts through a token with the `accesslog` parser), and
# unstructured-kv (the same 1000 access-log lines through the bootstrap token, which has no parser of its
# own, so the unstructured endpoint's default `kv` parses them), custom-pipeline (1000 application log lines
# through a custom parser: regex with four named groups, parseTimestamp in Europe/Berlin, kvParse of the rest)
# and syslog (1000 RFC 5424 lines with structured data through the built-in `syslog`); multirepo (the hec
# events, each naming one of four repositories by `index` in turn, through an organization token: every
# request is split into four parts stored all or nothing).
# Env: BINS (space-separated sluice binaries, default .build/release/sluice built here; a binary written as
# PATH@limits runs with rate limits and a daily quota on the token and its repository set far above what the
# run reaches, docs/limits.md; PATH@reload reloads the same token set once by SIGHUP, without limits, to tell a
# reload's cost from the limits'), ROUNDS (default 3), DURATION (s per run, default 5).
# How to read it: one line per run with req/s and µs of server CPU per request; compare the binaries' averages.
set -euo pipefail
cd "$(dirname "$0")"
source lib/wrk.sh
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
WORKLOAD=${WORKLOAD:-small}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
if [ -z "${BINS:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BINS="$(cd .. && pwd)/.build/release/sluice"; fi
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""

if [ "$WORKLOAD" = structured-shipper ] || [ "$WORKLOAD" = structured-bench ] || [ "$WORKLOAD" = accesslog ]; then
    python3 lib/big_bodies.py "$work" && cp "$work/$WORKLOAD.json" "$work/body.json"
elif [ "$WORKLOAD" = unstructured-kv ]; then
    python3 lib/big_bodies.py "$work" && cp "$work/accesslog.json" "$work/body.json"
elif [ "$WORKLOAD" = custom-pipeline ] || [ "$WORKLOAD" = syslog ]; then
    python3 lib/parser_bodies.py "$WORKLOAD" "$work/body.json" "$work/parsers.json"
else python3 - "$work/body.json" "$WORKLOAD" <<'PY'
import json, random, sys
sys.path.insert(0, "lib")
from structured_events import event, body
path, workload = sys.argv[1], sys.argv[2]
if workload == "small":
    small = body([event(1)])
    text = small + " " * max(0, 331 - len(small))
else:
    rng = random.Random(1)
    lines = []
    for i in range(1000):
        ev = ("ts=2026-11-29T05:00:%02dZ level=info user=u%d action=login status=%d latency_ms=%d msg=\"request %d done\""
              % (i % 60, rng.randint(1, 999), rng.choice([200, 401, 500]), rng.randint(1, 900), i))
        fields = {"event": ev, "host": "web-01", "source": "app", "time": 1795928400 + i}
        if workload == "multirepo": fields["index"] = "r%d" % (i % 4)
        lines.append(json.dumps(fields))
    text = "\n".join(lines)
open(path, "w").write(text)
PY
fi
case "$WORKLOAD" in
    small|structured-shipper|structured-bench) path=/api/v1/ingest/humio-structured ;;
    accesslog|unstructured-kv|custom-pipeline|syslog) path=/api/v1/ingest/humio-unstructured ;;
    *) path=/services/collector ;;
esac

for round in $(seq 1 "$ROUNDS"); do
    for entry in $BINS; do
        bin=${entry%@limits}; bin=${bin%@reload}
        data="$work/data"; rm -rf "$data"; mkdir -p "$data"
        "$bin" serve --data "$data" --listen 127.0.0.1:0 --fsync interval=10 >"$work/serve.log" 2>&1 &
        for _ in $(seq 1 100); do [ -s "$data/sluice.port" ] && break; sleep 0.1; done
        pid=$(cat "$data/sluice.pid"); port=$(cat "$data/sluice.port")
        token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$data/bootstrap-credentials.json")
        if [ "$WORKLOAD" = accesslog ] || [ "$WORKLOAD" = syslog ]; then
            token=$("$bin" tokens add --data "$data" --reload --repo sandbox --name parsed --parser "$WORKLOAD")
            sleep 0.5
        elif [ "$WORKLOAD" = custom-pipeline ]; then
            python3 lib/parser_bodies.py add-parsers "$data/tokens.json" "$work/parsers.json"
            token=$("$bin" tokens add --data "$data" --reload --repo sandbox --name parsed --parser app)
            sleep 0.5
        elif [ "$WORKLOAD" = multirepo ]; then
            for r in r0 r1 r2 r3; do "$bin" repos add --data "$data" --name "$r" --org acme >/dev/null; done
            token=$("$bin" api-tokens add --data "$data" --kind organization --name shippers --org acme \
                    --permission IngestAcrossAllReposWithinOrganization --reload)
            sleep 0.5
        fi
        if [ "$entry" = "$bin@reload" ]; then
            kill -HUP "$pid"; sleep 0.5
        elif [ "$entry" = "$bin@limits" ]; then
            case "$WORKLOAD" in accesslog|syslog|custom-pipeline) name=parsed ;; *) name=default ;; esac
            "$bin" tokens limits --data "$data" --repo sandbox --name "$name" --events-per-second 1e9 --bytes-per-second 1e12 --daily-bytes 10000000000000 >/dev/null
            "$bin" repos limits --data "$data" --reload --name sandbox --events-per-second 1e9 --bytes-per-second 1e12 --daily-bytes 10000000000000 >/dev/null
            sleep 0.5
        fi
        wrk_post_lua "$work/body.json" "$token" "$work/post.lua"
        before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        out=$(wrk -t1 -c64 -d"${DURATION}s" -s "$work/post.lua" "http://127.0.0.1:$port$path")
        after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        requests=$(echo "$out" | awk '/requests in/ {print $1}')
        rps=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
        awk -v b="$entry" -v r="$round" -v rps="$rps" -v n="$requests" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" \
            'BEGIN {printf "round %d %s: %d req/s, %.1f us server CPU per request\n", r, b, rps, t / hz * 1e6 / n}'
        kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
done
