#!/usr/bin/python3
"""make bench (replay part): fake-libvirtd --replay of a 100,000-message trace, in messages per
second, side by side with the same calls against fake-libvirtd in model mode, through
fake-libvirtd --record (proxying to the model-mode fake), and the raw socket limit (a 28-byte
call echoed as a 36-byte reply over a socketpair). The trace is recorded in the run itself:
bench/replay_bench.c's client does AUTH_LIST, CONNECT_OPEN and REPLAY_CALLS (default 50,000)
CONNECT_GET_LIB_VERSION calls through the recorder, one call in flight (window 1), then again
with REPLAY_WINDOW (default 16) calls in flight.
  VW_BUILD       build directory (default build)
  REPLAY_CALLS   calls per run (default 50000: 100,000 messages)
  REPLAY_WINDOW  calls in flight for the pipelined column (default 16)
bench/replay_modes.py scale: how replay grows: for each count in REPLAY_SCALE (calls, default
50000,500000: 100,000- and 1,000,000-message traces) a trace recorded in the run is replayed;
prints load time (start to ready), resident memory once loaded, replay rate and its ratio to the
raw socket, and the growth of each over the first count. Recorded and replayed with
REPLAY_WINDOW calls in flight (one in flight, the recorder would take minutes for 1,000,000).
Every fake-libvirtd is started and stopped by the pytest plugin's ReadyProcess (bench/benchlib.py).
"""
import contextlib
import json
import os
import subprocess
import sys
import tempfile

import benchlib
from pytest_virtwire.process import rss_kib

B = os.environ.get("VW_BUILD", "build")
FAKE = os.path.join(B, "bin", "fake-libvirtd")
BENCH = os.path.join(B, "bin", "replay_bench")


class Failed(Exception):
    pass


def bench(*args):
    """replay_bench's one line ("MODE N messages in T s = RATE msg/s"); Failed on an error."""
    p = subprocess.run([BENCH] + [str(a) for a in args], stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise Failed("replay_bench %s exited with status %d" % (args[0], p.returncode))
    return p.stdout.strip()


def rate(line):
    """The rate of a replay_bench line (its next-to-last word)."""
    return line.split()[-2]


def messages(trace):
    with open(trace) as f:
        return sum(1 for line in f if '"rec":"msg"' in line)


def unmatched(report):
    with open(report) as f:
        return json.load(f)["unmatched"]


class Fakes:
    """fake-libvirtd processes started in tmp (ReadyProcess through benchlib.fake), all stopped
    when the run ends; start() returns one, stop() ends it early."""

    def __init__(self, stack, tmp):
        self.stack, self.tmp = stack, tmp

    def sock(self, name):
        return os.path.join(self.tmp, name + ".sock")

    def start(self, name, *args):
        try:
            return self.stack.enter_context(
                benchlib.fake(FAKE, ["--listen", "unix:" + self.sock(name)] + list(args),
                              timeout=30))
        except benchlib.NotReady as e:
            raise Failed("fake-libvirtd (%s) did not start:\n%s" % (name, e)) from None

    def record(self, name, trace, upstream):
        return self.start(name, "--record", trace, "--upstream", "unix:" + self.sock(upstream))

    @staticmethod
    def stop(proc):
        """SIGTERM, wait; its standard error."""
        return proc.terminate()[1]


def scale(fakes, tmp, win):
    fakes.start("model")
    print("replay growth, %s calls in flight (the raw socket: one)" % win)
    print("%-9s %9s %11s %14s %14s %10s" % ("messages", "load s", "memory MiB", "replay msg/s",
                                            "raw msg/s", "raw/replay"))
    out = os.environ.get("BENCH_OUT") or os.path.join(B, "bench")
    os.makedirs(out, exist_ok=True)
    trace, report = os.path.join(tmp, "s.trace"), os.path.join(tmp, "s.json")
    first = None
    with open(os.path.join(out, "replay_scale.tsv"), "w") as tsv:
        for calls in os.environ.get("REPLAY_SCALE", "50000,500000").split(","):
            rec = fakes.record("rec", trace, "model")
            bench("client", fakes.sock("rec"), calls, win)
            fakes.stop(rec)
            msgs = messages(trace)
            rp_fake = fakes.start("rp", "--replay", trace, "--replay-report", report)
            rss = rss_kib(rp_fake.pid)
            rp = rate(bench("client", fakes.sock("rp"), calls, win))
            fakes.stop(rp_fake)
            if unmatched(report) != 0:
                raise Failed("unmatched calls in the %d-message replay" % msgs)
            pp = rate(bench("pingpong", calls))
            line = "%d %.3f %.1f %d %d %.2f" % (msgs, rp_fake.load_seconds, rss / 1024, int(rp),
                                                int(pp), int(pp) / int(rp))
            first = first or line
            tsv.write(line + "\n")
            now, then = [float(x) for x in line.split()], [float(x) for x in first.split()]
            print("%-9d %9.3f %11.1f %14d %14d %10.2f   over %d messages: load x%.2f, memory "
                  "x%.2f, raw/replay x%.2f" % (now[0], now[1], now[2], now[3], now[4], now[5],
                                               then[0], now[1] / then[1], now[2] / then[2],
                                               now[5] / then[5]))
            os.remove(trace)
            os.remove(report)


def modes(fakes, tmp, calls, win):
    path = lambda name: os.path.join(tmp, name)  # noqa: E731
    pp = bench("pingpong", calls)
    fakes.start("model")
    model1 = bench("client", fakes.sock("model"), calls)
    modelw = bench("client", fakes.sock("model"), calls, win)

    rec = fakes.record("rec", path("run.trace"), "model")
    rec1 = bench("client", fakes.sock("rec"), calls)
    fakes.stop(rec)
    msgs = messages(path("run.trace"))

    rp = fakes.start("replay", "--replay", path("run.trace"), "--replay-report",
                     path("report.json"))
    rp1 = bench("client", fakes.sock("replay"), calls)
    err = fakes.stop(rp)
    if unmatched(path("report.json")) != 0:
        raise Failed("the replay had unmatched calls:\n" + err)

    rpu = fakes.start("replayu", "--replay", path("run.trace"), "--replay-match", "unordered")
    rpu1 = bench("client", fakes.sock("replayu"), calls)
    fakes.stop(rpu)

    # the pipelined column: a second recording, made with the window, replayed with the window
    rec = fakes.record("recw", path("runw.trace"), "model")
    recw = bench("client", fakes.sock("recw"), calls, win)
    fakes.stop(rec)
    rpw_fake = fakes.start("replayw", "--replay", path("runw.trace"))
    rpw = bench("client", fakes.sock("replayw"), calls, win)
    fakes.stop(rpw_fake)

    print("replay bench: %d-message trace (%s CONNECT_GET_LIB_VERSION calls + replies and the"
          % (msgs, calls))
    print("handshake), loaded and listening in %.2f s" % rp.load_seconds)
    print("%-34s %15s %15s" % ("mode", "1 in flight", "%s in flight" % win))
    for name, one, windowed in (("raw socketpair echo (ceiling)", pp, None),
                                ("fake-libvirtd model", model1, modelw),
                                ("fake-libvirtd --replay (strict)", rp1, rpw),
                                ("fake-libvirtd --replay unordered", rpu1, None),
                                ("fake-libvirtd --record (to model)", rec1, recw)):
        if windowed:
            print("%-34s %9s msg/s %9s msg/s" % (name, rate(one), rate(windowed)))
        else:
            print("%-34s %9s msg/s %15s" % (name, rate(one), "-"))
    p, m, r = float(rate(pp)), float(rate(model1)), float(rate(rp1))
    print("ratios (1 in flight): replay/model = %.2f, raw/replay = %.2f" % (r / m, p / r))


def main(argv):
    os.chdir(benchlib.REPO)            # VW_BUILD is relative to the tree, as make bench gives it
    if argv[:1] in (["--help"], ["-h"]):
        print(__doc__.strip())
        return 0
    if argv not in ([], ["scale"]):
        print("replay_modes: usage: bench/replay_modes.py [scale] (options are environment "
              "variables; see --help)", file=sys.stderr)
        return 2
    for program in (FAKE, BENCH):
        if not os.access(program, os.X_OK):
            print("replay_modes: no %s: build it first (make all bench-bins), or set VW_BUILD"
                  % program, file=sys.stderr)
            return 1
    calls = os.environ.get("REPLAY_CALLS", "50000")
    win = os.environ.get("REPLAY_WINDOW", "16")
    with tempfile.TemporaryDirectory(prefix="vw-replay-bench.") as tmp, \
            contextlib.ExitStack() as stack:
        fakes = Fakes(stack, tmp)
        try:
            if argv == ["scale"]:
                scale(fakes, tmp, win)
            else:
                modes(fakes, tmp, calls, win)
        except Failed as e:
            print("replay_bench: %s" % e, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
