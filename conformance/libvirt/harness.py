"""Helpers of the libvirt conformance suite: running virtc and virsh against a target, and a raw
RPC client for what the clients cannot send (bogus procedures, keepalive packets)."""
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import threading

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
VIRTC = BUILD / "bin" / "virtc"
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
PROC_TIMEOUT = 120

# ---- python3-libvirt with an event loop (keepalive and events need one) --------------------------

_loop_lock = threading.Lock()
_loop_started = False


def libvirt_module():
    """python3-libvirt, with the default event loop registered and running in a daemon thread."""
    global _loop_started
    import libvirt
    with _loop_lock:
        if not _loop_started:
            libvirt.registerErrorHandler(lambda ctx, err: None, None)
            libvirt.virEventRegisterDefaultImpl()

            def run():
                while True:
                    libvirt.virEventRunDefaultImpl()
            threading.Thread(target=run, name="libvirt-events", daemon=True).start()
            _loop_started = True
    return libvirt


def lv_error(exc):
    """code / domain / message of a libvirtError, for recording and asserting."""
    return {"code": exc.get_error_code(), "domain": exc.get_error_domain(),
            "message": exc.get_error_message()}


# ---- running the clients -------------------------------------------------------------------------

def clean_env():
    env = dict(os.environ)
    env.pop("LIBVIRT_DEFAULT_URI", None)
    env.pop("VIRSH_DEFAULT_CONNECT_URI", None)
    env["LC_ALL"] = "C"
    env["LIBVIRT_AUTOSTART"] = "0"
    return env


def run_virtc(target, *args, readonly=False, timeout=PROC_TIMEOUT):
    if not os.access(str(VIRTC), os.X_OK):
        pytest.fail("%s not built (run make, or set VW_BUILD)" % VIRTC)
    cmd = [str(VIRTC), "-c", target.uri] + (["-r"] if readonly else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=clean_env())


def run_virsh(target, *args, readonly=False, timeout=PROC_TIMEOUT):
    cmd = [VIRSH] + (["-r"] if readonly else []) + ["-c", target.uri] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=clean_env())


def out_lines(text):
    lines = text.rstrip("\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def err_lines(text):
    return [line for line in text.splitlines() if line.strip()]


# ---- a raw wire client (for what the clients cannot send) --------------------------------------

REMOTE_PROGRAM = 0x20008086
KEEPALIVE_PROGRAM = 0x6B656570
CALL, REPLY, MESSAGE = 0, 1, 2
OK, ERROR = 0, 1


def xdr_string(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


class RawConn:
    """Speaks libvirt's RPC framing directly on a unix socket. Every read has a timeout."""

    def __init__(self, path, timeout=15):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.pending = []   # packets call() read while waiting for its reply, for recv()

    def send(self, proc, serial, payload=b"", prog=REMOTE_PROGRAM, vers=1, mtype=CALL, status=OK):
        body = struct.pack(">IIiiIi", prog, vers, proc, mtype, serial, status) + payload
        self.sock.sendall(struct.pack(">I", len(body) + 4) + body)

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
        if length < 28 or length > 32 * 1024 * 1024:
            raise ValueError("bad packet length %d" % length)
        body = self._read(length - 4)
        return struct.unpack(">IIiiIi", body[:24]), body[24:]

    def call(self, proc, serial, payload=b"", **kw):
        """Sends a call and returns the reply with the same serial. Other packets read meanwhile
        (events, keepalive) are kept for recv(): libvirtd may send an event before the reply of
        the call that caused it."""
        self.send(proc, serial, payload, **kw)
        for _ in range(100):
            hdr, body = self._recv_wire()
            if hdr[3] == REPLY and hdr[4] == serial:
                return hdr, body
            self.pending.append((hdr, body))
        raise AssertionError("no reply with serial %d among 100 packets" % serial)

    def open(self, name="test:///default", readonly=False):
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


def decode_error(b):
    """The remote_error of an ERROR reply: code, domain, message, level."""
    code, domain = struct.unpack(">ii", b[:8])
    msg, o = _opt_string(b, 8)
    (level,) = struct.unpack(">i", b[o:o + 4])
    return {"code": code, "domain": domain, "message": msg, "level": level}
