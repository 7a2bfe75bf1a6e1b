#!/usr/bin/python3
"""Start-up time of a server to its `ready` line: median and max over N starts.

    bench/startup.py N PROGRAM ARGS...     ({sock} in ARGS is replaced by a fresh socket path)
"""
import os
import subprocess
import sys
import tempfile
import time


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
            p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            line = p.stdout.readline()
            t1 = time.perf_counter()
            p.terminate()
            p.wait(timeout=10)
            if line.strip() != b"ready":
                print("startup: %s printed %r, not ready: %s" % (args[0], line, p.stderr.read()),
                      file=sys.stderr)
                return 1
            times.append((t1 - t0) * 1000)
    times.sort()
    print("%s start-up to ready: median %.1f ms, max %.1f ms over %d starts (goal < 10 ms)"
          % (os.path.basename(argv[0]), times[len(times) // 2], times[-1], n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
