"""virtc against the real QEMU driver of a real libvirtd: a tiny TCG guest (64 MiB, no disk, no
network) is defined and started with virtc, inspected and driven through the QEMU monitor
passthrough, and compared with virsh on the same domain."""
import json
import re

import pytest

from conftest import domain_xml, normalise, run_virsh, unique_name


@pytest.fixture
def qemu_domain(qemu_peers, tmp_path):
    name = unique_name("qemu")
    path = domain_xml("qemu-domain.xml", name, tmp_path)
    yield name, path
    run_virsh(["destroy", name], qemu_peers.uri)
    run_virsh(["undefine", name], qemu_peers.uri)


def monitor(peers, name, command):
    out = peers.virtc("qemu-monitor-command", name, json.dumps({"execute": command}))
    assert out.returncode == 0, out.stderr
    return out, json.loads(out.stdout)


def test_qemu_guest_lifecycle(qemu_peers, qemu_domain):
    name, path = qemu_domain
    p = qemu_peers
    out = p.virtc("define", path)
    assert out.returncode == 0, out.stderr
    assert normalise(out.stdout) == ["Domain '%s' defined from %s" % (name, path)]
    out = p.virtc("start", name)
    assert out.returncode == 0, out.stderr
    assert normalise(out.stdout) == ["Domain '%s' started" % name]

    p.same("domstate", name)
    info = p.virtc("dominfo", name)
    theirs = p.virsh("dominfo", name)
    assert info.returncode == 0 and theirs.returncode == 0, (info.stderr, theirs.stderr)
    # every line, including virsh's closing "Messages:" (taint notes, DOMAIN_GET_MESSAGES)
    assert normalise(info.stdout) == normalise(theirs.stdout)
    assert re.search(r"^State:\s+running$", info.stdout, re.M)
    assert re.search(r"^Max memory:\s+65536 KiB$", info.stdout, re.M)

    # the monitor passthrough: the reply is QEMU's own JSON, as virsh prints it
    for command in ("query-status", "query-version"):
        p.same("qemu-monitor-command", name, json.dumps({"execute": command}))
    _, reply = monitor(p, name, "query-status")
    assert reply["return"]["status"] == "running"
    _, reply = monitor(p, name, "query-version")
    assert reply["return"]["qemu"]["major"] >= 2

    out = p.virtc("suspend", name)
    assert out.returncode == 0 and normalise(out.stdout) == ["Domain '%s' suspended" % name]
    _, reply = monitor(p, name, "query-status")
    assert reply["return"]["status"] == "paused"
    p.same("domstate", name)
    out = p.virtc("resume", name)
    assert out.returncode == 0 and normalise(out.stdout) == ["Domain '%s' resumed" % name]
    _, reply = monitor(p, name, "query-status")
    assert reply["return"]["status"] == "running"
    p.same_error("start", name)

    out = p.virtc("destroy", name)
    assert out.returncode == 0 and normalise(out.stdout) == ["Domain '%s' destroyed" % name]
    assert normalise(p.same("domstate", name).stdout) == ["shut off"]
    # the monitor of a stopped guest: the same refusal from both tools
    p.same_error("qemu-monitor-command", name, '{"execute":"query-status"}')
    out = p.virtc("undefine", name)
    assert out.returncode == 0 and normalise(out.stdout) == ["Domain '%s' has been undefined" % name]
    p.same_error("dominfo", name)


def test_qemu_bad_monitor_json(qemu_peers, qemu_domain):
    name, path = qemu_domain
    assert qemu_peers.virtc("create", path).returncode == 0
    # QEMU's own error for an unknown command comes back as a reply, printed as is
    qemu_peers.same("qemu-monitor-command", name, '{"execute":"no-such-command"}')
    # text that is not JSON goes to the daemon as is (virsh would rewrite it into a command
    # itself); the daemon refuses it and virtc reports that as a libvirt error
    out = qemu_peers.virtc("qemu-monitor-command", name, "this is not json")
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert out.stderr.startswith("error: ") and out.stdout == ""


def test_domains_qemu_version(qemu_peers, qemu_domain):
    name, path = qemu_domain
    assert qemu_peers.virtc("create", path).returncode == 0
    theirs = qemu_peers.virsh("qemu-monitor-command", name, '{"execute":"query-version"}')
    q = json.loads(theirs.stdout)["return"]["qemu"]
    want = "%d.%d.%d" % (q["major"], q["minor"], q["micro"])
    out = qemu_peers.virtc("domains", "--qemu-version")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^ %s\s+%s$" % (re.escape(name), re.escape(want)), out.stdout, re.M), out.stdout
