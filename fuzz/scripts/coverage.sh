#!/bin/bash
# coverage.sh FB TARGET INPUT_DIR...: source-based coverage (llvm-cov) of proto/ and the generated
# XDR code for a set of inputs, replayed through the coverage build of TARGET.
#   FB/coverage/TARGET/summary.txt   per-file line/branch/function table, proto/ and gen/
#   FB/coverage/TARGET/html/index.html
set -uo pipefail
FB=$1
TARGET=$2
shift 2
bin="$FB/cov/$TARGET"
out="$FB/coverage/$TARGET"
PROFDATA=$(command -v llvm-profdata-14 || command -v llvm-profdata)
LLVMCOV=$(command -v llvm-cov-14 || command -v llvm-cov)
[ -x "$bin" ] || { echo "coverage: $bin is missing (make -f fuzz/Makefile fuzz-flavour-cov)"; exit 1; }
rm -rf "$out"
mkdir -p "$out/raw"

dirs=()
for d in "$@"; do [ -e "$d" ] && dirs+=("$d"); done
[ ${#dirs[@]} -gt 0 ] || { echo "coverage: no inputs for $TARGET"; exit 1; }

# one process for everything; if some input crashes it, one process per input (the crashing ones
# simply contribute nothing)
if ! LLVM_PROFILE_FILE="$out/raw/all-%p.profraw" "$bin" "${dirs[@]}" > "$out/replay.log" 2>&1; then
    echo "coverage: a replay failed (see $out/replay.log); replaying one input per process"
    rm -f "$out"/raw/*
    find "${dirs[@]}" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' | while IFS= read -r f; do
        LLVM_PROFILE_FILE="$out/raw/one-%p.profraw" timeout 20 "$bin" "$f" > /dev/null 2>&1 || true
    done
fi
"$PROFDATA" merge -sparse "$out"/raw/*.profraw -o "$out/merged.profdata" || exit 1
rm -rf "$out/raw"

sources=(proto/*.c)
gen_sources=("$FB-cov"/gen/*_xdr.c)
{
    echo "# coverage of $TARGET over: ${dirs[*]}"
    echo "## proto/ (our code)"
    "$LLVMCOV" report "$bin" -instr-profile="$out/merged.profdata" "${sources[@]}"
    echo
    echo "## rpcgen output ($FB-cov/gen)"
    "$LLVMCOV" report "$bin" -instr-profile="$out/merged.profdata" "${gen_sources[@]}"
} > "$out/summary.txt" 2>&1
"$LLVMCOV" show "$bin" -instr-profile="$out/merged.profdata" -format=html -show-branches=count \
    -output-dir="$out/html" "${sources[@]}" "${gen_sources[@]}" > /dev/null 2>&1
echo "coverage: $TARGET: $(grep -m1 '^TOTAL' "$out/summary.txt" | awk '{print "proto/ lines " $10 ", branches " $13 ", functions " $7 ", regions " $4}')"
echo "coverage: report $out/summary.txt, html $out/html/index.html"
