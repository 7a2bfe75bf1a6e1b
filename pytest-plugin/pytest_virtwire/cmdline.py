"""fake-qemu run with QEMU's command line (docs/fake-qemu.md, "Under a real libvirtd"): the
arguments qemu-system-x86_64 would take, as libvirtd writes them. In that mode fake-qemu prints
no `ready` line, as QEMU prints none; it is ready when

  - -daemonize: the process started exits 0 (it waits for its daemon to be ready, as QEMU's
    does) and the daemon's pid is in the -pidfile, which -daemonize therefore needs;
  - otherwise: its monitor greets a client: the unix socket of `-qmp unix:PATH,...`, or
    monitor=PATH for a monitor the caller passes as a listening socket (-chardev socket,fd=N
    with pass_fds=[N]).

Stopping is SIGTERM, then the process gone. A daemon is not our child, so its exit status
cannot be read: it counts as a clean exit (status 0) when it removed its -pidfile, which
fake-qemu does only on its orderly way out. No pytest import here.
"""
import os
import signal
import socket
import subprocess
import time

from .process import READY_TIMEOUT, STOP_TIMEOUT, ReadyProcess, find_binary

__all__ = ["FakeQemuCmdline"]


def option_value(argv, name):
    """The value after the last `name` in argv (QEMU's one-dash options), or None."""
    value = None
    for i, a in enumerate(argv[:-1]):
        if a == name:
            value = argv[i + 1]
    return value


def qmp_unix_path(argv):
    """PATH of `-qmp unix:PATH[,options]`, or None."""
    spec = option_value(argv, "-qmp")
    if spec and spec.startswith("unix:"):
        return spec[len("unix:"):].split(",")[0]
    return None


def pid_gone(pid):
    """True when pid no longer runs (absent, or a zombie its parent has not reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def greets(path, timeout):
    """True when the unix socket at path accepts a client and sends it a line (the greeting)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                return False
            data += chunk
        return data.startswith(b'{"QMP"')
    except OSError:
        return False
    finally:
        s.close()


class FakeQemuCmdline(ReadyProcess):
    """fake-qemu started with QEMU's command line argv (a list, without the program): .argv,
    .monitor (the monitor's unix socket path, or None), .pidfile, .daemonized, .pid (the daemon's
    after -daemonize). binary= runs another program with the same rules (default: fake-qemu)."""
    program = "fake-qemu"

    def __init__(self, workdir, argv, name="fake-qemu", monitor=None, binary=None,
                 ready_timeout=READY_TIMEOUT, **process_options):
        self.argv = [os.fspath(a) for a in argv]
        self.daemonized = "-daemonize" in self.argv
        self.pidfile = option_value(self.argv, "-pidfile")
        self.monitor = os.fspath(monitor) if monitor else qmp_unix_path(self.argv)
        self.daemon_pid = None
        if self.daemonized and not self.pidfile:
            raise ValueError("FakeQemuCmdline: -daemonize needs -pidfile PATH (the daemon's pid "
                             "is read from it)")
        if not self.daemonized and not self.monitor:
            raise ValueError("FakeQemuCmdline: nothing to wait for: give -qmp unix:PATH,... or "
                             "monitor=PATH (a listening socket passed with pass_fds)")
        super().__init__(workdir, [binary or find_binary(self.program)] + self.argv, name,
                         ready_timeout=ready_timeout, **process_options)

    def _not_ready(self, why):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()
        raise RuntimeError("%s %s: %s\n%s" % (self.name, why, " ".join(self.args),
                                             self.stderr_tail()))

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        if self.daemonized:
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._not_ready("did not daemonize within %.0f s" % timeout)
            if rc != 0:
                self._not_ready("exited with status %s instead of daemonizing" % rc)
            try:
                with open(self.pidfile) as f:
                    self.daemon_pid = int(f.read().strip())
            except (OSError, ValueError) as e:
                self._not_ready("daemonized but its pidfile %s holds no pid (%s)"
                                % (self.pidfile, e))
            return
        while not greets(self.monitor, max(0.1, min(2.0, deadline - time.monotonic()))):
            if self.proc.poll() is not None:
                self._not_ready("exited with status %s before its monitor greeted"
                                % self.proc.returncode)
            if time.monotonic() > deadline:
                self._not_ready("had no monitor greeting on %s within %.0f s"
                                % (self.monitor, timeout))
            time.sleep(0.02)

    @property
    def pid(self):
        return self.daemon_pid if self.daemonized else self.proc.pid

    def alive(self):
        return not pid_gone(self.daemon_pid) if self.daemonized else super().alive()

    def kill(self, sig=signal.SIGKILL):
        if not self.daemonized:
            return super().kill(sig)
        self.killed_by = sig
        os.kill(self.daemon_pid, sig)
        self._wait_gone(STOP_TIMEOUT)

    def _wait_gone(self, timeout):
        deadline = time.monotonic() + timeout
        while not pid_gone(self.daemon_pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def terminate(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait; (status, stderr). After -daemonize the status is 0 when the daemon
        exited and removed its pidfile, 1 when it left the pidfile behind (a crash)."""
        if not self.daemonized:
            return super().terminate(timeout)
        if not pid_gone(self.daemon_pid):
            os.kill(self.daemon_pid, signal.SIGTERM)
            if not self._wait_gone(timeout):
                os.kill(self.daemon_pid, signal.SIGKILL)
                self._wait_gone(timeout)
                self._close()
                raise AssertionError("%s (daemon pid %d) did not exit within %.0f s of SIGTERM"
                                     % (self.name, self.daemon_pid, timeout))
        self._close()
        left = os.path.exists(self.pidfile)
        if left and self.killed_by is not None:
            self.returncode = -self.killed_by
        else:
            self.returncode = 1 if left else 0
        text = self.stderr_text()
        if left and self.killed_by is None:
            text += "\n%s: the daemon left its pidfile %s behind" % (self.name, self.pidfile)
        return self.returncode, text
