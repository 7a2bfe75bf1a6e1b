#!/usr/bin/env bash
# bench/call_cost.sh: what one CONNECT_GET_LIB_VERSION round trip costs fake-libvirtd and our
# client, counted rather than timed, so that a busy machine gives nearly the same figures as a
# quiet one (docs/benchmarks.md, "Per-call cost"):
#   1. per call, with both programs pinned to one CPU (perf stat, software events): syscalls,
#      context switches and CPU time of each program; the same per round trip of the raw
#      ping-pong waiting in read(2) and waiting in poll(2) (rpc_bench pingpong), the floor;
#   2. syscalls per call of each program by name (strace -c -f);
#   3. user-space instructions per call of each program (valgrind --tool=callgrind): for the
#      fake, its counters are zeroed after start-up and dumped after the calls; for the client,
#      two runs of different lengths are subtracted, which leaves out connecting and exiting.
# Kernel instructions are not counted: perf has no hardware counters in most VMs (perf stat says
# "<not supported>"); syscalls and context switches per call stand in for them.
# Usage: bench/call_cost.sh [--help]   (environment: VW_BUILD, default build; CALL_COST_SECONDS,
# default 2, the length of each measured run; CALL_COST_CPU, default 0, the CPU of part 1)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
B=${VW_BUILD:-build}
S=${CALL_COST_SECONDS:-2}
CPU=${CALL_COST_CPU:-0}
for tool in perf strace valgrind callgrind_control taskset; do
    command -v "$tool" >/dev/null || { echo "call_cost.sh: $tool is not installed" >&2; exit 2; }
done
for bin in "$B/bin/fake-libvirtd" "$B/bin/rpc_bench"; do
    [ -x "$bin" ] || { echo "call_cost.sh: $bin missing: run make all bench-bins" >&2; exit 2; }
done
T=$(mktemp -d)
FAKE=""
cleanup() {
    [ -n "$FAKE" ] && kill "$FAKE" 2>/dev/null && wait "$FAKE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
URI="test+unix:///default?socket=$T/sock"

# starts fake-libvirtd (under $1 ..., may be empty) and waits for its `ready` line
start_fake() {
    "$@" "$B/bin/fake-libvirtd" --listen "unix:$T/sock" >"$T/fake.out" 2>"$T/fake.err" &
    FAKE=$!
    for _ in $(seq 600); do
        grep -q '^ready' "$T/fake.out" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "call_cost.sh: fake-libvirtd did not become ready: $(cat "$T/fake.err")" >&2
    exit 1
}
stop_fake() { kill "$FAKE"; wait "$FAKE" 2>/dev/null || true; FAKE=""; }
calls_of() { sed -n 's/^client [0-9]* clients: \([0-9]*\) in .*/\1/p' "$1"; }

# per-call counts from a strace -c summary: each syscall made at least 0.05 times per call, and all
per_call() {
    awk -v n="$2" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
        if ($4 / n >= 0.05) printf "  %-14s %6.2f\n", $NF, $4 / n
        sum += $4 / n
    } END { printf "  %-14s %6.2f\n", "(all)", sum }' "$1"
}

# perf stat -x, output ($1) over $2 calls: "syscalls/call  switches/call  CPU us/call"
perf_per_call() {
    awk -F, -v n="$2" '/sys_enter/ {s = $1} /context-switches/ {c = $1} /task-clock/ {t = $1}
        END { printf "%6.2f syscalls  %5.2f switches  %6.2f us CPU\n", s / n, c / n, t * 1000 / n }' "$1"
}
EVENTS=raw_syscalls:sys_enter,context-switches,task-clock
echo "== 1. per call, pinned to CPU $CPU (perf stat), $S s each"
if perf stat -x, -e "$EVENTS" -o "$T/probe" true 2>/dev/null && ! grep -q 'not supported' "$T/probe"; then
    for mode in block poll; do
        taskset -c "$CPU" perf stat -x, -e "$EVENTS" -o "$T/pp.perf" \
            "$B/bin/rpc_bench" pingpong "$S" "$mode" >"$T/pp.out"
        N=$(awk '{print $2}' "$T/pp.out")
        printf "  %-34s %s\n" "raw ping-pong ($mode), both sides:" "$(perf_per_call "$T/pp.perf" "$N")"
    done
    start_fake taskset -c "$CPU"
    perf stat -x, -e "$EVENTS" -p "$FAKE" -o "$T/fake.perf" 2>/dev/null &
    STAT=$!
    sleep 0.3
    taskset -c "$CPU" perf stat -x, -e "$EVENTS" -o "$T/client.perf" \
        "$B/bin/rpc_bench" client "$URI" "$S" >"$T/run.out"
    kill -INT "$STAT"
    wait "$STAT" 2>/dev/null || true
    N=$(calls_of "$T/run.out")
    printf "  %-34s %s\n" "fake-libvirtd:" "$(perf_per_call "$T/fake.perf" "$N")"
    printf "  %-34s %s\n" "our client (rpc_bench):" "$(perf_per_call "$T/client.perf" "$N")"
    stop_fake
else
    echo "  skipped: perf stat cannot count raw_syscalls:sys_enter here (perf_event_paranoid?)"
fi

echo "== 2. syscalls per call (strace -c -f), $S s of calls, 1 connection"
start_fake
strace -c -f -o "$T/fake.strace" -p "$FAKE" 2>/dev/null &
TRACER=$!
sleep 0.5
strace -c -f -o "$T/client.strace" "$B/bin/rpc_bench" client "$URI" "$S" >"$T/run.out"
sleep 0.2
kill -INT "$TRACER"
wait "$TRACER" 2>/dev/null || true
N=$(calls_of "$T/run.out")
echo "calls: $N"
echo "fake-libvirtd:"
per_call "$T/fake.strace" "$N"
echo "our client (rpc_bench, all its threads):"
per_call "$T/client.strace" "$N"
stop_fake

echo "== 3. user-space instructions per call (callgrind)"
start_fake valgrind --tool=callgrind --callgrind-out-file="$T/fake.cg.%p"
"$B/bin/rpc_bench" client "$URI" 0.2 >/dev/null   # warm-up: first-call allocations
callgrind_control -z "$FAKE" >/dev/null 2>&1
"$B/bin/rpc_bench" client "$URI" "$S" >"$T/run.out"
callgrind_control -d "$FAKE" >/dev/null 2>&1
N=$(calls_of "$T/run.out")
IR=$(grep -h '^summary:' "$T"/fake.cg.*.1 2>/dev/null | awk '{s += $2} END {print s + 0}')
echo "fake-libvirtd: $IR instructions over $N calls = $((IR / (N > 0 ? N : 1))) per call"
stop_fake
start_fake
client_ir() {   # $1: seconds; prints "calls instructions" of rpc_bench and its client process
    rm -f "$T"/client.cg.*
    valgrind --tool=callgrind --callgrind-out-file="$T/client.cg.%p" \
        "$B/bin/rpc_bench" client "$URI" "$1" >"$T/run.out" 2>/dev/null
    echo "$(calls_of "$T/run.out") $(grep -h '^summary:' "$T"/client.cg.* | awk '{s += $2} END {print s + 0}')"
}
read -r N1 IR1 < <(client_ir 1)
read -r N2 IR2 < <(client_ir "$((S + 2))")
DN=$((N2 - N1))
echo "our client: ($IR2 - $IR1) instructions over ($N2 - $N1) calls = $(((IR2 - IR1) / (DN > 0 ? DN : 1))) per call"
