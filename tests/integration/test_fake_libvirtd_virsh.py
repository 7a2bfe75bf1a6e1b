"""Unmodified virsh against fake-libvirtd and against the real libvirtd test driver: the same
commands must print the same output and the same errors.

Each comparison runs one virsh process per daemon with the whole command sequence (one
connection, so the test driver's state lives through the sequence on both sides). Domains get
unique names; generated UUIDs, CPU time and the ids of other domains are normalised (the real
daemon is shared with other tests, so its id counter moves).
"""
import os
import select
import subprocess
import time

import pytest

from conftest import unique_name
from fake_libvirtd_fixtures import (FakeLibvirtd, VIRSH, clean_env, list_rows, normalise_ids,
                                    run_virsh)

DOMAIN_XML = """<domain type='test'>
  <name>{name}</name>
  <memory unit='KiB'>524288</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/tmp/{name}.img'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/></interface>
  </devices>
</domain>
"""


@pytest.fixture
def fake():
    daemon = FakeLibvirtd()
    yield daemon
    code, err = daemon.stop()
    assert code == 0, "fake-libvirtd exited %d on SIGTERM: %s" % (code, err)


@pytest.fixture(scope="module")
def real_uri(libvirtd_sock):
    return "test+unix:///default?socket=%s" % libvirtd_sock


@pytest.fixture(scope="module")
def real_ro_uri(libvirtd_sock):
    ro = libvirtd_sock + "-ro"
    if not os.path.exists(ro):
        pytest.fail("the real libvirtd has no read-only socket at %s" % ro)
    return "test+unix:///default?socket=%s" % ro


def both(real_uri, fake, command, readonly=False):
    r = run_virsh(real_uri, command, readonly=readonly)
    f = run_virsh(fake.uri, command, readonly=readonly)
    return r, f


def assert_same(r, f, command):
    assert f.returncode == r.returncode, "exit codes differ for %r: real %d, fake %d\n%s" % (
        command, r.returncode, f.returncode, f.stderr)
    assert normalise_ids(f.stdout) == normalise_ids(r.stdout), (
        "stdout differs for %r\n--- real\n%s\n--- fake\n%s" % (command, r.stdout, f.stdout))
    assert normalise_ids(f.stderr) == normalise_ids(r.stderr), (
        "stderr differs for %r\n--- real\n%s\n--- fake\n%s" % (command, r.stderr, f.stderr))


@pytest.mark.parametrize("command", [
    "version", "hostname", "nodeinfo", "capabilities", "sysinfo",
    "dominfo test", "domstate test", "dumpxml test", "dominfo 1",
    "dominfo 6695eb01-f6a4-8304-79aa-97f2502e193f", "domuuid test", "domid test",
    "net-list --all", "net-dumpxml default", "net-info default",
    "pool-list --all", "pool-dumpxml default-pool", "pool-info default-pool",
])
def test_read_only_commands_match(real_uri, fake, command):
    r, f = both(real_uri, fake, command)
    assert r.returncode == 0, r.stderr
    assert_same(r, f, command)


def test_list_all_shows_the_default_domain(real_uri, fake):
    r, f = both(real_uri, fake, "list --all")
    assert r.returncode == 0 and f.returncode == 0, f.stderr
    # the real daemon may hold other tests' domains: compare the header and the `test` row
    assert f.stdout.split("\n")[:2] == r.stdout.split("\n")[:2]
    assert list_rows(f.stdout, ["test"]) == list_rows(r.stdout, ["test"]) == [
        "1    test   running"]


def test_errors_for_invalid_operations_match(real_uri, fake):
    name = unique_name("fl-err")
    # none of these changes the `test` domain's state on success either
    for command in ["start test", "resume test", "undefine nosuch-" + name,
                    "dominfo nosuch-" + name, "destroy nosuch-" + name, "dumpxml 424242",
                    "domstate 11111111-2222-3333-4444-555555555555"]:
        r, f = both(real_uri, fake, command)
        assert r.returncode == 1, command
        assert_same(r, f, command)


def test_lifecycle_sequence_matches(real_uri, fake, tmp_path):
    name = unique_name("fl-life")
    xml = tmp_path / ("%s.xml" % name)
    xml.write_text(DOMAIN_XML.format(name=name))
    steps = [
        "define {x}", "define {x}", "dominfo {n}", "domstate {n} --reason", "dumpxml {n}",
        "suspend {n}", "resume {n}", "shutdown {n}", "reboot {n}", "destroy {n}",
        "start {n}", "start {n}", "domstate {n} --reason", "dumpxml {n}",
        "dumpxml {n} --inactive", "create {x}",
        "suspend {n}", "suspend {n}", "domstate {n} --reason", "shutdown {n}", "resume {n}",
        "domstate {n} --reason", "reboot {n}", "domstate {n} --reason", "shutdown {n}",
        "domstate {n} --reason", "start {n}", "destroy {n}", "domstate {n} --reason",
        "start {n}", "undefine {n}", "dominfo {n}", "list --transient --name",
        "destroy {n}", "dominfo {n}", "create {x}", "dominfo {n}", "list --persistent --name",
        "destroy {n}", "undefine {n}",
    ]
    sequence = "; ".join(s.format(n=name, x=xml) for s in steps)
    r, f = both(real_uri, fake, sequence)
    # keep only lines about our domain: list --name shows other tests' domains on the real one
    def mine(text):
        lines = normalise_ids(text).split("\n")
        return [l for l in lines if not (l and " " not in l.strip() and l.strip() != name
                                         and l.strip().startswith("vwt-"))]
    assert mine(f.stdout) == mine(r.stdout), "\n--- real\n%s\n--- fake\n%s" % (r.stdout, f.stdout)
    assert mine(f.stderr) == mine(r.stderr), "\n--- real\n%s\n--- fake\n%s" % (r.stderr, f.stderr)
    assert "Domain '%s' defined" % name in f.stdout
    assert "Domain is already active" in f.stderr


def test_duplicate_name_and_uuid_errors_match(real_uri, fake, tmp_path):
    name = unique_name("fl-dup")
    a = tmp_path / "a.xml"
    a.write_text(DOMAIN_XML.format(name=name))
    # the name of the default domain with a new uuid; a new name with test's uuid
    b = tmp_path / "b.xml"
    b.write_text(DOMAIN_XML.format(name="test"))
    c = tmp_path / "c.xml"
    c.write_text(DOMAIN_XML.format(name=name + "-x").replace(
        "<memory", "<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory"))
    sequence = "define %s; define %s; create %s; define %s; create %s; undefine %s" % (
        a, a, a, b, c, name)
    r, f = both(real_uri, fake, sequence)
    assert_same(r, f, sequence)
    assert "already exists with uuid" in f.stderr
    assert "is already defined with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f" in f.stderr


def test_bad_xml_errors(real_uri, fake, tmp_path):
    cases = {
        "noname": "<domain type='test'><memory>1024</memory><os><type>hvm</type></os></domain>",
        "noos": "<domain type='test'><name>x</name><memory>1024</memory></domain>",
        "nomem": "<domain type='test'><name>x</name><os><type>hvm</type></os></domain>",
        "badtype": "<domain type='foo'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>",
        "notype": "<domain><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>",
        "root": "<network><name>x</name></network>",
        "uuid": "<domain type='test'><name>x</name><uuid>zz</uuid><memory>1</memory><os><type>hvm</type></os></domain>",
        "slash": "<domain type='test'><name>a/b</name><memory>1</memory><os><type>hvm</type></os></domain>",
    }
    for tag, text in cases.items():
        path = tmp_path / (tag + ".xml")
        path.write_text(text)
        r, f = both(real_uri, fake, "define %s" % path)
        assert r.returncode == 1
        assert_same(r, f, tag)
    # malformed XML: libxml2's wording is not reproduced, but it fails the same way
    path = tmp_path / "broken.xml"
    path.write_text("<domain")
    f = run_virsh(fake.uri, "define %s" % path)
    assert f.returncode == 1 and "Failed to define domain" in f.stderr


class LineReader:
    """Reads a pipe's lines as they come, with a timeout (no stdio buffering in the way)."""

    def __init__(self, pipe):
        self.fd = pipe.fileno()
        self.buf = b""
        self.eof = False

    def readline(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf and not self.eof:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    self.eof = True
                self.buf += chunk
        if b"\n" not in self.buf:
            if self.buf:
                line, self.buf = self.buf, b""
                return line.decode()
            return ""
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode() + "\n"


def _run_events(uri, timeout_s):
    # line-buffered so that events can be read while virsh runs
    return subprocess.Popen(["stdbuf", "-oL", VIRSH, "-c", uri,
                             "event --all --loop --timeout %d" % timeout_s],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())


def _wait_until_watching(watcher, reader, uri, tmp_path, deadline=30.0):
    """Defines and undefines a probe domain until the watcher reports its event: from then on
    the watcher is registered. Returns the lines read so far."""
    probe = unique_name("fl-probe")
    xml = tmp_path / ("%s.xml" % probe)
    xml.write_text(DOMAIN_XML.format(name=probe))
    lines = []
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        r = run_virsh(uri, "define %s; undefine %s" % (xml, probe))
        assert r.returncode == 0, r.stderr
        while True:
            line = reader.readline(1.0)
            if line is None:
                break
            if line == "":
                raise AssertionError("virsh event exited early: %s" % watcher.stderr.read())
            lines.append(line.rstrip("\n"))
            if ("'%s'" % probe) in line:
                return lines
    raise AssertionError("virsh event never reported the probe domain's events")


def test_events_match(real_uri, fake, tmp_path):
    name = unique_name("fl-ev")
    xml = tmp_path / ("%s.xml" % name)
    xml.write_text(DOMAIN_XML.format(name=name))
    sequence = ("define {x}; start {n}; suspend {n}; resume {n}; reboot {n}; shutdown {n}; "
                "start {n}; destroy {n}; undefine {n}; create {x}; suspend {n}; destroy {n}"
                ).format(n=name, x=xml)
    results = {}
    for label, uri in (("real", real_uri), ("fake", fake.uri)):
        watcher = _run_events(uri, 60)
        reader = LineReader(watcher.stdout)
        try:
            _wait_until_watching(watcher, reader, uri, tmp_path)
            seq = run_virsh(uri, sequence)
            assert seq.returncode == 0, seq.stderr
            got = []
            # the sequence's last event is Stopped Destroyed after the second Suspended
            end = time.monotonic() + 30
            while len(got) < 11 and time.monotonic() < end:
                line = reader.readline(end - time.monotonic())
                if not line:
                    break
                if ("'%s'" % name) in line:
                    got.append(line.rstrip("\n"))
        finally:
            watcher.terminate()
            watcher.communicate(timeout=30)
        results[label] = got
    assert results["fake"] == results["real"], results
    assert results["fake"][0] == "event 'lifecycle' for domain '%s': Defined Added" % name
    assert len(results["fake"]) == 11


def test_read_only_socket_refuses_writes(real_ro_uri, fake, tmp_path):
    name = unique_name("fl-ro")
    xml = tmp_path / ("%s.xml" % name)
    xml.write_text(DOMAIN_XML.format(name=name))
    for command in ["suspend test", "destroy test", "shutdown test", "reboot test",
                    "define %s" % xml, "create %s" % xml, "undefine test", "start test"]:
        r = run_virsh(real_ro_uri, command)
        f = run_virsh(fake.ro_uri, command)
        assert r.returncode == 1
        assert_same(r, f, command)
        assert "read only access prevents" in f.stderr or "already active" in f.stderr
    # reads work on the read-only socket
    for command in ["dominfo test", "list --all", "net-list --all"]:
        f = run_virsh(fake.ro_uri, command)
        assert f.returncode == 0, f.stderr
    # and virsh -r (VIR_CONNECT_RO) on the read-write socket is refused the same way
    f = run_virsh(fake.uri, "suspend test", readonly=True)
    assert f.returncode == 1
    assert "operation forbidden: read only access prevents virDomainSuspend" in f.stderr


def test_state_is_shared_and_reset_after_last_close(fake, tmp_path):
    name = unique_name("fl-share")
    xml = tmp_path / ("%s.xml" % name)
    xml.write_text(DOMAIN_XML.format(name=name))
    # one connection defines; a second one, opened while the first is still open, sees it
    keeper = subprocess.Popen([VIRSH, "-c", fake.uri], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=clean_env())
    try:
        keeper.stdin.write("define %s\n" % xml)
        keeper.stdin.flush()
        seen = False
        for _ in range(100):
            if run_virsh(fake.uri, "domstate %s" % name).stdout.strip() == "shut off":
                seen = True
                break
            time.sleep(0.05)
        assert seen, "a second connection does not see the domain the first one defined"
    finally:
        keeper.stdin.close()
        keeper.wait(timeout=30)
    # the last connection closed: test:///default starts from the default again
    r = run_virsh(fake.uri, "domstate %s" % name)
    assert r.returncode == 1 and "failed to get domain" in r.stderr


def test_parallel_clients_with_event_watchers(fake, tmp_path):
    """Ten virsh processes change ten domains at the same time while two python-libvirt
    watchers count the lifecycle events: every command succeeds and both watchers see every
    domain's 6 events in order."""
    import threading
    libvirt = pytest.importorskip("libvirt")
    from pytest_virtwire.events import start_event_loop
    start_event_loop()
    names = [unique_name("fl-par") for _ in range(10)]
    want = [libvirt.VIR_DOMAIN_EVENT_DEFINED, libvirt.VIR_DOMAIN_EVENT_STARTED,
            libvirt.VIR_DOMAIN_EVENT_SUSPENDED, libvirt.VIR_DOMAIN_EVENT_RESUMED,
            libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_UNDEFINED]
    watchers = []
    for _ in range(2):
        seen = {n: [] for n in names}
        done = threading.Event()

        def cb(conn, dom, event, detail, state):
            seen_, done_ = state
            if dom.name() in seen_:
                seen_[dom.name()].append(event)
                if all(len(v) == len(want) for v in seen_.values()):
                    done_.set()
        conn = libvirt.open(fake.uri)
        cb_id = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb,
                                            (seen, done))
        watchers.append((conn, cb_id, seen, done))
    procs = []
    for n in names:
        xml = tmp_path / ("%s.xml" % n)
        xml.write_text(DOMAIN_XML.format(name=n))
        seq = "define {x}; start {n}; suspend {n}; resume {n}; destroy {n}; undefine {n}".format(
            x=xml, n=n)
        procs.append(subprocess.Popen([VIRSH, "-c", fake.uri, seq], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=clean_env()))
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    try:
        for conn, cb_id, seen, done in watchers:
            assert done.wait(30), seen
            for n in names:
                assert seen[n] == want, (n, seen[n])
    finally:
        for conn, cb_id, seen, done in watchers:
            conn.domainEventDeregisterAny(cb_id)
            conn.close()
