#!/usr/bin/env bash
# Builds and runs one libFuzzer target: perf/fuzz.sh <Name> <seconds> [extra libFuzzer flags...]
#
# <Name> picks Tests/Fuzz/<Name>Fuzz.swift and the module sources it exercises; the target is compiled with
# swiftc -sanitize=fuzzer,address -O into .build-fuzz/<Name>. The corpus lives in .build-fuzz/<Name>-corpus
# (seeded from Tests/Fuzz/<Name>-seeds), Tests/Fuzz/<Name>.dict is the dictionary when it exists, and crashes land
# in .build-fuzz/<Name>-artifacts. How to read it: the final "stat::number_of_executed_units" is the number of
# executions, "cov:" the edges reached; the exit status is non-zero when a crash or broken invariant was found.
# One process, one core (the linker's "Cannot export local symbol" warnings are harmless).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: perf/fuzz.sh <Name> <seconds> [libFuzzer flags]}
seconds=${2:?usage: perf/fuzz.sh <Name> <seconds> [libFuzzer flags]}
shift 2

out=.build-fuzz
mkdir -p "$out/$name-corpus" "$out/$name-artifacts"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -I Sources/CByteScan)

# Builds a pure Swift module as an object + .swiftmodule the target can import.
build_module() { # name sources...
    local module=$1; shift
    swiftc "${flags[@]}" -wmo -module-name "$module" -emit-module -emit-module-path "$out/$module.swiftmodule" \
        -I "$out" -emit-object -o "$out/$module.o" "$@"
}

# The C shims as an object with a module map of their own.
build_shims() {
    clang -O2 -fsanitize=fuzzer-no-link,address -c Sources/CSystemShims/shims.c -I Sources/CSystemShims/include -o "$out/CSystemShims.o"
    mkdir -p "$out/CSystemShims"
    printf 'module CSystemShims {\n  header "%s"\n  export *\n}\n' "$PWD/Sources/CSystemShims/include/CSystemShims.h" > "$out/CSystemShims/module.modulemap"
}

case "$name" in
    HTTPRequest|HTTPResponse)
        swiftc "${flags[@]}" -module-name "${name}Fuzz" -I Sources/CZlib -I Sources/CZstd -lz -lzstd \
            Sources/HTTPWire/*.swift "Tests/Fuzz/${name}Fuzz.swift" -o "$out/$name"
        ;;
    WALRecord)
        # The WALFormat target's sources (all of them: the list cannot drift) and the target in one module.
        build_module EventModel Sources/EventModel/*.swift
        build_shims
        swiftc "${flags[@]}" -module-name WALFuzz -I "$out" -I "$out/CSystemShims" -I Sources/CLZ4 \
            Sources/WALFormat/*.swift "Tests/Fuzz/${name}Fuzz.swift" "$out/EventModel.o" "$out/CSystemShims.o" -llz4 -o "$out/$name"
        ;;
    WALSegment)
        # WALFormat as a module; the WAL's segment scanner (and the file protocol it reads through) with the target.
        build_module EventModel Sources/EventModel/*.swift
        build_shims
        build_module WALFormat -I "$out/CSystemShims" -I Sources/CLZ4 Sources/WALFormat/*.swift
        swiftc "${flags[@]}" -module-name WALSegmentFuzz -I "$out" -I "$out/CSystemShims" -I Sources/CLZ4 \
            Sources/WAL/SegmentFile.swift Sources/WAL/SegmentScanner.swift "Tests/Fuzz/${name}Fuzz.swift" \
            "$out/EventModel.o" "$out/WALFormat.o" "$out/CSystemShims.o" -llz4 -o "$out/$name"
        ;;
    KeyValue|AccessLog|Syslog|JSONParser|CustomPipeline|Timestamp)
        # Parsers: the Parsers sources, the shared checks and the target in one module (so the target
        # reaches internal API); JSONStream and EventModel as modules; PCRE2 from the system.
        build_module EventModel Sources/EventModel/*.swift
        build_module JSONStream Sources/JSONStream/*.swift
        export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/Parsers.lsan-suppressions${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
        swiftc "${flags[@]}" -module-name "${name}Fuzz" -I "$out" -I Sources/CPCRE2 -lpcre2-8 \
            Sources/Parsers/*.swift Tests/Fuzz/ParsersFuzzSupport.swift "Tests/Fuzz/${name}Fuzz.swift" \
            "$out/EventModel.o" "$out/JSONStream.o" -o "$out/$name"
        ;;
    JSONStream)
        swiftc "${flags[@]}" -module-name "${name}Fuzz" Sources/JSONStream/*.swift "Tests/Fuzz/${name}Fuzz.swift" -o "$out/$name"
        ;;
    Structured|Unstructured|Raw|JSONIngest|HEC|HECRaw|Bulk)
        # The decoders with their support file in one module; EventModel, JSONStream and Parsers as modules.
        # The support file compiles a parser registry into a global, as the Parsers targets do: same suppressions
        # (its stages are boxed enum payloads behind tagged pointers, which LeakSanitizer cannot follow).
        export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/Parsers.lsan-suppressions${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
        build_module EventModel Sources/EventModel/*.swift
        build_module JSONStream Sources/JSONStream/*.swift
        build_module Parsers -I Sources/CPCRE2 Sources/Parsers/*.swift
        swiftc "${flags[@]}" -module-name "${name}Fuzz" -I "$out" -I Sources/CPCRE2 -lpcre2-8 \
            Sources/IngestFormats/*.swift Tests/Fuzz/IngestFuzzSupport.swift "Tests/Fuzz/${name}Fuzz.swift" \
            "$out/EventModel.o" "$out/JSONStream.o" "$out/Parsers.o" -o "$out/$name"
        ;;
    SnapshotJSON)
        # Tokens: the snapshot's JSON reader and writer with the module's error type, in one module; the
        # writer's string escaper is JSONStream's.
        build_module JSONStream Sources/JSONStream/*.swift
        swiftc "${flags[@]}" -module-name "${name}Fuzz" -I "$out" Sources/Tokens/JSONReader.swift Sources/Tokens/JSONWriter.swift \
            Sources/Tokens/TokenError.swift "Tests/Fuzz/${name}Fuzz.swift" "$out/JSONStream.o" -o "$out/$name"
        ;;
    AdminQueryText)
        # The query-text scan of the admin API alone (AdminLimits.swift imports nothing).
        swiftc "${flags[@]}" -module-name "${name}Fuzz" Sources/Admin/AdminLimits.swift "Tests/Fuzz/${name}Fuzz.swift" -o "$out/$name"
        ;;
    *)
        echo "unknown fuzz target $name (add it to perf/fuzz.sh)" >&2
        exit 2
        ;;
esac

if [ -d "Tests/Fuzz/$name-seeds" ]; then
    cp -n "Tests/Fuzz/$name-seeds"/* "$out/$name-corpus/" 2>/dev/null || true
fi
# Committed seeds in Tests/Fuzz/corpus/<Name>/ are read too (new inputs go to the first, writable, folder).
extra=()
[ -d "Tests/Fuzz/corpus/$name" ] && extra=("Tests/Fuzz/corpus/$name")
dict=()
[ -f "Tests/Fuzz/$name.dict" ] && dict=(-dict="Tests/Fuzz/$name.dict")
exec "$out/$name" "$out/$name-corpus" "${extra[@]}" -max_total_time="$seconds" -artifact_prefix="$out/$name-artifacts/" \
    -print_final_stats=1 "${dict[@]}" "$@"
