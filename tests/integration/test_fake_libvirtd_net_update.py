"""NETWORK_UPDATE (net_update.c) compared with libvirt's own test driver: the same sequence of
virNetworkUpdate calls through python3-libvirt on the fake and on the in-process
test:///default, answers and resulting XML compared call by call. The modelled release 7.0
does not announce NETWORK_UPDATE_HAS_CORRECT_ORDER, so libvirt's client swaps command and
section on the wire: the same sequence must give the same results there too.
"""
import pytest

libvirt = pytest.importorskip("libvirt")

import os  # noqa: E402

from conftest import REPO  # noqa: E402

os.environ.setdefault("VW_BUILD", str(REPO / "build"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

MODIFY, DELETE, ADD_LAST, ADD_FIRST = 1, 2, 3, 4
BRIDGE, IP_DHCP_HOST, IP_DHCP_RANGE, PORTGROUP, DNS_HOST = 1, 4, 5, 9, 10


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


def run(uri):
    conn = libvirt.open(uri)
    out = []
    try:
        net = conn.networkLookupByName("default")
        for step in STEPS:
            try:
                if step == "xml":
                    out.append(net.XMLDesc(0))
                elif step == "destroy":
                    out.append(net.destroy())
                elif step == "start":
                    out.append(net.create())
                else:
                    out.append(net.update(*step))
            except libvirt.libvirtError as e:
                out.append((e.get_error_code(), e.get_error_domain(), e.get_error_message()))
    finally:
        conn.close()
    return out


@pytest.mark.parametrize("release", ["9.0.0", "7.0.0"])
def test_network_update_as_the_test_driver(fake_libvirtd, release):
    fake = fake_libvirtd(extra_args=["--libvirt-version", release])
    real, mine = run("test:///default"), run(fake.uri)
    differ = ["step %d %r:\n  real %r\n  fake %r" % (i, STEPS[i], r, m)
              for i, (r, m) in enumerate(zip(real, mine)) if r != m]
    assert not differ, "\n".join(differ)
    assert "vw8" in real[STEPS.index("xml", 16)]    # the sequence did change the network
