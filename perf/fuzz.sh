#!/usr/bin/env bash
# Builds and runs one libFuzzer target: perf/fuzz.sh <Name> <seconds> [extra libFuzzer flags]
# Compiles Tests/Fuzz/<Name>Fuzz.swift together with the sources it exercises (-sanitize=fuzzer,address -O)
# into .build-fuzz/<Name>Fuzz and runs it for <seconds> on .build-fuzz/corpus-<Name>, plus the committed seeds in
# Tests/Fuzz/corpus/<Name>/ when there are any (new inputs go to the first, writable, directory).
# Read the last "#N DONE" / "stat::number_of_executed_units" line for the execution count.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: perf/fuzz.sh <Name> <seconds>}"
seconds="${2:-60}"
shift 2 || true
out=.build-fuzz
mkdir -p "$out/corpus-$name"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g)

case "$name" in
WALRecord|WALSegment)
    # EventModel as its own module, CSystemShims (CRC32C) as an object with a generated module map, LZ4 from the system.
    swiftc "${flags[@]}" -wmo -module-name EventModel -emit-module -emit-module-path "$out/EventModel.swiftmodule" \
        -emit-object -o "$out/EventModel.o" Sources/EventModel/*.swift
    clang -O2 -fsanitize=fuzzer-no-link,address -c Sources/CSystemShims/shims.c -I Sources/CSystemShims/include -o "$out/CSystemShims.o"
    mkdir -p "$out/CSystemShims"
    printf 'module CSystemShims {\n  header "%s"\n  export *\n}\n' "$PWD/Sources/CSystemShims/include/CSystemShims.h" > "$out/CSystemShims/module.modulemap"
    sources=(Sources/WAL/ByteCursor+Unsafe.swift Sources/WAL/WALFormat.swift Sources/WAL/WALError.swift
             Sources/WAL/WALRecordHeader.swift Sources/WAL/WALRecordEncoder.swift Sources/WAL/WALRecordDecoder.swift)
    if [ "$name" = WALSegment ]; then
        sources+=(Sources/WAL/SegmentFile.swift Sources/WAL/SegmentHeader.swift Sources/WAL/SegmentScanner.swift)
    fi
    swiftc "${flags[@]}" -module-name WALFuzz -I "$out" -I "$out/CSystemShims" -I Sources/CLZ4 \
        "${sources[@]}" "Tests/Fuzz/${name}Fuzz.swift" "$out/EventModel.o" "$out/CSystemShims.o" -llz4 -o "$out/${name}Fuzz"
    ;;
*)
    echo "unknown fuzz target $name" >&2
    exit 2
    ;;
esac

seeds=()
[ -d "Tests/Fuzz/corpus/$name" ] && seeds=("Tests/Fuzz/corpus/$name")
exec "$out/${name}Fuzz" -max_total_time="$seconds" -print_final_stats=1 "$@" "$out/corpus-$name" "${seeds[@]}"
