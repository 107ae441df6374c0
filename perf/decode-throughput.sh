#!/usr/bin/env bash
# Measures JSONStream and the IngestFormats decoders alone, single core, in MB/s of request body and events/s
# (issue 5's target: structured and HEC bodies >= 400 MB/s per core). Builds EventModel, JSONStream and Parsers
# as optimised static libraries in .build-perf/lib, then perf/DecodeThroughput.swift with IngestFormats'
# sources; each line is one body run for about two seconds after a warm-up. Run on a quiet machine: other
# processes on the same core lower the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-perf
mkdir -p "$out/lib"
library() {
    local module=$1
    shift
    swiftc -parse-as-library -O -wmo -module-name "$module" -emit-library -static \
        -emit-module -emit-module-path "$out/lib/$module.swiftmodule" -I "$out/lib" -I Sources/CByteScan "$@" \
        Sources/"$module"/*.swift -o "$out/lib/lib$module.a"
}
library EventModel
library JSONStream
library Parsers -I Sources/CPCRE2
swiftc -parse-as-library -O -wmo -module-name DecodeThroughput -I "$out/lib" -I Sources/CPCRE2 -I Sources/CByteScan -L "$out/lib" \
    -lParsers -lJSONStream -lEventModel -lpcre2-8 Sources/IngestFormats/*.swift Benchmarks/Sources/SluiceBenchmarkSupport/Corpus.swift perf/DecodeThroughput.swift \
    -o "$out/decode-throughput"
exec "$out/decode-throughput" "$@"
