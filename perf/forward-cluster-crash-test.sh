#!/usr/bin/env bash
# What it measures: exactly-once delivery into an R3 JetStream stream while the stream's leader dies. Runs
# the cluster fail-over integration test for ROUNDS rounds (default 20; the suite runs 1): a 3-node
# nats-server -js cluster on loopback (perf/lib/nats-cluster.sh), Sluice forwarding its sandbox repository
# in ndjson, 4 clients sending 10-event batches for 3 s per round; 0.8 s into each round the stream's
# current leader is SIGKILLed, a new leader must be elected, and the old one is restarted after the round.
# At the end every WAL record must be in the stream exactly once (one message per record, no duplicate
# message id, bodies equal to `sluice wal cat`).
# How to read it: the test passes (exit 0) or names what is missing or duplicated.
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE_FORWARD_CLUSTER_ROUNDS=${ROUNDS:-20} \
    swift test --skip-build --filter 'JetStreamForwardingTests.streamLeaderKilledInAClusterLosesAndDuplicatesNothing'
