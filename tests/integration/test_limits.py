"""Hostile peers, bounded memory (issue 13): the fakes' limits against peers that flood, hold
half-sent packets, run them out of descriptors or pile up calls. The fakes are started through
the project's pytest plugin (pytest-plugin/pytest_virtwire.py); raw libvirt RPC comes from the
shared wire client (conformance/libvirt/vw_wire.py, via fake_libvirtd_fixtures).

Memory and CPU are read from /proc/PID/status (VmRSS) and /proc/PID/stat (utime + stime) of the
fake the fixture started; the bounds are generous so that they hold on a loaded machine and
still fail by a wide margin on the unbounded code they guard against.
"""
import os
import resource
import socket
import struct
import sys
import time

import pytest

from conftest import BUILD, REPO
from fake_libvirtd_fixtures import RawClient, decode_error, wait_for, xdr_string

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire import fake_libvirtd, fake_qemu  # noqa: E402,F401  (fixtures)

DEFINE_XML = 11
CONNECT_GET_HOSTNAME = 59
MiB = 1 << 20


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def cpu_seconds(pid):
    """utime + stime of the process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def big_define_xml(size):
    """DOMAIN_DEFINE_XML arguments: one XDR string of size bytes."""
    return xdr_string("<domain>" + "x" * (size - 17) + "</domain>")


def open_call(c, serial=1, name="test:///default"):
    hdr, body = c.call(1, serial, struct.pack(">I", 1) + xdr_string(name) + struct.pack(">I", 0))
    assert hdr[5] == 0, decode_error(body)


def hostname_works(path):
    c = RawClient(path)
    try:
        open_call(c)
        hdr, body = c.call(CONNECT_GET_HOSTNAME, 2)
        return hdr[5] == 0
    finally:
        c.close()


# ---- 1. the journal ----------------------------------------------------------------------------

def test_journal_flood_on_readonly_socket_stays_bounded(fake_libvirtd):
    """100 refused 4 MiB DEFINE_XML calls before CONNECT_OPEN on the read-only socket: the
    unbounded journal grew by about 970 MB; now each entry keeps at most 32 KiB of arguments."""
    fl = fake_libvirtd(readonly_socket=True)
    before = rss_kib(fl.pid)
    payload = big_define_xml(4 * MiB - 64)
    c = RawClient(fl.ro_socket, timeout=30)
    try:
        for i in range(100):
            hdr, body = c.call(DEFINE_XML, 10 + i, payload)
            assert hdr[5] == 1      # refused: not open / read only
    finally:
        c.close()
    grown = rss_kib(fl.pid) - before
    print("journal flood: VmRSS %d KiB -> %d KiB" % (before, before + grown))
    assert grown < 64 * 1024, "the daemon grew by %d KiB for 100 refused calls" % grown
    j = fl.admin.journal(procedure="DOMAIN_DEFINE_XML")
    assert j["matched"] == 100 and j["dropped"] == 0
    last = j["entries"][-1]
    assert last["truncated"] is True
    assert last["size"] == len(payload)
    assert len(last["args"]["xml"]) <= 32 * 1024
    assert j["bytes"] <= 32 * MiB


def test_unknown_procedure_numbers_share_one_count_key(fake_libvirtd):
    fl = fake_libvirtd()
    n = 20000
    c = RawClient(fl.socket, timeout=30)
    try:
        batch = bytearray()
        for i in range(n):
            body = struct.pack(">IIiiIi", 0x20008086, 1, 100000 + i, 0, i, 0)
            batch += struct.pack(">I", len(body) + 4) + body
        c.send_bytes(bytes(batch))
        for i in range(n):
            hdr, body = c.recv()
            assert hdr[4] == i and hdr[5] == 1
        assert decode_error(body)["message"] == "unknown procedure: %d" % (100000 + n - 1)
    finally:
        c.close()
    j = fl.admin.journal(limit=1)
    assert j["counts"]["(unknown)"] == n
    assert len(j["counts"]) == 1, sorted(j["counts"])[:5]
    assert j["entries"][0]["name"] == "PROC_%d" % (100000 + n - 1)


# ---- 2. out of descriptors -------------------------------------------------------------------

def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def stderr_lines(fake, needle):
    with open(fake.stderr_path, "rb") as f:
        return [l for l in f.read().decode(errors="replace").splitlines() if needle in l]


def cpu_over(pid, seconds=1.0):
    """CPU seconds the process used while the test waited about `seconds`."""
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - before


def test_out_of_descriptors_fake_libvirtd_rests_and_recovers(fake_libvirtd):
    """With RLIMIT_NOFILE just above what it holds, clients past the limit wait in the backlog:
    the daemon does not spin (the old loop woke at once, forever: ~1 CPU second a second), says
    so once, and serves the waiting clients when descriptors come back."""
    fl = fake_libvirtd()
    pid = fl.pid
    limit = open_fds(pid) + 4
    hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)[1]
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, hard))
    clients = [RawClient(fl.socket) for _ in range(12)]
    try:
        assert wait_for(lambda: stderr_lines(fl, "Too many open files"), timeout=10)
        spent = cpu_over(pid, 1.0)
        assert spent < 0.3, "fake-libvirtd used %.2f s of CPU in 1 s while out of fds" % spent
        assert len(stderr_lines(fl, "Too many open files")) == 1
        last = clients.pop()
        for c in clients:           # the accepted ones and those before `last` in the backlog
            c.close()
        open_call(last)             # it waited in the backlog; now it is accepted and served
        hdr, body = last.call(CONNECT_GET_HOSTNAME, 2)
        assert hdr[5] == 0
        last.close()
    finally:
        for c in clients:
            c.close()
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (hard, hard))
    assert hostname_works(fl.socket)


def qmp_greeting(path, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("fake-qemu closed the connection")
        data += chunk
    return s, data


def test_out_of_descriptors_fake_qemu_rests_and_recovers(fake_qemu):
    fq = fake_qemu()
    pid = fq.pid
    limit = open_fds(pid)
    hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)[1]
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, hard))
    waiting = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    waiting.settimeout(10)
    waiting.connect(fq.socket)
    try:
        assert wait_for(lambda: stderr_lines(fq, "Too many open files"), timeout=10)
        spent = cpu_over(pid, 1.0)
        assert spent < 0.3, "fake-qemu used %.2f s of CPU in 1 s while out of fds" % spent
        assert len(stderr_lines(fq, "Too many open files")) == 1
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (hard, hard))
        assert b'"QMP"' in waiting.recv(4096)   # accepted at the next retry: the greeting
    finally:
        waiting.close()
