"""NETWORK_UPDATE (net_update*.c) compared with libvirt's own test driver: the same sequence of
virNetworkUpdate calls through python3-libvirt on the fake and on the in-process
test:///default, answers and resulting XML compared call by call. The modelled release 7.0
does not announce NETWORK_UPDATE_HAS_CORRECT_ORDER, so libvirt's client swaps command and
section on the wire: the same sequence must give the same results there too.
"""
import pytest

libvirt = pytest.importorskip("libvirt")

import os  # noqa: E402

from conftest import REPO, assert_same_answers, libvirt_answer  # noqa: E402

os.environ.setdefault("VW_BUILD", str(REPO / "build"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

MODIFY, DELETE, ADD_LAST, ADD_FIRST = 1, 2, 3, 4
BRIDGE, IP_DHCP_HOST, IP_DHCP_RANGE, PORTGROUP, DNS_HOST = 1, 4, 5, 9, 10
FORWARD_IFACE, FORWARD_PF, DNS_TXT, DNS_SRV = 7, 8, 11, 12


def host(n, name=None, ip=None, mac=True):
    attrs = []
    if mac:
        attrs.append("mac='52:54:00:00:00:%02x'" % n)
    if name is not False:
        attrs.append("name='%s'" % (name or "vw%d" % n))
    if ip is not False:
        attrs.append("ip='%s'" % (ip or "192.168.122.%d" % (10 + n)))
    return "<host %s/>" % " ".join(attrs)


RANGE = "<range start='192.168.122.100' end='192.168.122.110'/>"

# (command, section, parentIndex, xml, flags), or "xml" / "destroy" / "start"
STEPS = [
    (ADD_LAST, IP_DHCP_HOST, -1, host(1), 0),
    (ADD_LAST, IP_DHCP_HOST, -1, host(1), 0),                   # the same again
    (ADD_FIRST, IP_DHCP_HOST, -1, host(2), 0),
    (ADD_LAST, IP_DHCP_HOST, -1, host(3, ip="192.168.122.11"), 0),   # an ip in use
    (ADD_LAST, IP_DHCP_HOST, -1, host(3, name="vw1"), 0),            # a name in use
    (ADD_LAST, IP_DHCP_HOST, -1, host(4, ip=False), 0),
    (ADD_LAST, IP_DHCP_HOST, -1, host(5, name=False, mac=False), 0),
    (ADD_LAST, IP_DHCP_HOST, -1, host(1, name=False), 0),          # errors name it '(null)'
    (MODIFY, IP_DHCP_HOST, -1, host(9, mac=False, ip="192.168.122.99"), 0),   # mac 'unknown'
    "xml",
    (MODIFY, IP_DHCP_HOST, -1, host(1, name="vw1b", ip="192.168.122.40"), 0),
    (MODIFY, IP_DHCP_HOST, -1, host(9), 0),
    (MODIFY, IP_DHCP_HOST, -1, host(2, mac=False, ip="192.168.122.41"), 0),
    (DELETE, IP_DHCP_HOST, -1, host(7), 0),
    (DELETE, IP_DHCP_HOST, -1, "<host mac='52:54:00:00:00:01'/>", 0),
    (ADD_LAST, IP_DHCP_HOST, 1, host(6), 0),                    # no second <ip>
    "xml",
    (ADD_LAST, IP_DHCP_RANGE, -1, RANGE, 0),
    (ADD_LAST, IP_DHCP_RANGE, -1, RANGE, 0),
    (MODIFY, IP_DHCP_RANGE, -1, RANGE, 0),
    (DELETE, IP_DHCP_RANGE, -1, "<range start='192.168.122.101' end='192.168.122.110'/>", 0),
    (ADD_FIRST, IP_DHCP_HOST, -1, host(8), 0),
    "xml",
    (DELETE, IP_DHCP_RANGE, -1, RANGE, 0),
    (MODIFY, IP_DHCP_HOST, -1, "<junk/>", 0),
    (MODIFY, BRIDGE, -1, "<bridge name='x'/>", 0),
    (MODIFY, PORTGROUP, -1, "<junk/>", 0),
    (MODIFY, DNS_HOST, -1, "<host/>", 0),
    (MODIFY, 0, -1, "<x/>", 0),
    (MODIFY, 13, -1, "<x/>", 0),
    (0, IP_DHCP_HOST, -1, host(1), 0),
    (5, IP_DHCP_HOST, -1, host(1), 0),
    (ADD_LAST, IP_DHCP_HOST, -1, host(1), 4),                   # an unknown flag
    "xml",
    "destroy",
    (ADD_LAST, IP_DHCP_HOST, -1, host(10), 1),                  # LIVE on an inactive network
    (ADD_LAST, IP_DHCP_HOST, -1, host(11), 0),                  # CURRENT: the config
    "start",
    "xml",
]



def srv(service="s", protocol="tcp", **more):
    attrs = "".join(" %s='%s'" % kv for kv in more.items())
    return "<srv service='%s' protocol='%s'%s/>" % (service, protocol, attrs)


def dns_host(ip, *names):
    return "<host ip='%s'>%s</host>" % (ip, "".join("<hostname>%s</hostname>" % n
                                                      for n in names))


# the other sections: forward interfaces, portgroups, DNS hosts, TXT and SRV records
SECTION_STEPS = [
    (ADD_LAST, FORWARD_IFACE, -1, "<interface dev='eth1'/>", 0),
    (ADD_LAST, FORWARD_IFACE, -1, "<interface dev='eth1'/>", 0),
    (ADD_FIRST, FORWARD_IFACE, -1, "<interface dev='eth0'/>", 0),    # nat: one only
    (MODIFY, FORWARD_IFACE, -1, "<interface dev='eth0'/>", 0),
    (MODIFY, FORWARD_IFACE, -1, "<junk/>", 0),
    (DELETE, FORWARD_IFACE, -1, "<interface dev='eth9'/>", 0),
    (ADD_LAST, FORWARD_IFACE, -1, "<interface/>", 0),
    (ADD_LAST, FORWARD_PF, -1, "<pf dev='eth2'/>", 0),
    "xml",
    (DELETE, FORWARD_IFACE, -1, "<interface dev='eth1'/>", 0),
    "xml",
    (ADD_LAST, PORTGROUP, -1, "<portgroup name='pg1'/>", 0),
    (ADD_LAST, PORTGROUP, -1, "<portgroup name='pg1'/>", 0),
    (ADD_FIRST, PORTGROUP, -1,
     "<portgroup name='pg0' default='yes'><vlan><tag id='42'/></vlan></portgroup>", 0),
    (ADD_LAST, PORTGROUP, -1, "<portgroup name='pg2' default='yes'/>", 0),
    (ADD_LAST, PORTGROUP, -1, "<portgroup name='pg3' default='maybe'/>", 0),
    "xml",
    (MODIFY, PORTGROUP, -1,
     "<portgroup name='pg1'><bandwidth><inbound average='1000'/></bandwidth></portgroup>", 0),
    (MODIFY, PORTGROUP, -1, "<portgroup name='pg9'/>", 0),
    (MODIFY, PORTGROUP, -1, "<portgroup name='pg3' default='yes'/>", 0),
    (MODIFY, PORTGROUP, -1, "<portgroup name='pg0' default='yes'/>", 0),
    (DELETE, PORTGROUP, -1, "<portgroup name='pg9'/>", 0),
    (ADD_LAST, PORTGROUP, -1, "<portgroup/>", 0),
    (ADD_LAST, PORTGROUP, -1, "<portgroup name=''/>", 0),
    "xml",
    (DELETE, PORTGROUP, -1, "<portgroup name='pg1'/>", 0),
    "xml",
    (ADD_LAST, DNS_HOST, -1, dns_host("192.168.122.5", "a", "b"), 0),
    (ADD_LAST, DNS_HOST, -1, dns_host("192.168.122.5", "c"), 0),        # the address in use
    (ADD_LAST, DNS_HOST, -1, dns_host("192.168.122.6", "b"), 0),        # a name in use
    (ADD_FIRST, DNS_HOST, -1, dns_host("192.168.122.7", "c", "d"), 0),
    (ADD_LAST, DNS_HOST, -1, dns_host("::1", "six"), 0),
    (ADD_LAST, DNS_HOST, -1, "<host ip='192.168.122.8'/>", 0),
    (ADD_LAST, DNS_HOST, -1, "<host><hostname>x</hostname></host>", 0),
    (ADD_LAST, DNS_HOST, -1, dns_host("bogus", "a"), 0),
    (ADD_LAST, DNS_HOST, -1, dns_host("192.168.122.9", ""), 0),
    (ADD_LAST, DNS_HOST, -1, "<hostx ip='192.168.122.9'/>", 0),
    (MODIFY, DNS_HOST, -1, "<junk/>", 0),
    (ADD_LAST, DNS_TXT, -1, "<txt name='t1' value='v1'/>", 0),
    (ADD_LAST, DNS_TXT, -1, "<txt name='t1' value='v2'/>", 0),
    (ADD_FIRST, DNS_TXT, -1, "<txt name='t0' value='v0'/>", 0),
    (ADD_LAST, DNS_TXT, -1, "<txt name='t2'/>", 0),
    (ADD_LAST, DNS_TXT, -1, "<txt value='x'/>", 0),
    (ADD_LAST, DNS_TXT, -1, "<txt name='a b' value='v'/>", 0),
    (ADD_LAST, DNS_TXT, -1, "<txt name='a,b' value='v'/>", 0),
    (ADD_LAST, DNS_TXT, -1, "<txt name='' value=''/>", 0),
    (ADD_LAST, DNS_SRV, -1, srv(domain="d", target="t", port=1, priority=2, weight=3), 0),
    (ADD_LAST, DNS_SRV, -1, srv(domain="d", target="t", port=9), 0),    # all given fields match
    (ADD_FIRST, DNS_SRV, -1, srv("other", "udp"), 0),
    (ADD_LAST, DNS_SRV, -1, srv("s", "udp", target="x", port=5, priority=0, weight=0), 0),
    (ADD_LAST, DNS_SRV, -1, "<srv protocol='udp'/>", 0),
    (ADD_LAST, DNS_SRV, -1, "<srv service='s'/>", 0),
    (ADD_LAST, DNS_SRV, -1, srv("a.b"), 0),
    (ADD_LAST, DNS_SRV, -1, srv("a*b+c-d/e_f"), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", "t*p"), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", port="abc"), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", port=70000), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", target="x", port=70000), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", target="x", port=0), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", priority=2), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", target="x", priority=65536), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", target="x", weight="x"), 0),
    (ADD_LAST, DNS_SRV, -1, srv("q", domain="d q", target=""), 0),
    "xml",
    (DELETE, DNS_HOST, -1, "<host><hostname>b</hostname></host>", 0),
    (DELETE, DNS_HOST, -1, dns_host("192.168.122.9"), 0),
    (DELETE, DNS_HOST, -1, "<host/>", 0),
    (DELETE, DNS_HOST, -1, "<host ip='192.168.122.6'><hostname>zz</hostname></host>", 0),
    (DELETE, DNS_HOST, -1, "<host><hostname>d</hostname></host>", 0),
    (DELETE, DNS_TXT, -1, "<txt name='t9'/>", 0),
    (DELETE, DNS_TXT, -1, "<txt name='t0'/>", 0),
    (DELETE, DNS_TXT, -1, "<txt value='x'/>", 0),
    (DELETE, DNS_SRV, -1, srv("nope"), 0),
    (DELETE, DNS_SRV, -1, srv("s"), 0),
    (DELETE, DNS_SRV, -1, srv("other", "udp"), 0),
    (MODIFY, DNS_TXT, -1, "<txt name='t1' value='v'/>", 0),
    (MODIFY, DNS_SRV, -1, srv(), 0),
    "xml",
    (DELETE, DNS_HOST, -1, dns_host("192.168.122.5"), 0),
    (DELETE, DNS_HOST, -1, dns_host("::1"), 0),
    (DELETE, DNS_TXT, -1, "<txt name='t1'/>", 0),
    (DELETE, DNS_TXT, -1, "<txt name=''/>", 0),
    (DELETE, DNS_SRV, -1, srv(domain="d"), 0),
    (DELETE, DNS_SRV, -1, srv("s", "udp"), 0),
    (DELETE, DNS_SRV, -1, srv("q"), 0),
    (DELETE, DNS_SRV, -1, srv("a*b+c-d/e_f"), 0),
    "xml",                                                    # <dns> gone again
    "destroy",
    (ADD_LAST, DNS_TXT, -1, "<txt name='off' value='line'/>", 0),
    (ADD_LAST, PORTGROUP, -1, "<portgroup name='offline'/>", 2),
    "start",
    "xml",
]


def one_step(net, step):
    if step == "xml":
        return net.XMLDesc(0)
    if step == "destroy":
        return net.destroy()
    if step == "start":
        return net.create()
    return net.update(*step)


def run(uri, steps=STEPS):
    conn = libvirt.open(uri)
    try:
        net = conn.networkLookupByName("default")
        return [libvirt_answer(lambda: one_step(net, step)) for step in steps]
    finally:
        conn.close()


def compare(fake, steps):
    real = run("test:///default", steps)
    assert_same_answers(steps, real, run(fake.uri, steps))
    return real


@pytest.mark.parametrize("release", ["9.0.0", "7.0.0"])
def test_network_update_as_the_test_driver(fake_libvirtd, release):
    fake = fake_libvirtd(extra_args=["--libvirt-version", release])
    real = compare(fake, STEPS)
    assert "vw8" in real[STEPS.index("xml", 18)]    # the sequence did change the network


def test_network_update_other_sections(fake_libvirtd):
    """forward-interface, portgroup and the DNS sections, step by step as test:///default
    (9.0; what other releases do differently is compared with their daemons by
    conformance/libvirt/test_families_update.py)."""
    fake = fake_libvirtd()
    real = compare(fake, SECTION_STEPS)
    xmls = [r for step, r in zip(SECTION_STEPS, real) if step == "xml"]
    assert "<interface dev='eth1'/>" in xmls[0]
    assert any("<txt name='t1' value='v1'/>" in x and "<portgroup name='pg0'" in x
               for x in xmls)
    assert "<dns>" not in xmls[-2]                  # every record deleted again


@pytest.mark.parametrize("body", [
    "<forward mode='bridge'/>",
    "<forward mode='bridge'/><bridge name='vwbr7'/>",       # a bridge name and a dev: refused
    "<forward mode='private'/>",
    "<forward mode='route'/><bridge name='vwbr7'/><ip address='10.9.0.1' netmask='255.255.0.0'/>",
    "<bridge name='vwbr7'/>",
])
def test_network_update_forward_modes(fake_libvirtd, body):
    """Interfaces of a defined network: several for bridge mode, one for route, none kept
    without <forward>; <forward dev=...> follows the first interface."""
    xml = ("<network><name>vwfwd</name><uuid>5ee6c969-2527-421a-9bf6-f0008e8a9862</uuid>%s"
           "</network>" % body)
    steps = [(ADD_LAST, FORWARD_IFACE, -1, "<interface dev='e1'/>", 0),
             (ADD_LAST, FORWARD_IFACE, -1, "<interface dev='e2'/>", 0),
             (ADD_FIRST, FORWARD_IFACE, -1, "<interface dev='e0'/>", 0), "xml",
             (DELETE, FORWARD_IFACE, -1, "<interface dev='e0'/>", 0), "xml",
             (ADD_LAST, FORWARD_IFACE, -1, "<interface dev='e1'/>", 0),
             (ADD_LAST, PORTGROUP, -1, "<portgroup name='p'/>", 0), "xml"]

    def one(uri):
        conn = libvirt.open(uri)
        net = conn.networkDefineXML(xml)
        try:
            return [libvirt_answer(lambda: one_step(net, step)) for step in steps]
        finally:
            net.undefine()
            conn.close()

    fake = fake_libvirtd()
    real, mine = one("test:///default"), one(fake.uri)
    assert real == mine


LIVE, CONFIG = 1, 2
CONFIG_STEPS = [
    (ADD_LAST, DNS_TXT, -1, "<txt name='cfg' value='1'/>", CONFIG),     # running: newDef only
    (ADD_LAST, DNS_TXT, -1, "<txt name='both' value='1'/>", LIVE | CONFIG),
    (ADD_LAST, DNS_TXT, -1, "<txt name='live' value='1'/>", 0),         # current: live
    (ADD_LAST, DNS_TXT, -1, "<txt name='cfg' value='2'/>", CONFIG),     # already in newDef
    "xml", "destroy", "xml",                                           # destroy keeps def
    (ADD_LAST, DNS_TXT, -1, "<txt name='off' value='1'/>", 0),          # newDef + off -> def
    "xml", "start", "xml", "destroy",
    (ADD_LAST, DNS_TXT, -1, "<txt name='off2' value='1'/>", CONFIG),    # newDef stays pending
    "xml", "start",
]


def test_network_update_live_and_config(fake_libvirtd):
    """LIVE, CONFIG and CURRENT updates of a running and a stopped network: the persistent
    definition (libvirt's newDef) as the test driver keeps and shows it."""
    real = compare(fake_libvirtd(), CONFIG_STEPS)
    xmls = [r for step, r in zip(CONFIG_STEPS, real) if step == "xml"]
    assert "'cfg'" not in xmls[0] and "'off'" in xmls[2] and "'live'" not in xmls[2]
