"""qmp_harness: the pieces of the QMP conformance suite: a raw QMP connection with timeouts
(QmpConn), masking of run-dependent values (mask), the kinds of target (Target): real
qemu-system-x86_64, fake-qemu ($VW_BUILD/bin/fake-qemu), and the qemu-system-x86_64 of a Debian
release inside its conformance container, and the pytest fixtures.

Targets ($VW_QMP_TARGETS, comma-separated; default "qemu,fake"):
  qemu           the host's qemu-system-x86_64 (skipped when not installed)
  fake           fake-qemu, started with the version and package string of the host QEMU
  fake-X.Y       X.Y = 5.2 | 10.0 | 11.1: fake-qemu modelling that release (--qemu-version with
                 the version and package of the recorded release, fake-qemu/schemas/*-query-
                 version.json), checked against the same expectations as the real release
  qemu-SUITE     SUITE = bullseye | bookworm | trixie | sid: the release's QEMU, run in a podman
                 container on the root filesystem conformance/images/build-rootfs cached
                 (see ReleaseContainer); "all" = qemu, fake, the fake-X.Y targets and every
                 cached suite with QEMU

Every case runs against each target, started fresh per test and killed in teardown (fake-qemu by
SIGTERM, and it must exit 0, so ASan findings fail the test). Every read has a timeout.
Where a release's QEMU legitimately differs from 7.2, the case either takes the version into
account (Target.version_tuple) or the difference is listed in qmp_known.py (a strict xfail on that
target, explained in docs/compatibility.md).

The fixtures live here, not in a conftest.py, and the test modules import them by name: test
modules elsewhere in the tree do `from conftest import ...`, which a second conftest.py module in
the same pytest session would shadow.
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

QEMU = shutil.which("qemu-system-x86_64")
BUILD = os.environ.get("VW_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
FAKE = os.path.join(os.path.abspath(BUILD), "bin", "fake-qemu")
os.environ.setdefault("VW_BUILD", os.path.abspath(BUILD))   # where FakeQemu finds fake-qemu
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fake-qemu",
                          "schemas")
START_TIMEOUT = 15.0
READ_TIMEOUT = 10.0
ROOTFS_CACHE = pathlib.Path(os.environ.get("VW_ROOTFS_CACHE", "/var/cache/virt-wire/rootfs"))
SUITES = ("bullseye", "bookworm", "trixie", "sid")
# fake-X.Y targets: the recorded release each one models (its query-version reply is the
# target's version) and the Debian suite whose QEMU it stands for
FAKE_RELEASES = {"5.2": ("5.2.0", "bullseye"), "10.0": ("10.0.13", "trixie"),
                 "11.1": ("11.1.3", "sid")}
PODMAN = [shutil.which("podman") or "/usr/bin/podman", "--runtime", "runc",
          "--cgroup-manager=cgroupfs"]
NSENTER = shutil.which("nsenter") or "/usr/bin/nsenter"


# the one QMP line client and the one way to start a fake: the pytest plugin's package
from pytest_virtwire.process import FakeQemu  # noqa: E402
from pytest_virtwire.qmp import QmpLine as QmpConn  # noqa: E402


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


def rootfs_marker(suite):
    """build-rootfs's marker of a cached tree as a dict, or None when the tree is not built."""
    marker = ROOTFS_CACHE / suite / ".vw-rootfs"
    if not marker.is_file():
        return None
    return dict(line.split("=", 1) for line in marker.read_text().splitlines() if "=" in line)


def release_suites():
    """Cached suites whose tree has qemu-system-x86_64."""
    return [s for s in SUITES if rootfs_marker(s) is not None and
            (ROOTFS_CACHE / s / "usr" / "bin" / "qemu-system-x86_64").exists()]


def target_names():
    raw = os.environ.get("VW_QMP_TARGETS", "").strip() or "qemu,fake"
    names = []
    for n in (x.strip() for x in raw.split(",")):
        if n == "all":
            names += ["qemu", "fake"] + ["fake-" + v for v in FAKE_RELEASES] + [
                "qemu-" + s for s in release_suites()]
        elif n:
            names.append(n)
    for n in names:
        if n not in ("qemu", "fake") and not (n.startswith("qemu-") and n[5:] in SUITES) and \
                not (n.startswith("fake-") and n[5:] in FAKE_RELEASES):
            raise ValueError(f"VW_QMP_TARGETS: unknown target {n!r} (qemu, fake, fake-X.Y with "
                             f"X.Y in {', '.join(FAKE_RELEASES)}, qemu-SUITE with SUITE in "
                             f"{', '.join(SUITES)}, or all)")
    return list(dict.fromkeys(names))


class NsProc:
    """A process started with nsenter inside a container: nsenter waits for it and exits with its
    status (or dies of its signal), so wait()/poll()/returncode are the process's; signals go to
    the process itself (nsenter does not forward them)."""

    def __init__(self, argv):
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        self.stdout = None
        self._child = None

    @property
    def returncode(self):
        return self.popen.returncode

    def poll(self):
        return self.popen.poll()

    def wait(self, timeout=None):
        return self.popen.wait(timeout=timeout)

    def child_pid(self):
        """The pid (host view) of the process nsenter forked, or None while it is not there."""
        if self._child is None:
            try:
                kids = pathlib.Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
                pids = kids.read_text().split()
            except OSError:
                return None
            self._child = int(pids[0]) if pids else None
        return self._child

    def send_signal(self, sig):
        pid = self.child_pid()
        if pid is not None and self.popen.poll() is None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        elif self.popen.poll() is None:
            self.popen.send_signal(sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)


class ReleaseContainer:
    """A long-lived container of one Debian release for the QMP targets: podman run (network
    none, the cached root filesystem as an overlay, PID 1 = sleep) with the host directory
    `share` bind-mounted at the same path, so socket and file paths are the same on both sides.
    Each test's QEMU is started in the container's namespaces with nsenter (a podman run per test
    costs about 1.3 s more); it runs /usr/bin/qemu-system-x86_64 of the release."""

    def __init__(self, suite):
        self.suite = suite
        self.marker = rootfs_marker(suite)
        if self.marker is None:
            raise RuntimeError(f"no root filesystem for {suite} in {ROOTFS_CACHE} "
                               f"(conformance/images/build-rootfs {suite})")
        if not (ROOTFS_CACHE / suite / "usr" / "bin" / "qemu-system-x86_64").exists():
            raise RuntimeError(f"the cached {suite} tree has no qemu-system-x86_64 (rebuild it: "
                               f"conformance/images/build-rootfs {suite})")
        self.share = tempfile.mkdtemp(prefix=f"vwqc-{suite}-")
        self.name = f"vw-qmp-{suite}-{os.getpid()}"
        cmd = PODMAN + ["run", "-d", "--rm", "--name", self.name, "--network", "none",
                        "--hostname", "vw-" + suite,
                        "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                        "-v", f"{self.share}:{self.share}", "--tmpfs", "/run",
                        "--rootfs", f"{ROOTFS_CACHE / suite}:O", "sleep", "infinity"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            shutil.rmtree(self.share, ignore_errors=True)
            raise RuntimeError(f"podman run for {suite} failed: {r.stderr.strip()}\n"
                               f"$ {' '.join(cmd)}")
        r = subprocess.run(PODMAN + ["inspect", "-f", "{{.State.Pid}}", self.name],
                           capture_output=True, text=True, timeout=60)
        try:
            self.pid = int(r.stdout.strip())
        except ValueError:
            self.stop()
            raise RuntimeError(f"cannot find the pid of container {self.name}: {r.stderr}")
        self.version = None

    def qemu_argv(self, args):
        return [NSENTER, "-t", str(self.pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w",
                "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                "/usr/bin/qemu-system-x86_64"] + args

    def stop(self):
        subprocess.run(PODMAN + ["rm", "-f", "-t", "0", self.name], capture_output=True,
                       timeout=60)
        shutil.rmtree(self.share, ignore_errors=True)


class Target:
    def __init__(self, kind, tmpdir, version, name=None, container=None):
        self.kind = kind              # "qemu" (any real QEMU) or "fake"
        self.name = name or kind      # the target's name: qemu, fake, fake-X.Y, qemu-SUITE
        self.container = container    # ReleaseContainer for qemu-SUITE
        self.tmpdir = tmpdir
        self.version = version
        self.proc = None
        self.path = None
        self.conns = []
        self._greeted = None          # real QEMU: the probe connection, greeted, not yet handed out
        self.notes = {}               # version-dependent expectations a case applied (report)

    @property
    def version_tuple(self):
        q = self.version["qemu"]
        return (q["major"], q["minor"], q["micro"])

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
            if self.container is not None:
                self.proc = NsProc(self.container.qemu_argv(argv[1:]))
            else:
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + START_TIMEOUT
            while not os.path.exists(self.path):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"qemu exited with {self.proc.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError("qemu did not create its QMP socket")
                time.sleep(0.01)
            self._probe_greeting(deadline)
        else:
            q = self.version["qemu"]
            argv = [FAKE, "--qmp", f"unix:{self.path}", "--machine", machine, "--self-check",
                    "--qemu-version", f"{q['major']}.{q['minor']}.{q['micro']}",
                    "--qemu-package", self.version["package"]]
            if prelaunch:
                argv.append("--prelaunch")
            self.fake = FakeQemu(self.tmpdir, name=self.kind, socket=self.path, admin=False,
                                 extra_args=argv[3:], ready_timeout=START_TIMEOUT)
            self.proc = self.fake.proc
        return self

    def _probe_greeting(self, deadline):
        """Real QEMU creates its socket before its monitor is wired up: a client that connects in
        that window is sometimes greeted twice and sometimes (about one start in 100 here) never
        greeted at all. So a probe client connects first and waits for the greeting, reconnecting
        when none comes. The probe that got its greeting is not closed: it becomes the case's
        first connection, its greeting put back unread. (Closing it and connecting again raced
        with QEMU taking in the hang-up: QEMU 5.2 then sometimes closed the next client before
        greeting it.)"""
        while True:
            probe = QmpConn(self.path, timeout=max(0.1, deadline - time.monotonic()),
                            double_greeting_ok=True)
            try:
                line = probe.recv_line(timeout=2.0)
                if b'"QMP"' in line:
                    probe.buf[:0] = line
                    probe.scanned = 0
                    probe.raw_lines.clear()
                    self._greeted = probe
                    return
            except TimeoutError:
                pass
            probe.close()
            if self.proc.poll() is not None:
                raise RuntimeError(f"qemu exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("qemu never sent its QMP greeting")

    def connect(self):
        c, self._greeted = self._greeted, None
        if c is None:
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
        if self._greeted is not None:
            self._greeted.close()
            self._greeted = None
        for c in self.conns:
            c.close()
        if self.proc is None:
            return None
        if self.kind == "fake":
            alive = self.proc.poll() is None
            try:
                rc, _ = self.fake.terminate(timeout=20)
                if alive and rc != 0:
                    problem = f"fake-qemu exited with {rc} on SIGTERM"
            except AssertionError:
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


def fake_release_version(xy):
    """The query-version reply recorded from the real release a fake-X.Y target models."""
    full, _suite = FAKE_RELEASES[xy]
    with open(os.path.join(SCHEMA_DIR, f"qemu-{full}-query-version.json")) as f:
        return json.load(f)


_containers = {}


@pytest.fixture(scope="session")
def release_containers():
    """The ReleaseContainers started during the session (one per suite, on first use)."""
    yield _containers
    for c in _containers.values():
        if isinstance(c, ReleaseContainer):
            c.stop()
    _containers.clear()


def _release_container(suite):
    """The running container of a suite with its QEMU's greeting version; a start-up failure is
    remembered, so every case of that target fails with it instead of retrying."""
    c = _containers.get(suite)
    if c is None:
        try:
            c = ReleaseContainer(suite)
            _containers[suite] = c
            with tempfile.TemporaryDirectory(prefix="v-", dir=c.share) as tmp:
                t = Target("qemu", tmp, None, name="qemu-" + suite, container=c)
                try:
                    t.start()
                    c.version = t.connect().greeting()["QMP"]["version"]
                finally:
                    t.stop()
        except Exception as exc:  # noqa: BLE001 (reported by every case of the target)
            c = _containers[suite] = f"{type(exc).__name__}: {exc}"
    if isinstance(c, str):
        pytest.fail(f"target qemu-{suite} unavailable: {c}")
    return c


@pytest.fixture(params=target_names())
def target(request, real_version, release_containers):
    name = request.param
    container = None
    if name == "qemu" and not QEMU:
        pytest.skip("qemu-system-x86_64 is not installed")
    if name.startswith("fake") and not os.access(FAKE, os.X_OK):
        pytest.fail(f"fake-qemu not built: {FAKE} (set VW_BUILD)")
    if name.startswith("qemu-"):
        container = _release_container(name[5:])
        # short path inside the shared directory: unix socket paths are limited
        tmp = tempfile.mkdtemp(prefix="v-", dir=container.share)
        t = Target("qemu", tmp, container.version, name=name, container=container)
    elif name.startswith("fake-"):
        tmp = tempfile.mkdtemp(prefix="vwq-")
        t = Target("fake", tmp, fake_release_version(name[5:]), name=name)
    else:
        tmp = tempfile.mkdtemp(prefix="vwq-")   # short path: unix socket paths are limited
        t = Target(name, tmp, real_version)
    from qmp_known import known_reason
    reason = known_reason(t, request.node)
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    yield t
    problem = t.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    assert problem is None, problem


@pytest.fixture
def schema_files(target):
    """The recorded query-qmp-schema / query-commands of the target's QEMU version."""
    q = target.version["qemu"]
    tag = f"qemu-{q['major']}.{q['minor']}.{q['micro']}"
    return (os.path.join(SCHEMA_DIR, f"{tag}-query-qmp-schema.json"),
            os.path.join(SCHEMA_DIR, f"{tag}-query-commands.json"))
