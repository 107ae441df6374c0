#!/usr/bin/env bash
# What it measures: `sluice parse` as a whole process (issue 17 item 15): LINES access-log lines (perf/lib/big_bodies.py's
# generator, the lines perf/bigreq.sh sends; 400 000 lines = 68 MB) through `--parser accesslog`, and as many
# key=value lines through `--parser kv`, NDJSON to /dev/null, timed by hyperfine (release build).
# How to read it: hyperfine's mean per binary and parser, then MB/s of input = file size / mean; the target is
# >= 300 MB/s for both parsers. With several BINS each parser's runs alternate between them, so neighbours'
# load hits all alike.
# Env: BINS (space-separated sluice binaries; default .build/release/sluice, built here), LINES (default 400000),
# RUNS (hyperfine runs per command, default 5).
set -euo pipefail
cd "$(dirname "$0")"
LINES=${LINES:-400000}
RUNS=${RUNS:-5}
command -v hyperfine >/dev/null || { echo "needs hyperfine: apt-get install -y hyperfine" >&2; exit 1; }
if [ -z "${BINS:-}" ]; then
    (cd .. && swift build -c release --product sluice >/dev/null)
    BINS="$(cd .. && pwd)/.build/release/sluice"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$LINES" <<'PY'
import sys
sys.path.insert(0, "lib")
import big_bodies
out, count = sys.argv[1], int(sys.argv[2])
open(out + "/accesslog.log", "w").write("\n".join(big_bodies.access_lines(count)) + "\n")
# key=value lines as an application logs them: ISO-8601 time first, a quoted message, ten fields.
state = 0x2545F4914F6CDD1D
def rand(bound):
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) & ((1 << 64) - 1)
    return (state >> 33) % bound
levels = ["info", "info", "info", "warn", "error", "debug"]
messages = ["request done", "cache miss", "user logged in", "payment authorised", "retrying upstream call"]
services = ["checkout", "search", "auth", "inventory"]
users = ["ada", "grace", "linus", "margaret", "ken"]
lines = []
for i in range(count):
    lines.append('2026-11-29T%02d:%02d:%02d.%03dZ level=%s msg="%s" service=%s host=web-%02d method=GET status=%d '
                 'duration_ms=%d bytes=%d user=%s trace_id=%016x'
                 % (rand(24), rand(60), rand(60), rand(1000), levels[rand(6)], messages[rand(5)], services[rand(4)],
                    rand(40), [200, 200, 304, 404, 500][rand(5)], rand(2000), rand(100000), users[rand(5)],
                    rand(1 << 62)))
open(out + "/kv.log", "w").write("\n".join(lines) + "\n")
PY
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for parser in accesslog kv; do
    input="$work/$parser.log"
    bytes=$(stat -c %s "$input")
    commands=()
    for bin in $BINS; do commands+=("$bin parse --parser $parser < $input > /dev/null"); done
    hyperfine --warmup 1 --runs "$RUNS" --export-json "$work/$parser.json" "${commands[@]}" >&2
    python3 - "$work/$parser.json" "$bytes" "$parser" "$LINES" <<'PY'
import json, sys
results, size, parser, lines = json.load(open(sys.argv[1]))["results"], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for r in results:
    binary = r["command"].split(" parse ")[0]
    print("%-9s %s: %d lines, %.1f MB, mean %.3f s ± %.3f (min %.3f) = %.0f MB/s"
          % (parser, binary, lines, size / 1e6, r["mean"], r["stddev"], r["min"], size / 1e6 / r["mean"]))
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
