#!/bin/bash
# bench.sh FB SECONDS "TARGETS": executions per second of every target, one core each in turn:
# AFL++ persistent + shared memory (plain build, no CMPLOG), AFL++ with the ASan+UBSan build,
# and libFuzzer (ASan+UBSan, in-process). Starts from the minimised seeds. Prints one table.
set -uo pipefail
FB=$1
SECS=$2
TARGETS=$3
. fuzz/scripts/common.sh
mkdir -p "$FB/bench"
rows=()
for t in $TARGETS; do
    dict=$(dict_for "$FB" "$t")
    row="$t"
    for flavour in afl afl-asan; do
        out="$FB/bench/$t-$flavour"
        rm -rf "$out"
        run_afl "$out.log" -i "$FB/seeds/$t" -o "$out" -V "$SECS" -m none -t 2000 -x "$dict" \
            -- "$FB/$flavour/$t"
        st="$out/default/fuzzer_stats"
        if [ -f "$st" ]; then
            execs=$(sed -n 's/^execs_done *: *//p' "$st")
            # run_time excludes start-up and calibration, which execs_per_sec (4.04c) includes
            rt=$(sed -n 's/^run_time *: *//p' "$st")
            row="$row | $(awk -v e="$execs" -v r="$rt" 'BEGIN { printf "%d", (r > 0 ? e / r : 0) }') ($(sed -n 's/^stability *: *//p' "$st") stable)"
        else
            row="$row | failed (see $out.log)"
        fi
    done
    out="$FB/bench/$t-libfuzzer"
    rm -rf "$out"; mkdir -p "$out"
    ASAN_OPTIONS="$ASAN_OPTIONS_REPLAY" "$FB/libfuzzer/$t" "$out" "$FB/seeds/$t" -dict="$dict" \
        -max_total_time="$SECS" -malloc_limit_mb=64 -artifact_prefix="$out-" -print_final_stats=1 > "$out.log" 2>&1
    row="$row | $(sed -n 's/^stat::average_exec_per_sec: *//p' "$out.log")"
    rows+=("$row")
done
echo "target | AFL++ persistent exec/s | AFL++ ASan+UBSan exec/s | libFuzzer ASan+UBSan exec/s  (${SECS}s each, one core, $(nproc) cores shared)"
for r in "${rows[@]}"; do echo "$r"; done | tee "$FB/bench/summary.txt"
