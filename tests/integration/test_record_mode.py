"""Record mode of both fakes: what acts on a recording connection before the upstream sees it,
and what a slow upstream does to a fast client.

- fake-qemu --record in front of a real QEMU: scenario stubs answer commands locally (the client
  gets the stub's answer; the command never goes upstream and is not in the trace); a stub's
  delayed "fallthrough" sends the command upstream after all, byte for byte; a c2s fault
  (disconnect_mid_command) drops the command before it is forwarded.
- backpressure, fake-libvirtd --record and fake-qemu --record, against a small Python upstream
  that does not read for a while: the client is slowed down, not disconnected; the proxy's
  memory stays bounded; the upstream receives exactly the client's bytes, and the trace's c2s
  records are those bytes too.
"""
import base64
import json
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pytest

from pytest_virtwire.process import ReadyProcess, start_private
from pytest_virtwire.qmp import QmpLine
from real_qemu import Qemu

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
FAKE_QEMU = BUILD / "bin" / "fake-qemu"
FAKE_LIBVIRTD = BUILD / "bin" / "fake-libvirtd"
VIRTC = BUILD / "bin" / "virtc"
TIMEOUT = 60
MiB = 1 << 20


# ---- processes -----------------------------------------------------------------------------------

class Proc:
    """A fake started with args by the plugin's ReadyProcess (waits for `ready`); stop() =
    SIGTERM, returns (rc, stderr)."""

    def __init__(self, args, env=None):
        for p in (FAKE_QEMU, FAKE_LIBVIRTD, VIRTC):
            if not os.access(str(p), os.X_OK):
                pytest.fail("%s not built (run make, or set VW_BUILD)" % p)
        try:
            self.fake = start_private(ReadyProcess, args, env=env)
        except RuntimeError as e:
            pytest.fail("%s did not become ready: %s" % (args[0], e))
        self.proc = self.fake.proc

    def stderr(self):
        return self.fake.stderr_text()

    def status(self, key):
        """A /proc/PID/status value in bytes (VmRSS, VmHWM)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        try:
            return self.fake.terminate(TIMEOUT)
        except AssertionError as e:
            pytest.fail(str(e))


def QmpRaw(path):
    """A raw QMP connection (the plugin's QmpLine), its greeting line read (.greeting_bytes):
    reply(bytes) returns the reply, events skipped."""
    return QmpLine(path, read_timeout=20, read_greeting=True)


def read_trace(path):
    lines = [l for l in pathlib.Path(path).read_text().splitlines() if l.strip()]
    return json.loads(lines[0]), [json.loads(l) for l in lines[1:]]


def c2s_bytes(recs, conn=None):
    """The client's bytes as the trace has them (what went upstream), per record."""
    return [base64.b64decode(r["raw"]) for r in recs
            if r["rec"] in ("msg", "data") and r["dir"] == "c2s" and
            (conn is None or r["conn"] == conn)]


@pytest.fixture
def tmp():
    d = pathlib.Path(tempfile.mkdtemp(prefix="vw-recmode-", dir="/tmp"))
    yield d
    shutil.rmtree(str(d), ignore_errors=True)


@pytest.fixture
def qemu(tmp):
    q = Qemu(tmp / "qemu.sock")
    yield q
    q.stop()


# ---- fake-qemu --record: stubs and c2s faults act before the command goes upstream -------------

CAPS = b'{"execute": "qmp_capabilities", "id": 1}\r\n'
NAME = b'{ "execute":"query-name",  "id": "n" }\r\n'
VERSION = b'{"execute":"query-version","id":"v"}\n'
STATUS = b'{"execute": "query-status", "id": {"deep": [1, 2]}}\r\n'


def test_qmp_stub_answers_locally_in_record_mode(tmp, qemu):
    scenario = tmp / "stubs.json"
    scenario.write_text(json.dumps({"protocol": "qmp", "stubs": [
        {"match": {"command": "query-name"}, "answer": {"return": {"name": "from-stub"}}},
        {"match": {"command": "query-version"},
         "answer": {"delay_ms": 200, "fallthrough": True}},
    ]}))
    trace = tmp / "stub.trace"
    fake = Proc([FAKE_QEMU, "--qmp", "unix:%s" % (tmp / "rec.sock"), "--record", trace,
                 "--upstream", "unix:" + qemu.sock, "--scenario", scenario])
    try:
        c = QmpRaw(tmp / "rec.sock")
        assert "QMP" in json.loads(c.greeting_bytes)    # QEMU's own greeting, relayed
        assert c.reply(CAPS) == {"return": {}, "id": 1}
        assert c.reply(NAME) == {"return": {"name": "from-stub"}, "id": "n"}
        v = c.reply(VERSION)                              # delayed fallthrough: QEMU answers
        assert v["id"] == "v" and v["return"]["qemu"]["major"] >= 5
        s = c.reply(STATUS)
        assert s["id"] == {"deep": [1, 2]} and "status" in s["return"]
        c.close()
        # virtc qmp sees the stub's answer too (its own connection through the recorder)
        r = subprocess.run([str(VIRTC), "qmp", "unix:%s" % (tmp / "rec.sock"), "query-name"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        assert "from-stub" in r.stdout
    finally:
        rc, err = fake.stop()
    assert rc == 0, err
    _, recs = read_trace(trace)
    # the trace is what QEMU got: the stubbed command is not there, the rest byte for byte
    assert c2s_bytes(recs, conn=1) == [CAPS, VERSION, STATUS]
    assert not any(b"query-name" in b for b in c2s_bytes(recs))
    # virtc's connection: its qmp_capabilities went upstream, its query-name did not
    assert [json.loads(b)["execute"] for b in c2s_bytes(recs, conn=2)] == ["qmp_capabilities"]
    # and no stub answer was recorded as if QEMU had said it
    s2c = [base64.b64decode(r["raw"]) for r in recs if r["rec"] == "msg" and r["dir"] == "s2c"]
    assert not any(b"from-stub" in b for b in s2c)


def test_qmp_c2s_fault_before_forwarding(tmp, qemu):
    faults = tmp / "faults.json"
    faults.write_text(json.dumps([
        {"type": "disconnect_mid_command", "direction": "c2s", "match": "query-status"}]))
    trace = tmp / "fault.trace"
    fake = Proc([FAKE_QEMU, "--qmp", "unix:%s" % (tmp / "rec.sock"), "--record", trace,
                 "--upstream", "unix:" + qemu.sock, "--faults", faults])
    try:
        c = QmpRaw(tmp / "rec.sock")
        assert c.reply(CAPS) == {"return": {}, "id": 1}
        c.send(STATUS)
        assert c.closed_by_peer(), "the disconnect fault did not close the connection"
        c.close()
        r = subprocess.run([str(VIRTC), "qmp", "--timeout", "5", "unix:%s" % (tmp / "rec.sock"),
                            "query-status"], capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode != 0
        assert "closed the connection while waiting for the reply to 'query-status'" in r.stderr
        # other commands still go through to QEMU
        r = subprocess.run([str(VIRTC), "qmp", "unix:%s" % (tmp / "rec.sock"), "query-name"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
    finally:
        rc, err = fake.stop()
    assert rc == 0, err
    _, recs = read_trace(trace)
    sent = c2s_bytes(recs)
    assert sent[0] == CAPS
    assert not any(b"query-status" in b for b in sent), "a dropped command reached QEMU"
    assert any(b"query-name" in b for b in sent)


# ---- backpressure: a slow upstream ------------------------------------------------------------

class SlowUpstream:
    """A unix-socket server that reads nothing until release() (the start-up probe's connection
    is ignored), then reads everything and answers with `reply` once `expect` bytes came."""

    def __init__(self, path, greeting, reply, expect):
        self.path = str(path)
        self.greeting, self.reply, self.expect = greeting, reply, expect
        self.received = bytearray()
        self.released = threading.Event()
        self.done = threading.Event()
        self.error = None
        self.ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ls.bind(self.path)
        self.ls.listen(4)
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        try:
            while True:
                s, _ = self.ls.accept()
                s.settimeout(TIMEOUT)
                try:
                    if self.greeting:
                        s.sendall(self.greeting)
                    first = s.recv(1, socket.MSG_PEEK)
                except OSError:
                    first = b""                   # the start-up probe, already gone
                if first:
                    break                     # the proxied client (the probe sends nothing)
                s.close()
            self.released.wait(TIMEOUT)
            while len(self.received) < self.expect:
                chunk = s.recv(256 * 1024)
                if not chunk:
                    raise EOFError("the proxy closed after %d bytes" % len(self.received))
                self.received += chunk
            if self.reply:
                s.sendall(self.reply)
            self.sock = s
        except Exception as e:                # reported by the test
            self.error = e
        finally:
            self.done.set()

    def release(self):
        self.released.set()

    def close(self):
        self.released.set()
        self.done.wait(TIMEOUT)
        if getattr(self, "sock", None):
            self.sock.close()
        self.ls.close()


def run_backpressure(fake_args, upstream, payload, reply_len, fake_env=None):
    """Client sends payload through the recorder while the upstream holds off for 2 s, then
    the upstream reads it all and replies. Returns (client bytes accepted while held, peak
    extra memory of the fake, bytes the client got back, the fake's (rc, stderr))."""
    fake = Proc(fake_args, env=fake_env)
    base = fake.status("VmRSS")
    peak = 0
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(TIMEOUT)
    sent = [0]
    send_error = []

    def send():
        try:
            view = memoryview(payload)
            while sent[0] < len(payload):
                sent[0] += client.send(view[sent[0]:sent[0] + 1024 * 1024])
        except OSError as e:
            send_error.append(e)

    try:
        client.connect(fake_args[2].split(":", 1)[1])
        t = threading.Thread(target=send, daemon=True)
        t.start()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:       # the upstream reads nothing meanwhile
            peak = max(peak, fake.status("VmRSS"))
            time.sleep(0.05)
        held = sent[0]
        upstream.release()
        while t.is_alive():
            peak = max(peak, fake.status("VmRSS"))
            t.join(0.05)
        got = b""
        while len(got) < reply_len:
            chunk = client.recv(65536)
            if not chunk:
                break
            got += chunk
        peak = max(peak, fake.status("VmHWM"))
    finally:
        client.close()
        upstream.close()
        result = fake.stop()
    assert not send_error, "the client was cut off: %s\n%s" % (send_error, result[1])
    assert upstream.error is None, "%s\n%s" % (upstream.error, result[1])
    return held, peak - base, got, result


def small_quarantine_env():
    """ASan keeps freed memory for a while (256 MB by default): too much for a memory bound."""
    opts = [o for o in os.environ.get("ASAN_OPTIONS", "").split(":") if o]
    return dict(os.environ, ASAN_OPTIONS=":".join(opts + ["quarantine_size_mb=16"]))


def libvirt_packet(serial, payload_len, typ=0):
    hdr = struct.pack(">IIIiii", 0x20008086, 1, 9999, typ, serial, 0)
    return struct.pack(">I", 4 + len(hdr) + payload_len) + hdr + bytes([serial & 0xFF]) * payload_len


def test_libvirtd_record_backpressure(tmp):
    # 80 MiB: more than the 64 MiB at which the recorder used to drop the client
    payload = b"".join(libvirt_packet(i, MiB - 28) for i in range(1, 81))
    reply = libvirt_packet(1, 8, typ=1)
    up = SlowUpstream(tmp / "up.sock", None, reply, len(payload))
    trace = tmp / "bp.trace"
    env = small_quarantine_env()
    held, extra, got, (rc, err) = run_backpressure(
        [FAKE_LIBVIRTD, "--listen", "unix:%s" % (tmp / "rec.sock"), "--record", trace,
         "--upstream", "unix:%s" % (tmp / "up.sock")], up, payload, len(reply), env)
    assert rc == 0, err
    assert held < 40 * MiB, "the recorder took %d bytes while the upstream read nothing" % held
    assert extra < 48 * MiB, "the recorder grew by %d bytes" % extra
    assert got == reply                     # the client is still connected, both ways
    assert bytes(up.received) == payload    # the upstream got exactly the client's bytes
    _, recs = read_trace(trace)
    c2s = c2s_bytes(recs)
    assert b"".join(c2s) == payload and len(c2s) == 80   # one msg record per packet
    assert [r["rec"] for r in recs][-1] == "close"


def test_qemu_record_backpressure(tmp):
    cmds = [b'{"execute": "vw-pad", "arguments": {"pad": "%s"}, "id": %d}\r\n'
            % (b"x" * (MiB - 64), i) for i in range(32)]
    payload = b"".join(cmds)
    greeting = b'{"QMP": {"version": {}, "capabilities": []}}\r\n'
    reply = b'{"return": {}, "id": 31}\r\n'
    up = SlowUpstream(tmp / "up.sock", greeting, reply, len(payload))
    trace = tmp / "bp.trace"
    env = small_quarantine_env()
    held, extra, got, (rc, err) = run_backpressure(
        [FAKE_QEMU, "--qmp", "unix:%s" % (tmp / "rec.sock"), "--record", trace,
         "--upstream", "unix:%s" % (tmp / "up.sock")], up, payload,
        len(greeting) + len(reply), env)
    assert rc == 0, err
    assert held < 24 * MiB, "the recorder took %d bytes while the upstream read nothing" % held
    assert extra < 48 * MiB, "the recorder grew by %d bytes" % extra
    assert got == greeting + reply
    assert bytes(up.received) == payload
    _, recs = read_trace(trace)
    assert c2s_bytes(recs) == cmds          # one msg record per command, byte for byte


def test_qemu_record_forwards_exact_bytes_in_any_pieces(tmp):
    """Commands cut anywhere, whitespace in reads of its own, a parse error, a trailing
    unfinished value: the upstream and the trace get the client's bytes exactly."""
    stream = (b'  \n{"execute":"qmp_capabilities"}\r\n'
              b'{ "execute" : "query-status", "id" : 1.50e1 }\n\n'
              b'{"execute":"x","arguments":{"s":"\\u00e9\\"}"}}'
              b'\r\n'
              b'}{"bad"\n'
              b'{"execute":"query-name","id":[{"a":null}]}\r\n'
              b'{"execute":"unfinished"')
    cuts = [0, 1, 3, 10, 36, 37, 38, 60, 90, 91, 95, 120, 121, 130, 150, len(stream)]
    greeting = b'{"QMP": {"version": {}, "capabilities": []}}\r\n'
    up = SlowUpstream(tmp / "up.sock", greeting, b"", len(stream))
    up.release()
    trace = tmp / "exact.trace"
    fake = Proc([FAKE_QEMU, "--qmp", "unix:%s" % (tmp / "rec.sock"), "--record", trace,
                 "--upstream", "unix:%s" % (tmp / "up.sock")])
    try:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(20)
        c.connect(str(tmp / "rec.sock"))
        for a, b in zip(cuts, cuts[1:]):
            c.sendall(stream[a:b])
            time.sleep(0.02)              # separate reads (the result must not depend on it)
        c.close()                         # the unfinished value goes upstream at the close
        assert up.done.wait(TIMEOUT), "the upstream got %d of %d bytes" % (
            len(up.received), len(stream))
    finally:
        up.close()
        rc, err = fake.stop()
    assert rc == 0, err
    assert up.error is None, up.error
    assert bytes(up.received) == stream
    _, recs = read_trace(trace)
    assert b"".join(c2s_bytes(recs)) == stream
