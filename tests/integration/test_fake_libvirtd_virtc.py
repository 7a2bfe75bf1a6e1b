"""Our own virtc (and so our client library) against fake-libvirtd: every command prints what
unmodified virsh prints against the same fake daemon, and errors match too."""
import pytest

from conftest import Peers, unique_name
from fake_libvirtd_fixtures import FakeLibvirtd


@pytest.fixture(scope="module")
def fake_peers(virtc_bin):
    daemon = FakeLibvirtd()
    yield Peers(daemon.uri)
    code, err = daemon.stop()
    assert code == 0, err


@pytest.mark.parametrize("command", [
    ["hostname"], ["nodeinfo"], ["list", "--all"], ["dominfo", "test"], ["domstate", "test"],
    ["dumpxml", "test"], ["net-list", "--all"], ["pool-list", "--all"],
])
def test_virtc_matches_virsh_on_fake(fake_peers, command):
    fake_peers.same(*command)


def test_virtc_errors_match_virsh_on_fake(fake_peers):
    fake_peers.same_error("dominfo", unique_name("flvc-missing"))
    fake_peers.same_error("resume", "test")
