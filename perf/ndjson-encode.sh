#!/usr/bin/env bash
# What it measures: the NDJSON re-encoding the `ndjson` forwarder does per record (decode the LZ4 record,
# write each event as a JSON line), through `sluice wal cat` which runs the same code on one thread.
# Preloads PRELOAD_SECONDS (4) of 1000-event structured requests, then times `wal cat` of that repository
# with OLD (default /tmp/sluice-main) and NEW (this tree's release build), RUNS each after a warm-up (hyperfine).
# How to read it: events/s per binary and the ratio new/old. Run under `flock /tmp/sluice-heavy.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
source perf/lib/sluice.sh
OLD=${OLD:-/tmp/sluice-main}
NEW=${NEW:-$PWD/.build/release/sluice}
RUNS=${RUNS:-5}
sluice_serve "$NEW" "$(mktemp -d)" --fsync interval=10
"$NEW" bench --url "http://127.0.0.1:$SLUICE_PORT" --token "$SLUICE_TOKEN" --format structured --batch 1000 \
    --connections 16 --duration "${PRELOAD_SECONDS:-4}" >/dev/null 2>&1
sluice_kill
events=$("$NEW" wal stats --data "$SLUICE_DATA" | awk -F'\t' '$1 == "sandbox" { print $6 }')
bytes=$("$NEW" wal cat --data "$SLUICE_DATA" --repo sandbox | wc -c)
cmp <("$OLD" wal cat --data "$SLUICE_DATA" --repo sandbox) <("$NEW" wal cat --data "$SLUICE_DATA" --repo sandbox) \
    && echo "old and new print the same $bytes bytes for $events events"
hyperfine -w 1 -r "$RUNS" --export-json "$SLUICE_DATA/h.json" \
    "$OLD wal cat --data $SLUICE_DATA --repo sandbox > /dev/null" \
    "$NEW wal cat --data $SLUICE_DATA --repo sandbox > /dev/null" >/dev/null
python3 - "$SLUICE_DATA/h.json" "$events" <<'PY'
import json, sys
results, events = json.load(open(sys.argv[1]))["results"], int(sys.argv[2])
old, new = results[0]["median"], results[1]["median"]
print(f"old {events/old/1e6:.2f} M events/s (median {old:.2f} s), new {events/new/1e6:.2f} M events/s (median {new:.2f} s), new/old {old/new:.2f}")
PY
rm -rf "$SLUICE_DATA"
