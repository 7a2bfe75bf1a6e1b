"""The tuning setters of fake-libvirtd other than scheduler and memory (blkio, NUMA, interface
bandwidth, block I/O tune, perf events, the balloon's statistics period) against libvirt 9.0's test driver: the same
python3-libvirt calls and virsh sequences on fake-libvirtd and on test:///default (in-process,
fresh on every open), and refused raw calls on the wire against the shared libvirtd (refusals
change nothing there)."""
import os
import sys

import pytest

from conftest import BUILD, REPO
from fake_libvirtd_fixtures import assert_same_refusals, xdr_string
from test_fake_libvirtd_stats import (REAL, both, dom, ints, outcome, start, tparam, tparams,
                                      virsh_lines)

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

libvirt = pytest.importorskip("libvirt")

LIVE, CONFIG = 1, 2
MAC = "aa:bb:cc:dd:ee:ff"


def nonzero(params):
    return {k: v for k, v in params.items() if v}


def test_blkio(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        return [
            outcome(lambda: d.setBlkioParameters({
                "weight": 500, "device_weight": "/dev/sda,100,/dev/sdb,200",
                "device_read_iops_sec": "/dev/sda,5", "device_write_bytes_sec": "/dev/sdc,7"}, 0)),
            outcome(lambda: d.setBlkioParameters({"device_weight": "/dev/sda"}, 0)),
            outcome(lambda: d.setBlkioParameters({"device_weight": "/dev/sda,x"}, 0)),
            outcome(lambda: d.setBlkioParameters({"weight": 10000}, 0)),
            outcome(lambda: d.setBlkioParameters({"weight": 11}, CONFIG)),
            outcome(lambda: d.setBlkioParameters({"device_weight": "/dev/sda,1",
                                                  "device_read_bytes_sec": "/dev/sdz,3"},
                                                 LIVE | CONFIG)),
            outcome(lambda: d.setBlkioParameters({"device_weight": "/dev/sda,0"}, LIVE)),
            outcome(lambda: d.blkioParameters(0)), outcome(lambda: d.blkioParameters(CONFIG)),
            d.XMLDesc(0), d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
            d.destroy(), outcome(lambda: d.setBlkioParameters({"weight": 12}, LIVE)),
            outcome(lambda: d.setBlkioParameters({"weight": 12}, 0)), d.XMLDesc(0)]
    got = both(fl.uri, scenario)
    assert got[0] == ("ok", 0) and got[7][1]["weight"] == 10000


def test_numa(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        return [
            outcome(lambda: d.setNumaParameters({"numa_mode": 1}, 0)),
            outcome(lambda: d.setNumaParameters({"numa_nodeset": "0-1", "numa_mode": 2}, 0)),
            outcome(lambda: d.numaParameters(0)),
            outcome(lambda: d.setNumaParameters({"numa_mode": 1}, LIVE)),
            outcome(lambda: d.setNumaParameters({"numa_nodeset": "abc"}, 0)),
            outcome(lambda: d.setNumaParameters({"numa_nodeset": ""}, 0)),
            outcome(lambda: d.setNumaParameters({"numa_nodeset": "1,3-4,^4"}, 0)),
            outcome(lambda: d.setNumaParameters({"numa_mode": 9}, 0)),
            outcome(lambda: d.setNumaParameters({"numa_mode": 0}, CONFIG)),
            outcome(lambda: d.setNumaParameters({"numa_nodeset": "0", "numa_mode": 3},
                                                LIVE | CONFIG)),
            outcome(lambda: d.setNumaParameters({"numa_nodeset": "5", "numa_mode": 3}, CONFIG)),
            outcome(lambda: d.numaParameters(0)), outcome(lambda: d.numaParameters(CONFIG)),
            d.XMLDesc(0), d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)]
    got = both(fl.uri, scenario)
    assert got[2] == ("ok", {"numa_mode": 2, "numa_nodeset": "0-1"})


def test_interface_bandwidth(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        r = [outcome(lambda: d.setInterfaceParameters(MAC, {
                "inbound.average": 100, "inbound.peak": 200, "inbound.burst": 300,
                "outbound.average": 50}, 0)),
             outcome(lambda: d.interfaceParameters(MAC, 0)),
             outcome(lambda: d.setInterfaceParameters(MAC, {"inbound.floor": 10}, 0)),
             outcome(lambda: d.interfaceParameters(MAC, 0)),
             outcome(lambda: d.setInterfaceParameters(MAC, {"inbound.average": 0}, 0)),
             outcome(lambda: d.interfaceParameters("testnet0", 0)),
             outcome(lambda: d.setInterfaceParameters("vnet9", {"inbound.average": 1}, 0)),
             outcome(lambda: d.setInterfaceParameters("testnet0", {"inbound.average": 1}, CONFIG)),
             outcome(lambda: d.setInterfaceParameters(MAC, {"outbound.peak": 7}, CONFIG)),
             outcome(lambda: d.setInterfaceParameters("testnet0", {
                 "inbound.average": 5, "outbound.average": 6, "outbound.burst": 9},
                 LIVE | CONFIG)),
             outcome(lambda: d.interfaceParameters(MAC, CONFIG))]
        # an emptied <bandwidth> is printed differently (docs/compatibility.md): compared
        # with the element's text left out
        return r + [x.replace("<bandwidth>\n      </bandwidth>", "<bandwidth/>")
                    for x in (d.XMLDesc(0), d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))]
    got = both(fl.uri, scenario)
    assert nonzero(got[3][1]) == {"inbound.floor": 10, "outbound.average": 50}


def test_block_io_tune(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        return [
            outcome(lambda: d.setBlockIoTune("vda", {"total_bytes_sec": 1000}, 0)),
            outcome(lambda: d.setBlockIoTune("vda", {"total_bytes_sec_max": 2000}, 0)),
            outcome(lambda: d.setBlockIoTune("vda", {"total_bytes_sec": 1500}, 0)),
            outcome(lambda: d.setBlockIoTune("vda", {"read_bytes_sec": 10,
                                                     "read_bytes_sec_max": 20}, 0)),
            outcome(lambda: d.setBlockIoTune("vda", {"read_iops_sec": 5}, 0)),
            outcome(lambda: d.setBlockIoTune("vda", {"total_bytes_sec_max_length": 5,
                                                     "group_name": "g1"}, 0)),
            outcome(lambda: d.setBlockIoTune("vda", {"total_iops_sec": 10 ** 18,
                                                     "total_iops_sec_max": 10 ** 18}, 0)),
            outcome(lambda: d.setBlockIoTune("vdz", {"total_iops_sec": 3}, 0)),
            outcome(lambda: d.setBlockIoTune("/guest/diskimage1", {"size_iops_sec": 3},
                                             LIVE | CONFIG)),
            outcome(lambda: nonzero(d.blockIoTune("vda", 0))),
            outcome(lambda: nonzero(d.blockIoTune("vda", CONFIG))),
            d.XMLDesc(0), d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)]
    got = both(fl.uri, scenario)
    assert got[9][1]["total_bytes_sec"] == 1500 and got[9][1]["group_name"] == "g1"


def test_perf_events(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        return [outcome(lambda: d.setPerfEvents({"cmt": True, "cpu_cycles": True}, 0)),
                outcome(lambda: d.setPerfEvents({"cmt": False}, 0)),
                outcome(lambda: d.setPerfEvents({"mbml": True}, CONFIG)),
                outcome(lambda: nonzero(d.perfEvents(0))),
                outcome(lambda: nonzero(d.perfEvents(CONFIG))),
                d.XMLDesc(0), d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)]
    got = both(fl.uri, scenario)
    assert got[3] == ("ok", {"cpu_cycles": True})


def test_memory_stats_period(fake_libvirtd):
    fl = start(fake_libvirtd)
    no_balloon = ("<domain type='test'><name>nb</name>"
                  "<uuid>4a98c9b7-a779-4005-ba04-ab38dc445bb1</uuid><memory>1024</memory>"
                  "<os><type>hvm</type></os><devices><memballoon model='none'/></devices>"
                  "</domain>")

    def scenario(c):
        d = c.lookupByName("test")
        r = [outcome(lambda: d.setMemoryStatsPeriod(p, f))
             for p, f in ((0, 0), (5, LIVE), (7, CONFIG), (7, LIVE | CONFIG), (-1, 0), (5, 8))]
        r += [d.XMLDesc(0), d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)]
        e = c.defineXML(no_balloon)
        r.append(outcome(lambda: e.setMemoryStatsPeriod(5, 0)))
        d.destroy()
        return r + [outcome(lambda: d.setMemoryStatsPeriod(5, LIVE)),
                    outcome(lambda: d.setMemoryStatsPeriod(0, 0)), d.XMLDesc(0)]
    got = both(fl.uri, scenario)
    assert got[1] == ("ok", 0) and "<stats period='5'/>" in got[6]


def test_tuning_survives_redefinition(fake_libvirtd):
    """The elements round-trip through the XML: a domain defined with them reads them back."""
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        d.setBlkioParameters({"weight": 300, "device_write_iops_sec": "/dev/vdb,9"}, 0)
        d.setNumaParameters({"numa_nodeset": "1"}, 0)
        d.setPerfEvents({"page_faults": True}, 0)
        xml = d.XMLDesc(0).replace("<name>test</name>", "<name>copy</name>").replace(
            "6695eb01-f6a4-8304-79aa-97f2502e193f", "6695eb01-f6a4-8304-79aa-97f2502e1940")
        e = c.defineXML(xml)
        return [e.XMLDesc(0), e.blkioParameters(0), e.numaParameters(0), nonzero(e.perfEvents(0))]
    both(fl.uri, scenario)


@pytest.mark.parametrize("commands", [
    "blkiotune test --weight 500; blkiotune test --device-weights /dev/sda,10; blkiotune test",
    "numatune test --nodeset 0; numatune test; numatune test --mode interleave --config",
    "domiftune test testnet0 --inbound 100,200,300 --outbound 50; domiftune test testnet0",
    "blkdeviotune test vda --total-bytes-sec-max 10; blkdeviotune test vda --total-bytes-sec 5; "
    "blkdeviotune test vda; blkdeviotune test vda --read-iops-sec 1",
    "perf test --enable cmt,cpu_cycles; perf test --disable cmt; perf test; dumpxml test",
])
def test_virsh_tuning_setters(fake_libvirtd, commands):
    fl = start(fake_libvirtd)
    assert virsh_lines(fl.uri, commands) == virsh_lines(REAL, commands)


# Refused calls, compared on the wire with the shared libvirtd (nothing changes there):
# libvirtd's decoding, the public API's checks, the driver's flags, names and types, the domain.
RAW_REFUSED = [
    (205, dom() + tparams() + ints(0)),
    (205, dom() + tparams(tparam("weight", 2, 5)) + ints(4)),
    (205, dom() + tparams(tparam("cap", 2, 5)) + ints(0)),
    (205, dom() + tparams(tparam("weight", 1, 5)) + ints(0)),
    (205, dom(bytes(16), "nope") + tparams(tparam("weight", 2, 5)) + ints(0)),
    (205, dom() + tparams(tparam("device_weight", 7, "/dev/sda")) + ints(0)),
    (254, dom() + tparams(tparam("numa_mode", 2, 1)) + ints(0)),
    (254, dom() + tparams(tparam("numa_mode", 1, 9)) + ints(0)),
    (254, dom() + tparams(tparam("numa_nodeset", 7, "abc")) + ints(0)),
    (254, dom() + tparams(tparam("numa_mode", 1, 1)) + ints(8)),
    (256, dom() + xdr_string("vnet9") + tparams(tparam("inbound.average", 2, 1)) + ints(0)),
    (256, dom() + xdr_string("testnet0") + tparams(tparam("inbound.average", 1, 1)) + ints(0)),
    (256, dom() + xdr_string("testnet0") + tparams() + ints(0)),
    (252, dom() + xdr_string("vdq") + tparams(tparam("group_name", 7, "g")) + ints(0)),
    (252, dom() + xdr_string("vda") + tparams(tparam("total_bytes_sec", 2, 1)) + ints(0)),
    (252, dom() + xdr_string("vda") + tparams(tparam("group_name", 7, "g")) + ints(16)),
    (366, dom() + tparams(tparam("cmt", 1, 1)) + ints(0)),
    (366, dom() + tparams(tparam("nope", 6, 1)) + ints(0)),
    (366, dom() + tparams(tparam("cmt", 6, 1)) + ints(4)),
    (366, dom() + tparams() + ints(0)),
    (308, dom() + ints(0xffffffff, 0)), (308, dom() + ints(5, 8)), (308, dom() + ints(5, 3)),
    # the setters change one definition: LIVE and CONFIG together are refused after the list
    (205, dom() + tparams(tparam("device_weight", 7, "/dev/sda")) + ints(3)),
    (205, dom() + tparams(tparam("cap", 2, 1)) + ints(3)),
    (254, dom() + tparams(tparam("numa_mode", 1, 9)) + ints(3)),
    (256, dom() + xdr_string("vnet9") + tparams(tparam("inbound.average", 2, 1)) + ints(3)),
    (252, dom() + xdr_string("vdq") + tparams(tparam("group_name", 7, "g")) + ints(3)),
    (252, dom() + xdr_string("vdq") + tparams(tparam("group_name", 7, "g")) + ints(2)),
]


def test_refusals_match_real_libvirtd(libvirtd_sock, fake_libvirtd):
    assert_same_refusals(libvirtd_sock, start(fake_libvirtd).socket, RAW_REFUSED)
