#!/usr/bin/env bash
# What it measures: a SIGHUP reload of a large token snapshot (COUNT ingest tokens, default 1 000 000, each
# with a name, a repository and a tokenSha256: a tokens.json of about 130 MB) by each binary of BINS, in
# alternating rounds (ROUNDS, default 3; RELOADS SIGHUPs per server start, default 2).
# How: one data folder is bootstrapped and filled by perf/lib/snapshot_reload.py; each binary then serves it
# on a free loopback port, and for each SIGHUP the helper times from the signal to `sluice_token_reloads_total`
# moving on /metrics (one keep-alive connection, polled every 2 ms) and reads the server's RSS before the
# signal and its peak during the reload (VmRSS sampled at every poll).
# How to read it: one line per reload (seconds, MB of RSS growth to the peak, MB held after), then the
# median of each binary. Targets (issue 20): <= 1.5 s and <= 250 MB of growth at 1 000 000 tokens.
# Usage: BINS="/tmp/sluice-new .build/release/sluice" flock /tmp/sluice-heavy.lock perf/snapshot-reload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000000}
ROUNDS=${ROUNDS:-3}
RELOADS=${RELOADS:-2}
BINS=${BINS:-"/tmp/sluice-new .build/release/sluice"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
first=${BINS%% *}
python3 perf/lib/snapshot_reload.py prepare "$first" "$work/data" "$COUNT"
results="$work/results"
for round in $(seq 1 "$ROUNDS"); do
    for bin in $BINS; do
        python3 perf/lib/snapshot_reload.py measure "$bin" "$work/data" "$RELOADS" | while read -r line; do
            echo "round $round $bin $line"
            echo "$bin $line" >> "$results"
        done
    done
done
echo "median over $ROUNDS rounds x $RELOADS reloads, $COUNT tokens ($(du -m "$work/data/tokens.json" | cut -f1) MB file):"
for bin in $BINS; do
    grep "^$bin " "$results" | awk -v bin="$bin" '
        { s[NR] = $2; g[NR] = $4; h[NR] = $6 }
        function median(a, n,   i, j, t) {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        END { printf "%-40s reload %.2f s   RSS growth %d MB   held after %d MB\n", bin, median(s, NR), median(g, NR), median(h, NR) }'
done
