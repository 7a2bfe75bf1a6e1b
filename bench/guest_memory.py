#!/usr/bin/python3
"""Memory and start-up of idle emulators (issue 12 item 4): N idle fake-qemu processes next to N
idle qemu-system-x86_64 (-machine pc,accel=tcg -m 64 -S), all alive at once, started directly
(not through libvirtd). Per guest: proportional set size (PSS, /proc/PID/smaps_rollup: read-only
pages shared by the instances, such as fake-qemu's recorded schemas in its .rodata, are divided
among them), RSS and private dirty memory; start-to-ready time (median and max). The ratios are
real QEMU over fake-qemu.

Three ways to start:
  fake-qemu (QEMU options)  as libvirtd runs an emulator: -S -no-user-config -nodefaults
                            -name guest=gN -machine pc,accel=tcg -m 64
                            -qmp unix:PATH,server=on,wait=off -pidfile P -daemonize; ready is
                            when the first process exits (the monitor accepts), as with QEMU
  fake-qemu (own options)   --qmp unix:PATH --prelaunch --name gN, started by the pytest
                            plugin's ReadyProcess (bench/benchlib.py); ready is its `ready` line
  qemu-system-x86_64        the QEMU options above

    bench/guest_memory.py [--build DIR] [--counts 1,50,500] [--real-counts 1,50]
                          [--qemu PATH]
Results: BENCH_OUT/guest_memory.json (benchlib.save).
"""
import argparse
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

GOAL_PSS_MIB = 2.0   # issue 12: a twentieth of a TCG guest


def rollup(pid):
    """(Pss, Rss, Private_Dirty) of pid in KiB."""
    vals = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0] in ("Pss:", "Rss:", "Private_Dirty:"):
                vals[parts[0][:-1]] = int(parts[1])
    return vals["Pss"], vals["Rss"], vals["Private_Dirty"]


def qemu_argv(binary, tmp, i):
    return [binary, "-S", "-no-user-config", "-nodefaults", "-name", "guest=g%d" % i,
            "-machine", "pc,accel=tcg", "-m", "64",
            "-qmp", "unix:%s/q%d.sock,server=on,wait=off" % (tmp, i),
            "-pidfile", "%s/q%d.pid" % (tmp, i), "-daemonize"]


def start_daemonized(binary, tmp, i):
    """Starts one emulator with QEMU's options and -daemonize; (pid, ms to ready)."""
    t0 = time.perf_counter()
    r = subprocess.run(qemu_argv(binary, tmp, i), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    ms = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (binary, r.returncode, r.stderr.strip()))
    with open("%s/q%d.pid" % (tmp, i)) as f:
        return int(f.read().split()[0]), ms


def stop_pids(pids):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for pid in pids:
        while time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.01)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def summary(label, n, pids, times):
    time.sleep(1.0)   # idle: whatever start-up touched has settled
    pss = rss = dirty = 0
    for pid in pids:
        p, r, d = rollup(pid)
        pss, rss, dirty = pss + p, rss + r, dirty + d
    times = sorted(times)
    row = {"emulator": label, "instances": n, "pss_kib": pss / n, "rss_kib": rss / n,
           "private_dirty_kib": dirty / n, "start_ms_median": times[len(times) // 2],
           "start_ms_max": times[-1]}
    print("  %-27s %4d  %8.2f  %8.2f  %8.2f  %9.1f  %9.1f" % (
        label, n, row["pss_kib"] / 1024, row["rss_kib"] / 1024,
        row["private_dirty_kib"] / 1024, row["start_ms_median"], row["start_ms_max"]),
        flush=True)
    return row


def run_daemonized(label, binary, n):
    pids, times = [], []
    with benchlib.tmpdir("vw-bench-guests.") as tmp:
        try:
            for i in range(n):
                pid, ms = start_daemonized(binary, tmp, i)
                pids.append(pid)
                times.append(ms)
            return summary(label, n, pids, times)
        finally:
            stop_pids(pids)


def run_ready_process(fake_qemu, n):
    times, pids = [], []
    with benchlib.tmpdir("vw-bench-guests.") as tmp, contextlib.ExitStack() as stack:
        for i in range(n):
            p = stack.enter_context(benchlib.fake(fake_qemu, [
                "--qmp", "unix:%s/q%d.sock" % (tmp, i), "--prelaunch", "--name", "g%d" % i]))
            times.append(p.load_seconds * 1000)
            pids.append(p.proc.pid)
        return summary("fake-qemu (own options)", n, pids, times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("VW_BUILD", "build"))
    ap.add_argument("--counts", default="1,50,500")
    ap.add_argument("--real-counts", default="1,50")
    ap.add_argument("--qemu", default=shutil.which("qemu-system-x86_64"))
    a = ap.parse_args()
    # each instance started through ReadyProcess holds a pipe and a log file open here
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    fake_qemu = os.path.join(a.build, "bin", "fake-qemu")
    counts = [int(c) for c in a.counts.split(",") if c]
    real_counts = [int(c) for c in a.real_counts.split(",") if c] if a.qemu else []
    print("idle emulators, per guest:  %4s  %8s  %8s  %8s  %9s  %9s" % (
        "N", "PSS MiB", "RSS MiB", "PrivDirty", "start ms", "max ms"))
    rows = []
    for n in counts:
        rows.append(run_daemonized("fake-qemu (QEMU options)", fake_qemu, n))
        rows.append(run_ready_process(fake_qemu, n))
    for n in real_counts:
        rows.append(run_daemonized("qemu-system-x86_64", a.qemu, n))
    if not a.qemu:
        print("  (no qemu-system-x86_64 on PATH: no real QEMU rows)")
    ratios = []
    for n in real_counts:
        real = next(r for r in rows if r["emulator"] == "qemu-system-x86_64" and
                    r["instances"] == n)
        fake = next((r for r in rows if r["emulator"] == "fake-qemu (QEMU options)" and
                     r["instances"] == n), None)
        if fake:
            ratios.append({"instances": n, "pss": real["pss_kib"] / fake["pss_kib"],
                           "start": real["start_ms_median"] / fake["start_ms_median"]})
            print("  real QEMU / fake-qemu at %d: PSS per guest x%.1f, start-up x%.1f"
                  % (n, ratios[-1]["pss"], ratios[-1]["start"]))
    worst = max(r["pss_kib"] for r in rows if r["emulator"].startswith("fake-qemu")) / 1024
    print("  goal: idle fake-qemu PSS per guest <= %.1f MiB: %s (worst %.2f MiB)"
          % (GOAL_PSS_MIB, "met" if worst <= GOAL_PSS_MIB else "NOT met", worst))
    benchlib.save("guest_memory", {"rows": rows, "ratios": ratios,
                                   "goal_pss_mib": GOAL_PSS_MIB, "worst_pss_mib": worst})
    return 0


if __name__ == "__main__":
    sys.exit(main())
