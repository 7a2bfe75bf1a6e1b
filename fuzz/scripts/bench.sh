#!/bin/bash
# bench.sh FB SECONDS "TARGETS": executions per second of every target, one core each in turn:
# AFL++ persistent + shared memory (plain build, no CMPLOG), AFL++ with the ASan+UBSan build,
# and libFuzzer (ASan+UBSan, in-process). Starts from the minimised seeds. Prints one table, with
# the 1-minute load average when each target started (figures from a shared machine need it) and,
# for libFuzzer, executions per CPU-second of the process (independent of how busy the machine is).
# BENCH_FLAVOURS="afl libfuzzer" skips the ASan AFL++ run.
set -uo pipefail
FB=$1
SECS=$2
TARGETS=$3
. fuzz/scripts/common.sh
mkdir -p "$FB/bench"
rows=()
FLAVOURS=${BENCH_FLAVOURS:-afl afl-asan libfuzzer}
for t in $TARGETS; do
    dict=$(dict_for "$FB" "$t")
    row="$t | load $(cut -d' ' -f1 /proc/loadavg)"
    for flavour in afl afl-asan; do
        case " $FLAVOURS " in *" $flavour "*) ;; *) row="$row | -"; continue ;; esac
        out="$FB/bench/$t-$flavour"
        rm -rf "$out"
        # perf stat (inherited by the fork server and the target) gives the CPU time afl-fuzz and
        # the target used together: executions per CPU-second is the per-core figure on a
        # machine that other jobs share
        rm -f "$out.cpu"
        if command -v perf > /dev/null; then
            AFL_PERF_CPU_FILE="$out.cpu" run_afl "$out.log" -i "$FB/seeds/$t" -o "$out" -V "$SECS" \
                -m none -t 2000 -x "$dict" -- "$FB/$flavour/$t"
        else
            run_afl "$out.log" -i "$FB/seeds/$t" -o "$out" -V "$SECS" -m none -t 2000 -x "$dict" \
                -- "$FB/$flavour/$t"
        fi
        st="$out/default/fuzzer_stats"
        if [ -f "$st" ]; then
            execs=$(sed -n 's/^execs_done *: *//p' "$st")
            # run_time excludes start-up and calibration, which execs_per_sec (4.04c) includes
            rt=$(sed -n 's/^run_time *: *//p' "$st")
            ms=$(awk -F, '$3 == "task-clock" { print $1 }' "$out.cpu" 2>/dev/null)
            percpu=$(awk -v e="$execs" -v m="${ms:-0}" 'BEGIN { if (m > 0) printf "%d/CPU-s, ", e / (m / 1000) }')
            row="$row | $(awk -v e="$execs" -v r="$rt" 'BEGIN { printf "%d", (r > 0 ? e / r : 0) }') (${percpu}$(sed -n 's/^stability *: *//p' "$st") stable)"
        else
            row="$row | failed (see $out.log)"
        fi
    done
    case " $FLAVOURS " in *" libfuzzer "*) ;; *) rows+=("$row | -"); continue ;; esac
    out="$FB/bench/$t-libfuzzer"
    rm -rf "$out"; mkdir -p "$out"
    ASAN_OPTIONS="$ASAN_OPTIONS_REPLAY" /usr/bin/time -f '%U %S' -o "$out.cpu" \
        "$FB/libfuzzer/$t" "$out" "$FB/seeds/$t" -dict="$dict" -timeout=10 \
        -max_total_time="$SECS" -malloc_limit_mb=64 -artifact_prefix="$out-" -print_final_stats=1 > "$out.log" 2>&1
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out.log")
    percpu=$(tail -n 1 "$out.cpu" 2>/dev/null | awk -v n="${runs:-0}" '{ c = $1 + $2; printf "%d", (c > 0 ? n / c : 0) }')
    row="$row | $(sed -n 's/^stat::average_exec_per_sec: *//p' "$out.log") (${percpu:-?}/CPU-s)"
    rows+=("$row")
done
echo "target | load | AFL++ persistent exec/s | AFL++ ASan+UBSan exec/s | libFuzzer ASan+UBSan exec/s  (${SECS}s each, one core, $(nproc) cores shared)"
for r in "${rows[@]}"; do echo "$r"; done | tee "$FB/bench/summary.txt"
