"""vwtrace against real peers: virsh sessions recorded through `vwtrace record-libvirt` in front
of the real libvirtd (virsh's output must not change), the pcap export decoded by tshark's
libvirt dissector (zero malformed, same procedures as `vwtrace show`), structural diffs, a QMP
session recorded through `vwtrace record-qmp` in front of a real qemu-system-x86_64 (the bytes
the client got must be the bytes in the trace), libvirt's .replies import, and the reader's
line-numbered errors as the tool reports them.

The daemon comes from conftest.py (env VW_LIBVIRTD_SOCK, else a private libvirtd).
"""
import base64
import json
import os
import pathlib
import re
import shutil
import socket
import struct
import subprocess
import tempfile

import pytest

from conftest import BUILD, DATA, PROC_TIMEOUT, domain_xml, normalise, run_virsh, unique_name
from pytest_virtwire.process import ReadyProcess, start_private
from real_qemu import Qemu

VWTRACE = BUILD / "bin" / "vwtrace"
TRACES = DATA / "traces"
TSHARK = shutil.which("tshark")


@pytest.fixture(scope="module")
def vwtrace_bin():
    if not os.access(str(VWTRACE), os.X_OK):
        pytest.fail("%s not built (run make, or set VW_BUILD)" % VWTRACE)
    return str(VWTRACE)


def run_vwtrace(args, timeout=PROC_TIMEOUT):
    return subprocess.run([str(VWTRACE)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def sockdir():
    """A short directory for unix sockets (sun_path is 108 bytes; pytest's tmp_path can be longer)."""
    d = tempfile.mkdtemp(prefix="vwt-", dir="/tmp")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


class Recorder:
    """Runs `vwtrace record-KIND` in front of upstream (the plugin's ReadyProcess waits for its
    `ready` line); stop() sends SIGTERM and checks exit 0."""

    def __init__(self, kind, listen, upstream, trace):
        self.listen = str(listen)
        self.trace = str(trace)
        try:
            self.rec = start_private(ReadyProcess, [
                str(VWTRACE), "record-" + kind, "--listen", "unix:" + self.listen,
                "--upstream", "unix:" + str(upstream), "-o", self.trace], ready_timeout=20)
        except RuntimeError as e:
            pytest.fail("vwtrace record-%s did not become ready: %s" % (kind, e))
        self.proc = self.rec.proc

    def stop(self):
        try:
            rc, err = self.rec.terminate(PROC_TIMEOUT)
        except AssertionError:
            pytest.fail("vwtrace record did not exit after SIGTERM")
        assert rc == 0, "recorder exit %d: %s" % (rc, err)
        assert not os.path.exists(self.listen), "the recorder left its socket behind"
        return err

    def kill(self):
        if self.rec.alive():
            self.rec.kill()
        self.rec.terminate()


def read_trace(path):
    """(header, records) with raw decoded, parsed independently of our C reader."""
    lines = [l for l in pathlib.Path(path).read_text().splitlines() if l.strip()]
    header = json.loads(lines[0])
    recs = []
    for l in lines[1:]:
        r = json.loads(l)
        if "raw" in r:
            r["bytes"] = base64.b64decode(r["raw"], validate=True)
        recs.append(r)
    return header, recs


def show_messages(trace):
    """[(conn, dir, prog, proc, type, serial, status)] of the message lines of `vwtrace show`."""
    res = run_vwtrace(["show", trace])
    assert res.returncode == 0, res.stderr
    out = []
    pat = re.compile(r"^\s*[\d.]+ conn=(\d+) (c2s|s2c) (\S+) (\S+) (\S+) serial=(\d+) "
                     r"status=(\S+) len=\d+$")
    for line in res.stdout.splitlines():
        m = pat.match(line)
        if m:
            out.append((int(m.group(1)), m.group(2), m.group(3), m.group(4), m.group(5),
                        int(m.group(6)), m.group(7)))
    return out, res.stdout


# ---- help ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sub", ["show", "pcap", "diff", "import-replies", "record-libvirt",
                                 "record-qmp"])
def test_help_everywhere(vwtrace_bin, sub):
    res = run_vwtrace([sub, "--help"])
    assert res.returncode == 0
    assert res.stdout.startswith("usage: vwtrace %s" % sub)
    bad = run_vwtrace([sub, "--no-such-option"])
    assert bad.returncode == 2
    assert "usage:" in bad.stderr


def test_main_help_and_unknown(vwtrace_bin):
    res = run_vwtrace(["--help"])
    assert res.returncode == 0
    for sub in ("show", "pcap", "diff", "import-replies", "record-libvirt", "record-qmp"):
        assert sub in res.stdout
    res = run_vwtrace(["frobnicate"])
    assert res.returncode == 2
    assert 'unknown command "frobnicate"' in res.stderr
    assert run_vwtrace([]).returncode == 2


# ---- libvirt: virsh through the recorder -----------------------------------------------------

def proxy_uri(sock):
    return "test+unix:///default?socket=%s" % sock


def session_commands(name, xml_path):
    return [["list", "--all"], ["dominfo", "test"], ["dumpxml", "test"],
            ["define", xml_path], ["start", name], ["destroy", name], ["undefine", name]]


def comparable(out, name, xml_path, own_names):
    """virsh's normalised output with our domain name and file replaced; `list` lines of
    domains other tests create meanwhile on a shared daemon (vwt-*, not ours) are dropped."""
    lines = []
    for l in normalise(out):
        if re.search(r"\bvwt-", l) and not any(n in l for n in own_names):
            continue
        lines.append(l.replace(name, "NAME").replace(xml_path, "FILE"))
    return lines


def test_virsh_session_recorded(vwtrace_bin, libvirtd_sock, test_uri, sockdir, tmp_path,
                                cleanup_domains):
    direct_name = unique_name("trace-direct")
    proxied_name = unique_name("trace-proxied")
    cleanup_domains.append((test_uri, direct_name))
    cleanup_domains.append((test_uri, proxied_name))
    direct_xml = domain_xml("test-domain.xml", direct_name, tmp_path)
    proxied_xml = domain_xml("test-domain.xml", proxied_name, tmp_path)
    own = (direct_name, proxied_name)

    trace = tmp_path / "virsh.trace"
    rec = Recorder("libvirt", sockdir / "p.sock", libvirtd_sock, trace)
    try:
        # Each command directly, then through the recorder: what virsh prints must not change.
        for d, p in zip(session_commands(direct_name, direct_xml),
                        session_commands(proxied_name, proxied_xml)):
            rd = run_virsh(d, test_uri)
            rp = run_virsh(p, proxy_uri(sockdir / "p.sock"))
            assert rd.returncode == 0, "virsh %s: %s" % (d, rd.stderr)
            assert rp.returncode == 0, "virsh %s through the recorder: %s" % (p, rp.stderr)
            assert (comparable(rp.stdout, proxied_name, proxied_xml, own) ==
                    comparable(rd.stdout, direct_name, direct_xml, own)), (
                "virsh %s differs through the recorder:\n%s\n---\n%s" % (p, rp.stdout, rd.stdout))
            assert rp.stderr == rd.stderr
    finally:
        rec.stop()

    # Every virsh command is one connection, opened and closed.
    header, recs = read_trace(trace)
    assert header["format"] == "virt-wire-trace" and header["version"] == 1
    assert header["protocol"] == "libvirt"
    opens = [r["conn"] for r in recs if r["rec"] == "open"]
    closes = [r["conn"] for r in recs if r["rec"] == "close"]
    assert len(opens) == 7 and sorted(closes) == sorted(opens)
    assert all(r["rec"] != "data" for r in recs), "libvirt bytes that could not be framed"
    for r in recs:
        if r["rec"] == "msg":
            assert struct.unpack(">I", r["bytes"][:4])[0] == len(r["bytes"])

    msgs, text = show_messages(str(trace))
    procs = [m[3] for m in msgs if m[1] == "c2s"]
    for p in ("AUTH_LIST", "CONNECT_OPEN", "CONNECT_LIST_ALL_DOMAINS", "DOMAIN_GET_INFO",
              "DOMAIN_GET_XML_DESC", "DOMAIN_DEFINE_XML", "DOMAIN_CREATE", "DOMAIN_DESTROY",
              "DOMAIN_UNDEFINE_FLAGS", "CONNECT_CLOSE"):
        assert p in procs, "%s missing from\n%s" % (p, text)
    # calls and replies pair up per connection by serial
    for conn in set(opens):
        calls = [(m[3], m[5]) for m in msgs if m[0] == conn and m[4] == "CALL"]
        replies = [(m[3], m[5]) for m in msgs if m[0] == conn and m[4] == "REPLY"]
        assert sorted(calls) == sorted(replies)
    assert text.count(" open peer=client") == 7 and text.count(" close by=") == 7

    # The pcap export: tshark decodes every message, nothing malformed, same procedures.
    if not TSHARK:
        pytest.fail("tshark is not installed (apt-get install tshark libvirt-wireshark)")
    pcap = tmp_path / "virsh.pcap"
    res = run_vwtrace(["pcap", trace, pcap])
    assert res.returncode == 0, res.stderr
    bad = subprocess.run([TSHARK, "-r", str(pcap), "-Y",
                          "_ws.malformed || _ws.expert.severity >= 0x600000"],
                         capture_output=True, text=True, timeout=PROC_TIMEOUT)
    assert bad.returncode == 0, bad.stderr
    assert bad.stdout.strip() == "", "tshark found problems:\n" + bad.stdout
    ts = subprocess.run([TSHARK, "-r", str(pcap), "-Y", "libvirt", "-T", "fields",
                         "-E", "separator=;", "-e", "tcp.srcport", "-e", "libvirt.program",
                         "-e", "libvirt.procedure", "-e", "libvirt.serial", "-e", "_ws.col.Info"],
                        capture_output=True, text=True, timeout=PROC_TIMEOUT)
    assert ts.returncode == 0, ts.stderr
    info = re.compile(r"^Prog=(\S+) Proc=(\S+) Type=(\S+) Serial=(\d+) Status=(\S+)$")
    theirs = []
    for line in ts.stdout.splitlines():
        sport, prog, proc, serial, col = line.split(";", 4)
        m = info.match(col)
        assert m, "one libvirt message per frame expected: %r" % line
        direction = "s2c" if sport == "16509" else "c2s"
        conn = int(sport) - 40000 if direction == "c2s" else None
        theirs.append((conn, direction, m.group(1), m.group(2), m.group(3), int(m.group(4)),
                       m.group(5)))
        assert int(serial) == int(m.group(4))
    ours = [(m[0] if m[1] == "c2s" else None,) + m[1:] for m in msgs]
    assert len(theirs) == len(msgs)
    assert theirs == ours


def record_virsh(args, libvirtd_sock, sockdir, trace):
    rec = Recorder("libvirt", sockdir / "p.sock", libvirtd_sock, trace)
    try:
        r = run_virsh(args, proxy_uri(sockdir / "p.sock"))
    finally:
        rec.stop()
    assert r.returncode == 0, r.stderr
    return r


def test_diff_recordings(vwtrace_bin, libvirtd_sock, test_uri, sockdir, tmp_path):
    a, b, c = tmp_path / "a.trace", tmp_path / "b.trace", tmp_path / "c.trace"
    # (`list --all` would depend on what other tests define meanwhile on a shared daemon;
    # the calls of dominfo/dumpxml of the driver's own domain do not.)
    record_virsh(["dominfo", "test"], libvirtd_sock, sockdir, a)
    record_virsh(["dominfo", "test"], libvirtd_sock, sockdir, b)
    record_virsh(["dumpxml", "test"], libvirtd_sock, sockdir, c)
    same = run_vwtrace(["diff", a, b])
    assert same.returncode == 0, same.stdout + same.stderr
    assert "same: 1 connections" in same.stdout
    other = run_vwtrace(["diff", a, c])
    assert other.returncode == 1, other.stdout + other.stderr
    assert "A line 17: c2s REMOTE DOMAIN_GET_OS_TYPE CALL OK" in other.stdout
    assert "B line 17: c2s REMOTE DOMAIN_GET_XML_DESC CALL OK" in other.stdout
    assert run_vwtrace(["diff", a, tmp_path / "missing.trace"]).returncode == 2


def test_committed_traces(vwtrace_bin, tmp_path):
    """The traces in data/traces were recorded from the real dev libvirtd and real QEMU; they
    stay readable, and the libvirt ones stay decodable by tshark."""
    traces = sorted(TRACES.glob("*.trace"))
    assert traces, "no traces in %s" % TRACES
    for t in traces:
        res = run_vwtrace(["show", t])
        assert res.returncode == 0, "%s: %s" % (t, res.stderr)
        header, recs = read_trace(t)
        if header["protocol"] == "libvirt" and TSHARK:
            pcap = tmp_path / (t.stem + ".pcap")
            assert run_vwtrace(["pcap", t, pcap]).returncode == 0
            n = subprocess.run([TSHARK, "-r", str(pcap), "-Y", "libvirt", "-T", "fields",
                                "-e", "libvirt.procedure"], capture_output=True, text=True,
                               timeout=PROC_TIMEOUT)
            assert len(n.stdout.split()) == sum(1 for r in recs if r["rec"] == "msg")
        assert run_vwtrace(["diff", t, t]).returncode == 0


# ---- synthetic traces: diff rules, reader errors -----------------------------------------------

def packet(prog, proc, typ, serial, status=0, payload=b""):
    return struct.pack(">IIIiiIi", 28 + len(payload), prog, 1, proc, typ, serial, status) + payload


def write_trace(path, protocol, records):
    lines = [json.dumps({"format": "virt-wire-trace", "version": 1, "protocol": protocol})]
    t = 0
    for r in records:
        t += 1
        if r[0] == "open" or r[0] == "close":
            lines.append(json.dumps({"rec": r[0], "conn": r[1], "t_us": t}))
        else:
            lines.append(json.dumps({"rec": "msg", "conn": r[1], "t_us": t, "dir": r[2],
                                     "raw": base64.b64encode(r[3]).decode()}))
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


REMOTE, KEEPALIVE = 0x20008086, 0x6b656570


def test_diff_rules(vwtrace_bin, tmp_path):
    a, b = tmp_path / "a.trace", tmp_path / "b.trace"
    base = [("open", 1), ("msg", 1, "c2s", packet(REMOTE, 66, 0, 0)),
            ("msg", 1, "s2c", packet(REMOTE, 66, 1, 0, payload=b"\0\0\0\0")), ("close", 1)]
    write_trace(a, "libvirt", base)
    # other serials, other times, a keepalive in between, another conn id: still the same
    write_trace(b, "libvirt", [("open", 9), ("msg", 9, "c2s", packet(REMOTE, 66, 0, 41)),
                               ("msg", 9, "s2c", packet(KEEPALIVE, 1, 2, 0)),
                               ("msg", 9, "s2c", packet(REMOTE, 66, 1, 41, payload=b"\0\0\0\0")),
                               ("close", 9)])
    assert run_vwtrace(["diff", a, b]).returncode == 0
    res = run_vwtrace(["diff", "--keepalive", a, b])
    assert res.returncode == 1 and "KEEPALIVE PING" in res.stdout
    # payload bytes only count with --payload
    write_trace(b, "libvirt", base[:2] + [("msg", 1, "s2c", packet(REMOTE, 66, 1, 0,
                                                                   payload=b"\0\0\0\1"))] + base[3:])
    assert run_vwtrace(["diff", a, b]).returncode == 0
    res = run_vwtrace(["diff", "--payload", a, b])
    assert res.returncode == 1 and "payload=00000001" in res.stdout
    # an error status, a missing message, an extra connection
    write_trace(b, "libvirt", base[:2] + [("msg", 1, "s2c", packet(REMOTE, 66, 1, 0, 1))] + base[3:])
    res = run_vwtrace(["diff", a, b])
    assert res.returncode == 1 and "REPLY ERROR" in res.stdout and "A line 4" in res.stdout
    write_trace(b, "libvirt", base[:2] + base[3:] + [("open", 2), ("close", 2)])
    res = run_vwtrace(["diff", a, b])
    assert res.returncode == 1
    assert "connections: " in res.stdout and "A has 2 messages, B has 1" in res.stdout
    # QMP: ids and timestamps are ignored, command names are not
    q = lambda o: (json.dumps(o) + "\r\n").encode()
    qa = [("open", 1), ("msg", 1, "c2s", q({"execute": "query-status", "id": "libvirt-1"})),
          ("msg", 1, "s2c", q({"timestamp": {"seconds": 1}, "event": "STOP"})),
          ("msg", 1, "s2c", q({"return": {}, "id": "libvirt-1"}))]
    qb = [("open", 1), ("msg", 1, "c2s", q({"execute": "query-status", "id": 77})),
          ("msg", 1, "s2c", q({"timestamp": {"seconds": 2}, "event": "STOP"})),
          ("msg", 1, "s2c", q({"return": {}, "id": 77}))]
    write_trace(a, "qmp", qa)
    write_trace(b, "qmp", qb)
    assert run_vwtrace(["diff", a, b]).returncode == 0
    assert run_vwtrace(["diff", "--payload", a, b]).returncode == 0
    qb[1] = ("msg", 1, "c2s", q({"execute": "stop", "id": 77}))
    write_trace(b, "qmp", qb)
    res = run_vwtrace(["diff", a, b])
    assert res.returncode == 1 and "execute stop" in res.stdout
    # different protocols
    write_trace(b, "libvirt", base)
    assert run_vwtrace(["diff", a, b]).returncode == 1


def test_bad_trace_reported_with_line(vwtrace_bin, tmp_path):
    t = tmp_path / "bad.trace"
    write_trace(t, "libvirt", [("open", 1), ("msg", 1, "c2s", packet(REMOTE, 66, 0, 0))])
    lines = t.read_text().splitlines()
    rec = json.loads(lines[2])
    raw = base64.b64decode(rec["raw"])
    rec["raw"] = base64.b64encode(raw + b"\0\0\0\0").decode()   # 32 bytes, length word 28
    t.write_text("\n".join(lines[:2] + [json.dumps(rec)]) + "\n")
    for sub in (["show", t], ["pcap", t, tmp_path / "x.pcap"], ["diff", t, t]):
        res = run_vwtrace(sub)
        assert res.returncode == 2
        assert "%s:3: raw libvirt message is 32 bytes but its length word says 28" % t in res.stderr
    t.write_text('{"format":"virt-wire-trace","version":7,"protocol":"libvirt"}\n')
    res = run_vwtrace(["show", t])
    assert res.returncode == 2 and "%s:1: unknown version 7" % t in res.stderr
    t.write_text(lines[0] + "\n" + lines[1] + "\n{oops\n")
    res = run_vwtrace(["show", t])
    assert res.returncode == 2 and "%s:3: bad JSON" % t in res.stderr


# ---- QMP: a real QEMU through record-qmp ---------------------------------------------------------

def qmp_session(path, commands):
    """Sends each command and reads until its reply; returns every byte received."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(str(path))
    got = b""

    def read_until(pred):
        nonlocal got
        while not pred():
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError("QMP connection closed early; got %r" % got)
            got += chunk

    read_until(lambda: got.count(b"\r\n") >= 1)
    for cmd in commands:
        want_id = json.loads(cmd)["id"]
        s.sendall(cmd.encode() + b"\r\n")
        read_until(lambda: any(json.loads(l).get("id") == want_id
                               for l in got.split(b"\r\n") if l.strip()))
    s.shutdown(socket.SHUT_WR)
    read_until_eof = True
    while read_until_eof:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    return got


def test_qmp_recorded(vwtrace_bin, sockdir, tmp_path):
    qemu = Qemu(sockdir / "qmp.sock")
    trace = tmp_path / "qmp.trace"
    try:
        rec = Recorder("qmp", sockdir / "p.sock", sockdir / "qmp.sock", trace)
        try:
            cmds = ['{"execute":"qmp_capabilities","id":"c1"}',
                    '{"execute":"query-status","id":"c2"}',
                    '{"execute":"no-such-command","id":"c3"}',
                    '{"execute":"stop","id":"c4"}',
                    '{"execute": "query-version", "arguments": {}, "id": "c5"}']
            got = qmp_session(sockdir / "p.sock", cmds)
        finally:
            rec.stop()
    finally:
        qemu.stop()

    header, recs = read_trace(trace)
    assert header["protocol"] == "qmp"
    s2c = b"".join(r["bytes"] for r in recs if r.get("dir") == "s2c")
    c2s = b"".join(r["bytes"] for r in recs if r.get("dir") == "c2s")
    assert s2c == got, "the trace does not hold exactly what the client received"
    assert c2s == b"".join(c.encode() + b"\r\n" for c in cmds)
    msgs = [r for r in recs if r["rec"] == "msg"]
    assert all(r["bytes"].endswith(b"\r\n") for r in msgs)
    assert all("json" in r for r in msgs)
    assert "QMP" in msgs[0]["json"] and msgs[0]["dir"] == "s2c"
    assert [r["rec"] for r in recs].count("close") == 1

    res = run_vwtrace(["show", trace])
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "protocol qmp" in out
    assert re.search(r'conn=1 s2c \{"QMP": \{"version"', out)
    assert 'conn=1 c2s {"execute":"query-status","id":"c2"}' in out
    assert '"class": "CommandNotFound"' in out
    assert '"event": "STOP"' in out
    # pcap export is for libvirt traces only, with a clear message
    res = run_vwtrace(["pcap", trace, tmp_path / "q.pcap"])
    assert res.returncode == 2 and "pcap export is for libvirt traces" in res.stderr


# ---- import of libvirt's .replies ----------------------------------------------------------------


def test_import_replies(vwtrace_bin, tmp_path):
    src = DATA / "caps_7.2.0_x86_64.replies"     # libvirt's layout, 5 commands
    replies = src.read_text()
    out = tmp_path / "caps.trace"
    res = run_vwtrace(["import-replies", src, out])
    assert res.returncode == 0, res.stderr
    header, recs = read_trace(out)
    assert header["protocol"] == "qmp" and header["source"] == str(src)
    msgs = [r for r in recs if r["rec"] == "msg"]
    assert [r["dir"] for r in msgs] == ["s2c"] + ["c2s", "s2c"] * 5
    greeting = json.loads(msgs[0]["bytes"])
    assert greeting["QMP"]["version"]["qemu"] == {"micro": 0, "minor": 2, "major": 7}
    assert json.loads(msgs[1]["bytes"]) == {"execute": "qmp_capabilities", "id": "libvirt-1"}
    assert msgs[1]["bytes"] == b'{"execute":"qmp_capabilities","id":"libvirt-1"}\r\n'
    assert json.loads(msgs[10]["bytes"])["error"]["class"] == "GenericError"
    show = run_vwtrace(["show", out])
    assert show.returncode == 0
    assert 'c2s {"execute":"query-kvm","id":"libvirt-5"}' in show.stdout

    # strict alternation, with the line of the offending object
    bad = tmp_path / "bad.replies"
    bad.write_text(replies.replace('{\n  "return": {\n  },\n  "id": "libvirt-1"\n}\n\n', ""))
    res = run_vwtrace(["import-replies", bad, tmp_path / "bad.trace"])
    assert res.returncode == 2
    assert "%s:6: expected the reply" % bad in res.stderr
    bad.write_text(replies + "\n{\n  \"execute\": \"quit\"\n}\n")
    res = run_vwtrace(["import-replies", bad, tmp_path / "bad.trace"])
    assert res.returncode == 2 and "the last command has no reply" in res.stderr
    bad.write_text(replies + "\n{\n  \"execute\": \n")
    res = run_vwtrace(["import-replies", bad, tmp_path / "bad.trace"])
    assert res.returncode == 2 and "%s:" % bad in res.stderr and "bad JSON" in res.stderr


# ---- the proxy itself: framing never changes the bytes ---------------------------------------------

class EchoServer:
    """A unix socket server that echoes every byte back (one thread per client)."""

    def __init__(self, path):
        import threading
        self.path = str(path)
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(8)
        self.srv.settimeout(0.2)
        self.stop_flag = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        import threading
        while not self.stop_flag:
            try:
                c, _ = self.srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.echo, args=(c,), daemon=True).start()

    @staticmethod
    def echo(c):
        c.settimeout(20)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.stop_flag = True
        self.thread.join(timeout=5)
        self.srv.close()


def recv_exactly(s, n):
    got = b""
    while len(got) < n:
        d = s.recv(n - len(got))
        if not d:
            break
        got += d
    return got


def test_proxy_framing_and_sigterm(vwtrace_bin, sockdir, tmp_path):
    echo = EchoServer(sockdir / "echo.sock")
    trace = tmp_path / "p.trace"
    try:
        rec = Recorder("libvirt", sockdir / "p.sock", sockdir / "echo.sock", trace)
        try:
            ping = packet(KEEPALIVE, 1, 2, 0)
            big = packet(REMOTE, 999999, 0, 5, payload=bytes(range(256)) * 1024)   # unknown proc
            # conn 1: a packet fed one byte at a time, a large one, then a half-close
            s1 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s1.settimeout(20)
            s1.connect(str(sockdir / "p.sock"))
            for i in range(len(ping)):
                s1.sendall(ping[i:i + 1])
            s1.sendall(big)
            assert recv_exactly(s1, len(ping) + len(big)) == ping + big
            s1.shutdown(socket.SHUT_WR)
            assert s1.recv(10) == b""
            s1.close()
            # conn 2: a bad length word: forwarded unchanged, recorded as unframed data;
            # left open: SIGTERM must still finish the trace with a close record
            s2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s2.settimeout(20)
            s2.connect(str(sockdir / "p.sock"))
            junk = b"\x00\x00\x00\x05hello, not libvirt"
            s2.sendall(ping + junk)
            assert recv_exactly(s2, len(ping) + len(junk)) == ping + junk
            err = rec.stop()
            s2.close()
        finally:
            rec.kill()
    finally:
        echo.close()
    assert "packet length 5 is below the minimum 28" in err
    header, recs = read_trace(trace)
    c1 = [r for r in recs if r["conn"] == 1]
    assert [r["rec"] for r in c1] == ["open", "msg", "msg", "msg", "msg", "close"]
    assert [r["bytes"] for r in c1 if r.get("dir") == "c2s"] == [ping, big]
    assert [r["bytes"] for r in c1 if r.get("dir") == "s2c"] == [ping, big]
    assert c1[-1]["by"] == "client"
    assert [r["hdr"]["proc"] for r in c1 if r["rec"] == "msg" and r["dir"] == "c2s"] == [
        "PING", "PROC_999999"]
    c2 = [r for r in recs if r["conn"] == 2]
    assert c2[-1] == {"rec": "close", "conn": 2, "t_us": c2[-1]["t_us"], "by": "end"}
    for d in ("c2s", "s2c"):
        part = [r for r in c2 if r.get("dir") == d]
        assert part[0]["rec"] == "msg" and part[0]["bytes"] == ping
        assert all(r["rec"] == "data" for r in part[1:])
        assert b"".join(r["bytes"] for r in part[1:]) == junk
    res = run_vwtrace(["show", trace])
    assert res.returncode == 0
    assert "conn=2 c2s data 22 bytes" in res.stdout
    assert "0x20008086 PROC_999999" in res.stdout or "REMOTE PROC_999999" in res.stdout


def test_pcap_large_message_reassembled(vwtrace_bin, tmp_path):
    """A 150 KB DOMAIN_GET_XML_DESC reply spans three TCP segments; tshark reassembles it."""
    if not TSHARK:
        pytest.fail("tshark is not installed (apt-get install tshark libvirt-wireshark)")
    xml = b"<domain>" + b"x" * 150000 + b"</domain>"
    payload = struct.pack(">I", len(xml)) + xml + b"\0" * ((4 - len(xml) % 4) % 4)
    t = tmp_path / "big.trace"
    write_trace(t, "libvirt", [("open", 1), ("msg", 1, "c2s", packet(REMOTE, 14, 0, 3)),
                               ("msg", 1, "s2c", packet(REMOTE, 14, 1, 3, payload=payload)),
                               ("close", 1)])
    pcap = tmp_path / "big.pcap"
    assert run_vwtrace(["pcap", t, pcap]).returncode == 0
    ts = subprocess.run([TSHARK, "-r", str(pcap), "-Y", "libvirt", "-T", "fields",
                         "-e", "libvirt.procedure", "-e", "libvirt.type", "-e", "libvirt.length"],
                        capture_output=True, text=True, timeout=PROC_TIMEOUT)
    assert ts.stdout.split("\n")[:2] == ["14\t0\t28", "14\t1\t%d" % (28 + len(payload))]
    bad = subprocess.run([TSHARK, "-r", str(pcap), "-Y",
                          "_ws.malformed || _ws.expert.severity >= 0x600000"],
                         capture_output=True, text=True, timeout=PROC_TIMEOUT)
    assert bad.stdout.strip() == ""


def test_proxy_qmp_splitting(vwtrace_bin, sockdir, tmp_path):
    """QMP records are cut at JSON value boundaries whatever the writes look like; a value
    left unfinished at close is kept as data."""
    echo = EchoServer(sockdir / "echo.sock")
    trace = tmp_path / "q.trace"
    try:
        rec = Recorder("qmp", sockdir / "p.sock", sockdir / "echo.sock", trace)
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            s.connect(str(sockdir / "p.sock"))
            parts = [b'{"a": 1}{"b": "}"}\r\n  {"c":', b' [3, {"d": 4}]}\n', b'{"tail": ']
            for p in parts:
                s.sendall(p)
                assert recv_exactly(s, len(p)) == p
            s.shutdown(socket.SHUT_WR)
            assert s.recv(10) == b""
            s.close()
        finally:
            rec.stop()
    finally:
        echo.close()
    header, recs = read_trace(trace)
    for d in ("c2s", "s2c"):
        part = [(r["rec"], r["bytes"]) for r in recs if r.get("dir") == d]
        assert part == [("msg", b'{"a": 1}'), ("msg", b'{"b": "}"}\r\n  '),
                        ("msg", b'{"c": [3, {"d": 4}]}\n'), ("data", b'{"tail": ')]
    assert [r["json"] for r in recs if r["rec"] == "msg" and r["dir"] == "c2s"] == [
        {"a": 1}, {"b": "}"}, {"c": [3, {"d": 4}]}]
