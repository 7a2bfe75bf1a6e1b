"""Fault injection (docs/faults.md): every fault of fake-libvirtd and fake-qemu applied to real
clients.

Each test starts a fake with `--faults FILE --seed N`, runs a real client against it and checks:
- the client ends with a defined result (exit status and the message it prints), never hangs:
  the client has its own timeout (virtc -t / `virtc qmp --timeout`, virsh keepalive -k/-K) and the
  subprocess limit is far above it, so a hang fails the test instead of blocking the suite;
- the fake survives: a fresh connection afterwards still works, and the fake exits 0 on
  SIGTERM with no sanitizer report (run with VW_BUILD=<an ASan build> for leak checks);
- the same seed and the same traffic give the same faults (a probability-0.5 rule over 20
  calls gives the same pattern twice).

Rules usually "match" one procedure / command, so the survival check (another procedure) is
not hit; rules on every message use "connections": 1 (only the first connection).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from fake_libvirtd_fixtures import FakeLibvirtd, RawClient, clean_env, VIRSH, BUILD
from fake_libvirtd_fixtures import tcp_port as _tcp_port
from pytest_virtwire.process import FakeQemu

VIRTC = BUILD / "bin" / "virtc"
FAKE_QEMU = BUILD / "bin" / "fake-qemu"
T = 2                        # the clients' own timeout, seconds
LIMIT = 60                   # subprocess limit: far above every client timeout
SAN = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
LIST = "CONNECT_LIST_ALL_DOMAINS"


def no_sanitizer_report(text, who):
    for marker in SAN:
        assert marker not in text, "%s: sanitizer report:\n%s" % (who, text)


class WithFaults:
    """A fake started with --faults RULES --seed N and extra options, in a directory of its own;
    as a context manager, stopped at the end, which checks a clean exit 0 and no sanitizer
    report."""

    def __init__(self, rules, seed=7, extra=()):
        self.dir = tempfile.mkdtemp(prefix="vw-faults-")
        rules_path = os.path.join(self.dir, "faults.json")
        with open(rules_path, "w") as f:
            json.dump(rules, f)
        try:
            self.fake = self.start(["--faults", rules_path, "--seed", str(seed)] + list(extra))
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def close(self):
        try:
            rc, err = self.fake.terminate()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
        no_sanitizer_report(err, self.fake.program)
        assert rc == 0, "%s exited %d: %s" % (self.fake.program, rc, err)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Faulty(WithFaults):
    """A fake-libvirtd with fault rules (extra: more options, e.g. --record / --replay)."""

    def start(self, options):
        fake = FakeLibvirtd(extra_args=options)
        self.uri, self.sock = fake.uri, fake.sock
        return fake


class FaultyQemu(WithFaults):
    """A fake-qemu with fault rules, started by the plugin's FakeQemu."""

    def start(self, options):
        sock = os.path.join(self.dir, "qmp.sock")
        self.target = "unix:" + sock
        fake = FakeQemu(self.dir, name="fq", socket=sock, admin=False, extra_args=options)
        self.proc = fake.proc
        return fake


def ended_as(run, rc, pattern, limit, who):
    """run = (CompletedProcess, seconds) of a client: it exited with rc, printed pattern (on
    stdout when rc is 0, else on stderr) and took less than limit seconds (no hang)."""
    p, elapsed = run
    assert p.returncode == rc, (p.stdout, p.stderr)
    shown = p.stdout if rc == 0 else p.stderr
    assert re.search(pattern, shown), shown
    assert elapsed < limit, "%s took %.1f s (limit %d s)" % (who, elapsed, limit)


def timed(cmd, env=None):
    """Runs cmd; returns (CompletedProcess, seconds). A hang past LIMIT fails the test."""
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT,
                           env=env or clean_env())
    except subprocess.TimeoutExpired:
        pytest.fail("%s hung (no result after %d s)" % (" ".join(map(str, cmd)), LIMIT))
    elapsed = time.monotonic() - start
    no_sanitizer_report(p.stderr, cmd[0])
    return p, elapsed


def virtc(uri, *args):
    return timed([str(VIRTC), "-t", str(T), "-c", uri] + list(args))


def virtc_qmp(target, *args):
    return timed([str(VIRTC), "qmp", target] + list(args) + ["--timeout", str(T)])


def virsh(uri, *args, keepalive=True):
    opts = ["-k", "1", "-K", "2"] if keepalive else []
    return timed([VIRSH] + opts + ["-c", uri] + list(args))


def assert_alive(fake):
    """A fresh connection to the fake still works."""
    p, _ = virtc(fake.uri, "hostname")
    assert p.returncode == 0 and p.stdout.strip(), p.stderr


def assert_qmp_alive(fake):
    p, _ = virtc_qmp(fake.target, "query-version")
    assert p.returncode == 0 and '"qemu"' in p.stdout, p.stderr


# ---- fake-libvirtd + virtc ---------------------------------------------------------------------

LIST_OK = re.compile(r"^ 1\s+test\s+running$", re.M)

# (rules, exit status, what stdout (rc 0) or stderr (rc 1) must show, max seconds)
# virtc's limits: -t T per call, plus at most 1 s for CONNECT_CLOSE at exit after a timed-out call.
VIRTC_CASES = {
    "latency": ([{"type": "latency", "latency_ms": 300, "jitter_ms": 100, "match": LIST}],
                0, LIST_OK, T),
    "latency-c2s": ([{"type": "latency", "direction": "c2s", "latency_ms": 300, "match": LIST}],
                    0, LIST_OK, T),
    "latency-past-timeout": ([{"type": "latency", "latency_ms": 10000, "match": LIST}],
                             1, r"timed out after 2000 ms waiting for the reply to "
                                r"CONNECT_LIST_ALL_DOMAINS", T + 3),
    "bandwidth": ([{"type": "bandwidth", "rate": 2000, "connections": 1}], 0, LIST_OK, T + 2),
    "slice": ([{"type": "slice", "size": 1, "variation": 0, "connections": 1}],
              0, LIST_OK, T),
    "slice-delay": ([{"type": "slice", "size": 3, "variation": 2, "delay_ms": 2,
                      "match": LIST}], 0, LIST_OK, T),
    "truncate": ([{"type": "truncate", "match": LIST}], 1,
                 r"error: Failed to list domains\nerror: the server closed the connection in "
                 r"the middle of a packet \(32 of 64 bytes received\)", T),
    "reset": ([{"type": "reset", "match": LIST}], 1,
              r"error: Failed to list domains\nerror: the server closed the connection", T),
    "reset-c2s": ([{"type": "reset", "direction": "c2s", "match": LIST}], 1,
                  r"error: Failed to list domains\nerror: the server closed the connection", T),
    "blackhole": ([{"type": "blackhole", "match": LIST}], 1,
                  r"error: Failed to list domains\nerror: timed out after 2000 ms waiting for "
                  r"the reply to CONNECT_LIST_ALL_DOMAINS", T + 3),
    "blackhole-c2s": ([{"type": "blackhole", "direction": "c2s", "match": LIST}], 1,
                      r"timed out after 2000 ms waiting for the reply to "
                      r"CONNECT_LIST_ALL_DOMAINS", T + 3),
    "bad_length": ([{"type": "bad_length", "match": LIST}], 1,
                   r"protocol error from the server: packet length 4294967295 exceeds the "
                   r"maximum", T),
    "bad_length-short": ([{"type": "bad_length", "value": 12, "match": LIST}], 1,
                         r"error: Failed to list domains\nerror: ", T),
    "wrong_serial": ([{"type": "wrong_serial", "match": LIST}], 1,
                     r"error: Failed to list domains\nerror: no call waiting for reply with "
                     r"prog 536903814 vers 1 serial 1073741827 \(CONNECT_LIST_ALL_DOMAINS\)", T),
    # like libvirt's client, virtc closes the connection on a reply nobody waits for
    "duplicate": ([{"type": "duplicate", "match": LIST}], 1,
                  r"error: the connection broke while the command ran; its output may be "
                  r"incomplete\nerror: no call waiting for reply with prog 536903814 vers 1 "
                  r"serial \d+ \(CONNECT_LIST_ALL_DOMAINS\)", T),
    "unsolicited": ([{"type": "unsolicited", "match": LIST}], 1,
                    r"error: Failed to list domains\nerror: no call waiting for reply with prog "
                    r"536903814 vers 1 serial \d+", T),
    "disconnect": ([{"type": "disconnect_mid_command", "match": LIST}], 1,
                   r"error: Failed to list domains\nerror: the server closed the connection", T),
    "truncate-c2s": ([{"type": "truncate", "direction": "c2s", "match": LIST}], 1,
                     r"error: Failed to list domains\nerror: the server closed the connection", T),
    "after-2": ([{"type": "reset", "after": 2, "times": 1, "connections": 1}], 1,
                r"error: ", T),
}


@pytest.mark.parametrize("name", sorted(VIRTC_CASES))
def test_virtc_fault(name):
    rules, rc, pattern, limit = VIRTC_CASES[name]
    with Faulty(rules) as fake:
        ended_as(virtc(fake.uri, "list", "--all"), rc, pattern, limit, "virtc")
        assert_alive(fake)


def test_virtc_latency_is_applied():
    """The delay is real: a 400 ms latency on one reply makes the call take at least that."""
    with Faulty([{"type": "latency", "latency_ms": 400, "match": LIST}]) as fake:
        _, elapsed = virtc(fake.uri, "list", "--all")
        assert elapsed >= 0.4
        p, _ = virtc(fake.uri, "list", "--all")
        assert LIST_OK.search(p.stdout)


@pytest.mark.parametrize("direction", ["s2c", "c2s"])
def test_virtc_corrupt_repeatable(direction):
    """Bit corruption: some defined outcome (a protocol error, a decode error, a timeout when
    the header's serial is hit, or an unharmed string), the same one for the same seed."""
    outcomes = []
    for _ in range(2):
        with Faulty([{"type": "corrupt", "bits": 8, "match": LIST, "direction": direction}],
                    seed=11) as fake:
            p, elapsed = virtc(fake.uri, "list", "--all")
            assert elapsed < T + 3
            assert p.returncode in (0, 1)
            if p.returncode:
                assert p.stderr.startswith("error: "), p.stderr
            assert_alive(fake)
            outcomes.append((p.returncode, p.stdout, p.stderr))
    assert outcomes[0] == outcomes[1]


def _pattern(uri, n=20):
    out = ""
    for _ in range(n):
        p, _ = virtc(uri, "hostname")
        assert p.returncode in (0, 1), p.stderr
        out += "x" if p.returncode else "."
    return out


def test_same_seed_same_faults():
    """A probability-0.5 reset over 20 calls: the same pattern with the same seed."""
    rules = [{"type": "reset", "probability": 0.5, "match": "CONNECT_GET_HOSTNAME"}]
    with Faulty(rules, seed=42) as fake:
        first = _pattern(fake.uri)
    with Faulty(rules, seed=42) as fake:
        second = _pattern(fake.uri)
    with Faulty(rules, seed=43) as fake:
        other = _pattern(fake.uri)
    assert first == second
    assert 0 < first.count("x") < 20, first
    assert other != first, "seeds 42 and 43 gave the same 20 draws: %s" % first


def test_tcp_reset_is_a_real_rst():
    """Over TCP, SO_LINGER 0 makes the close a reset: both clients see ECONNRESET."""
    with Faulty([{"type": "reset", "match": LIST}],
                extra=["--listen", "tcp:127.0.0.1:0"]) as fake:
        uri = "test+tcp://127.0.0.1:%d/default" % _tcp_port(fake.fake.proc.pid)
        p, _ = virtc(uri, "list", "--all")
        assert p.returncode == 1
        assert "error: cannot read from the server: Connection reset by peer" in p.stderr
        p, _ = virsh(uri, "list", "--all")
        assert p.returncode == 1
        assert "Cannot recv data: Connection reset by peer" in p.stderr
        p, _ = virtc(uri, "hostname")
        assert p.returncode == 0, p.stderr


# ---- the bytes on the wire ---------------------------------------------------------------------

HOSTNAME = 59   # REMOTE_PROC_CONNECT_GET_HOSTNAME


def _wire(rule):
    """Opens a raw connection, calls CONNECT_GET_HOSTNAME (serial 7) under rule, returns every
    packet header read until the server has been quiet for a moment."""
    import socket
    with Faulty([dict(rule, match="CONNECT_GET_HOSTNAME")]) as fake:
        c = RawClient(fake.sock)
        c.open()
        c.send(HOSTNAME, 7)
        headers = []
        c.sock.settimeout(1)
        try:
            while True:
                hdr, _ = c._recv_wire()
                headers.append(hdr)
        except (socket.timeout, EOFError):
            pass
        c.sock.close()
        return headers


def test_wire_wrong_serial():
    (hdr,) = _wire({"type": "wrong_serial"})
    assert hdr[2] == HOSTNAME and hdr[3] == 1 and hdr[4] == 7 ^ 0x40000000


def test_wire_duplicate():
    headers = _wire({"type": "duplicate"})
    assert [h[4] for h in headers] == [7, 7]
    assert headers[0] == headers[1]


def test_wire_unsolicited():
    headers = _wire({"type": "unsolicited"})
    assert len(headers) == 2
    assert headers[0][4] & 0xFF000000 == 0x7F000000      # a serial nobody used, first
    assert headers[1][4] == 7
    assert headers[0][:4] == headers[1][:4]


def test_wire_slice_keeps_the_bytes():
    headers = _wire({"type": "slice", "size": 1, "delay_ms": 1})
    assert [(h[2], h[4]) for h in headers] == [(HOSTNAME, 7)]


def test_shutdown_with_held_output():
    """SIGTERM while a reply waits in the latency queue: clean exit, nothing leaked."""
    with Faulty([{"type": "latency", "latency_ms": 30000, "match": "CONNECT_GET_HOSTNAME"}]) \
            as fake:
        c = RawClient(fake.sock)
        c.open()
        c.send(HOSTNAME, 7)
        time.sleep(0.2)        # let the fake read the call (no assertion depends on timing)


# ---- fake-libvirtd + virsh / python3-libvirt ---------------------------------------------------

VIRSH_CASES = {
    "reset": ([{"type": "reset", "match": LIST}], r"End of file while reading data"),
    "truncate": ([{"type": "truncate", "match": LIST}], r"End of file while reading data"),
    "disconnect": ([{"type": "disconnect_mid_command", "match": LIST}],
                   r"End of file while reading data"),
    "bad_length": ([{"type": "bad_length", "match": LIST}],
                   r"bytes received from server too large"),
    "wrong_serial": ([{"type": "wrong_serial", "match": LIST}],
                     r"no call waiting for reply with prog 536903814 vers 1 serial 1073741830"),
    "unsolicited": ([{"type": "unsolicited", "match": LIST}],
                    r"no call waiting for reply with prog 536903814 vers 1 serial \d+"),
    # virsh drops the connection at the second copy; the listing it already had then lacks
    # the domain's details and it prints an empty table (exit 0, virsh's own choice)
    "duplicate": ([{"type": "duplicate", "match": LIST}],
                  r"Disconnected from test\+unix:///default\?socket=\S+ due to I/O error"),
    # virsh (libvirt) has no call timeout: its keepalive (-k 1 -K 2) notices the silence
    "blackhole": ([{"type": "blackhole", "match": LIST}],
                  r"internal error: connection closed due to keepalive timeout"),
}


@pytest.mark.parametrize("name", sorted(VIRSH_CASES))
def test_virsh_fault(name):
    rules, pattern = VIRSH_CASES[name]
    with Faulty(rules) as fake:
        p, elapsed = virsh(fake.uri, "list", "--all")
        assert p.returncode == (0 if name == "duplicate" else 1), (p.stdout, p.stderr)
        assert re.search(pattern, p.stderr), p.stderr
        assert elapsed < 15
        assert_alive(fake)


@pytest.mark.parametrize("rule", [
    {"type": "slice", "size": 1, "connections": 1},
    {"type": "latency", "latency_ms": 200, "jitter_ms": 50, "connections": 1},
    {"type": "bandwidth", "rate": 4000, "connections": 1},
], ids=["slice", "latency", "bandwidth"])
def test_virsh_survives_harmless_faults(rule):
    with Faulty([rule]) as fake:
        # libvirt's default keepalive (5 s x 5): -k 1 -K 2 would declare a slow but healthy
        # server dead on a loaded machine, which is not what these cases are about
        p, _ = virsh(fake.uri, "list", "--all", keepalive=False)
        assert p.returncode == 0, p.stderr
        assert LIST_OK.search(p.stdout), p.stdout


def test_virsh_keepalive_silence():
    """The fake stops answering PINGs: virsh gives up after its keepalive count."""
    with Faulty([{"type": "keepalive_silence", "connections": 1}]) as fake:
        p, elapsed = virsh(fake.uri, "event", "--all", "--loop", "--timeout", "30")
        assert re.search(r"due to keepalive timeout", p.stderr), p.stderr
        assert elapsed < 15, "virsh noticed the silence only after %.1f s" % elapsed
        assert "events received: 0" in p.stdout
        assert_alive(fake)


def test_virsh_keepalive_normal():
    """Control for the test above: without the fault the same loop runs to its timeout."""
    with Faulty([]) as fake:
        p, elapsed = virsh(fake.uri, "event", "--all", "--loop", "--timeout", "4")
        assert "keepalive" not in p.stderr, p.stderr
        assert "event loop timed out" in p.stdout
        assert elapsed >= 4


PY_CLIENT = r"""
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
try:
    print(",".join(d.name() for d in c.listAllDomains()))
except libvirt.libvirtError as e:
    print("ERROR", e.get_error_code(), e.get_error_message())
    sys.exit(1)
"""


@pytest.mark.parametrize("rule,pattern", [
    ({"type": "reset", "match": LIST}, r"^ERROR 38 End of file while reading data"),
    ({"type": "wrong_serial", "match": LIST},
     r"^ERROR 39 no call waiting for reply with prog 536903814 vers 1 serial 1073741828$"),
    ({"type": "unsolicited", "match": LIST},
     r"^ERROR 39 no call waiting for reply with prog 536903814 vers 1 serial \d+$"),
    ({"type": "bad_length", "match": LIST},
     r"^ERROR 39 packet -5 bytes received from server too large, want 33554432$"),
    ({"type": "slice", "size": 2, "connections": 1}, r"^test$"),
], ids=["reset", "wrong_serial", "unsolicited", "bad_length", "slice"])
def test_python_libvirt_fault(rule, pattern):
    with Faulty([rule]) as fake:
        p, _ = timed(["/usr/bin/python3", "-c", PY_CLIENT, fake.uri])
        assert re.search(pattern, p.stdout, re.M), (p.stdout, p.stderr)
        assert p.returncode == (0 if pattern == r"^test$" else 1)
        assert_alive(fake)


# ---- fake-qemu + virtc qmp ---------------------------------------------------------------------

STATUS_OK = re.compile(r'^\{"status": "running", .*"running": true\}$', re.M)
QS = "query-status"

QMP_CASES = {
    "no_greeting": ([{"type": "no_greeting", "connections": 1}], 2,
                    r"timeout: no QMP greeting from QMP server", T + 2),
    "negotiation_event": ([{"type": "negotiation_event", "event": "STOP"}], 0, STATUS_OK, T),
    "reply_without_id": ([{"type": "reply_without_id", "match": QS}], 0,
                         re.compile(r'"status": "running"'), T),
    "wrong_id": ([{"type": "wrong_serial", "match": QS}], 2,
                 r"timeout: timed out after \d+ ms waiting for the reply to 'query-status'",
                 T + 2),
    "duplicate": ([{"type": "duplicate", "match": QS}], 0, STATUS_OK, T),
    "unsolicited": ([{"type": "unsolicited", "match": QS}], 0, STATUS_OK, T),
    "disconnect": ([{"type": "disconnect_mid_command", "match": QS}], 2,
                   r"closed the connection while waiting for the reply to 'query-status'", T),
    "reset": ([{"type": "reset", "match": QS}], 2,
              r"closed the connection while waiting for the reply to 'query-status'", T),
    "truncate": ([{"type": "truncate", "match": QS}], 2,
                 r"closed the connection in the middle of a message", T),
    "blackhole": ([{"type": "blackhole", "match": QS}], 2,
                  r"timed out after \d+ ms waiting for the reply to 'query-status'", T + 2),
    "latency": ([{"type": "latency", "latency_ms": 300, "match": QS}], 0, STATUS_OK, T),
    "latency-past-timeout": ([{"type": "latency", "latency_ms": 10000, "match": QS}], 2,
                             r"timed out after \d+ ms", T + 2),
    "bandwidth": ([{"type": "bandwidth", "rate": 3000, "connections": 1}], 0, STATUS_OK, T),
    "slice": ([{"type": "slice", "size": 1, "connections": 1}], 0, STATUS_OK, T),
}


@pytest.mark.parametrize("name", sorted(QMP_CASES))
def test_qmp_fault(name):
    rules, rc, pattern, limit = QMP_CASES[name]
    with FaultyQemu(rules) as fake:
        ended_as(virtc_qmp(fake.target, QS), rc, pattern, limit, "virtc qmp")
        assert_qmp_alive(fake)


def test_qmp_negotiation_event_is_sent():
    """The event really comes between the greeting and the capabilities reply."""
    with FaultyQemu([{"type": "negotiation_event", "event": "STOP"}]) as fake:
        path = fake.target[len("unix:"):]
        import socket
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(path)
        f = s.makefile("rb")
        greeting = json.loads(f.readline())
        event = json.loads(f.readline())
        s.close()
        assert "QMP" in greeting
        assert event["event"] == "STOP" and "timestamp" in event


def _qmp_wire(rule):
    """Negotiates, sends query-status with id "q1" (and one with "q2"), returns the lines read
    until the server is quiet."""
    import socket
    with FaultyQemu([dict(rule, match=QS)]) as fake:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(1)
        s.connect(fake.target[len("unix:"):])
        f = s.makefile("rb")
        f.readline()
        s.sendall(b'{"execute": "qmp_capabilities", "id": "c"}\r\n')
        assert json.loads(f.readline()) == {"return": {}, "id": "c"}
        s.sendall(b'{"execute": "query-status", "id": "q1"}\r\n')
        lines = []
        try:
            while True:
                line = f.readline()
                if not line:
                    break
                lines.append(json.loads(line))
        except socket.timeout:
            pass
        s.close()
        return lines


def test_qmp_wire_reply_without_id():
    (reply,) = _qmp_wire({"type": "reply_without_id"})
    assert reply["return"]["status"] == "running" and "id" not in reply


def test_qmp_wire_wrong_and_unsolicited_ids():
    (reply,) = _qmp_wire({"type": "wrong_serial"})
    assert reply["id"].startswith("vw-fault-wrong-id-")
    first, second = _qmp_wire({"type": "unsolicited"})
    assert first["id"].startswith("vw-fault-unsolicited-") and second["id"] == "q1"
    assert first["return"] == second["return"]
    a, b = _qmp_wire({"type": "duplicate"})
    assert a == b and a["id"] == "q1"


def test_qmp_corrupt_repeatable():
    outcomes = []
    for _ in range(2):
        with FaultyQemu([{"type": "corrupt", "bits": 4, "match": QS}], seed=5) as fake:
            p, elapsed = virtc_qmp(fake.target, QS)
            assert p.returncode in (0, 2), p.stderr
            assert elapsed < T + 2
            assert_qmp_alive(fake)
            outcomes.append((p.returncode, p.stdout, p.stderr.replace(fake.target, "T")))
    assert outcomes[0] == outcomes[1]


def test_qmp_same_seed_same_faults():
    rules = [{"type": "disconnect_mid_command", "probability": 0.5, "match": QS}]

    def pattern(seed):
        with FaultyQemu(rules, seed=seed) as fake:
            out = ""
            for _ in range(20):
                p, _ = virtc_qmp(fake.target, QS)
                assert p.returncode in (0, 2), p.stderr
                out += "x" if p.returncode else "."
            return out
    first, second = pattern(42), pattern(42)
    assert first == second
    assert 0 < first.count("x") < 20, first


# ---- record and replay modes: the same output path, so the same faults ------------------------

def test_libvirt_faults_in_record_and_replay():
    rule = [{"type": "truncate", "match": LIST, "connections": 1}]
    d = tempfile.mkdtemp(prefix="vw-frr-")
    trace = os.path.join(d, "t.jsonl")
    try:
        with Faulty([]) as upstream:
            with Faulty(rule, extra=["--record", trace, "--upstream",
                                     "unix:" + upstream.sock]) as rec:
                p, _ = virtc(rec.uri, "list", "--all")
                assert p.returncode == 1
                assert "in the middle of a packet (32 of 64 bytes received)" in p.stderr
                p, _ = virtc(rec.uri, "list", "--all")     # second connection: no fault
                assert p.returncode == 0 and LIST_OK.search(p.stdout), p.stderr
        with Faulty(rule, extra=["--replay", trace]) as rep:
            p, _ = virtc(rep.uri, "list", "--all")
            assert p.returncode == 1
            assert "in the middle of a packet (32 of 64 bytes received)" in p.stderr
            p, _ = virtc(rep.uri, "list", "--all")
            assert p.returncode == 0 and LIST_OK.search(p.stdout), p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_qmp_faults_in_record_and_replay():
    d = tempfile.mkdtemp(prefix="vw-fqrr-")
    trace = os.path.join(d, "t.jsonl")
    try:
        with FaultyQemu([]) as upstream:
            rules = [{"type": "disconnect_mid_command", "match": "query-version"}]
            with FaultyQemu(rules, extra=["--record", trace, "--upstream",
                                          upstream.target]) as rec:
                p, _ = virtc_qmp(rec.target, QS)
                assert p.returncode == 0 and STATUS_OK.search(p.stdout), p.stderr
                p, _ = virtc_qmp(rec.target, "query-version")
                assert p.returncode == 2
                assert "closed the connection while waiting for the reply to " \
                       "'query-version'" in p.stderr
        with FaultyQemu([{"type": "wrong_serial", "match": QS, "connections": 1}],
                        extra=["--replay", trace]) as rep:
            p, elapsed = virtc_qmp(rep.target, QS)
            assert p.returncode == 2
            assert "timed out after" in p.stderr
            assert elapsed < T + 2
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- the scenario file's "faults" section and the admin socket's set_faults -------------------

def _admin(path, request):
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rwb")
    f.write((json.dumps(request) + "\n").encode())
    f.flush()
    reply = json.loads(f.readline())
    s.close()
    return reply


def test_scenario_faults_and_admin_set_faults():
    d = tempfile.mkdtemp(prefix="vw-fadm-")
    try:
        scenario = os.path.join(d, "scenario.json")
        admin = os.path.join(d, "admin.sock")
        with open(scenario, "w") as f:
            json.dump({"faults": [{"type": "reset", "match": LIST}]}, f)
        fake = FakeLibvirtd(extra_args=["--scenario", scenario, "--admin", "unix:" + admin])
        try:
            p, _ = virtc(fake.uri, "list", "--all")
            assert p.returncode == 1 and "the server closed the connection" in p.stderr
            assert _admin(admin, {"op": "set_faults", "faults": []}) == {"ok": True}
            p, _ = virtc(fake.uri, "list", "--all")
            assert p.returncode == 0 and LIST_OK.search(p.stdout), p.stderr
            assert _admin(admin, {"op": "set_faults", "faults": [
                {"type": "truncate", "match": LIST}]}) == {"ok": True}
            p, _ = virtc(fake.uri, "list", "--all")
            assert p.returncode == 1 and "in the middle of a packet" in p.stderr
            bad = _admin(admin, {"op": "set_faults", "faults": [{"type": "nope"}]})
            assert bad["ok"] is False
            assert 'faults[0].type: unknown fault "nope"' in bad["error"]
        finally:
            rc, err = fake.stop()
            no_sanitizer_report(err, "fake-libvirtd")
            assert rc == 0, err
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- configuration errors ----------------------------------------------------------------------

@pytest.mark.parametrize("prog,rules,message", [
    ("fake-libvirtd", [{"type": "latncy"}], r"faults\[0\]\.type: unknown fault \"latncy\""),
    ("fake-libvirtd", [{"type": "no_greeting"}], r"faults\[0\]: no_greeting is a QMP-only fault"),
    ("fake-libvirtd", [{"type": "reset", "probability": 2}],
     r"faults\[0\]\.probability: expected a number in 0\.\.1"),
    ("fake-libvirtd", [{"type": "duplicate", "direction": "c2s"}],
     r"faults\[0\]: duplicate applies only in direction s2c"),
    ("fake-libvirtd", [{"type": "latency"}], r"latency needs latency_ms"),
    ("fake-libvirtd", [{"type": "slice", "sise": 3}], r"unknown member \"sise\""),
    ("fake-qemu", [{"type": "bad_length"}], r"faults\[0\]: bad_length is a libvirt-only fault"),
    ("fake-qemu", {"faults": 3}, r"faults: expected an array of rules"),
])
def test_bad_rules_are_refused(prog, rules, message):
    d = tempfile.mkdtemp(prefix="vw-fbad-")
    try:
        path = os.path.join(d, "f.json")
        with open(path, "w") as f:
            json.dump(rules, f)
        addr = ["--listen", "unix:" + os.path.join(d, "s")] if prog == "fake-libvirtd" \
            else ["--qmp", "unix:" + os.path.join(d, "s")]
        p, _ = timed([str(BUILD / "bin" / prog)] + addr + ["--faults", path])
        assert p.returncode in (1, 2)
        assert "ready" not in p.stdout
        assert re.search(message, p.stderr), p.stderr
        assert path in p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_bad_json_names_the_line():
    d = tempfile.mkdtemp(prefix="vw-fbad-")
    try:
        path = os.path.join(d, "f.json")
        with open(path, "w") as f:
            f.write('[\n  {"type": "reset",}\n]\n')
        p, _ = timed([str(BUILD / "bin" / "fake-libvirtd"), "--listen",
                      "unix:" + os.path.join(d, "s"), "--faults", path])
        assert p.returncode == 2          # a bad file named on the command line, as in fake-qemu
        assert re.search(re.escape(path) + r":2:\d+: ", p.stderr), p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)
