"""The IOThread calls of fake-libvirtd (info, add, delete, pin, polling parameters, and the
iothread group of the all-domain statistics) against libvirt 9.0's test driver: the same
python3-libvirt calls on fake-libvirtd and on test:///default (in-process, fresh on every open),
and refused raw calls on the wire against the shared libvirtd (refusals change nothing there).
An IOThread without a pin runs on every CPU of the real host, on both sides."""
import os
import struct
import sys

import pytest

from conftest import BUILD, REPO
from fake_libvirtd_fixtures import assert_same_refusals
from test_fake_libvirtd_stats import both, dom, ints, outcome, start, tparam, tparams

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

libvirt = pytest.importorskip("libvirt")

LIVE, CONFIG = 1, 2
INACTIVE = 2    # VIR_DOMAIN_XML_INACTIVE


IO_XML = """<domain type='test'>
  <name>io</name>
  <uuid>5a5e1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2c</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <iothreads>4</iothreads>
  <iothreadids><iothread id='2'/><iothread id='7'/></iothreadids>
  <cputune><iothreadpin iothread='7' cpuset='1'/></cputune>
  <os><type>hvm</type></os>
</domain>"""


def iothread_stats(c):
    return sorted((d.name(), sorted(p.items())) for d, p in c.getAllDomainStats(128, 0))


def test_add_pin_info_delete(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        r = [outcome(lambda: d.ioThreadInfo(0)), outcome(lambda: d.ioThreadInfo(8))]
        for iid, flags in ((5, 0), (5, 0), (0, 0), (3, CONFIG), (7, 8), (8, LIVE | CONFIG)):
            r.append(outcome(lambda: d.addIOThread(iid, flags)))
        r += [outcome(lambda: d.ioThreadInfo(0)), outcome(lambda: d.ioThreadInfo(CONFIG)),
              outcome(lambda: d.ioThreadInfo(LIVE | CONFIG))]
        for iid, cpus, flags in ((5, (True, False, True), 0), (9, (True,), 0), (5, (False,), 0),
                                 (5, (False, True), CONFIG), (3, (False, True), CONFIG),
                                 (3, (False, True), LIVE | CONFIG), (3, (True,), 8)):
            r.append(outcome(lambda: d.pinIOThread(iid, cpus, flags)))
        r += [outcome(lambda: d.ioThreadInfo(0)), d.XMLDesc(0), d.XMLDesc(INACTIVE)]
        for iid, flags in ((5, 0), (5, 0), (0, 0), (3, CONFIG), (4, LIVE | CONFIG)):
            r.append(outcome(lambda: d.delIOThread(iid, flags)))
        r += [outcome(lambda: d.addIOThread(6, 0)), outcome(lambda: d.addIOThread(2, 0)),
              d.XMLDesc(0)]
        d.destroy()
        r += [outcome(lambda: d.addIOThread(6, LIVE)), outcome(lambda: d.ioThreadInfo(0))]
        return r
    got = both(fl.uri, scenario)
    assert got[0] == ("ok", []) and got[2] == ("ok", 0)


def test_xml_and_polling_parameters(fake_libvirtd):
    """<iothreads>/<iothreadids>/<iothreadpin> from a definition, and the test driver's own
    list of API-added IOThreads behind the polling parameters and the stats group."""
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        r = [outcome(lambda: d.addIOThread(5, 0)), outcome(lambda: d.addIOThread(3, CONFIG)),
             iothread_stats(c)]
        for iid, params, flags in ((5, {"poll_max_ns": 5, "poll_grow": 2, "poll_shrink": 3}, 0),
                                   (3, {"poll_max_ns": 5}, CONFIG),
                                   (5, {"thread_pool_min": 5}, 0), (9, {"poll_max_ns": 5}, 0),
                                   (0, {"poll_grow": 5}, 0)):
            r.append(outcome(lambda: d.setIOThreadParams(iid, params, flags)))
        r.append(iothread_stats(c))
        d.destroy()
        r.append(iothread_stats(c))
        d.create()
        r.append(iothread_stats(c))
        e = c.defineXML(IO_XML)
        r += [outcome(lambda: e.ioThreadInfo(0)), e.XMLDesc(0)]
        e.create()
        r += [outcome(lambda: e.setIOThreadParams(1, {"poll_grow": 5}, 0)), iothread_stats(c),
              outcome(lambda: e.delIOThread(7, 0)), e.XMLDesc(0)]
        return r
    got = both(fl.uri, scenario)
    assert ("iothread.5.poll-grow", 2) in got[8][0][1]


# Refused calls, compared on the wire with the shared libvirtd (nothing changes there).
def cpumap(*b):
    return struct.pack(">I", len(b)) + bytes(b) + b"\0" * (-len(b) % 4)


RAW_REFUSED = [
    (351, dom() + ints(8)), (351, dom() + ints(3)), (351, dom(bytes(16), "nope") + ints(0)),
    (355, dom() + ints(0, 0)), (355, dom() + ints(5, 8)), (355, dom() + ints(5, 3)),
    (355, dom(bytes(16), "nope") + ints(5, 0)),
    (356, dom() + ints(0, 0)), (356, dom() + ints(77, 0)), (356, dom() + ints(77, 3)),
    (356, dom() + ints(77, 16)),
    (352, dom() + ints(77) + cpumap() + ints(0)), (352, dom() + ints(77) + cpumap(1) + ints(0)),
    (352, dom() + ints(77) + cpumap(1) + ints(3)), (352, dom() + ints(77) + cpumap(1) + ints(4)),
    (402, dom() + ints(77) + tparams() + ints(0)),
    (402, dom() + ints(77) + tparams(tparam("poll_grow", 2, 1)) + ints(2)),
    (402, dom() + ints(77) + tparams(tparam("thread_pool_min", 1, 1)) + ints(0)),
    (402, dom() + ints(77) + tparams(tparam("poll_grow", 1, 1)) + ints(0)),
    (402, dom() + ints(0) + tparams(tparam("poll_grow", 2, 1)) + ints(0)),
    (402, dom() + ints(77) + tparams(tparam("poll_grow", 2, 1)) + ints(0)),
]


def test_refusals_match_real_libvirtd(libvirtd_sock, fake_libvirtd):
    assert_same_refusals(libvirtd_sock, start(fake_libvirtd).socket, RAW_REFUSED)
