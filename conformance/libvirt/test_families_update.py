"""NETWORK_UPDATE's sections and CONNECT_BASELINE_CPU (issue #11's last test-driver behaviours),
each call's value or error recorded (cases.attempt) so every release and fake is compared.
The baseline cases are those whose answer does not depend on a release's CPU map (those that
do are listed in docs/compatibility.md)."""
import zlib

import pytest

from cases import attempt, cleanup, unique_name, xml_lines

MODIFY, DELETE, ADD_LAST, ADD_FIRST = 1, 2, 3, 4
FORWARD_IFACE, PORTGROUP, DNS_HOST, DNS_TXT, DNS_SRV = 7, 9, 10, 11, 12

NET = ("<network><name>%s</name><bridge name='%s'/><forward mode='%s'/>"
       "<ip address='%s.1' netmask='255.255.255.0'/></network>")

STEPS = [
    (ADD_LAST, FORWARD_IFACE, "<interface dev='eth1'/>"),
    (ADD_LAST, FORWARD_IFACE, "<interface dev='eth1'/>"),
    (ADD_FIRST, FORWARD_IFACE, "<interface dev='eth0'/>"),       # nat: one interface only
    (MODIFY, FORWARD_IFACE, "<interface dev='eth1'/>"),
    (DELETE, FORWARD_IFACE, "<interface dev='eth9'/>"),
    (ADD_LAST, PORTGROUP, "<portgroup name='pg1'/>"),
    (ADD_FIRST, PORTGROUP, "<portgroup name='pg0' default='yes'><vlan><tag id='42'/></vlan>"
                           "</portgroup>"),
    (ADD_LAST, PORTGROUP, "<portgroup name='pg2' default='yes'/>"),
    (MODIFY, PORTGROUP, "<portgroup name='pg9'/>"),
    (DELETE, PORTGROUP, "<portgroup name='pg1'/>"),
    (ADD_LAST, DNS_HOST, "<host ip='10.1.0.5'><hostname>a</hostname><hostname>b</hostname></host>"),
    (ADD_LAST, DNS_HOST, "<host ip='10.1.0.5'><hostname>c</hostname></host>"),
    (ADD_FIRST, DNS_HOST, "<host ip='10.1.0.6'><hostname>b</hostname></host>"),
    (ADD_LAST, DNS_HOST, "<host ip='10.1.0.7'/>"),
    (MODIFY, DNS_HOST, "<host ip='10.1.0.5'><hostname>a</hostname></host>"),
    (DELETE, DNS_HOST, "<host><hostname>b</hostname></host>"),         # two match
    (ADD_LAST, DNS_TXT, "<txt name='t1' value='v1'/>"),
    (ADD_FIRST, DNS_TXT, "<txt name='t0' value='v0'/>"),
    (ADD_LAST, DNS_TXT, "<txt name='a b' value='v'/>"),
    (ADD_LAST, DNS_TXT, "<txt name='t2'/>"),
    (ADD_LAST, DNS_SRV, "<srv service='s' protocol='tcp' domain='d' target='t' port='1' "
                        "priority='2' weight='3'/>"),
    (ADD_LAST, DNS_SRV, "<srv service='s' protocol='tcp' target='t'/>"),
    (ADD_LAST, DNS_SRV, "<srv service='q' protocol='tcp' port='5'/>"),
    (ADD_LAST, DNS_SRV, "<srv service='a.b' protocol='tcp'/>"),
    (MODIFY, DNS_TXT, "<txt name='t1' value='v9'/>"),        # 11.3 on: modified
    (MODIFY, DNS_TXT, "<txt name='t1'/>"),
    (MODIFY, DNS_TXT, "<txt name='t9' value='x'/>"),
    (MODIFY, DNS_HOST, "<host ip='10.1.0.9'><hostname>x</hostname></host>"),
    (MODIFY, DNS_HOST, "<host/>"),
    (MODIFY, DNS_SRV, "<srv service='s' protocol='tcp'/>"),
    "xml",
    (DELETE, DNS_SRV, "<srv service='s' protocol='tcp'/>"),
    (DELETE, DNS_TXT, "<txt name='t0'/>"),
    (DELETE, DNS_HOST, "<host ip='10.1.0.6'/>"),
    (ADD_LAST, 13, "<x/>"),
    "xml",
]


@pytest.mark.procedure("NETWORK_UPDATE")
def test_network_update_sections(target, record):
    """forward-interface, portgroup, dns-host, dns-txt and dns-srv updates of a new running
    network: every answer and the XML after them."""
    name = unique_name("nup")
    n = zlib.crc32(name.encode())
    names = [name, "vwup%d" % (n % 100000), "192.168.%d" % (100 + n % 100)]
    c = target.conn
    net = c.networkDefineXML(NET % (names[0], names[1], "nat", names[2]))
    try:
        net.create()
        for i, step in enumerate(STEPS):
            if step == "xml":
                record["%02d_xml" % i] = attempt(lambda: xml_lines(net.XMLDesc(0), names), names)
            else:
                cmd, section, xml = step
                record["%02d_%d_%d" % (i, cmd, section)] = attempt(
                    lambda: net.update(cmd, section, -1, xml, 0), names)
        assert "ok" in record["00_3_7"]
    finally:
        cleanup(net.destroy, net.undefine)


def cpu(model, vendor=None, feats=(), arch="x86_64"):
    s = "<cpu><arch>%s</arch><model>%s</model>" % (arch, model)
    s += "<vendor>%s</vendor>" % vendor if vendor else ""
    return s + "".join("<feature name='%s'/>" % f for f in feats) + "</cpu>"


BASELINES = {
    "two_models": ([cpu("Westmere", "Intel"), cpu("Nehalem", "Intel")], 0),
    "newer_models": ([cpu("Haswell", "Intel"), cpu("Skylake-Client", "Intel")], 0),
    "features": ([cpu("Westmere", "Intel", ["x2apic", "avx", "vmx"]),
                  cpu("Nehalem", "Intel", ["avx", "vmx"])], 0),
    "vendors_differ": ([cpu("Westmere", "Intel"), cpu("Opteron_G3", "AMD")], 0),
    "model_vendor": ([cpu("Westmere", "Intel"), cpu("Opteron_G3")], 0),
    "vendor_of_model": ([cpu("Westmere", "AMD"), cpu("Nehalem", "AMD")], 0),
    "unknown_vendor": ([cpu("Westmere", "Bogus"), cpu("Nehalem")], 0),
    "amd_models": ([cpu("EPYC", "AMD"), cpu("EPYC-Rome", "AMD")], 0),
    "removed_feature": ([cpu("EPYC", "AMD", ["monitor"]), cpu("Opteron_G3", "AMD")], 0),
    "generic": ([cpu("486"), cpu("qemu64")], 0),
    "expanded": ([cpu("Westmere", "Intel"), cpu("Nehalem", "Intel")], 1),
    "migratable": ([cpu("Westmere", "Intel")], 2),
    "unknown_feature": ([cpu("Westmere", "Intel", ["vwc-feature"])], 0),
    "unknown_model": ([cpu("Westmere", "Intel"), cpu("vwc-model")], 0),
    "ppc64": ([cpu("POWER9", arch="ppc64"), cpu("POWER9", "IBM", arch="ppc64")], 0),
    "ppc64_differ": ([cpu("POWER9", arch="ppc64le"), cpu("POWER8", arch="ppc64le")], 0),
    "aarch64": ([cpu("cortex-a57", arch="aarch64"), cpu("cortex-a53", arch="aarch64")], 0),
    "s390x": ([cpu("z13", arch="s390x")], 0),
    "riscv64": ([cpu("x", arch="riscv64")], 0),
    "bogus_arch": ([cpu("x", arch="vwc-arch")], 0),
    "no_model": (["<cpu><arch>x86_64</arch></cpu>"], 0),
    "guest_cpu": (["<cpu mode='host-model'><arch>x86_64</arch><model>Westmere</model></cpu>"],
                  0),
}


@pytest.mark.procedure("CONNECT_BASELINE_CPU")
def test_cpu_baseline(target, record):
    """Baselines of CPUs of different models and vendors, with features and flags, on x86,
    POWER and ARM, and the refusals of other architectures and bad documents."""
    for key, (cpus, flags) in BASELINES.items():
        record[key] = attempt(lambda: xml_lines(target.conn.baselineCPU(cpus, flags)))
    assert "ok" in record["two_models"]
