#!/usr/bin/python3
"""Every peer side by side in one run (make bench, issue #15).

    bench/peers.py [--seconds S] [--build DIR] [--clients 1,8] [--no-real-qemu]

Round trips per second of CONNECT_GET_LIB_VERSION through our client (rpc_bench), libvirt.so's
own client (libvirt_bench, linked against Debian's libvirt0), python3-libvirt (py_bench.py) and
go-libvirt (go_bench), each against fake-libvirtd and against a real libvirtd's test driver,
next to a raw unix-socket ping-pong of 28-byte packets (each side waiting in read(2), and in
poll(2) as an event loop does); 1 and 8 concurrent clients; pinned to CPU 0 (clients and daemon)
and unpinned. QMP round trips (query-status) through our QMP client
and over a raw socket, against fake-qemu and qemu-system-x86_64 -machine none. Start-up to
ready of each daemon. Prints tables of rates and ratios, writes BENCH_OUT/peers.json and
BENCH_OUT/peers.png (gnuplot).
"""
import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

import benchlib

PEERS = [("ours", "our client"), ("libvirt.so", "libvirt.so (C)"),
         ("python", "python3-libvirt"), ("go", "go-libvirt")]
# The two raw ping-pongs (rpc_bench pingpong): both sides waiting in read(2), and in poll(2) as
# an event loop does (docs/benchmarks.md, "Per-call cost"); rows of the table and bars of the plot.
PING_PONGS = (("pingpong", "raw ping-pong"), ("pingpong-poll", "raw, poll(2)"))
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"


def rate_of(line):
    return float(line.split()[-2])


def run(cmd, pinned, timeout):
    cmd = (["taskset", "-c", "0"] if pinned else []) + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        print("bench: %s failed: %s" % (" ".join(cmd), p.stderr.strip()[-500:]), file=sys.stderr)
        return None
    return rate_of(p.stdout.strip().splitlines()[-1])


def peer_cmd(b, peer, sock, secs, clients):
    uri = "test+unix:///default?socket=" + sock
    return {"ours": [b + "/bin/rpc_bench", "client", uri, secs, clients],
            "libvirt.so": [b + "/bin/libvirt_bench", uri, secs, clients],
            "python": ["/usr/bin/python3", str(benchlib.REPO / "bench" / "py_bench.py"), uri,
                       secs, clients],
            "go": [b + "/bin/go_bench", sock, "test:///default", secs, clients]}[peer]


def build_go(b):
    """go_bench, built offline against Debian's go-libvirt source (as conformance/peers does)."""
    out = b + "/bin/go_bench"
    gocache = os.path.join(b, "gocache")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
               GOCACHE=gocache, GOPROXY="off", HOME=gocache)
    p = subprocess.run(["go", "build", "-o", out, "./bench/go_bench"], cwd=str(benchlib.REPO),
                       env=env, capture_output=True, text=True)
    if p.returncode != 0:
        print("bench: go-libvirt peer not built (golang-go, "
              "golang-github-digitalocean-go-libvirt-dev): %s" % p.stderr.strip()[-300:],
              file=sys.stderr)
        return False
    return True


def measure_rpc(args, fake, real, peers):
    secs = str(args.seconds)
    res = {}
    for pinned in (True, False):
        mode = "pinned" if pinned else "unpinned"
        fake_cpus = "0" if pinned else None
        benchlib.pin(fake.pid, fake_cpus)
        real.pin(fake_cpus)
        res[mode] = {"pingpong": run([args.build + "/bin/rpc_bench", "pingpong", secs], pinned, 120),
                     "pingpong-poll": run([args.build + "/bin/rpc_bench", "pingpong", secs, "poll"],
                                          pinned, 120)}
        for peer in peers:
            for daemon, sock in (("fake", args.fake_sock), ("real", real.sock)):
                for n in args.clients:
                    key = "%s/%s/%d" % (peer, daemon, n)
                    res[mode][key] = run(peer_cmd(args.build, peer, sock, secs, str(n)), pinned,
                                         args.seconds * 3 + 120)
                    print("  %-8s %-24s %10s rt/s" % (mode, key, fmt(res[mode][key])), flush=True)
    benchlib.pin(fake.pid, None)
    real.pin(None)
    return res


def fmt(v, f="%.0f"):
    return "-" if v is None else f % v


def ratio(a, b):
    return a / b if a and b else None


def print_rpc(res, peers, clients):
    cols = [(d, n) for n in clients for d in ("fake", "real")]
    head = " ".join("%9s" % ("%s %d" % (d, n)) for d, n in cols)
    print("\nCONNECT_GET_LIB_VERSION round trips/s (clients: processes, one connection each)")
    print("%-18s %s | %s" % ("", "pinned to CPU 0".center(len(head)), "unpinned".center(len(head))))
    print("%-18s %s | %s" % ("peer", head, head))
    for key, label in PING_PONGS:
        print("%-18s %s | %s" % (label, ("%9s" % fmt(res["pinned"].get(key))).ljust(len(head)),
                                 ("%9s" % fmt(res["unpinned"].get(key))).ljust(len(head))))
    for peer, label in PEERS:
        if peer not in peers:
            continue
        cells = [" ".join("%9s" % fmt(res[m].get("%s/%s/%d" % (peer, d, n))) for d, n in cols)
                 for m in ("pinned", "unpinned")]
        print("%-18s %s | %s" % (label, cells[0], cells[1]))
    print("\n%-44s %6s %9s" % ("ratios", "pinned", "unpinned"))
    rows = [("our client / raw ping-pong (fake)", lambda r: ratio(r.get("ours/fake/1"), r["pingpong"])),
            ("our client / raw ping-pong, poll (fake)",
             lambda r: ratio(r.get("ours/fake/1"), r.get("pingpong-poll"))),
            ("our client / libvirt.so (fake, 1)", lambda r: ratio(r.get("ours/fake/1"), r.get("libvirt.so/fake/1")))]
    for n in clients:
        for peer, label in PEERS:
            if peer in peers:
                rows.append(("fake / real, %s, %d client%s" % (label, n, "s" if n > 1 else ""),
                             lambda r, p=peer, n=n: ratio(r.get("%s/fake/%d" % (p, n)),
                                                          r.get("%s/real/%d" % (p, n)))))
    for label, fn in rows:
        print("  %-42s %6s %9s" % (label, fmt(fn(res["pinned"]), "%.2f"),
                                   fmt(fn(res["unpinned"]), "%.2f")))


def start_qemu(sock):
    return subprocess.Popen([QEMU, "-machine", "none", "-nodefaults", "-display", "none",
                             "-qmp", "unix:%s,server=on,wait=off" % sock],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def wait_socket(sock, proc, timeout=30, greeting=False):
    """Seconds until sock accepts a connection (and, with greeting, sends its first line)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            return None
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            if greeting:
                s.makefile("rb").readline()
            s.close()
            return time.perf_counter() - t0
        except OSError:
            s.close()
            time.sleep(0.0005)
    return None


def measure_startup(args, tmp, starts=5):
    """Median seconds from exec to an accepted connection, per daemon."""
    out = {}
    kinds = [("fake-libvirtd", lambda s: [args.build + "/bin/fake-libvirtd", "--listen", "unix:" + s], False),
             ("fake-qemu", lambda s: [args.build + "/bin/fake-qemu", "--qmp", "unix:" + s], True)]
    if args.real_qemu:
        kinds.append(("qemu-system-x86_64", None, True))
    for name, cmd, greet in kinds:
        times = []
        for i in range(starts):
            sock = os.path.join(tmp, "st-%s-%d.sock" % (name, i))
            p = (start_qemu(sock) if cmd is None else
                 subprocess.Popen(cmd(sock), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            times.append(wait_socket(sock, p, greeting=greet))
            p.terminate()
            p.wait(timeout=30)
        out[name] = statistics.median(times) if None not in times else None
    return out


def measure_qmp(args, tmp):
    res = {}
    qbin = args.build + "/bin/qmp_bench"
    servers = [("fake-qemu", None)] + ([("qemu", QEMU)] if args.real_qemu else [])
    for server, _ in servers:
        for pinned in (True, False):
            mode = "pinned" if pinned else "unpinned"
            for how in ("client", "raw"):
                sock = os.path.join(tmp, "q-%s-%s-%s.sock" % (server, mode, how))
                if server == "qemu":
                    p = start_qemu(sock)
                    wait_socket(sock, p)
                else:
                    # the stack must outlive the measurement: collecting it would stop the fake
                    stack = contextlib.ExitStack()
                    p = stack.enter_context(benchlib.fake(
                        args.build + "/bin/fake-qemu", ["--qmp", "unix:" + sock]))
                if pinned:
                    benchlib.pin(p.pid, "0")
                key = "%s/%s/%s" % (server, how, mode)
                res[key] = run([qbin, how, "unix:" + sock, str(args.seconds)], pinned,
                               args.seconds + 120)
                print("  %-36s %10s rt/s" % (key, fmt(res[key])), flush=True)
                if server == "qemu":
                    p.terminate()
                    p.wait(timeout=30)
                else:
                    stack.close()
    return res


def print_qmp(res):
    print("\nQMP query-status round trips/s     pinned: client      raw | unpinned: client      raw")
    for server in ("fake-qemu", "qemu"):
        if "%s/client/pinned" % server not in res:
            continue
        v = [res.get("%s/%s/%s" % (server, h, m)) for m in ("pinned", "unpinned")
             for h in ("client", "raw")]
        print("  %-30s %16s %8s | %16s %8s" % (server, *map(fmt, v)))
    for m in ("pinned", "unpinned"):
        print("  %-8s our QMP client / raw socket: fake-qemu %s, qemu %s; fake-qemu / qemu "
              "through our client %s" % (
                  m, fmt(ratio(res.get("fake-qemu/client/" + m), res.get("fake-qemu/raw/" + m)), "%.2f"),
                  fmt(ratio(res.get("qemu/client/" + m), res.get("qemu/raw/" + m)), "%.2f"),
                  fmt(ratio(res.get("fake-qemu/client/" + m), res.get("qemu/client/" + m)), "%.2f")))


def plot(res, qmp, peers, clients):
    """BENCH_OUT/peers.png: rt/s per peer, pinned and unpinned, and the QMP round trips."""
    d = benchlib.out_dir()
    cols = [(dm, n) for n in clients for dm in ("fake", "real")]
    with open(d / "peers.dat", "w") as f:
        f.write("peer " + " ".join("%s-%d" % c for c in cols) + "\n")
        for m in ("pinned", "unpinned"):
            for key, label in PING_PONGS:   # one bar each, in the "fake 1" column
                f.write('"%s" ' % label + " ".join(
                    fmt(res[m].get(key)).replace("-", "0") if dm == "fake" and n == 1 else "0"
                    for dm, n in cols) + "\n")
            for peer, label in PEERS:
                if peer in peers:
                    f.write('"%s" ' % label + " ".join(
                        fmt(res[m].get("%s/%s/%d" % (peer, dm, n))).replace("-", "0")
                        for dm, n in cols) + "\n")
            f.write("\n\n")
    with open(d / "qmp.dat", "w") as f:
        for server in ("fake-qemu", "qemu"):
            f.write('"%s" ' % server + " ".join(
                fmt(qmp.get("%s/%s/%s" % (server, h, m))).replace("-", "0")
                for m in ("pinned", "unpinned") for h in ("client", "raw")) + "\n")
    if not shutil.which("gnuplot"):
        print("bench: no gnuplot (gnuplot-nox): no peers.png", file=sys.stderr)
        return
    ncol = len(cols)
    script = """set terminal pngcairo noenhanced size 1500,520 font ",9"
set output '%(out)s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel 'round trips/s'
set xtics rotate by -20
set key top right
set grid ytics
set multiplot layout 1,3
set title 'CONNECT_GET_LIB_VERSION, pinned to CPU 0'
plot for [i=2:%(last)d] '%(dat)s' index 0 using i:xtic(1) title columnhead(i)
set title 'CONNECT_GET_LIB_VERSION, unpinned'
plot for [i=2:%(last)d] '%(dat)s' index 1 using i:xtic(1) notitle
set title 'QMP query-status'
plot '%(qdat)s' using 2:xtic(1) title 'client pinned', '' using 3 title 'raw pinned', \\
     '' using 4 title 'client unpinned', '' using 5 title 'raw unpinned'
unset multiplot
""" % {"out": d / "peers.png", "dat": d / "peers.dat", "qdat": d / "qmp.dat", "last": ncol + 1}
    p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
    if p.returncode != 0:
        print("bench: gnuplot failed: %s" % p.stderr.strip()[-500:], file=sys.stderr)
    else:
        print("\nplot: %s" % (d / "peers.png"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--build", default=os.environ.get("VW_BUILD", "build"))
    ap.add_argument("--clients", default="1,8")
    ap.add_argument("--no-real-qemu", dest="real_qemu", action="store_false")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.clients = [int(c) for c in args.clients.split(",")]
    peers = ["ours", "libvirt.so", "python"] + (["go"] if build_go(args.build) else [])
    with benchlib.tmpdir("vw-peers-") as tmp:
        print("start-up to accepting connections (median of 5; QMP: to the greeting)")
        startup = measure_startup(args, tmp)
        t0 = time.perf_counter()
        real = benchlib.RealLibvirtd(os.path.join(tmp, "real"))
        if real.daemon:
            startup["libvirtd (podman)"] = time.perf_counter() - t0
        for k, v in startup.items():
            print("  %-28s %s ms" % (k, fmt(v and v * 1000, "%.1f")))
        print("real libvirtd: %s" % real.where)
        args.fake_sock = os.path.join(tmp, "fake.sock")
        try:
            with benchlib.fake_libvirtd(args.build + "/bin/fake-libvirtd", args.fake_sock) as fake:
                rpc = measure_rpc(args, fake, real, peers)
        finally:
            real.stop()
        qmp = measure_qmp(args, tmp)
    print_rpc(rpc, peers, args.clients)
    print_qmp(qmp)
    benchlib.save("peers", {"seconds": args.seconds, "real": real.where, "rpc": rpc, "qmp": qmp,
                            "startup": startup})
    plot(rpc, qmp, peers, args.clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
