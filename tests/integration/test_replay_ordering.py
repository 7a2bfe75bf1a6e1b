"""fake-libvirtd --replay: server messages recorded between a call and its reply (docs/replay.md,
"What is sent").

libvirtd 7.0 sends the event a call causes before that call's reply (DEFINED before the reply of
DOMAIN_DEFINE_XML). Replay anchors every event, keepalive PING and stream packet to the latest
client call recorded before it: it goes out once the live client has sent that call (and the
reply recorded before it has been sent), then comes the call's reply. Attached to the reply
before, it would reach python3-libvirt before it has even sent the define call.

- python3-libvirt (lifecycle callback with the default event loop, then define/undefine at once)
  is recorded through `fake-libvirtd --record` in front of the real libvirtd test driver and
  replayed: it receives exactly the recorded events. The same recording with each event moved
  before the reply of the call that caused it (7.0's order, whatever the host daemon does)
  replays to the same events too.
- Synthetic traces, raw socket: the event between call B and B's reply is not sent before B
  (a keepalive PING sent after A's reply is answered first) and comes before B's reply; in
  unordered mode it waits for the reply recorded before it as well.
"""
import base64
import json
import struct
import subprocess

import pytest

from conftest import unique_name
from fake_libvirtd_fixtures import KEEPALIVE, REMOTE, FakeLibvirtd, RawClient, clean_env

CALL, REPLY, MESSAGE = 0, 1, 2
PROC_AUTH_LIST = 66
PROC_CONNECT_GET_HOSTNAME = 59
PROC_DOMAIN_DEFINE_XML = 11
PROC_DOMAIN_UNDEFINE = 35
PROC_EVENT_CALLBACK_LIFECYCLE = 318
PING, PONG = 1, 2
VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED = 0, 1

CLIENT = r'''
import json, sys, threading
import libvirt

uri, name = sys.argv[1], sys.argv[2]
libvirt.virEventRegisterDefaultImpl()


def run_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=run_loop, daemon=True).start()
conn = libvirt.open(uri)
events = []
done = threading.Event()


def lifecycle(_conn, dom, event, detail, _opaque):
    if dom.name() == name:
        events.append([event, detail])
        if event == libvirt.VIR_DOMAIN_EVENT_UNDEFINED:
            done.set()


conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
dom = conn.defineXML("<domain type='test'><name>%s</name><memory unit='KiB'>131072</memory>"
                     "<os><type arch='x86_64'>hvm</type></os></domain>" % name)
dom.undefine()
done.wait(5)     # a lost event shows as a missing entry below, after 5 s
print(json.dumps(events), flush=True)
'''


def run_client(uri, name, tmp_path):
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    r = subprocess.run(["/usr/bin/python3", str(script), uri, name], capture_output=True,
                       text=True, timeout=60, env=clean_env())
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def read_trace(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_trace(path, recs):
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


def header(raw):
    """(prog, vers, proc, type, serial, status) of a packet."""
    return struct.unpack(">IIiiIi", raw[4:28])


def lifecycle_event(raw):
    """(domain name, event, detail) of a DOMAIN_EVENT_CALLBACK_LIFECYCLE message."""
    body = raw[28:]
    o = 4                                           # callbackID
    (n,) = struct.unpack(">I", body[o:o + 4])
    name = body[o + 4:o + 4 + n].decode()
    o += 4 + n + (4 - n % 4) % 4 + 16 + 4           # name, uuid, id
    event, detail = struct.unpack(">ii", body[o:o + 8])
    return name, event, detail


def is_event(rec):
    if rec.get("rec") != "msg" or rec.get("dir") != "s2c":
        return False
    h = header(base64.b64decode(rec["raw"]))
    return h[0] == REMOTE and h[2] == PROC_EVENT_CALLBACK_LIFECYCLE and h[3] == MESSAGE


def events_in(recs, name):
    out = []
    for r in recs:
        if is_event(r):
            n, event, detail = lifecycle_event(base64.b64decode(r["raw"]))
            if n == name:
                out.append([event, detail])
    return out


def replay(trace, extra=()):
    return FakeLibvirtd(["--replay", str(trace), "--replay-report", str(trace) + ".report"] +
                        list(extra))


def stop_ok(fake):
    rc, err = fake.stop()
    assert rc == 0, err
    return err


@pytest.fixture(scope="module")
def python_recording(libvirtd_sock, tmp_path_factory):
    d = tmp_path_factory.mktemp("ordering")
    trace = d / "python.trace"
    name = unique_name("order")
    rec = FakeLibvirtd(["--record", str(trace), "--upstream", "unix:" + libvirtd_sock])
    try:
        events = run_client(rec.uri, name, d)
    finally:
        rc, err = rec.stop()
    assert rc == 0, err
    return trace, name, events


def test_python_recording_has_the_events(python_recording):
    trace, name, events = python_recording
    assert events == [[VIR_DOMAIN_EVENT_DEFINED, 0], [VIR_DOMAIN_EVENT_UNDEFINED, 0]]
    assert events_in(read_trace(trace), name) == events


@pytest.mark.parametrize("match", ["strict", "unordered"])
def test_replay_python_gets_the_recorded_events(python_recording, tmp_path, match):
    trace, name, events = python_recording
    fake = replay(trace, ["--replay-match", match])
    try:
        got = run_client(fake.uri, name, tmp_path)
    finally:
        err = stop_ok(fake)
    assert got == events, err
    assert json.load(open(str(trace) + ".report"))["unmatched"] == 0


def events_before_their_replies(recs, name):
    """7.0's order: DEFINED right before the reply of DOMAIN_DEFINE_XML, UNDEFINED right before
    the reply of DOMAIN_UNDEFINE (the host daemon sends them after the reply, sometimes even
    after the client's next call)."""
    events = {}
    out = []
    for r in recs:
        if is_event(r) and lifecycle_event(base64.b64decode(r["raw"]))[0] == name:
            events[lifecycle_event(base64.b64decode(r["raw"]))[1]] = r
        else:
            out.append(r)
    assert sorted(events) == [VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED]
    cause = {PROC_DOMAIN_DEFINE_XML: VIR_DOMAIN_EVENT_DEFINED,
             PROC_DOMAIN_UNDEFINE: VIR_DOMAIN_EVENT_UNDEFINED}
    moved = []
    for r in out:
        if r.get("rec") == "msg" and r["dir"] == "s2c":
            h = header(base64.b64decode(r["raw"]))
            if h[3] == REPLY and h[2] in cause:
                ev = dict(events.pop(cause[h[2]]), t_us=r["t_us"])
                moved.append(ev)
        moved.append(r)
    return moved


@pytest.mark.parametrize("match", ["strict", "unordered"])
@pytest.mark.parametrize("delay_max", ["0", "100"])
def test_replay_python_gets_events_sent_before_their_reply(python_recording, tmp_path, match,
                                                          delay_max):
    trace, name, events = python_recording
    recs = events_before_their_replies(read_trace(trace), name)
    # now: define call, DEFINED, define reply; undefine call, UNDEFINED, undefine reply
    kinds = [(r["dir"], header(base64.b64decode(r["raw"]))[2:4]) for r in recs
             if r.get("rec") == "msg"]
    for proc in (PROC_DOMAIN_DEFINE_XML, PROC_DOMAIN_UNDEFINE):
        i = kinds.index(("c2s", (proc, CALL)))
        assert kinds[i + 1:i + 3] == [("s2c", (PROC_EVENT_CALLBACK_LIFECYCLE, MESSAGE)),
                                      ("s2c", (proc, REPLY))], kinds
    reordered = tmp_path / "reordered.trace"
    write_trace(reordered, recs)
    fake = replay(reordered, ["--replay-match", match, "--replay-delay-max", delay_max])
    try:
        got = run_client(fake.uri, name, tmp_path)
    finally:
        err = stop_ok(fake)
    assert got == events, err


# ---- synthetic traces, raw socket ----------------------------------------------------------

def packet(proc, mtype, serial, payload=b"", prog=REMOTE):
    body = struct.pack(">IIiiIi", prog, 1, proc, mtype, serial, 0) + payload
    return struct.pack(">I", len(body) + 4) + body


def msg(t_us, direction, raw):
    return {"rec": "msg", "conn": 1, "t_us": t_us, "dir": direction,
            "raw": base64.b64encode(raw).decode()}


EVENT_BODY = b"EVNT" * 3
HOST = struct.pack(">I", 4) + b"host"


def synthetic_trace(path, event_gap_us):
    """call A, reply A, call B, event E (event_gap_us after B), reply B."""
    recs = [{"format": "virt-wire-trace", "version": 1, "protocol": "libvirt",
             "time_unit": "us", "tool": "test_replay_ordering"},
            {"rec": "open", "conn": 1, "t_us": 0},
            msg(100, "c2s", packet(PROC_AUTH_LIST, CALL, 1)),
            msg(200, "s2c", packet(PROC_AUTH_LIST, REPLY, 1, struct.pack(">I", 0))),
            msg(1000, "c2s", packet(PROC_CONNECT_GET_HOSTNAME, CALL, 2)),
            msg(1000 + event_gap_us, "s2c",
                packet(PROC_EVENT_CALLBACK_LIFECYCLE, MESSAGE, 0, EVENT_BODY)),
            msg(2000 + event_gap_us, "s2c", packet(PROC_CONNECT_GET_HOSTNAME, REPLY, 2, HOST)),
            {"rec": "close", "conn": 1, "t_us": 3000 + event_gap_us, "by": "client"}]
    write_trace(path, recs)
    return path


def kind(pkt):
    (prog, _vers, proc, mtype, serial, _status), body = pkt
    if prog == KEEPALIVE:
        return ("keepalive", proc)
    if mtype == MESSAGE and proc == PROC_EVENT_CALLBACK_LIFECYCLE:
        assert body == EVENT_BODY
        return ("event",)
    return ("reply", proc, serial)


def ping(c):
    """A keepalive PING and the PONG as the next message: replay answers it live, so the PONG
    marks "everything sent so far", and nothing else came before it."""
    c.send(PING, 0, prog=KEEPALIVE, mtype=MESSAGE)
    assert kind(c.recv()) == ("keepalive", PONG)


@pytest.mark.parametrize("match", ["strict", "unordered"])
@pytest.mark.parametrize("delay_max", ["0", "100"])
def test_event_between_call_and_reply_waits_for_the_call(tmp_path, match, delay_max):
    # a recorded gap of 50 ms: with --replay-delay-max 100 the event is due 50 ms after B, but
    # B's reply (recorded after it) must not overtake it
    trace = synthetic_trace(tmp_path / "t.trace", 50000)
    fake = replay(trace, ["--replay-match", match, "--replay-delay-max", delay_max])
    try:
        c = RawClient(fake.sock)
        c.send(PROC_AUTH_LIST, 11)
        assert kind(c.recv()) == ("reply", PROC_AUTH_LIST, 11)
        ping(c)     # the event belongs to call B, not to A's reply: nothing before B is sent
        c.send(PROC_CONNECT_GET_HOSTNAME, 12)
        assert kind(c.recv()) == ("event",)
        hdr, body = c.recv()
        assert kind((hdr, body)) == ("reply", PROC_CONNECT_GET_HOSTNAME, 12) and body == HOST
        ping(c)
        c.close()
    finally:
        err = stop_ok(fake)
    assert "2 calls matched, 0 unmatched, 0 recorded calls never used" in err


def test_unordered_event_also_waits_for_the_reply_before_it(tmp_path):
    """B first: the event waits for A's reply (recorded before it) too, then follows it."""
    trace = synthetic_trace(tmp_path / "t.trace", 10)
    fake = replay(trace, ["--replay-match", "unordered", "--replay-delay-max", "0"])
    try:
        c = RawClient(fake.sock)
        c.send(PROC_CONNECT_GET_HOSTNAME, 21)
        assert kind(c.recv()) == ("reply", PROC_CONNECT_GET_HOSTNAME, 21)
        ping(c)
        c.send(PROC_AUTH_LIST, 22)
        assert kind(c.recv()) == ("reply", PROC_AUTH_LIST, 22)
        assert kind(c.recv()) == ("event",)
        ping(c)
        c.close()
    finally:
        stop_ok(fake)


def test_event_after_a_reply_still_follows_that_reply(tmp_path):
    """call A, reply A, event: the event comes after A's reply with no further call."""
    recs = [{"format": "virt-wire-trace", "version": 1, "protocol": "libvirt"},
            {"rec": "open", "conn": 1, "t_us": 0},
            msg(100, "c2s", packet(PROC_AUTH_LIST, CALL, 1)),
            msg(200, "s2c", packet(PROC_AUTH_LIST, REPLY, 1, struct.pack(">I", 0))),
            msg(300, "s2c", packet(PROC_EVENT_CALLBACK_LIFECYCLE, MESSAGE, 0, EVENT_BODY))]
    trace = tmp_path / "t.trace"
    write_trace(trace, recs)
    fake = replay(trace, ["--replay-delay-max", "0"])
    try:
        c = RawClient(fake.sock)
        c.send(PROC_AUTH_LIST, 5)
        assert kind(c.recv()) == ("reply", PROC_AUTH_LIST, 5)
        assert kind(c.recv()) == ("event",)
        c.close()
    finally:
        stop_ok(fake)


def test_messages_before_any_call_and_stray_replies(tmp_path):
    """Before the first call: sent at connect; after a client stream packet: sent when the live
    one arrives; a reply no recorded call sent is an ordinary message anchored to its call."""
    STREAM = 3
    recs = [{"format": "virt-wire-trace", "version": 1, "protocol": "libvirt"},
            {"rec": "open", "conn": 1, "t_us": 0},
            msg(10, "s2c", packet(PROC_EVENT_CALLBACK_LIFECYCLE, MESSAGE, 0, EVENT_BODY)),
            msg(20, "c2s", packet(PROC_AUTH_LIST, STREAM, 9, b"data")),
            msg(30, "s2c", packet(PROC_AUTH_LIST, STREAM, 9)),
            msg(40, "c2s", packet(PROC_AUTH_LIST, CALL, 1)),
            msg(50, "s2c", packet(PROC_CONNECT_GET_HOSTNAME, REPLY, 77, HOST)),
            msg(60, "s2c", packet(PROC_AUTH_LIST, REPLY, 1, struct.pack(">I", 0)))]
    trace = tmp_path / "t.trace"
    write_trace(trace, recs)
    fake = replay(trace, ["--replay-delay-max", "0"])
    try:
        c = RawClient(fake.sock)
        assert kind(c.recv()) == ("event",)
        ping(c)
        c.send(PROC_AUTH_LIST, 9, b"data", mtype=STREAM)
        hdr, _ = c.recv()
        assert (hdr[2], hdr[3], hdr[4]) == (PROC_AUTH_LIST, STREAM, 9)
        c.send(PROC_AUTH_LIST, 3)
        assert kind(c.recv()) == ("reply", PROC_CONNECT_GET_HOSTNAME, 77)
        assert kind(c.recv()) == ("reply", PROC_AUTH_LIST, 3)
        c.close()
    finally:
        err = stop_ok(fake)
    assert "1 calls matched, 0 unmatched, 0 recorded calls never used" in err
