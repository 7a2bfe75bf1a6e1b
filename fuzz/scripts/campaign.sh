#!/bin/bash
# campaign.sh FB TARGET HOURS JOBS: a real AFL++ campaign on JOBS cores of this machine.
#   instance 0   -M main-HOST       plain persistent build, default schedule (explore)
#   instance 1   -S cmplog-HOST     plain build + CMPLOG companion (-c, -l 2AT), schedule fast
#   instance 2   -S asan-HOST       ASan+UBSan build, schedule coe
#   instance 3+  -S sN-HOST         plain build; schedules lin, quad, exploit, rare, seek, mmopt in
#                                   turn; every third with MOpt (-L 0), every fourth with -Z
# All share FB/campaign/TARGET (the sync directory: -o). afl-whatsup prints progress every minute.
# Afterwards: crashes and hangs saved with reproduce commands (FB/crashes/TARGET/), every queue
# replayed under ASan+UBSan+LSan, llvm-cov coverage of proto/ (FB/coverage/TARGET/) and afl-plot
# graphs (FB/campaign/TARGET-plot/). Ctrl-C stops the instances this script started, then reports.
# Resuming: run again with the same TARGET; AFL_AUTORESUME continues from the existing queues.
set -uo pipefail
FB=$1
TARGET=$2
HOURS=$3
JOBS=$4
. fuzz/scripts/common.sh

host=$(hostname -s 2>/dev/null || echo host)
host=${host//[^A-Za-z0-9_-]/_}
out="$FB/campaign/$TARGET"
logs="$FB/campaign/$TARGET-logs"
mkdir -p "$out" "$logs"
secs=$(awk -v h="$HOURS" 'BEGIN { s = int(h * 3600); if (s < 60) s = 60; print s }')
dict=$(dict_for "$FB" "$TARGET")
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1

afl_env
export AFL_AUTORESUME=1
unset AFL_CMPLOG_ONLY_NEW AFL_FAST_CAL   # a campaign can afford full calibration and CMPLOG

schedules=(lin quad exploit rare seek mmopt)
pids=()
start_instance() {   # start_instance NAME ROLE-ARGS... -- BINARY
    local name=$1; shift
    afl-fuzz -i "$FB/seeds/$TARGET" -o "$out" -V "$secs" -m none -t 1000 -x "$dict" "$@" \
        > "$logs/$name.log" 2>&1 &
    pids+=($!)
    echo "campaign: started $name (pid $!)"
}

# the instances' fork servers (their children), noted while they run: see run_afl in common.sh
fork_servers=""
note_fork_servers() {
    for p in "${pids[@]}"; do
        fork_servers="$fork_servers $(ps -o pid= --ppid "$p" 2>/dev/null | tr '\n' ' ')"
    done
}
stop_all() {
    note_fork_servers
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    reap_fork_servers $fork_servers
}
trap 'echo "campaign: interrupted, stopping instances"; stop_all' INT TERM

echo "campaign: $TARGET for $HOURS h ($secs s) on $JOBS cores, sync dir $out"
if [ "$JOBS" -eq 1 ]; then
    start_instance "main-$host" -M "main-$host" -c "$FB/cmplog/$TARGET" -l 2AT -- "$FB/afl/$TARGET"
else
    start_instance "main-$host" -M "main-$host" -- "$FB/afl/$TARGET"
    start_instance "cmplog-$host" -S "cmplog-$host" -p fast -c "$FB/cmplog/$TARGET" -l 2AT -- "$FB/afl/$TARGET"
    if [ "$JOBS" -ge 3 ]; then
        start_instance "asan-$host" -S "asan-$host" -p coe -- "$FB/afl-asan/$TARGET"
    fi
    for ((i = 3; i < JOBS; i++)); do
        extra=(-p "${schedules[$(((i - 3) % ${#schedules[@]}))]}")
        [ $((i % 3)) -eq 0 ] && extra+=(-L 0)
        [ $((i % 4)) -eq 0 ] && extra+=(-Z)
        start_instance "s$i-$host" -S "s$i-$host" "${extra[@]}" -- "$FB/afl/$TARGET"
    done
fi

# progress: afl-whatsup every minute while any instance runs, after one plain line
# [MIN/TOTAL-MIN] fuzz-campaign TARGET: ... (elapsed s), the same on a terminal and in a CI log
export VW_PROGRESS_START=$(date +%s)
total_min=$(( (secs + 59) / 60 ))
while :; do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 1 ] || break
    sleep 10 &
    wait $! 2>/dev/null
    note_fork_servers
    sleep 50 &
    wait $! 2>/dev/null
    min=$(( ($(date +%s) - VW_PROGRESS_START) / 60 ))
    [ "$min" -le "$total_min" ] || min=$total_min
    ci/progress "$min" "$total_min" "fuzz-campaign $TARGET" "minutes fuzzed on $JOBS cores;" \
        "execs $(cat "$out"/*/fuzzer_stats 2>/dev/null | awk '/^execs_done/ { n += $3 } END { print n + 0 }')," \
        "crashes $(cat "$out"/*/fuzzer_stats 2>/dev/null | awk '/^saved_crashes/ { n += $3 } END { print n + 0 }')"
    echo "---- $(date -u +%H:%M:%S) afl-whatsup"
    afl-whatsup -s "$out" 2>/dev/null | sed -n '/Summary stats/,$p' | grep -v '^$'
done
trap - INT TERM
wait 2>/dev/null
reap_fork_servers $fork_servers

echo "== campaign finished: $TARGET"
for d in "$out"/*/; do
    st="$d/fuzzer_stats"
    [ -f "$st" ] || continue
    printf '  %-22s execs %-12s exec/s %-9s edges %s/%s stability %s crashes %s hangs %s\n' \
        "$(basename "$d")" "$(sed -n 's/^execs_done *: *//p' "$st")" \
        "$(sed -n 's/^execs_per_sec *: *//p' "$st")" "$(sed -n 's/^edges_found *: *//p' "$st")" \
        "$(sed -n 's/^total_edges *: *//p' "$st")" "$(sed -n 's/^stability *: *//p' "$st")" \
        "$(sed -n 's/^saved_crashes *: *//p' "$st")" "$(sed -n 's/^saved_hangs *: *//p' "$st")"
done

ci/progress 1 4 "fuzz-campaign $TARGET" "saving crashes and hangs"
failed=0
for d in "$out"/*/; do
    for kind in crashes hangs; do
        for f in "$d/$kind"/id:*; do
            [ -f "$f" ] || continue
            failed=1
            save_failure "$FB" "$TARGET" "$f" "campaign-${kind%es}"
        done
    done
done
queues=()
for d in "$out"/*/queue; do queues+=("$d"); done
ci/progress 2 4 "fuzz-campaign $TARGET" "replaying ${#queues[@]} queues under ASan+UBSan+LSan"
replay_all "$FB" "$TARGET" "${queues[@]}" || failed=1

ci/progress 3 4 "fuzz-campaign $TARGET" "coverage of proto/ (llvm-cov)"
bash fuzz/scripts/coverage.sh "$FB" "$TARGET" "${queues[@]}"
ci/progress 4 4 "fuzz-campaign $TARGET" "afl-plot graphs and the summary page"
plots=()
if command -v gnuplot >/dev/null; then
    # afl-plot makes only the last folder of its output path: without its parent it falls back
    # to writing into the root directory
    mkdir -p "$FB/campaign/$TARGET-plot"
    for d in "$out"/*/; do   # one set of graphs per instance
        name=$(basename "$d")
        [ -f "$d/plot_data" ] || continue
        afl-plot "$d" "$FB/campaign/$TARGET-plot/$name" >> "$logs/afl-plot.log" 2>&1 &&
            [ -f "$FB/campaign/$TARGET-plot/$name/index.html" ] && plots+=("$name")
    done
    echo "campaign: graphs of ${#plots[@]} instances in $FB/campaign/$TARGET-plot/INSTANCE/index.html"
else
    echo "campaign: gnuplot is not installed (apt-get install gnuplot-nox), no afl-plot graphs"
fi
summary="$FB/campaign/$TARGET-summary.html"
bash fuzz/scripts/campaign_summary.sh "$FB" "$TARGET" "$HOURS" "$failed" "${plots[@]}" > "$summary" &&
    echo "campaign: summary page $summary"
ci/progress --done "fuzz-campaign $TARGET" "finished"
[ $failed -eq 0 ] && echo "campaign: no crashes, hangs or sanitizer reports" ||
    echo "campaign: FAILURES - see $FB/crashes/$TARGET/REPRODUCE.txt"
exit $failed
