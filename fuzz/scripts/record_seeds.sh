#!/bin/bash
# record_seeds.sh CLIENT_SEED VWTRACE [FAKE_LIBVIRTD]: re-records the conversations in
# fuzz/corpus/traces/ (checked in, so `make fuzz-corpus` needs no daemon) through
# `vwtrace record-libvirt` in front of the real libvirtd at $VW_LIBVIRTD_SOCK:
#   client-test.trace, client-qemu.trace   fuzz_client's own call sequence (fuzz/corpus/client_seed.c)
#                                          on test:///default and qemu:///system: the server->client
#                                          bytes are fuzz_client's seeds
#   virsh-readonly.trace                   a read-only virsh session (seeds fuzz_fake_libvirtd)
#   virsh-lifecycle.trace                  define/start/suspend/resume/destroy/undefine, recorded
#                                          against FAKE_LIBVIRTD (never the shared real daemon)
# Run from the repository root: `make -f fuzz/Makefile fuzz-record-seeds`.
set -euo pipefail
CLIENT_SEED=$1
VWTRACE=$2
FAKE=${3:-}
: "${VW_LIBVIRTD_SOCK:?set VW_LIBVIRTD_SOCK to a running libvirtd socket}"
out=fuzz/corpus/traces
tmp=$(mktemp -d /tmp/vw-record-seeds.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$out"

start_proxy() {   # start_proxy UPSTREAM-SOCKET TRACE: proxy on $tmp/rec.sock
    rm -f "$tmp/rec.sock"
    "$VWTRACE" record-libvirt --quiet --listen "unix:$tmp/rec.sock" --upstream "unix:$1" -o "$2" \
        > "$tmp/proxy.out" 2>&1 &
    proxy=$!
    pids+=($proxy)
    for _ in $(seq 100); do grep -q ready "$tmp/proxy.out" 2>/dev/null && return 0; sleep 0.1; done
    echo "record_seeds: the proxy did not start: $(cat "$tmp/proxy.out")" >&2
    return 1
}
stop_proxy() {
    kill "$proxy"
    wait "$proxy" 2>/dev/null || true
}

for drv in test qemu; do
    path=$([ $drv = test ] && echo /default || echo /system)
    start_proxy "$VW_LIBVIRTD_SOCK" "$out/client-$drv.trace"
    "$CLIENT_SEED" "$drv+unix://$path?socket=$tmp/rec.sock"
    stop_proxy
done

start_proxy "$VW_LIBVIRTD_SOCK" "$out/virsh-readonly.trace"
virsh -c "test+unix:///default?socket=$tmp/rec.sock" \
    "list --all; dominfo test; domstate test --reason; dumpxml test; domid test; domuuid test; \
     net-list --all; net-dumpxml default; pool-list --all; nodeinfo; version; hostname; \
     capabilities; dominfo no-such-domain" > /dev/null 2>&1 || true
stop_proxy

if [ -n "$FAKE" ]; then
    "$FAKE" --listen "unix:$tmp/fake.sock" > "$tmp/fake.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -S "$tmp/fake.sock" ] && break; sleep 0.1; done
    cat > "$tmp/dom.xml" <<'XML'
<domain type='test'><name>fuzzseed</name><memory>65536</memory><vcpu>1</vcpu>
<os><type>hvm</type></os></domain>
XML
    start_proxy "$tmp/fake.sock" "$out/virsh-lifecycle.trace"
    virsh -c "test+unix:///default?socket=$tmp/rec.sock" \
        "define $tmp/dom.xml; start fuzzseed; suspend fuzzseed; resume fuzzseed; \
         setmem fuzzseed 32768 --live; destroy fuzzseed; undefine fuzzseed; \
         event --all --timeout 1; list --all" > /dev/null 2>&1 || true
    stop_proxy
fi
ls -l "$out"
