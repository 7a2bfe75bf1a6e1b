#!/bin/bash
# stream_seeds.sh RAW: seeds of the byte-stream targets into RAW/TARGET/ (used by corpus.sh and
# build.sh). Needs python3 for fuzz/scripts/trace2stream.py.
set -euo pipefail
RAW=$1
# byte-stream targets: recorded conversations, one direction of one connection per seed
# (fuzz/scripts/trace2stream.py); the traces are the integration tests' and fuzz/corpus/traces/
# (re-recorded against a real libvirtd with `make -f fuzz/Makefile fuzz-record-seeds`)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T2S=fuzz/scripts/trace2stream.py
shopt -s nullglob
lv_traces=(tests/integration/data/traces/virsh-*.trace fuzz/corpus/traces/*.trace)
qmp_traces=(tests/integration/data/traces/qmp-*.trace fuzz/corpus/traces/qmp-*.trace)
client_traces=(fuzz/corpus/traces/client-*.trace)
[ ${#lv_traces[@]} -eq 0 ] || "$PY" $T2S "$RAW/fuzz_fake_libvirtd" c2s "${lv_traces[@]}"
[ ${#qmp_traces[@]} -eq 0 ] || "$PY" $T2S "$RAW/fuzz_fake_qemu" c2s "${qmp_traces[@]}"
mkdir -p "$RAW/fuzz_fake_qemu"
cp fuzz/corpus/qmp-sessions/*.qmp "$RAW/fuzz_fake_qemu/"
[ ${#client_traces[@]} -eq 0 ] || "$PY" $T2S --events tests/integration/data/traces/virsh-events-keepalive.trace \
    --event-after 12 "$RAW/fuzz_client" s2c "${client_traces[@]}"
# scenario files (fuzz/corpus/scenarios/, and the tests' if any); one also followed by a NUL and a
# recorded conversation (fuzz_scenario feeds that to a fake-libvirtd with the stubs)
mkdir -p "$RAW/fuzz_scenario"
for f in fuzz/corpus/scenarios/*.json tests/integration/data/scenarios/*.json; do
    cp "$f" "$RAW/fuzz_scenario/"
done
conv=("$RAW"/fuzz_fake_libvirtd/virsh-readonly-conn*.bin)
if [ -f fuzz/corpus/scenarios/stubs-basic.json ] && [ ${#conv[@]} -gt 0 ]; then
    { cat fuzz/corpus/scenarios/stubs-basic.json; printf '\0'; cat "${conv[0]}"; } \
        > "$RAW/fuzz_scenario/stubs-basic-with-virsh.bin"
fi
shopt -u nullglob

# the recorded traces themselves seed the trace reader/writer target
mkdir -p "$RAW/fuzz_trace"
for f in tests/integration/data/traces/*.trace fuzz/corpus/traces/*.trace; do
    [ -f "$f" ] && cp "$f" "$RAW/fuzz_trace/recorded-$(basename "$f")"
done
