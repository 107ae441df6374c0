#!/usr/bin/env bash
# What it measures: exactly-once delivery into JetStream under SIGKILL. Runs the forwarding crash
# integration test for ROUNDS rounds (default 50; the suite runs 3): a real nats-server -js, Sluice with
# --fsync always forwarding its sandbox repository, 4 clients sending 10-event batches, the gateway
# SIGKILLed at a seeded moment (SEED) and restarted on the same data folder; at the end every WAL record
# must be in the stream exactly once (one message per record, no duplicate message id, wal cat's bytes).
# How to read it: the test passes (exit 0) or names what is missing or duplicated.
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE_FORWARD_CRASH_ROUNDS=${ROUNDS:-50} SLUICE_FORWARD_CRASH_SEED=${SEED:-19} \
    swift test --filter 'JetStreamForwardingTests.repeatedKillsDeliverEveryRecordOnce'
