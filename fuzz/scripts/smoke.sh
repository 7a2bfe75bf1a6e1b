#!/bin/bash
# smoke.sh FB ENGINE SECONDS "TARGETS": the CI fuzz stage.
# For each target: fuzz for SECONDS (AFL++ with the ASan+UBSan persistent build and a CMPLOG
# companion, or libFuzzer with ASan+UBSan), then replay the regression corpus, the raw seeds and
# everything the run found with the ASan+UBSan+LSan replay build. Any crash, hang, leak or
# sanitizer report fails the stage; the input is left in FB/crashes/TARGET/ with REPRODUCE.txt.
set -uo pipefail
FB=$1
ENGINE=$2
SECONDS_EACH=$3
TARGETS=$4
. fuzz/scripts/common.sh

failed=0
summary=()
rm -rf "$FB/crashes" "$FB/smoke"
mkdir -p "$FB/smoke"


for t in $TARGETS; do
    out="$FB/smoke/$t"
    dict=$(dict_for "$FB" "$t")
    # the byte-stream targets run a whole server or client per input (hundreds of exec/s, not tens
    # of thousands): half the time each by default, so that the stage stays short in CI
    secs=$SECONDS_EACH
    case "$t" in fuzz_fake_*|fuzz_client*|fuzz_scenario*) secs=${FUZZ_TIME_STREAM:-$(( (SECONDS_EACH + 1) / 2 ))} ;; esac
    echo "== fuzz-smoke: $t ($ENGINE, ${secs}s)"
    found_dirs=()
    if [ "$ENGINE" = libfuzzer ]; then
        mkdir -p "$out/corpus" "$FB/crashes/$t"
        ASAN_OPTIONS="$ASAN_OPTIONS_REPLAY" UBSAN_OPTIONS="$UBSAN_OPTIONS_REPLAY" \
            "$FB/libfuzzer/$t" "$out/corpus" "$FB/seeds/$t" -dict="$dict" \
            -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=64 \
            -artifact_prefix="$FB/crashes/$t/" -print_final_stats=1 > "$out.log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out.log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out.log")
        cov=$(grep -o 'cov: [0-9]*' "$out.log" | tail -1)
        line="$t: libFuzzer ${execs:-?} execs, ${rate:-?} exec/s, $cov, exit $rc"
        if [ $rc -ne 0 ]; then
            failed=1
            for f in "$FB/crashes/$t"/*; do
                [ -f "$f" ] && case "$f" in *.log|*.txt) ;; *) echo "  reproduce: $FB/replay/$t $f (libFuzzer log: $out.log)" | tee -a "$FB/crashes/$t/REPRODUCE.txt";; esac
            done
        fi
        found_dirs+=("$out/corpus")
    else
        # -c: CMPLOG companion (solves magic numbers: program/procedure numbers, header constants)
        run_afl "$out.log" -i "$FB/seeds/$t" -o "$out" -V "$secs" -m none -t 2000 \
            -x "$dict" -c "$FB/cmplog/$t" -l 2 -- "$FB/afl-asan/$t"
        rc=$?
        st="$out/default/fuzzer_stats"
        if [ ! -f "$st" ]; then
            echo "  afl-fuzz did not start (exit $rc); last lines of $out.log:"
            tail -20 "$out.log" | sed 's/^/    /'
            failed=1
            summary+=("$t: afl-fuzz did not start")
            continue
        fi
        get() { sed -n "s/^$1 *: *//p" "$st"; }
        crashes=$(get saved_crashes); hangs=$(get saved_hangs)
        line="$t: AFL++ (ASan+UBSan, CMPLOG) $(get execs_done) execs, $(get execs_per_sec) exec/s, edges $(get edges_found)/$(get total_edges) ($(get bitmap_cvg)), stability $(get stability), crashes ${crashes:-?}, hangs ${hangs:-?}"
        for kind in crashes hangs; do
            for f in "$out/default/$kind"/id:*; do
                [ -f "$f" ] || continue
                failed=1
                save_failure "$FB" "$t" "$f" "afl-${kind%es}"
            done
        done
        found_dirs+=("$out/default/queue")
    fi
    echo "  $line"
    summary+=("$line")
    if ! replay_all "$FB" "$t" "fuzz/corpus/regression/$t" "$FB/seeds-raw/$t" "$FB/seeds-big/$t" "${found_dirs[@]}"; then
        failed=1
        summary+=("$t: replay under ASan+UBSan+LSan FAILED")
    fi
done

echo "== fuzz-smoke summary"
for s in "${summary[@]}"; do echo "  $s"; done
if [ $failed -ne 0 ]; then
    echo "fuzz-smoke: FAILED - inputs and reproduce commands in $FB/crashes/*/REPRODUCE.txt"
    cat "$FB"/crashes/*/REPRODUCE.txt 2>/dev/null
    exit 1
fi
echo "fuzz-smoke: all targets clean"
