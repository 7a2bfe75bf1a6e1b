"""qmp_harness: the pieces of the QMP conformance suite: a raw QMP connection with timeouts
(QmpConn), masking of run-dependent values (mask), the two kinds of target (Target): real
qemu-system-x86_64 and fake-qemu ($VW_BUILD/bin/fake-qemu), and the pytest fixtures.

Every case runs against both targets, started fresh per test and killed in teardown (fake-qemu by
SIGTERM, and it must exit 0, so ASan findings fail the test). The fake is started with the
version and package string read from the real QEMU's greeting. Every read has a timeout.

The fixtures live here, not in a conftest.py, and the test modules import them by name: test
modules elsewhere in the tree do `from conftest import ...`, which a second conftest.py module in
the same pytest session would shadow.
"""
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

QEMU = shutil.which("qemu-system-x86_64")
BUILD = os.environ.get("VW_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
FAKE = os.path.join(os.path.abspath(BUILD), "bin", "fake-qemu")
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fake-qemu",
                          "schemas")
START_TIMEOUT = 15.0
READ_TIMEOUT = 10.0


class QmpConn:
    """A raw QMP connection: send bytes, read CRLF-terminated JSON messages."""

    def __init__(self, path, timeout=START_TIMEOUT, double_greeting_ok=False):
        # Real QEMU 7.2 sometimes greets twice a client that connected while it was starting
        # (its chardev replays the "opened" event); tolerated for real QEMU only.
        self.double_greeting_ok = double_greeting_ok
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        self.buf = bytearray()
        self.scanned = 0          # bytes of buf known to hold no newline
        self.messages_seen = 0
        self.raw_lines = []
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return False
        try:
            chunk = self.sock.recv(1 << 20)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf.extend(chunk)
        return True

    def recv_line(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            pos = self.buf.find(b"\n", self.scanned)
            if pos >= 0:
                break
            self.scanned = len(self.buf)
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                raise TimeoutError(f"no complete message (eof={self.eof}, "
                                   f"buffered={bytes(self.buf[:200])!r})")
            self._fill(left)
        line = bytes(self.buf[:pos + 1])
        del self.buf[:pos + 1]
        self.scanned = 0
        self.raw_lines.append(line)
        return line

    def recv(self, timeout=READ_TIMEOUT):
        while True:
            line = self.recv_line(timeout)
            assert line.endswith(b"\r\n"), f"message does not end in CRLF: {line!r}"
            msg = json.loads(line)
            self.messages_seen += 1
            # the replayed greeting can land after the next reply when the machine is busy
            if self.double_greeting_ok and self.messages_seen > 1 and "QMP" in msg:
                continue
            return msg

    def recv_n(self, n, timeout=READ_TIMEOUT):
        return [self.recv(timeout) for _ in range(n)]

    def recv_reply(self, timeout=READ_TIMEOUT):
        """Messages up to and including the next non-event; returns (events, reply)."""
        events = []
        while True:
            msg = self.recv(timeout)
            if "event" in msg:
                events.append(msg)
            else:
                return events, msg

    def quiet(self, wait=0.3):
        """True when nothing arrives within `wait` seconds (for 'no reply' checks)."""
        if self.buf:
            return False
        return not self._fill(wait) and not self.eof

    def wait_eof(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._fill(left)
        return True

    def greeting(self):
        return self.recv()

    def negotiate(self, oob=False):
        self.greeting()
        args = {"enable": ["oob"]} if oob else {}
        self.send(json.dumps({"execute": "qmp_capabilities", "arguments": args}))
        assert self.recv() == {"return": {}}

    def cmd(self, name, arguments=None, **extra):
        msg = {"execute": name}
        if arguments is not None:
            msg["arguments"] = arguments
        msg.update(extra)
        self.send(json.dumps(msg))
        return self.recv_reply()


def mask(msg):
    """Masks what differs from run to run: event timestamps, thread ids."""
    if isinstance(msg, dict):
        out = {}
        for k, v in msg.items():
            if k == "timestamp" and isinstance(v, dict):
                assert set(v) == {"seconds", "microseconds"}, v
                out[k] = "<ts>"
            elif k == "thread-id" and isinstance(v, int) and v > 0:
                out[k] = "<tid>"
            else:
                out[k] = mask(v)
        return out
    if isinstance(msg, list):
        return [mask(x) for x in msg]
    return msg


class Target:
    def __init__(self, kind, tmpdir, version):
        self.kind = kind
        self.tmpdir = tmpdir
        self.version = version
        self.proc = None
        self.path = None
        self.conns = []

    def start(self, machine="none", prelaunch=False):
        assert self.proc is None
        self.path = os.path.join(self.tmpdir, f"{self.kind}.sock")
        if self.kind == "qemu":
            argv = [QEMU, "-machine", machine, "-nodefaults", "-display", "none", "-accel", "tcg",
                    "-qmp", f"unix:{self.path},server=on,wait=off"]
            if machine == "pc":
                argv += ["-device", "qemu-xhci,id=xhci"]
            if prelaunch:
                argv.append("-S")
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + START_TIMEOUT
            while not os.path.exists(self.path):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"qemu exited with {self.proc.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError("qemu did not create its QMP socket")
                time.sleep(0.01)
        else:
            q = self.version["qemu"]
            argv = [FAKE, "--qmp", f"unix:{self.path}", "--machine", machine, "--self-check",
                    "--qemu-version", f"{q['major']}.{q['minor']}.{q['micro']}",
                    "--qemu-package", self.version["package"]]
            if prelaunch:
                argv.append("--prelaunch")
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
            r, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
            line = self.proc.stdout.readline() if r else b""
            if line != b"ready\n":
                raise RuntimeError(f"fake-qemu did not print 'ready' (got {line!r})")
        return self

    def connect(self):
        c = QmpConn(self.path, double_greeting_ok=self.kind == "qemu")
        self.conns.append(c)
        return c

    def session(self, machine="none", prelaunch=False, oob=False):
        """Starts the target and returns a negotiated connection."""
        self.start(machine=machine, prelaunch=prelaunch)
        c = self.connect()
        c.negotiate(oob=oob)
        return c

    def stop(self):
        """Kills the target. fake-qemu gets SIGTERM first and must exit 0 (under ASan a leak or
        memory error makes that fail); returns a problem description or None."""
        problem = None
        for c in self.conns:
            c.close()
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            if self.kind == "fake":
                self.proc.send_signal(signal.SIGTERM)
                try:
                    rc = self.proc.wait(timeout=20)
                    if rc != 0:
                        problem = f"fake-qemu exited with {rc} on SIGTERM"
                except subprocess.TimeoutExpired:
                    problem = "fake-qemu did not exit within 20 s of SIGTERM"
            if self.proc.poll() is None:
                self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            problem = problem or "target did not die after SIGKILL"
        if self.proc.stdout:
            self.proc.stdout.close()
        return problem


def _read_real_version():
    """The real QEMU's greeting version, or the recorded schema's when QEMU is missing."""
    if not QEMU:
        return {"qemu": {"major": 7, "minor": 2, "micro": 22}, "package": "v7.2.22"}
    with tempfile.TemporaryDirectory(prefix="vw-qmp-") as tmp:
        t = Target("qemu", tmp, None)
        try:
            t.start()
            c = t.connect()
            return c.greeting()["QMP"]["version"]
        finally:
            t.stop()


@pytest.fixture(scope="session")
def real_version():
    return _read_real_version()


@pytest.fixture(params=["qemu", "fake"])
def target(request, real_version, tmp_path_factory):
    if request.param == "qemu" and not QEMU:
        pytest.skip("qemu-system-x86_64 is not installed")
    if request.param == "fake" and not os.access(FAKE, os.X_OK):
        pytest.fail(f"fake-qemu not built: {FAKE} (set VW_BUILD)")
    tmp = tempfile.mkdtemp(prefix="vwq-")   # short path: unix socket paths are limited
    t = Target(request.param, tmp, real_version)
    yield t
    problem = t.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    assert problem is None, problem


@pytest.fixture
def schema_files(real_version):
    q = real_version["qemu"]
    tag = f"qemu-{q['major']}.{q['minor']}.{q['micro']}"
    return (os.path.join(SCHEMA_DIR, f"{tag}-query-qmp-schema.json"),
            os.path.join(SCHEMA_DIR, f"{tag}-query-commands.json"))
