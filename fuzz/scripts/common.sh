# common.sh: settings shared by the fuzz scripts (sourced, not run).

# Sanitizer settings for every replay: leaks are failures; a single allocation over 64 MiB is a
# failure too (no valid message is over 32 MiB, so such an allocation means a count or length was
# trusted before it was checked: the CVE-2024-2494 / rpcbomb class).
export ASAN_OPTIONS_REPLAY="detect_leaks=1:max_allocation_size_mb=64:allocator_may_return_null=0:abort_on_error=0:exitcode=66:handle_abort=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS_REPLAY="print_stacktrace=1:halt_on_error=1"
# Under afl-fuzz: afl-fuzz requires abort_on_error=1 and symbolize=0; leaks are caught by replay.
export ASAN_OPTIONS_AFL="abort_on_error=1:symbolize=0:detect_leaks=0:max_allocation_size_mb=64:allocator_may_return_null=0:malloc_context_size=0"
export UBSAN_OPTIONS_AFL="halt_on_error=1:abort_on_error=1:symbolize=0"

# Environment for afl-fuzz on a shared CI machine: no CPU binding (other jobs run there too), no
# cpufreq check, plain log output, fast calibration.
afl_env() {
    export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1
    export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_IMPORT_FIRST=1 AFL_TESTCACHE_SIZE=100
    export ASAN_OPTIONS="$ASAN_OPTIONS_AFL" UBSAN_OPTIONS="$UBSAN_OPTIONS_AFL"
}

# run_afl LOG AFL-FUZZ-ARGS...: runs afl-fuzz (with afl_env) and waits for it, noting the fork
# servers it starts (its children; each calls setsid, so each leads its own process group). When
# afl-fuzz has ended, those groups are killed: afl-fuzz 4.04c leaves the CMPLOG fork server's
# child stopped (persistent mode) when it ends on -V. Returns afl-fuzz's exit status.
# With AFL_PERF_CPU_FILE set, afl-fuzz runs under `perf stat -e task-clock` (counting its
# children too) and the CSV goes to that file (bench.sh).
run_afl() {
    local log=$1; shift
    if [ -n "${AFL_PERF_CPU_FILE:-}" ]; then
        ( afl_env; exec perf stat -e task-clock -x, -o "$AFL_PERF_CPU_FILE" -- afl-fuzz "$@" ) \
            > "$log" 2>&1 &
    else
        ( afl_env; exec afl-fuzz "$@" ) > "$log" 2>&1 &
    fi
    local pid=$!
    local groups=""
    while kill -0 "$pid" 2>/dev/null; do
        groups="$groups $(ps -o pid= --ppid "$pid" 2>/dev/null | tr '\n' ' ')"
        sleep 1
    done
    wait "$pid"
    local rc=$?
    reap_fork_servers $groups
    return $rc
}

# reap_fork_servers PID...: kills the process groups led by these fork servers (our own children),
# only while every process left in the group runs one of our build/fuzz binaries or is one of their
# zombies (so a group id reused by someone else in the meantime is left alone).
reap_fork_servers() {
    local g members
    for g in $(printf '%s\n' "$@" | sort -u); do
        members=$(ps -e -o pgid=,args= 2>/dev/null | awk -v g="$g" '$1 == g { $1 = ""; print }')
        [ -n "$members" ] || continue
        if ! printf '%s\n' "$members" | grep -Eqv "${FB:-build/fuzz}/|"'\[fuzz_[a-z_]*\] <defunct>'; then
            kill -KILL -- "-$g" 2>/dev/null
        fi
    done
}

# dict_for FB TARGET: writes (once) and prints one combined dictionary for the target; libFuzzer
# takes only one -dict, so AFL++ gets the same single file.
dict_for() {
    local fb=$1 t=$2 out="$1/dict/$2.dict"
    mkdir -p "$fb/dict"
    case "$t" in
        fuzz_qmp*|fuzz_fake_qemu*|fuzz_qmp_client*) cat fuzz/dict/qmp.dict > "$out" ;;
        fuzz_trace*) cat fuzz/dict/trace.dict > "$out" ;;
        *) cat fuzz/dict/libvirt_rpc.dict > "$out"
           [ -f "$fb/dict/procedures.dict" ] && cat "$fb/dict/procedures.dict" >> "$out" ;;
    esac
    echo "$out"
}

# save_failure FB TARGET FILE KIND: copies a failing input to FB/crashes/TARGET/ with its
# sanitizer report and the command that reproduces it.
save_failure() {
    local fb=$1 t=$2 file=$3 kind=$4
    local dir="$fb/crashes/$t"
    mkdir -p "$dir"
    local name
    name="$kind-$(sha1sum "$file" | cut -c1-16)"
    cp "$file" "$dir/$name"
    ASAN_OPTIONS="$ASAN_OPTIONS_REPLAY" UBSAN_OPTIONS="$UBSAN_OPTIONS_REPLAY" \
        timeout 20 "$fb/replay/$t" "$dir/$name" > "$dir/$name.log" 2>&1 || true
    echo "  reproduce: $fb/replay/$t $dir/$name     (report: $dir/$name.log, from ${file})" \
        | tee -a "$dir/REPRODUCE.txt"
}

# replay_all FB TARGET DIR...: replays every input under ASan+UBSan+LSan, one process for all;
# on failure, one process per input to find (and save) the failing ones. Returns 1 on failure.
replay_all() {
    local FB=$1 t=$2; shift 2
    local dirs=()
    for d in "$@"; do [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && dirs+=("$d"); done
    [ ${#dirs[@]} -eq 0 ] && return 0
    local n log="$FB/logs/replay-$t.log"
    mkdir -p "$FB/logs"
    n=$(find "${dirs[@]}" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' | wc -l)
    if ASAN_OPTIONS="$ASAN_OPTIONS_REPLAY" UBSAN_OPTIONS="$UBSAN_OPTIONS_REPLAY" \
        timeout 600 "$FB/replay/$t" "${dirs[@]}" > "$log" 2>&1; then
        echo "  replay: $n inputs clean under ASan+UBSan+LSan"
        return 0
    fi
    echo "  replay: FAILED over $n inputs; finding the inputs one by one (log: $log)"
    local bad=0
    while IFS= read -r f; do
        if ! ASAN_OPTIONS="$ASAN_OPTIONS_REPLAY" UBSAN_OPTIONS="$UBSAN_OPTIONS_REPLAY" \
            timeout 20 "$FB/replay/$t" "$f" > /dev/null 2>&1; then
            save_failure "$FB" "$t" "$f" replay
            bad=$((bad + 1))
        fi
    done < <(find "${dirs[@]}" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' | sort)
    if [ $bad -eq 0 ]; then
        echo "  replay: no single input fails alone: the failure needs the whole sequence (state kept"
        echo "          between inputs) - reproduce: $FB/replay/$t ${dirs[*]}"
        mkdir -p "$FB/crashes/$t"
        cp "$log" "$FB/crashes/$t/sequence.log"
    fi
    return 1
}
