"""virtc against a real libvirtd's test driver, compared line by line with virsh.

Read-only commands run both tools on the same objects. Commands that change state run virsh on
one domain and virtc on a twin domain in the same state, then compare the outputs with the
twin's name (and file) mapped back; after each step dominfo/domstate of both twins must agree.
"""
import re

import pytest

from conftest import domain_xml, normalise, run_virsh, unique_name, error_lines


def compare_listing(peers, *args, tries=3):
    """Like peers.same, but the test driver is shared with other clients: a listing may change
    between the two runs, so a difference is retried a few times before it counts."""
    for attempt in range(tries):
        try:
            return peers.same(*args)
        except AssertionError:
            if attempt == tries - 1:
                raise


# ---- connection-level commands ---------------------------------------------------------------

def test_hostname(test_peers):
    test_peers.same("hostname")


def test_nodeinfo(test_peers):
    out = test_peers.same("nodeinfo")
    assert "CPU model:" in out.stdout and "Memory size:" in out.stdout


def test_version_matches_daemon_lines(test_peers):
    mine = test_peers.virtc("version")
    theirs = test_peers.virsh("version")
    assert mine.returncode == 0, mine.stderr
    assert theirs.returncode == 0, theirs.stderr
    # virtc is not linked with libvirt, so the library lines name virt-wire; the lines about the
    # connection (driver API and hypervisor version) must be virsh's.
    keep = ("Using API:", "Running hypervisor:")
    want = [l for l in normalise(theirs.stdout) if l.startswith(keep)]
    got = [l for l in normalise(mine.stdout) if l.startswith(keep)]
    assert len(want) == 2 and got == want
    assert re.search(r"^Using library: virt-wire \d+\.\d+\.\d+$", mine.stdout, re.M)


def test_version_daemon(test_peers):
    mine = test_peers.virtc("version", "--daemon")
    theirs = test_peers.virsh("version", "--daemon")
    assert mine.returncode == 0, mine.stderr
    want = [l for l in normalise(theirs.stdout) if l.startswith("Running against daemon:")]
    got = [l for l in normalise(mine.stdout) if l.startswith("Running against daemon:")]
    assert len(want) == 1 and got == want


@pytest.mark.parametrize("args", [("list",), ("list", "--all"), ("list", "--inactive")])
def test_list(test_peers, args, tmp_path, cleanup_domains):
    # one inactive persistent domain so that --all and --inactive have something to show
    name = unique_name("list")
    cleanup_domains.append((test_peers.uri, name))
    assert run_virsh(["define", domain_xml("test-domain.xml", name, tmp_path)],
                     test_peers.uri).returncode == 0
    out = compare_listing(test_peers, *args)
    if args != ("list",):
        assert re.search(r"^ -\s+%s\s+shut off$" % re.escape(name), out.stdout, re.M), out.stdout


@pytest.mark.parametrize("args", [("net-list",), ("net-list", "--all"),
                                  ("pool-list",), ("pool-list", "--all")])
def test_net_and_pool_list(test_peers, args):
    out = compare_listing(test_peers, *args)
    # the test driver's default objects
    assert ("default" in out.stdout) if args[0] == "net-list" else ("default-pool" in out.stdout)


@pytest.fixture(scope="module")
def running_domain(test_peers, tmp_path_factory):
    """A running persistent domain of our own (the default 'test' domain is shared with every
    other client of the daemon, which may change it at any time)."""
    name = unique_name("info")
    path = domain_xml("test-domain.xml", name, tmp_path_factory.mktemp("dom"))
    out = run_virsh(["define", path], test_peers.uri)
    assert out.returncode == 0, out.stderr
    out = run_virsh(["start", name], test_peers.uri)
    assert out.returncode == 0, out.stderr
    yield name
    run_virsh(["destroy", name], test_peers.uri)
    run_virsh(["undefine", name], test_peers.uri)


def test_dominfo_by_name_uuid_id(test_peers, running_domain):
    by_name = test_peers.same("dominfo", running_domain)
    uuid = re.search(r"^UUID:\s+(\S+)$", by_name.stdout, re.M).group(1)
    dom_id = re.search(r"^Id:\s+(\S+)$", by_name.stdout, re.M).group(1)
    assert dom_id != "-"
    assert re.search(r"^State:\s+running$", by_name.stdout, re.M)
    for key in (uuid, dom_id):
        out = test_peers.same("dominfo", key)
        assert normalise(out.stdout) == normalise(by_name.stdout)


def test_domstate_and_dumpxml(test_peers, running_domain):
    assert normalise(test_peers.same("domstate", running_domain).stdout) == ["running"]
    test_peers.same("domstate", "--reason", running_domain)
    out = test_peers.same("dumpxml", running_domain)
    assert out.stdout.startswith("<domain type='test'")
    assert "<name>%s</name>" % running_domain in out.stdout
    inactive = test_peers.same("dumpxml", "--inactive", running_domain)
    assert " id=" not in inactive.stdout.splitlines()[0]


# ---- lifecycle on twin domains -----------------------------------------------------------------

class Twins:
    """virsh drives domain A, virtc drives domain B (same XML apart from the name)."""

    def __init__(self, peers, tmp_path, cleanup):
        self.peers = peers
        self.a = unique_name("twa")
        self.b = unique_name("twb")
        assert len(self.a) == len(self.b)
        cleanup.append((peers.uri, self.a))
        cleanup.append((peers.uri, self.b))
        self.file_a = domain_xml("test-domain.xml", self.a, tmp_path)
        self.file_b = domain_xml("test-domain.xml", self.b, tmp_path)

    def _map(self, text):
        return text.replace(self.file_b, self.file_a).replace(self.b, self.a)

    def step(self, cmd, *, by_file=False, expect_rc=0):
        arg_a = self.file_a if by_file else self.a
        arg_b = self.file_b if by_file else self.b
        theirs = self.peers.virsh(cmd, arg_a)
        mine = self.peers.virtc(cmd, arg_b)
        assert theirs.returncode == expect_rc, "virsh %s: %s" % (cmd, theirs.stderr)
        assert mine.returncode == expect_rc, "virtc %s: exit %d: %s" % (
            cmd, mine.returncode, mine.stderr)
        assert normalise(self._map(mine.stdout)) == normalise(theirs.stdout), (
            "virtc %s output differs:\n%s\nvirsh:\n%s" % (cmd, mine.stdout, theirs.stdout))
        assert error_lines(self._map(mine.stderr)) == error_lines(theirs.stderr)
        self.agree()
        return mine

    def agree(self):
        """dominfo (apart from UUID and id) and domstate of both twins are the same."""
        for cmd in ("dominfo", "domstate"):
            theirs = self.peers.virsh(cmd, self.a)
            mine = self.peers.virtc(cmd, self.b)
            assert theirs.returncode == mine.returncode, (cmd, mine.stderr, theirs.stderr)
            if theirs.returncode != 0:
                assert error_lines(self._map(mine.stderr)) == error_lines(theirs.stderr)
                continue
            drop = re.compile(r"^(UUID|Id):")
            want = [l for l in normalise(theirs.stdout) if not drop.match(l)]
            got = [l for l in normalise(self._map(mine.stdout)) if not drop.match(l)]
            assert got == want, "%s differs:\nvirtc:\n%s\nvirsh:\n%s" % (
                cmd, mine.stdout, theirs.stdout)

    def state(self):
        return normalise(self.peers.virtc("domstate", self.b).stdout)


def test_lifecycle_persistent(test_peers, tmp_path, cleanup_domains):
    t = Twins(test_peers, tmp_path, cleanup_domains)
    out = t.step("define", by_file=True)
    assert normalise(out.stdout) == ["Domain '%s' defined from %s" % (t.b, t.file_b)]
    assert t.state() == ["shut off"]
    out = t.step("start")
    assert normalise(out.stdout) == ["Domain '%s' started" % t.b]
    assert t.state() == ["running"]
    t.step("suspend")
    assert t.state() == ["paused"]
    # both twins paused: the whole listing, paused rows included, is virsh's
    out = compare_listing(test_peers, "list", "--all")
    assert re.search(r"^ \d+\s+%s\s+paused$" % re.escape(t.b), out.stdout, re.M), out.stdout
    test_peers.same("domstate", "--reason", t.b)
    t.step("resume")
    assert t.state() == ["running"]
    t.step("reboot")
    assert t.state() == ["running"]
    t.step("shutdown")
    assert t.state() == ["shut off"]
    t.step("start")
    out = t.step("destroy")
    assert normalise(out.stdout) == ["Domain '%s' destroyed" % t.b]
    assert t.state() == ["shut off"]
    out = t.step("undefine")
    assert normalise(out.stdout) == ["Domain '%s' has been undefined" % t.b]
    # gone: both tools fail the same way
    t.step("domstate", expect_rc=1)


def test_lifecycle_transient(test_peers, tmp_path, cleanup_domains):
    t = Twins(test_peers, tmp_path, cleanup_domains)
    out = t.step("create", by_file=True)
    assert normalise(out.stdout) == ["Domain '%s' created from %s" % (t.b, t.file_b)]
    assert t.state() == ["running"]
    info = test_peers.virtc("dominfo", t.b).stdout
    assert re.search(r"^Persistent:\s+no$", info, re.M), info
    t.step("destroy")
    # a transient domain is gone once destroyed
    t.step("dominfo", expect_rc=1)


def test_lookup_by_uuid_and_id_for_lifecycle(test_peers, tmp_path, cleanup_domains):
    name = unique_name("ids")
    cleanup_domains.append((test_peers.uri, name))
    assert test_peers.virtc("create", domain_xml("test-domain.xml", name, tmp_path)).returncode == 0
    info = test_peers.same("dominfo", name).stdout
    uuid = re.search(r"^UUID:\s+(\S+)$", info, re.M).group(1)
    dom_id = re.search(r"^Id:\s+(\d+)$", info, re.M).group(1)
    out = test_peers.virtc("suspend", dom_id)
    assert out.returncode == 0 and normalise(out.stdout) == ["Domain '%s' suspended" % dom_id]
    theirs = test_peers.virsh("resume", uuid)
    mine_state = test_peers.same("domstate", uuid)
    assert theirs.returncode == 0 and normalise(mine_state.stdout) == ["running"]
    out = test_peers.virtc("destroy", uuid)
    assert out.returncode == 0 and normalise(out.stdout) == ["Domain '%s' destroyed" % uuid]


# ---- invalid operations: the same error text as virsh --------------------------------------------

def test_errors_match_virsh(test_peers, tmp_path, cleanup_domains):
    name = unique_name("err")
    cleanup_domains.append((test_peers.uri, name))
    path = domain_xml("test-domain.xml", name, tmp_path)
    assert test_peers.virtc("define", path).returncode == 0
    # inactive domain
    for cmd in ("destroy", "suspend", "resume", "shutdown", "reboot"):
        test_peers.same_error(cmd, name)
    assert test_peers.virtc("start", name).returncode == 0
    # running domain
    test_peers.same_error("start", name)
    test_peers.same_error("resume", name)
    test_peers.same_error("define", str(tmp_path / "missing.xml"))
    test_peers.same_error("create", str(tmp_path / "missing.xml"))
    bad = tmp_path / "bad.xml"
    bad.write_text("<domain type='test'><name>x</name")
    test_peers.same_error("define", str(bad))


@pytest.mark.parametrize("cmd", ["dominfo", "domstate", "dumpxml", "start", "undefine",
                                 "destroy", "suspend", "resume", "shutdown", "reboot"])
def test_missing_domain(test_peers, cmd):
    out = test_peers.same_error(cmd, "vwt-no-such-domain")
    assert error_lines(out.stderr) == ["error: failed to get domain 'vwt-no-such-domain'"]


def test_qemu_monitor_command_on_test_driver(test_peers, running_domain):
    # the test driver has no QEMU monitor: both tools report the driver's refusal
    test_peers.same_error("qemu-monitor-command", running_domain, '{"execute":"query-status"}')


# ---- read-only connections ------------------------------------------------------------------------

def test_readonly_reads_work(test_peers, running_domain):
    test_peers.same("dominfo", running_domain, readonly=True)
    test_peers.same("domstate", running_domain, readonly=True)


@pytest.mark.parametrize("cmd", ["suspend", "destroy", "shutdown", "reboot"])
def test_readonly_refuses_writes(test_peers, running_domain, cmd):
    try:
        out = test_peers.same_error(cmd, running_domain, readonly=True)
        assert "read only access prevents" in out.stderr
        # and nothing happened
        assert normalise(test_peers.virtc("domstate", running_domain).stdout) == ["running"]
    finally:
        # put the shared fixture domain back if a broken -r changed it
        run_virsh(["resume", running_domain], test_peers.uri)
        run_virsh(["start", running_domain], test_peers.uri)


def test_readonly_refuses_define(test_peers, tmp_path, cleanup_domains):
    name = unique_name("ro")
    cleanup_domains.append((test_peers.uri, name))
    path = domain_xml("test-domain.xml", name, tmp_path)
    out = test_peers.same_error("define", path, readonly=True)
    assert "read only access prevents virDomainDefineXML" in out.stderr
    assert test_peers.virtc("dominfo", name).returncode == 1
