#!/usr/bin/python3
"""Guests through a real libvirtd (issue 12 item 4): a real libvirtd 9.0 defines and starts N
guests whose <emulator> is fake-qemu, and N real TCG guests (qemu-system-x86_64, 64 MiB, nothing
to boot), in one run. Per count:
  start ms      one guest after the other: create (what `virsh start` calls) until the domain's
                state is running, median and max over the N guests
  PSS per guest with all N running, one second after the last start: /proc/PID/smaps_rollup of
                every emulator process (found by its `-name guest=NAME`), summed, divided by N;
                RSS and private dirty likewise; libvirtd's own RSS when it is the private one
  8 clients     all N started again by 8 parallel clients (8 connections, one thread each):
                total seconds until every guest is running
Then real over fake ratios at the counts both have, and the goals (bench/goals.py): PSS per fake
guest <= 1/20 of a TCG guest's, and libvirtd holding 500 running fake guests at once.

The libvirtd is a private one in podman (bookworm root filesystem, libvirt 9.0, started by
bench/benchlib.py's RealLibvirtd through tests/integration/podman_libvirtd.py) with the build
tree bind-mounted as /vw/fq; without podman, env VW_LIBVIRTD_SOCK (the shared daemon, whose
emulator is then BUILD/bin/fake-qemu on the host). Every domain it defines is named
vwb-PID-KIND-I and is destroyed and undefined at the end, whatever happened.

    bench/libvirtd_guests.py [--build DIR] [--counts 1,50,500] [--real-counts 1,50]
                             [--clients 8] [--qemu PATH]
Results: BENCH_OUT/libvirtd_guests.json (benchlib.save).
"""
import argparse
import contextlib
import os
import queue
import resource
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from guest_memory import rollup  # noqa: E402  (Pss, Rss, Private_Dirty of a pid)

try:
    import libvirt
except ImportError:
    libvirt = None

INSIDE = "/vw/fq"          # the build tree in the container
REAL_QEMU = "/usr/bin/qemu-system-x86_64"
GOAL_PSS_RATIO = 20        # issue 12: a fake guest costs at most a twentieth of a TCG guest
GOAL_GUESTS = 500          # issue 12: libvirtd holds 500 running fake guests
# the container runs no virtlogd: the emulators' stdio goes to /var/log/libvirt/qemu/NAME.log;
# its overlay root filesystem takes no trusted.* extended attributes (remember_owner); its
# /sys/fs/cgroup is read-only (no cgroup controllers)
QEMU_CONF = 'stdio_handler = "file"\nremember_owner = 0\ncgroup_controllers = [ ]\n'
SETTLE = 60                # seconds a started guest may take to be reported running

DOMAIN = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices><emulator>{emulator}</emulator></devices>
</domain>"""


def emulator_pids(names):
    """{domain name: host pid} of the emulator processes run with -name guest=NAME[,...]."""
    want = set(names)
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        for i, arg in enumerate(argv[:-1]):
            if arg == b"-name":
                value = argv[i + 1].decode(errors="replace")
                name = value.split(",")[0]
                name = name[len("guest="):] if name.startswith("guest=") else name
                if name in want:
                    found[name] = int(entry)
                break
    return found


def libvirtd_pid(init):
    """The libvirtd under the container's PID 1 (run-libvirtd with VW_LIBVIRTD_REAPER), or
    None."""
    if not init:
        return None
    try:
        with open("/proc/%d/task/%d/children" % (init, init)) as f:
            kids = [int(p) for p in f.read().split()]
    except OSError:
        return None
    for pid in kids:
        with contextlib.suppress(OSError), open("/proc/%d/comm" % pid) as f:
            if f.read().strip() == "libvirtd":
                return pid
    return None


def memory(pids):
    """Summed (Pss, Rss, Private_Dirty) KiB of pids; a vanished pid is an error."""
    tot = [0, 0, 0]
    for pid in pids:
        for k, v in enumerate(rollup(pid)):
            tot[k] += v
    return tot


def wait_running(dom):
    end = time.monotonic() + SETTLE
    while dom.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
        if time.monotonic() > end:
            raise RuntimeError("%s not running %d s after its start" % (dom.name(), SETTLE))
        time.sleep(0.005)


def start_one(dom):
    try:
        dom.create()
    except libvirt.libvirtError as e:
        raise RuntimeError("starting %s: %s" % (dom.name(), e)) from None
    wait_running(dom)


def in_parallel(uri, names, clients, work):
    """work(conn, name) for every name, by `clients` threads with a connection each; raises the
    first error once all threads are done."""
    todo = queue.Queue()
    for n in names:
        todo.put(n)
    errors = []

    def client():
        try:
            conn = libvirt.open(uri)
        except libvirt.libvirtError as e:
            errors.append(str(e))
            return
        try:
            while not errors:
                try:
                    name = todo.get_nowait()
                except queue.Empty:
                    return
                work(conn, name)
        except Exception as e:  # noqa: BLE001  (reported after the join)
            errors.append(str(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(min(clients, len(names)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])


def destroy(conn, name):
    with contextlib.suppress(libvirt.libvirtError):
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()


class Guests:
    """N defined domains of one emulator; remove() destroys and undefines them all."""

    def __init__(self, conn, uri, kind, emulator, n):
        self.conn, self.uri = conn, uri
        self.names = ["vwb-%d-%s-%d" % (os.getpid(), kind, i) for i in range(n)]
        self.doms = []
        for name in self.names:
            try:
                self.doms.append(conn.defineXML(DOMAIN.format(name=name, emulator=emulator)))
            except libvirt.libvirtError as e:
                self.remove()
                raise RuntimeError("defining %s (emulator %s): %s" % (name, emulator, e)) \
                    from None

    def destroy_all(self, clients):
        in_parallel(self.uri, [d.name() for d in self.doms], clients, destroy)

    def remove(self):
        with contextlib.suppress(RuntimeError):
            self.destroy_all(8)
        for dom in self.doms:
            with contextlib.suppress(libvirt.libvirtError):
                dom.undefine()
        self.doms = []


def measure(conn, uri, label, kind, emulator, n, clients, daemon_pid):
    g = Guests(conn, uri, kind, emulator, n)
    try:
        times = []
        for dom in g.doms:
            t0 = time.perf_counter()
            start_one(dom)
            times.append((time.perf_counter() - t0) * 1000)
        time.sleep(1.0)      # idle: what the start touched has settled
        pids = emulator_pids(g.names)
        if len(pids) != n:
            raise RuntimeError("%d of %d %s guests have an emulator process on this host "
                               "(missing: %s)" % (len(pids), n, label,
                                                  sorted(set(g.names) - set(pids))[:5]))
        pss, rss, dirty = memory(pids.values())
        lv_rss = rollup(daemon_pid)[1] if daemon_pid else None
        ours = set(g.names)
        running = sum(d.name() in ours
                      for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_RUNNING))
        g.destroy_all(clients)
        t0 = time.perf_counter()
        in_parallel(uri, g.names, clients, lambda c, name: start_one(c.lookupByName(name)))
        total = time.perf_counter() - t0
        row = {"emulator": label, "instances": n, "start_ms_median": statistics.median(times),
               "start_ms_max": max(times), "parallel_clients": min(clients, n),
               "parallel_total_s": total, "pss_kib": pss / n, "rss_kib": rss / n,
               "private_dirty_kib": dirty / n, "libvirtd_rss_kib": lv_rss,
               "running_domains": running}
    finally:
        g.remove()
    print("  %-20s %4d  %9.1f  %9.1f  %9.2f  %8.2f  %8.2f  %8.2f  %s" % (
        label, n, row["start_ms_median"], row["start_ms_max"], total, row["pss_kib"] / 1024,
        row["rss_kib"] / 1024, row["private_dirty_kib"] / 1024,
        "%.1f" % (lv_rss / 1024) if lv_rss else "-"), flush=True)
    return row


def ratios(rows, real_counts):
    out = []
    for n in real_counts:
        real = next(r for r in rows if r["emulator"] == "qemu-system-x86_64" and
                    r["instances"] == n)
        fake = next((r for r in rows if r["emulator"] == "fake-qemu" and r["instances"] == n),
                    None)
        if not fake:
            continue
        out.append({"instances": n, "pss": real["pss_kib"] / fake["pss_kib"],
                    "start": real["start_ms_median"] / fake["start_ms_median"],
                    "parallel": real["parallel_total_s"] / fake["parallel_total_s"]})
        print("  real QEMU / fake-qemu at %d: PSS per guest x%.1f, start x%.1f, %d started by "
              "%d client(s) x%.1f" % (n, out[-1]["pss"], out[-1]["start"], n,
                                    fake["parallel_clients"], out[-1]["parallel"]))
    return out


def counts(text):
    try:
        return [int(c) for c in text.split(",") if c]
    except ValueError:
        raise SystemExit("libvirtd_guests.py: counts are numbers separated by commas, not %r"
                         % text) from None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("--build", default=os.environ.get("VW_BUILD", "build"))
    ap.add_argument("--counts", default="1,50,500", help="fake guest counts")
    ap.add_argument("--real-counts", default="1,50", help="real TCG guest counts")
    ap.add_argument("--clients", type=int, default=8, help="parallel clients (default 8)")
    a = ap.parse_args()
    if libvirt is None:
        print("libvirtd_guests.py: python3-libvirt is not installed", file=sys.stderr)
        return 1
    build = os.path.abspath(a.build)
    fake_bin = os.path.join(build, "bin", "fake-qemu")
    if not os.access(fake_bin, os.X_OK):
        print("libvirtd_guests.py: no %s (run make)" % fake_bin, file=sys.stderr)
        return 1
    fake_counts, real_counts = counts(a.counts), counts(a.real_counts)
    if a.clients < 1 or min(fake_counts + real_counts, default=1) < 1:
        print("libvirtd_guests.py: --clients and every count must be at least 1", file=sys.stderr)
        return 2
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    libvirt.registerErrorHandler(lambda ctx, err: None, None)   # errors are raised, not printed
    with tempfile.TemporaryDirectory(prefix="vw-bench-lvguests.") as work:
        os.chmod(work, 0o755)
        qemu_conf = os.path.join(work, "qemu.conf")
        with open(qemu_conf, "w") as f:
            f.write(QEMU_CONF)
        mounts = ([(build, INSIDE), (qemu_conf, "/etc/libvirt/qemu.conf")] +
                  benchlib.podman_libvirtd.host_libs(fake_bin))
        daemon = benchlib.RealLibvirtd(work, mounts=mounts, env=[("VW_LIBVIRTD_REAPER", "1")])
        try:
            if daemon.daemon:
                emulators = {"fake": INSIDE + "/bin/fake-qemu", "real": REAL_QEMU}
            else:
                emulators = {"fake": fake_bin, "real": REAL_QEMU}
            uri = "qemu+unix:///system?socket=%s" % daemon.sock
            conn = libvirt.open(uri)
            print("guests through a real libvirtd: %s, emulator %s" % (daemon.where,
                                                                      emulators["fake"]))
            print("  %-20s %4s  %9s  %9s  %9s  %8s  %8s  %8s  %s" % (
                "emulator", "N", "start ms", "max ms", "%d cl. s" % a.clients, "PSS MiB",
                "RSS MiB", "PrivDirty", "libvirtd RSS MiB"), flush=True)
            rows = []
            for n in fake_counts:
                rows.append(measure(conn, uri, "fake-qemu", "fake", emulators["fake"], n,
                                    a.clients, libvirtd_pid(daemon.pid)))
            for n in real_counts:
                rows.append(measure(conn, uri, "qemu-system-x86_64", "real", emulators["real"],
                                    n, a.clients, libvirtd_pid(daemon.pid)))
            left = [d.name() for d in conn.listAllDomains()
                    if d.name().startswith("vwb-%d-" % os.getpid())]
            conn.close()
            if left:
                raise RuntimeError("domains left defined: %s" % ", ".join(left))
        except (RuntimeError, libvirt.libvirtError) as e:
            log = daemon.daemon.log_text()[-2000:] if daemon.daemon else ""
            print("libvirtd_guests.py: %s%s" % (e, "\nlibvirtd's log ends:\n" + log if log
                                                else ""), file=sys.stderr)
            return 1
        finally:
            daemon.stop()
    result = {"where": daemon.where, "rows": rows, "ratios": ratios(rows, real_counts),
              "goal_pss_ratio": GOAL_PSS_RATIO, "goal_guests": GOAL_GUESTS}
    held = [r["instances"] for r in rows if r["emulator"] == "fake-qemu" and
            r["running_domains"] >= r["instances"]]
    result["most_fake_guests_running"] = max(held) if held else 0
    benchlib.save("libvirtd_guests", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
