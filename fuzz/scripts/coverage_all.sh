#!/bin/bash
# coverage_all.sh FB "TARGETS": one llvm-cov report of proto/ over all targets, from the profiles
# coverage.sh left in FB/coverage/TARGET/merged.profdata (run it for each target first).
#   FB/coverage/all/summary.txt, FB/coverage/all/html/index.html
set -uo pipefail
FB=$1
TARGETS=$2
PROFDATA=$(command -v llvm-profdata-14 || command -v llvm-profdata)
LLVMCOV=$(command -v llvm-cov-14 || command -v llvm-cov)
out="$FB/coverage/all"
rm -rf "$out"
mkdir -p "$out"
profiles=()
objects=()
for t in $TARGETS; do
    p="$FB/coverage/$t/merged.profdata"
    [ -f "$p" ] || { echo "coverage: no profile for $t (run fuzz-coverage TARGET=$t first)"; continue; }
    profiles+=("$p")
    if [ ${#objects[@]} -eq 0 ]; then objects+=("$FB/cov/$t"); else objects+=(-object "$FB/cov/$t"); fi
done
[ ${#profiles[@]} -gt 0 ] || exit 1
"$PROFDATA" merge -sparse "${profiles[@]}" -o "$out/merged.profdata" || exit 1
{
    echo "# coverage of proto/ over the targets: $TARGETS"
    "$LLVMCOV" report "${objects[@]}" -instr-profile="$out/merged.profdata" proto/*.c
    echo
    echo "## rpcgen output"
    "$LLVMCOV" report "${objects[@]}" -instr-profile="$out/merged.profdata" "$FB-cov"/gen/*_xdr.c
} > "$out/summary.txt" 2>&1
"$LLVMCOV" show "${objects[@]}" -instr-profile="$out/merged.profdata" -format=html -show-branches=count \
    -output-dir="$out/html" proto/*.c "$FB-cov"/gen/*_xdr.c > /dev/null 2>&1
echo "coverage: all targets: $(grep -m1 '^TOTAL' "$out/summary.txt" | awk '{print "proto/ lines " $10 ", branches " $13 ", functions " $7 ", regions " $4}')"
echo "coverage: report $out/summary.txt, html $out/html/index.html"
