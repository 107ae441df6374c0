#!/usr/bin/env bash
# What it measures: durability under SIGKILL. Runs the crash-recovery integration test for ROUNDS rounds
# (default 200; CI runs 20): 4 clients send numbered batches with --fsync always, the server is killed
# after a seeded number of acknowledgements, restarted on the same data folder, and at the end every
# acknowledged batch must be in `sluice wal cat` and `sluice wal verify` must pass. REPOS=N (default 1)
# spreads the batches round-robin over N repositories (HEC with an organization token, 16 clients).
# How to read it: the test passes (exit 0) or names the acknowledged batches that were lost.
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE_CRASH_ROUNDS=${ROUNDS:-200} SLUICE_CRASH_REPOS=${REPOS:-1} swift test --filter CrashRecoveryTests
