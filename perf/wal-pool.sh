#!/usr/bin/env bash
# What it measures: the WAL writer pool with many active repositories. 1-event structured requests from
# `sluice bench` (64 connections, 1 thread) spread round-robin over REPOS repositories (default 1000, one
# ingest token each, `--token-file`) against the same run into one repository, for --fsync always and
# interval=10, in alternating rounds (one, many, one, many …) so that neighbours' load hits both alike.
# Env: BIN (default .build/release/sluice, built here; measured as it is and with --wal-syncfs), BASE (an older binary measured in the same run,
# alternating with BIN; default /tmp/sluice-base when present, "" for none), REPOS, ROUNDS (default 2),
# DURATION (s, default 8), WRITERS (--wal-writers, default cores), POLICIES (default "always interval=10"),
# QUEUES (when set, BIN is also measured with --wal-sync-queues QUEUES, as "qN").
# How to read it: one line per run with requests/s, p99, the server's thread count in the middle of the
# run and "syncs/write": repository syncs that completed (sluice_wal_fsync_seconds_count, summed) per record
# appended during the run. Under interval=MS with each file written less often than every MS, every write
# needs a sync of its own to be durable within MS; a figure well below 1 says the syncs fell behind and the
# interval stretched. "lag": from the writers' sluice_wal_writer_sync_lag_seconds histogram (time from a write no
# sync covered to the end of the sync that made it durable), its mean and the share of syncs whose lag passed
# 25 ms, over the run; "held": appends answered only after their sync because the interval could not be kept
# otherwise (sluice_wal_writer_held_appends_total) per record ("-" for a binary without these metrics).
# The summary gives, per binary, the best run of each side and the ratio many/one (target >= 0.8).
# "new" is BIN as it starts by default (syncfs only when the data folder is a mount point: not in $work here),
# "syncfs" BIN with --wal-syncfs.
set -euo pipefail
cd "$(dirname "$0")"
source lib/sluice.sh
REPOS=${REPOS:-1000}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-8}
WRITERS=${WRITERS:-$(nproc)}
POLICIES=${POLICIES:-always interval=10}
if [ -z "${BASE+set}" ]; then BASE=$( [ -x /tmp/sluice-base ] && echo /tmp/sluice-base || echo ""); fi
if [ -z "${BIN:-}" ]; then (cd .. && swift build -c release --product sluice >/dev/null); BIN="$(cd .. && pwd)/.build/release/sluice"; fi
work=$(mktemp -d)
SLUICE_PID=""
trap '[ -n "$SLUICE_PID" ] && sluice_kill; rm -rf "$work"' EXIT

# Adds REPOS repositories with one ingest token each to the snapshot, writes the tokens to $work/tokens.txt.
add_repositories() {
    python3 lib/add_repositories.py "$SLUICE_DATA/tokens.json" "$work/tokens.txt" "$REPOS" pool 7
    kill -HUP "$SLUICE_PID"
    for _ in $(seq 1 100); do grep -q "tokens=reloaded" "$SLUICE_DATA/stderr.log" && break; sleep 0.1; done
}

# Sum of the metric series named $1 on the server.
metric_sum() {
    curl -fsS "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" {s += $2} END {printf "%.0f\n", s}'
}

# Sum of the series named $1, as a decimal.
metric_float() {
    curl -fsS "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" {s += $2} END {printf "%.6f\n", s}'
}

# Sum over writers of histogram $1's bucket le=$2.
metric_bucket() {
    curl -fsS "http://127.0.0.1:$SLUICE_PORT/metrics" | awk -v n="$1_bucket" -v le="le=\"$2\"" 'index($1, n"{") == 1 && index($1, le) {s += $2} END {printf "%.0f\n", s}'
}

run() { # binary-label label fsync tokenargs...
    local which=$1 label=$2 fsync=$3
    shift 3
    local syncs0 records0 lagsum0 lagcount0 lagover0 held0
    syncs0=$(metric_sum sluice_wal_fsync_seconds_count) records0=$(metric_sum sluice_wal_records_appended_total)
    lagsum0=$(metric_float sluice_wal_writer_sync_lag_seconds_sum) lagcount0=$(metric_sum sluice_wal_writer_sync_lag_seconds_count)
    lagover0=$(metric_bucket sluice_wal_writer_sync_lag_seconds 0.025) held0=$(metric_sum sluice_wal_writer_held_appends_total)
    "$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --format structured --batch 1 --connections 64 --threads 1 \
        --duration "$DURATION" --json "$@" >"$work/out.json" 2>/dev/null &
    local bench=$!
    sleep "$(echo "$DURATION / 2" | bc -l)"
    local threads
    threads=$(ls "/proc/$SLUICE_PID/task" | wc -l)
    wait "$bench"
    local syncs records lagsum lagcount lagover held
    syncs=$(( $(metric_sum sluice_wal_fsync_seconds_count) - syncs0 )) records=$(( $(metric_sum sluice_wal_records_appended_total) - records0 ))
    lagsum=$(echo "$(metric_float sluice_wal_writer_sync_lag_seconds_sum) - $lagsum0" | bc -l)
    lagcount=$(( $(metric_sum sluice_wal_writer_sync_lag_seconds_count) - lagcount0 ))
    lagover=$(( lagcount - ($(metric_bucket sluice_wal_writer_sync_lag_seconds 0.025) - lagover0) ))
    held=$(( $(metric_sum sluice_wal_writer_held_appends_total) - held0 ))
    python3 - "$work/out.json" "$label" "$fsync" "$threads" "$which" "$syncs" "$records" "$lagsum" "$lagcount" "$lagover" "$held" <<'PY' | tee -a "$work/results"
import json, sys
r = json.load(open(sys.argv[1]))
records = max(1, int(sys.argv[7]))
per = int(sys.argv[6]) / records
lagcount = int(sys.argv[9])
lag = f"lag mean {float(sys.argv[8]) / lagcount * 1000:6.1f} ms, >25 ms {int(sys.argv[10]) / lagcount:5.1%}  held/write {int(sys.argv[11]) / records:.2f}" if lagcount else "lag -  held -"
print(f"{sys.argv[5]:4} {sys.argv[3]:12} {sys.argv[2]:5} {r['requests_per_second']:10.0f} req/s  p99 {r['latency_ms']['p99']:7.2f} ms  errors {r['errors']}  server threads {sys.argv[4]}  syncs/write {per:.2f}  {lag}")
PY
}

# new: the default (an fdatasync per file); syncfs: the same binary with --wal-syncfs.
binaries=("new=$BIN" "syncfs=$BIN")
[ -n "${QUEUES:-}" ] && binaries+=("q$QUEUES=$BIN")
[ -n "$BASE" ] && binaries+=("base=$BASE")
for fsync in $POLICIES; do
    for _ in $(seq 1 "$ROUNDS"); do
        for entry in "${binaries[@]}"; do
            which=${entry%%=*} bin=${entry#*=}
            rm -rf "$work/data"
            extra=()
            [ "$which" = syncfs ] && extra=(--wal-syncfs)
            [ "$which" = "q${QUEUES:-}" ] && extra=(--wal-sync-queues "$QUEUES")
            sluice_serve "$bin" "$work/data" --fsync "$fsync" --threads 2 --wal-writers "$WRITERS" "${extra[@]}"
            add_repositories
            # Every repository written once, so the runs measure steady state, not first opens.
            "$BIN" bench --url "http://127.0.0.1:$SLUICE_PORT" --format structured --batch 1 --connections 64 --threads 1 \
                --requests "$REPOS" --token-file "$work/tokens.txt" >/dev/null 2>&1
            # The zeros the warm-up wrote ahead of each repository's records (the reserve, under `always` and
            # `interval`) reach the disk now, not during the first measured run.
            sync -f "$work/data"
            run "$which" one "$fsync" --token "$SLUICE_TOKEN"
            run "$which" many "$fsync" --token-file "$work/tokens.txt"
            sluice_kill
            SLUICE_PID=""
        done
    done
done
python3 - "$work/results" <<'PY'
import sys, collections
best = collections.defaultdict(float)
for line in open(sys.argv[1]):
    parts = line.split()
    key = (parts[0], parts[1], parts[2])
    best[key] = max(best[key], float(parts[3]))
for which, fsync in sorted({(k[0], k[1]) for k in best}):
    one, many = best[(which, fsync, "one")], best[(which, fsync, "many")]
    print(f"{which} {fsync}: one repository {one:.0f} req/s, many {many:.0f} req/s, ratio {many / one if one else 0:.2f}")
PY
