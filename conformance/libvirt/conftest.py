"""The "target" fixture of the libvirt conformance suite, and the recording of what each target
returned.

Every case in this folder is written once and runs against each target:

  fake                 build/bin/fake-libvirtd (when built)
  host                 the host's libvirtd (Debian 12): the session fixture `libvirtd_sock` of
                       tests/integration/conftest.py is reused (VW_LIBVIRTD_SOCK, or one private
                       daemon started with ci/libvirtd-private); no second host daemon is started
  SUITE-libvirtd       the monolithic libvirtd of a Debian release, in a podman container whose
                       root filesystem conformance/images/build-rootfs built (only suites whose
                       tree is in the cache are targets)
  SUITE-virtproxyd     the modular layout (virtproxyd + virtqemud) of releases that ship it

VW_CONFORMANCE_TARGETS=fake,host,... restricts the list. The target fixture is session-scoped and
parametrized, so pytest runs all cases of one target together and only one container runs at a
time; the target keeps one python3-libvirt connection open for its whole life because the test
driver's state lives only while a connection to it is open.

Each case fills the `record` dict with what the target returned (already normalised where a value
legitimately changes between runs, e.g. generated UUIDs); a hook writes it with the outcome to
$VW_BUILD/conformance/results/TARGET/CASE.json, which conformance/report.py turns into the matrix.
"""
import importlib.util
import json
import os
import pathlib
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from harness import clean_env, libvirt_module
from known import known_reason

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
VIRTC = BUILD / "bin" / "virtc"
FAKE = BUILD / "bin" / "fake-libvirtd"
RESULTS = BUILD / "conformance" / "results"
LOGS = BUILD / "conformance" / "logs"
IMAGES = REPO / "conformance" / "images"
ROOTFS_CACHE = pathlib.Path(os.environ.get("VW_ROOTFS_CACHE", "/var/cache/virt-wire/rootfs"))
SUITES = ("bullseye", "bookworm", "trixie", "sid")
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
PODMAN = shutil.which("podman") or "/usr/bin/podman"

# Every process a case runs is bounded: a hang is a failure, never a stuck matrix.
PROC_TIMEOUT = 120
START_TIMEOUT = 90

# ---- the host daemon fixture of the integration tests, reused ---------------------------------

def _load_integration_conftest():
    path = REPO / "tests" / "integration" / "conftest.py"
    spec = importlib.util.spec_from_file_location("vw_integration_conftest", str(path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_integration = _load_integration_conftest()
libvirtd_sock = _integration.libvirtd_sock  # the session fixture, visible to this folder


# ---- which targets exist -------------------------------------------------------------------------

def rootfs_info(suite):
    """The marker build-rootfs writes (suite, libvirt, daemons, ...) or None when not built."""
    marker = ROOTFS_CACHE / suite / ".vw-rootfs"
    if not marker.is_file():
        return None
    info = {}
    for line in marker.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            info[k] = v
    return info


def discover_targets():
    names = []
    if os.access(str(FAKE), os.X_OK):
        names.append("fake")
    names.append("host")
    for suite in SUITES:
        info = rootfs_info(suite)
        if info is None:
            continue
        daemons = info.get("daemons", "").split()
        names.append(suite + "-libvirtd")
        if "virtproxyd" in daemons:
            names.append(suite + "-virtproxyd")
    wanted = os.environ.get("VW_CONFORMANCE_TARGETS", "").strip()
    if wanted:
        keep = [w.strip() for w in wanted.split(",") if w.strip()]
        unknown = [w for w in keep if w not in names]
        if unknown:
            raise pytest.UsageError("VW_CONFORMANCE_TARGETS names unavailable targets %s; available: %s"
                                    % (unknown, names))
        names = [n for n in names if n in keep]
    return names


def pytest_configure(config):
    config.addinivalue_line("markers", "procedure(name): the RPC procedure group a case belongs to")


def pytest_collection_modifyitems(config, items):
    """Marks the known differences (known.py) as strict xfails on their targets."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "target" not in callspec.params:
            continue
        reason = known_reason(callspec.params["target"], _case_id(item))
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


_target_names = []


def pytest_generate_tests(metafunc):
    if "target" in metafunc.fixturenames:
        # The same string objects for every module: pytest compares a session fixture's cached
        # param with `is`, and a fresh "bullseye-libvirtd" per module would restart the container
        # for every test.
        if not _target_names:
            _target_names.extend(discover_targets())
        names = list(_target_names)
        metafunc.parametrize("target", names, ids=names, indirect=True, scope="session")


# ---- targets -------------------------------------------------------------------------------------

class Target:
    """One daemon under test. uri/ro_uri are test+unix:// URIs; sock/ro_sock the socket paths."""

    def __init__(self, name, kind, sock, ro_sock, info, shared=False):
        self.name = name
        self.kind = kind
        self.sock = sock
        self.ro_sock = ro_sock
        self.uri = "test+unix:///default?socket=%s" % sock
        self.ro_uri = "test+unix:///default?socket=%s" % ro_sock
        self.info = info
        self.shared = shared  # a daemon other people use at the same time: no disruptive cases
        self.conn = None

    def open_keeper(self):
        libvirt = libvirt_module()
        self.conn = libvirt.open(self.uri)
        self.info["lib_version"] = self.conn.getLibVersion()
        self.info["api"] = "%d.%d.%d" % (self.info["lib_version"] // 1000000,
                                         self.info["lib_version"] // 1000 % 1000,
                                         self.info["lib_version"] % 1000)

    def close_keeper(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None

    def __repr__(self):
        return "<target %s>" % self.name


def _wait_socket(uri, sock, proc, log, timeout=START_TIMEOUT):
    """Waits until virsh can talk to the daemon at sock; fails with the log if it dies first."""
    end = time.monotonic() + timeout
    last = ""
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            break
        if os.path.exists(sock):
            r = subprocess.run([VIRSH, "-q", "-c", uri, "uri"], capture_output=True, text=True,
                               timeout=30, env=clean_env())
            if r.returncode == 0:
                return
            last = r.stderr
        time.sleep(0.2)
    tail = ""
    if log and os.path.exists(log):
        tail = "\n".join(pathlib.Path(log).read_text(errors="replace").splitlines()[-30:])
    pytest.fail("daemon at %s did not answer within %d s (%s)\nlast virsh error: %s\n--- %s ---\n%s"
                % (sock, timeout, "exited %s" % proc.returncode if proc is not None and
                   proc.poll() is not None else "still running", last, log, tail))


class FakeDaemon:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vw-conf-fake-")
        self.sock = os.path.join(self.dir, "sock")
        self.ro_sock = os.path.join(self.dir, "sock-ro")
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = str(LOGS / "fake.log")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([str(FAKE), "--listen", "unix:" + self.sock,
                                      "--listen-ro", "unix:" + self.ro_sock],
                                     stdout=subprocess.PIPE, stderr=self.logf, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        line = self.proc.stdout.readline() if ready else ""
        if line.strip() != "ready":
            self.stop()
            pytest.fail("fake-libvirtd did not print ready within 15 s (got %r); log %s"
                        % (line, self.log))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.logf.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ContainerDaemon:
    """A release's daemon in podman: no network, rootfs from the cache mounted as an overlay (the
    cached tree stays untouched), the socket directory /vw/sock bind-mounted from a host temporary
    directory, its own /run. Stopped with podman stop (SIGTERM, then SIGKILL after 10 s)."""

    def __init__(self, suite, daemon):
        self.rootfs = ROOTFS_CACHE / suite
        self.dir = tempfile.mkdtemp(prefix="vw-conf-%s-" % suite)
        self.sockdir = os.path.join(self.dir, "sock")
        os.mkdir(self.sockdir)
        self.sock = os.path.join(self.sockdir, "libvirt-sock")
        self.ro_sock = os.path.join(self.sockdir, "libvirt-sock-ro")
        self.name = "vw-conf-%s-%s-%d" % (suite, daemon, os.getpid())
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = str(LOGS / ("%s-%s.log" % (suite, daemon)))
        self.logf = open(self.log, "w")
        # Options must come before --rootfs PATH: podman takes everything after it as the command.
        # podman's default rlimits (nofile/nproc 1048576) exceed what this host lets runc set
        # (no CAP_SYS_RESOURCE), so modest explicit ones are given.
        cmd = [PODMAN, "--runtime", "runc", "--cgroup-manager=cgroupfs", "run", "--rm",
               "--name", self.name, "--network", "none", "--hostname", "vw-" + suite,
               "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
               "-v", "%s:/vw/sock" % self.sockdir,
               "-v", "%s:/vw/images:ro" % IMAGES,
               "--tmpfs", "/run", "--tmpfs", "/tmp",
               "--rootfs", "%s:O" % self.rootfs,
               "/vw/images/run-libvirtd", daemon]
        self.logf.write("$ %s\n" % " ".join(cmd))
        self.logf.flush()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            subprocess.run([PODMAN, "--runtime", "runc", "--cgroup-manager=cgroupfs", "stop",
                            "-t", "10", self.name], capture_output=True, timeout=60)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                subprocess.run([PODMAN, "--runtime", "runc", "--cgroup-manager=cgroupfs", "rm",
                                "-f", self.name], capture_output=True, timeout=60)
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.logf.close()
        shutil.rmtree(self.dir, ignore_errors=True)


_setups = {}


@pytest.fixture(scope="session")
def target(request):
    name = request.param
    out = RESULTS / name
    _setups[name] = _setups.get(name, 0) + 1
    if _setups[name] == 1:  # results of earlier sessions go; a re-setup keeps this session's
        shutil.rmtree(str(out), ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stopper = None
    if name == "fake":
        if not os.access(str(FAKE), os.X_OK):
            pytest.fail("%s not built (run make)" % FAKE)
        d = FakeDaemon()
        stopper = d.stop
        t = Target(name, "fake", d.sock, d.ro_sock, {"daemon": "fake-libvirtd",
                                                    "release": "virt-wire fake"})
        _wait_socket(t.uri, t.sock, d.proc, d.log)
    elif name == "host":
        sock = request.getfixturevalue("libvirtd_sock")
        t = Target(name, "host", sock, sock + "-ro",
                   {"daemon": "libvirtd", "release": "host (Debian 12)"},
                   shared=bool(os.environ.get("VW_LIBVIRTD_SOCK")))
    else:
        suite, daemon = name.split("-", 1)
        info = rootfs_info(suite)
        if info is None:
            pytest.fail("no root filesystem for %s in %s (conformance/images/build-rootfs %s)"
                        % (suite, ROOTFS_CACHE, suite))
        d = ContainerDaemon(suite, daemon)
        stopper = d.stop
        t = Target(name, "container", d.sock, d.ro_sock,
                   {"daemon": daemon, "release": "Debian %s" % suite,
                    "package": info.get("libvirt", "?")})
        try:
            _wait_socket(t.uri, t.sock, d.proc, d.log)
        except BaseException:
            d.stop()
            raise
    try:
        t.open_keeper()
    except Exception as exc:
        if stopper:
            stopper()
        pytest.fail("cannot open %s on target %s: %s" % (t.uri, name, exc))
    t.info["startup_seconds"] = round(time.monotonic() - started, 1)
    t.info["kind"] = t.kind
    t.info["setups"] = _setups[name]
    (out / "_target.json").write_text(json.dumps(t.info, indent=1, sort_keys=True))
    try:
        yield t
    finally:
        t.close_keeper()
        if stopper:
            stopper()


# ---- recording -----------------------------------------------------------------------------------

@pytest.fixture
def record(request):
    """A dict the case fills with what the target returned; written by the report hook."""
    data = {}
    request.node._vw_record = data
    return data


def _case_id(item):
    """The case's name without the target parameter, e.g. test_error[start-running]."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return item.name
    ids = callspec.id
    tname = callspec.params.get("target")
    if tname is not None:
        # the target's id is one dash-separated piece of the id (our target names contain one dash,
        # so remove it as a whole)
        pieces = ids.split("-")
        tpieces = str(tname).split("-")
        for i in range(len(pieces) - len(tpieces) + 1):
            if pieces[i:i + len(tpieces)] == tpieces:
                del pieces[i:i + len(tpieces)]
                break
        ids = "-".join(pieces)
    base = item.originalname or item.name.split("[")[0]
    return "%s[%s]" % (base, ids) if ids else base


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    callspec = getattr(item, "callspec", None)
    if callspec is None or "target" not in callspec.params:
        return
    # one file per case: setup failures and skips count, call results override setup's
    if rep.when == "setup" and rep.passed:
        return
    if rep.when == "teardown" and (rep.passed or getattr(item, "_vw_written", False) and
                                   not rep.failed):
        return
    tname = callspec.params["target"]
    mark = item.get_closest_marker("procedure")
    group = mark.args[0] if mark else item.module.__name__
    detail = ""
    if rep.failed:
        detail = str(rep.longreprtext)[-3000:]
    elif rep.skipped:
        lr = rep.longrepr
        detail = lr[2] if isinstance(lr, tuple) and len(lr) == 3 else str(lr)
    outcome_name = "passed" if rep.passed else ("skipped" if rep.skipped else "failed")
    if hasattr(rep, "wasxfail"):
        outcome_name = "known"  # failed as listed in known.py
        detail = "known difference: %s\n%s" % (rep.wasxfail, str(rep.longreprtext)[-2000:])
    if rep.when == "teardown" and rep.failed:
        outcome_name = "failed"
    data = {"case": _case_id(item), "group": group, "target": tname, "outcome": outcome_name,
            "when": rep.when, "detail": detail, "doc": (item.function.__doc__ or "").strip(),
            "observed": getattr(item, "_vw_record", {})}
    path = RESULTS / tname / (re.sub(r"[^A-Za-z0-9_.-]+", "_", data["case"]) + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str))
    item._vw_written = True


