"""Helpers of the libvirt conformance suite: running virtc and virsh against a target, and a raw
RPC client (vw_wire.py) for what the clients cannot send (bogus procedures, keepalive packets)."""
import os
import pathlib
import shutil
import subprocess
import threading

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
VIRTC = BUILD / "bin" / "virtc"
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
PROC_TIMEOUT = 120

# ---- python3-libvirt with an event loop (keepalive and events need one) --------------------------

_loop_lock = threading.Lock()
_loop_started = False


def libvirt_module():
    """python3-libvirt, with the default event loop registered and running in a daemon thread."""
    global _loop_started
    import libvirt
    with _loop_lock:
        if not _loop_started:
            libvirt.registerErrorHandler(lambda ctx, err: None, None)
            libvirt.virEventRegisterDefaultImpl()

            def run():
                while True:
                    libvirt.virEventRunDefaultImpl()
            threading.Thread(target=run, name="libvirt-events", daemon=True).start()
            _loop_started = True
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


# ---- a raw wire client (for what the clients cannot send): vw_wire.py, shared with the tests ----

from vw_wire import (CALL, ERROR, KEEPALIVE_PROGRAM, MESSAGE, OK, REMOTE_PROGRAM,  # noqa: E402,F401
                     REPLY, RawConn, xdr_string)
import vw_wire  # noqa: E402


def decode_error(b):
    """The remote_error of an ERROR reply as the cases record it: code, domain, message, level."""
    return vw_wire.decode_error(b, full=False)
