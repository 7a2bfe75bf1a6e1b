"""Guest operations, save/restore, metadata, rename and the list limits of fake-libvirtd,
against libvirt 9.0's test driver: the same python3-libvirt calls on a fresh fake and on
test:///default opened in-process (a fresh test driver each open, so the shared daemon's
default objects are never changed) return the same values and raise the same errors.
"""
import json
import os
import sys

import pytest

from conftest import BUILD, REPO, run_virsh

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

libvirt = pytest.importorskip("libvirt")
libvirt.registerErrorHandler(lambda *a: None, None)


def outcome(fn):
    """The value, or the error as (code, domain, message)."""
    try:
        return ("ok", fn())
    except libvirt.libvirtError as e:
        return ("error", e.get_error_code(), e.get_error_domain(), e.get_error_message())


def compare(fake_libvirtd, scenario):
    """Runs scenario(conn) on a fresh fake and on an in-process test:///default; returns the
    fake's result after asserting both are equal."""
    fl = fake_libvirtd()
    results = []
    for uri in (fl.uri, "test:///default"):
        conn = libvirt.open(uri)
        try:
            results.append(scenario(conn))
        finally:
            conn.close()
    assert results[0] == results[1]
    return results[0]


def probe_domain(conn):
    """A domain handle whose domain is gone: the flag checks answer before the lookup."""
    xml = conn.lookupByName("test").XMLDesc(0).replace("<name>test<", "<name>fam-guest-probe<")
    xml = xml.replace("6695eb01", "6695eb99")
    d = conn.defineXML(xml)
    d.undefine()
    return d


def flag_outcome(fn):
    """outcome(), with the XML parser's own wording (libxml2 there, ours here) left out: what
    counts is whether the flag passed the check."""
    r = outcome(fn)
    if r[0] == "error" and r[1] == 35:  # VIR_ERR_XML_DETAIL: "<bad" reached the parser
        return ("error", 35, r[2], "(XML parse error)")
    return r


FLAG_CALLS = {
    "createWithFlags": lambda c, d, f: d.createWithFlags(f),
    "undefineFlags": lambda c, d, f: d.undefineFlags(f),
    "state": lambda c, d, f: d.state(f),
    "destroyFlags": lambda c, d, f: d.destroyFlags(f),
    "shutdownFlags": lambda c, d, f: d.shutdownFlags(f),
    "reboot": lambda c, d, f: d.reboot(f),
    "setMemoryFlags": lambda c, d, f: d.setMemoryFlags(1024, f),
    "vcpusFlags": lambda c, d, f: d.vcpusFlags(f),
    "hostname": lambda c, d, f: d.hostname(f),
    "controlInfo": lambda c, d, f: d.controlInfo(f),
    "XMLDesc": lambda c, d, f: d.XMLDesc(f),
    "defineXMLFlags": lambda c, d, f: c.defineXMLFlags("<bad", f),
    "createXML": lambda c, d, f: c.createXML("<bad", f),
}


@pytest.mark.parametrize("api", sorted(FLAG_CALLS))
def test_flag_checks_match(fake_libvirtd, api):
    call = FLAG_CALLS[api]

    def scenario(conn):
        d = probe_domain(conn)
        return [flag_outcome(lambda: call(conn, d, 1 << bit)) for bit in range(32)]
    compare(fake_libvirtd, scenario)


def test_start_paused_and_undefine_nvram_refused_in_virsh(fake_libvirtd):
    """One virsh session each (the test driver's state lasts while a connection is open)."""
    fl = fake_libvirtd()
    cmds = ["destroy test; start --paused test; create --paused /dev/null; "
            "undefine --nvram --checkpoints-metadata test; list --all"]
    fake, real = run_virsh(cmds, fl.uri), run_virsh(cmds, "test:///default")
    assert (fake.stdout, fake.stderr) == (real.stdout, real.stderr)
    assert "unsupported flags (0x1) in function testDomainCreateWithFlags" in fake.stderr
    assert "unsupported flags (0x14) in function testDomainUndefineFlags" in fake.stderr
