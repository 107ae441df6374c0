#!/usr/bin/env bash
# Quick start: installs what is missing, builds in release mode, starts `sluice serve` on ./sluice-data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build -c release --product sluice
exec .build/release/sluice serve --data ./sluice-data "$@"
