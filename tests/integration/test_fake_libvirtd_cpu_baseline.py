"""CONNECT_BASELINE_CPU (peek_cpu_family.c, cpu_x86.c) compared with libvirt's own test driver:
the same virConnectBaselineCPU calls through python3-libvirt on the fake and on the in-process
test:///default, answers (documents or code, domain and message) compared call by call: CPUs
of different models and vendors, with features, the flags, and the other architectures.
"""
import itertools

import pytest

libvirt = pytest.importorskip("libvirt")

import os  # noqa: E402

from conftest import REPO, assert_same_answers, libvirt_answer  # noqa: E402

os.environ.setdefault("VW_BUILD", str(REPO / "build"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

EXPAND, MIGRATABLE = 1, 2


def cpu(model, vendor=None, feats=(), arch="x86_64", disable=()):
    s = "<cpu><arch>%s</arch><model>%s</model>" % (arch, model)
    if vendor:
        s += "<vendor>%s</vendor>" % vendor
    s += "".join("<feature name='%s'/>" % f for f in feats)
    s += "".join("<feature policy='disable' name='%s'/>" % f for f in disable)
    return s + "</cpu>"


CASES = [
    ([cpu("Westmere", "Intel"), cpu("Nehalem", "Intel")], 0),
    ([cpu("Westmere", "Intel"), cpu("SandyBridge", "Intel")], 0),
    ([cpu("Haswell", "Intel"), cpu("Skylake-Client", "Intel")], 0),
    ([cpu("Westmere", "Intel", ["aes"]), cpu("Nehalem", "Intel", ["aes", "x2apic"])], 0),
    ([cpu("Westmere", "Intel"), cpu("Opteron_G3", "AMD")], 0),
    ([cpu("Westmere"), cpu("Opteron_G3")], 0),
    ([cpu("Westmere", "Intel"), cpu("Opteron_G3")], 0),
    ([cpu("Westmere"), cpu("Westmere", "Intel")], 0),
    ([cpu("Westmere", "AMD"), cpu("Nehalem", "AMD")], 0),
    ([cpu("Westmere", "AMD")], 0),
    ([cpu("Westmere", "Bogus"), cpu("Nehalem")], 0),
    ([cpu("Opteron_G4", "AMD"), cpu("Opteron_G5", "AMD")], 0),
    ([cpu("EPYC", "AMD"), cpu("EPYC-Rome", "AMD")], 0),
    ([cpu("Haswell", "Intel"), cpu("Haswell-noTSX", "Intel")], 0),
    ([cpu("486"), cpu("qemu64")], 0),
    ([cpu("qemu64"), cpu("kvm64")], 0),
    ([cpu("Westmere", "Intel", ["x2apic", "avx", "aes", "invtsc", "vmx"])], 0),
    ([cpu("Westmere", "Intel", ["x2apic", "avx", "vmx"]), cpu("Nehalem", "Intel", ["avx"])], 0),
    ([cpu("Westmere", "Intel", disable=["aes"]), cpu("Westmere", "Intel")], 0),
    ([cpu("Westmere", "Intel"), cpu("Nehalem", "Intel")], EXPAND),
    ([cpu("EPYC", "AMD"), cpu("EPYC-Rome", "AMD")], EXPAND),
    ([cpu("Westmere", "Intel", ["vmx"])], EXPAND),
    ([cpu("Westmere", "Intel"), cpu("Nehalem", "Intel")], MIGRATABLE),
    ([cpu("EPYC", "AMD", ["monitor"])], 0),                       # a feature the model removed
    ([cpu("EPYC", "AMD", ["monitor"]), cpu("Opteron_G3", "AMD", ["monitor"])], 0),
    ([cpu("Icelake-Server", "Intel")], EXPAND),
    ([cpu("Icelake-Server", "Intel"), cpu("Cascadelake-Server", "Intel")], EXPAND),
    ([cpu("Skylake-Client"), cpu("Skylake-Server"), cpu("Cascadelake-Server")], 0),
    ([cpu("Westmere", "Intel", ["bogusfeat"])], 0),
    ([cpu("Bogus", "Intel")], 0),
    ([cpu("Westmere", "Intel"), cpu("Bogus")], 0),
    ([cpu("Westmere", arch="i686")], 0),
    ([cpu("Westmere", "Intel"), cpu("POWER8", arch="ppc64")], 0),
    ([cpu("POWER9", arch="ppc64"), cpu("POWER9", arch="ppc64", vendor="IBM")], 0),
    ([cpu("POWER9", arch="ppc64le"), cpu("POWER8", arch="ppc64le")], 0),
    ([cpu("POWER9", arch="ppc64", feats=["x"])], EXPAND),
    ([cpu("Bogus", arch="ppc64")], 0),
    ([cpu("cortex-a57", arch="aarch64"), cpu("cortex-a53", arch="aarch64")], 0),
    ([cpu("anything", arch="armv7l")], 0),
    ([cpu("z13", arch="s390x")], 0),
    ([cpu("x", arch="riscv64")], 0),
    ([cpu("x", arch="bogus")], 0),
    (["<cpu><arch>x86_64</arch></cpu>"], 0),
    (["<cpu><model>Westmere</model></cpu>"], 0),
    (["<cpu mode='host-model'><arch>x86_64</arch><model>Westmere</model></cpu>"], 0),
    (["<cpu><arch>x86_64</arch><model>Westmere</model><feature/></cpu>"], 0),
]


def answers(uri, cases):
    conn = libvirt.open(uri)
    try:
        return [libvirt_answer(lambda: conn.baselineCPU(cpus, flags)) for cpus, flags in cases]
    finally:
        conn.close()


def compare(fake, cases):
    real = answers("test:///default", cases)
    assert_same_answers(cases, real, answers(fake.uri, cases))
    return real


def test_baseline_cases_as_the_test_driver(fake_libvirtd):
    real = compare(fake_libvirtd(), CASES)
    assert sum(isinstance(r, str) for r in real) > 20        # most cases compute a baseline


def x86_models():
    conn = libvirt.open("test:///default")
    try:
        return conn.getCPUModelNames("x86_64")
    finally:
        conn.close()


def test_baseline_of_every_pair_of_x86_models(fake_libvirtd):
    """Every pair of the host's x86 models, without a vendor (the map's whole decoding)."""
    pairs = [([cpu(a), cpu(b)], 0) for a, b in itertools.combinations(x86_models(), 2)]
    compare(fake_libvirtd(), pairs)
