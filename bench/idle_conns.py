#!/usr/bin/python3
"""Opens N connections to a libvirt daemon socket, does the handshake on each (AUTH_LIST,
CONNECT_OPEN test:///default), keeps them idle, and prints the daemon's resident memory.

    bench/idle_conns.py SOCKET PID [N]      (N defaults to 1000)
"""
import resource
import socket
import struct
import sys

REMOTE = 0x20008086


def call(sock, proc, serial, payload=b""):
    body = struct.pack(">IIiiIi", REMOTE, 1, proc, 0, serial, 0) + payload
    sock.sendall(struct.pack(">I", len(body) + 4) + body)
    while True:
        head = b""
        while len(head) < 4:
            chunk = sock.recv(4 - len(head))
            if not chunk:
                raise EOFError("daemon closed the connection")
            head += chunk
        (length,) = struct.unpack(">I", head)
        body = b""
        while len(body) < length - 4:
            chunk = sock.recv(length - 4 - len(body))
            if not chunk:
                raise EOFError("daemon closed the connection")
            body += chunk
        prog, _, p, mtype, ser, status = struct.unpack(">IIiiIi", body[:24])
        if mtype == 1 and ser == serial:
            if status != 0:
                raise RuntimeError("call %d failed" % proc)
            return body[24:]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2
    path, pid = sys.argv[1], int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) == 4 else 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    before = rss_kib(pid)
    name = b"test:///default"
    open_args = struct.pack(">I", 1) + struct.pack(">I", len(name)) + name + b"\0" + struct.pack(">I", 0)
    conns = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        call(s, 66, 0)
        call(s, 1, 1, open_args)
        conns.append(s)
    after = rss_kib(pid)
    print("idle connections: %d open, daemon RSS %.1f MiB before, %.1f MiB after (goal < 16 MiB)"
          % (len(conns), before / 1024, after / 1024))
    for s in conns:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
