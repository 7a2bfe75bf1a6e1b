"""The client library's generated typed functions (proto/gen_client.py, docs/client-library.md).

- Every CALL row of proto/procedures.list has its function: exported by the built library,
  declared in the generated header; event and stream rows have none.
- A sample from every family (host, domains, stats and tuning, snapshots, the QEMU program,
  networks, storage pools and volumes, interfaces, node devices) called through the typed
  functions (tests/unit/test_client_typed.c --dump) against fake-libvirtd and the real libvirtd:
  the parsed replies, and the errors, are what python3-libvirt reads from the same daemon.
"""
import json
import os
import subprocess
import sys

import libvirt
import libvirt_qemu

from conftest import BUILD, REPO

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

PROBE = BUILD / "tests" / "test_client_typed"


def table_rows():
    with open(REPO / "proto" / "procedures.list") as f:
        for line in f:
            parts = line.split("#", 1)[0].split()
            if parts:
                yield parts[0], parts[2], set(parts[3:])


def test_every_call_row_has_its_function():
    header = (BUILD / "gen" / "vw_client_procs.h").read_text()
    nm = subprocess.run(["nm", "-D", "--defined-only", str(BUILD / "lib" / "libvirtwire.so")],
                        capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1] for line in nm.splitlines() if " T " in line}
    calls = missing = 0
    for prog, name, flags in table_rows():
        func = "vw_%s_%s" % (prog.lower(), name.lower())
        if "event" in flags or "stream" in flags:
            assert func not in exported and " %s(" % func not in header, func
            continue
        calls += 1
        if func not in exported or " %s(vw_conn *conn" % func not in header:
            missing += 1
            print("no function for %s %s" % (prog, name))
    assert missing == 0
    assert calls >= 400     # 466 rows less events and streams, as of libvirt 12.6


def probe(uri):
    out = subprocess.run([str(PROBE), "--dump", uri], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def error(e):
    return {"code": e.get_error_code(), "domain": e.get_error_domain(),
            "message": e.get_error_message()}


def attempt(fn, wrap=True):
    """fn()'s value, or the error as the probe writes it ({"error": ...} for a whole family)."""
    try:
        return fn()
    except libvirt.libvirtError as e:
        return {"error": error(e)} if wrap else error(e)


def pool_entry(pool):
    try:
        state, capacity, allocation, available = pool.info()
        entry = {"state": state, "capacity": capacity, "allocation": allocation,
                 "available": available}
    except libvirt.libvirtError as e:
        entry = {"error": error(e)}
    try:
        entry["volumes"] = {v.name(): attempt(lambda v=v: dict(zip(
            ("type", "capacity", "allocation"), v.info())), wrap=False)
            for v in pool.listAllVolumes()}
    except libvirt.libvirtError as e:
        entry["volumes"] = error(e)
    return entry


def python_view(uri):
    """What python3-libvirt reads for the same calls, in the probe's shape."""
    conn = libvirt.open(uri)
    try:
        info = conn.getInfo()
        view = {"type": conn.getType(), "num_of_domains": conn.numOfDomains(),
                "node_info": dict(zip(("model", "memory", "cpus", "mhz", "nodes", "sockets",
                                       "cores", "threads"), info))}
        dom = conn.lookupByName("test")
        view["domain_info"] = dict(zip(("state", "maxMem", "memory", "nrVirtCpu"), dom.info()))
        view["scheduler_parameters"] = attempt(dom.schedulerParameters)
        view["domain_stats"] = attempt(lambda: {d.name(): s for d, s in conn.domainListGetStats(
            [dom], libvirt.VIR_DOMAIN_STATS_STATE)})
        view["snapshots"] = attempt(lambda: [s.getName() for s in dom.listAllSnapshots()])
        view["qemu_monitor_command"] = attempt(
            lambda: libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"stop"}', 0))
        view["missing_domain"] = attempt(lambda: conn.lookupByName("vw-typed-no-such-domain"))
        view["networks"] = attempt(lambda: {n.name(): attempt(n.bridgeName, wrap=False)
                                            for n in conn.listAllNetworks()})
        view["pools"] = attempt(lambda: {p.name(): pool_entry(p)
                                         for p in conn.listAllStoragePools()})
        view["interfaces"] = attempt(lambda: {i.name(): i.MACString()
                                              for i in conn.listAllInterfaces()})
        view["node_devices"] = attempt(lambda: {d.name(): {
            "parent": attempt(d.parent, wrap=False), "caps": attempt(d.listCaps, wrap=False)}
            for d in conn.listAllDevices()})
        return view
    finally:
        conn.close()


def normalise(view, wire=False):
    view = json.loads(json.dumps(view))
    # python-libvirt's getInfo gives the node's memory in MiB, the wire in KiB
    if wire and isinstance(view.get("node_info"), dict) and "memory" in view["node_info"]:
        view["node_info"]["memory"] //= 1024
    for entry in (view.get("node_devices") or {}).values():
        if isinstance(entry, dict) and isinstance(entry.get("caps"), list):
            entry["caps"] = sorted(entry["caps"], key=str)
    if isinstance(view.get("snapshots"), list):
        view["snapshots"].sort()
    return view


def compare(uri, tries=3):
    """The daemon may be shared with other clients: a difference is retried before it counts."""
    for n in range(tries):
        mine, theirs = normalise(probe(uri), wire=True), normalise(python_view(uri))
        if mine == theirs or n == tries - 1:
            break
    for key in sorted(set(mine) | set(theirs)):
        assert mine.get(key) == theirs.get(key), key
    return mine


def test_typed_functions_against_fake(fake_libvirtd):
    fl = fake_libvirtd()
    view = compare(fl.uri)
    assert view["type"] == "TEST"
    assert view["domain_info"]["nrVirtCpu"] == 2


def test_typed_functions_against_real_libvirtd(libvirtd_sock):
    view = compare("test+unix:///default?socket=%s" % libvirtd_sock)
    assert view["type"] == "TEST"
    assert view["missing_domain"]["error"]["code"] == libvirt.VIR_ERR_NO_DOMAIN
    assert view["qemu_monitor_command"]["error"]["code"] == libvirt.VIR_ERR_NO_SUPPORT
