"""fake-qemu --record / --replay (docs/replay-qmp.md) against a real qemu-system-x86_64.

One module-scoped real QEMU (-machine none, running) is driven by our QMP client
(`virtc qmp ...`) directly and then through `fake-qemu --record --upstream`: the client's output
must be the same (timestamps masked: they are the real clock). QEMU is then gone (the recorded
session ends with `quit`) and `fake-qemu --replay` must give the client exactly the recorded
output (events included; replay keeps the recorded timestamps, so nothing is masked). Raw
sessions check id renumbering (any JSON value, verbatim), strict and unordered matching, the
unmatched-command error reply and report, --replay-unmatched close, libvirt's .replies format
through `vwtrace import-replies`, bad traces, and an unreachable upstream.
"""
import contextlib
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile

import pytest

from pytest_virtwire.process import FakeQemu, start_private
from pytest_virtwire.qmp import QmpLine
from real_qemu import Qemu

HERE = pathlib.Path(__file__).resolve().parent
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(HERE.parents[1] / "build")))
DATA = HERE / "data"
PROC_TIMEOUT = 60
os.environ.setdefault("VW_BUILD", str(BUILD))   # where the plugin's FakeQemu finds fake-qemu
FAKE = BUILD / "bin" / "fake-qemu"
VIRTC = BUILD / "bin" / "virtc"
VWTRACE = BUILD / "bin" / "vwtrace"
READ_TIMEOUT = 20


# ---- processes ---------------------------------------------------------------------------------

class Fake:
    """fake-qemu with the given mode options, started by the plugin's FakeQemu in a private
    directory, on socket sock (default: one in that directory); stop() sends SIGTERM and returns
    (rc, stderr)."""

    def __init__(self, *args, sock=None):
        try:
            self.fake = start_private(FakeQemu, socket=sock, admin=False,
                                      extra_args=[str(a) for a in args])
        except RuntimeError as e:
            pytest.fail("fake-qemu %s did not become ready: %s" % (args, e))
        self.sock = self.fake.socket
        self.proc = self.fake.proc
        self.target = "unix:" + self.sock

    def stderr(self):
        return self.fake.stderr_text()

    def stop(self):
        try:
            return self.fake.terminate(PROC_TIMEOUT)
        except AssertionError as e:
            pytest.fail(str(e))


@contextlib.contextmanager
def serving(*args):
    """A Fake with the mode options args for the block; stopped at its end, which must be a
    clean exit 0; its standard error is then .err."""
    fake = Fake(*args)
    try:
        yield fake
    finally:
        rc, fake.err = fake.stop()
    assert rc == 0, fake.err


def virtc(target, *args):
    r = subprocess.run([str(VIRTC), "qmp", target] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=PROC_TIMEOUT)
    # the socket path differs between runs: messages name it as TARGET
    return (r.returncode, r.stdout, r.stderr.replace(target, "TARGET"))


TS = re.compile(r'"seconds": \d+, "microseconds": \d+')


def mask(result):
    rc, out, err = result
    return (rc, TS.sub('"seconds": S, "microseconds": U', out), err)


def Raw(path):
    """A raw QMP connection (the plugin's QmpLine) whose greeting line is read at once:
    .greeting_bytes; call() returns the lines (bytes) up to a reply."""
    return QmpLine(path, read_timeout=READ_TIMEOUT, read_greeting=True)


def read_trace(path):
    lines = [l for l in pathlib.Path(path).read_text().splitlines() if l.strip()]
    return json.loads(lines[0]), [json.loads(l) for l in lines[1:]]


# ---- the recording, shared by the module ---------------------------------------------------------

# Each entry is one `virtc qmp` run, i.e. one QMP connection.
SEQ = [
    ["query-version"],
    ["--greeting", "query-status"],
    ["--events", "--timeout", "1", "stop"],
    ["query-status"],
    ["--events", "--timeout", "1", "cont"],
    ["no-such-command"],
    ["query-status", '{"x": 1}'],
    ["--id", '{"a": [1, "b"]}', "query-name"],
    ["human-monitor-command", '{"command-line": "info status"}'],
]
QUIT = ["--events", "--timeout", "10", "quit"]

# One raw connection: ids of every kind, a command with arguments, an event before a reply.
RAW_CMDS = [
    b'{"execute":"qmp_capabilities","id":1}',
    b'{"execute":"query-status","id":"s1"}',
    b'{"execute":"query-name","id":"n"}',
    b'{"execute":"human-monitor-command","arguments":{"command-line":"info version"},"id":"h"}',
    b'{"execute":"stop","id":"st"}',
    b'{"execute":"query-status","id":"s2"}',
    b'{"execute":"cont","id":"c"}',
]


@pytest.fixture(scope="module")
def rec():
    for p in (FAKE, VIRTC, VWTRACE):
        if not os.access(str(p), os.X_OK):
            pytest.fail("%s not built (run make, or set VW_BUILD)" % p)
    d = pathlib.Path(tempfile.mkdtemp(prefix="vwrr-", dir="/tmp"))
    qemu = Qemu(d / "qemu.sock")
    out = {"dir": d}
    try:
        qt = "unix:" + str(d / "qemu.sock")
        virtc(qt, "query-status")          # a first client may be greeted twice by QEMU 7.2
        out["direct"] = [virtc(qt, *a) for a in SEQ]

        fake = Fake("--record", d / "raw.trace", "--upstream", qt, sock=d / "rec1.sock")
        try:
            raw = Raw(d / "rec1.sock")
            out["raw_greeting"] = raw.greeting_bytes
            out["raw_replies"] = [raw.call(c) for c in RAW_CMDS]
            raw.close()
        finally:
            out["rec1_stop"] = fake.stop()

        fake = Fake("--record", d / "virtc.trace", "--upstream", qt, sock=d / "rec2.sock")
        try:
            out["recorded"] = [virtc(fake.target, *a) for a in SEQ]
            out["recorded_quit"] = virtc(fake.target, *QUIT)
            qemu.proc.wait(timeout=PROC_TIMEOUT)    # quit: QEMU exits
        finally:
            out["rec2_stop"] = fake.stop()
        yield out
    finally:
        qemu.stop()
        shutil.rmtree(str(d), ignore_errors=True)


def test_recording_is_transparent(rec):
    assert rec["rec1_stop"][0] == 0, rec["rec1_stop"][1]
    assert rec["rec2_stop"][0] == 0, rec["rec2_stop"][1]
    for args, direct, through in zip(SEQ, rec["direct"], rec["recorded"]):
        assert mask(through) == mask(direct), "virtc qmp %s differs through the recorder" % args
    # the sequence really exercised events, errors and ids
    assert '"event": "STOP"' in rec["recorded"][2][1]
    assert '"event": "RESUME"' in rec["recorded"][4][1]
    assert rec["recorded"][5][0] == 1 and "CommandNotFound" in rec["recorded"][5][2]
    assert rec["recorded"][6][2] == "error: GenericError: Parameter 'x' is unexpected\n"
    rc, out, _ = rec["recorded_quit"]
    assert rc == 0 and '"event": "SHUTDOWN"' in out


def test_trace_is_complete(rec):
    header, recs = read_trace(rec["dir"] / "virtc.trace")
    assert header["protocol"] == "qmp" and header["tool"].startswith("fake-qemu --record")
    assert header["upstream"] == "unix:" + str(rec["dir"] / "qemu.sock")
    opens = [r["conn"] for r in recs if r["rec"] == "open"]
    closes = {r["conn"]: r["by"] for r in recs if r["rec"] == "close"}
    assert len(opens) == len(SEQ) + 1 and sorted(closes) == sorted(opens)
    # quit: QEMU closed (exiting, it may reset the socket rather than close it)
    assert closes[opens[-1]] in ("server", "error")
    assert all(closes[c] == "client" for c in opens[:-1])
    msgs = [r for r in recs if r["rec"] == "msg"]
    assert all("json" in m for m in msgs)
    c2s = [m["json"] for m in msgs if m["dir"] == "c2s" and m["conn"] == opens[2]]
    assert [m["execute"] for m in c2s] == ["qmp_capabilities", "stop"]

    # the raw session: the trace holds exactly the bytes each side sent
    _, recs = read_trace(rec["dir"] / "raw.trace")
    import base64
    c2s = b"".join(base64.b64decode(r["raw"]) for r in recs if r.get("dir") == "c2s")
    s2c = b"".join(base64.b64decode(r["raw"]) for r in recs if r.get("dir") == "s2c")
    assert c2s == b"".join(c + b"\r\n" for c in RAW_CMDS)
    got = rec["raw_greeting"] + b"\r\n" + b"".join(l + b"\r\n" for ls in rec["raw_replies"]
                                                    for l in ls)
    assert s2c == got
    assert [r["by"] for r in recs if r["rec"] == "close"] == ["client"]


def test_replay_strict_identical_output(rec, tmp_path):
    report = tmp_path / "report.json"
    with serving("--replay", rec["dir"] / "virtc.trace", "--replay-report", report) as fake:
        replayed = [virtc(fake.target, *a) for a in SEQ]
        replayed_quit = virtc(fake.target, *QUIT)
        extra = virtc(fake.target, "query-status")     # no recorded connection left
    err = fake.err
    for args, recorded, got in zip(SEQ, rec["recorded"], replayed):
        assert got == recorded, "virtc qmp %s differs in replay\n%s" % (args, err)
    assert replayed_quit == rec["recorded_quit"]
    assert extra[0] == 2
    assert "all %d recorded connections" % (len(SEQ) + 1) in err
    n = 2 * (len(SEQ) + 1)
    assert ("fake-qemu: replay: %d of %d recorded connections served (1 clients refused): "
            "%d matched, 0 unmatched, 0 recorded commands never used" % (len(SEQ) + 1, len(SEQ) + 1,
                                                                         n)) in err
    assert "connection 3 (recorded connection 3) ended: 2 matched, 0 unmatched" in err
    rep = json.loads(report.read_text())
    assert (rep["matched"], rep["unmatched"], rep["never_used"]) == (n, 0, 0)
    assert rep["match"] == "strict" and rep["connections_beyond_trace"] == 1
    assert rep["connections_served"] == len(SEQ) + 1 and rep["never_served"] == []
    served = [c for c in rep["connections"] if c["recorded_conn"] is not None]
    assert len(served) == len(SEQ) + 1 and all(c["matched"] == 2 for c in served)


def test_replay_renumbers_ids_unordered(rec, tmp_path):
    report = tmp_path / "report.json"
    with serving("--replay", rec["dir"] / "raw.trace", "--replay-match", "unordered",
                 "--replay-report", report) as fake:
        raw = Raw(fake.sock)
        greeting = raw.greeting_bytes
        caps = raw.call(b'{"execute": "qmp_capabilities", "id": {"x": [1, null]}}')
        # out of recorded order, other ids, arguments written differently (member order, spaces)
        hmp = raw.call(b'{"id": 18446744073709551615, "arguments": {"command-line": '
                       b'"info version"}, "execute": "human-monitor-command"}')
        stop = raw.call(b'{"execute":"stop","id":"live-stop"}')
        name = raw.call(b'{"execute":"query-name"}')
        st1 = raw.call(b'{"execute":"query-status","arguments":{},"id":null}')
        st2 = raw.call(b"{'execute':'query-status','id':2.5}")
        bad = raw.call(b'{"execute":"query-status","arguments":{"x":1},"id":"bad"}')
        raw.close()
    err = fake.err
    assert greeting == rec["raw_greeting"]                 # verbatim
    recorded = {str(json.loads(c)["id"]): lines for c, lines in zip(RAW_CMDS, rec["raw_replies"])}
    assert caps == [b'{"return": {}, "id": {"x": [1, null]}}']
    want = recorded["h"][-1]
    assert want.endswith(b', "id": "h"}') and b"7.2" in want
    assert hmp == [want[:-len(b'"h"}')] + b'18446744073709551615}']
    # the STOP event comes before the reply, verbatim (recorded timestamp)
    assert len(stop) == 2 and stop[0] == recorded["st"][0] and b'"STOP"' in stop[0]
    assert stop[1] == b'{"return": {}, "id": "live-stop"}'
    assert json.loads(name[-1]) == {"return": {}} and b'"id"' not in name[-1]
    # identical commands are served in recorded order: running first, then paused
    assert json.loads(st1[-1]) == dict(json.loads(recorded["s1"][-1]), id=None)
    assert st2[-1].endswith(b', "id": 2.5}')
    assert json.loads(st2[-1])["return"] == json.loads(recorded["s2"][-1])["return"]
    assert json.loads(st1[-1])["return"]["status"] == "running"
    assert json.loads(st2[-1])["return"]["status"] == "paused"
    # a command that matches nothing: the defined error, the live id, a log line, the report
    assert json.loads(bad[-1]) == {"id": "bad", "error": {
        "class": "GenericError",
        "desc": "fake-qemu replay: no recorded command matches 'query-status' {\"x\": 1}"}}
    assert re.search(r"no recorded command matches 'query-status' \{\"x\": 1\}; nearest recorded "
                     r"command: line \d+ 'query-status' \{\} \(already used\): argument 'x' was not "
                     r"recorded", err)
    rep = json.loads(report.read_text())
    assert (rep["matched"], rep["unmatched"], rep["never_used"]) == (6, 1, 1)
    conn = rep["connections"][0]
    assert conn["unmatched_calls"][0]["command"] == {"execute": "query-status",
                                                    "arguments": {"x": 1}}
    assert [c["command"]["execute"] for c in conn["never_used_calls"]] == ["cont"]
    assert "never used: %s:" % (rec["dir"] / "raw.trace") in err


def test_replay_strict_rejects_out_of_order(rec, tmp_path):
    report = tmp_path / "report.json"
    with serving("--replay", rec["dir"] / "raw.trace", "--replay-report", report) as fake:
        raw = Raw(fake.sock)
        raw.call(b'{"execute":"qmp_capabilities"}')
        early = raw.call(b'{"execute":"query-name","id":7}')
        first = raw.call(b'{"execute":"query-status","id":8}')
        raw.close()
    err = fake.err
    assert early == [b'{"id": 7, "error": {"class": "GenericError", "desc": "fake-qemu replay: '
                     b'no recorded command matches \'query-name\' {}"}}']
    assert json.loads(first[-1])["return"]["status"] == "running" and first[-1].endswith(b'"id": 8}')
    assert re.search(r"nearest recorded command: line \d+ 'query-status' \{\}: the command name "
                     r"differs \(a later recorded command matches: try --replay-match unordered\)",
                     err)
    rep = json.loads(report.read_text())
    assert (rep["matched"], rep["unmatched"]) == (2, 1)


def test_replay_unmatched_close(rec, tmp_path):
    report = tmp_path / "report.json"
    with serving("--replay", rec["dir"] / "virtc.trace", "--replay-unmatched", "close",
                 "--replay-report", report) as fake:
        got = virtc(fake.target, "query-kvm")            # recorded: query-version
        again = virtc(fake.target, "--greeting", "query-status")  # next recorded connection
    err = fake.err
    assert got[0] == 2 and "closed" in got[2]
    assert again == rec["recorded"][1]
    assert "closing connection 1 (--replay-unmatched close)" in err
    rep = json.loads(report.read_text())
    assert (rep["matched"], rep["unmatched"]) == (3, 1)
    assert rep["connections"][0]["never_used"] == 1
    assert rep["never_used"] == 1
    assert rep["never_served_calls"] == 2 * (len(SEQ) + 1 - 2)


# ---- libvirt's .replies ------------------------------------------------------------------------

# data/caps_7.2.0_x86_64.replies has the layout of libvirt's tests/qemucapabilitiesdata/*.replies:
# pretty-printed objects (2-space indent), separated by blank lines, command then reply, ids
# libvirt-N, no greeting (test_vwtrace.py checks its import too).


def test_replay_imported_replies(tmp_path):
    src = DATA / "caps_7.2.0_x86_64.replies"
    trace = tmp_path / "caps.trace"
    r = subprocess.run([str(VWTRACE), "import-replies", str(src), str(trace)],
                       capture_output=True, text=True, timeout=PROC_TIMEOUT)
    assert r.returncode == 0, r.stderr
    with serving("--replay", trace, "--replay-match", "unordered") as fake:
        got = virtc(fake.target, "--greeting", "qom-list-properties", '{"typename": "migration"}')
    assert got[0] == 0, got
    lines = [json.loads(l) for l in got[1].splitlines()]
    assert lines[0]["QMP"]["version"]["qemu"] == {"micro": 0, "minor": 2, "major": 7}
    assert lines[1] == [{"name": "store-global-state", "type": "bool"}]

    with serving("--replay", trace) as fake:
        raw = Raw(fake.sock)
        assert raw.call(b'{"execute":"qmp_capabilities","id":"vw-1"}') == \
            [b'{"return": {}, "id": "vw-1"}']
        assert raw.call(b'{"execute":"query-version","id":"vw-2"}') == \
            [b'{"return": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "v7.2.0"}, '
             b'"id": "vw-2"}']
        assert raw.call(b'{"execute":"query-target","id":3}') == \
            [b'{"return": {"arch": "x86_64"}, "id": 3}']
        raw.call(b'{"execute":"qom-list-properties","arguments":{"typename":"migration"}}')
        assert json.loads(raw.call(b'{"execute":"query-kvm","id":"k"}')[0]) == \
            {"id": "k", "error": {"class": "GenericError", "desc": "no kvm here"}}
        raw.close()
    err = fake.err
    assert "5 matched, 0 unmatched, 0 recorded commands never used" in err


# ---- refusals ----------------------------------------------------------------------------------

def run_fake(*args):
    return subprocess.run([str(FAKE)] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=PROC_TIMEOUT)


def test_bad_traces_refused(tmp_path):
    sock = "unix:" + str(tmp_path / "never.sock")
    r = run_fake("--qmp", sock, "--replay", DATA / "traces" / "virsh-list-all.trace")
    assert r.returncode == 2
    assert "virsh-list-all.trace:1: this is a libvirt trace; fake-qemu replays QMP traces" \
        in r.stderr
    good = (DATA / "traces" / "qmp-qemu-7.2-session.trace").read_text().splitlines()
    bad = tmp_path / "bad.trace"
    bad.write_text("\n".join(good[:2] + ["{not json"] + good[3:]) + "\n")
    r = run_fake("--qmp", sock, "--replay", bad)
    assert r.returncode == 2 and "%s:3: bad JSON" % bad in r.stderr, r.stderr
    bad.write_text("\n".join(good[:1] + ['{"rec":"msg","conn":9,"t_us":1,"dir":"s2c","raw":"e30="}'])
                   + "\n")
    r = run_fake("--qmp", sock, "--replay", bad)
    assert r.returncode == 2 and "%s:2: " % bad in r.stderr, r.stderr
    r = run_fake("--qmp", sock, "--replay", tmp_path / "missing.trace")
    assert r.returncode == 2 and "missing.trace" in r.stderr
    for args in (["--record", tmp_path / "t"], ["--upstream", sock],
                 ["--replay-match", "strict"], ["--replay", bad, "--replay-match", "fuzzy"],
                 ["--replay", bad, "--replay-unmatched", "ignore"],
                 ["--replay", bad, "--record", tmp_path / "t", "--upstream", sock]):
        r = run_fake("--qmp", sock, *args)
        assert r.returncode == 2 and r.stderr.startswith("fake-qemu: "), (args, r.stderr)
    assert not (tmp_path / "never.sock").exists()


def test_committed_qmp_trace_replays(tmp_path):
    """The committed trace (recorded from QEMU 7.2 by vwtrace record-qmp) replays too."""
    with serving("--replay", DATA / "traces" / "qmp-qemu-7.2-session.trace",
                 "--replay-match", "unordered") as fake:
        got = virtc(fake.target, "query-version")
    err = fake.err
    assert got[0] == 0 and json.loads(got[1])["qemu"]["major"] == 7, (got, err)


def test_upstream_unreachable(tmp_path):
    d = pathlib.Path(tempfile.mkdtemp(prefix="vwrr-", dir="/tmp"))
    try:
        r = run_fake("--qmp", "unix:%s" % (d / "r.sock"), "--record", tmp_path / "t.trace",
                     "--upstream", "unix:%s" % (d / "nobody.sock"))
        assert r.returncode == 1
        assert "--upstream: the real QEMU's QMP socket is unreachable" in r.stderr
        assert str(d / "nobody.sock") in r.stderr
        assert not (d / "r.sock").exists()

        # reachable at start-up, gone later: the client is closed, with a log line
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.bind(str(d / "up.sock"))
        up.listen(4)
        fake = Fake("--record", tmp_path / "t.trace", "--upstream", "unix:%s" % (d / "up.sock"),
                    sock=d / "r.sock")
        try:
            up.close()                                   # the socket file stays: refused
            got = virtc(fake.target, "query-status")
        finally:
            rc, err = fake.stop()
        assert rc == 0, err
        assert got[0] == 2
        assert "a client connected but the upstream is unreachable" in err
        header, recs = read_trace(tmp_path / "t.trace")
        assert header["protocol"] == "qmp" and recs == []
    finally:
        shutil.rmtree(str(d), ignore_errors=True)


def write_trace(path, conns):
    """A qmp trace by hand: conns = [(records, closed_by)], records = [(dir, bytes)]."""
    import base64
    lines = [{"format": "virt-wire-trace", "version": 1, "protocol": "qmp"}]
    t = 0
    for n, (records, by) in enumerate(conns, 1):
        lines.append({"rec": "open", "conn": n, "t_us": t})
        for d, raw in records:
            t += 1
            lines.append({"rec": "msg", "conn": n, "t_us": t, "dir": d,
                          "raw": base64.b64encode(raw).decode()})
        if by:
            lines.append({"rec": "close", "conn": n, "t_us": t, "by": by})
    pathlib.Path(path).write_text("".join(json.dumps(l) + "\n" for l in lines))


GREETING = b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, ' \
           b'"capabilities": ["oob"]}}\r\n'


def test_replay_id_edge_cases_and_pipelining(tmp_path):
    """Recorded without ids, live with ids (the id is added where QEMU puts it); two commands
    sent before either reply (pipelined) pair with their replies by id; an event between them
    stays where it was; a server close after the last reply closes the live connection."""
    trace = tmp_path / "t.trace"
    ev = b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}\r\n'
    write_trace(trace, [([
        ("s2c", GREETING),
        ("c2s", b'{"execute":"qmp_capabilities"}\r\n'),
        ("s2c", b'{"return": {}}\r\n'),
        ("c2s", b'{"execute":"no-such"}\r\n'),
        ("s2c", b'{"error": {"class": "CommandNotFound", "desc": "The command no-such has not '
                b'been found"}}\r\n'),
        ("c2s", b'{"execute":"cont","id":"a"}\r\n'),
        ("c2s", b'{"execute":"query-status","id":"b"}\r\n'),
        ("s2c", ev),
        ("s2c", b'{"return": {}, "id": "a"}\r\n'),
        ("s2c", b'{"return": {"status": "running", "singlestep": false, "running": true}, '
                b'"id": "b"}\r\n'),
    ], "server"), ([
        # the client wrote before the greeting arrived: the greeting still comes first
        ("c2s", b'{"execute":"qmp_capabilities","id":1}\r\n'),
        ("s2c", GREETING),
        ("s2c", b'{"return": {}, "id": 1}\r\n'),
    ], "client")])
    with serving("--replay", trace) as fake:
        raw = Raw(fake.sock)
        assert raw.greeting_bytes + b"\r\n" == GREETING
        assert raw.call(b'{"execute":"qmp_capabilities","id":[1]}') == [b'{"return": {}, "id": [1]}']
        assert raw.call(b'{"execute":"no-such","id":"z"}') == [
            b'{"id": "z", "error": {"class": "CommandNotFound", "desc": "The command no-such has '
            b'not been found"}}']
        raw.send(b'{"execute":"cont","id":1}{"execute":"query-status","id":2}')
        got = [raw.line() for _ in range(3)]
        assert got == [ev.rstrip(b"\r\n"), b'{"return": {}, "id": 1}',
                       b'{"return": {"status": "running", "singlestep": false, "running": true}, '
                       b'"id": 2}']
        assert raw.closed_by_peer()            # recorded: the server closed after that
        raw.close()

        raw = Raw(fake.sock)
        assert raw.greeting_bytes + b"\r\n" == GREETING
        # garbage: QEMU's parse errors match nothing here; error replies without id
        raw.send(b'{]\r\n\xff')
        for _ in range(2):
            msg = json.loads(raw.line())
            assert "id" not in msg and msg["error"]["class"] == "GenericError"
            assert msg["error"]["desc"].startswith("fake-qemu replay: no recorded command matches "
                                                   "(input QEMU could not parse: JSON parse error")
        assert raw.call(b'{"execute":"qmp_capabilities","id":"x"}') == [b'{"return": {}, "id": "x"}']
        raw.close()
    err = fake.err
    assert "connection 1 (recorded connection 1) ended: 4 matched, 0 unmatched, 0 recorded " \
        "commands never used" in err
    assert "2 of 2 recorded connections served (0 clients refused): 5 matched, 2 unmatched, " \
        "0 recorded commands never used" in err
