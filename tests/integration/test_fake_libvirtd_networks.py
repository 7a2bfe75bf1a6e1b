"""Networks' life cycle and events, the old network count/list calls and the host's CPU model
names of fake-libvirtd, compared call by call with libvirt 9.0's test driver: `test:///default`
opened in-process by python3-libvirt (a fresh state at every open) for the stateful sequences,
the shared real daemon (with names unique to this branch) for events over the wire."""
import os
import sys
import threading
import time

import pytest

from conftest import BUILD

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)
from pytest_virtwire.events import start_event_loop  # noqa: E402

libvirt = pytest.importorskip("libvirt")
libvirt.registerErrorHandler(lambda ctx, err: None, None)

NET_A = "<network><name>fam-net-a</name><bridge name='vbrfam0'/>" \
        "<ip address='10.9.9.1' netmask='255.255.255.0'><dhcp>" \
        "<range start='10.9.9.2' end='10.9.9.9'/></dhcp></ip></network>"
NET_T = "<network><name>fam-net-t</name></network>"


def outcome(fn, *args):
    """The value, or the error as (code, domain, message)."""
    try:
        return fn(*args)
    except libvirt.libvirtError as e:
        return ("error", e.get_error_code(), e.get_error_domain(), e.get_error_message())


def strip_uuid(xml):
    return "\n".join(l for l in xml.splitlines() if "<uuid>" not in l)


def lifecycle(conn):
    """The same sequence of calls on conn; returns what every call gave."""
    out = [conn.numOfNetworks(), sorted(conn.listNetworks()), conn.numOfDefinedNetworks(),
           sorted(conn.listDefinedNetworks())]
    n = conn.networkDefineXML(NET_A)
    out += [strip_uuid(n.XMLDesc(0)), outcome(n.XMLDesc, 1), n.bridgeName(), n.isActive(),
            n.isPersistent(), conn.numOfDefinedNetworks(), sorted(conn.listDefinedNetworks())]
    out += [outcome(n.create), n.isActive(), outcome(n.create), sorted(conn.listNetworks())]
    out += [outcome(n.setAutostart, 1), n.autostart(), outcome(n.undefine)]
    out += [outcome(n.destroy), n.isActive(), outcome(n.destroy), outcome(n.undefine),
            outcome(conn.networkLookupByName, "fam-net-a")]
    t = conn.networkCreateXML(NET_T)
    out += [strip_uuid(t.XMLDesc(0)), t.isActive(), t.isPersistent(), outcome(t.bridgeName),
            outcome(t.undefine), outcome(t.destroy),
            outcome(conn.networkLookupByName, "fam-net-t")]
    d = conn.networkLookupByName("default")
    out += [outcome(d.create), outcome(d.undefine), outcome(d.XMLDesc, 4)]
    out += [outcome(conn.networkDefineXML, "<network><name>default</name></network>")[:3],
            outcome(conn.networkDefineXML,
                    "<network><name>x</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>"
                    "</network>"),
            outcome(conn.networkCreateXML,
                    "<network><name>default</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df"
                    "</uuid></network>"),
            outcome(conn.networkDefineXMLFlags, "<network><name>q2</name></network>", 2),
            outcome(conn.networkCreateXMLFlags, "<network><name>q3</name></network>", 2),
            strip_uuid(conn.networkDefineXMLFlags("<network><name>q4</name></network>",
                                                  1).XMLDesc(0)),
            conn.networkCreateXMLFlags("<network><name>q5</name></network>", 1).isActive(),
            outcome(conn.networkDefineXML, "<nerk/>"),
            outcome(conn.networkDefineXML, "<network/>")]
    return out


def same_sequence(fake_libvirtd, sequence):
    """sequence(conn) on the fake and on a fresh in-process test:///default: equal, step by
    step."""
    fake = fake_libvirtd()
    real = libvirt.open("test:///default")
    mine = libvirt.open(fake.uri)
    try:
        got, want = sequence(mine), sequence(real)
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, "step %d" % i
        assert len(got) == len(want)
    finally:
        mine.close()
        real.close()


def test_network_lifecycle_as_test_driver(fake_libvirtd):
    same_sequence(fake_libvirtd, lifecycle)


CPU_CALLS = [("x86_64", 0), ("i686", 0), ("ppc64le", 0), ("aarch64", 0), ("s390x", 0),
             ("sparc", 0), ("mips64el", 0), ("foo", 0), ("", 0), ("loongarch64", 0),
             ("x86_64", 1)]


def test_cpu_model_names_as_test_driver(fake_libvirtd):
    fake = fake_libvirtd()
    real = libvirt.open("test:///default")
    mine = libvirt.open(fake.uri)
    try:
        for arch, flags in CPU_CALLS:
            want = outcome(real.getCPUModelNames, arch, flags)
            assert outcome(mine.getCPUModelNames, arch, flags) == want, arch
    finally:
        mine.close()
        real.close()


def events_of(uri, suffix):
    """Network lifecycle events of one sequence on uri, by (event, detail), for names ending in
    suffix; also the errors of a bad registration and a bad deregistration."""
    seen, lock = [], threading.Lock()
    conn = libvirt.open(uri)

    def cb(_conn, net, event, detail, _opaque):
        if net.name().endswith(suffix):
            with lock:
                seen.append((net.name()[:-len(suffix)], event, detail))

    cid = conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, cb, None)
    n = conn.networkDefineXML("<network><name>fam-net-ev%s</name></network>" % suffix)
    n.create()
    n.destroy()
    n.destroy()
    n.undefine()
    t = conn.networkCreateXML("<network><name>fam-net-tr%s</name></network>" % suffix)
    t.destroy()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if len(seen) >= 7:
                break
        time.sleep(0.05)
    conn.networkEventDeregisterAny(cid)
    conn.close()
    with lock:
        return list(seen)


@pytest.fixture(scope="module")
def event_loop():
    start_event_loop()


def test_network_events_as_test_driver(fake_libvirtd, libvirtd_sock, event_loop):
    fake = fake_libvirtd()
    real_uri = "test+unix:///default?socket=%s" % libvirtd_sock
    suffix = "-%d" % os.getpid()
    want = events_of(real_uri, suffix)
    got = events_of(fake.uri, suffix)
    assert got == want
    assert want[0] == ("fam-net-ev", 0, 0) and len(want) == 7


def interfaces(conn):
    """The same interface calls on conn; returns what every call gave."""
    def names(flags):
        return sorted((i.name(), i.MACString()) for i in conn.listAllInterfaces(flags))
    out = [conn.numOfInterfaces(), sorted(conn.listInterfaces()), conn.numOfDefinedInterfaces(),
           sorted(conn.listDefinedInterfaces()), names(0), names(1), names(2), outcome(names, 4)]
    eth1 = conn.interfaceLookupByName("eth1")
    out += [eth1.XMLDesc(0), outcome(eth1.XMLDesc, 1), eth1.isActive(), eth1.MACString(),
            conn.interfaceLookupByMACString("AA:BB:CC:DD:EE:FF").name(),
            outcome(conn.interfaceLookupByMACString, "11:22:33:44:55:66"),
            outcome(conn.interfaceLookupByName, "nope")]
    out += [outcome(eth1.create, 0), outcome(eth1.create, 1), outcome(eth1.destroy, 1),
            outcome(eth1.destroy, 0), eth1.isActive(), outcome(eth1.destroy, 0),
            outcome(eth1.create, 0)]
    out += [outcome(conn.changeBegin, 0), outcome(conn.changeBegin, 0),
            outcome(conn.changeCommit, 0), outcome(conn.changeCommit, 0),
            outcome(conn.changeRollback, 0), outcome(conn.changeBegin, 1),
            outcome(conn.changeCommit, 1), outcome(conn.changeRollback, 1)]
    x = conn.interfaceDefineXML("<interface type='ethernet' name='fam0'><mtu size='1400'/>"
                                "<mac address='52:54:00:aa:bb:cc'/><start mode='none'/>"
                                "</interface>")
    out += [x.XMLDesc(0), x.isActive(), x.MACString(), names(1), outcome(x.create, 0),
            x.isActive(), outcome(x.destroy, 0), outcome(x.undefine), names(0)]
    conn.changeBegin(0)
    conn.interfaceDefineXML("<interface type='ethernet' name='fam1'/>", 1)
    out += [names(0), outcome(conn.changeRollback, 0), names(0)]
    conn.changeBegin(0)
    conn.interfaceDefineXML("<interface type='ethernet' name='fam2'/>")
    out += [outcome(conn.changeCommit, 0), names(0), outcome(eth1.undefine), names(0)]
    out += [outcome(conn.interfaceDefineXML, "<foo/>"),
            outcome(conn.interfaceDefineXML, "<interface type='ethernet'/>"),
            outcome(conn.interfaceDefineXML, "<interface name='q'/>"),
            outcome(conn.interfaceDefineXML, "<interface type='ethernet' name='q'/>", 2)]
    return out


def test_interfaces_as_test_driver(fake_libvirtd):
    same_sequence(fake_libvirtd, interfaces)


VHBA = "<device><parent>scsi_host2</parent><capability type='scsi_host'>" \
       "<capability type='fc_host'><wwnn>2000000012341111</wwnn><wwpn>1000000012341111</wwpn>" \
       "</capability></capability></device>"


def node_devices(conn):
    """The same node device calls on conn (lists sorted: the test driver's order is a hash's)."""
    def all_names(flags):
        r = outcome(conn.listAllDevices, flags)
        return r if isinstance(r, tuple) else sorted(d.name() for d in r)
    out = [conn.numOfDevices(None, 0), sorted(conn.listDevices(None, 0))]
    for cap in ("system", "scsi_host", "fc_host", "vports", "vport_ops", "bogus"):
        out += [conn.numOfDevices(cap, 0), sorted(conn.listDevices(cap, 0))]
    out += [outcome(conn.numOfDevices, None, 1), outcome(conn.listDevices, None, 1)]
    out += [all_names(1 << b) for b in range(0, 24)] + [all_names(0), all_names(1 << 30)]
    for name in sorted(conn.listDevices(None, 0)):
        d = conn.nodeDeviceLookupByName(name)
        out += [d.name(), d.parent(), d.numOfCaps(), d.listCaps(), d.XMLDesc(0),
                outcome(d.XMLDesc, 1)]
    out += [outcome(conn.nodeDeviceLookupByName, "nope")]
    v = conn.nodeDeviceCreateXML(VHBA)
    out += [v.name(), v.parent(), v.listCaps(), v.XMLDesc(0), sorted(conn.listDevices(None, 0))]
    out += [outcome(v.destroy), sorted(conn.listDevices(None, 0))]
    out += [outcome(conn.nodeDeviceLookupByName("computer").destroy),
            outcome(conn.nodeDeviceLookupByName("scsi_host11").destroy),
            sorted(conn.listDevices(None, 0))]
    return out


def test_node_devices_as_test_driver(fake_libvirtd):
    same_sequence(fake_libvirtd, node_devices)


def raw_answers(path):
    """Host calls with hand-encoded arguments on a raw socket: the reply bytes or the error."""
    sys.path.insert(0, os.path.dirname(__file__))
    import struct
    from fake_libvirtd_fixtures import RawClient, decode_error

    def ints(*v):
        return struct.pack(">" + "i" * len(v), *v)
    calls = [
        (101, ints(0, 2)), (101, ints(1, 5)), (101, ints(0, 1)), (101, ints(2, 1)),
        (101, ints(0, 2000)), (293, ints(1, 1, 0)), (293, ints(0, 0, 0)), (293, ints(1, 1, 1)),
        (227, ints(-1, 0, 0)), (227, ints(-1, 2, 0)), (227, ints(3, 4, 0)), (227, ints(0, 8, 0)),
        (227, ints(-1, 17, 0)), (227, ints(-1, 0, 1)),
        (340, ints(2, 4, 2048, 0, 2, 0)), (340, ints(1, 4, 0, 1, 1)),
        (340, ints(1, 4, 0, 2000, 0)),
    ]
    out = []
    conn = RawClient(path)
    try:
        conn.open()
        for serial, (num, body) in enumerate(calls, 10):
            hdr, reply = conn.call(num, serial, body)
            if hdr[5] == 0:
                out.append((num, reply))
            else:
                err = decode_error(reply)
                out.append((num, err["code"], err["domain"], err["message"]))
    finally:
        conn.close()
    return out


def test_host_calls_as_libvirtd(fake_libvirtd, libvirtd_sock):
    """Read-only host calls: the same bytes as the shared real daemon."""
    fake = fake_libvirtd()
    assert raw_answers(fake.socket) == raw_answers(libvirtd_sock)


def device_events(conn):
    """Node device lifecycle events of a vHBA's create and destroy (and a no-op destroy), for
    every device and for a registration filtered on `computer` (which sees none)."""
    seen, lock = [], threading.Lock()

    def cb(_conn, dev, event, detail, tag):
        with lock:
            seen.append((tag, dev.name(), event, detail))
    ids = [conn.nodeDeviceEventRegisterAny(None, 0, cb, "all"),
           conn.nodeDeviceEventRegisterAny(conn.nodeDeviceLookupByName("computer"), 0, cb,
                                           "computer")]
    v = conn.nodeDeviceCreateXML(VHBA)
    v.destroy()
    conn.nodeDeviceLookupByName("computer").destroy()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if len(seen) >= 2:
                break
        time.sleep(0.05)
    time.sleep(0.2)   # a wrong extra event would arrive in this time
    for i in ids:
        conn.nodeDeviceEventDeregisterAny(i)
    with lock:
        return list(seen)


def test_node_device_events_as_test_driver(fake_libvirtd, event_loop):
    fake = fake_libvirtd()
    real = libvirt.open("test:///default")
    mine = libvirt.open(fake.uri)
    try:
        want = device_events(real)
        assert want == [("all", "scsi_host12", 0, 0), ("all", "scsi_host12", 1, 0)]
        assert device_events(mine) == want
    finally:
        mine.close()
        real.close()


VIRSH_READ_ONLY = [
    ["net-dumpxml", "default"], ["net-dumpxml", "default", "--inactive"],
    ["iface-dumpxml", "eth1"], ["iface-dumpxml", "eth1", "--inactive"], ["iface-mac", "eth1"],
    ["iface-name", "aa:bb:cc:dd:ee:ff"], ["iface-list", "--all"],
    ["nodedev-dumpxml", "computer"], ["nodedev-dumpxml", "scsi_host11"],
    ["nodedev-list"], ["cpu-models", "x86_64"], ["cpu-models", "sparc"], ["cpu-models", "foo"],
    ["freecell", "--all"], ["freecell", "1"], ["freecell", "7"], ["nodecpumap"],
    ["nodecpustats"], ["nodecpustats", "--percent"], ["nodememstats"], ["freepages", "--all"],
]


def test_virsh_read_only_commands_as_libvirtd(fake_libvirtd, libvirtd_sock):
    """virsh's output and errors for read-only commands: the fake and the shared real daemon
    (whose default objects nobody changes)."""
    from conftest import run_virsh
    fake = fake_libvirtd()
    real_uri = "test+unix:///default?socket=%s" % libvirtd_sock
    for args in VIRSH_READ_ONLY:
        want, got = run_virsh(args, real_uri), run_virsh(args, fake.uri)
        assert (got.returncode, got.stdout, got.stderr) == \
            (want.returncode, want.stdout, want.stderr), args


def test_interfaces_from_a_state_file(fake_libvirtd, tmp_path):
    import json
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"base": "empty", "interfaces": [
        {"xml": "<interface type='ethernet' name='fam3'><mac address='52:54:00:00:00:03'/>"
                "</interface>"},
        {"xml": "<interface type='ethernet' name='fam4'/>", "active": False}]}))
    fake = fake_libvirtd(state=str(state))
    conn = libvirt.open(fake.uri)
    try:
        assert conn.listInterfaces() == ["fam3"]
        assert conn.listDefinedInterfaces() == ["fam4"]
        assert conn.interfaceLookupByMACString("52:54:00:00:00:03").name() == "fam3"
        assert conn.interfaceLookupByName("fam4").XMLDesc(0) == \
            "<interface type='ethernet' name='fam4'>\n</interface>\n"
        assert conn.listDevices(None, 0) == []     # an empty base has no node devices
    finally:
        conn.close()
