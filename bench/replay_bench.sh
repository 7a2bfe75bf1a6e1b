#!/usr/bin/env bash
# make bench (replay part): fake-libvirtd --replay of a 100,000-message trace, in messages per
# second, side by side with the same calls against fake-libvirtd in model mode, through
# fake-libvirtd --record (proxying to the model-mode fake), and the raw socket limit (a 28-byte
# call echoed as a 36-byte reply over a socketpair). The trace is recorded in the run itself:
# bench/replay_bench.c's client does AUTH_LIST, CONNECT_OPEN and REPLAY_CALLS (default 50,000)
# CONNECT_GET_LIB_VERSION calls through the recorder, one call in flight (window 1), then again
# with REPLAY_WINDOW (default 16) calls in flight.
#   VW_BUILD       build directory (default build)
#   REPLAY_CALLS   calls per run (default 50000: 100,000 messages)
#   REPLAY_WINDOW  calls in flight for the pipelined column (default 16)
# bench/replay_bench.sh scale: how replay grows: for each count in REPLAY_SCALE (calls, default
# 50000,500000: 100,000- and 1,000,000-message traces) a trace recorded in the run is replayed;
# prints load time (start to ready), resident memory once loaded, replay rate and its ratio to the
# raw socket, and the growth of each over the first count. Recorded and replayed with
# REPLAY_WINDOW calls in flight (one in flight, the recorder would take minutes for 1,000,000).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--help" ]; then sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0; fi
B=${VW_BUILD:-build}; CALLS=${REPLAY_CALLS:-50000}; WIN=${REPLAY_WINDOW:-16}
FAKE="$B/bin/fake-libvirtd"; BENCH="$B/bin/replay_bench"
tmp=$(mktemp -d /tmp/vw-replay-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME ARGS...: runs fake-libvirtd in the background, waits for `ready`; its pid in $pid
start() {
  local name=$1; shift
  "$FAKE" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do
    if grep -q '^ready$' "$tmp/$name.out" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "replay_bench: fake-libvirtd ($name) did not start:" >&2; cat "$tmp/$name.err" >&2
  exit 1
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }
rate() { awk '{print $(NF-1)}'; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

if [ "${1:-}" = "scale" ]; then
  start model --listen "unix:$tmp/model.sock"; model_pid=$pid
  echo "replay growth, $WIN calls in flight (the raw socket: one)"
  printf "%-9s %9s %11s %14s %14s %10s\n" messages "load s" "memory MiB" "replay msg/s" "raw msg/s" "raw/replay"
  first=""; out=${BENCH_OUT:-$B/bench}; mkdir -p "$out"; : > "$out/replay_scale.tsv"
  for calls in $(echo "${REPLAY_SCALE:-50000,500000}" | tr , ' '); do
    start rec --listen "unix:$tmp/rec.sock" --record "$tmp/s.trace" --upstream "unix:$tmp/model.sock"
    "$BENCH" client "$tmp/rec.sock" "$calls" "$WIN" > /dev/null
    stop "$pid"
    msgs=$(grep -c '"rec":"msg"' "$tmp/s.trace")
    t0=$(date +%s.%N)
    start replay --listen "unix:$tmp/rp.sock" --replay "$tmp/s.trace" --replay-report "$tmp/s.json"
    t1=$(date +%s.%N); rss=$(rss_kib "$pid")
    rp=$("$BENCH" client "$tmp/rp.sock" "$calls" "$WIN" | rate)
    stop "$pid"
    grep -q '"unmatched": 0' "$tmp/s.json" || { echo "replay_bench: unmatched calls in the $msgs-message replay" >&2; exit 1; }
    pp=$("$BENCH" pingpong "$calls" | rate)
    line=$(awk -v m="$msgs" -v a="$t0" -v b="$t1" -v r="$rss" -v rp="$rp" -v pp="$pp" \
      'BEGIN { printf "%d %.3f %.1f %d %d %.2f", m, b - a, r / 1024, rp, pp, pp / rp }')
    [ -z "$first" ] && first=$line
    echo "$line" >> "$out/replay_scale.tsv"
    echo "$line" "$first" | awk '{ printf "%-9d %9.3f %11.1f %14d %14d %10.2f   over %d messages: load x%.2f, memory x%.2f, raw/replay x%.2f\n",
      $1, $2, $3, $4, $5, $6, $7, $2 / $8, $3 / $9, $6 / $12 }'
    rm -f "$tmp/s.trace" "$tmp/s.json"
  done
  stop "$model_pid"
  exit 0
fi

pp=$("$BENCH" pingpong "$CALLS")
start model --listen "unix:$tmp/model.sock"; model_pid=$pid
model1=$("$BENCH" client "$tmp/model.sock" "$CALLS")
modelw=$("$BENCH" client "$tmp/model.sock" "$CALLS" "$WIN")

start record --listen "unix:$tmp/rec.sock" --record "$tmp/run.trace" \
          --upstream "unix:$tmp/model.sock"; rec_pid=$pid
rec1=$("$BENCH" client "$tmp/rec.sock" "$CALLS")
stop "$rec_pid"
msgs=$(grep -c '"rec":"msg"' "$tmp/run.trace")

t0=$(date +%s.%N)
start replay --listen "unix:$tmp/replay.sock" --replay "$tmp/run.trace" \
         --replay-report "$tmp/report.json"; rp_pid=$pid
t1=$(date +%s.%N)
rp1=$("$BENCH" client "$tmp/replay.sock" "$CALLS")
stop "$rp_pid"
grep -q '"unmatched": 0' "$tmp/report.json" || {
  echo "replay_bench: the replay had unmatched calls:" >&2; cat "$tmp/replay.err" >&2; exit 1; }

start replayu --listen "unix:$tmp/replayu.sock" --replay "$tmp/run.trace" \
          --replay-match unordered; rpu_pid=$pid
rpu1=$("$BENCH" client "$tmp/replayu.sock" "$CALLS")
stop "$rpu_pid"

# the pipelined column: a second recording, made with the window, replayed with the window
start recordw --listen "unix:$tmp/recw.sock" --record "$tmp/runw.trace" \
          --upstream "unix:$tmp/model.sock"; rec_pid=$pid
recw=$("$BENCH" client "$tmp/recw.sock" "$CALLS" "$WIN")
stop "$rec_pid"
start replayw --listen "unix:$tmp/replayw.sock" --replay "$tmp/runw.trace"; rp_pid=$pid
rpw=$("$BENCH" client "$tmp/replayw.sock" "$CALLS" "$WIN")
stop "$rp_pid"
stop "$model_pid"

echo "replay bench: $msgs-message trace ($CALLS CONNECT_GET_LIB_VERSION calls + replies and the"
echo "handshake), loaded and listening in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
printf "%-34s %15s %15s\n" "mode" "1 in flight" "$WIN in flight"
line() {
  if [ -n "$3" ]; then
    printf "%-34s %9s msg/s %9s msg/s\n" "$1" "$(echo "$2" | rate)" "$(echo "$3" | rate)"
  else
    printf "%-34s %9s msg/s %15s\n" "$1" "$(echo "$2" | rate)" "-"
  fi
}
line "raw socketpair echo (ceiling)" "$pp" ""
line "fake-libvirtd model" "$model1" "$modelw"
line "fake-libvirtd --replay (strict)" "$rp1" "$rpw"
line "fake-libvirtd --replay unordered" "$rpu1" ""
line "fake-libvirtd --record (to model)" "$rec1" "$recw"
awk -v p="$(echo "$pp" | rate)" -v m="$(echo "$model1" | rate)" -v r="$(echo "$rp1" | rate)" \
  'BEGIN { printf "ratios (1 in flight): replay/model = %.2f, raw/replay = %.2f\n", r / m, p / r }'
