"""Fixtures and helpers for the fake-libvirtd integration tests.

- FakeLibvirtd: the plugin's FakeLibvirtd on private sockets in a temporary directory of its own;
  stop() sends SIGTERM and returns the exit code and standard error for the test to check.
- virsh_session() runs one virsh process with several commands separated by ';' (one connection,
  so the test driver's state lives for the whole sequence on both daemons).
- normalise_ids() removes what legitimately differs between two daemons: UUIDs that were
  generated, domain ids of other domains (the real daemon's test driver is shared with other
  tests, so its id counter moves), CPU time (wall clock).
- RawClient speaks the wire protocol directly for the protocol-level tests (the raw client of
  pytest_virtwire.wire, shared with the conformance suite).
"""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time

from pytest_virtwire import process, wire

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
FAKE = BUILD / "bin" / "fake-libvirtd"
os.environ.setdefault("VW_BUILD", str(BUILD))   # where the plugin finds fake-libvirtd
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
TIMEOUT = 60

REMOTE = 0x20008086
QEMU = 0x20008087
KEEPALIVE = 0x6B656570


def clean_env():
    env = dict(os.environ)
    env.pop("LIBVIRT_DEFAULT_URI", None)
    env.pop("VIRSH_DEFAULT_CONNECT_URI", None)
    env["LC_ALL"] = "C"
    return env


class FakeLibvirtd(process.FakeLibvirtd):
    """The plugin's FakeLibvirtd (pytest_virtwire.process) in a private directory of its own, with
    a read-only socket (.sock, .ro_sock, .uri, .ro_uri) and no admin socket; state is the text of
    a --state file. stop() sends SIGTERM and returns (exit code, stderr) for the test to check."""

    def __init__(self, extra_args=(), state=None):
        workdir = tempfile.mkdtemp(prefix="vw-fl-")
        self.owns_workdir = True
        try:
            super().__init__(workdir, name="fl", state=state, extra_args=extra_args, admin=False,
                             readonly_socket=True)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        self.sock, self.ro_sock = self.socket, self.ro_socket

    def stop(self):
        """SIGTERM; returns (exit code, stderr)."""
        return self.terminate()


def run_virsh(uri, command, readonly=False, timeout=TIMEOUT):
    cmd = [VIRSH]
    if readonly:
        cmd.append("-r")
    cmd += ["-c", uri, command]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=clean_env())


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CPU = re.compile(r"^(CPU time:\s+).*$", re.M)


def normalise_ids(text, keep_uuids=("6695eb01-f6a4-8304-79aa-97f2502e193f",)):
    """Generated UUIDs -> <uuid>, CPU time -> <cpu>, ids of domains other than `test` -> <id>."""
    text = _UUID.sub(lambda m: m.group(0) if m.group(0) in keep_uuids else "<uuid>", text)
    text = _CPU.sub(r"\1<cpu>", text)
    out = []
    for line in text.split("\n"):
        # list rows: " 12   name   running"
        m = re.match(r"^ (\s*)(\d+|-)(\s+)(\S+)(\s+.*)$", line)
        if m and m.group(4) != "test" and m.group(2) != "-":
            line = " %s<id>%s%s%s" % (m.group(1), m.group(3), m.group(4), m.group(5))
        line = re.sub(r"^(Id:\s+)\d+$", r"\1<id>", line)
        line = re.sub(r"<domain type='(\w+)' id='\d+'>", r"<domain type='\1' id='<id>'>", line)
        out.append(line)
    return "\n".join(out)


def list_rows(text, names):
    """Keeps the header and the rows of `virsh list` output that name one of names."""
    keep = []
    for line in text.split("\n"):
        parts = line.split()
        if len(parts) >= 2 and parts[1] in names:
            keep.append(line.strip())
    return keep


# ---- raw wire client: the plugin's pytest_virtwire.wire, shared with the conformance suite ----

xdr_string = wire.xdr_string
_opt_string = wire._opt_string
decode_error = wire.decode_error  # the whole remote_error (code ... int2, net, trailing)


class RawClient(wire.RawConn):
    """wire.RawConn with this file's shorter default timeout."""

    def __init__(self, path, timeout=10):
        super().__init__(path, timeout)


def refusals(path, calls, ok=lambda proc, body: (proc, "OK", 0, "")):
    """(procedure, code, domain, message) for each (procedure, payload) call on one connection;
    ok(procedure, payload) for a call that succeeded."""
    conn = RawClient(path)
    out = []
    try:
        conn.open()
        for serial, (proc, payload) in enumerate(calls, 10):
            hdr, body = conn.call(proc, serial, payload)
            if hdr[5] == 0:
                out.append(ok(proc, body))
            else:
                e = decode_error(body)
                out.append((proc, e["code"], e["domain"], e["message"]))
    finally:
        conn.close()
    return out


def assert_same_refusals(real_path, fake_path, calls):
    """Calls that the real daemon refuses (so they change nothing on a shared one) get the same
    refusals from the fake."""
    real, fake = refusals(real_path, calls), refusals(fake_path, calls)
    assert all(r[1] != "OK" for r in real), real
    diffs = ["%r:\n  real %r\n  fake %r" % (c[1].hex(), r, f)
             for c, r, f in zip(calls, real, fake) if r != f]
    assert not diffs, "\n".join(diffs)


def wait_for(predicate, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def tcp_port(pid):
    """The TCP port a process listens on (port 0 was given): from /proc, no tools."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                return int(fields[1].split(":")[1], 16)
    raise AssertionError("process %d listens on no TCP port" % pid)
