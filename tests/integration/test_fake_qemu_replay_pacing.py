"""fake-qemu --replay keeps the recorded delays of server messages, as fake-libvirtd does
(docs/replay.md, --replay-delay-max): what the server sent after a reply follows it at its
recorded delay, capped by --replay-delay-max (one option of both fakes, parsed once in
common/daemon_start), and never after the next reply. No timing is asserted: the tests check
order, that a capped delay does arrive, that an hour's delay is held, and that a client
leaving while messages wait is harmless.
"""
import base64
import json
import os
import pathlib
import subprocess

import pytest

from pytest_virtwire import fake_qemu  # noqa: F401  (the fixture)
from pytest_virtwire.process import find_binary
from pytest_virtwire.qmp import QmpLine

GREETING = b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, ' \
           b'"capabilities": ["oob"]}}\r\n'
STOP_EVENT = b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\r\n'
STATUS = b'{"return": {"status": "paused", "singlestep": false, "running": false}}\r\n'
HOUR_US = 3600 * 1000 * 1000


def write_trace(path, records):
    """One recorded connection, records = [(t_us, dir, bytes)], closed by the client."""
    lines = [{"format": "virt-wire-trace", "version": 1, "protocol": "qmp"},
             {"rec": "open", "conn": 1, "t_us": 0}]
    for t, d, raw in records:
        lines.append({"rec": "msg", "conn": 1, "t_us": t, "dir": d,
                      "raw": base64.b64encode(raw).decode()})
    lines.append({"rec": "close", "conn": 1, "t_us": records[-1][0], "by": "client"})
    pathlib.Path(path).write_text("".join(json.dumps(l) + "\n" for l in lines))


def stop_trace(path, event_after_us):
    """stop, its reply, the STOP event event_after_us later, then query-status."""
    write_trace(path, [
        (0, "s2c", GREETING),
        (1000, "c2s", b'{"execute":"qmp_capabilities"}\r\n'),
        (2000, "s2c", b'{"return": {}}\r\n'),
        (3000, "c2s", b'{"execute":"stop"}\r\n'),
        (4000, "s2c", b'{"return": {}}\r\n'),
        (4000 + event_after_us, "s2c", STOP_EVENT),
        (5000 + event_after_us, "c2s", b'{"execute":"query-status"}\r\n'),
        (6000 + event_after_us, "s2c", STATUS),
    ])


def client(fake):
    q = QmpLine(fake.socket, read_greeting=True)
    assert q.greeting_bytes + b"\r\n" == GREETING
    assert q.call(b'{"execute":"qmp_capabilities","id":1}') == [b'{"return": {}, "id": 1}']
    return q


@pytest.mark.parametrize("delay_max", ["0", "100", "3600000"])
def test_event_after_a_reply_never_follows_the_next_reply(fake_qemu, tmp_path, delay_max):
    # recorded 50 ms after the stop reply; the client pipelines query-status at once: whatever
    # the cap, the event comes between the two replies, as recorded
    trace = tmp_path / "t.trace"
    stop_trace(trace, 50000)
    fake = fake_qemu(mode="replay", trace=trace, admin=False,
                     extra_args=["--replay-delay-max", delay_max])
    q = client(fake)
    q.send(b'{"execute":"stop","id":2}{"execute":"query-status","id":3}')
    got = [q.line() for _ in range(3)]
    assert got == [b'{"return": {}, "id": 2}', STOP_EVENT.rstrip(b"\r\n"),
                   STATUS.rstrip(b"\r\n")[:-1] + b', "id": 3}']
    q.close()


def test_long_recorded_delay_is_capped(fake_qemu, tmp_path):
    # recorded an hour after the reply: the default cap (100 ms) sends it well within the read
    # timeout (an uncapped delay would not arrive at all)
    trace = tmp_path / "t.trace"
    stop_trace(trace, HOUR_US)
    fake = fake_qemu(mode="replay", trace=trace, admin=False)
    q = client(fake)
    assert q.call(b'{"execute":"stop","id":2}') == [b'{"return": {}, "id": 2}']
    assert q.line() == STOP_EVENT.rstrip(b"\r\n")
    assert q.call(b'{"execute":"query-status","id":3}') == [
        STATUS.rstrip(b"\r\n")[:-1] + b', "id": 3}']
    q.close()


def test_client_leaving_while_messages_wait(fake_qemu, tmp_path):
    # the event would wait an hour: the client leaves first; the next client is refused (one
    # recorded connection) and the fake still stops cleanly with its report
    trace = tmp_path / "t.trace"
    stop_trace(trace, HOUR_US)
    fake = fake_qemu(mode="replay", trace=trace, admin=False,
                     extra_args=["--replay-delay-max", "3600000"])
    q = client(fake)
    assert q.call(b'{"execute":"stop","id":2}') == [b'{"return": {}, "id": 2}']
    assert q.quiet()            # held: it is due in an hour (not a timing check: a margin)
    q.close()
    q = QmpLine(fake.socket)
    assert q.closed_by_peer()
    q.close()
    rc, err = fake.terminate()
    assert rc == 0, err
    assert "2 matched, 0 unmatched, 1 recorded commands never used" in err


@pytest.mark.parametrize("program,address", [("fake-qemu", "--qmp"),
                                             ("fake-libvirtd", "--listen")])
def test_replay_delay_max_is_one_shared_option(program, address, tmp_path):
    binary = find_binary(program)
    sock = ["%s=unix:%s" % (address, tmp_path / "s.sock")]
    helptext = subprocess.run([binary, "--help"], capture_output=True, text=True,
                              timeout=30).stdout
    assert "--replay-delay-max MS" in helptext and "(default 100; 0: none)" in helptext
    for args, needle in ((["--replay-delay-max", "5"], "--replay-delay-max needs --replay TRACE"),
                         (["--replay", "x.trace", "--replay-delay-max", "-1"],
                          "--replay-delay-max -1: expected an integer from 0 to 3600000")):
        r = subprocess.run([binary] + sock + args, capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and needle in r.stderr, (args, r.returncode, r.stderr)
