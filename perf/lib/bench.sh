# Helpers for the perf scripts: the release `sluice bench` binary and result bookkeeping.
# Sets BENCH_BIN (building the release binary once) and RESULTS_DIR; bench_json prints one --json object.
perf_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESULTS_DIR="$perf_root/results"
mkdir -p "$RESULTS_DIR"

bench_build() {
    (cd "$perf_root/.." && swift build -c release --product sluice >/dev/null) || return 1
    BENCH_BIN="$perf_root/../.build/release/sluice"
}

# bench_json URL [sluice bench flags...] -> one JSON object on stdout (progress suppressed)
bench_json() {
    local url=$1; shift
    "$BENCH_BIN" bench --url "$url" --json --quiet "$@"
}

# stamp: the UTC date-time used in result file names.
stamp() { date -u +%Y-%m-%dT%H%MZ; }
