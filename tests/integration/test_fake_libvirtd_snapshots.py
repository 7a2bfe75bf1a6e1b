"""Domain snapshots and checkpoints: the same virsh sessions and python3-libvirt calls against fake-libvirtd and
against libvirt 9.0's test driver (test:///default in-process for sessions that change the
default domain, the shared libvirtd with uniquely named domains for revert and its events),
compared after masking what differs by nature (creation times, the order of siblings, which
the test driver takes from a hash table)."""
import os
import re
import subprocess
import threading

import pytest

from conftest import REPO, VIRSH, _clean_env, unique_name
from pytest_virtwire.events import start_event_loop

os.environ.setdefault("VW_BUILD", str(REPO / "build"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

libvirt = pytest.importorskip("libvirt")

DOMAIN_XML = """<domain type='test'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/x.img'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
  </devices>
</domain>"""


@pytest.fixture
def fake(fake_libvirtd):
    return fake_libvirtd()


_CREATION = re.compile(r"<creationTime>\d+</creationTime>")
_DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}")


_SECONDS = re.compile(r"\b\d{10}\b")     # the names of unnamed moments: their creation time


def masked(text):
    text = _CREATION.sub("<creationTime>T</creationTime>", text)
    text = _SECONDS.sub("T", text)
    text = _DATE.sub("DATE", text)
    return text.splitlines()


def virsh_session(uri, commands):
    """One virsh process running commands (its state lives as long as the connection)."""
    r = subprocess.run([VIRSH, "-c", uri], input="\n".join(commands) + "\n",
                       capture_output=True, text=True, timeout=60, env=_clean_env())
    return masked(r.stdout), r.stderr.splitlines()


SESSION = [
    "snapshot-list test",
    "snapshot-current test",
    "snapshot-create-as test s1 --description 'first <one>'",
    "snapshot-dumpxml test s1",
    "suspend test",
    "snapshot-create-as test s2",
    "destroy test",
    "snapshot-create-as test s3",
    "snapshot-revert test s1",
    "domstate test --reason",
    "snapshot-create-as test s4",
    "snapshot-list test --tree",
    "snapshot-list test --parent",
    "snapshot-list test --roots --name",
    "snapshot-list test --leaves --name",
    "snapshot-list test --no-leaves --name",
    "snapshot-list test --inactive --name",
    "snapshot-list test --active --name",
    "snapshot-list test --internal --name",
    "snapshot-list test --external --name",
    "snapshot-list test --metadata --name",
    "snapshot-list test --no-metadata --name",
    "snapshot-list test --from s1 --name",
    "snapshot-list test --from s1 --descendants --name",
    "snapshot-list test --current --name",
    "snapshot-current test --name",
    "snapshot-info test s2",
    "snapshot-info --current test",
    "snapshot-parent test s3",
    "snapshot-parent test s1",
    "snapshot-dumpxml test s2",
    "snapshot-dumpxml test nosuch",
    "snapshot-create-as test s1",
    "snapshot-revert test s2",
    "domstate test --reason",
    "snapshot-revert test s3 --running",
    "domstate test --reason",
    "snapshot-revert test s1 --paused",
    "domstate test --reason",
    "snapshot-revert test s1 --running --paused",
    "snapshot-delete test s2",
    "snapshot-list test --tree",
    "snapshot-delete test s1 --children-only",
    "snapshot-list test --tree",
    "snapshot-current test --name",
    "snapshot-create-as test s5",
    "snapshot-create-as test s6",
    "snapshot-revert test s5",
    "snapshot-delete test s5 --children",
    "snapshot-current test --name",
    "snapshot-list test --tree",
    "snapshot-delete test s1 --metadata",
    "destroy test",
    "undefine test",
    "snapshot-create-as test s7 --halt",
    "domstate test --reason",
    "list --all --with-snapshot --name",
    "list --all --without-snapshot --name",
    "undefine test --snapshots-metadata",
    "list --all --name",
]


def same_session(fake, commands):
    """The session on the fake and on test:///default: the same stdout and stderr lines."""
    mine = virsh_session(fake.uri, commands)
    theirs = virsh_session("test:///default", commands)
    assert mine[0] == theirs[0]
    assert mine[1] == theirs[1]
    return mine


def same_calls(fake, calls):
    """calls(conn) on the fake and on test:///default (a fresh default each time): equal."""
    results = []
    for uri in (fake.uri, "test:///default"):
        conn = libvirt.open(uri)
        try:
            results.append(calls(conn))
        finally:
            conn.close()
    assert results[0] == results[1]
    return results[0]


def test_virsh_session_matches_test_driver(fake):
    mine = same_session(fake, SESSION)
    out = "\n".join(mine[0])
    assert "<name>s1</name>" in out and "<description>first &lt;one&gt;</description>" in out
    assert "cannot delete inactive domain with" in "\n".join(mine[1])


def snapshot_tree(dom):
    """{name: parent} of every snapshot, through the calls virsh's --tree does not use."""
    tree = {}
    for s in dom.listAllSnapshots():
        try:
            tree[s.getName()] = s.getParent().getName()
        except libvirt.libvirtError:
            tree[s.getName()] = None
    return tree


def outcome(fn):
    try:
        return ("ok", fn())
    except libvirt.libvirtError as e:
        return ("error", e.get_error_code(), e.get_error_domain(), e.get_error_message())


def tree_calls(conn):
    d = conn.lookupByName("test")
    xml = "<domainsnapshot><name>%s</name></domainsnapshot>"
    for name, state in (("a", None), ("b", "suspend"), ("c", None), ("d", None)):
        if state:
            getattr(d, state)()
        d.snapshotCreateXML(xml % name)
    d.revertToSnapshot(d.snapshotLookupByName("b"))
    d.snapshotCreateXML(xml % "e")
    a = d.snapshotLookupByName("a")
    L = libvirt
    names = lambda snaps: sorted(s.getName() for s in snaps)
    out = [snapshot_tree(d), d.snapshotNum(), d.snapshotNum(L.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS),
           sorted(d.snapshotListNames()), sorted(d.snapshotListNames(L.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES)),
           a.numChildren(), a.numChildren(L.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS),
           sorted(a.listChildrenNames()), names(a.listAllChildren(L.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)),
           names(d.listAllSnapshots(L.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE)),
           names(d.listAllSnapshots(L.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA)),
           d.hasCurrentSnapshot(), d.snapshotCurrent().getName(),
           a.isCurrent(), d.snapshotCurrent().isCurrent(), a.hasMetadata()]
    for flags in (0, L.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL):
        order = [s.getName() for s in d.listAllSnapshots(flags)]
        parents = snapshot_tree(d)
        out.append(all(parents[n] is None or order.index(parents[n]) < order.index(n)
                       for n in order) if flags else sorted(order))
    out += [outcome(lambda: d.snapshotNum(1 << 11)),
            outcome(lambda: a.numChildren(1 << 11)),
            outcome(lambda: d.snapshotLookupByName("zz")),
            outcome(lambda: d.snapshotLookupByName("a", 1)),
            outcome(lambda: d.hasCurrentSnapshot(1)),
            outcome(lambda: a.getXMLDesc(2)),
            outcome(lambda: a.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)),
            outcome(lambda: d.revertToSnapshot(a, 8)),
            outcome(lambda: d.snapshotCreateXML(xml % "x", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)),
            outcome(lambda: d.snapshotCreateXML(xml % "x", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)),
            outcome(lambda: d.snapshotCreateXML(xml % "a")),
            outcome(lambda: d.snapshotCreateXML("<bad/>")),
            outcome(lambda: d.snapshotCreateXML(xml % "r", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)),
            outcome(lambda: d.undefine())]
    a.delete(L.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN)
    out += [d.snapshotNum(), d.hasCurrentSnapshot(), outcome(d.snapshotCurrent)]
    return out


def test_tree_and_errors_match_test_driver(fake):
    assert same_calls(fake, tree_calls)[0] == {"a": None, "b": "a", "c": "b", "d": "c", "e": "b"}


def undefine_order_calls(conn):
    """A domain with both a snapshot and a managed save image: which refusal comes first,
    which flag lifts which, and that a refused undefine keeps the image."""
    d = conn.defineXML(DOMAIN_XML.format(name="undef-order"))
    d.create()
    d.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>")
    d.managedSave()
    L = libvirt
    out = [outcome(d.undefine), d.hasManagedSaveImage()]
    for flags in (L.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE, L.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA):
        out += [outcome(lambda: d.undefineFlags(flags)), d.hasManagedSaveImage()]
    out.append(outcome(lambda: d.undefineFlags(L.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                               L.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)))
    out.append(outcome(lambda: conn.lookupByName("undef-order")))
    return out


def test_undefine_refusal_order_matches_test_driver(fake):
    """libvirt 9.0 refuses a managed save image before snapshots."""
    got = same_calls(fake, undefine_order_calls)
    assert "managed save image exists" in got[0][3]
    assert "snapshots" in got[2][3]


def set_state(d, state):
    if state == "shutoff":
        if d.isActive():
            d.destroy()
        return
    if not d.isActive():
        d.create()
    if state == "paused" and d.state()[0] == libvirt.VIR_DOMAIN_RUNNING:
        d.suspend()
    if state == "running" and d.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
        d.resume()


def revert_case(uri, start, snap_state, flags):
    """Result, state and current snapshot after reverting a fresh domain in start to a
    snapshot taken in snap_state, and every lifecycle event of the domain from its definition
    to its removal (the Undefined event at the end says all before it have arrived)."""
    name = unique_name("fam-snap-rv")
    seen, done = [], threading.Event()

    def cb(conn, dom, event, detail, opaque):
        if dom.name() == name:
            seen.append((event, detail))
            if event == libvirt.VIR_DOMAIN_EVENT_UNDEFINED:
                done.set()
    conn = libvirt.open(uri)
    cb_id = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
    d = conn.defineXML(DOMAIN_XML.format(name=name))
    try:
        set_state(d, snap_state)
        snap = d.snapshotCreateXML("<domainsnapshot><name>s</name></domainsnapshot>")
        set_state(d, start)
        result = outcome(lambda: d.revertToSnapshot(snap, flags))
        state = d.state()
        current = d.snapshotCurrent().getName() if d.hasCurrentSnapshot() else None
    finally:
        if d.isActive():
            d.destroy()
        d.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        assert done.wait(20), "no Undefined event within 20 s: %r" % seen
        conn.domainEventDeregisterAny(cb_id)
        conn.close()
    return result, state, current, seen


@pytest.mark.parametrize("start", ["shutoff", "running", "paused"])
def test_revert_states_and_events_match_libvirtd(libvirtd_sock, fake, start):
    start_event_loop()
    real_uri = "test+unix:///default?socket=%s" % libvirtd_sock
    for snap_state in ("shutoff", "running", "paused"):
        for flags in (0, 1, 2, 4):
            case = (start, snap_state, flags)
            mine = revert_case(fake.uri, *case)
            theirs = revert_case(real_uri, *case)
            assert mine == theirs, case


def documents_on_both(libvirtd_sock, fake, produce):
    """produce(domain) -> [xml, ...] on a new uniquely named domain of the fake and of the real
    daemon, with the domain's name and uuid masked; the domain is removed afterwards. The
    fake's and the daemon's lists must be equal; returns the fake's."""
    out = []
    for uri in (fake.uri, "test+unix:///default?socket=%s" % libvirtd_sock):
        conn = libvirt.open(uri)
        name = unique_name("fam-snap-xml")
        d = conn.defineXML(DOMAIN_XML.format(name=name))
        try:
            out.append([masked(x.replace(d.UUIDString(), "UUID").replace(name, "NAME"))
                        for x in produce(d)])
        finally:
            if d.isActive():
                d.destroy()
            d.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
            conn.close()
    assert out[0] == out[1]
    return out[0]


def snapshot_documents(d):
    xml = [d.snapshotCreateXML("<domainsnapshot><name>off</name>"
                               "<description>x</description></domainsnapshot>").getXMLDesc()]
    d.create()
    xml.append(d.snapshotCreateXML("<domainsnapshot><name>on</name></domainsnapshot>").getXMLDesc())
    d.destroy()
    return xml


def test_snapshot_xml_matches_libvirtd(libvirtd_sock, fake):
    """The whole <domainsnapshot> document of a running and a stopped domain."""
    out = documents_on_both(libvirtd_sock, fake, snapshot_documents)
    assert "  <memory snapshot='no'/>" in out[0]
    assert "    <disk name='hdc' snapshot='no'/>" in out[0]


CHECKPOINT_SESSION = [
    "checkpoint-list test",
    "checkpoint-create-as test c1 --description 'first <one>'",
    "checkpoint-create-as test c2",
    "checkpoint-create test",
    "checkpoint-create-as test c1",
    "checkpoint-dumpxml test c2",
    "checkpoint-dumpxml test c1 --no-domain",
    "checkpoint-dumpxml test c1 --size",
    "checkpoint-dumpxml test c1 --security-info",
    "checkpoint-list test --tree",
    "checkpoint-list test --parent",
    "checkpoint-list test --roots --name",
    "checkpoint-list test --leaves --name",
    "checkpoint-list test --no-leaves --name",
    "checkpoint-list test --from c1 --name",
    "checkpoint-list test --from c1 --descendants --name",
    "checkpoint-info test c2",
    "checkpoint-parent test c2",
    "checkpoint-parent test c1",
    "checkpoint-dumpxml test nosuch",
    "snapshot-create-as test s1",
    "list --all --with-checkpoint --name",
    "list --all --without-checkpoint --name",
    "checkpoint-delete test c1",
    "checkpoint-list test --parent",
    "checkpoint-create-as test c3",
    "checkpoint-delete test c2 --children-only",
    "checkpoint-list test --tree",
    "checkpoint-delete test c2 --children --metadata",
    "checkpoint-list test --name",
    "checkpoint-create-as test c4",
    "destroy test",
    "checkpoint-create-as test c5",
    "checkpoint-dumpxml test c4 --size",
    "snapshot-create-as test s2",
    "checkpoint-delete test c4",
    "snapshot-create-as test s3",
    "checkpoint-create-as test c6",
    "undefine test --snapshots-metadata",
    "list --all --name",
]


def test_virsh_checkpoint_session_matches_test_driver(fake):
    mine = same_session(fake, CHECKPOINT_SESSION)
    out = "\n".join(mine[0])
    assert "<disk name='vda' checkpoint='bitmap' bitmap='c2'/>" in out
    assert "cannot create checkpoint for inactive domain" in "\n".join(mine[1])


def checkpoint_calls(conn):
    d = conn.lookupByName("test")
    xml = "<domaincheckpoint><name>%s</name></domaincheckpoint>"
    for name in ("a", "b", "c"):
        d.checkpointCreateXML(xml % name)
    a = d.checkpointLookupByName("a")
    L = libvirt
    names = lambda items: sorted(k.getName() for k in items)
    out = [names(d.listAllCheckpoints()), names(d.listAllCheckpoints(L.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)),
           names(d.listAllCheckpoints(L.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES)),
           names(a.listAllChildren()), names(a.listAllChildren(L.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)),
           d.checkpointLookupByName("c").getParent().getName(),
           outcome(lambda: d.checkpointLookupByName("zz")),
           outcome(a.getParent),
           outcome(lambda: a.getXMLDesc(8)),
           outcome(lambda: d.listAllCheckpoints(16)),
           outcome(lambda: a.listAllChildren(16)),
           outcome(lambda: a.delete(8)),
           outcome(lambda: d.checkpointCreateXML(xml % "a")),
           outcome(lambda: d.checkpointCreateXML(xml % "r", L.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)),
           outcome(lambda: d.checkpointCreateXML(xml % "x", 8)),
           outcome(lambda: d.checkpointCreateXML("<bad/>")),
           outcome(lambda: d.snapshotCreateXML("<domainsnapshot/>"))]
    order = [k.getName() for k in d.listAllCheckpoints(L.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)]
    out.append(order)
    a.delete(L.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)
    out.append(names(d.listAllCheckpoints()))
    a.delete()
    out.append(names(d.listAllCheckpoints()))
    return out


def test_checkpoint_calls_match_test_driver(fake):
    result = same_calls(fake, checkpoint_calls)
    assert result[0] == ["a", "b", "c"] and result[-3] == ["a", "b", "c"]


def checkpoint_documents(d):
    d.create()
    k = d.checkpointCreateXML("<domaincheckpoint><name>k</name></domaincheckpoint>")
    xml = [k.getXMLDesc(), k.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)]
    k.delete()
    return xml


def test_checkpoint_xml_matches_libvirtd(libvirtd_sock, fake):
    """A checkpoint of a domain with a read-only disk, whole and without the domain."""
    out = documents_on_both(libvirtd_sock, fake, checkpoint_documents)
    assert "    <disk name='hdc' checkpoint='no'/>" in out[1]


def redefine_calls(conn):
    """Snapshot and checkpoint XML given back with REDEFINE: accepted, and each refusal."""
    d = conn.lookupByName("test")
    R, CUR = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
    s1 = d.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>")
    s2 = d.snapshotCreateXML("<domainsnapshot><name>s2</name><description>two</description>"
                             "</domainsnapshot>")
    x1, x2 = s1.getXMLDesc(), s2.getXMLDesc()
    s1.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN)
    bare = "<domainsnapshot><name>%s</name>%s<state>%s</state><creationTime>%s</creationTime>" \
           "</domainsnapshot>"
    out = [outcome(lambda: d.snapshotCreateXML(x2, R).getName()),
           outcome(lambda: d.snapshotCreateXML(x1, R).getName()),
           d.hasCurrentSnapshot(),
           outcome(lambda: d.snapshotCreateXML(x2, R).getName()),
           d.hasCurrentSnapshot(),
           outcome(lambda: d.snapshotCreateXML(x2, R | CUR).getName()),
           d.snapshotCurrent().getName(),
           d.snapshotLookupByName("s2").getXMLDesc() == x2,
           d.snapshotLookupByName("s2").getParent().getName()]
    for name, parent, state, created in (("n", "", "running", "5"), ("n", "", "shutoff", "5"),
                                         ("p", "<parent><name>zz</name></parent>", "running", "5"),
                                         ("w", "", "bogus", "5"), ("w", "", "shutoff", "x5"),
                                         ("s1", "", "shutoff", "7")):
        out.append(outcome(lambda: d.snapshotCreateXML(bare % (name, parent, state, created), R)))
    out += [outcome(lambda: d.snapshotCreateXML(
                "<domainsnapshot><state>shutoff</state><creationTime>7</creationTime>"
                "</domainsnapshot>", R)),
            outcome(lambda: d.snapshotCreateXML(x1.replace("6695eb01", "1195eb01"), R)),
            outcome(lambda: d.snapshotCreateXML(x1.replace("<state>running", "<state>shutoff")
                                                .replace("<name>s1<", "<name>off<", 1), R)),
            sorted(d.snapshotListNames())]
    d.snapshotLookupByName("s1").delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN)
    k = d.checkpointCreateXML("<domaincheckpoint><name>c1</name></domaincheckpoint>")
    xk = k.getXMLDesc()
    out += [outcome(lambda: d.checkpointCreateXML(
                "<domaincheckpoint><name>n</name><creationTime>5</creationTime></domaincheckpoint>",
                R).getName()),
            d.checkpointLookupByName("n").getXMLDesc(),
            outcome(lambda: d.checkpointCreateXML(
                "<domaincheckpoint><name>p</name><parent><name>zz</name></parent>"
                "<creationTime>5</creationTime></domaincheckpoint>", R)),
            outcome(lambda: d.checkpointCreateXML(xk.replace("6695eb01", "1195eb01")
                                                  .replace("<name>c1</name>", "<name>q</name>"), R)),
            outcome(lambda: d.checkpointCreateXML(xk, R).getName()),
            outcome(lambda: d.checkpointCreateXML(
                "<domaincheckpoint><creationTime>5</creationTime></domaincheckpoint>", R)),
            sorted(k.getName() for k in d.listAllCheckpoints()),
            d.checkpointLookupByName("c1").getXMLDesc() == xk]
    return out


def test_redefine_matches_test_driver(fake):
    assert same_calls(fake, redefine_calls)[:3] == [("error", 8, 20, "invalid argument: parent s1 for moment s2 not found"),
                              ("ok", "s1"), False]


def test_stubs_speak_the_snapshot_structs(fake_libvirtd):
    """Scenario stubs match snapshot calls on their decoded arguments and answer through the
    .x structs: a stubbed lookup and parent reach python3-libvirt; other calls reach the model."""
    dom = {"name": "test", "uuid": "6695eb01-f6a4-8304-79aa-97f2502e193f", "id": 1}
    stubs = [
        {"match": {"procedure": "DOMAIN_SNAPSHOT_LOOKUP_BY_NAME", "args": {"name": "ghost"}},
         "answer": {"reply": {"ret": {"snap": {"name": "ghost", "dom": dom}}}}},
        {"match": {"procedure": "DOMAIN_SNAPSHOT_GET_PARENT", "args": {"snap": {"name": "ghost"}}},
         "answer": {"reply": {"ret": {"snap": {"name": "phantom", "dom": dom}}}}},
    ]
    conn = libvirt.open(fake_libvirtd(scenario=stubs).uri)
    try:
        d = conn.lookupByName("test")
        assert d.snapshotLookupByName("ghost").getParent().getName() == "phantom"
        assert outcome(lambda: d.snapshotLookupByName("other"))[1] == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
        assert d.listAllSnapshots() == []
    finally:
        conn.close()


def transient_calls(conn):
    """A transient domain: no HALT, and reverting it to a stopped snapshot needs RUNNING or
    PAUSED, after which it stays (shut off) as the test driver leaves it."""
    d = conn.createXML(DOMAIN_XML.format(name="fam-snap-transient"))
    s = d.snapshotCreateXML("<domainsnapshot><name>s</name></domainsnapshot>")
    off = s.getXMLDesc().replace("<state>running", "<state>shutoff") \
        .replace("<name>s<", "<name>off<", 1).replace("snapshot='internal'/>\n  <disks>",
                                                      "snapshot='no'/>\n  <disks>")
    out = [outcome(lambda: d.snapshotCreateXML("<domainsnapshot/>",
                                               libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT)),
           outcome(lambda: d.revertToSnapshot(s)), d.state(),
           outcome(lambda: d.snapshotCreateXML(off, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
                   .getName())]
    stopped = d.snapshotLookupByName("off")
    out += [outcome(lambda: d.revertToSnapshot(stopped)),
            outcome(lambda: d.revertToSnapshot(stopped, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)),
            d.state(), d.isPersistent(),
            sorted(x.name() for x in conn.listAllDomains()),
            outcome(lambda: d.revertToSnapshot(s)), d.state()]
    return out


def test_transient_domain_snapshots_match_test_driver(fake):
    result = same_calls(fake, transient_calls)
    assert result[3] == ("ok", "off")
