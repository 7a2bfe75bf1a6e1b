#!/usr/bin/python3
"""python3-libvirt (libvirt.so's client through the Python binding) in make bench.

    bench/py_bench.py URI SECONDS [CLIENTS]

CLIENTS processes (default 1; processes, as the GIL would serialise threads), each with its own
connection, call getLibVersion() in a loop for SECONDS, all starting together. Prints
"python3-libvirt <clients> clients: <calls> in <seconds> s = <rate> rt/s".
"""
import multiprocessing
import sys
import time

import libvirt


def client(uri, seconds, ready, go, out):
    libvirt.registerErrorHandler(lambda *a: None, None)
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as e:
        ready.put(str(e))
        return
    ready.put(None)
    go.wait()
    n, t0 = 0, time.perf_counter()
    end = t0 + seconds
    try:
        while time.perf_counter() < end:
            for _ in range(50):
                conn.getLibVersion()
            n += 50
    except libvirt.libvirtError as e:
        out.put((0, 0, str(e)))
        return
    out.put((n, time.perf_counter() - t0, None))
    conn.close()


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(sys.argv) not in (3, 4):
        print("usage: py_bench.py URI SECONDS [CLIENTS]", file=sys.stderr)
        return 2
    uri, seconds = sys.argv[1], float(sys.argv[2])
    clients = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    ctx = multiprocessing.get_context("fork")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=client, args=(uri, seconds, ready, go, out))
             for _ in range(clients)]
    for p in procs:
        p.start()
    errors = [e for e in (ready.get(timeout=60) for _ in procs) if e]
    go.set()
    results = [] if errors else [out.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    errors += [r[2] for r in results if r[2]]
    if errors:
        print("py_bench: %s: %s" % (uri, errors[0]), file=sys.stderr)
        return 1
    calls = sum(r[0] for r in results)
    rate = sum(r[0] / r[1] for r in results)
    print("python3-libvirt %d clients: %d in %.2f s = %.0f rt/s"
          % (clients, calls, max(r[1] for r in results), rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
