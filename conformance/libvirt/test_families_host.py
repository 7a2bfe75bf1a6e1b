"""The host-side families fake-libvirtd gained with issue #11, on objects each case defines
itself (the test driver's defaults are only read): networks, interfaces, node devices, host
and CPU calls, storage pools and volumes. Each call's value or error is recorded
(cases.attempt), so a release whose test driver refuses a call is compared too."""
import zlib

import pytest

from cases import attempt, cleanup, unique_name, xml_lines

NET = ("<network><name>%s</name><bridge name='%s'/><forward mode='nat'/>"
       "<ip address='%s.1' netmask='255.255.255.0'/></network>")


def net_names(name, tag):
    """[name, a bridge name, a /24 prefix], all derived from name (replaced when recorded)."""
    n = zlib.crc32(name.encode())
    return [name, "vw%s%d" % (tag, n % 100000), "192.168.%d" % (100 + n % 100)]


@pytest.mark.procedure("NETWORK_DEFINE_XML")
def test_network_lifecycle(target, record):
    """define, autostart, start, bridge name, XML, destroy, undefine of a new network;
    the refusals of a second start and of a missing network."""
    names = net_names(unique_name("net"), "br")
    name, bridge = names[0], names[1]
    c = target.conn
    n = c.networkDefineXML(NET % tuple(names))
    try:
        record["active_defined"] = attempt(n.isActive, names)
        record["persistent"] = attempt(n.isPersistent, names)
        record["set_autostart"] = attempt(lambda: n.setAutostart(1), names)
        record["autostart"] = attempt(n.autostart, names)
        record["create"] = attempt(n.create, names)
        record["create_again"] = attempt(n.create, names)
        record["bridge"] = attempt(lambda: n.bridgeName() == bridge, names)
        record["xml"] = attempt(lambda: xml_lines(n.XMLDesc(0), names), names)
        record["inactive_xml"] = attempt(lambda: len(n.XMLDesc(1)) > 0, names)
        record["in_list"] = attempt(lambda: name in c.listNetworks(), names)
        record["destroy"] = attempt(n.destroy, names)
        record["in_defined_list"] = attempt(lambda: name in c.listDefinedNetworks(), names)
        record["undefine"] = attempt(n.undefine, names)
        record["lookup_gone"] = attempt(lambda: c.networkLookupByName(name), names)
        assert record["create"]
    finally:
        cleanup(n.destroy, n.undefine)


@pytest.mark.procedure("NETWORK_CREATE_XML")
def test_network_transient_and_default(target, record):
    """A transient network (create XML), and the default network's read-only facts."""
    names = net_names(unique_name("tnet"), "bt")
    name = names[0]
    c = target.conn
    n = None
    try:
        n = c.networkCreateXML(NET % tuple(names))
        record["persistent"] = attempt(n.isPersistent, names)
        record["autostart_transient"] = attempt(lambda: n.setAutostart(1), names)
        record["destroy"] = attempt(n.destroy, names)
        record["lookup_gone"] = attempt(lambda: c.networkLookupByName(name), names)
        d = c.networkLookupByName("default")
        record["default"] = attempt(lambda: [d.isActive(), d.isPersistent(), d.bridgeName(),
                                             d.UUIDString()])
        record["dhcp_leases"] = attempt(lambda: d.DHCPLeases())
        assert record["default"]
    finally:
        if n is not None:
            cleanup(n.destroy)


@pytest.mark.procedure("CONNECT_LIST_ALL_INTERFACES")
def test_interfaces(target, record):
    """The default interfaces (names, MACs, active), the XML of eth1, lookups, and a
    define/undefine of a new one; the change transaction only on a private daemon."""
    c = target.conn
    record["all"] = attempt(lambda: sorted([i.name(), i.MACString(), i.isActive()]
                                           for i in c.listAllInterfaces(0)
                                           if not i.name().startswith("vwc-")))
    record["counts"] = attempt(lambda: [c.numOfInterfaces() >= 1,
                                        c.numOfDefinedInterfaces() >= 0])
    record["eth1_xml"] = attempt(lambda: xml_lines(c.interfaceLookupByName("eth1").XMLDesc(0)))
    record["by_mac"] = attempt(lambda: c.interfaceLookupByMACString("aa:bb:cc:dd:ee:ff").name())
    record["missing"] = attempt(lambda: c.interfaceLookupByName("vwc-no-such-if"))
    name = unique_name("if")
    xml = ("<interface type='ethernet' name='%s'><start mode='onboot'/>"
           "<mac address='aa:bb:cc:dd:%02x:01'/></interface>" % (name, zlib.crc32(name.encode()) % 256))
    i = None
    try:
        i = c.interfaceDefineXML(xml, 0)
        record["defined_active"] = attempt(i.isActive, [name])
        record["create"] = attempt(lambda: i.create(0), [name])
        record["create_again"] = attempt(lambda: i.create(0), [name])
        record["destroy"] = attempt(lambda: i.destroy(0), [name])
        record["undefine"] = attempt(i.undefine, [name])
        i = None
    finally:
        if i is not None:
            cleanup(lambda: i.destroy(0), i.undefine)
    if target.shared:
        return  # the transaction covers every interface of the daemon: not on a shared one
    record["begin"] = attempt(lambda: c.changeBegin(0))
    record["begin_again"] = attempt(lambda: c.changeBegin(0))
    record["rollback"] = attempt(lambda: c.changeRollback(0))
    record["commit_none"] = attempt(lambda: c.changeCommit(0))
    assert record["all"]


@pytest.mark.procedure("NODE_LIST_DEVICES")
def test_node_devices(target, record):
    """The default node devices: names, parents, capabilities, the XML of one; create and
    destroy of a vHBA on scsi_host1; the errors of missing devices."""
    c = target.conn
    record["names"] = attempt(lambda: sorted(c.listDevices(None, 0)))
    record["num"] = attempt(lambda: c.numOfDevices(None, 0))
    record["scsi_hosts"] = attempt(lambda: sorted(c.listDevices("scsi_host", 0)))
    record["parents"] = attempt(lambda: sorted([d.name(), d.parent()]
                                               for d in c.listAllDevices(0)))
    record["caps"] = attempt(lambda: sorted([d.name(), d.listCaps()] for d in c.listAllDevices(0)))
    record["xml"] = attempt(lambda: xml_lines(c.nodeDeviceLookupByName("scsi_host1").XMLDesc(0)))
    record["missing"] = attempt(lambda: c.nodeDeviceLookupByName("vwc_no_such_dev"))
    if target.shared:
        return  # a created vHBA is visible to everyone on a shared daemon
    xml = ("<device><parent>scsi_host1</parent><capability type='scsi_host'>"
           "<capability type='fc_host'><wwnn>2000000012341234</wwnn>"
           "<wwpn>1000000012341234</wwpn></capability></capability></device>")
    d = None
    try:
        d = c.nodeDeviceCreateXML(xml, 0)
        record["created"] = attempt(lambda: [d.name(), d.parent()])
        record["created_xml"] = attempt(lambda: xml_lines(d.XMLDesc(0)))
        record["destroy"] = attempt(d.destroy)
        d = None
        record["names_after"] = attempt(lambda: sorted(c.listDevices(None, 0)))
    finally:
        if d is not None:
            cleanup(d.destroy)
    assert record["names"]


@pytest.mark.procedure("CONNECT_GET_CPU_MODEL_NAMES")
def test_host_and_cpu(target, record):
    """Node info, cells' free memory, CPU map, CPU stats keys, free pages, security model,
    CPU model names of three architectures, versions, domain capabilities (default, asked
    for, refused)."""
    c = target.conn
    for key, fn in (("info", c.getInfo),
                    ("cells", lambda: c.getCellsFreeMemory(0, 2)),
                    ("cells_bad", lambda: c.getCellsFreeMemory(5, 2)),
                    ("cpu_map", lambda: c.getCPUMap(0)),
                    ("cpu_stats_keys", lambda: sorted(c.getCPUStats(-1, 0))),
                    ("free_memory", c.getFreeMemory),
                    ("free_pages", lambda: c.getFreePages([4, 2048], 0, 2, 0)),
                    ("security_model", c.getSecurityModel),
                    ("models_x86_64", lambda: c.getCPUModelNames("x86_64", 0)),
                    ("models_ppc64", lambda: c.getCPUModelNames("ppc64", 0)),
                    ("models_bogus", lambda: c.getCPUModelNames("vwc-arch", 0)),
                    ("max_vcpus", lambda: c.getMaxVcpus(None)),
                    ("type", c.getType),
                    ("version", c.getVersion),
                    ("lib_version", c.getLibVersion),
                    ("domcaps", lambda: xml_lines(c.getDomainCapabilities(None, None, None, None,
                                                                          0))),
                    ("domcaps_asked", lambda: xml_lines(c.getDomainCapabilities(
                        "/usr/bin/vwc-emu", "x86_64", "pc", "kvm", 0))),
                    ("domcaps_bad_arch", lambda: c.getDomainCapabilities(None, "vwc-arch", None,
                                                                         None, 0)),
                    ("domcaps_bad_virttype", lambda: c.getDomainCapabilities(None, None, None,
                                                                             "vwc-virt", 0)),
                    ("domcaps_flags", lambda: c.getDomainCapabilities(None, None, None, None,
                                                                      1))):
        record[key] = attempt(fn)
    assert record["info"]


POOL = ("<pool type='dir'><name>%s</name><target><path>/vwc-pool/%s</path></target>"
        "</pool>")
VOL = ("<volume><name>%s</name><capacity unit='MiB'>%d</capacity>"
       "<allocation unit='MiB'>%d</allocation></volume>")


@pytest.mark.procedure("STORAGE_POOL_DEFINE_XML")
def test_storage_pool_lifecycle(target, record):
    """define, build, start, refresh, info, autostart, destroy, delete, undefine of a new
    pool; a second start; a missing pool."""
    name = unique_name("pool")
    c = target.conn
    p = c.storagePoolDefineXML(POOL % (name, name), 0)
    names = [name]
    try:
        record["active_defined"] = attempt(p.isActive, names)
        record["build"] = attempt(lambda: p.build(0), names)
        record["create"] = attempt(lambda: p.create(0), names)
        record["create_again"] = attempt(lambda: p.create(0), names)
        record["refresh"] = attempt(lambda: p.refresh(0), names)
        record["info"] = attempt(p.info, names)
        record["set_autostart"] = attempt(lambda: p.setAutostart(1), names)
        record["autostart"] = attempt(p.autostart, names)
        record["xml"] = attempt(lambda: xml_lines(p.XMLDesc(0), names), names)
        record["destroy"] = attempt(p.destroy, names)
        record["delete"] = attempt(lambda: p.delete(0), names)
        record["undefine"] = attempt(p.undefine, names)
        record["lookup_gone"] = attempt(lambda: c.storagePoolLookupByName(name), names)
        record["default_pool"] = attempt(lambda: c.storagePoolLookupByName("default-pool").info())
        assert record["create"]
    finally:
        cleanup(p.destroy, p.undefine)


@pytest.mark.procedure("STORAGE_VOL_CREATE_XML")
def test_storage_volumes(target, record):
    """Volumes in a new pool: create, create from another, info, path, key, lookups by name,
    key and path, list, XML, delete; a duplicate and a missing volume."""
    name = unique_name("vpool")
    c = target.conn
    p = c.storagePoolCreateXML(POOL % (name, name), 0)
    names = [name]
    try:
        v = p.createXML(VOL % ("a.img", 10, 5), 0)
        record["info"] = attempt(v.info, names)
        record["path"] = attempt(lambda: v.path().replace(name, "NAME0"), names)
        record["key"] = attempt(lambda: v.key().replace(name, "NAME0"), names)
        record["by_key"] = attempt(lambda: c.storageVolLookupByKey(v.key()).name(), names)
        record["by_path"] = attempt(lambda: c.storageVolLookupByPath(v.path()).name(), names)
        record["pool_of"] = attempt(lambda: v.storagePoolLookupByVolume().name() == name, names)
        record["duplicate"] = attempt(lambda: p.createXML(VOL % ("a.img", 1, 1), 0), names)
        record["clone"] = attempt(lambda: p.createXMLFrom(VOL % ("b.img", 10, 0), v, 0).name(),
                                  names)
        record["list"] = attempt(lambda: sorted(p.listVolumes()), names)
        record["num"] = attempt(p.numOfVolumes, names)
        record["xml"] = attempt(lambda: xml_lines(v.XMLDesc(0), names), names)
        record["pool_info"] = attempt(p.info, names)
        record["delete"] = attempt(lambda: v.delete(0), names)
        record["missing"] = attempt(lambda: p.storageVolLookupByName("a.img"), names)
        assert record["info"]
    finally:
        cleanup(p.destroy)
