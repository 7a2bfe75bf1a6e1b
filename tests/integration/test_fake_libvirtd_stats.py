"""The statistics and tuning family of fake-libvirtd (scheduler parameters, vCPU information,
pinning and counts) against libvirt's own test driver: the same python3-libvirt calls and the
same virsh command sequences give the same values and the same errors on fake-libvirtd and on
test:///default (opened in-process, fresh on every open, so state-changing sequences never touch
the shared daemon).

The test driver makes a vCPU's CPU time of the wall clock; it is left out of the comparisons.
"""
import os
import re
import struct

import pytest

from conftest import BUILD, run_virsh
from fake_libvirtd_fixtures import refusals, xdr_string

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

libvirt = pytest.importorskip("libvirt")

REAL = "test:///default"
NAME = "fam-stats-dom"
DOMAIN_XML = """<domain type='test'>
  <name>%s</name>
  <uuid>5a5e1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu current='2'>4</vcpu>
  <cputune><vcpupin vcpu='1' cpuset='2-3,5'/><emulatorpin cpuset='0,7'/></cputune>
  <os><type>hvm</type></os>
</domain>""" % NAME


# NODE_GET_CPU_MAP belongs to the host CPU family: python3-libvirt and virsh size their CPU maps
# with it, so the fakes here answer it as libvirtd answers the test driver's (8 CPUs, no map).
CPU_MAP = [{"match": {"procedure": "NODE_GET_CPU_MAP"},
            "answer": {"reply": {"payload_hex": "00000000 00000000 00000008"}}}]


def start(fake_libvirtd):
    return fake_libvirtd(scenario=CPU_MAP)


def outcome(fn):
    """The value, or the error as (code, domain, message)."""
    try:
        return ("ok", fn())
    except libvirt.libvirtError as e:
        return ("error", e.get_error_code(), e.get_error_domain(), e.get_error_message())


def no_time(vcpus):
    """virDomainGetVcpus' answer without the wall-clock CPU times."""
    if vcpus[0] != "ok":
        return vcpus
    info, maps = vcpus[1]
    return ("ok", ([(n, s, cpu) for n, s, _t, cpu in info], maps))


def both(fake_uri, scenario):
    out = {}
    for label, uri in (("real", REAL), ("fake", fake_uri)):
        conn = libvirt.open(uri)
        try:
            out[label] = scenario(conn)
        finally:
            conn.close()
    assert out["fake"] == out["real"]
    return out["real"]


def test_scheduler_parameters(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        return [
            outcome(d.schedulerType),
            outcome(d.schedulerParameters),
            outcome(lambda: d.schedulerParametersFlags(0)),
            outcome(lambda: d.schedulerParametersFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE)),
            outcome(lambda: d.setSchedulerParameters({"weight": 10})),
            outcome(lambda: d.setSchedulerParametersFlags({"weight": 10}, 0)),
            outcome(lambda: d.setSchedulerParametersFlags({"weight": 10},
                                                          libvirt.VIR_DOMAIN_AFFECT_CONFIG)),
            outcome(d.schedulerParameters),
        ]
    got = both(fl.uri, scenario)
    assert got[1] == ("ok", {"weight": 50})
    assert got[3][0] == "error" and "unsupported flags" in got[3][3]


def test_vcpus_pinning_and_counts(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        r = [no_time(outcome(d.vcpus)),
             outcome(lambda: d.vcpuPinInfo(0)),
             outcome(lambda: d.emulatorPinInfo(0)),
             outcome(lambda: d.pinVcpu(0, (False, True))),
             outcome(lambda: d.pinVcpu(5, (False, True))),
             outcome(lambda: d.pinVcpuFlags(0, (True,), libvirt.VIR_DOMAIN_AFFECT_LIVE)),
             outcome(lambda: d.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_LIVE)),
             outcome(lambda: d.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG)),
             no_time(outcome(d.vcpus)),
             outcome(lambda: d.pinEmulator((False, False, True), 0)),
             outcome(lambda: d.pinEmulator((False, False), 0)),
             outcome(lambda: d.pinEmulator((True,), 4)),
             outcome(lambda: d.pinEmulator((True, True), libvirt.VIR_DOMAIN_AFFECT_CONFIG)),
             outcome(lambda: d.emulatorPinInfo(0)),
             outcome(lambda: d.emulatorPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG)),
             outcome(lambda: d.setVcpus(1)),
             no_time(outcome(d.vcpus)),
             outcome(lambda: d.vcpuPinInfo(0)),
             outcome(lambda: d.setVcpus(3)),
             outcome(lambda: d.setVcpus(40)),
             outcome(lambda: d.setVcpusFlags(4, 8)),
             outcome(lambda: d.setVcpusFlags(4, libvirt.VIR_DOMAIN_AFFECT_CONFIG |
                                             libvirt.VIR_DOMAIN_VCPU_MAXIMUM)),
             outcome(lambda: d.setVcpusFlags(3, libvirt.VIR_DOMAIN_AFFECT_CONFIG)),
             outcome(lambda: d.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG |
                                          libvirt.VIR_DOMAIN_VCPU_MAXIMUM)),
             outcome(lambda: d.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG)),
             outcome(lambda: d.vcpusFlags(0)),
             outcome(lambda: d.XMLDesc(0)),
             outcome(lambda: d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))]
        d.destroy()
        r += [outcome(d.vcpus),
              outcome(lambda: d.pinVcpu(0, (True,))),
              outcome(lambda: d.vcpuPinInfo(0)),
              outcome(lambda: d.emulatorPinInfo(0)),
              outcome(lambda: d.emulatorPinInfo(libvirt.VIR_DOMAIN_AFFECT_LIVE)),
              outcome(lambda: d.setVcpus(1)),
              outcome(lambda: d.setVcpusFlags(2, libvirt.VIR_DOMAIN_AFFECT_CONFIG |
                                              libvirt.VIR_DOMAIN_VCPU_MAXIMUM)),
              outcome(lambda: d.XMLDesc(0))]
        return r
    got = both(fl.uri, scenario)
    assert got[0] == ("ok", ([(0, 1, 15), (1, 1, 15)], [(True,) * 8] * 2)) or got[0][0] == "ok"
    assert got[4][0] == "error"


def test_cputune_xml_and_offline_vcpus(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.defineXML(DOMAIN_XML)
        try:
            r = [outcome(lambda: d.vcpuPinInfo(0)),
                 outcome(lambda: d.emulatorPinInfo(0)),
                 outcome(lambda: d.XMLDesc(0))]
            d.create()
            r += [no_time(outcome(d.vcpus)),
                  outcome(lambda: d.pinVcpu(2, (True,))),
                  outcome(lambda: d.setVcpus(4)),
                  outcome(lambda: d.pinVcpu(3, (False, False, False, True))),
                  no_time(outcome(d.vcpus)),
                  outcome(lambda: d.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG)),
                  outcome(lambda: d.XMLDesc(0))]
            d.destroy()
            r.append(outcome(lambda: d.XMLDesc(0)))
            return r
        finally:
            d.undefine()
    both(fl.uri, scenario)


def virsh_lines(uri, commands):
    """One virsh process running a sequence (so state carries over on test:///default)."""
    r = run_virsh([commands], uri)
    return r.returncode, r.stdout, [l for l in r.stderr.splitlines() if l.strip()]


CPU_TIME = re.compile(r"^(CPU time:\s+)\S+", re.M)


@pytest.mark.parametrize("commands", [
    "vcpupin test",
    "vcpupin test --config",
    "vcpuinfo test",
    "emulatorpin test",
    "schedinfo test",
    "schedinfo test --set weight=20",
    "vcpucount test",
    "vcpupin test 1 3-5; vcpupin test; vcpuinfo test; dumpxml test",
    "emulatorpin test 1,3; emulatorpin test --config 2; emulatorpin test; "
    "emulatorpin test --config; dumpxml test --inactive",
    "setvcpus test 1; vcpucount test; vcpuinfo test; setvcpus test 4",
    "setvcpus test 4 --config --maximum; setvcpus test 3 --config; vcpucount test; "
    "destroy test; vcpupin test; start test; vcpuinfo test; dumpxml test",
    "vcpupin test 7 1",
    "destroy test; vcpuinfo test",
])
def test_virsh_sequences(fake_libvirtd, commands):
    fl = start(fake_libvirtd)
    real = virsh_lines(REAL, commands)
    fake = virsh_lines(fl.uri, commands)
    norm = lambda t: (t[0], CPU_TIME.sub(r"\1-", t[1]), t[2])  # noqa: E731
    assert norm(fake) == norm(real)


# ---- raw calls: libvirtd's and the public API's argument checks, compared on the wire ---------

TEST_UUID = bytes.fromhex("6695eb01f6a4830479aa97f2502e193f")


def dom(uuid=TEST_UUID, name="test"):
    return xdr_string(name) + uuid + struct.pack(">i", -1)


def ints(*v):
    return b"".join(struct.pack(">i" if x < 0 else ">I", x) for x in v)


def opaque(b):
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def tparam(field, typ, value):
    body = struct.pack(">i", value) if typ in (1, 2, 6) else xdr_string(value)
    return xdr_string(field) + struct.pack(">i", typ) + body


def tparams(*items):
    return struct.pack(">I", len(items)) + b"".join(items)


def without_vcpu_times(proc, body):
    """GET_VCPUS' reply with the wall-clock CPU times zeroed."""
    if proc != 20:
        return body
    n = struct.unpack(">I", body[:4])[0]
    b = bytearray(body)
    for i in range(n):
        b[4 + 20 * i + 8: 4 + 20 * i + 16] = bytes(8)
    return bytes(b)


# (procedure, arguments): calls that change nothing on the shared daemon
RAW_CALLS = [
    (57, dom() + ints(1)), (57, dom() + ints(0)), (57, dom() + ints(17)),
    (57, dom(bytes(16), "nope") + ints(1)),
    (223, dom() + ints(1, 0)), (223, dom() + ints(1, 3)), (223, dom() + ints(1, 4)),
    (223, dom() + ints(0, 0)),
    (58, dom() + tparams(tparam("weight", 2, 5))), (58, dom() + tparams()),
    (58, dom() + tparams(tparam("cap", 2, 5))), (58, dom() + tparams(tparam("weight", 1, 5))),
    (58, dom() + tparams(tparam("weight", 2, 5), tparam("weight", 2, 6))),
    (219, dom() + tparams(tparam("weight", 2, 5)) + ints(3)),
    (219, dom() + tparams(tparam("weight", 2, 5)) + ints(1)),
    (20, dom() + ints(2, 1)), (20, dom() + ints(5, 3)), (20, dom() + ints(0, 1)),
    (20, dom() + ints(2, 0)), (20, dom() + ints(16385, 1)), (20, dom() + ints(16384, 1000)),
    (230, dom() + ints(3, 2, 0)), (230, dom() + ints(0, 1, 0)), (230, dom() + ints(1, 0, 0)),
    (230, dom() + ints(1, 1, 3)), (230, dom() + ints(1, 1, 2)), (230, dom() + ints(16385, 1, 0)),
    (280, dom() + ints(3, 0)), (280, dom() + ints(0, 0)), (280, dom() + ints(1, 4)),
    (280, dom() + ints(1, 3)), (280, dom() + ints(1, 2)),
    (279, dom() + opaque(b"") + ints(0)), (279, dom() + opaque(b"\0") + ints(0)),
    (279, dom() + opaque(b"\1") + ints(4)), (279, dom() + opaque(b"\1") + ints(3)),
    (26, dom() + ints(9) + opaque(b"\1")), (26, dom() + ints(0) + opaque(b"")),
    (225, dom() + ints(0) + opaque(b"\1") + ints(1)),
    (32, dom() + ints(0)), (32, dom() + ints(40)), (32, dom() + ints(3)),
    (199, dom() + ints(2, 4)), (199, dom() + ints(2, 8)), (199, dom() + ints(70000, 0)),
    (199, dom() + ints(3, 2)),
    (200, dom() + ints(0)), (200, dom() + ints(3)), (200, dom() + ints(8)), (200, dom() + ints(6)),
    (262, dom() + ints(0, -1, 1, 0)), (262, dom() + ints(3, -1, 1, 0)),
    (262, dom() + ints(5, -1, 1, 0)),
    (262, dom() + ints(2, -1, 1, 0)), (262, dom() + ints(3, -1, 2, 0)),
    (262, dom() + ints(0, 0, 0, 0)),
    (262, dom() + ints(0, 0, 1, 0)), (262, dom() + ints(2, 0, 2, 0)),
    (262, dom() + ints(2, 1, 3, 0)),
    (262, dom() + ints(1, 0, 2, 0)), (262, dom() + ints(2, 5, 1, 0)),
    (262, dom() + ints(2, -2, 1, 0)),
    (262, dom() + ints(2, 0, 2, 1)), (262, dom() + ints(2049, 0, 1, 0)),
    (262, dom() + ints(1, 0, 129, 0)),
    (263, dom() + ints(0, 0)), (263, dom() + ints(1, 0)), (263, dom() + ints(5, 0)),
    (263, dom() + ints(1, 1)), (263, dom() + ints(257, 0)),
    (159, dom() + ints(0, 0)), (159, dom() + ints(3, 0)), (159, dom() + ints(13, 0)),
    (159, dom() + ints(20, 0)), (159, dom() + ints(5, 1)), (159, dom() + ints(1025, 0)),
    (194, dom() + xdr_string("vda") + ints(0)), (194, dom() + xdr_string("vdq") + ints(0)),
    (194, dom() + xdr_string("vda") + ints(2)), (194, dom() + xdr_string("") + ints(0)),
    (198, dom() + ints(0, 0)), (198, dom() + ints(2, 0)), (198, dom() + ints(5, 4)),
    (198, dom() + ints(17, 0)), (198, dom() + ints(-1, 0)), (198, dom() + ints(3, 3)),
    (198, dom() + ints(3, 8)), (255, dom() + ints(2, 0)), (255, dom() + ints(2, 4)),
    (255, dom() + ints(0, 0)), (206, dom() + ints(6, 0)), (206, dom() + ints(6, 4)),
    (206, dom() + ints(3, 4)), (206, dom() + ints(0, 1)),
    (257, dom() + xdr_string("testnet0") + ints(7, 0)), (257, dom() + xdr_string("x") + ints(7, 0)),
    (257, dom() + xdr_string("x") + ints(0, 0)), (257, dom() + xdr_string("testnet0") + ints(3, 0)),
    (253, dom() + ints(1) + xdr_string("vda") + ints(20, 4)),
    (253, dom() + ints(1) + xdr_string("vda") + ints(20, 0)),
    (253, dom() + ints(1) + xdr_string("vda") + ints(0, 0)),
    (253, dom() + ints(0) + ints(20, 4)), (253, dom() + ints(1) + xdr_string("vdq") + ints(20, 4)),
    (253, dom() + ints(1) + xdr_string("vda") + ints(33, 4)),
    (365, dom() + ints(0)), (365, dom() + ints(4)), (365, dom() + ints(3)), (365, dom() + ints(8)),
    (197, dom() + tparams() + ints(0)),
    (197, dom() + tparams(tparam("hard_limit", 2, 5)) + ints(0)),
    (197, dom() + tparams(tparam("cap", 2, 5)) + ints(0)),
    (197, dom() + tparams(tparam("weight", 2, 5)) + ints(4)),
]


def raw_answers(path):
    return refusals(path, RAW_CALLS,
                    ok=lambda proc, body: (proc, "OK", without_vcpu_times(proc, body)))


def test_raw_arguments_match_real_libvirtd(libvirtd_sock, fake_libvirtd):
    fl = start(fake_libvirtd)
    real = raw_answers(libvirtd_sock)
    fake = raw_answers(fl.socket)
    diffs = ["procedure %d args %s:\n  real %r\n  fake %r" % (call[0], call[1].hex(), r, f)
             for call, r, f in zip(RAW_CALLS, real, fake) if f != r]
    assert not diffs, "\n".join(diffs)


# ---- all-domain statistics -------------------------------------------------------------------

def stats_of(records):
    """(name, params) pairs, sorted: the test driver lists domains in its hash table's order."""
    return sorted((d.name(), p) for d, p in records)


def test_all_domain_stats(fake_libvirtd):
    fl = start(fake_libvirtd)
    enforce = libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS

    def scenario(c):
        d = c.lookupByName("test")
        calls = [lambda: c.getAllDomainStats(0, 0),
                 lambda: c.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE, enforce),
                 lambda: c.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_IOTHREAD, enforce),
                 lambda: c.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_CPU_TOTAL, 0),
                 lambda: c.getAllDomainStats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE),
                 lambda: c.getAllDomainStats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING),
                 lambda: c.getAllDomainStats(0, 1 << 29 | 1 << 30),
                 lambda: c.domainListGetStats([d], 0, 0),
                 lambda: c.domainListGetStats(
                     [d], 0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF)]
        r = [outcome(lambda f=f: stats_of(f())) for f in calls]
        r += [outcome(lambda b=b: stats_of(c.getAllDomainStats(1 << b, enforce)))
              for b in range(1, 12)]
        r.append(outcome(lambda: c.getAllDomainStats(0, 0x100)))
        d2 = c.defineXML(DOMAIN_XML)
        r.append(outcome(lambda: stats_of(c.getAllDomainStats(0, 0))))
        r.append(outcome(lambda: [(x.name(), p) for x, p in c.domainListGetStats([d2, d], 0, 0)]))
        r.append(outcome(lambda: [(x.name(), p) for x, p in c.domainListGetStats([d, d2], 0, 0)]))
        d2.undefine()
        r.append(outcome(lambda: [(x.name(), p) for x, p in c.domainListGetStats([d2, d], 0, 0)]))
        d.destroy()
        r.append(outcome(lambda: stats_of(c.getAllDomainStats(0, 0))))
        return r
    got = both(fl.uri, scenario)
    assert got[0] == ("ok", [("test", {"state.state": 1, "state.reason": 0})])


@pytest.mark.parametrize("commands", [
    "domstats",
    "domstats test",
    "domstats --raw --state --cpu-total --balloon --vcpu --interface --block test",
    "domstats --enforce --cpu-total",
    "domstats --list-inactive; domstats --list-active --list-persistent",
    "destroy test; domstats; domstats --state --list-shutoff; domstats --list-running",
    "suspend test; domstats --list-paused; domstats test",
])
def test_virsh_domstats(fake_libvirtd, commands):
    fl = start(fake_libvirtd)
    assert virsh_lines(fl.uri, commands) == virsh_lines(REAL, commands)


def test_virsh_domstats_defined_and_started(fake_libvirtd):
    fl = start(fake_libvirtd)
    path = "/tmp/%s-%d.xml" % (NAME, os.getpid())
    with open(path, "w") as f:
        f.write(DOMAIN_XML)
    try:
        commands = ("define %s; domstats %s; start %s; domstats %s; domstats --list-active %s test"
                    % (path, NAME, NAME, NAME, NAME))
        assert virsh_lines(fl.uri, commands) == virsh_lines(REAL, commands)
    finally:
        os.unlink(path)


# ---- device and CPU statistics ----------------------------------------------------------------

def clock_free(result):
    """Block and interface statistics are made of the wall clock: keep their shape only."""
    return ("ok", len(result[1])) if result[0] == "ok" else result


def test_device_and_cpu_stats(fake_libvirtd):
    fl = start(fake_libvirtd)

    def scenario(c):
        d = c.lookupByName("test")
        r = [clock_free(outcome(lambda: d.blockStats("vda"))),
             clock_free(outcome(lambda: d.blockStats("/guest/diskimage1"))),
             outcome(lambda: d.blockStats("vdz")),
             outcome(lambda: d.blockStats("")),
             clock_free(outcome(lambda: d.interfaceStats("testnet0"))),
             clock_free(outcome(lambda: d.interfaceStats("aa:bb:cc:dd:ee:ff"))),
             outcome(lambda: d.interfaceStats("eth9")),
             outcome(lambda: d.interfaceStats("00:11:22:33:44:55")),
             outcome(d.diskErrors),
             outcome(lambda: d.diskErrors(1)),
             outcome(lambda: d.getCPUStats(True)),
             outcome(lambda: d.getCPUStats(False)),
             outcome(lambda: d.getCPUStats(True, 1)),
             outcome(d.memoryStats),
             outcome(lambda: d.blockInfo("vda")),
             outcome(lambda: d.blockInfo("/guest/diskimage1")),
             outcome(lambda: d.blockInfo("vdq")),
             outcome(lambda: d.blockInfo("vda", 1)),
             outcome(lambda: d.setMemory(1000000)),
             outcome(d.memoryStats)]
        d.destroy()
        r += [outcome(lambda: d.blockStats("vda")), outcome(lambda: d.interfaceStats("testnet0")),
              outcome(d.diskErrors), outcome(lambda: d.getCPUStats(True)),
              outcome(d.memoryStats), outcome(lambda: d.blockInfo("vda"))]
        return r
    got = both(fl.uri, scenario)
    assert got[10] == ("ok", [{"cpu_time": 48772617035, "user_time": 5540000000,
                               "system_time": 6460000000}])


def test_block_stats_follow_the_clock(fake_libvirtd):
    """The values grow with the wall clock as the test driver's: rd_req is microseconds / 10."""
    import time
    fl = start(fake_libvirtd)
    conn = libvirt.open(fl.uri)
    try:
        before = int(time.time() * 1e6) // 10
        rd_req = conn.lookupByName("test").blockStats("vda")[0]
        after = int(time.time() * 1e6) // 10
        assert before <= rd_req <= after
    finally:
        conn.close()


@pytest.mark.parametrize("commands", [
    "domblkstat test vda",
    "domifstat test testnet0",
    "domblkerror test",
    "cpu-stats test",
    "cpu-stats test --total",
    "cpu-stats test --start 1 --count 5",
    "cpu-stats test --start 7",
    "domblkstat test vdq; domifstat test nope",
    "dommemstat test",
    "domblkinfo test vda; domblkinfo test --all; domblkinfo test vdx",
    "setmem test 1000000; dommemstat test; destroy test; dommemstat test; domblkinfo test vda",
])
def test_virsh_stats_commands(fake_libvirtd, commands):
    fl = start(fake_libvirtd)
    digits = re.compile(r"\d{6,}")
    norm = lambda t: (t[0], digits.sub("N", t[1]), t[2])  # noqa: E731
    assert norm(virsh_lines(fl.uri, commands)) == norm(virsh_lines(REAL, commands))


# ---- tuning parameters (read side) -------------------------------------------------------------

def test_tuning_parameters(fake_libvirtd):
    fl = start(fake_libvirtd)
    live, config = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG

    def scenario(c):
        d = c.lookupByName("test")
        r = []
        for flags in (0, live, config, 8):
            r += [outcome(lambda: d.memoryParameters(flags)),
                  outcome(lambda: d.numaParameters(flags)),
                  outcome(lambda: d.blkioParameters(flags)),
                  outcome(lambda: d.interfaceParameters("testnet0", flags)),
                  outcome(lambda: d.interfaceParameters("aa:bb:cc:dd:ee:ff", flags)),
                  outcome(lambda: d.interfaceParameters("nope", flags)),
                  outcome(lambda: d.blockIoTune("vda", flags)),
                  outcome(lambda: d.blockIoTune("/guest/diskimage1", flags)),
                  outcome(lambda: d.blockIoTune("vdq", flags)),
                  outcome(lambda: d.perfEvents(flags))]
        d.destroy()
        r += [outcome(lambda: d.memoryParameters(live)), outcome(lambda: d.perfEvents(live)),
              outcome(lambda: d.numaParameters(0)), outcome(lambda: d.blockIoTune("vda", 0))]
        return r
    got = both(fl.uri, scenario)
    assert got[0] == ("ok", {"hard_limit": 9007199254740991, "soft_limit": 9007199254740991,
                             "swap_hard_limit": 9007199254740991})


def test_memtune_in_the_domain_xml(fake_libvirtd):
    fl = start(fake_libvirtd)
    xml = DOMAIN_XML.replace("<vcpu", "<memtune><hard_limit unit='MiB'>2</hard_limit>"
                             "<swap_hard_limit>4096</swap_hard_limit></memtune><vcpu")

    def scenario(c):
        d = c.defineXML(xml)
        try:
            return [outcome(lambda: d.memoryParameters(0)), outcome(lambda: d.XMLDesc(0)),
                    outcome(lambda: d.setMemoryParameters({"soft_limit": 3}, 0)),
                    outcome(lambda: d.setMemoryParameters({"hard_limit": 5000}, 0)),
                    outcome(lambda: d.memoryParameters(0))]
        finally:
            d.undefine()
    both(fl.uri, scenario)


@pytest.mark.parametrize("commands", [
    "memtune test", "numatune test", "blkiotune test", "domiftune test testnet0",
    "memtune test --hard-limit 1000 --soft-limit 500 --swap-hard-limit 2000; dumpxml test; "
    "memtune test --config --hard-limit 5000; memtune test --config; memtune test --hard-limit -1; "
    "memtune test; memtune test --config --soft-limit 7; dumpxml test --inactive; destroy test; "
    "memtune test; memtune test --live --hard-limit 1",
    "memtune test --soft-limit 0; memtune test; dumpxml test",
    "blkdeviotune test vda", "perf test", "memtune test --config; blkdeviotune test vdq",
])
def test_virsh_tuning_commands(fake_libvirtd, commands):
    fl = start(fake_libvirtd)
    assert virsh_lines(fl.uri, commands) == virsh_lines(REAL, commands)


def test_stubs_match_the_family_arguments(fake_libvirtd):
    """Scenario stubs decode this family's arguments with the table made of its .x structs
    (CONNECT_GET_ALL_DOMAIN_STATS' start with an array, which the stubs' walker does not
    describe: those match on the procedure and the raw bytes)."""
    fl = fake_libvirtd(scenario=CPU_MAP + [
        {"match": {"procedure": "DOMAIN_GET_SCHEDULER_PARAMETERS", "args": {"nparams": 1}},
         "answer": {"error": {"code": 1, "domain": 12, "message": "internal error: stubbed"}}},
        {"match": {"procedure": "CONNECT_GET_ALL_DOMAIN_STATS",
                   "args_hex_prefix": "00000000 00000001"},
         "answer": {"error": {"code": 1, "domain": 12, "message": "internal error: no stats"}}},
    ])
    conn = libvirt.open(fl.uri)
    try:
        d = conn.lookupByName("test")
        assert outcome(d.schedulerParameters) == ("error", 1, 12, "internal error: stubbed")
        assert outcome(lambda: conn.getAllDomainStats(1, 0)) == (
            "error", 1, 12, "internal error: no stats")
        assert stats_of(conn.getAllDomainStats(0, 0)) == [
            ("test", {"state.state": 1, "state.reason": 0})]
    finally:
        conn.close()
