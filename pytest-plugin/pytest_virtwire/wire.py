"""A raw client of libvirt's RPC wire protocol, for tests that must send what no real client sends
(bogus procedures, keepalive packets, stray replies, broken framing) and read the packets as they
are. Shipped with the pytest plugin (pytest_virtwire.wire); the conformance suite
(conformance/libvirt/harness.py), the fake-libvirtd integration tests
(tests/integration/fake_libvirtd_fixtures.py) and the benchmarks import it.

Every read has the socket's timeout: a daemon that does not answer fails the test, never hangs it.
"""
import socket
import struct

REMOTE_PROGRAM = 0x20008086
KEEPALIVE_PROGRAM = 0x6B656570
CALL, REPLY, MESSAGE = 0, 1, 2
OK, ERROR = 0, 1
MAX_PACKET = 32 * 1024 * 1024   # above libvirt's largest packet (VIR_NET_MESSAGE_MAX + length)
MAX_PENDING = 10000             # packets call() keeps while waiting for its reply


def xdr_string(s):
    """An XDR string: length word, bytes, padding to 4."""
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


class RawConn:
    """Speaks libvirt's RPC framing directly on a unix socket."""

    def __init__(self, path, timeout=15):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.pending = []   # packets call() read while waiting for its reply, for recv()

    def send(self, proc, serial, payload=b"", prog=REMOTE_PROGRAM, vers=1, mtype=CALL, status=OK):
        body = struct.pack(">IIiiIi", prog, vers, proc, mtype, serial, status) + payload
        self.sock.sendall(struct.pack(">I", len(body) + 4) + body)

    def send_bytes(self, data):
        """Bytes as they are (broken framing, several packets in one write)."""
        self.sock.sendall(data)

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed by the daemon")
            buf += chunk
        return buf

    def recv(self):
        """((prog, vers, proc, type, serial, status), payload); packets call() read while it
        waited for its reply come first, in arrival order."""
        if self.pending:
            return self.pending.pop(0)
        return self._recv_wire()

    def _recv_wire(self):
        (length,) = struct.unpack(">I", self._read(4))
        if length < 28 or length > MAX_PACKET:
            raise ValueError("bad packet length %d from the daemon" % length)
        body = self._read(length - 4)
        return struct.unpack(">IIiiIi", body[:24]), body[24:]

    def call(self, proc, serial, payload=b"", **kw):
        """Sends a call and returns the reply with the same serial. Other packets read meanwhile
        (events, keepalive) are kept for recv(): libvirtd may send an event before the reply of
        the call that caused it."""
        self.send(proc, serial, payload, **kw)
        for _ in range(MAX_PENDING):
            hdr, body = self._recv_wire()
            if hdr[3] == REPLY and hdr[4] == serial:
                return hdr, body
            self.pending.append((hdr, body))
        raise AssertionError("no reply with serial %d among %d packets" % (serial, MAX_PENDING))

    def open(self, name="test:///default", readonly=False):
        """AUTH_LIST then CONNECT_OPEN (name, flags); both must succeed."""
        hdr, body = self.call(66, 0)  # AUTH_LIST
        assert hdr[5] == OK, decode_error(body)
        hdr, body = self.call(1, 1, struct.pack(">I", 1) + xdr_string(name)
                              + struct.pack(">I", 1 if readonly else 0))  # CONNECT_OPEN
        assert hdr[5] == OK, decode_error(body)

    def close(self):
        self.sock.close()


def _opt_string(b, o):
    (flag,) = struct.unpack(">I", b[o:o + 4])
    o += 4
    if not flag:
        return None, o
    (n,) = struct.unpack(">I", b[o:o + 4])
    return b[o + 4:o + 4 + n].decode(errors="replace"), o + 4 + ((n + 3) // 4) * 4


def decode_error(b, full=True):
    """The remote_error of an ERROR reply: code, domain, message, level; with full=True also
    str1..str3, int1, int2, whether a network is named (net) and how many bytes follow
    (trailing). A domain in the error (dom != NULL, which libvirtd never sends) is refused."""
    code, domain = struct.unpack(">ii", b[:8])
    msg, o = _opt_string(b, 8)
    (level,) = struct.unpack(">i", b[o:o + 4])
    out = {"code": code, "domain": domain, "message": msg, "level": level}
    if not full:
        return out
    (hasdom,) = struct.unpack(">I", b[o + 4:o + 8])
    o += 8
    if hasdom != 0:
        raise ValueError("remote_error names a domain; this decoder does not read one")
    out["str1"], o = _opt_string(b, o)
    out["str2"], o = _opt_string(b, o)
    out["str3"], o = _opt_string(b, o)
    out["int1"], out["int2"], out["net"] = struct.unpack(">iiI", b[o:o + 12])
    out["trailing"] = len(b) - o - 12
    return out
