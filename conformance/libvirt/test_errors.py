"""The error code, domain and message of invalid operations, through python3-libvirt (what the
daemon sent) and through virtc against virsh (what the user sees)."""
import os
import tempfile

import pytest

from cases import domain_xml, same_error, unique_name
from harness import lv_error

# name -> (setup state of a fresh domain: None|"inactive"|"running"|"paused", operation)
OPS = {
    "start-running": ("running", lambda c, d: d.create()),
    "resume-running": ("running", lambda c, d: d.resume()),
    "suspend-inactive": ("inactive", lambda c, d: d.suspend()),
    "suspend-paused": ("paused", lambda c, d: d.suspend()),
    "resume-inactive": ("inactive", lambda c, d: d.resume()),
    "destroy-inactive": ("inactive", lambda c, d: d.destroy()),
    "shutdown-inactive": ("inactive", lambda c, d: d.shutdown()),
    "reboot-inactive": ("inactive", lambda c, d: d.reboot(0)),
    "setmem-above-max": ("inactive", lambda c, d: d.setMemoryFlags(1 << 30, 0)),
    "xml-bad-flags": ("inactive", lambda c, d: d.XMLDesc(1 << 20)),
    "undefine-twice": ("inactive", lambda c, d: (d.undefine(), d.undefine())),
    "lookup-name-missing": (None, lambda c, d: c.lookupByName("vwc-no-such-domain")),
    "lookup-uuid-missing": (None, lambda c, d: c.lookupByUUIDString(
        "11111111-2222-3333-4444-555555555555")),
    "lookup-id-missing": (None, lambda c, d: c.lookupByID(987654)),
    "define-bad-xml": (None, lambda c, d: c.defineXML("<domain")),
    "define-no-name": (None, lambda c, d: c.defineXML(
        "<domain type='test'><memory>8192</memory><os><type>hvm</type></os></domain>")),
    "define-dup-uuid": (None, lambda c, d: c.defineXML(domain_xml(
        "vwc-dup-uuid", uuid="6695eb01-f6a4-8304-79aa-97f2502e193f"))),
    "create-existing-name": (None, lambda c, d: c.createXML(domain_xml("test"), 0)),
}


def discard(d):
    """Destroys and undefines the domain d (None: nothing), whatever state the case left it in."""
    if d is None:
        return
    for cleanup in (d.destroy, d.undefine):
        try:
            cleanup()
        except Exception:
            pass


@pytest.mark.procedure("errors (python3-libvirt)")
@pytest.mark.parametrize("op", sorted(OPS))
def test_invalid_operation(target, record, op):
    """The operation fails; code/domain/message recorded (names replaced by NAME)."""
    state, fn = OPS[op]
    c = target.conn
    d = None
    name = unique_name("err")
    if state is not None:
        d = c.defineXML(domain_xml(name))
        if state in ("running", "paused"):
            d.create()
        if state == "paused":
            d.suspend()
    try:
        with pytest.raises(Exception) as ei:
            fn(c, d)
        e = lv_error(ei.value)
        e["message"] = (e["message"] or "").replace(name, "NAME")
        if d is not None:
            e["message"] = e["message"].replace(d.UUIDString(), "<uuid>")
        record["error"] = e
        assert e["code"] > 0 and e["domain"] > 0 and e["message"]
    finally:
        discard(d)


CLI_OPS = {
    "start-running": ("running", ["start", "NAME"]),
    "suspend-inactive": ("inactive", ["suspend", "NAME"]),
    "resume-running": ("running", ["resume", "NAME"]),
    "destroy-inactive": ("inactive", ["destroy", "NAME"]),
    "dominfo-missing": (None, ["dominfo", "vwc-no-such-domain"]),
    "undefine-missing": (None, ["undefine", "vwc-no-such-domain"]),
    "define-bad-xml": (None, ["define", "BADFILE"]),
}


@pytest.mark.procedure("errors (virtc vs virsh)")
@pytest.mark.parametrize("op", sorted(CLI_OPS))
def test_invalid_operation_cli(target, record, op):
    """virtc prints the same error lines as virsh for the same refused operation."""
    state, args = CLI_OPS[op]
    c = target.conn
    name = unique_name("clierr")
    d = None
    if state is not None:
        d = c.defineXML(domain_xml(name))
        if state == "running":
            d.create()
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write("<domain")
    try:
        argv = [a.replace("NAME", name).replace("BADFILE", f.name) for a in args]
        same_error(target, record, *argv, names=[name, f.name])
    finally:
        os.unlink(f.name)
        discard(d)


@pytest.mark.procedure("CONNECT_OPEN")
def test_open_missing_config(target, record):
    """Opening test:///<missing file> through the daemon fails with the daemon's error."""
    libvirt = __import__("libvirt")
    uri = target.uri.replace("test+unix:///default", "test+unix:///vwc-missing.xml")
    with pytest.raises(libvirt.libvirtError) as ei:
        libvirt.open(uri)
    record["error"] = lv_error(ei.value)
    assert record["error"]["code"] > 0
