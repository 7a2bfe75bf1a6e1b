#!/usr/bin/python3
"""Starts fake-libvirtd (PROGRAM) on a private socket through the pytest plugin's ReadyProcess
(bench/benchlib.py), opens N connections to it, does the handshake on each (AUTH_LIST,
CONNECT_OPEN test:///default), keeps them idle, and prints the daemon's resident memory.

    bench/idle_conns.py PROGRAM [N]      (N defaults to 1000)
"""
import os
import resource
import sys
import tempfile

import benchlib
from pytest_virtwire.process import rss_kib
from pytest_virtwire.wire import RawConn


def measure(path, pid, n):
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


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 1000
    with tempfile.TemporaryDirectory(prefix="vw-idle.") as tmp:
        sock = os.path.join(tmp, "fake.sock")
        try:
            with benchlib.fake_libvirtd(sys.argv[1], sock, timeout=30) as fake:
                measure(sock, fake.pid, n)
        except benchlib.NotReady as e:
            print("idle_conns: %s" % e, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
