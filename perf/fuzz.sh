#!/usr/bin/env bash
# Builds and runs one libFuzzer target: perf/fuzz.sh <Name> <seconds> [extra libFuzzer flags...]
#
# <Name> picks Tests/Fuzz/<Name>Fuzz.swift and the module it exercises; the target is compiled with the module's
# sources by swiftc -sanitize=fuzzer,address -O into .build-fuzz/<Name>. The corpus lives in .build-fuzz/<Name>-corpus
# (seeded from Tests/Fuzz/<Name>-seeds), Tests/Fuzz/<Name>.dict is the dictionary when it exists, and crashes land
# in .build-fuzz/<Name>-artifacts. How to read it: the final "stat::number_of_executed_units" is the number of
# executions, "cov:" the edges reached; the exit status is non-zero when a crash or broken invariant was found.
# One process, one core (the linker's "Cannot export local symbol" warnings are harmless).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: perf/fuzz.sh <Name> <seconds> [libFuzzer flags]}
seconds=${2:?usage: perf/fuzz.sh <Name> <seconds> [libFuzzer flags]}
shift 2

case "$name" in
    HTTPRequest)
        sources=(Sources/HTTPWire/*.swift)
        flags=(-I Sources/CZlib -lz)
        ;;
    KeyValue|AccessLog|Syslog|JSONParser|CustomPipeline|Timestamp)
        # Parsers: EventModel and JSONStream as their own modules, then the Parsers sources, the shared checks
        # and the target in one module (so the target reaches internal API); PCRE2 from the system.
        mkdir -p .build-fuzz
        for module in EventModel JSONStream; do
            swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name "$module" -emit-module \
                -emit-module-path ".build-fuzz/$module.swiftmodule" -emit-object -o ".build-fuzz/$module.o" Sources/"$module"/*.swift
        done
        sources=(Sources/Parsers/*.swift Tests/Fuzz/ParsersFuzzSupport.swift .build-fuzz/EventModel.o .build-fuzz/JSONStream.o)
        flags=(-I .build-fuzz -I Sources/CPCRE2 -lpcre2-8)
        export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/Parsers.lsan-suppressions${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
        ;;
    *)
        echo "unknown fuzz target $name (add it to perf/fuzz.sh)" >&2
        exit 2
        ;;
esac

out=.build-fuzz
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
