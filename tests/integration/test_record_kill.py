"""Nothing the peer said is lost (issue 13): a recorder killed with SIGKILL under load leaves a
trace that holds every message either side had received from it, because each record is
written to the file before its message is forwarded (docs/trace-format.md, "Durability").
And a trace whose last line was cut is read with --allow-truncated by vwtrace show, pcap, diff
and both fakes' --replay, while damage anywhere else is still refused.

The recorders are fake-libvirtd --record in front of a model-mode fake-libvirtd, vwtrace
record-libvirt in front of the same, and fake-qemu --record in front of a model-mode fake-qemu.
Clients pipeline cheap calls and keep every whole reply they receive; the recorder is killed
once every client has received at least MIN_REPLIES replies, while they are still sending, so
the kill does not depend on timing. With the old recorders (records batched, on disk up to
100 ms late) hundreds of received replies were missing from such a trace.
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import BUILD, REPO
from fake_libvirtd_fixtures import RawClient

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd, fake_qemu  # noqa: E402,F401  (fixtures)
from pytest_virtwire.process import ReadyProcess  # noqa: E402
from pytest_virtwire.qmp import QmpLine  # noqa: E402

VWTRACE = os.path.join(os.environ["VW_BUILD"], "bin", "vwtrace")
TRACES = REPO / "tests" / "integration" / "data" / "traces"

CLIENTS = 4
IN_FLIGHT = 32              # calls each client keeps pipelined
MIN_REPLIES = 3000          # per client, before the kill
SYNC_MIN_REPLIES = 200      # the same with --record-sync (one fdatasync per batch: slower)
WAIT_LIMIT = 120            # seconds to reach MIN_REPLIES (a slow ASan build), else the test fails

GET_LIB_VERSION = 157       # REMOTE_PROC_CONNECT_GET_LIB_VERSION: no arguments, cheap


# ---- reading a trace that may end in a cut line ---------------------------------------------

def read_trace(path):
    """The records of a trace; a last line without its newline (the recorder was killed while
    writing it) is dropped, any other bad line fails the test."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    tail = lines.pop()          # b"" when the file ends with a newline
    records = [json.loads(line) for line in lines if line.strip()]
    if tail.strip():
        try:
            records.append(json.loads(tail))    # whole, only its newline missing
        except ValueError:
            pass                                # cut: its message was never forwarded
    assert records and records[0].get("format") == "virt-wire-trace", data[:200]
    return records[1:]


def messages(records, direction):
    return [base64.b64decode(r["raw"]) for r in records
            if r["rec"] == "msg" and r["dir"] == direction]


# ---- libvirt clients --------------------------------------------------------------------------

def lv_call(serial):
    body = struct.pack(">IIiiIi", 0x20008086, 1, GET_LIB_VERSION, 0, serial, 0)
    return struct.pack(">I", len(body) + 4) + body


class LibvirtHammer(threading.Thread):
    """One client: opens the connection, then keeps IN_FLIGHT calls in flight until the
    connection dies; .replies maps serial -> the reply's bytes as received."""

    def __init__(self, path, index):
        super().__init__(daemon=True)
        self.conn = RawClient(path, timeout=30)
        self.conn.open()
        self.base = (index + 1) * 10_000_000    # serials unique across clients
        self.replies = {}
        self.error = None

    def run(self):
        sock = self.conn.sock
        buf = b""
        serial = self.base
        try:
            while True:
                sock.sendall(b"".join(lv_call(serial + i) for i in range(IN_FLIGHT)))
                serial += IN_FLIGHT
                got = 0
                while got < IN_FLIGHT:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                    while len(buf) >= 4 and len(buf) >= struct.unpack(">I", buf[:4])[0]:
                        n = struct.unpack(">I", buf[:4])[0]
                        pkt, buf = buf[:n], buf[n:]
                        ptype, pserial = struct.unpack(">iI", pkt[16:24])
                        if ptype == 1:          # REPLY
                            self.replies[pserial] = pkt
                            got += 1
        except OSError:
            return                              # reset by the killed recorder
        except Exception as e:                  # noqa: BLE001  (reported by the test)
            self.error = e


def hammer_and_kill(path, kill, make_client, clients, min_replies=MIN_REPLIES):
    """Starts the clients on path, kills the recorder (kill()) once each has min_replies
    replies, and returns the clients after they saw the end of their connection."""
    hammers = [make_client(path, i) for i in range(clients)]
    for h in hammers:
        h.start()
    deadline = time.monotonic() + WAIT_LIMIT
    while min(len(h.replies) for h in hammers) < min_replies:
        assert all(h.is_alive() for h in hammers), [h.error for h in hammers]
        assert time.monotonic() < deadline, [len(h.replies) for h in hammers]
        time.sleep(0.01)
    kill()
    for h in hammers:
        h.join(30)
        assert not h.is_alive(), "a client did not see its connection end"
        assert h.error is None, h.error
    return hammers


def check_libvirt_trace(trace, hammers):
    records = read_trace(trace)
    calls = {struct.unpack(">I", m[20:24])[0] for m in messages(records, "c2s")}
    replies = {struct.unpack(">I", m[20:24])[0]: m for m in messages(records, "s2c")}
    received = {s: pkt for h in hammers for s, pkt in h.replies.items()}
    missing = sorted(s for s in received if s not in replies)
    assert not missing, ("%d of %d replies the clients received are not in the trace "
                         "(first serials %s)" % (len(missing), len(received), missing[:5]))
    assert all(replies[s] == pkt for s, pkt in received.items())
    assert all(s in calls for s in received), "a call behind a received reply is not recorded"
    print("libvirt: clients received %d replies; the trace holds %d replies and %d calls"
          % (len(received), len(replies), len(calls)))


def test_record_sync_needs_record(tmp_path):
    for program in ("fake-libvirtd", "fake-qemu"):
        where = "--listen" if program == "fake-libvirtd" else "--qmp"
        r = subprocess.run([os.path.join(os.environ["VW_BUILD"], "bin", program), where,
                            "unix:%s/s" % tmp_path, "--record-sync"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2
        assert "--record-sync needs --record TRACE" in r.stderr


def vwtrace(*args):
    return subprocess.run([VWTRACE, *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("sync", [False, True], ids=["write", "record-sync"])
def test_fake_libvirtd_record_killed_keeps_every_received_reply(fake_libvirtd, tmp_path, sync):
    upstream = fake_libvirtd(admin=False)
    trace = tmp_path / "killed.trace"
    rec = fake_libvirtd(mode="record", trace=trace, upstream="unix:" + upstream.socket,
                        admin=False, extra_args=["--record-sync"] if sync else [])
    hammers = hammer_and_kill(rec.socket, rec.kill, LibvirtHammer, CLIENTS,
                              SYNC_MIN_REPLIES if sync else MIN_REPLIES)
    check_libvirt_trace(trace, hammers)
    # the killed recorder's trace is readable by the tools
    r = vwtrace("show", "--allow-truncated", trace)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("sync", [False, True], ids=["write", "sync"])
def test_vwtrace_record_killed_keeps_every_received_reply(fake_libvirtd, tmp_path, sync):
    upstream = fake_libvirtd(admin=False)
    trace = tmp_path / "killed.trace"
    sock = tmp_path / "rec.sock"
    if len(str(sock)) > 100:
        sock = "/tmp/vw-kill-%d.sock" % os.getpid()
    proxy = ReadyProcess(str(tmp_path), [VWTRACE, "record-libvirt", "--listen", "unix:%s" % sock,
                                         "--upstream", "unix:" + upstream.socket, "-o", str(trace)]
                         + (["--sync"] if sync else []), name="vwtrace")
    try:
        hammers = hammer_and_kill(str(sock), proxy.kill, LibvirtHammer, CLIENTS,
                                  SYNC_MIN_REPLIES if sync else MIN_REPLIES)
    finally:
        if proxy.alive():
            proxy.kill()
        proxy.terminate()
        if os.path.exists(sock):
            os.unlink(sock)
    check_libvirt_trace(trace, hammers)


# ---- QMP ----------------------------------------------------------------------------------

class QmpHammer(threading.Thread):
    """One QMP client (fake-qemu serves one at a time): capabilities, then IN_FLIGHT
    query-status commands in flight; .replies maps id -> the reply line as received."""

    def __init__(self, path, index):
        super().__init__(daemon=True)
        self.qmp = QmpLine(path, read_timeout=30)
        assert b"QMP" in self.qmp.recv_line()
        self.qmp.send(b'{"execute":"qmp_capabilities"}\r\n')
        assert b"return" in self.qmp.recv_line()
        self.base = (index + 1) * 10_000_000
        self.replies = {}
        self.error = None

    def run(self):
        n = self.base
        try:
            while True:
                self.qmp.send(b"".join(b'{"execute":"query-status","id":%d}\r\n' % (n + i)
                                       for i in range(IN_FLIGHT)))
                n += IN_FLIGHT
                got = 0
                while got < IN_FLIGHT:
                    line = self.qmp.recv_line()
                    reply = json.loads(line)
                    if "id" in reply:
                        self.replies[reply["id"]] = line
                        got += 1
        except (OSError, EOFError):
            return
        except Exception as e:                  # noqa: BLE001
            self.error = e


@pytest.mark.parametrize("sync", [False, True], ids=["write", "record-sync"])
def test_fake_qemu_record_killed_keeps_every_received_reply(fake_qemu, tmp_path, sync):
    upstream = fake_qemu(admin=False)
    trace = tmp_path / "killed.trace"
    rec = fake_qemu(mode="record", trace=trace, upstream=upstream.address, admin=False,
                    extra_args=["--record-sync"] if sync else [])
    hammers = hammer_and_kill(rec.socket, rec.kill, QmpHammer, 1,
                              SYNC_MIN_REPLIES if sync else MIN_REPLIES)
    records = read_trace(trace)
    replies = {}
    for raw in messages(records, "s2c"):
        value = json.loads(raw)
        if "id" in value:
            replies[value["id"]] = raw
    commands = {json.loads(raw).get("id") for raw in messages(records, "c2s")}
    received = hammers[0].replies
    missing = sorted(i for i in received if i not in replies)
    assert not missing, ("%d of %d replies the client received are not in the trace "
                         "(first ids %s)" % (len(missing), len(received), missing[:5]))
    assert all(replies[i].strip() == line.strip() for i, line in received.items())
    assert all(i in commands for i in received)
    print("qmp: the client received %d replies; the trace holds %d replies"
          % (len(received), len(replies)))


# ---- cut traces: --allow-truncated -------------------------------------------------------------

def cut_copy(src, dst, chop=7):
    """src without its final newline and the last chop bytes of its last line."""
    data = src.read_bytes()
    assert data.endswith(b"\n")
    dst.write_bytes(data[:-1 - chop])
    return data.count(b"\n")        # the number of the cut line


def damaged_copy(src, dst):
    """src with its next-to-last line cut in the middle: damage that is not at the end."""
    lines = src.read_bytes().split(b"\n")
    lines[-3] = lines[-3][:len(lines[-3]) // 2]
    dst.write_bytes(b"\n".join(lines))
    return len(lines) - 2


LV_TRACE = TRACES / "virsh-list-all.trace"
QMP_TRACE = TRACES / "qmp-qemu-7.2-session.trace"


@pytest.mark.parametrize("command", ["show", "pcap", "diff"])
def test_vwtrace_allow_truncated(command, tmp_path):
    cut = tmp_path / "cut.trace"
    line = cut_copy(LV_TRACE, cut)
    args = {"show": [cut], "pcap": [cut, tmp_path / "out.pcap"], "diff": [cut, cut]}[command]
    r = vwtrace(command, *args)
    assert r.returncode == 2
    assert "%s:%d: bad JSON at column" % (cut, line) in r.stderr
    assert "--allow-truncated" in r.stderr
    r = vwtrace(command, "--allow-truncated", *args)
    assert r.returncode == 0, r.stderr
    assert "%s:%d: warning: the last line is cut" % (cut, line) in r.stderr
    if command == "show":
        whole = vwtrace("show", LV_TRACE).stdout.splitlines()
        assert r.stdout.splitlines() == whole[:-1]      # every record but the cut one
    # damage in the middle stays an error, with or without the option
    damaged = tmp_path / "damaged.trace"
    bad = damaged_copy(LV_TRACE, damaged)
    args = [damaged if a == cut else a for a in args]
    r = vwtrace(command, "--allow-truncated", *args)
    assert r.returncode == 2
    assert "%s:%d: bad JSON at column" % (damaged, bad) in r.stderr
    assert "--allow-truncated" not in r.stderr


@pytest.mark.parametrize("fixture, trace", [("fake_libvirtd", LV_TRACE),
                                             ("fake_qemu", QMP_TRACE)])
def test_replay_allow_truncated(fixture, trace, request, tmp_path):
    start = request.getfixturevalue(fixture)
    cut = tmp_path / "cut.trace"
    line = cut_copy(trace, cut)
    with pytest.raises(RuntimeError, match="--allow-truncated"):
        start(mode="replay", trace=cut, admin=False)
    fake = start(mode="replay", trace=cut, admin=False, extra_args=["--allow-truncated"])
    assert "--replay %s:%d: warning: the last line is cut" % (cut, line) in fake.stderr_tail()
    if fixture == "fake_qemu":
        # the records before the cut are served: the greeting comes from the trace
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(fake.socket)
        assert b'"QMP"' in s.recv(65536)
        s.close()
    damaged = tmp_path / "damaged.trace"
    bad = damaged_copy(trace, damaged)
    with pytest.raises(RuntimeError, match="%s:%d: bad JSON" % (damaged, bad)):
        start(mode="replay", trace=damaged, admin=False, extra_args=["--allow-truncated"])
