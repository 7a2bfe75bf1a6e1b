#!/usr/bin/python3
"""How per-call cost grows with the number of objects (make bench, issue #15 item 3).

    bench/lookup_scale.py [--build DIR] [--counts 10,1000,...] [--kinds domains,...]
                          [--seconds S] [--real-max N] [--no-real]

For each kind (domains, networks, pools, volumes: all volumes in one pool) and each count, a
fake-libvirtd starts from a state file holding that many objects, and a real libvirtd's test
driver opens a node file holding the same (test+unix:///vw/scale/FILE.xml, a private libvirtd
in podman; bench/benchlib.py). python3-libvirt (libvirt.so's own client, a peer we did not
write) times, on one connection, a lookup by name of the last object, an info call on it
(dominfo, network isActive, pool info, volume info) and the list-all call, after timing the
load (fake: start to `ready`, at most --load-timeout; real: the first open of the node file).
A count whose load would take longer than --load-timeout, extrapolated from the smaller counts
(load = c * n^e), is skipped and says so. Client and daemon
are pinned to CPU 0. list-all is measured up to libvirt's 16,384 limit (REMOTE_*_LIST_MAX); the
real daemon up to --real-max objects (default 16,384). Prints microseconds per call with the ratio to the smallest
count (lookups: flat is the goal; list-all: per-object cost, linear is the goal), and writes
BENCH_OUT/scale.json.
"""
import argparse
import json
import math
import os
import sys
import time

import libvirt

import benchlib

LIST_MAX = 16384
UUID = "5e1ec7ed-%04x-4000-8000-%012d"


def objects_xml(kind, n):
    """A test driver node file holding n objects of kind."""
    if kind == "domains":
        body = "".join("<domain type='test'><name>b%d</name><uuid>%s</uuid><memory>65536</memory>"
                       "<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n" % (i, UUID % (1, i))
                       for i in range(n))
    elif kind == "networks":
        body = "".join("<network><name>b%d</name><uuid>%s</uuid><bridge name='vb%d'/></network>\n"
                       % (i, UUID % (2, i), i) for i in range(n))
    elif kind == "pools":
        body = "".join("<pool type='dir'><name>b%d</name><uuid>%s</uuid><target><path>/b%d"
                       "</path></target></pool>\n" % (i, UUID % (3, i), i) for i in range(n))
    else:
        body = ("<pool type='dir'><name>vp</name><uuid>%s</uuid><target><path>/vp</path></target>"
                % (UUID % (4, 0)) + "".join("<volume type='file'><name>b%d</name><capacity>1024"
                                            "</capacity></volume>\n" % i for i in range(n))
                + "</pool>\n")
    return "<node>\n" + body + "</node>\n"


def objects_state(kind, n):
    """A fake-libvirtd state file (docs/state-format.md) holding n objects of kind."""
    if kind == "domains":
        return {"domains": [{"xml": "<domain type='test'><name>b%d</name><uuid>%s</uuid>"
                                    "<memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type>"
                                    "</os></domain>" % (i, UUID % (1, i))} for i in range(n)]}
    if kind == "networks":
        return {"networks": [{"name": "b%d" % i, "uuid": UUID % (2, i), "bridge": "vb%d" % i}
                             for i in range(n)]}
    if kind == "pools":
        return {"pools": [{"name": "b%d" % i, "uuid": UUID % (3, i)} for i in range(n)]}
    return {"pools": [{"name": "vp", "uuid": UUID % (4, 0),
                       "volumes": [{"name": "b%d" % i, "capacity": 1024} for i in range(n)]}]}


def operations(conn, kind, n):
    """(lookup, info, list) callables for the last of n objects of kind."""
    name = "b%d" % (n - 1)
    if kind == "domains":
        obj = conn.lookupByName(name)
        return (lambda: conn.lookupByName(name), obj.info, conn.listAllDomains)
    if kind == "networks":
        obj = conn.networkLookupByName(name)
        return (lambda: conn.networkLookupByName(name), obj.isActive, conn.listAllNetworks)
    if kind == "pools":
        obj = conn.storagePoolLookupByName(name)
        return (lambda: conn.storagePoolLookupByName(name), obj.info, conn.listAllStoragePools)
    pool = conn.storagePoolLookupByName("vp")
    obj = pool.storageVolLookupByName(name)
    return (lambda: pool.storageVolLookupByName(name), obj.info, pool.listAllVolumes)


def per_call_us(fn, min_seconds):
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= min_seconds and n >= 3:
            return dt / n * 1e6


def time_ops(uri, kind, n, secs):
    conn = libvirt.open(uri)
    try:
        lookup, info, lister = operations(conn, kind, n)
        return {"lookup": per_call_us(lookup, secs), "info": per_call_us(info, secs),
                "list": per_call_us(lister, secs * 2) if n <= LIST_MAX else None}
    finally:
        conn.close()


def measure_fake(args, kind, n, tmp):
    state = os.path.join(tmp, "state-%s-%d.json" % (kind, n))
    with open(state, "w") as f:
        json.dump(objects_state(kind, n), f)
    sock = os.path.join(tmp, "fl-%s-%d.sock" % (kind, n))
    try:
        with benchlib.fake_libvirtd(args.build + "/bin/fake-libvirtd", sock, state=state,
                                    cpus="0", timeout=args.load_timeout) as fake:
            r = time_ops("test+unix:///default?socket=" + sock, kind, n, args.seconds)
            r["load"] = fake.load_seconds
            return r
    except benchlib.NotReady as e:
        print("  fake, %d %s: %s" % (n, kind, e), file=sys.stderr)
        return None


def measure_real(args, real, kind, n, scale_dir):
    name = "%s-%d.xml" % (kind, n)
    with open(os.path.join(scale_dir, name), "w") as f:
        f.write(objects_xml(kind, n))
    real.pin("0")
    try:
        t0 = time.perf_counter()
        libvirt.open("test+unix:///vw/scale/%s?socket=%s" % (name, real.sock)).close()
        load = time.perf_counter() - t0
        return dict(load=load, **time_ops("test+unix:///vw/scale/%s?socket=%s"
                                          % (name, real.sock), kind, n, args.seconds))
    except libvirt.libvirtError as e:
        print("  real libvirtd, %d %s: %s" % (n, kind, e), file=sys.stderr)
        return None
    finally:
        real.pin(None)
        os.unlink(os.path.join(scale_dir, name))


def growth_exponent(loads):
    """e in load = c * n^e from the last two (count, seconds) loads (1 with fewer)."""
    if len(loads) < 2 or loads[-2][1] <= 0.05:
        return 1.0
    (n1, t1), (n2, t2) = loads[-2], loads[-1]
    return max(1.0, math.log(t2 / t1) / math.log(n2 / n1)) if t2 > t1 else 1.0


def predicted_load(loads, n):
    """Seconds loading n objects should take, extrapolated from the loads so far."""
    if not loads:
        return 0.0
    n2, t2 = loads[-1]
    return t2 * (n / n2) ** growth_exponent(loads)


def fmt_row(side, kind, n, r, base):
    """One line: each operation's cost and its growth over the smallest count (list-all: the
    growth of its cost per object, 1.00 or less when it grows linearly or slower)."""
    cells = []
    for op, label in (("lookup", "lookup"), ("info", "info"), ("list", "list-all")):
        if r[op] is None or not base.get(op):
            cells.append("%s %23s" % (label, "-"))
            continue
        growth = r[op] / base[op] / (n / base["n"] if op == "list" else 1)
        cells.append("%s %9.1f us (x%5.2f%s)" % (label, r[op], growth,
                                                 "/obj" if op == "list" else ""))
    return "%-5s %-8s %7d  load %6.2f s  %s" % (side, kind, n, r["load"], "  ".join(cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("VW_BUILD", "build"))
    ap.add_argument("--counts", default="10,1000,10000,16384,100000")
    ap.add_argument("--kinds", default="domains,networks,pools,volumes")
    ap.add_argument("--seconds", type=float, default=0.3, help="minimum time per operation (list-all: twice)")
    ap.add_argument("--real-max", type=int, default=16384,
                    help="largest count for the real libvirtd (100,000 domains take it a minute to load and 750 MB)")
    ap.add_argument("--no-real", dest="real", action="store_false")
    ap.add_argument("--load-timeout", type=int, default=60,
                    help="seconds a daemon may take to load the objects (default 60); a count "
                         "whose load, extrapolated from the smaller counts, would take longer "
                         "is skipped")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    counts = [int(c) for c in args.counts.split(",")]
    kinds = args.kinds.split(",")
    libvirt.registerErrorHandler(lambda *a: None, None)
    os.sched_setaffinity(0, {0})
    results = {"fake": {}, "real": {}}
    with benchlib.tmpdir("vw-scale-") as tmp:
        scale_dir = os.path.join(tmp, "scale")
        os.makedirs(scale_dir)
        real = None
        if args.real:
            try:
                real = benchlib.RealLibvirtd(os.path.join(tmp, "real"),
                                             mounts=[(scale_dir, "/vw/scale")])
            except (SystemExit, RuntimeError) as e:
                print("lookup_scale: no real libvirtd: %s" % e, file=sys.stderr)
            if real and not real.daemon:
                print("lookup_scale: the shared libvirtd cannot read our node files; "
                      "real side skipped", file=sys.stderr)
                real = None
        try:
            for kind in kinds:
                for side in ("fake", "real"):
                    if side == "real" and not real:
                        continue
                    base, loads = None, []
                    for n in counts:
                        if side == "real" and n > args.real_max:
                            continue
                        guess = predicted_load(loads, n)
                        if guess > args.load_timeout:
                            print("%-5s %-8s %7d  skipped: loading would take about %.0f s "
                                  "(over --load-timeout; the load grew as n^%.1f)"
                                  % (side, kind, n, guess, growth_exponent(loads)), flush=True)
                            results[side].setdefault(kind, {})[str(n)] = None
                            continue
                        r = (measure_fake(args, kind, n, tmp) if side == "fake"
                             else measure_real(args, real, kind, n, scale_dir))
                        results[side].setdefault(kind, {})[str(n)] = r
                        if r and not base:
                            base = dict(r, n=n)
                        if r:
                            loads.append((n, r["load"]))
                        if r:
                            print(fmt_row(side, kind, n, r, base), flush=True)
        finally:
            if real:
                real.stop()
    benchlib.save("scale", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
