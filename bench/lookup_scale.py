#!/usr/bin/python3
"""How fake-libvirtd's per-call cost grows with the number of domains (make bench).

    bench/lookup_scale.py FAKE_LIBVIRTD [COUNTS]     COUNTS default 10,1000,10000,100000

For each count, a fake-libvirtd starts from a state file holding that many defined domains and
python3-libvirt (libvirt.so's own client, a peer we did not write) times lookupByName and
info() of a domain near the end of the list, and listAllDomains, on one connection. Both
processes are pinned to CPU 0 (what our code costs, not the machine's cross-CPU wake-ups).
Prints one line per count with microseconds per call and the ratio to the smallest count.
"""
import json
import os
import sys
import tempfile
import time

import libvirt

# the pytest plugin's package starts the programs (bench/ runs from a source tree)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytest-plugin"))
from pytest_virtwire.process import ReadyProcess  # noqa: E402

XML = ("<domain type='test'><name>b{i}</name><uuid>{u}</uuid><memory>65536</memory>"
       "<vcpu>1</vcpu><os><type>hvm</type></os></domain>")


def per_call_us(fn, min_seconds):
    n, t0 = 0, time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        n += 50
        dt = time.perf_counter() - t0
        if dt >= min_seconds:
            return dt / n * 1e6


def measure(fake, count, tmp):
    state = os.path.join(tmp, "state-%d.json" % count)
    with open(state, "w") as f:
        json.dump({"domains": [{"xml": XML.format(i=i, u="5e1ec7ed-0000-4000-8000-%012d" % i)}
                               for i in range(count)]}, f)
    sock = os.path.join(tmp, "fl-%d.sock" % count)
    try:
        proc = ReadyProcess(tmp, ["taskset", "-c", "0", fake, "--listen", "unix:" + sock,
                                  "--state", state], name="fl-%d" % count, ready_timeout=300)
    except RuntimeError as e:
        sys.exit("lookup_scale: fake-libvirtd did not start with %d domains: %s" % (count, e))
    try:
        conn = libvirt.open("test+unix:///default?socket=" + sock)
        name = "b%d" % (count - 1)
        dom = conn.lookupByName(name)
        secs = 0.5 if count < 50000 else 1.0
        lookup = per_call_us(lambda: conn.lookupByName(name), secs)
        info = per_call_us(dom.info, secs)
        # libvirt refuses lists over REMOTE_DOMAIN_LIST_MAX (16384)
        lists = (per_call_us(conn.listAllDomains, secs if count <= 1000 else 2.0)
                 if count <= 16384 else None)
        conn.close()
        return lookup, info, lists
    finally:
        proc.terminate(timeout=60)


def main():
    if len(sys.argv) < 2 or sys.argv[1] == "--help":
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 else 2
    counts = [int(c) for c in (sys.argv[2] if len(sys.argv) > 2 else
                               "10,1000,10000,100000").split(",")]
    os.sched_setaffinity(0, {0})
    with tempfile.TemporaryDirectory(prefix="vw-scale-") as tmp:
        base = None
        for count in counts:
            lookup, info, lists = measure(sys.argv[1], count, tmp)
            base = base or (lookup, info)
            print("fake-libvirtd %6d domains: lookupByName %.1f us (x%.2f), info %.1f us "
                  "(x%.2f), listAllDomains %s" % (count, lookup, lookup / base[0], info,
                                                   info / base[1],
                                                   "%.1f us" % lists if lists else
                                                   "n/a (over libvirt's 16384 limit)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
