#!/usr/bin/python3
"""Start-up time of a server to its `ready` line: median and max over N starts.

    bench/startup.py N PROGRAM ARGS...     ({sock} in ARGS is replaced by a fresh socket path)
"""
import os
import sys
import tempfile
import time

# the pytest plugin's package starts the programs (bench/ runs from a source tree)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytest-plugin"))
from pytest_virtwire.process import ReadyProcess  # noqa: E402


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2
    n, argv = int(sys.argv[1]), sys.argv[2:]
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            sock = os.path.join(tmp, "s%d.sock" % i)
            args = [a.replace("{sock}", sock) for a in argv]
            t0 = time.perf_counter()
            try:
                p = ReadyProcess(tmp, args, name="s%d" % i, ready_timeout=10)
            except RuntimeError as e:
                print("startup: %s" % e, file=sys.stderr)
                return 1
            t1 = time.perf_counter()
            p.terminate(timeout=10)
            times.append((t1 - t0) * 1000)
    times.sort()
    print("%s start-up to ready: median %.1f ms, max %.1f ms over %d starts (goal < 10 ms)"
          % (os.path.basename(argv[0]), times[len(times) // 2], times[-1], n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
