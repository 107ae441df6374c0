#!/usr/bin/env bash
# Builds and runs libFuzzer targets from the package's own targets:
#   perf/fuzz.sh <Name> <seconds> [extra libFuzzer flags...]   one target, Tests/Fuzz/<Name>Fuzz.swift
#   perf/fuzz.sh --all <seconds>                               every Tests/Fuzz/*Fuzz.swift in turn
#   perf/fuzz.sh --list                                        the targets
#
# Nothing here names a source file of the package. A target is one file, Tests/Fuzz/<Name>Fuzz.swift; its
# `@testable import` lines name the SwiftPM targets it exercises. Those targets are built by SwiftPM itself
# (`swift build --target`, -c release, --sanitize=fuzzer and address, -enable-testing) into .build-fuzz/spm,
# so every source file of every target, and its dependencies as Package.swift states them, is in. The fuzz file
# (with Tests/Fuzz/<Module>FuzzSupport.swift when the module it imports first has one) is then compiled and
# linked against those objects into .build-fuzz/<Name>. Which objects: the imported targets' closure over
# Package.swift's target dependencies (`swift package describe`), and every object of an outside package.
#
# The corpus lives in .build-fuzz/<Name>-corpus (seeded from Tests/Fuzz/<Name>-seeds and read from
# Tests/Fuzz/corpus/<Name>), Tests/Fuzz/<Name>.dict is the dictionary when it exists, crashes land in
# .build-fuzz/<Name>-artifacts, and Tests/Fuzz/<Target>.lsan-suppressions applies when <Target> is in the closure.
# How to read it: the final "stat::number_of_executed_units" is the number of executions, "cov:" the edges
# reached; the exit status is non-zero when a crash or broken invariant was found. One process, one core.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: perf/fuzz.sh <Name>|--all|--list <seconds> [libFuzzer flags]"
out=.build-fuzz
spm="$out/spm"
mkdir -p "$out"

targets() { for f in Tests/Fuzz/*Fuzz.swift; do basename "$f" Fuzz.swift; done; }

if [ "${1:-}" = "--list" ]; then targets; exit 0; fi
if [ "${1:-}" = "--all" ]; then
    seconds=${2:?$usage}
    status=0
    for name in $(targets); do
        echo "== $name"
        "$0" "$name" "$seconds" || status=1
    done
    exit $status
fi

name=${1:?$usage}
seconds=${2:?$usage}
shift 2
file="Tests/Fuzz/${name}Fuzz.swift"
[ -f "$file" ] || { echo "no fuzz target $file" >&2; exit 2; }

# The SwiftPM targets the fuzz file (and the support file of the module it imports first) import.
modules=$(sed -n 's/^@testable import \([A-Za-z0-9_]*\).*/\1/p' "$file")
[ -n "$modules" ] || { echo "$file imports no target (@testable import <Target>)" >&2; exit 2; }
primary=$(echo "$modules" | head -1)
sources=("$file")
support="Tests/Fuzz/${primary}FuzzSupport.swift"
if [ -f "$support" ]; then
    sources+=("$support")
    modules=$(printf '%s\n%s\n' "$modules" "$(sed -n 's/^@testable import \([A-Za-z0-9_]*\).*/\1/p' "$support")" | sort -u)
fi

flags=(-c release --scratch-path "$spm" --sanitize=fuzzer --sanitize=address -Xswiftc -enable-testing -Xswiftc -g)
for module in $modules; do swift build "${flags[@]}" --target "$module" >&2; done
bin=$(swift build "${flags[@]}" --show-bin-path)

# The closure of the imported targets over Package.swift's target dependencies, and the system libraries
# (module maps' `link` lines) they reach.
swift package describe --type json > "$out/package.json"
read -r -a closure < <(python3 - "$out/package.json" $modules <<'EOF'
import json, sys
targets = {t["name"]: t for t in json.load(open(sys.argv[1]))["targets"]}
seen, todo = set(), list(sys.argv[2:])
while todo:
    name = todo.pop()
    if name in seen or name not in targets: continue
    seen.add(name)
    todo += targets[name].get("target_dependencies", [])
print(" ".join(sorted(seen)))
EOF
)
roots=$(python3 -c 'import json,sys; print(" ".join(t["name"] for t in json.load(open(sys.argv[1]))["targets"]))' "$out/package.json")
objects=()
libraries=()
for dir in "$bin"/*.build; do
    target=$(basename "$dir" .build)
    if [[ " $roots " == *" $target "* ]]; then
        [[ " ${closure[*]} " == *" $target "* ]] || continue
    fi
    while IFS= read -r -d '' object; do objects+=("$object"); done < <(find "$dir" -name '*.o' -print0)
done
includes=()
for target in "${closure[@]}"; do
    map="Sources/$target/module.modulemap"
    [ -f "$map" ] || continue
    includes+=(-I "Sources/$target")
    for library in $(sed -n 's/.*link "\([^"]*\)".*/\1/p' "$map"); do libraries+=("-l$library"); done
done
for target in "${closure[@]}"; do
    if [ -f "Tests/Fuzz/$target.lsan-suppressions" ]; then
        export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/$target.lsan-suppressions${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
    fi
done

swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "${name}Fuzz" \
    -I "$bin/Modules" -I "$bin" "${includes[@]}" -I Sources/CSystemShims/include \
    "${sources[@]}" "${objects[@]}" "${libraries[@]}" -o "$out/$name"

mkdir -p "$out/$name-corpus" "$out/$name-artifacts"
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
