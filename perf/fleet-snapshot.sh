#!/usr/bin/env bash
# What it measures: the shared token snapshot (docs/fleet.md, "Shared snapshot") on one nats-server -js:
# three gateways, TOKENS ingest tokens in the set (default 10000), CHANGES token creations (default 100)
# through the gateways in turn. Prints the time to seed the bucket, token change propagation (request sent
# until the new token ingests on both other gateways: p50, p99, max) and the time a fourth gateway with an
# empty data folder takes from its start to serving a token of the set.
# How to read it: targets are p99 < 1 s and a joining gateway serving within 10 s.
set -euo pipefail
cd "$(dirname "$0")"
TOKENS=${TOKENS:-10000}
CHANGES=${CHANGES:-100}
root=$(cd .. && pwd)
(cd "$root" && swift build -c release --product sluice >/dev/null)
python3 lib/fleet_snapshot.py "$root/.build/release/sluice" "$TOKENS" "$CHANGES"
