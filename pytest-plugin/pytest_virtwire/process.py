"""Starting and stopping virt-wire's programs: the one place that runs a program, waits for its
`ready` line (bounded) and stops it with SIGTERM.

ReadyProcess runs any program that prints `ready` when it listens (fake-libvirtd, fake-qemu,
vwtrace record-*); FakeLibvirtd and FakeQemu add their sockets and options. The fixtures of
pytest_virtwire use these classes; so do scripts outside pytest (the benchmarks), with
start_private() for a temporary directory of their own. No pytest import here.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

from .admin import AdminClient

__all__ = ["FakeLibvirtd", "FakeQemu", "ReadyProcess", "find_binary", "rss_kib",
           "set_bin_option", "start_private"]

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
_BIN_OPTION = None


def set_bin_option(directory):
    """The --vw-bin directory (pytest's option), searched before the environment."""
    global _BIN_OPTION
    _BIN_OPTION = directory


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


class ReadyProcess:
    """A program started with args that prints `ready` on its standard output once it listens.
    Its standard error goes to log (a path), by default WORKDIR/NAME.stderr. stop() asserts a
    clean exit 0; terminate() only reports how it ended."""
    admin_socket = None

    def __init__(self, workdir, args, name=None, env=None, ready_timeout=READY_TIMEOUT, log=None,
                 pass_fds=()):
        self.killed_by = None   # the signal kill() sent: the stop at teardown accepts it
        self.workdir = workdir
        self.args = [os.fspath(a) for a in args]
        self.name = name or os.path.basename(self.args[0])
        self.returncode = None
        self.stderr_path = os.fspath(log) if log else os.path.join(workdir, "%s.stderr" % self.name)
        self._stderr = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self._stderr,
                                         stdin=subprocess.DEVNULL, env=env, pass_fds=pass_fds)
        except OSError as e:
            self._stderr.close()
            raise RuntimeError("cannot run %s: %s" % (self.args[0], e.strerror or e)) from None
        self._wait_ready(ready_timeout)
        self.admin = AdminClient(self.admin_socket) if self.admin_socket else None

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                self.proc.kill()
                self.proc.wait()
                self._stderr.close()
                raise RuntimeError("%s did not print 'ready' within %.0f s\n%s"
                                   % (self.name, timeout, self.stderr_tail()))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            ch = os.read(fd, 1)
            if not ch:
                self.proc.wait()
                self._stderr.close()
                raise RuntimeError("%s exited with status %s before it was ready: %s\n%s"
                                   % (self.name, self.proc.returncode, " ".join(self.args),
                                      self.stderr_tail()))
            line += ch
        self.ready_line = line
        if line.strip() != b"ready":
            self.proc.kill()
            self.proc.wait()
            self._stderr.close()
            raise RuntimeError("%s printed %r instead of 'ready'" % (self.name, line))

    def stderr_text(self):
        """Everything the program wrote on its standard error so far."""
        try:
            if not self._stderr.closed:
                self._stderr.flush()
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stderr_tail(self, lines=30):
        return "\n".join(self.stderr_text().splitlines()[-lines:])

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        """Kills the program on purpose (e.g. a recorder killed mid-flow) and waits for it; the
        check after the test then accepts its death by sig (any other end still fails)."""
        if self.admin:
            self.admin.close()
        self.killed_by = sig
        self.proc.send_signal(sig)
        self.proc.wait()

    def terminate(self, timeout=STOP_TIMEOUT):
        """SIGTERM (unless it already ended), wait; returns (exit status, standard error).
        Raises AssertionError if it does not exit within timeout (it is then killed)."""
        if self.admin:
            self.admin.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close()
                tail = self.stderr_tail()
                _remove_owned_workdir(self)
                raise AssertionError("%s did not exit within %.0f s of SIGTERM\n%s"
                                     % (self.name, timeout, tail))
        self._close()
        self.returncode = self.proc.returncode
        text = self.stderr_text()
        _remove_owned_workdir(self)
        return self.returncode, text

    def _close(self):
        if not self.proc.stdout.closed:
            self.proc.stdout.close()
        self._stderr.close()

    def _shared_args(self, workdir, name, mode, trace, upstream, scenario, admin, seed,
                     extra_args):
        """The options both fakes take the same way (mode, scenario, admin socket, seed), then
        extra_args; sets .admin_socket."""
        self.admin_socket = os.path.join(workdir, "%s-admin.sock" % name) if admin else None
        args = _mode_args(mode, trace, upstream)
        path = _scenario_file(scenario, workdir, name)
        if path:
            args += ["--scenario", path]
        if self.admin_socket:
            args += ["--admin", "unix:" + self.admin_socket]
        if seed is not None:
            args += ["--seed", str(seed)]
        return args + list(extra_args)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait; raises AssertionError if the exit was not a clean 0."""
        rc, text = self.terminate(timeout)
        tail = "\n".join(text.splitlines()[-30:])
        if self.killed_by is not None and rc == -self.killed_by:
            return
        if rc < 0:
            raise AssertionError("%s died from signal %d (%s)\n%s"
                                 % (self.name, -rc, signal.Signals(-rc).name, tail))
        if rc != 0:
            raise AssertionError("%s exited with status %d\n%s"
                                 % (self.name, rc, tail))


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


def _state_file(state, workdir, name):
    """state= is a path, or the JSON text or value of a --state file (written to workdir)."""
    if state is None:
        return None
    if isinstance(state, (dict, list)):
        state = json.dumps(state)
    if isinstance(state, str) and state.lstrip().startswith("{"):
        path = os.path.join(workdir, "%s-state.json" % name)
        with open(path, "w") as f:
            f.write(state)
        return path
    return os.fspath(state)


class FakeLibvirtd(ReadyProcess):
    """A running fake-libvirtd: .socket, .uri (test driver), .qemu_uri, .admin."""
    program = "fake-libvirtd"

    def __init__(self, workdir, name="fake-libvirtd", mode="model", scenario=None, state=None,
                 trace=None, upstream=None, extra_args=(), admin=True, readonly_socket=False,
                 seed=None, socket=None, **process_options):
        self.socket = os.fspath(socket) if socket else os.path.join(workdir, "%s.sock" % name)
        self.ro_socket = os.path.join(workdir, "%s-ro.sock" % name) if readonly_socket else None
        args = [find_binary(self.program), "--listen", "unix:" + self.socket]
        if self.ro_socket:
            args += ["--listen-ro", "unix:" + self.ro_socket]
        path = _state_file(state, workdir, name)
        if path:
            args += ["--state", path]
        args += self._shared_args(workdir, name, mode, trace, upstream, scenario, admin, seed,
                                  extra_args)
        super().__init__(workdir, args, name, **process_options)

    @property
    def uri(self):
        return "test+unix:///default?socket=" + self.socket

    @property
    def qemu_uri(self):
        return "qemu+unix:///system?socket=" + self.socket

    @property
    def ro_uri(self):
        return "test+unix:///default?socket=" + (self.ro_socket or self.socket)


class FakeQemu(ReadyProcess):
    """A running fake-qemu: .socket, .address ("unix:PATH", or listen= as given), .admin."""
    program = "fake-qemu"

    def __init__(self, workdir, name="fake-qemu", mode="model", scenario=None, trace=None,
                 upstream=None, extra_args=(), admin=True, seed=None, socket=None, listen=None,
                 **process_options):
        if listen and socket:
            raise ValueError("socket= (a unix socket) and listen= (any --qmp address) exclude "
                             "each other")
        self.socket = None if listen else (
            os.fspath(socket) if socket else os.path.join(workdir, "%s.sock" % name))
        self._address = listen or "unix:" + self.socket
        args = [find_binary(self.program), "--qmp", self._address]
        args += self._shared_args(workdir, name, mode, trace, upstream, scenario, admin, seed,
                                  extra_args)
        super().__init__(workdir, args, name, **process_options)

    @property
    def address(self):
        return self._address


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


def start_private(cls, *args, **kwargs):
    """cls(WORKDIR, *args, **kwargs) in a new private temporary directory (short: unix socket
    paths are limited to 108 bytes), removed again when the process is stopped or terminated.
    For callers without the fixtures: scripts, and tests that check the exit themselves."""
    workdir = tempfile.mkdtemp(prefix="vw-")
    try:
        proc = cls(workdir, *args, **kwargs)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    proc.owns_workdir = True
    return proc


def _remove_owned_workdir(proc):
    if getattr(proc, "owns_workdir", False):
        shutil.rmtree(proc.workdir, ignore_errors=True)


def rss_kib(pid):
    """The resident memory (VmRSS) of a process, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)
