"""Read-only connections: reads work, every state change is refused with the daemon's error."""
import pytest

from cases import domain_xml, normalise, unique_name
from harness import lv_error, run_virsh, run_virtc

RO_OPS = {
    "suspend": lambda c, d: d.suspend(),
    "destroy": lambda c, d: d.destroy(),
    "undefine": lambda c, d: d.undefine(),
    "set-autostart": lambda c, d: d.setAutostart(1),
    "define": lambda c, d: c.defineXML(domain_xml("vwc-ro-define")),
    "create-xml": lambda c, d: c.createXML(domain_xml("vwc-ro-create"), 0),
    "xml-secure": lambda c, d: d.XMLDesc(1),  # VIR_DOMAIN_XML_SECURE
    "set-memory": lambda c, d: d.setMemory(32768),
}


@pytest.fixture
def victim(target):
    """A running domain of our own, so a wrongly accepted write harms nobody."""
    name = unique_name("ro")
    d = target.conn.defineXML(domain_xml(name))
    d.create()
    yield name
    for f in (d.destroy, d.undefine):
        try:
            f()
        except Exception:
            pass


@pytest.mark.procedure("read-only socket")
def test_ro_socket_reads(target, record):
    """The read-only socket serves reads: list and dominfo as on the read-write one."""
    libvirt = __import__("libvirt")
    c = libvirt.openReadOnly(target.ro_uri)
    try:
        d = c.lookupByName("test")
        record["result"] = [d.ID(), d.isActive(), c.getType()]
    finally:
        c.close()
    assert record["result"][:2] == [1, 1]


@pytest.mark.procedure("read-only socket")
@pytest.mark.parametrize("op", sorted(RO_OPS))
def test_ro_socket_refuses(target, record, victim, op):
    """On the read-only socket each write fails with VIR_ERR_OPERATION_DENIED (29)."""
    libvirt = __import__("libvirt")
    c = libvirt.openReadOnly(target.ro_uri)
    try:
        d = c.lookupByName(victim)
        with pytest.raises(libvirt.libvirtError) as ei:
            RO_OPS[op](c, d)
        record["error"] = lv_error(ei.value)
        record["error"]["message"] = record["error"]["message"].replace(victim, "NAME")
        state = target.conn.lookupByName(victim).state(0)[0]
    finally:
        c.close()
    assert record["error"]["code"] == 29, record["error"]  # VIR_ERR_OPERATION_DENIED
    assert state == 1, "the refused operation changed the domain's state"


@pytest.mark.procedure("read-only socket")
def test_ro_list_cli(target, record):
    """`list -r`: virtc and virsh read-only show the same rows for `test`."""
    mine = run_virtc(target, "list", readonly=True)
    theirs = run_virsh(target, "list", readonly=True)
    assert mine.returncode == 0 and theirs.returncode == 0, (mine.stderr, theirs.stderr)
    rows = lambda t: [l.split() for l in t.splitlines() if " test " in l]
    record["virsh"] = rows(theirs.stdout)
    assert rows(mine.stdout) == rows(theirs.stdout) == [["1", "test", "running"]]


@pytest.mark.procedure("read-only socket")
@pytest.mark.parametrize("cmd", ["suspend", "destroy"])
def test_ro_refusal_cli(target, record, victim, cmd):
    """`-r suspend|destroy`: the same refusal text from virtc and virsh."""
    mine = run_virtc(target, cmd, victim, readonly=True)
    theirs = run_virsh(target, cmd, victim, readonly=True)
    record["virsh_error"] = [normalise(l, [victim])[0] for l in theirs.stderr.splitlines() if l]
    assert theirs.returncode == 1 and mine.returncode == 1
    assert [l for l in mine.stderr.splitlines() if l] == [l for l in theirs.stderr.splitlines() if l]
    assert any("read only" in l or "read-only" in l for l in record["virsh_error"])
