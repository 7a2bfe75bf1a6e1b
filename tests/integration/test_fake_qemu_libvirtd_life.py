"""A guest's life under a real libvirtd with fake-qemu as its emulator (docs/fake-qemu.md, "Under
a real libvirtd"; issue 12 item 3): the libvirtd of the `libvirtd_sock` fixture (the host's
libvirtd 9.0 and QEMU 7.2, whose probe fake-qemu answers) defines, starts, suspends, resumes,
hot-plugs, saves, restores and destroys guests whose <emulator> is build/bin/fake-qemu. Where the
real qemu-system-x86_64 (TCG, no guest OS) can take the same steps, the same steps are taken with
it and libvirtd's view (domain state, lifecycle events, live XML) must be the same; the steps that
need a guest OS (shutdown, reboot, unplug) are checked against what libvirtd documents for a
guest that obeys. Domains are named vw-qs-*, each test removes its own."""
import itertools
import os
import re
import shutil
import threading
import time

import pytest

from conftest import BUILD

libvirt = pytest.importorskip("libvirt")
libvirt_qemu = pytest.importorskip("libvirt_qemu")

FAKE = BUILD / "bin" / "fake-qemu"
PROBE = BUILD / "share" / "virt-wire" / "probe" / "qemu-7.2.22-probe.trace"
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
SETTLE = 30             # seconds an awaited state or event may take (a loaded machine)
_names = itertools.count(1)

DOMAIN = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>{emulator}</emulator>
    {disk}
    <interface type='user'><mac address='52:54:00:5a:00:01'/><model type='virtio'/></interface>
    <memballoon model='virtio'/>
  </devices>
</domain>"""
DISK = """<disk type='file' device='disk'><driver name='qemu' type='raw'/>
  <source file='{path}'/><target dev='{dev}' bus='virtio'/></disk>"""
NIC = """<interface type='user'><mac address='52:54:00:5a:00:02'/><model type='virtio'/>
</interface>"""

STATES = {getattr(libvirt, n): n[len("VIR_DOMAIN_"):].lower() for n in dir(libvirt)
          if re.match(r"VIR_DOMAIN_(NOSTATE|RUNNING|BLOCKED|PAUSED|SHUTDOWN|SHUTOFF|CRASHED|"
                      r"PMSUSPENDED)$", n)}


def unique(tag):
    return "vw-qs-%s-%d-%d" % (tag, os.getpid(), next(_names))


class Events:
    """Lifecycle (and reboot) events of every domain, from python3-libvirt's default event
    loop."""

    def __init__(self):
        self.seen = []
        self.lock = threading.Lock()

    def callback(self, conn, dom, event, detail, opaque):
        with self.lock:
            self.seen.append((dom.name(), event, detail))

    def reboot(self, conn, dom, opaque):
        with self.lock:
            self.seen.append((dom.name(), "reboot", None))

    def of(self, name):
        with self.lock:
            return [(e, d) for n, e, d in self.seen if n == name]

    def wait_for(self, name, event, detail=None, after=0):
        """Waits for the event among those after the first `after` of name's events."""
        end = time.monotonic() + SETTLE
        while time.monotonic() < end:
            if any(e == event and (detail is None or d == detail)
                   for e, d in self.of(name)[after:]):
                return
            time.sleep(0.05)
        pytest.fail("no lifecycle event %s/%s for %s; seen %s" % (event, detail, name,
                                                                   self.of(name)))


@pytest.fixture(scope="module")
def conn(libvirtd_sock):
    if not os.access(str(FAKE), os.X_OK) or not PROBE.exists():
        pytest.fail("%s or its probe %s not built (run make)" % (FAKE, PROBE))
    libvirt.virEventRegisterDefaultImpl()
    c = libvirt.open("qemu+unix:///system?socket=%s" % libvirtd_sock)
    stop = threading.Event()

    def run():
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    events = Events()
    cb = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, events.callback,
                                  None)
    cb_reboot = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, events.reboot,
                                         None)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    c.events = events
    yield c
    c.domainEventDeregisterAny(cb)
    c.domainEventDeregisterAny(cb_reboot)
    stop.set()
    c.close()


@pytest.fixture
def images(tmp_path):
    """Two small raw disk images libvirtd (root) can open."""
    os.chmod(tmp_path, 0o755)
    paths = []
    for n in ("a", "b"):
        p = tmp_path / ("disk-%s.img" % n)
        with open(p, "wb") as f:
            f.truncate(16 << 20)
        paths.append(str(p))
    return paths


class Guest:
    """A defined domain, undefined (and destroyed) at the end whatever happened."""

    def __init__(self, conn, tag, emulator, disk=None):
        self.name = unique(tag)
        diskxml = DISK.format(path=disk, dev="vda") if disk else ""
        self.dom = conn.defineXML(DOMAIN.format(name=self.name, emulator=emulator, disk=diskxml))
        self.conn = conn

    def state(self):
        return STATES[self.dom.state()[0]]

    def wait_state(self, want):
        end = time.monotonic() + SETTLE
        while self.state() != want and time.monotonic() < end:
            time.sleep(0.05)
        return self.state()

    def remove(self):
        try:
            if self.dom.isActive():
                self.dom.destroy()
        except libvirt.libvirtError:
            pass
        try:
            self.dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        except libvirt.libvirtError:
            pass


def normalized_xml(g, emulator):
    """The live XML with what differs by nature between two guests and emulators made equal."""
    xml = g.dom.XMLDesc(0)
    xml = xml.replace(g.name, "NAME").replace(emulator, "EMULATOR")
    xml = re.sub(r"<uuid>[^<]*</uuid>", "<uuid/>", xml)
    xml = re.sub(r"id='-?\d+'", "id=''", xml)
    xml = re.sub(r"<source file='[^']*'", "<source file=''", xml)
    return xml


def life(conn, emulator, tmp, disks):
    """The steps both emulators can take; returns libvirtd's view after each, the live XML
    after the start and the lifecycle events."""
    g = Guest(conn, "life", emulator, disk=disks[0])
    view = []
    try:
        dom = g.dom
        dom.create()
        view.append(("start", g.state()))
        xml = normalized_xml(g, emulator)
        info = dom.info()
        view.append(("dominfo", STATES[info[0]], info[1], info[3]))
        (_, stats), = conn.domainListGetStats([dom], 0, 0)
        view.append(("domstats", sorted(stats)))      # the same statistics, values aside
        reply = libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"query-status"}', 0)
        view.append(("monitor", re.sub(r'"id":"[^"]*"', '"id":""', reply)))
        dom.suspend()
        view.append(("suspend", g.state()))
        dom.resume()
        view.append(("resume", g.state()))
        dom.attachDevice(DISK.format(path=disks[1], dev="vdb"))
        dom.attachDevice(NIC)
        live = dom.XMLDesc(0)
        view.append(("attach", "vdb" in live, live.count("<interface ")))
        path = str(tmp / ("%s.save" % os.path.basename(emulator)))
        dom.save(path)
        view.append(("save", g.state()))
        conn.restore(path)
        view.append(("restore", g.wait_state("running")))
        dom.managedSave(0)
        view.append(("managedsave", g.state(), dom.hasManagedSaveImage(0)))
        dom.create()
        view.append(("start-managed", g.wait_state("running"), dom.hasManagedSaveImage(0)))
        dom.destroy()
        view.append(("destroy", g.state()))
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        conn.events.wait_for(g.name, libvirt.VIR_DOMAIN_EVENT_UNDEFINED)
        return view, xml, conn.events.of(g.name)
    finally:
        g.remove()


def test_life_as_with_real_qemu(conn, tmp_path, images):
    """define, start, dominfo, monitor command, suspend, resume, attach a disk and a NIC, save,
    restore, managed save, start from it, destroy, undefine: the same states, events and live
    XML with fake-qemu as with the real QEMU 7.2."""
    if not os.access(QEMU, os.X_OK):
        pytest.skip("no qemu-system-x86_64 to compare with")
    fake = life(conn, str(FAKE), tmp_path, images)
    real = life(conn, QEMU, tmp_path, images)
    assert fake[0] == real[0]
    assert [s for s in fake[0] if s[0] == "start"] == [("start", "running")]
    assert fake[2] == real[2]
    assert fake[1] == real[1]


def test_save_restore_brings_back_the_state(conn, tmp_path, images):
    """The saved state fake-qemu writes is read back by the restored fake-qemu: a second save
    of the restored guest carries the count of saves it went through (fake-qemu's format)."""
    g = Guest(conn, "save", str(FAKE), disk=images[0])
    try:
        g.dom.create()
        first, second = tmp_path / "first.save", tmp_path / "second.save"
        g.dom.save(str(first))
        conn.restore(str(first))
        assert g.wait_state("running") == "running"
        g.dom.save(str(second))
        assert b'"saves":1' in first.read_bytes()
        assert b'"saves":2' in second.read_bytes()
        assert b"FAKE-QEMU-STATE 1" in second.read_bytes()
    finally:
        g.remove()


def test_guest_obeys_power_button_and_unplug(conn, images):
    """Steps a real QEMU with no guest OS cannot take: the fake guest is an ACPI guest, so
    reboot keeps it running (SHUTDOWN, then libvirtd's reset and cont), shutdown stops it
    (libvirtd's SHUTDOWN handling), and devices detach (DEVICE_DELETED)."""
    g = Guest(conn, "acpi", str(FAKE), disk=images[0])
    try:
        dom = g.dom
        dom.create()
        dom.attachDevice(DISK.format(path=images[1], dev="vdb"))
        dom.attachDevice(NIC)
        dom.detachDevice(DISK.format(path=images[1], dev="vdb"))
        dom.detachDevice(NIC)
        live = dom.XMLDesc(0)
        assert "dev='vdb'" not in live and live.count("<interface ") == 1
        before = len(g.conn.events.of(g.name))
        dom.reboot(0)
        g.conn.events.wait_for(g.name, "reboot", after=before)
        assert g.wait_state("running") == "running"
        dom.reset(0)
        assert g.state() == "running"
        dom.shutdown()
        assert g.wait_state("shutoff") == "shutoff"
        g.conn.events.wait_for(g.name, libvirt.VIR_DOMAIN_EVENT_STOPPED,
                               libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)
        assert dom.state()[1] == libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN
    finally:
        g.remove()


def test_stats_from_the_model(conn, images):
    """domstats, domblkstat and dommemstat are answered from the command line's devices and
    memory (the fake guest does no I/O)."""
    g = Guest(conn, "stats", str(FAKE), disk=images[0])
    try:
        g.dom.create()
        blk = g.dom.blockStatsFlags("vda", 0)
        assert blk["rd_operations"] == 0 and blk["wr_bytes"] == 0
        mem = g.dom.memoryStats()
        assert mem["actual"] == 64 * 1024
        (_, stats), = conn.domainListGetStats([g.dom], 0, 0)
        assert stats["block.0.name"] == "vda"
        assert stats["block.0.capacity"] == 16 << 20
        assert stats["balloon.current"] == 64 * 1024
        assert stats["vcpu.current"] == 2
        assert stats["net.count"] == 1
    finally:
        g.remove()


def test_fifty_guests_at_once(conn):
    """50 fake guests run at once under the one libvirtd (started and removed by 8 clients in
    parallel, as libvirtd serves them with its worker threads), each suspended and resumed."""
    from concurrent.futures import ThreadPoolExecutor

    def start(_):
        g = Guest(conn, "many", str(FAKE))
        guests.append(g)
        g.dom.create()
        return g

    guests = []
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(start, range(50)))
        names = {g.name for g in guests}
        running = {d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)}
        assert len(names) == 50 and names <= running
        for g in guests:
            g.dom.suspend()
            assert g.state() == "paused"
            g.dom.resume()
            assert g.state() == "running"
    finally:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(Guest.remove, guests))
