"""The test driver calls of peek_cpu_family.c and events_family.c's legacy registration, and the
*_WITH_FILES creations, compared call by call with the real libvirtd (test driver) on raw
connections: DOMAIN_MEMORY_PEEK, CONNECT_BASELINE_CPU, CONNECT_COMPARE_CPU (NO_SUPPORT),
CONNECT_DOMAIN_EVENT_REGISTER / DEREGISTER, DOMAIN_CREATE_WITH_FILES and
DOMAIN_CREATE_XML_WITH_FILES. On the shared daemon only calls that change nothing are made
(peeks, baselines, refused creations, a registration undone at once); the creations that
succeed are compared with python3-libvirt's in-process test:///default.
"""
import os
import struct

import pytest

from conftest import REPO
from fake_libvirtd_fixtures import refusals, xdr_string

os.environ.setdefault("VW_BUILD", str(REPO / "build"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

MEMORY_PEEK, BASELINE_CPU, COMPARE_CPU = 104, 162, 158
EVENT_REGISTER, EVENT_DEREGISTER = 105, 106
EVENT_REGISTER_ANY, EVENT_DEREGISTER_ANY = 167, 168
CREATE_XML_WITH_FILES, CREATE_WITH_FILES = 309, 310

HASWELL = "<cpu><arch>x86_64</arch><model>Haswell</model></cpu>"
WITH_VMX = "<cpu><arch>x86_64</arch><model>Haswell</model><feature name='vmx'/></cpu>"


# The test driver's domain "test" (libvirtd finds a domain by its uuid, not its id).
TEST_DOM = xdr_string("test") + bytes.fromhex("6695eb01f6a4830479aa97f2502e193f") + \
    struct.pack(">i", 1)


def run(path, calls):
    """The answers to calls [(label, number, payload)] on one connection, in order:
    ("OK", body) or (code, domain, message)."""
    answers = refusals(path, [(num, payload) for _, num, payload in calls],
                       ok=lambda proc, body: (proc, "OK", body))
    return [(label,) + a[1:] for (label, _, _), a in zip(calls, answers)]


def peek(offset, size, flags):
    return TEST_DOM + struct.pack(">QII", offset, size, flags)


def baseline(cpus, flags):
    return struct.pack(">I", len(cpus)) + b"".join(xdr_string(c) for c in cpus) + \
        struct.pack(">I", flags)


def with_flags(flags):
    return TEST_DOM + struct.pack(">I", flags)


NO_SUCH = xdr_string("vw-no-such") + b"\1" * 16 + struct.pack(">i", -1)

CALLS = [
    ("peek virtual", MEMORY_PEEK, peek(0, 16, 1)),
    ("peek physical, wrapping", MEMORY_PEEK, peek(250, 10, 2)),
    ("peek nothing", MEMORY_PEEK, peek(0, 0, 1)),
    ("peek no flag", MEMORY_PEEK, peek(0, 4, 0)),
    ("peek both flags", MEMORY_PEEK, peek(0, 4, 3)),
    ("peek unknown flag", MEMORY_PEEK, peek(0, 4, 4)),
    ("peek over the maximum", MEMORY_PEEK, peek(0, 5000000, 1)),
    ("peek unknown domain", MEMORY_PEEK, NO_SUCH + struct.pack(">QII", 0, 4, 1)),
    ("baseline of none", BASELINE_CPU, baseline([], 0)),
    ("baseline of one", BASELINE_CPU, baseline([HASWELL], 0)),
    ("baseline expanded", BASELINE_CPU, baseline([HASWELL], 1)),
    ("baseline migratable", BASELINE_CPU, baseline([HASWELL], 2)),
    ("baseline keeps a feature all have", BASELINE_CPU, baseline([WITH_VMX, WITH_VMX], 0)),
    ("baseline drops a feature one lacks", BASELINE_CPU, baseline([WITH_VMX, HASWELL], 0)),
    ("baseline with a vendor", BASELINE_CPU, baseline(
        ["<cpu><arch>x86_64</arch><model>Haswell</model><vendor>Intel</vendor></cpu>"], 0)),
    ("baseline without arch", BASELINE_CPU, baseline(["<cpu><model>Haswell</model></cpu>"], 0)),
    ("baseline without model", BASELINE_CPU, baseline(["<cpu><arch>x86_64</arch></cpu>"], 0)),
    ("baseline of an unknown model", BASELINE_CPU,
     baseline(["<cpu><arch>x86_64</arch><model>vw-nope</model></cpu>"], 0)),
    ("baseline of a guest CPU", BASELINE_CPU,
     baseline(["<cpu mode='custom'><model>Haswell</model></cpu>"], 0)),
    ("compare", COMPARE_CPU, xdr_string(HASWELL) + struct.pack(">I", 0)),
    ("legacy register", EVENT_REGISTER, b""),
    ("legacy register again", EVENT_REGISTER, b""),
    ("register any lifecycle after it", EVENT_REGISTER_ANY, struct.pack(">i", 0)),
    ("legacy deregister", EVENT_DEREGISTER, b""),
    ("legacy deregister again", EVENT_DEREGISTER, b""),
    ("register any lifecycle", EVENT_REGISTER_ANY, struct.pack(">i", 0)),
    ("legacy deregister drops it", EVENT_DEREGISTER, b""),
    ("deregister any finds none", EVENT_DEREGISTER_ANY, struct.pack(">i", 0)),
    ("create with files, running", CREATE_WITH_FILES, with_flags(0)),
    ("create with files, paused", CREATE_WITH_FILES, with_flags(1)),
    ("create xml with files, paused", CREATE_XML_WITH_FILES,
     xdr_string("<domain type='test'><name>vw-files</name><memory>1024</memory><os><type>hvm"
                "</type></os></domain>") + struct.pack(">I", 1)),
]


@pytest.fixture
def fake(fake_libvirtd):
    return fake_libvirtd()


def test_answers_match_real_libvirtd(libvirtd_sock, fake):
    real, mine = run(libvirtd_sock, CALLS), run(fake.socket, CALLS)
    differ = ["%s:\n  real %r\n  fake %r" % (r[0], r[1:], m[1:]) for r, m in zip(real, mine)
              if r != m]
    assert not differ, "\n".join(differ)
    answers = dict((r[0], r[1:]) for r in real)
    # what the comparison covered: data, documents and errors, not only refusals
    assert answers["peek virtual"] == ("OK", struct.pack(">I", 16) + bytes(range(16)))
    assert answers["baseline expanded"][0] == "OK" and b"name='avx2'" in answers["baseline expanded"][1]
    assert answers["compare"][0] == 3       # VIR_ERR_NO_SUPPORT: the test driver has none


libvirt = pytest.importorskip("libvirt")


def creations(uri):
    conn = libvirt.open(uri)
    try:
        dom = conn.lookupByName("test")
        dom.destroy()
        out = [dom.createWithFiles([], 0), dom.isActive(), dom.info()[0]]
        made = conn.createXMLWithFiles(
            "<domain type='test'><name>vw-files</name><memory>1024</memory><os><type>hvm"
            "</type></os></domain>", [], 0)
        out += [made.name(), made.isActive(), made.isPersistent()]
        made.destroy()
        return out
    finally:
        conn.close()


def test_creations_with_no_files_as_the_test_driver(fake):
    assert creations(fake.uri) == creations("test:///default")
