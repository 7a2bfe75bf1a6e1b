"""virtc's commands for the families it drives through the generated typed functions (stats
and tuning, snapshots, networks, pools and volumes, interfaces, node devices), compared with
virsh against a real libvirtd's test driver, and again against fake-libvirtd.

Read-only commands run both tools on the same objects. Commands that change state run virsh on
one object and virtc on a twin (same XML but for the name), then compare the outputs with the
twin's names mapped back. Errors count too: the same exit status and "error:" lines.
"""
import re
import uuid

import os
import sys

import libvirt
import pytest

from conftest import BUILD, REPO, Peers, domain_xml, error_lines, normalise, run_virsh, unique_name

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

# snapshot-list's creation time: the twins' snapshots are taken a moment apart
_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}|<creationTime>\d+<")


def outcome(result, mapping=()):
    out, err = result.stdout, result.stderr
    for mine, theirs in mapping:
        out, err = out.replace(mine, theirs), err.replace(mine, theirs)
    return result.returncode, [_TIME.sub("<time>", l) for l in normalise(out)], error_lines(err)


def both(peers, *args, tries=3):
    """virtc and virsh give the same exit status, stdout and error lines. The daemon is shared
    with other clients, so a difference is retried before it counts."""
    for attempt in range(tries):
        mine, theirs = peers.virtc(*args), peers.virsh(*args)
        if outcome(mine) == outcome(theirs) or attempt == tries - 1:
            break
    assert outcome(mine) == outcome(theirs), (
        "virtc %s differs from virsh\n--- virtc\n%s%s--- virsh\n%s%s"
        % (" ".join(args), mine.stdout, mine.stderr, theirs.stdout, theirs.stderr))
    return mine


@pytest.fixture(params=["real", "fake"])
def peers(request, virtc_bin):
    """The real libvirtd's test driver, then fake-libvirtd. The test driver's state lives while
    a connection is open (the fake models that), so one is held open for the fake's test; the
    shared real daemon always has clients."""
    if request.param == "real":
        yield request.getfixturevalue("test_peers")
        return
    uri = request.getfixturevalue("fake_libvirtd")().uri
    keep = libvirt.open(uri)
    yield Peers(uri)
    keep.close()


class Twins:
    """virsh drives object A, virtc its twin B; B's names map back to A's in the output."""

    def __init__(self, peers, tag):
        self.peers = peers
        self.a, self.b = unique_name(tag + "a"), unique_name(tag + "b")
        self.mapping = [(self.b, self.a)]

    def step(self, *args, expect_rc=0):
        """args may hold "{}" where the object's name goes (also inside a word)."""
        theirs = self.peers.virsh(*[a.replace("{}", self.a) for a in args])
        mine = self.peers.virtc(*[a.replace("{}", self.b) for a in args])
        assert theirs.returncode == expect_rc, "virsh %s: %s" % (args, theirs.stderr)
        assert outcome(mine, self.mapping) == outcome(theirs), (
            "virtc %s differs from virsh\n--- virtc\n%s%s--- virsh\n%s%s"
            % (" ".join(args), mine.stdout, mine.stderr, theirs.stdout, theirs.stderr))
        return mine


# ---- read-only, on the test driver's default objects ----------------------------------------

READ_ONLY = [
    ("domstats",), ("domstats", "test"), ("schedinfo", "test"), ("memtune", "test"),
    ("blkiotune", "test"), ("numatune", "test"), ("domblkinfo", "test", "vda"),
    ("domblkinfo", "test", "vw-no-such-disk"),
    ("domstats", "vw-no-such-domain"), ("schedinfo", "vw-no-such-domain"),
    ("iface-list",), ("iface-list", "--all"), ("iface-list", "--inactive"),
    ("iface-dumpxml", "eth1"), ("iface-dumpxml", "aa:bb:cc:dd:ee:ff"),
    ("iface-dumpxml", "vw-no-such-iface"),
    ("nodedev-list",), ("nodedev-list", "--all"), ("nodedev-dumpxml", "computer"),
    ("nodedev-dumpxml", "scsi_host1"), ("nodedev-dumpxml", "vw-no-such-dev"),
    ("net-dumpxml", "default"), ("net-dumpxml", "--inactive", "default"),
    ("net-dumpxml", "vw-no-such-net"), ("net-dumpxml", "dd8fe884-6c02-601e-7551-cca97df1c5df"),
    ("vol-list", "default-pool"), ("vol-list", "vw-no-such-pool"),
    ("vol-info", "vw-no-such-vol", "--pool", "default-pool"),
    ("snapshot-dumpxml", "test", "vw-no-such-snap"), ("snapshot-list", "vw-no-such-domain")]


@pytest.mark.parametrize("args", READ_ONLY)
def test_read_only(test_peers, args):
    both(test_peers, *args)


@pytest.mark.parametrize("args", READ_ONLY)
def test_read_only_on_fake(fake_libvirtd, virtc_bin, args):
    """The same commands on fake-libvirtd: virtc and virsh read it alike."""
    both(Peers(fake_libvirtd().uri), *args)


def test_domstats_shows_state(test_peers):
    out = both(test_peers, "domstats", "test")
    assert out.stdout.startswith("Domain: 'test'\n  state.state=")


# ---- networks -----------------------------------------------------------------------------------

NET_XML = """<network>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <bridge name='{bridge}'/>
  <ip address='192.168.213.1' netmask='255.255.255.0'/>
</network>
"""


def test_network_lifecycle(peers, tmp_path):
    tw = Twins(peers, "net")
    ids = {tw.a: str(uuid.uuid4()), tw.b: str(uuid.uuid4())}
    tw.mapping += [(ids[tw.b], ids[tw.a]), ("vb" + tw.b[-8:], "vb" + tw.a[-8:])]
    for name in (tw.a, tw.b):
        (tmp_path / (name + ".xml")).write_text(
            NET_XML.format(name=name, uuid=ids[name], bridge="vb" + name[-8:]))
    try:
        tw.step("net-define", str(tmp_path / "{}.xml"))
        tw.step("net-dumpxml", "{}")
        tw.step("net-start", "{}")
        tw.step("net-start", "{}", expect_rc=1)          # already active
        tw.step("net-dumpxml", "{}")
        tw.step("net-destroy", "{}")
        tw.step("net-undefine", "{}")
        tw.step("net-dumpxml", "{}", expect_rc=1)
    finally:
        for name in (tw.a, tw.b):
            run_virsh(["net-destroy", name], peers.uri)
            run_virsh(["net-undefine", name], peers.uri)


# ---- pools and volumes ---------------------------------------------------------------------------

POOL_XML = "<pool type='dir'><name>{name}</name><target><path>/tmp/{name}</path></target></pool>\n"
VOL_XML = ("<volume><name>disk1.img</name><capacity unit='M'>10</capacity>"
           "<allocation unit='K'>1536</allocation></volume>\n")


def test_pool_and_volume_lifecycle(peers, tmp_path):
    tw = Twins(peers, "pool")
    for name in (tw.a, tw.b):
        (tmp_path / (name + ".xml")).write_text(POOL_XML.format(name=name))
    (tmp_path / "vol.xml").write_text(VOL_XML)
    vol = str(tmp_path / "vol.xml")
    try:
        tw.step("pool-define", str(tmp_path / "{}.xml"))
        tw.step("pool-build", "{}")
        tw.step("pool-start", "{}")
        tw.step("vol-list", "{}")
        tw.step("vol-create", "{}", vol)
        tw.step("vol-create", "{}", vol, expect_rc=1)    # the name is taken
        tw.step("vol-list", "{}")
        tw.step("vol-info", "disk1.img", "--pool", "{}")
        tw.step("vol-info", "/tmp/{}/disk1.img")          # by path, without --pool
        tw.step("vol-delete", "disk1.img", "--pool", "{}")
        tw.step("vol-info", "disk1.img", "--pool", "{}", expect_rc=1)
        tw.step("pool-destroy", "{}")
        tw.step("pool-undefine", "{}")
    finally:
        for name in (tw.a, tw.b):
            run_virsh(["pool-destroy", name], peers.uri)
            run_virsh(["pool-undefine", name], peers.uri)


# ---- snapshots -----------------------------------------------------------------------------------

def test_snapshot_lifecycle(peers, tmp_path, cleanup_domains):
    tw = Twins(peers, "snap")
    ids = {}
    for name in (tw.a, tw.b):
        cleanup_domains.append((peers.uri, name))
        path = domain_xml("test-domain.xml", name, tmp_path)
        assert run_virsh(["define", path], peers.uri).returncode == 0
        assert run_virsh(["start", name], peers.uri).returncode == 0
        ids[name] = run_virsh(["domuuid", name], peers.uri).stdout.strip()
    tw.mapping.append((ids[tw.b], ids[tw.a]))
    (tmp_path / "snap.xml").write_text("<domainsnapshot><name>fromfile</name>"
                                       "<description>by file</description></domainsnapshot>\n")
    tw.step("snapshot-list", "{}")
    tw.step("snapshot-create-as", "{}", "first")
    tw.step("snapshot-create", "{}", str(tmp_path / "snap.xml"))
    tw.step("snapshot-create-as", "{}", "first", expect_rc=1)    # the name is taken
    tw.step("snapshot-list", "{}")
    out = tw.step("snapshot-dumpxml", "{}", "first")
    assert "<name>first</name>" in out.stdout
    assert _TIME.search(tw.peers.virtc("snapshot-list", tw.b).stdout)
    tw.step("snapshot-revert", "{}", "first")
    tw.step("snapshot-delete", "{}", "fromfile")
    tw.step("snapshot-delete", "{}", "fromfile", expect_rc=1)
    tw.step("snapshot-list", "{}")
    tw.step("snapshot-delete", "{}", "first")
