"""The "target" fixture of the libvirt conformance suite, and the recording of what each target
returned.

Every case in this folder is written once and runs against each target:

  fake                 build/bin/fake-libvirtd (when built), modelling libvirt 9.0 (its default)
  fake-X.Y             fake-libvirtd --libvirt-version X.Y.0 for the other modelled releases
                       (FAKE_RELEASES: 7.0 = bullseye, 11.3 = trixie, 12.8 = sid); the report
                       compares each with the daemon of the release it models
  host                 the host's libvirtd (Debian 12): the session fixture `libvirtd_sock` of
                       pytest_virtwire.libvirtd is reused (VW_LIBVIRTD_SOCK, or one private
                       daemon started with ci/libvirtd-private); no second host daemon is started
  SUITE-libvirtd       the monolithic libvirtd of a Debian release, in a podman container whose
                       root filesystem conformance/images/build-rootfs built (only suites whose
                       tree is in the cache are targets)
  SUITE-virtproxyd     the modular layout (virtproxyd + virtqemud) of releases that ship it
  record-RELEASE       the recording pass of a release (host, bullseye, ...): the release's
                       daemon behind two `fake-libvirtd --record --upstream` proxies (read-write
                       and read-only socket); traces, run token and the pass's own results go to
                       $VW_CONFORMANCE_TRACES/RELEASE (default $VW_BUILD/conformance/traces), not
                       to the matrix
  replay-RELEASE       the replay pass: two `fake-libvirtd --replay` daemons serving those traces,
                       no real daemon; each case's result carries the recording pass's result of
                       the same case, the matrix compares the two

VW_CONFORMANCE_REPLAY=record (default: record-X and replay-X for every real release available),
replay (only replay-X, for every RELEASE whose traces are in the traces folder) or off.

VW_CONFORMANCE_TARGETS=fake,host,... restricts the list. The target fixture is session-scoped and
parametrized, so pytest runs all cases of one target together and only one container runs at a
time; the target keeps one python3-libvirt connection open for its whole life because the test
driver's state lives only while a connection to it is open.

Each case fills the `record` dict with what the target returned (already normalised where a value
legitimately changes between runs, e.g. generated UUIDs); a hook writes it with the outcome to
$VW_BUILD/conformance/results/TARGET/CASE.json, which conformance/report.py turns into the matrix.
"""
import gc
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

# the shipped pytest plugin's package: process start-up, the raw wire client, the event loop and
# the host daemon fixture shared with the integration tests
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "pytest-plugin"))
from pytest_virtwire.libvirtd import libvirtd_sock  # noqa: E402,F401  (session fixture)
# what both conformance suites write for a case (conformance/ is on sys.path in make conformance)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import case_results  # noqa: E402
from case_results import case_id as _case_id  # noqa: E402

from pytest_virtwire.process import FakeLibvirtd, start_private  # noqa: E402

from harness import clean_env, libvirt_module  # noqa: E402
from known import known_reason  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
VIRTC = BUILD / "bin" / "virtc"
FAKE = BUILD / "bin" / "fake-libvirtd"
os.environ.setdefault("VW_BUILD", str(BUILD))   # where the plugin's FakeLibvirtd finds it
RESULTS = BUILD / "conformance" / "results"
LOGS = BUILD / "conformance" / "logs"
IMAGES = REPO / "conformance" / "images"
ROOTFS_CACHE = pathlib.Path(os.environ.get("VW_ROOTFS_CACHE", "/var/cache/virt-wire/rootfs"))
SUITES = ("bullseye", "bookworm", "trixie", "sid")
# fake-libvirtd --libvirt-version targets beside "fake" (9.0): target name -> the release given.
# conformance/report.py compares each with the container target of the suite it models.
FAKE_RELEASES = {"fake-7.0": "7.0.0", "fake-11.3": "11.3.0", "fake-12.8": "12.8.0"}
TRACES = pathlib.Path(os.environ.get("VW_CONFORMANCE_TRACES", str(BUILD / "conformance" / "traces")))
REPLAY_MODE = os.environ.get("VW_CONFORMANCE_REPLAY", "record").strip() or "record"
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
PODMAN = shutil.which("podman") or "/usr/bin/podman"

# Every process a case runs is bounded: a hang is a failure, never a stuck matrix.
PROC_TIMEOUT = 120
START_TIMEOUT = 90

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
    fake = os.access(str(FAKE), os.X_OK)
    if fake:
        names.append("fake")
        names += list(FAKE_RELEASES)
    names.append("host")
    releases = ["host"]
    for suite in SUITES:
        info = rootfs_info(suite)
        if info is None:
            continue
        daemons = info.get("daemons", "").split()
        names.append(suite + "-libvirtd")
        releases.append(suite)
        if "virtproxyd" in daemons:
            names.append(suite + "-virtproxyd")
    if REPLAY_MODE not in ("record", "replay", "off"):
        raise pytest.UsageError("VW_CONFORMANCE_REPLAY=%s: use record, replay or off" % REPLAY_MODE)
    if fake and REPLAY_MODE == "record":
        # all recordings first: a replay-X target needs the trace record-X writes
        names += ["record-" + r for r in releases] + ["replay-" + r for r in releases]
    elif fake and REPLAY_MODE == "replay":
        # no real daemon at all: what runs without root, podman or libvirtd
        names = ["fake"] + ["replay-" + r for r in ("host",) + SUITES
                            if (TRACES / r / "rw.trace").is_file()]
        if not any(n.startswith("replay-") for n in names):
            raise pytest.UsageError("VW_CONFORMANCE_REPLAY=replay: no traces in %s (record them: "
                                    "make conformance-record RELEASE=...)" % TRACES)
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
    """build/bin/fake-libvirtd in model mode, or with `extra` options (--record, --replay) and then
    without a read-only listener (ro=False: ro_sock is None). Started by the plugin's
    FakeLibvirtd (pytest_virtwire.process), its standard error in LOGS/log_name."""

    def __init__(self, extra=(), log_name="fake.log", ro=True):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = str(LOGS / log_name)
        try:
            self.fake = start_private(FakeLibvirtd, name="fake", admin=False, readonly_socket=ro,
                                      extra_args=list(extra), log=self.log, ready_timeout=15)
        except RuntimeError as e:
            pytest.fail("fake-libvirtd did not start: %s\nlog %s" % (e, self.log))
        self.sock = self.fake.socket
        self.ro_sock = self.fake.ro_socket
        self.proc = self.fake.proc

    def stop(self):
        try:
            self.fake.terminate(timeout=10)
        except AssertionError:
            pass    # killed after 10 s; the case that needs a clean exit checks proc itself


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


def _out_dir(name):
    """Where a target's case results go: the matrix's results folder, except for a recording pass
    (next to its traces, where the replay pass finds them)."""
    if name.startswith("record-"):
        return TRACES / name[len("record-"):] / "results"
    return RESULTS / name


@pytest.fixture(scope="session")
def target(request):
    name = request.param
    out = _out_dir(name)
    _setups[name] = _setups.get(name, 0) + 1
    if _setups[name] == 1:  # results of earlier sessions go; a re-setup keeps this session's
        shutil.rmtree(str(out), ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stopper = None
    if name == "fake" or name in FAKE_RELEASES:
        if not os.access(str(FAKE), os.X_OK):
            pytest.fail("%s not built (run make)" % FAKE)
        release = FAKE_RELEASES.get(name)
        extra = ["--libvirt-version", release] if release else []
        d = FakeDaemon(extra, log_name="%s.log" % name)
        stopper = d.stop
        t = Target(name, "fake", d.sock, d.ro_sock,
                   {"daemon": "fake-libvirtd" + (" --libvirt-version " + release if release else ""),
                    "release": "virt-wire fake of libvirt %s" % (release or "9.0.0")})
        _wait_socket(t.uri, t.sock, d.proc, d.log)
    elif name.startswith("record-"):
        t, stopper = _start_recording(request, name, name[len("record-"):])
    elif name.startswith("replay-"):
        t, stopper = _start_replay(name, name[len("replay-"):], out)
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
    _active[name] = t
    try:
        yield t
    finally:
        _active.pop(name, None)
        t.close_keeper()
        if t.kind in ("record", "replay"):
            gc.collect()  # the keeper's CONNECT_CLOSE before the recorder or replayer stops
        if stopper:
            stopper()
        if t.kind in ("record", "replay"):  # the stoppers added the trace / replay report summary
            t.info["seconds"] = round(time.monotonic() - started, 1)
            (out / "_target.json").write_text(json.dumps(t.info, indent=1, sort_keys=True))


# ---- record and replay targets -------------------------------------------------------------------

_active = {}          # target name -> Target, while it runs
# How the replay daemons match (docs/replay.md). strict: every connection's calls in recorded
# order, which a replay of the whole suite does (cases run in a fixed order). pick=match moves a
# client to the recorded connection whose calls it makes when clients connect in another order.
# The keeper connection lives for the whole session and carries calls of many cases, so a subset
# (-k) of a whole-suite recording fails there in strict mode; VW_CONFORMANCE_REPLAY_MATCH=unordered
# lets most subsets replay (but weakens pick=match, which needs in-order calls to move a client).
REPLAY_MATCH = os.environ.get("VW_CONFORMANCE_REPLAY_MATCH", "strict")
REPLAY_PICK = os.environ.get("VW_CONFORMANCE_REPLAY_PICK", "match")


def _release_daemon(request, release):
    """Starts (containers) or finds (host) the real daemon of a release: (sock, ro_sock, info,
    stopper, shared)."""
    if release == "host":
        sock = request.getfixturevalue("libvirtd_sock")
        return (sock, sock + "-ro", {"daemon": "libvirtd", "release": "host (Debian 12)"}, None,
                bool(os.environ.get("VW_LIBVIRTD_SOCK")))
    if release not in SUITES:
        pytest.fail("unknown release %r (host, %s)" % (release, ", ".join(SUITES)))
    info = rootfs_info(release)
    if info is None:
        pytest.fail("no root filesystem for %s in %s (conformance/images/build-rootfs %s)"
                    % (release, ROOTFS_CACHE, release))
    d = ContainerDaemon(release, "libvirtd")
    uri = "test+unix:///default?socket=%s" % d.sock
    try:
        _wait_socket(uri, d.sock, d.proc, d.log)
    except BaseException:
        d.stop()
        raise
    return (d.sock, d.ro_sock, {"daemon": "libvirtd", "release": "Debian %s" % release,
                                "package": info.get("libvirt", "?")}, d.stop, False)


def _stop_all(stoppers):
    for stop in stoppers:
        try:
            stop()
        except Exception:
            pass


def _start_recording(request, name, release):
    """The recording pass: the release's daemon behind two recording proxies, one for its
    read-write socket (rw.trace) and one for its read-only socket (ro.trace, the proxy forwards to
    one upstream only). A fresh run token (the names the cases define carry it, so recordings of
    two runs on one shared daemon never collide) is written next to the traces."""
    tdir = TRACES / release
    tdir.mkdir(parents=True, exist_ok=True)  # results/ in it: the target fixture emptied it
    for f in ("rw.trace", "ro.trace", "token", "_recording.json"):
        if (tdir / f).exists():
            (tdir / f).unlink()
    token = os.urandom(3).hex()
    (tdir / "token").write_text(token + "\n")
    sock, ro_sock, info, stop_daemon, shared = _release_daemon(request, release)
    stoppers = []  # recorders first (SIGTERM completes the traces), then the daemon
    try:
        rw = FakeDaemon(["--record", str(tdir / "rw.trace"), "--upstream", "unix:" + sock],
                        log_name="%s-rw.log" % name, ro=False)
        stoppers.append(rw.stop)
        ro = FakeDaemon(["--record", str(tdir / "ro.trace"), "--upstream", "unix:" + ro_sock],
                        log_name="%s-ro.log" % name, ro=False)
        stoppers.append(ro.stop)
    except BaseException:
        _stop_all(stoppers + ([stop_daemon] if stop_daemon else []))
        raise
    if stop_daemon:
        stoppers.append(stop_daemon)
    info = dict(info, daemon="fake-libvirtd --record -> " + info["daemon"], recorded=release,
                token=token, traces=str(tdir), shared=shared,
                recorded_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    t = Target(name, "record", rw.sock, ro.sock, info, shared=shared)
    t.release, t.token = release, token
    _wait_socket(t.uri, t.sock, rw.proc, rw.log)

    def stop():
        _stop_all(stoppers)
        for f in ("rw.trace", "ro.trace"):
            p = tdir / f
            t.info[f] = {"bytes": p.stat().st_size if p.exists() else 0,
                         "lines": sum(1 for _ in open(str(p))) if p.exists() else 0}
        (tdir / "_recording.json").write_text(json.dumps(t.info, indent=1, sort_keys=True))
    return t, stop


# A --replay-report's keys (docs/replay.md#the-report), and what reports written before
# virt-wire had one report format for both fakes called them.
_REPORT_OLD_NAMES = {"matched": "calls_matched", "unmatched": "calls_unmatched",
                     "never_used": "recorded_calls_unused",
                     "never_served_calls": "recorded_calls_in_unserved_connections",
                     "never_served": "recorded_connections_never_served",
                     "unmatched_calls": "unmatched", "never_used_calls": "unused"}


def report_get(report, key, default=None):
    """report[key], or the same value under its old name in a report from an older fake."""
    if key in report and not (key == "unmatched" and isinstance(report[key], list)):
        return report[key]
    return report.get(_REPORT_OLD_NAMES.get(key, key), default)


def _replay_summary(report):
    """The few numbers of a --replay-report JSON that the matrix shows."""
    keys = ("matched", "unmatched", "never_used", "recorded_connections", "never_served_calls")
    out = {k: report_get(report, k) for k in keys}
    out["never_served"] = len(report_get(report, "never_served", []))
    out["unmatched_calls"] = [dict(u, client=c.get("client"), recorded_conn=c.get("recorded_conn"))
                              for c in report.get("connections", [])
                              for u in report_get(c, "unmatched_calls", [])][:50]
    return out


def _start_replay(name, release, out):
    """The replay pass: two fake-libvirtd --replay daemons (the read-write and the read-only
    trace), no real daemon. Each writes its --replay-report into the target's result folder; the
    summary goes to _target.json."""
    tdir = TRACES / release
    if not (tdir / "rw.trace").is_file() or not (tdir / "ro.trace").is_file():
        pytest.fail("no traces of %s in %s (record them: make conformance-record RELEASE=%s)"
                    % (release, tdir, release))
    token = (tdir / "token").read_text().strip() if (tdir / "token").is_file() else ""
    rec_info = {}
    if (tdir / "_recording.json").is_file():
        rec_info = json.loads((tdir / "_recording.json").read_text())
    outcomes = {}
    for f in (tdir / "results").glob("*.json"):
        if not f.name.startswith("_"):
            try:
                o = json.loads(f.read_text()).get("outcome", "?")
            except ValueError:
                o = "unreadable"
            outcomes[o] = outcomes.get(o, 0) + 1
    daemons = []
    try:
        for which in ("rw", "ro"):
            daemons.append(FakeDaemon(
                ["--replay", str(tdir / ("%s.trace" % which)), "--replay-pick", REPLAY_PICK,
                 "--replay-match", REPLAY_MATCH,
                 "--replay-report", str(out / ("_replay-%s.json" % which))],
                log_name="%s-%s.log" % (name, which), ro=False))
    except BaseException:
        _stop_all(d.stop for d in daemons)
        raise
    rw, ro = daemons
    info = {"daemon": "fake-libvirtd --replay", "replay_of": release,
            "release": "replay of %s" % rec_info.get("release", release),
            "package": rec_info.get("package", ""), "token": token, "traces": str(tdir),
            "pick": REPLAY_PICK, "match": REPLAY_MATCH, "recorded_at": rec_info.get("recorded_at", ""),
            "recording_outcomes": outcomes}
    # a case the recording pass skipped on a shared daemon is skipped here too (autouse fixture)
    t = Target(name, "replay", rw.sock, ro.sock, info, shared=bool(rec_info.get("shared")))
    t.release, t.token = release, token
    t.replay_logs = [rw.log, ro.log]
    t.log_offsets = [0, 0]
    _wait_socket(t.uri, t.sock, rw.proc, rw.log)

    def stop():
        _stop_all(d.stop for d in daemons)
        t.info["replay"] = {}
        for which in ("rw", "ro"):
            p = out / ("_replay-%s.json" % which)
            try:
                t.info["replay"][which] = _replay_summary(json.loads(p.read_text()))
            except (OSError, ValueError) as exc:
                t.info["replay"][which] = {"error": "no replay report %s: %s" % (p, exc)}
    return t, stop


def _recorded_result(release, case):
    p = TRACES / release / "results" / (re.sub(r"[^A-Za-z0-9_.-]+", "_", case) + ".json")
    try:
        data = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    return {"outcome": data.get("outcome"), "observed": data.get("observed", {}),
            "detail": data.get("detail", "")[-1500:]}


@pytest.fixture(autouse=True)
def _deterministic_names(request):
    """On record-/replay- targets, the names a case defines come from its id, the release and
    the recording's run token (cases.begin_case); on replay targets, what the replay daemons
    logged during the case (unmatched calls) is kept for the case's result."""
    import cases
    callspec = getattr(request.node, "callspec", None)
    tname = callspec.params.get("target") if callspec else None
    t = _active.get(tname) if tname else None
    if t is None or t.kind not in ("record", "replay"):
        yield
        return
    case = _case_id(request.node)
    if t.kind == "replay":
        rec = _recorded_result(t.release, case)
        if rec is not None and rec["outcome"] == "skipped":
            pytest.skip("not replayed: the recording pass skipped it (%s)"
                        % rec["detail"].strip()[:300])
    cases.begin_case(case, t.release, t.token)
    try:
        yield
    finally:
        cases.begin_case(None, None, None)
        # python3-libvirt sends CONNECT_CLOSE when the last object of a connection is freed: free
        # the case's now, so the close is in the recording and in the replay at the same place
        gc.collect()
        if t.kind == "replay":
            lines = []
            for i, log in enumerate(t.replay_logs):
                try:
                    with open(log, errors="replace") as f:
                        f.seek(t.log_offsets[i])
                        new = f.read()
                        t.log_offsets[i] = f.tell()
                except OSError:
                    continue
                lines += ["%s: %s" % ("rw" if i == 0 else "ro", l) for l in new.splitlines()
                          if "no recorded call" in l or "unmatched" in l and " 0 unmatched" not in l]
            request.node._vw_replay_log = lines[:40]


# ---- recording -----------------------------------------------------------------------------------

@pytest.fixture
def record(request):
    """A dict the case fills with what the target returned; written by the report hook."""
    data = {}
    request.node._vw_record = data
    return data


def _write_result(item, rep, tname):
    mark = item.get_closest_marker("procedure")
    group = mark.args[0] if mark else item.module.__name__
    outcome_name, detail = case_results.outcome(rep)
    data = {"case": _case_id(item), "group": group, "target": tname, "outcome": outcome_name,
            "when": rep.when, "detail": detail, "doc": (item.function.__doc__ or "").strip(),
            "observed": getattr(item, "_vw_record", {})}
    if tname.startswith("replay-"):
        data["recorded"] = _recorded_result(tname[len("replay-"):], data["case"])
        data["replay_log"] = getattr(item, "_vw_replay_log", [])
    case_results.write(item, _out_dir(tname), data)


pytest_runtest_makereport = case_results.report_hook(_write_result)


