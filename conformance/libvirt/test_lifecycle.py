"""Domain lifecycle on the test driver, driven by virtc, virsh and python3-libvirt."""
import os
import tempfile

import pytest

from cases import domain_xml, normalise, unique_name
from harness import run_virsh, run_virtc, lv_error


def _state(target, name):
    r = run_virsh(target, "domstate", name)
    return r.stdout.strip() if r.returncode == 0 else "gone: " + r.stderr.strip().splitlines()[-1]


@pytest.mark.procedure("DOMAIN_DEFINE_XML / CREATE / SUSPEND / RESUME / DESTROY / UNDEFINE")
@pytest.mark.parametrize("tool", ["virtc", "virsh"])
def test_lifecycle(target, record, tool):
    """define -> start -> suspend -> resume -> destroy -> undefine; the printed line and the
    state after each step are recorded."""
    run = run_virtc if tool == "virtc" else run_virsh
    name = unique_name("life")
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write(domain_xml(name))
    steps = []
    try:
        for cmd in (["define", f.name], ["start", name], ["suspend", name], ["resume", name],
                    ["destroy", name], ["undefine", name]):
            r = run(target, *cmd)
            line = normalise(r.stdout.replace(f.name, "FILE"), [name])
            steps.append({"cmd": cmd[0], "rc": r.returncode, "out": line,
                          "state": normalise(_state(target, name), [name])})
            assert r.returncode == 0, "%s %s: %s" % (tool, " ".join(cmd), r.stderr)
        record["steps"] = steps
        assert [s["state"][0] for s in steps] == ["shut off", "running", "paused", "running",
                                                  "shut off", steps[-1]["state"][0]]
        assert steps[-1]["state"][0].startswith("gone")
    finally:
        record["steps"] = steps
        os.unlink(f.name)
        run_virsh(target, "destroy", name)
        run_virsh(target, "undefine", name)


@pytest.mark.procedure("DOMAIN_CREATE_XML")
def test_create_transient(target, record):
    """A transient domain: running after create, gone after destroy."""
    name = unique_name("transient")
    c = target.conn
    d = c.createXML(domain_xml(name), 0)
    try:
        record["after_create"] = [d.isActive(), d.isPersistent(), d.ID() > 0]
        d.destroy()
        try:
            c.lookupByName(name)
            record["after_destroy"] = "still there"
        except Exception as exc:
            record["after_destroy"] = lv_error(exc)["code"]
    finally:
        try:
            c.lookupByName(name).destroy()
        except Exception:
            pass
    assert record["after_create"] == [1, 0, True]
    assert record["after_destroy"] == 42  # VIR_ERR_NO_DOMAIN


@pytest.mark.procedure("DOMAIN_SHUTDOWN / DOMAIN_REBOOT")
def test_shutdown_reboot(target, record):
    """The test driver stops at once on shutdown; reboot keeps it running."""
    name = unique_name("shut")
    d = target.conn.defineXML(domain_xml(name))
    try:
        d.create()
        d.reboot(0)
        record["after_reboot"] = d.state(0)
        d.shutdown()
        record["after_shutdown"] = d.state(0)
    finally:
        try:
            d.destroy()
        except Exception:
            pass
        d.undefine()
    assert record["after_reboot"][0] == 1
    assert record["after_shutdown"][0] == 5


@pytest.mark.procedure("DOMAIN_DEFINE_XML")
def test_redefine_updates(target, record):
    """Defining the same name and UUID again replaces the definition (memory changes)."""
    name = unique_name("redef")
    d = target.conn.defineXML(domain_xml(name))
    uuid = d.UUIDString()
    try:
        d2 = target.conn.defineXML(domain_xml(name, uuid=uuid, memory=262144, current=262144))
        record["max_memory"] = d2.maxMemory()
        record["same_uuid"] = d2.UUIDString() == uuid
    finally:
        d.undefine()
    assert record == {"max_memory": 262144, "same_uuid": True}


@pytest.mark.procedure("DOMAIN_SET_AUTOSTART")
def test_set_autostart(target, record):
    name = unique_name("auto")
    d = target.conn.defineXML(domain_xml(name))
    try:
        d.setAutostart(1)
        record["on"] = d.autostart()
        d.setAutostart(0)
        record["off"] = d.autostart()
    finally:
        d.undefine()
    assert (record["on"], record["off"]) == (1, 0)


@pytest.mark.procedure("DOMAIN_SET_MEMORY_FLAGS")
def test_set_memory(target, record):
    name = unique_name("mem")
    d = target.conn.defineXML(domain_xml(name))
    try:
        d.create()
        d.setMemory(32768)
        record["info_memory"] = d.info()[2]
    finally:
        d.destroy()
        d.undefine()
    assert record["info_memory"] == 32768


@pytest.mark.procedure("DOMAIN_EVENT_CALLBACK_LIFECYCLE")
def test_lifecycle_events(target, record):
    """Events seen by python3-libvirt for define/start/suspend/resume/destroy/undefine."""
    import threading
    import time
    libvirt = __import__("libvirt")
    name = unique_name("ev")
    seen = []
    cond = threading.Condition()

    def cb(conn, dom, event, detail, opaque):
        if dom.name() == name:
            with cond:
                seen.append([event, detail])
                cond.notify_all()

    cid = target.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
    # A round trip before the first action: the client library binds the callback to the daemon's
    # callback id only after the REGISTER reply, and drops events that come earlier. A replay
    # (replay-RELEASE targets) sends an event recorded before the reply of the call that caused it
    # right after the previous reply, i.e. possibly right after REGISTER's (docs/compatibility.md).
    target.conn.getLibVersion()
    try:
        d = target.conn.defineXML(domain_xml(name))
        d.create()
        d.suspend()
        d.resume()
        d.destroy()
        d.undefine()
        end = time.monotonic() + 15
        with cond:
            while len(seen) < 6 and time.monotonic() < end:
                cond.wait(0.5)
    finally:
        target.conn.domainEventDeregisterAny(cid)
    record["events"] = seen
    # DEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, UNDEFINED
    assert [e[0] for e in seen] == [0, 2, 3, 4, 5, 1]
