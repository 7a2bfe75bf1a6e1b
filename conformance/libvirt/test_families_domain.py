"""The domain families fake-libvirtd gained with issue #11, one case per family area, on a
domain each case defines itself: stats and tuning, guest operations (vCPUs, memory, metadata,
rename, save/restore, managed save), snapshots and checkpoints. Each call's value or error is
recorded (cases.attempt), so a release whose test driver refuses a call is compared too."""
import os

import pytest

from cases import attempt, cleanup, domain_xml, unique_name, xml_lines

VOLATILE_STATS = ("cpu.time", "cpu.user", "cpu.system", "vcpu.0.time", "vcpu.1.time")


DEVICES = ("<devices><disk type='file' device='disk'><source file='/guest-%s.img'/>"
           "<target dev='vda' bus='virtio'/></disk>"
           "<interface type='network'><mac address='52:54:00:11:22:33'/>"
           "<source network='default'/><target dev='vwnet0'/></interface></devices>")


def with_devices(xml, name):
    """domain_xml with a disk (vda) and an interface (vwnet0 on the default network)."""
    return xml.replace("</domain>", DEVICES % name + "</domain>")


def running_domain(target, tag, devices=False):
    name = unique_name(tag)
    xml = domain_xml(name)
    d = target.conn.defineXML(with_devices(xml, name) if devices else xml)
    d.create()
    return name, d


def shape(values):
    """Counters the test driver derives from the clock: how many, and which are positive."""
    return [v > 0 for v in values]


def forget(d):
    cleanup(d.destroy, lambda: d.undefineFlags(0x1 | 0x2 | 0x20))  # managed save, snapshots,
    #                                                                 checkpoints metadata


@pytest.mark.procedure("CONNECT_GET_ALL_DOMAIN_STATS")
def test_domain_stats(target, record):
    """All-domain stats of a running domain with a disk and an interface (keys of the volatile
    CPU times, values of the rest)."""
    name, d = running_domain(target, "stats", devices=True)
    try:
        def stats(groups):
            found = [s for dom, s in target.conn.getAllDomainStats(groups, 0)
                     if dom.name() == name]
            return {k: ("<time>" if k in VOLATILE_STATS or k.endswith(".time") else v)
                    for k, v in sorted(found[0].items())}
        record["stats"] = attempt(lambda: stats(0), [name])
        # state, cpu-total, balloon, vcpu, interface, block
        record["stats_groups"] = attempt(lambda: stats(0x3f), [name])
        record["list_stats_state"] = attempt(
            lambda: [s for _, s in target.conn.domainListGetStats([d], 1, 0)], [name])
        assert record["stats"]
    finally:
        forget(d)


@pytest.mark.procedure("DOMAIN_GET_VCPUS")
def test_vcpus_and_pinning(target, record):
    """vCPU info, pin a vCPU, read the pinning back; scheduler type and parameters."""
    name, d = running_domain(target, "vcpu")
    try:
        record["vcpus"] = attempt(lambda: [[v[0], v[1], v[3]] for v in d.vcpus()[0]], [name])
        record["pin"] = attempt(lambda: d.pinVcpu(0, (True, False, True)), [name])
        record["pininfo"] = attempt(lambda: d.vcpuPinInfo(0)[:2], [name])
        record["sched_type"] = attempt(d.schedulerType, [name])
        record["sched"] = attempt(d.schedulerParameters, [name])
        record["set_sched"] = attempt(lambda: d.setSchedulerParameters({"weight": 20}), [name])
        record["sched_after"] = attempt(d.schedulerParameters, [name])
        assert record["vcpus"]
    finally:
        forget(d)


@pytest.mark.procedure("DOMAIN_GET_MEMORY_PARAMETERS")
def test_tuning_getters(target, record):
    """Memory, blkio, NUMA, interface and block I/O tune parameters, perf events, memory,
    block and interface stats of a domain with a disk and an interface (and of devices it
    does not have)."""
    name, d = running_domain(target, "tune", devices=True)
    try:
        for key, fn in (("memory", lambda: d.memoryParameters(0)),
                        ("blkio", lambda: d.blkioParameters(0)),
                        ("numa", lambda: d.numaParameters(0)),
                        ("perf", lambda: d.perfEvents(0)),
                        ("memstats", d.memoryStats),
                        ("blockstats", lambda: shape(d.blockStats("vda"))),
                        ("ifstats", lambda: shape(d.interfaceStats("vwnet0"))),
                        ("ifstats_missing", lambda: d.interfaceStats("vnet9")),
                        ("blockinfo", lambda: d.blockInfo("vda")),
                        ("blkiotune", lambda: d.blockIoTune("vda", 0)),
                        ("iftune", lambda: d.interfaceParameters("vwnet0", 0)),
                        ("blockstats_missing", lambda: d.blockStats("vdz")),
                        ("set_memory_params", lambda: d.setMemoryParameters(
                            {"hard_limit": 1 << 20}, 0)),
                        ("memory_after", lambda: d.memoryParameters(0))):
            record[key] = attempt(fn, [name])
        assert record["memory"]
    finally:
        forget(d)


@pytest.mark.procedure("DOMAIN_SET_VCPUS_FLAGS")
def test_guest_vcpus_memory(target, record):
    """setvcpus/setmem/setmaxmem on an inactive and on a running domain, and what info says."""
    name = unique_name("guest")
    d = target.conn.defineXML(domain_xml(name, vcpus=2))
    try:
        record["setvcpus_config"] = attempt(lambda: d.setVcpusFlags(1, 2), [name])
        record["setmaxmem"] = attempt(lambda: d.setMaxMemory(262144), [name])
        record["setmem_config"] = attempt(lambda: d.setMemoryFlags(100000, 2), [name])
        record["info_inactive"] = attempt(lambda: d.info()[:4], [name])
        d.create()
        record["setvcpus_live"] = attempt(lambda: d.setVcpusFlags(2, 1), [name])
        record["setvcpus_over"] = attempt(lambda: d.setVcpusFlags(64, 1), [name])
        record["setmem_live"] = attempt(lambda: d.setMemoryFlags(90000, 1), [name])
        record["info_running"] = attempt(lambda: d.info()[:4], [name])
        record["maxvcpus"] = attempt(lambda: d.vcpusFlags(0x4 | 0x2), [name])
        assert record["info_running"]
    finally:
        forget(d)


@pytest.mark.procedure("DOMAIN_SET_METADATA")
def test_guest_metadata_and_rename(target, record):
    """Title, description and an XML metadata element, read back; rename of an inactive
    domain and of a running one."""
    name, new = unique_name("meta"), unique_name("renamed")
    names = [name, new]
    d = target.conn.defineXML(domain_xml(name))
    try:
        record["set_title"] = attempt(lambda: d.setMetadata(1, "a title", None, None, 2), names)
        record["set_desc"] = attempt(lambda: d.setMetadata(0, "a description", None, None, 2),
                                     names)
        record["set_elem"] = attempt(lambda: d.setMetadata(
            2, "<app><x>1</x></app>", "vw", "http://virt-wire.example/ns", 2), names)
        record["title"] = attempt(lambda: d.metadata(1, None, 2), names)
        record["elem"] = attempt(lambda: d.metadata(2, "http://virt-wire.example/ns", 2), names)
        record["missing"] = attempt(lambda: d.metadata(2, "http://nothing.example/", 2), names)
        record["rename"] = attempt(lambda: d.rename(new, 0), names)
        record["name_after"] = attempt(lambda: target.conn.lookupByName(new).name() == new,
                                       names)
        d = target.conn.lookupByName(new)
        d.create()
        record["rename_running"] = attempt(lambda: d.rename(name, 0), names)
        assert record["title"]
    finally:
        forget(d)


@pytest.mark.procedure("DOMAIN_SAVE")
def test_guest_save_restore(target, record):
    """save to a file of the daemon, restore it, managed save and its image."""
    name, d = running_domain(target, "save")
    path = "/tmp/%s.save" % name
    try:
        record["save"] = attempt(lambda: d.save(path), [name])
        record["state_after_save"] = attempt(d.state, [name])
        record["restore"] = attempt(lambda: target.conn.restore(path), [name])
        record["state_after_restore"] = attempt(d.state, [name])
        record["managed_save"] = attempt(lambda: d.managedSave(0), [name])
        record["has_image"] = attempt(lambda: d.hasManagedSaveImage(0), [name])
        record["start_from_image"] = attempt(d.create, [name])
        record["has_image_after"] = attempt(lambda: d.hasManagedSaveImage(0), [name])
        assert record["save"]
    finally:
        forget(d)
        if os.path.exists(path):  # the fake (and the host daemon) write on this machine
            cleanup(lambda: os.unlink(path))


SNAP = "<domainsnapshot><name>%s</name><description>%s</description></domainsnapshot>"


@pytest.mark.procedure("DOMAIN_SNAPSHOT_CREATE_XML")
def test_snapshots(target, record):
    """A tree of three snapshots: names, current, parent, children, revert, delete with
    children."""
    name, d = running_domain(target, "snap")
    try:
        for s in ("s1", "s2", "s3"):
            record["create_" + s] = attempt(lambda: d.snapshotCreateXML(SNAP % (s, s), 0).getName(),
                                            [name])
        record["names"] = attempt(lambda: sorted(d.snapshotListNames(0)), [name])
        record["num"] = attempt(lambda: d.snapshotNum(0), [name])
        record["current"] = attempt(lambda: d.snapshotCurrent(0).getName(), [name])
        record["parent"] = attempt(lambda: d.snapshotLookupByName("s3", 0).getParent(0).getName(),
                                   [name])
        record["children_s1"] = attempt(
            lambda: sorted(d.snapshotLookupByName("s1", 0).listChildrenNames(0x1)), [name])
        record["revert"] = attempt(lambda: d.revertToSnapshot(d.snapshotLookupByName("s1", 0), 0),
                                   [name])
        record["current_after_revert"] = attempt(lambda: d.snapshotCurrent(0).getName(), [name])
        record["delete_children"] = attempt(
            lambda: d.snapshotLookupByName("s1", 0).delete(0x1), [name])
        record["names_after"] = attempt(lambda: sorted(d.snapshotListNames(0)), [name])
        record["missing"] = attempt(lambda: d.snapshotLookupByName("nope", 0), [name])
        assert record["names"]
    finally:
        forget(d)


@pytest.mark.procedure("DOMAIN_CHECKPOINT_CREATE_XML")
def test_checkpoints(target, record):
    """A domain without disks has none; two on one with a disk: names, parent, lookup,
    delete."""
    name0, d0 = running_domain(target, "ckpt0")
    try:
        record["no_disk"] = attempt(lambda: d0.checkpointCreateXML(
            "<domaincheckpoint><name>c0</name></domaincheckpoint>", 0), [name0])
    finally:
        forget(d0)
    name, d = running_domain(target, "ckpt", devices=True)
    try:
        for c in ("c1", "c2"):
            record["create_" + c] = attempt(lambda: d.checkpointCreateXML(
                "<domaincheckpoint><name>%s</name></domaincheckpoint>" % c, 0).getName(), [name])
        record["names"] = attempt(lambda: sorted(c.getName() for c in d.listAllCheckpoints(0)),
                                  [name])
        record["parent"] = attempt(lambda: d.checkpointLookupByName("c2", 0).getParent(0).getName(),
                                   [name])
        record["delete"] = attempt(lambda: d.checkpointLookupByName("c2", 0).delete(0), [name])
        record["names_after"] = attempt(
            lambda: sorted(c.getName() for c in d.listAllCheckpoints(0)), [name])
        record["missing"] = attempt(lambda: d.checkpointLookupByName("nope", 0), [name])
        assert record["names"]
    finally:
        forget(d)


@pytest.mark.procedure("DOMAIN_GET_SECURITY_LABEL")
def test_domain_security_and_info(target, record):
    """The security label (list), host name, messages, FS info, time, interface addresses and
    disk errors of the test driver's running domain `test` (only read)."""
    d = target.conn.lookupByName("test")
    for key, fn in (("label", d.securityLabel), ("labels", d.securityLabelList),
                    ("hostname", d.hostname), ("messages", lambda: d.messages(0)),
                    ("fsinfo", lambda: d.fsInfo(0)), ("time", lambda: d.getTime(0)),
                    ("ifaddr", lambda: d.interfaceAddresses(0, 0)),
                    ("disk_errors", lambda: d.diskErrors(0)),
                    ("job_info", d.jobInfo)):
        record[key] = attempt(fn)
    assert record["label"]
