"""pytest_virtwire: pytest fixtures that run virt-wire's fake libvirtd and fake QEMU.

Use from any project (docs/pytest-plugin.md):

    pip install --no-index --no-build-isolation /path/to/virt-wire/pytest-plugin
    pytest            # loaded through its pytest11 entry point
    # or, without installing it:
    PYTHONPATH=/path/to/virt-wire/pytest-plugin pytest -p pytest_virtwire
    # or, in a conftest.py at the root of your tests:  pytest_plugins = ["pytest_virtwire"]

    def test_lookup_error(fake_libvirtd):
        fl = fake_libvirtd(scenario={"stubs": [{
            "match": {"procedure": "DOMAIN_LOOKUP_BY_NAME", "args": {"name": "web"}},
            "answer": {"error": {"code": 42, "domain": 12, "message": "Domain not found"}}}]})
        conn = libvirt.open(fl.uri)
        ...
        fl.admin.assert_called("DOMAIN_LOOKUP_BY_NAME", times=1, args={"name": "web"})

The binaries are found in the --vw-bin directory, else $VW_BIN (a directory), else
$VW_BUILD/bin, else on PATH. Every fake runs on private unix sockets in its own temporary
directory, with an admin socket; at the end of the test it gets SIGTERM and the test fails if it
exited with a non-zero status or died from a signal (a crash, or a sanitizer report).
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

__all__ = ["AdminClient", "AdminError", "FakeLibvirtd", "FakeQemu", "find_binary",
           "fake_libvirtd", "fake_qemu"]

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
_BIN_OPTION = None


def pytest_addoption(parser):
    group = parser.getgroup("virtwire", "virt-wire fakes")
    group.addoption("--vw-bin", action="store", default=None,
                    help="directory holding fake-libvirtd and fake-qemu (default: $VW_BIN, "
                         "then $VW_BUILD/bin, then PATH)")


def pytest_configure(config):
    global _BIN_OPTION
    try:
        _BIN_OPTION = config.getoption("--vw-bin")
    except ValueError:
        _BIN_OPTION = None


def find_binary(name):
    """The path of a virt-wire program: --vw-bin, $VW_BIN/NAME, $VW_BUILD/bin/NAME, PATH."""
    dirs = []
    if _BIN_OPTION:
        dirs.append(_BIN_OPTION)
    if os.environ.get("VW_BIN"):
        dirs.append(os.environ["VW_BIN"])
    if os.environ.get("VW_BUILD"):
        dirs.append(os.path.join(os.environ["VW_BUILD"], "bin"))
    for d in dirs:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        "pytest_virtwire: cannot find %s: set VW_BIN to the directory holding it, or VW_BUILD to "
        "a virt-wire build directory (looked in: %s and PATH)" % (name, ", ".join(dirs) or "-"))


class AdminError(Exception):
    """The fake answered a request with "ok": false."""


class AdminClient:
    """A client of a fake's admin socket (newline-delimited JSON, docs/admin-protocol.md)."""

    def __init__(self, path, timeout=10.0):
        self.path = path
        self.timeout = timeout
        self._sock = None
        self._buf = b""

    def _connect(self):
        if self._sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.timeout)
            s.connect(self.path)
            self._sock = s
            self._buf = b""

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request(self, op, **members):
        """Sends {"op": op, ...members}; returns the reply, raises AdminError if not ok."""
        self._connect()
        req = dict(members)
        req["op"] = op
        self._sock.sendall(json.dumps(req).encode() + b"\n")
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("admin socket %s: no reply to %r" % (self.path, op))
            chunk = self._sock.recv(65536)
            if not chunk:
                self.close()
                raise ConnectionError("admin socket %s closed the connection" % self.path)
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        reply = json.loads(line)
        if not reply.get("ok"):
            raise AdminError("%s: %s" % (op, reply.get("error", reply)))
        return reply

    # ---- operations ----
    def ping(self):
        return self.request("ping")

    def add_stubs(self, stubs):
        """Adds stubs (a list, or one stub dict); returns their ids."""
        if isinstance(stubs, dict):
            stubs = [stubs]
        return self.request("add_stubs", stubs=stubs)["ids"]

    def remove_stubs(self, ids):
        if isinstance(ids, str):
            ids = [ids]
        return self.request("remove_stubs", ids=list(ids))

    def list_stubs(self):
        return self.request("list_stubs")["stubs"]

    def clear_stubs(self):
        return self.request("clear_stubs")

    def reset(self):
        """Stubs back to the scenario file's, states to Started, journal emptied, model reset."""
        return self.request("reset")

    def set_faults(self, faults):
        return self.request("set_faults", faults=faults)

    def get_state(self):
        return self.request("get_state")["states"]

    def set_state(self, scenario, state):
        return self.request("set_state", scenario=scenario, state=state)

    def reset_states(self, scenario=None):
        """Every scenario (or only the one named) back to "Started"."""
        if scenario is None:
            return self.request("reset_states")
        return self.request("reset_states", scenario=scenario)

    def journal(self, **filters):
        """The journal; filters: procedure= / command=, program=, args= / arguments=, conn=,
        limit=."""
        return self.request("journal", **filters)

    def reset_journal(self):
        return self.request("reset_journal")

    def calls(self, name=None, args=None):
        """The journal entries of calls named name (all when None) whose arguments contain
        args (a subset pattern)."""
        filters = {}
        if name is not None:
            filters[self._name_key()] = name
        if args is not None:
            filters[self._args_key()] = args
        return self.journal(**filters)["entries"]

    def _protocol(self):
        if not hasattr(self, "_proto"):
            self._proto = self.ping().get("protocol", "libvirt")
        return self._proto

    def _name_key(self):
        return "command" if self._protocol() == "qmp" else "procedure"

    def _args_key(self):
        return "arguments" if self._protocol() == "qmp" else "args"

    def assert_called(self, name, times=None, args=None, at_least=None):
        """Asserts that calls named name (procedure or QMP command), with arguments containing
        args, were received: exactly times times, or at least at_least (default: at least
        once). Returns the matching journal entries."""
        entries = self.calls(name, args)
        n = len(entries)
        if times is not None:
            ok = n == times
            want = "exactly %d" % times
        else:
            least = 1 if at_least is None else at_least
            ok = n >= least
            want = "at least %d" % least
        if not ok:
            everything = self.journal()
            seen = self.calls(name)
            last = seen[-1]["args"] if seen else None
            raise AssertionError(
                "%s%s: expected %s call(s), got %d; %d call(s) of %s with any arguments "
                "(last arguments: %s); calls received: %s"
                % (name, "" if args is None else " with arguments %s" % json.dumps(args), want,
                   n, len(seen), name, json.dumps(last), json.dumps(everything["counts"])))
        return entries

    def assert_not_called(self, name, args=None):
        self.assert_called(name, times=0, args=args)


class _FakeProcess:
    program = None

    def __init__(self, args, workdir, name):
        self.killed_by = None   # the signal kill() sent: the stop at teardown accepts it
        self.workdir = workdir
        self.name = name
        self.args = args
        self.stderr_path = os.path.join(workdir, "%s.stderr" % name)
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL)
        self._wait_ready()
        self.admin = AdminClient(self.admin_socket) if self.admin_socket else None
        self.returncode = None

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("%s did not print 'ready' within %.0f s\n%s"
                                   % (self.name, READY_TIMEOUT, self.stderr_tail()))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            ch = os.read(fd, 1)
            if not ch:
                self.proc.wait()
                raise RuntimeError("%s exited with status %s before it was ready: %s\n%s"
                                   % (self.name, self.proc.returncode, " ".join(self.args),
                                      self.stderr_tail()))
            line += ch
        if line.strip() != b"ready":
            raise RuntimeError("%s printed %r instead of 'ready'" % (self.name, line))

    def stderr_tail(self, lines=30):
        try:
            if not self._stderr.closed:
                self._stderr.flush()
            with open(self.stderr_path, "rb") as f:
                text = f.read().decode(errors="replace").splitlines()
            return "\n".join(text[-lines:])
        except OSError:
            return ""

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        """Kills the fake on purpose (e.g. a recorder killed mid-flow) and waits for it; the
        check after the test then accepts its death by sig (any other end still fails)."""
        if self.admin:
            self.admin.close()
        self.killed_by = sig
        self.proc.send_signal(sig)
        self.proc.wait()

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait; raises AssertionError if the exit was not a clean 0."""
        if self.admin:
            self.admin.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("%s did not exit within %.0f s of SIGTERM\n%s"
                                     % (self.name, timeout, self.stderr_tail()))
        self.proc.stdout.close()
        self._stderr.close()
        self.returncode = rc = self.proc.returncode
        if self.killed_by is not None and rc == -self.killed_by:
            return
        if rc < 0:
            raise AssertionError("%s died from signal %d (%s)\n%s"
                                 % (self.name, -rc, signal.Signals(-rc).name, self.stderr_tail()))
        if rc != 0:
            raise AssertionError("%s exited with status %d\n%s"
                                 % (self.name, rc, self.stderr_tail()))


def _scenario_file(scenario, workdir, name):
    if scenario is None:
        return None
    if isinstance(scenario, (dict, list)):
        if isinstance(scenario, list):
            scenario = {"stubs": scenario}
        path = os.path.join(workdir, "%s-scenario.json" % name)
        with open(path, "w") as f:
            json.dump(scenario, f, indent=1)
        return path
    return os.fspath(scenario)


class FakeLibvirtd(_FakeProcess):
    """A running fake-libvirtd: .socket, .uri (test driver), .qemu_uri, .admin."""
    program = "fake-libvirtd"

    def __init__(self, workdir, name="fake-libvirtd", mode="model", scenario=None, state=None,
                 trace=None, upstream=None, extra_args=(), admin=True, readonly_socket=False,
                 seed=None):
        self.socket = os.path.join(workdir, "%s.sock" % name)
        self.ro_socket = os.path.join(workdir, "%s-ro.sock" % name) if readonly_socket else None
        self.admin_socket = os.path.join(workdir, "%s-admin.sock" % name) if admin else None
        args = [find_binary(self.program), "--listen", "unix:" + self.socket]
        if self.ro_socket:
            args += ["--listen-ro", "unix:" + self.ro_socket]
        if state is not None:
            args += ["--state", os.fspath(state)]
        args += _mode_args(mode, trace, upstream)
        path = _scenario_file(scenario, workdir, name)
        if path:
            args += ["--scenario", path]
        if self.admin_socket:
            args += ["--admin", "unix:" + self.admin_socket]
        if seed is not None:
            args += ["--seed", str(seed)]
        args += list(extra_args)
        super().__init__(args, workdir, name)

    @property
    def uri(self):
        return "test+unix:///default?socket=" + self.socket

    @property
    def qemu_uri(self):
        return "qemu+unix:///system?socket=" + self.socket

    @property
    def ro_uri(self):
        return "test+unix:///default?socket=" + (self.ro_socket or self.socket)


class FakeQemu(_FakeProcess):
    """A running fake-qemu: .socket, .address ("unix:PATH"), .admin."""
    program = "fake-qemu"

    def __init__(self, workdir, name="fake-qemu", mode="model", scenario=None, trace=None,
                 upstream=None, extra_args=(), admin=True, seed=None):
        self.socket = os.path.join(workdir, "%s.sock" % name)
        self.admin_socket = os.path.join(workdir, "%s-admin.sock" % name) if admin else None
        args = [find_binary(self.program), "--qmp", "unix:" + self.socket]
        args += _mode_args(mode, trace, upstream)
        path = _scenario_file(scenario, workdir, name)
        if path:
            args += ["--scenario", path]
        if self.admin_socket:
            args += ["--admin", "unix:" + self.admin_socket]
        if seed is not None:
            args += ["--seed", str(seed)]
        args += list(extra_args)
        super().__init__(args, workdir, name)

    @property
    def address(self):
        return "unix:" + self.socket


def _mode_args(mode, trace, upstream):
    if mode == "model":
        if trace or upstream:
            raise ValueError("trace= and upstream= need mode='replay' or mode='record'")
        return []
    if mode == "replay":
        if not trace:
            raise ValueError("mode='replay' needs trace=PATH")
        return ["--replay", os.fspath(trace)]
    if mode == "record":
        if not trace or not upstream:
            raise ValueError("mode='record' needs trace=PATH and upstream='unix:PATH'")
        return ["--record", os.fspath(trace), "--upstream", upstream]
    raise ValueError("mode must be 'model', 'replay' or 'record', not %r" % (mode,))


def _factory(cls):
    started = []
    # unix socket paths are limited to 108 bytes: a short private directory, not tmp_path
    workdir = tempfile.mkdtemp(prefix="vw-")
    counter = [0]

    def start(**kwargs):
        counter[0] += 1
        kwargs.setdefault("name", "%s-%d" % (cls.program, counter[0]))
        fake = cls(workdir, **kwargs)
        started.append(fake)
        return fake

    def finish():
        errors = []
        for fake in started:
            try:
                fake.stop()
            except AssertionError as e:
                errors.append(str(e))
        shutil.rmtree(workdir, ignore_errors=True)
        if errors:
            pytest.fail("\n".join(errors), pytrace=False)

    return start, finish


@pytest.fixture
def fake_libvirtd():
    """Factory: fake_libvirtd(mode="model"|"replay"|"record", scenario=PATH|dict|list,
    state=PATH, trace=PATH, upstream="unix:PATH", extra_args=[...], admin=True, seed=N)
    starts a fake-libvirtd and returns a FakeLibvirtd (.uri, .socket, .admin). Each one is
    stopped with SIGTERM after the test, which fails unless it exited 0."""
    start, finish = _factory(FakeLibvirtd)
    yield start
    finish()


@pytest.fixture
def fake_qemu():
    """Factory: fake_qemu(mode=..., scenario=..., trace=..., upstream=..., extra_args=[...])
    starts a fake-qemu and returns a FakeQemu (.address, .socket, .admin)."""
    start, finish = _factory(FakeQemu)
    yield start
    finish()
