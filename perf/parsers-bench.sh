#!/usr/bin/env bash
# Parsers throughput per core on 100 000 reproducible lines per parser (kv, json, accesslog, syslog-utc,
# none), allocations per event in steady state (malloc-family calls counted by perf/ParsersBench/AllocationCounter.c,
# best of 5 rounds, batches of 1000 events as a request would build them), and ISO-8601 parse latency
# (1M parses of 1024 distinct strings). Then `lz4 -b1` on the same kv/json/accesslog lines for the ratio.
# MB/s counts the raw line bytes; ns/event includes copying the line into the batch, as decoders do.
# Single-threaded, -O, whole-module; times are the thread's CPU time (best of 5), so other load on the
# machine inflates them less than wall time would; takes ~30 s on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-bench
mkdir -p "$out"
for module in EventModel JSONStream; do
    swiftc -O -wmo -parse-as-library -module-name "$module" -emit-module -emit-module-path "$out/$module.swiftmodule" \
        -emit-object -o "$out/$module.o" Sources/"$module"/*.swift
done
clang -O2 -c perf/ParsersBench/AllocationCounter.c -o "$out/AllocationCounter.o"
swiftc -O -wmo -module-name ParsersBench -I "$out" -I Sources/CPCRE2 -lpcre2-8 \
    Sources/Parsers/*.swift perf/ParsersBench/main.swift "$out/EventModel.o" "$out/JSONStream.o" "$out/AllocationCounter.o" -o "$out/parsers-bench"
"$out/parsers-bench"
for kind in kv json accesslog; do
    echo "lz4 -b1 on the $kind lines:"
    lz4 -b1 -i3 "/tmp/sluice-bench-$kind.txt" 2>&1 | tr '\r' '\n' | grep 'MB/s' | tail -1
done
