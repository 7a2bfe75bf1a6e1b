"""Peer-to-peer migration between two fake-libvirtd processes, driven by unmodified virsh
(`virsh migrate --p2p DOM DEST-URI`): the source daemon connects to the destination itself, the
domain stops on the source and runs on the destination, and python3-libvirt watchers on both
sides see the lifecycle events libvirtd emits (source: Stopped Migrated; destination: Started
Migrated, Resumed Migrated). On test:// URIs migration is refused, as libvirt's test driver
refuses it. (Our client library's vw_domain_migrate_perform3_params is tested in
tests/unit/test_fl_migration.c.)
"""
import threading

import pytest

libvirt = pytest.importorskip("libvirt")

from conftest import unique_name
from fake_libvirtd_fixtures import FakeLibvirtd, run_virsh
from pytest_virtwire.events import start_event_loop  # noqa: E402


@pytest.fixture
def pair():
    src, dst = FakeLibvirtd(), FakeLibvirtd()
    yield src, dst
    for d in (src, dst):
        code, err = d.stop()
        assert code == 0, err


def qemu_uri(daemon):
    return "qemu+unix:///system?socket=%s" % daemon.sock


class Watcher:
    """Collects (event, detail) of one domain's lifecycle events on one daemon."""

    def __init__(self, uri, name, until):
        self.seen = []
        self.done = threading.Event()
        self.conn = libvirt.open(uri)

        def cb(conn, dom, event, detail, opaque):
            if dom.name() == name:
                self.seen.append((event, detail))
                if len(self.seen) >= until:
                    self.done.set()
        self.cb_id = self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                      cb, None)

    def close(self):
        self.conn.domainEventDeregisterAny(self.cb_id)
        self.conn.close()


def test_virsh_p2p_migration_moves_the_domain_and_emits_events(pair, tmp_path):
    start_event_loop()
    src, dst = pair
    name = unique_name("flmig")
    xml = tmp_path / "dom.xml"
    xml.write_text("<domain type='test'><name>%s</name><memory>8192</memory><vcpu>1</vcpu>"
                   "<os><type>hvm</type></os></domain>" % name)
    r = run_virsh(qemu_uri(src), "define %s; start %s; migrate-setspeed %s 77; "
                  "migrate-getspeed %s" % (xml, name, name, name))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "77"
    E = libvirt
    ws = Watcher(qemu_uri(src), name, 1)
    wd = Watcher(qemu_uri(dst), name, 2)
    try:
        r = run_virsh(qemu_uri(src), "migrate --p2p %s %s" % (name, qemu_uri(dst)))
        assert r.returncode == 0, r.stderr
        assert ws.done.wait(20), "source events: %r" % ws.seen
        assert wd.done.wait(20), "destination events: %r" % wd.seen
    finally:
        ws.close()
        wd.close()
    assert ws.seen == [(E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_MIGRATED)]
    assert wd.seen == [(E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_MIGRATED),
                       (E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_MIGRATED)]
    r = run_virsh(qemu_uri(src), "domstate %s --reason" % name)
    assert r.stdout.strip() == "shut off (migrated)"
    r = run_virsh(qemu_uri(dst), "domstate %s --reason; dominfo %s" % (name, name))
    assert r.stdout.strip().startswith("running (migrated)")
    assert "Persistent:     no" in r.stdout
    # the destination's refusal reaches virsh: `test` already runs there
    r = run_virsh(qemu_uri(src), "migrate --p2p test %s" % qemu_uri(dst))
    assert r.returncode == 1
    assert "domain 'test' is already active" in r.stderr


def test_virsh_migration_persist_and_undefine_source(pair, tmp_path):
    src, dst = pair
    name = unique_name("flmig-p")
    xml = tmp_path / "dom.xml"
    xml.write_text("<domain type='test'><name>%s</name><memory>8192</memory>"
                   "<os><type>hvm</type></os></domain>" % name)
    r = run_virsh(qemu_uri(src), "define %s; start %s" % (xml, name))
    assert r.returncode == 0, r.stderr
    r = run_virsh(qemu_uri(src), "migrate --p2p --persistent --undefinesource %s %s"
                  % (name, qemu_uri(dst)))
    assert r.returncode == 0, r.stderr
    r = run_virsh(qemu_uri(src), "dominfo %s" % name)
    assert r.returncode == 1 and "failed to get domain" in r.stderr
    r = run_virsh(qemu_uri(dst), "dominfo %s" % name)
    assert "Persistent:     yes" in r.stdout and "State:          running" in r.stdout


def test_migration_refused_on_test_driver_uris(pair):
    src, dst = pair
    r = run_virsh(src.uri, "migrate --p2p test %s" % dst.uri)
    assert r.returncode == 1
    # libvirt's client checks the P2P feature first; libvirtd's test driver (and the fake on
    # test://) does not offer it, so virsh prints what it prints against the real daemon
    assert "error: argument unsupported: p2p migration is not supported by the source host" \
        in r.stderr
