"""Helpers of the libvirt conformance suite: running virtc and virsh against a target, and a raw
RPC client (pytest_virtwire.wire, shipped with the pytest plugin) for what the clients cannot send (bogus procedures, keepalive packets)."""
import os
import pathlib
import shutil
import subprocess

import pytest

from pytest_virtwire.events import start_event_loop

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
VIRTC = BUILD / "bin" / "virtc"
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
PROC_TIMEOUT = 120

# ---- python3-libvirt with an event loop (keepalive and events need one) --------------------------

def libvirt_module():
    """python3-libvirt, with the default event loop registered and running in a daemon thread."""
    import libvirt
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    start_event_loop()
    return libvirt


def lv_error(exc):
    """code / domain / message of a libvirtError, for recording and asserting."""
    return {"code": exc.get_error_code(), "domain": exc.get_error_domain(),
            "message": exc.get_error_message()}


# ---- running the clients -------------------------------------------------------------------------

def clean_env():
    env = dict(os.environ)
    env.pop("LIBVIRT_DEFAULT_URI", None)
    env.pop("VIRSH_DEFAULT_CONNECT_URI", None)
    env["LC_ALL"] = "C"
    env["LIBVIRT_AUTOSTART"] = "0"
    return env


def run_virtc(target, *args, readonly=False, timeout=PROC_TIMEOUT):
    if not os.access(str(VIRTC), os.X_OK):
        pytest.fail("%s not built (run make, or set VW_BUILD)" % VIRTC)
    cmd = [str(VIRTC), "-c", target.uri] + (["-r"] if readonly else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=clean_env())


def run_virsh(target, *args, readonly=False, timeout=PROC_TIMEOUT):
    cmd = [VIRSH] + (["-r"] if readonly else []) + ["-c", target.uri] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=clean_env())


def out_lines(text):
    lines = text.rstrip("\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def err_lines(text):
    return [line for line in text.splitlines() if line.strip()]


# ---- a raw wire client (for what the clients cannot send): pytest_virtwire.wire ----

from pytest_virtwire import wire  # noqa: E402
from pytest_virtwire.wire import (CALL, ERROR, KEEPALIVE_PROGRAM, MESSAGE, OK,  # noqa: E402,F401
                                  REMOTE_PROGRAM, REPLY, RawConn, xdr_string)


def decode_error(b):
    """The remote_error of an ERROR reply as the cases record it: code, domain, message, level."""
    return wire.decode_error(b, full=False)
