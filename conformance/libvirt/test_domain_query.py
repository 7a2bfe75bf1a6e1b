"""Listing, lookup and information about the test driver's domain `test`."""
import pytest

from cases import TEST_UUID, same_output
from harness import lv_error


@pytest.mark.procedure("CONNECT_LIST_ALL_DOMAINS")
@pytest.mark.parametrize("flags", [[], ["--all"], ["--inactive"]], ids=["running", "all", "inactive"])
def test_list(target, record, flags):
    """`list` rows of `test` (other rows depend on what else runs on a shared daemon)."""
    mine_theirs = same_output(target, record, "list", *flags)
    rows = [l.split() for l in mine_theirs.stdout.splitlines()[2:] if l.strip()]
    record["virsh"] = [r for r in rows if len(r) > 1 and r[1] == "test"]
    if flags == ["--inactive"]:
        assert record["virsh"] == []
    else:
        assert record["virsh"] == [["1", "test", "running"]]


@pytest.mark.procedure("CONNECT_LIST_ALL_DOMAINS")
def test_list_all_python(target, record):
    doms = {d.name(): (d.ID(), d.UUIDString(), d.isActive()) for d in target.conn.listAllDomains(0)}
    record["test"] = doms.get("test")
    assert doms.get("test") == (1, TEST_UUID, 1)


@pytest.mark.procedure("CONNECT_NUM_OF_DOMAINS")
def test_num_of_domains(target, record):
    n, ids = target.conn.numOfDomains(), target.conn.listDomainsID()
    assert n == len(ids) and 1 in ids


@pytest.mark.procedure("DOMAIN_LOOKUP_BY_NAME")
def test_lookup_name(target, record):
    d = target.conn.lookupByName("test")
    record["result"] = [d.name(), d.UUIDString(), d.ID()]
    assert record["result"] == ["test", TEST_UUID, 1]


@pytest.mark.procedure("DOMAIN_LOOKUP_BY_UUID")
def test_lookup_uuid(target, record):
    d = target.conn.lookupByUUIDString(TEST_UUID)
    record["result"] = [d.name(), d.ID()]
    assert record["result"] == ["test", 1]


@pytest.mark.procedure("DOMAIN_LOOKUP_BY_ID")
def test_lookup_id(target, record):
    d = target.conn.lookupByID(1)
    record["result"] = [d.name(), d.UUIDString()]
    assert record["result"] == ["test", TEST_UUID]


@pytest.mark.procedure("DOMAIN_LOOKUP_BY_NAME")
@pytest.mark.parametrize("how", ["name", "uuid", "id"])
def test_virsh_lookup_commands(target, record, how):
    """domid/domuuid/domname through virsh (libvirt's client) on the target."""
    from harness import run_virsh
    arg = {"name": ("domuuid", "test"), "uuid": ("domname", TEST_UUID), "id": ("domname", "1")}[how]
    r = run_virsh(target, *arg)
    record["virsh"] = r.stdout.strip()
    assert r.returncode == 0
    assert record["virsh"] == (TEST_UUID if how == "name" else "test")


@pytest.mark.procedure("DOMAIN_GET_INFO")
@pytest.mark.parametrize("how", ["test", "1", TEST_UUID], ids=["name", "id", "uuid"])
def test_dominfo(target, record, how):
    """`dominfo` by name, id and UUID: virtc prints what virsh prints."""
    same_output(target, record, "dominfo", how)


@pytest.mark.procedure("DOMAIN_GET_INFO")
def test_dominfo_python(target, record):
    info = target.conn.lookupByName("test").info()
    record["info"] = info[:4]  # state, max memory, memory, vcpus: not CPU time (wall clock)
    assert info[0] == 1


@pytest.mark.procedure("DOMAIN_GET_STATE")
@pytest.mark.parametrize("reason", [False, True], ids=["plain", "reason"])
def test_domstate(target, record, reason):
    r = same_output(target, record, "domstate", "test", *(["--reason"] if reason else []))
    assert r.stdout.strip().startswith("running")


@pytest.mark.procedure("DOMAIN_GET_XML_DESC")
@pytest.mark.parametrize("flags", [[], ["--inactive"]], ids=["live", "inactive"])
def test_dumpxml(target, record, flags):
    """`dumpxml test`: the same text through virtc and virsh; the XML is recorded."""
    same_output(target, record, "dumpxml", "test", *flags)


@pytest.mark.procedure("DOMAIN_GET_OS_TYPE")
def test_os_type(target, record):
    record["os_type"] = target.conn.lookupByName("test").OSType()
    assert record["os_type"] == "linux"


@pytest.mark.procedure("DOMAIN_IS_ACTIVE / IS_PERSISTENT / IS_UPDATED")
def test_flags(target, record):
    d = target.conn.lookupByName("test")
    record["flags"] = [d.isActive(), d.isPersistent(), d.isUpdated()]
    assert record["flags"][:2] == [1, 1]


@pytest.mark.procedure("DOMAIN_GET_AUTOSTART")
def test_autostart(target, record):
    record["autostart"] = target.conn.lookupByName("test").autostart()
    assert record["autostart"] in (0, 1)


@pytest.mark.procedure("DOMAIN_GET_SCHEDULER_TYPE")
def test_scheduler_type(target, record):
    try:
        record["sched"] = target.conn.lookupByName("test").schedulerType()
    except Exception as exc:
        record["error"] = lv_error(exc)
        raise
    assert record["sched"][0] == "fair"


@pytest.mark.procedure("DOMAIN_GET_VCPUS_FLAGS")
def test_vcpus_flags(target, record):
    d = target.conn.lookupByName("test")
    record["vcpus"] = [d.vcpusFlags(0), d.maxVcpus()]
    assert record["vcpus"][0] >= 1
