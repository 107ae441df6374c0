#!/usr/bin/env bash
# Builds and runs one libFuzzer target: perf/fuzz.sh <Name> <seconds> [extra libFuzzer flags...]
#
# <Name> picks Tests/Fuzz/<Name>Fuzz.swift and the module it exercises; the target is compiled with the module's
# sources by swiftc -sanitize=fuzzer,address -O into .build-fuzz/<Name>. The module's own dependencies are built
# first, instrumented the same way, as static libraries in .build-fuzz/lib. The corpus lives in
# .build-fuzz/<Name>-corpus (seeded from Tests/Fuzz/<Name>-seeds), Tests/Fuzz/<Name>.dict is the dictionary when it
# exists, and crashes land in .build-fuzz/<Name>-artifacts. How to read it: the final
# "stat::number_of_executed_units" is the number of executions, "cov:" the edges reached; the exit status is
# non-zero when a crash or broken invariant was found. One process, one core (the linker's "Cannot export local
# symbol" warnings are harmless).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: perf/fuzz.sh <Name> <seconds> [libFuzzer flags]}
seconds=${2:?usage: perf/fuzz.sh <Name> <seconds> [libFuzzer flags]}
shift 2

out=.build-fuzz
mkdir -p "$out/lib"

# Builds Sources/<Module> as an instrumented static library with its .swiftmodule in $out/lib.
library() {
    local module=$1
    shift
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name "$module" -emit-library -static \
        -emit-module -emit-module-path "$out/lib/$module.swiftmodule" -I "$out/lib" "$@" \
        Sources/"$module"/*.swift -o "$out/lib/lib$module.a"
}

deps=()
case "$name" in
    HTTPRequest)
        sources=(Sources/HTTPWire/*.swift)
        flags=(-I Sources/CZlib -lz)
        ;;
    JSONStream)
        sources=(Sources/JSONStream/*.swift)
        flags=()
        ;;
    KeyValue|AccessLog|Syslog|JSONParser|CustomPipeline|Timestamp)
        # Parsers: its sources, the shared checks and the target in one module (so the target reaches internal
        # API), over EventModel and JSONStream; PCRE2 from the system.
        library EventModel
        library JSONStream
        sources=(Sources/Parsers/*.swift Tests/Fuzz/ParsersFuzzSupport.swift)
        flags=(-I "$out/lib" -I Sources/CPCRE2 -L "$out/lib" -lJSONStream -lEventModel -lpcre2-8)
        export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/Parsers.lsan-suppressions${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
        ;;
    Structured|Unstructured|Raw|JSONIngest|HEC|HECRaw|Bulk)
        library EventModel
        library JSONStream
        library Parsers -I Sources/CPCRE2
        sources=(Sources/IngestFormats/*.swift Tests/Fuzz/IngestFuzzSupport.swift)
        flags=(-I "$out/lib" -I Sources/CPCRE2 -L "$out/lib" -lParsers -lJSONStream -lEventModel -lpcre2-8)
        # The parsers' per-thread scratch lives as long as the thread; their suppressions say so to LeakSanitizer.
        if [ -f Tests/Fuzz/Parsers.lsan-suppressions ]; then
            export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/Parsers.lsan-suppressions${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
        fi
        ;;
    *)
        echo "unknown fuzz target $name (add it to perf/fuzz.sh)" >&2
        exit 2
        ;;
esac

mkdir -p "$out/$name-corpus" "$out/$name-artifacts"
if [ -d "Tests/Fuzz/$name-seeds" ]; then
    cp -n "Tests/Fuzz/$name-seeds"/* "$out/$name-corpus/" 2>/dev/null || true
fi
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name "${name}Fuzz" \
    "${flags[@]}" "${sources[@]}" "Tests/Fuzz/${name}Fuzz.swift" -o "$out/$name"
dict=()
[ -f "Tests/Fuzz/$name.dict" ] && dict=(-dict="Tests/Fuzz/$name.dict")
exec "$out/$name" "$out/$name-corpus" -max_total_time="$seconds" -artifact_prefix="$out/$name-artifacts/" \
    -print_final_stats=1 "${dict[@]}" "$@"
