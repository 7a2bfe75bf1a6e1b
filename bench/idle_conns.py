#!/usr/bin/python3
"""Opens N connections to a libvirt daemon socket, does the handshake on each (AUTH_LIST,
CONNECT_OPEN test:///default), keeps them idle, and prints the daemon's resident memory.

    bench/idle_conns.py SOCKET PID [N]      (N defaults to 1000)
"""
import os
import resource
import sys

# the raw wire client and the memory reading of the pytest plugin's package (bench/ runs from a
# source tree)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytest-plugin"))
from pytest_virtwire.process import rss_kib  # noqa: E402
from pytest_virtwire.wire import RawConn  # noqa: E402


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2
    path, pid = sys.argv[1], int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) == 4 else 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    before = rss_kib(pid)
    conns = []
    for _ in range(n):
        c = RawConn(path, timeout=10)
        c.open()                      # AUTH_LIST, CONNECT_OPEN test:///default
        conns.append(c)
    after = rss_kib(pid)
    print("idle connections: %d open, daemon RSS %.1f MiB before, %.1f MiB after (goal < 16 MiB)"
          % (len(conns), before / 1024, after / 1024))
    for c in conns:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
