#!/usr/bin/env bash
# What it measures: the physical baselines every Sluice figure is divided by, in one run on this machine:
#   1. nginx `return 200` driven by `sluice bench` (structured, batch 1/100/1000): the HTTP ceiling of this box;
#   2. the load generator itself: `wrk -t1 -c64` and `sluice bench --threads 1 --connections 64` against the same
#      nginx, each with its CPU time, so "requests per CPU-second" says how much load one client core can offer;
#   3. `lz4 -b1` compress/decompress speed on the corpus `sluice bench` generates (the WAL's per-byte cost);
#   4. median and p99 latency of a 4 KiB write + fdatasync in the data folder's file system (the floor under
#      `--fsync always`).
# How to read it: prints one line per figure and writes perf/results/<date>-baselines.json. The generator
# must offer at least twice what wrk -t1 reaches: compare `bench_capacity_rps` (requests per CPU-second of
# sluice bench, i.e. its rate from one fully busy core) with `wrk_rps`; `capacity_vs_wrk` is that ratio.
# Env: DURATION (s per run, default 10), DATA_DIR (folder whose disk fdatasync is timed, default a temp dir
# under $TMPDIR), SYNCS (fdatasync samples, default 1000), CORPUS_BYTES (default 64 MiB).
set -euo pipefail
cd "$(dirname "$0")"
source lib/nginx.sh
source lib/bench.sh
DURATION=${DURATION:-10}
SYNCS=${SYNCS:-1000}
CORPUS_BYTES=${CORPUS_BYTES:-67108864}
OUT=${OUT:-$RESULTS_DIR/$(stamp)-baselines.json}
for tool in wrk lz4 nginx; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done

work=$(mktemp -d)
trap 'nginx_stop; rm -rf "$work"' EXIT
bench_build
nginx_start
url="http://127.0.0.1:$NGINX_PORT"

# 1. nginx with the same generator and bodies as the matrix.
: > "$work/nginx.jsonl"
for batch in 1 100 1000; do
    bench_json "$url/" --format structured --batch "$batch" --connections 64 --duration "$DURATION" >> "$work/nginx.jsonl"
done

# 2. The generator: wrk vs sluice bench, one client thread each, with CPU time (user+sys) of the client process.
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 300)
wrk.headers["Content-Type"] = "application/json"
LUA
/usr/bin/time -f "%U %S" -o "$work/wrk.time" wrk -t1 -c64 -d"${DURATION}s" -s "$work/post.lua" "$url/" > "$work/wrk.out"
wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
wrk_cpu=$(awk '{print $1 + $2}' "$work/wrk.time")
/usr/bin/time -f "%U %S" -o "$work/bench.time" "$BENCH_BIN" bench --url "$url/" --threads 1 --connections 64 \
    --duration "$DURATION" --event-bytes 200 --json --quiet > "$work/generator.json"
bench_cpu=$(awk '{print $1 + $2}' "$work/bench.time")

# 3. lz4 on the generated corpus.
"$BENCH_BIN" bench --write-corpus "$work/corpus" --corpus-bytes "$CORPUS_BYTES" --seed 1 2>/dev/null
lz4 -b1 "$work/corpus" 2>&1 | tr '\r' '\n' | grep 'MB/s *,.*MB/s' | tail -1 > "$work/lz4.out"

# 4. fdatasync latency in the data folder's file system.
sync_dir=${DATA_DIR:-$work}
python3 lib/fdatasync-probe.py "$sync_dir" "$SYNCS" > "$work/fdatasync.json"

python3 - "$work" "$OUT" "$wrk_rps" "$wrk_cpu" "$bench_cpu" "$DURATION" <<'PY'
import json, os, platform, re, sys
work, out, wrk_rps, wrk_cpu, bench_cpu, duration = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
nginx = [json.loads(l) for l in open(os.path.join(work, "nginx.jsonl")) if l.strip()]
gen = json.load(open(os.path.join(work, "generator.json")))
line = open(os.path.join(work, "lz4.out")).read()
m = re.search(r":\s*(\d+)\s*->\s*(\d+)\s*\(([\d.]+)\),\s*([\d.]+)\s*MB/s\s*,\s*([\d.]+)\s*MB/s", line)
lz4 = {"input_bytes": int(m.group(1)), "output_bytes": int(m.group(2)), "ratio": float(m.group(3)),
       "compress_mb_s": float(m.group(4)), "decompress_mb_s": float(m.group(5))} if m else {"raw": line.strip()}
wrk_requests = wrk_rps * duration
result = {
    "host": {"cores": os.cpu_count(), "kernel": platform.release(), "machine": platform.machine()},
    "duration_s": duration,
    "nginx": [{"batch": r["batch"], **{k: r[k] for k in ("requests_per_second", "events_per_second", "mb_per_second", "latency_ms", "errors")}} for r in nginx],
    "generator": {
        "wrk_rps": wrk_rps, "wrk_cpu_s": wrk_cpu,
        "wrk_requests_per_cpu_second": wrk_requests / wrk_cpu if wrk_cpu else None,
        "bench_rps": gen["requests_per_second"], "bench_cpu_s": bench_cpu,
        "bench_capacity_rps": gen["requests"] / bench_cpu if bench_cpu else None,
        "capacity_vs_wrk": (gen["requests"] / bench_cpu) / wrk_rps if bench_cpu and wrk_rps else None,
    },
    "lz4": lz4,
    "fdatasync": json.load(open(os.path.join(work, "fdatasync.json"))),
}
json.dump(result, open(out, "w"), indent=2)
g = result["generator"]
for r in result["nginx"]:
    print(f"nginx structured batch {r['batch']:>4}: {r['requests_per_second']:>10.0f} req/s {r['events_per_second']:>11.0f} events/s  p99 {r['latency_ms']['p99']:.2f} ms")
print(f"generator: wrk -t1 -c64 {g['wrk_rps']:.0f} req/s on {g['wrk_cpu_s']:.2f} cpu-s; sluice bench -t1 -c64 {g['bench_rps']:.0f} req/s on {g['bench_cpu_s']:.2f} cpu-s")
print(f"generator capacity from one core: {g['bench_capacity_rps']:.0f} req/s = {g['capacity_vs_wrk']:.2f} x wrk's rate (wrk itself: {g['wrk_requests_per_cpu_second']:.0f} req per cpu-s)")
if "compress_mb_s" in lz4:
    print(f"lz4 -b1: compress {lz4['compress_mb_s']} MB/s, decompress {lz4['decompress_mb_s']} MB/s, ratio {lz4['ratio']}")
f = result["fdatasync"]
print(f"fdatasync 4 KiB in {f['folder']}: median {f['median_ms']:.3f} ms, p99 {f['p99_ms']:.3f} ms ({f['samples']} samples)")
print(f"written {out}")
PY
