"""fake-libvirtd --qemu-dir with fake-qemu behind it, against real libvirtd driving real QEMU.

The same scenario runs on both pairs, with unmodified virsh and python3-libvirt:
- fake: fake-libvirtd --qemu-dir DIR, which starts one fake-qemu per running domain
  (DIR/<name>.qmp) and drives it over QMP;
- real: the session's real libvirtd (VW_LIBVIRTD_SOCK or a private one), QEMU driver, with the
  tiny TCG guest of data/qemu-domain.xml.

Compared: the lifecycle and QEMU monitor events of every step (exact lists: event, detail, QMP
event name and data), `virsh domstate --reason` after each step, the monitor passthrough replies
(keys, value types and status strings; QEMU's error for an unknown command verbatim), the HMP
form, `virsh qemu-monitor-event`, and `virtc domains --qemu-version`. Fake-only checks: the
fake-qemu process is started and reaped (destroy, a crash, SIGTERM of the daemon), an already
listening QEMU is connected to instead of started, and a QEMU that cannot start fails the start.
"""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid as uuidlib

import pytest

libvirt = pytest.importorskip("libvirt")
import libvirt_qemu  # noqa: E402  (python3-libvirt ships it next to libvirt)

from conftest import BUILD, DATA, normalise, run_virsh, run_virtc, unique_name  # noqa: E402
from fake_libvirtd_fixtures import FakeLibvirtd  # noqa: E402
from pytest_virtwire.events import start_event_loop  # noqa: E402
from pytest_virtwire.process import FakeQemu  # noqa: E402

FAKE_QEMU = BUILD / "bin" / "fake-qemu"
WAIT = 15  # seconds any expected event may take (bounded waits, never sleeps)


class FakePair:
    """fake-libvirtd --qemu-dir DIR (fake-qemu found next to it)."""

    def __init__(self, version=None, extra=()):
        self.qdir = tempfile.mkdtemp(prefix="vw-q-")
        args = ["--qemu-dir", self.qdir]
        if version:
            args += ["--qemu-version", version]
        self.daemon = FakeLibvirtd(extra_args=args + list(extra))
        self.uri = "qemu+unix:///system?socket=%s" % self.daemon.sock

    def socket_path(self, name):
        return os.path.join(self.qdir, name + ".qmp")

    def stop(self):
        """SIGTERM to the daemon; returns (exit code, stderr). The fake-qemu processes share the
        daemon's stderr, so a sanitizer report of either makes the code non-zero here."""
        code, err = self.daemon.stop()
        shutil.rmtree(self.qdir, ignore_errors=True)
        if code == 0 and "Sanitizer" in err:
            code = -1
        return code, err


@pytest.fixture
def fake():
    pair = FakePair()
    yield pair
    code, err = pair.stop()
    assert code == 0, err


def pids_with_arg(arg):
    """Pids of processes (not us) with arg among their command line arguments."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % entry) as f:
                zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        if not zombie and any(arg.encode() in a for a in argv):
            found.append(int(entry))
    return found


def fake_qemu_pids(pair, name):
    """The daemon starts fake-qemu with libvirt's command line (-name guest=NAME,..., the
    master key in a domain directory under its --qemu-dir); a QEMU started by the test itself
    listens on the socket path given with --qmp unix:PATH."""
    in_dir = set(pids_with_arg(os.path.realpath(pair.qdir) + "/domain-"))
    started = [pid for pid in pids_with_arg("guest=%s," % name) if pid in in_dir]
    return sorted(set(started + pids_with_arg("unix:" + pair.socket_path(name))))


def real_qemu_pids(name):
    return pids_with_arg("guest=%s," % name)


def wait_until(predicate, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out after %d s waiting for %s" % (timeout, what))


class Watcher:
    """Lifecycle events ("L", event, detail) and QEMU monitor events ("Q", name, data) of one
    domain, in arrival order, from one python3-libvirt connection."""

    def __init__(self, uri, name):
        start_event_loop()
        self.name = name
        self.seen = []
        self.lock = threading.Lock()
        self.conn = libvirt.open(uri)

        def lifecycle(conn, dom, event, detail, opaque):
            if dom.name() == name:
                with self.lock:
                    self.seen.append(("L", event, detail))

        def monitor(conn, dom, event, secs, micros, details, opaque):
            if dom.name() == name:
                if not (secs > 0 and 0 <= micros < 1000000):
                    details = json.dumps({"bad timestamp": [secs, micros]})
                with self.lock:
                    self.seen.append(("Q", event, json.loads(details) if details else None))
        self.lc_id = self.conn.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
        self.qm_id = libvirt_qemu.qemuMonitorEventRegister(self.conn, None, None, monitor, None, 0)

    def take(self, last, what):
        """Waits until the event `last` has come (an int: until that many events have), then
        returns the events since the previous take() (the caller compares them)."""
        if isinstance(last, int):
            wait_until(lambda: len(self.seen) >= last, "%s: %d events (got %r)"
                       % (what, last, self.seen))
        else:
            wait_until(lambda: last in self.seen, "%s: %r (got %r)" % (what, last, self.seen))
        with self.lock:
            got, self.seen = self.seen, []
        return got

    def close(self):
        try:
            self.conn.domainEventDeregisterAny(self.lc_id)
            libvirt_qemu.qemuMonitorEventDeregister(self.conn, self.qm_id)
        finally:
            self.conn.close()


def domstate(uri, name):
    out = run_virsh(["domstate", "--reason", name], uri)
    assert out.returncode == 0, out.stderr
    return normalise(out.stdout)[0]


def monitor(dom, command, hmp=False):
    flags = libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP if hmp else 0
    cmd = command if hmp else json.dumps({"execute": command})
    return libvirt_qemu.qemuMonitorCommand(dom, cmd, flags)


def shape(value):
    """Keys and value types, recursively: what two QEMUs must agree on."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return type(value).__name__


def discard(conn, name):
    """Destroys and undefines domain name if it is still there (what a failed case leaves)."""
    try:
        d = conn.lookupByName(name)
        if d.isActive():
            d.destroy()
        d.undefine()
    except libvirt.libvirtError:
        pass


def lifecycle_scenario(uri, name, qemu_pids, expected):
    """Drives one domain through every action; returns what was observed, step by step.
    Each step: (step, events, domstate --reason). qemu_pids(name) finds the QEMU process."""
    xml = (DATA / "qemu-domain.xml").read_text().replace("@NAME@", name)
    watcher = Watcher(uri, name)
    conn = libvirt.open(uri)
    steps = []
    try:
        want = {label: events[-1] for label, events, _ in expected}

        def step(label, action):
            action()
            events = watcher.take(want[label], label)
            steps.append((label, events, domstate(uri, name)))

        dom = conn.defineXML(xml)
        watcher.take(("L", 0, 0), "define")
        step("start", dom.create)
        status = json.loads(monitor(dom, "query-status"))
        assert status["return"] == {"status": "running", "singlestep": False, "running": True}
        assert len(qemu_pids(name)) == 1
        step("suspend", dom.suspend)
        status = json.loads(monitor(dom, "query-status"))
        assert status["return"]["status"] == "paused" and status["return"]["running"] is False
        step("resume", dom.resume)
        step("monitor stop", lambda: monitor(dom, "stop"))
        assert json.loads(monitor(dom, "query-status"))["return"]["status"] == "paused"
        step("monitor cont", lambda: monitor(dom, "cont"))
        step("shutdown", dom.shutdown)
        step("reboot", dom.reboot)
        pid = qemu_pids(name)
        step("destroy", dom.destroy)
        wait_until(lambda: not set(pid) & set(qemu_pids(name)), "QEMU to go away")
        # a QEMU that dies: the domain is shut off, crashed, with Stopped Failed
        step("start again", dom.create)
        pid = qemu_pids(name)
        assert len(pid) == 1
        step("kill QEMU", lambda: os.kill(pid[0], signal.SIGKILL))
        dom.undefine()
    finally:
        discard(conn, name)
        watcher.close()
        conn.close()
    return steps


# The same steps and events for the fake pair and for real libvirtd driving real QEMU. QEMU
# answers destroy's SIGTERM with SHUTDOWN (guest false, reason host-signal), which libvirtd turns
# into Shutdown Host before Stopped Destroyed; fake-qemu sends the same event.
EXPECTED_STEPS = [
    ("start", [("Q", "RESUME", None), ("L", 4, 0), ("L", 2, 0)], "running (booted)"),
    ("suspend", [("Q", "STOP", None), ("L", 3, 0)], "paused (user)"),
    ("resume", [("Q", "RESUME", None), ("L", 4, 0)], "running (unpaused)"),
    ("monitor stop", [("Q", "STOP", None), ("L", 3, 0)], "paused (unknown)"),
    ("monitor cont", [("Q", "RESUME", None), ("L", 4, 0)], "running (unpaused)"),
    ("shutdown", [("Q", "POWERDOWN", None)], "running (unpaused)"),
    ("reboot", [("Q", "POWERDOWN", None)], "running (unpaused)"),
    ("destroy", [("L", 6, 2), ("L", 5, 1)], "shut off (destroyed)"),
    ("start again", [("Q", "RESUME", None), ("L", 4, 0), ("L", 2, 0)], "running (booted)"),
    ("kill QEMU", [("L", 5, 5)], "shut off (crashed)"),
]


def without_destroy_monitor_event(steps):
    """libvirtd forwards QEMU's SHUTDOWN (host-signal) of the destroy as a monitor event or
    not, depending on when it closes the monitor: that one monitor event is left out."""
    return [(label, [e for e in events if e[:2] != ("Q", "SHUTDOWN")], state)
            for label, events, state in steps]


def test_lifecycle_over_qmp_fake(fake):
    name = unique_name("flq")
    steps = lifecycle_scenario(fake.uri, name, lambda n: fake_qemu_pids(fake, n), EXPECTED_STEPS)
    assert without_destroy_monitor_event(steps) == EXPECTED_STEPS
    assert not os.path.exists(fake.socket_path(name))


def test_lifecycle_over_qmp_real(qemu_uri):
    name = unique_name("flq")
    steps = lifecycle_scenario(qemu_uri, name, real_qemu_pids, EXPECTED_STEPS)
    assert without_destroy_monitor_event(steps) == EXPECTED_STEPS


def passthrough(uri, name, tmp_path):
    """Monitor replies of a running domain, through virsh."""
    path = tmp_path / (name + ".xml")
    path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
    out = run_virsh(["create", str(path)], uri)
    assert out.returncode == 0, out.stderr
    try:
        got = {}
        for command in ("query-status", "query-version", "query-name", "query-kvm",
                        "no-such-command"):
            out = run_virsh(["qemu-monitor-command", name, json.dumps({"execute": command})], uri)
            assert out.returncode == 0, out.stderr
            got[command] = json.loads(out.stdout)
            got[command + " text"] = normalise(out.stdout)
        out = run_virsh(["qemu-monitor-command", name, "--pretty",
                         '{"execute":"query-uuid"}'], uri)
        assert out.returncode == 0, out.stderr
        got["query-uuid"] = json.loads(out.stdout)
        dominfo = run_virsh(["domuuid", name], uri)
        got["domuuid"] = dominfo.stdout.strip()
        for line in ("info version", "info status", "info kvm"):
            out = run_virsh(["qemu-monitor-command", name, "--hmp", line], uri)
            assert out.returncode == 0, out.stderr
            got["hmp " + line] = out.stdout
        # `virsh domstate` and the monitor agree after a monitor `stop`
        out = run_virsh(["qemu-monitor-command", name, '{"execute":"stop"}'], uri)
        assert out.returncode == 0, out.stderr
        wait_until(lambda: domstate(uri, name) == "paused (unknown)", "paused after QMP stop")
        out = run_virsh(["qemu-monitor-command", name, "--hmp", "info status"], uri)
        got["hmp info status paused"] = out.stdout
        return got
    finally:
        run_virsh(["destroy", name], uri)


def test_monitor_passthrough_same_as_real(fake, qemu_uri, tmp_path):
    mine = passthrough(fake.uri, unique_name("flq"), tmp_path)
    theirs = passthrough(qemu_uri, unique_name("flq"), tmp_path)
    for key in ("query-status", "query-version", "query-name", "query-kvm", "query-uuid"):
        assert shape(mine[key]) == shape(theirs[key]), key
        assert re.fullmatch(r"libvirt-\d+", mine[key]["id"]), mine[key]
    assert mine["query-status"]["return"] == theirs["query-status"]["return"]
    # QEMU's own error for an unknown command comes back verbatim (id aside)
    assert mine["no-such-command text"] == theirs["no-such-command text"]
    assert mine["query-status text"] == theirs["query-status text"]
    # query-uuid / query-name answer the domain's UUID and name: libvirtd passes them to QEMU
    for got in (mine, theirs):
        assert got["query-uuid"]["return"]["UUID"] == got["domuuid"]
    assert mine["query-kvm"]["return"] == theirs["query-kvm"]["return"]
    # go-qemu's "QEMU version and package": fake-qemu, started with libvirt's command line,
    # answers as the recorded Debian build of the release it models (the host's QEMU when the
    # host runs that release)
    if mine["query-version"]["return"]["qemu"] == theirs["query-version"]["return"]["qemu"]:
        assert mine["query-version"]["return"] == theirs["query-version"]["return"]
        assert mine["hmp info version"] == theirs["hmp info version"]
    # HMP: the text QEMU prints
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*( .*)?\n\n\n", mine["hmp info version"])
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*( .*)?\n\n\n", theirs["hmp info version"])
    for key in ("hmp info status", "hmp info kvm", "hmp info status paused"):
        assert mine[key] == theirs[key], key
    assert mine["hmp info status paused"].startswith("VM status: paused")


def watch_monitor_events(uri, name):
    """`virsh qemu-monitor-event --domain NAME --event STOP` while the domain is paused and
    resumed over the monitor until virsh reports the event (bounded)."""
    proc = subprocess.Popen(["virsh", "-c", uri, "qemu-monitor-event", "--domain", name,
                             "--event", "STOP", "--timeout", str(WAIT)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    conn = libvirt.open(uri)
    try:
        dom = conn.lookupByName(name)
        deadline = time.monotonic() + WAIT
        while proc.poll() is None and time.monotonic() < deadline:
            monitor(dom, "stop")
            monitor(dom, "cont")
            time.sleep(0.05)
        out, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
        conn.close()
    return proc.returncode, out, err


def test_virsh_qemu_monitor_event(fake, qemu_uri, tmp_path):
    results = []
    for uri in (fake.uri, qemu_uri):
        name = unique_name("flq")
        path = tmp_path / (name + ".xml")
        path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
        assert run_virsh(["create", str(path)], uri).returncode == 0
        try:
            code, out, err = watch_monitor_events(uri, name)
        finally:
            run_virsh(["destroy", name], uri)
        assert code == 0, err
        line = out.strip().splitlines()[0]
        assert re.fullmatch(r"event STOP at \d+\.\d{6} for domain '%s': <null>" % re.escape(name),
                            line), out
        results.append(re.sub(r"\d+\.\d+", "T", line.replace(name, "NAME")))
    assert results[0] == results[1]


def test_quit_through_monitor_is_a_crash(fake):
    """`quit` through the passthrough: QEMU's SHUTDOWN (host-qmp-quit) is forwarded, and the end
    of the monitor makes the domain shut off, crashed, with Stopped Failed, as libvirtd 9.0 did
    when this was written (observed: no Shutdown lifecycle event for host-qmp-quit, state
    "shut off (crashed)"). Fake-only: real libvirtd notices the end of such a monitor at an
    unpredictable moment (sometimes only at the next call), so there is nothing exact to
    compare with."""
    name = unique_name("flq")
    conn = libvirt.open(fake.uri)
    watcher = Watcher(fake.uri, name)
    try:
        dom = conn.defineXML((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
        dom.create()
        watcher.take(("L", 2, 0), "define and start")
        reply = json.loads(monitor(dom, "quit"))
        assert reply["return"] == {}
        events = watcher.take(("L", 5, 5), "quit")
        assert events == [("Q", "SHUTDOWN", {"guest": False, "reason": "host-qmp-quit"}),
                          ("L", 5, 5)]
        assert domstate(fake.uri, name) == "shut off (crashed)"
        assert fake_qemu_pids(fake, name) == []
        dom.undefine()
    finally:
        watcher.close()
        conn.close()


@pytest.mark.parametrize("version", ["7.2.22", "7.2.5"])
def test_virtc_domains_qemu_version(version, tmp_path):
    pair = FakePair(version=version)
    try:
        names = [unique_name("flq") for _ in range(2)]
        for name in names:
            path = tmp_path / (name + ".xml")
            path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
            out = run_virsh(["create", str(path)], pair.uri)
            assert out.returncode == 0, out.stderr
        out = run_virtc(["domains", "--qemu-version"], uri=pair.uri)
        assert out.returncode == 0, out.stderr
        lines = normalise(out.stdout)
        assert re.match(r"^ Name\s+QEMU version$", lines[0]), out.stdout
        for name in names:
            assert re.search(r"^ %s\s+%s$" % (re.escape(name), re.escape(version)), out.stdout,
                             re.M), out.stdout
        # the state file's `test` domain runs without a QEMU: the built-in monitor answers
        assert re.search(r"^ test\s+7\.2\.0$", out.stdout, re.M), out.stdout
        # the same through virsh: query-version from fake-qemu
        reply = run_virsh(["qemu-monitor-command", names[0], '{"execute":"query-version"}'],
                          pair.uri)
        q = json.loads(reply.stdout)["return"]["qemu"]
        assert "%d.%d.%d" % (q["major"], q["minor"], q["micro"]) == version
        pids = [fake_qemu_pids(pair, n) for n in names]
        assert all(len(p) == 1 for p in pids), pids
    finally:
        code, err = pair.stop()
    assert code == 0, err
    # SIGTERM to the daemon ended its fake-qemu processes: no orphans
    assert [fake_qemu_pids(pair, n) for n in names] == [[], []]


def test_virtc_domains_qemu_version_real(qemu_uri, tmp_path):
    """The same table against real libvirtd + real QEMU prints the real QEMU's version."""
    name = unique_name("flq")
    path = tmp_path / (name + ".xml")
    path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
    assert run_virsh(["create", str(path)], qemu_uri).returncode == 0
    try:
        reply = run_virsh(["qemu-monitor-command", name, '{"execute":"query-version"}'], qemu_uri)
        q = json.loads(reply.stdout)["return"]["qemu"]
        out = run_virtc(["domains", "--qemu-version"], uri=qemu_uri)
        assert out.returncode == 0, out.stderr
        assert re.search(r"^ %s\s+%d\.%d\.%d$" % (re.escape(name), q["major"], q["minor"],
                                                  q["micro"]), out.stdout, re.M), out.stdout
    finally:
        run_virsh(["destroy", name], qemu_uri)


def test_connects_to_a_listening_qemu(fake, tmp_path):
    """A QEMU already listening on DIR/<name>.qmp is used instead of starting one; destroy asks
    it to quit (it was not started by the daemon)."""
    name = unique_name("flq")
    sock = fake.socket_path(name)
    # started (and its `ready` line awaited) by the plugin's FakeQemu; stderr in tmp_path
    ext = FakeQemu(str(tmp_path), name="external", socket=sock, admin=False,
                   extra_args=["--qemu-version", "7.2.9", "--name", "external"])
    try:
        path = tmp_path / (name + ".xml")
        path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
        out = run_virsh(["create", str(path)], fake.uri)
        assert out.returncode == 0, out.stderr
        assert fake_qemu_pids(fake, name) == [ext.pid]
        out = run_virsh(["qemu-monitor-command", name, '{"execute":"query-name"}'], fake.uri)
        assert json.loads(out.stdout)["return"] == {"name": "external"}
        out = run_virtc(["domains", "--qemu-version"], uri=fake.uri)
        assert re.search(r"^ %s\s+7\.2\.9$" % re.escape(name), out.stdout, re.M), out.stdout
        # the external QEMU was started running: no `cont` needed, the domain runs
        assert domstate(fake.uri, name) == "running (booted)"
        out = run_virsh(["destroy", name], fake.uri)
        assert out.returncode == 0, out.stderr
        assert ext.proc.wait(timeout=WAIT) == 0
    finally:
        if ext.alive():
            ext.kill()
        ext.terminate()


def test_qemu_that_cannot_start_fails_the_start(tmp_path):
    pair = FakePair(version="4.2.0")  # older than any recorded schema: fake-qemu exits with 2
    try:
        name = unique_name("flq")
        path = tmp_path / (name + ".xml")
        path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
        assert run_virsh(["define", str(path)], pair.uri).returncode == 0
        out = run_virsh(["start", name], pair.uri)
        assert out.returncode == 1
        assert "exited before it was ready" in out.stderr, out.stderr
        assert domstate(pair.uri, name) == "shut off (failed)"
        assert fake_qemu_pids(pair, name) == []
    finally:
        code, err = pair.stop()
    assert code == 0, err


def test_test_driver_keeps_no_monitor(fake):
    """test:// URIs have no QEMU even with --qemu-dir, as libvirt's test driver."""
    uri = "test+unix:///default?socket=%s" % fake.daemon.sock
    out = run_virsh(["qemu-monitor-command", "test", '{"execute":"query-status"}'], uri)
    assert out.returncode == 1
    assert "this function is not supported by the connection driver" in out.stderr
    assert os.listdir(fake.qdir) == []


def test_bad_qemu_options():
    fake_bin = BUILD / "bin" / "fake-libvirtd"
    for args, text in ((["--qemu-dir", "/nonexistent/vw"], "--qemu-dir /nonexistent/vw"),
                       (["--qemu-version", "7.2.0"], "need --qemu-dir"),
                       (["--qemu-dir", "/tmp", "--fake-qemu", "/nonexistent/fq"],
                        "/nonexistent/fq")):
        d = tempfile.mkdtemp(prefix="vw-q-")
        try:
            out = subprocess.run([str(fake_bin), "--listen", "unix:%s/s" % d] + args,
                                 capture_output=True, text=True, timeout=WAIT)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        assert out.returncode != 0 and text in out.stderr, (args, out.stderr)


def test_no_orphans_when_the_daemon_is_killed(tmp_path):
    """SIGTERM ends the fake-qemu processes (checked in test_virtc_domains_qemu_version); even
    SIGKILL, which the daemon cannot see, leaves none behind (they die with their parent)."""
    pair = FakePair()
    name = unique_name("flq")
    path = tmp_path / (name + ".xml")
    path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
    try:
        out = run_virsh(["create", str(path)], pair.uri)
        assert out.returncode == 0, out.stderr
        assert len(fake_qemu_pids(pair, name)) == 1
        pair.daemon.proc.kill()
        wait_until(lambda: fake_qemu_pids(pair, name) == [], "fake-qemu to end with its parent")
    finally:
        pair.stop()


class GuestQemu(threading.Thread):
    """A stand-in QEMU on DIR/<name>.qmp whose guest obeys the power button: system_powerdown
    gets POWERDOWN, the return, then SHUTDOWN {guest: true, reason: guest-shutdown} — what a
    real QEMU with an ACPI-aware guest OS sends (fake-qemu and the TCG test guest have no OS).
    It speaks just enough QMP for fake-libvirtd; every command it saw is kept in .commands."""

    def __init__(self, path):
        super().__init__(daemon=True)
        import socket
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(4)
        self.listener.settimeout(WAIT)
        self.commands = []
        self.closed = threading.Event()

    @staticmethod
    def _send(conn, obj):
        conn.sendall(json.dumps(obj).encode() + b"\r\n")

    def run(self):
        try:
            while not self.closed.is_set():
                conn, _ = self.listener.accept()
                conn.settimeout(WAIT)
                try:
                    if self._serve(conn):
                        break
                except OSError:  # the daemon's probe (is anything listening?) hung up
                    conn.close()
        except OSError:
            pass
        finally:
            self.closed.set()

    def _serve(self, conn):
        """One client; True when it had negotiated (the daemon's link, not its probe)."""
        self._send(conn, {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7},
                                              "package": ""}, "capabilities": ["oob"]}})
        buf, negotiated, decoder = "", False, json.JSONDecoder()
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not data:
                conn.close()
                return negotiated
            buf += data.decode()
            while buf.strip():
                try:
                    msg, end = decoder.raw_decode(buf.lstrip())
                except ValueError:
                    break
                buf = buf.lstrip()[end:]
                cmd, mid = msg.get("execute"), msg.get("id")
                self.commands.append(cmd)
                ts = {"seconds": int(time.time()), "microseconds": 0}
                if cmd == "qmp_capabilities":
                    negotiated = True
                    self._send(conn, {"return": {}, "id": mid})
                elif cmd == "query-status":
                    self._send(conn, {"return": {"status": "running", "singlestep": False,
                                                 "running": True}, "id": mid})
                elif cmd == "system_powerdown":
                    self._send(conn, {"timestamp": ts, "event": "POWERDOWN"})
                    self._send(conn, {"return": {}, "id": mid})
                    self._send(conn, {"timestamp": ts, "event": "SHUTDOWN",
                                      "data": {"guest": True, "reason": "guest-shutdown"}})
                else:
                    self._send(conn, {"return": {}, "id": mid})


def test_guest_shutdown_stops_the_domain(fake):
    """shutdown -> system_powerdown; the guest's SHUTDOWN makes the domain shut down and then
    shut off, reason shutdown, with libvirtd's events (qemuProcessHandleShutdown: Shutdown Guest;
    the end of the monitor after it: Stopped Shutdown)."""
    name = unique_name("flq")
    qemu = GuestQemu(fake.socket_path(name))
    qemu.start()
    conn = libvirt.open(fake.uri)
    watcher = Watcher(fake.uri, name)
    try:
        dom = conn.defineXML((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
        dom.create()
        watcher.take(("L", 2, 0), "define and start")
        assert domstate(fake.uri, name) == "running (booted)"
        dom.shutdown()
        events = watcher.take(("L", 5, 0), "guest shutdown")
        assert events == [("Q", "POWERDOWN", None),
                          ("Q", "SHUTDOWN", {"guest": True, "reason": "guest-shutdown"}),
                          ("L", 6, 1), ("L", 5, 0)]
        assert domstate(fake.uri, name) == "shut off (shutdown)"
        # the daemon closed the monitor of the QEMU it did not start
        assert qemu.closed.wait(WAIT)
        assert qemu.commands == ["qmp_capabilities", "query-status", "system_powerdown"]
        dom.undefine()
    finally:
        watcher.close()
        conn.close()
        qemu.listener.close()


def test_migration_moves_the_qemu(tmp_path):
    """virsh migrate --p2p between two --qemu-dir daemons: the source's fake-qemu ends, the
    destination starts one for the domain, and its monitor answers there."""
    src, dst = FakePair(), FakePair()
    try:
        name = unique_name("flq")
        path = tmp_path / (name + ".xml")
        path.write_text((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
        assert run_virsh(["create", str(path)], src.uri).returncode == 0
        assert len(fake_qemu_pids(src, name)) == 1
        out = run_virsh(["migrate", "--p2p", name, dst.uri], src.uri)
        assert out.returncode == 0, out.stderr
        assert fake_qemu_pids(src, name) == []
        assert len(fake_qemu_pids(dst, name)) == 1
        assert domstate(dst.uri, name) == "running (migrated)"
        out = run_virsh(["qemu-monitor-command", name, '{"execute":"query-status"}'], dst.uri)
        assert json.loads(out.stdout)["return"]["status"] == "running"
    finally:
        codes = [p.stop() for p in (src, dst)]
    assert all(code == 0 for code, _ in codes), codes


def start_paused(uri, name):
    """virsh start --paused: QEMU stays in prelaunch (no `cont`) until resume."""
    watcher = Watcher(uri, name)
    conn = libvirt.open(uri)
    try:
        dom = conn.defineXML((DATA / "qemu-domain.xml").read_text().replace("@NAME@", name))
        dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
        got = [watcher.take(("L", 3, 0), "start paused"), domstate(uri, name),
               json.loads(monitor(dom, "query-status"))["return"]]
        dom.resume()
        got += [watcher.take(("L", 4, 0), "resume"), domstate(uri, name)]
        dom.destroy()
        dom.undefine()
        return got
    finally:
        discard(conn, name)
        watcher.close()
        conn.close()


def test_start_paused_same_as_real(fake, qemu_uri):
    mine = start_paused(fake.uri, unique_name("flq"))
    theirs = start_paused(qemu_uri, unique_name("flq"))
    assert mine == theirs == [
        [("L", 0, 0), ("L", 2, 0), ("L", 3, 0)], "paused (user)",
        {"status": "prelaunch", "singlestep": False, "running": False},
        [("Q", "RESUME", None), ("L", 4, 0)], "running (unpaused)"]


def command_line_of(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return [a.decode() for a in f.read().split(b"\0")[:-1]]


def comparable_argv(argv):
    """argv without what differs by host and run: the binary, the monitor socket (libvirtd's
    domxml-to-native names a path, a started domain gets an inherited fd), the directory of the
    master key and the domain id in it."""
    out = []
    for arg in argv[1:]:
        arg = re.sub(r"^socket,id=charmonitor,(path=[^,]*|fd=\d+),",
                     "socket,id=charmonitor,MONITOR,", arg)
        arg = re.sub(r'"file":"[^"]*/domain-(-1|\d+)-', '"file":"DIR/domain-ID-', arg)
        out.append(arg)
    return out


@pytest.mark.parametrize("variant", ["tiny", "acpi-3cpu-100m"])
def test_fake_qemu_gets_libvirts_command_line(fake, qemu_uri, tmp_path, variant):
    """The fake-qemu that --qemu-dir starts runs with the QEMU command line real libvirtd 9.0
    writes for the same domain (`virsh domxml-to-native qemu-argv` against the real daemon):
    -name guest=NAME,debug-threads=on, -uuid, -machine, -m with its memory backend, -smp, the
    monitor as an inherited listening socket, ..."""
    name = unique_name("flq")
    uuid = str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, name))
    xml = (DATA / "qemu-domain.xml").read_text().replace("@NAME@", name)
    xml = xml.replace("<name>", "<uuid>%s</uuid><name>" % uuid, 1)
    if variant != "tiny":
        xml = xml.replace("<vcpu>1</vcpu>", "<vcpu>3</vcpu><features><acpi/></features>")
        xml = xml.replace("64</memory>", "100</memory>")
    path = tmp_path / (name + ".xml")
    path.write_text(xml)
    native = run_virsh(["domxml-to-native", "qemu-argv", str(path)], qemu_uri)
    assert native.returncode == 0, native.stderr
    want = [a for a in shlex.split(native.stdout) if not re.match(r"^[A-Z_]+=", a)]
    out = run_virsh(["create", str(path)], fake.uri)
    assert out.returncode == 0, out.stderr
    try:
        pids = fake_qemu_pids(fake, name)
        assert len(pids) == 1, pids
        got = command_line_of(pids[0])
        assert got[got.index("-name") + 1] == "guest=%s,debug-threads=on" % name
        assert got[got.index("-uuid") + 1] == uuid
        assert re.match(r"^socket,id=charmonitor,fd=\d+,server=on,wait=off$",
                        got[got.index("-chardev") + 1])
        assert comparable_argv(got) == comparable_argv(want)
        # the monitor is that inherited socket: the domain answers over it
        reply = run_virsh(["qemu-monitor-command", name, '{"execute":"query-uuid"}'], fake.uri)
        assert json.loads(reply.stdout)["return"] == {"UUID": uuid}
    finally:
        run_virsh(["destroy", name], fake.uri)
