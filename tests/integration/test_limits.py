"""Hostile peers, bounded memory (issue 13): the fakes' limits against peers that flood, hold
half-sent packets, run them out of descriptors or pile up calls. The fakes are started through
the project's pytest plugin (pytest-plugin/pytest_virtwire/); raw libvirt RPC comes from the
shared wire client (pytest_virtwire.wire, via fake_libvirtd_fixtures).

Memory and CPU are read from /proc/PID/status (VmRSS) and /proc/PID/stat (utime + stime) of the
fake the fixture started; the bounds are generous so that they hold on a loaded machine and
still fail by a wide margin on the unbounded code they guard against.
"""
import os
import resource
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import BUILD
from fake_libvirtd_fixtures import RawClient, decode_error, wait_for, xdr_string

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd, fake_qemu, find_binary  # noqa: E402,F401
from pytest_virtwire.process import rss_kib  # noqa: E402  (VmRSS of a pid, in KiB)

DEFINE_XML = 11
CONNECT_GET_HOSTNAME = 59
MiB = 1 << 20


def cpu_seconds(pid):
    """utime + stime of the process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def small_asan_quarantine(monkeypatch):
    """Under ASan (VW_BUILD=build/asan) freed memory stays resident in a 256 MB quarantine, which
    says nothing about what the fake keeps; a 16 MB quarantine keeps the RSS bounds meaningful.
    Plain builds ignore ASAN_OPTIONS."""
    opts = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", (opts + ":" if opts else "") + "quarantine_size_mb=16")


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

def test_journal_flood_on_readonly_socket_stays_bounded(small_asan_quarantine, fake_libvirtd):
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


# ---- 3. libvirtd's client limits and the memory budget ----------------------------------------

def no_reply_within(c, seconds):
    """True when nothing arrives on c for `seconds` (the daemon did not take the call). Under load
    this can only pass wrongly, never fail wrongly."""
    c.sock.settimeout(seconds)
    try:
        return not c.sock.recv(1, socket.MSG_PEEK)
    except socket.timeout:
        return True
    finally:
        c.sock.settimeout(10)


def test_max_client_requests_stops_reading_a_client_until_a_call_is_answered(fake_libvirtd):
    """Five GET_HOSTNAME calls delayed by a stub fill max_client_requests (5): the sixth call, a
    quick GET_TYPE sent right behind them, is read only once the first delayed one is answered.
    Without the limit it would be read and answered at once, before any delayed reply."""
    delay = 1500
    fl = fake_libvirtd(scenario={"stubs": [{
        "match": {"procedure": "CONNECT_GET_HOSTNAME"},
        "answer": {"reply": {"ret": {"hostname": "slow"}}, "delay_ms": delay}}]})
    c = RawClient(fl.socket, timeout=30)
    try:
        open_call(c)
        fl.admin.reset_journal()
        for serial in range(10, 15):
            c.send(CONNECT_GET_HOSTNAME, serial)
        c.send(3, 15)                                   # CONNECT_GET_TYPE
        serials = [c.recv()[0][4] for _ in range(6)]
    finally:
        c.close()
    assert sorted(serials) == list(range(10, 16)) and serials[0] != 15, serials
    entries = fl.admin.journal()["entries"]
    assert [e["name"] for e in entries] == ["CONNECT_GET_HOSTNAME"] * 5 + ["CONNECT_GET_TYPE"]
    waited = entries[5]["time_ms"] - entries[0]["time_ms"]
    assert waited >= delay - 50, "the 6th call was read %d ms after the 1st" % waited


def test_max_client_requests_option(fake_libvirtd):
    fl = fake_libvirtd(extra_args=["--max-client-requests", "1"], scenario={"stubs": [{
        "match": {"procedure": "CONNECT_GET_HOSTNAME"},
        "answer": {"reply": {"ret": {"hostname": "slow"}}, "delay_ms": 800}}]})
    c = RawClient(fl.socket, timeout=30)
    try:
        open_call(c)
        c.send(CONNECT_GET_HOSTNAME, 10)
        c.send(3, 11)
        assert [c.recv()[0][4] for _ in range(2)] == [10, 11]
    finally:
        c.close()


def test_max_anonymous_clients_holds_new_clients_until_one_authenticates(fake_libvirtd):
    fl = fake_libvirtd(extra_args=["--max-anonymous-clients", "3"])
    silent = [RawClient(fl.socket) for _ in range(3)]
    late = RawClient(fl.socket)
    try:
        assert wait_for(lambda: stderr_lines(fl, "--max-anonymous-clients 3"))
        late.send(66, 1)                                # AUTH_LIST, waits in the backlog
        assert no_reply_within(late, 0.5)
        assert len(stderr_lines(fl, "--max-anonymous-clients 3")) == 1   # once, not per wake-up
        hdr, body = silent[0].call(66, 1)               # one of them authenticates ...
        assert hdr[5] == 0
        hdr, body = late.recv()                         # ... and the late one is accepted
        assert hdr[4] == 1 and hdr[5] == 0
    finally:
        for c in silent + [late]:
            c.close()


def test_real_clients_are_not_held_by_max_anonymous_clients(fake_libvirtd):
    """python3-libvirt (a peer we did not write) does AUTH_LIST right after connecting, so with
    --max-anonymous-clients 1 many of its connections at once still all open."""
    libvirt = pytest.importorskip("libvirt")
    fl = fake_libvirtd(extra_args=["--max-anonymous-clients", "1"])
    conns, names = [], []

    def open_all():                 # a held daemon would block libvirt.open: bounded by join
        for _ in range(8):
            conns.append(libvirt.open(fl.uri))
        names.extend(c.getHostname() for c in conns)

    worker = threading.Thread(target=open_all, daemon=True)
    worker.start()
    worker.join(30)
    try:
        assert not worker.is_alive(), "libvirt.open waited: %d of 8 open" % len(conns)
        assert len(names) == 8 and all(names)
    finally:
        for c in conns:
            c.close()


def test_max_clients_stops_accepting_until_a_client_goes(fake_libvirtd):
    fl = fake_libvirtd(extra_args=["--max-clients", "3", "--max-anonymous-clients", "3"])
    opened = []
    for _ in range(3):
        c = RawClient(fl.socket)
        open_call(c)
        opened.append(c)
    late = RawClient(fl.socket)
    try:
        late.send(66, 1)
        assert no_reply_within(late, 0.5)
        assert len(stderr_lines(fl, "--max-clients 3")) == 1
        opened.pop().close()                            # one goes: the late one gets in
        hdr, body = late.recv()
        assert hdr[4] == 1 and hdr[5] == 0
        open_call(late, serial=2)
    finally:
        for c in opened + [late]:
            c.close()


@pytest.mark.parametrize("program,options", [
    ("fake-libvirtd", ["--max-clients N", "--max-anonymous-clients N", "--max-client-requests N",
                       "--memory-budget-mib N", "default 5000", "default 20", "default 5",
                       "default 64"]),
    ("fake-qemu", ["--memory-budget-mib N", "default 64"])])
def test_help_lists_the_limits(program, options):
    out = subprocess.run([find_binary(program), "--help"], capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 0
    for option in options:
        assert option in out.stdout, option


def test_bad_limit_options_are_refused(fake_libvirtd):
    for args, needle in ((["--max-clients", "0"], "expected an integer from 1"),
                         (["--max-clients", "10"], "must not be less than"),
                         (["--max-client-requests", "x"], "expected an integer"),
                         (["--memory-budget-mib", "0"], "expected an integer from 1")):
        with pytest.raises(RuntimeError) as e:
            fake_libvirtd(extra_args=args)
        assert needle in str(e.value), str(e.value)


def test_half_sent_packets_hit_the_memory_budget_and_others_are_served(small_asan_quarantine,
                                                                       fake_libvirtd):
    """40 opened connections each send half of a 16 MiB packet: the unbounded daemon held them
    all (over 300 MB); now the packets that would take the queued input of all clients over
    the 64 MiB budget close their connections, and a well-behaved client is served."""
    fl = fake_libvirtd()
    before = rss_kib(fl.pid)
    size = 16 * MiB
    half = struct.pack(">IIIiiIi", size, 0x20008086, 1, DEFINE_XML, 0, 7, 0) + b"x" * (size // 2)
    hostile, closed = [], 0
    try:
        for _ in range(40):
            c = RawClient(fl.socket, timeout=30)
            hostile.append(c)
            open_call(c)
            try:
                c.send_bytes(half)
            except (BrokenPipeError, ConnectionResetError):
                closed += 1
        assert hostname_works(fl.socket)
        grown = rss_kib(fl.pid) - before
        print("memory budget: VmRSS %d KiB -> %d KiB" % (before, before + grown))
        assert grown < 100 * 1024, "the daemon grew by %d KiB" % grown
        assert closed >= 30, "only %d of 40 connections were refused" % closed
        assert len(stderr_lines(fl, "memory budget")) == 1
    finally:
        for c in hostile:
            c.close()
    assert hostname_works(fl.socket)


# ---- 4. fake-qemu ------------------------------------------------------------------------------

def test_fake_qemu_closes_a_client_whose_output_exceeds_the_budget(fake_qemu):
    """A stub answers with 2 MiB of events to a client that does not read: with a 1 MiB budget
    the client is closed (one stderr line) and the next client is served."""
    events = [{"event": "VW_BIG", "data": {"blob": "x" * 40000, "n": i}} for i in range(50)]
    fq = fake_qemu(extra_args=["--memory-budget-mib", "1"], scenario={"stubs": [{
        "match": {"command": "query-status"},
        "answer": {"return": {"status": "running", "singlestep": False, "running": True},
                   "events": events}}]})
    s, greeting = qmp_greeting(fq.socket)
    try:
        s.sendall(b'{"execute":"qmp_capabilities"}\n{"execute":"query-status"}\n')
        assert wait_for(lambda: stderr_lines(fq, "memory budget"), timeout=10)
        got = b""
        while True:                 # what was written before the close, then EOF
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        assert len(got) < 2 * MiB
    finally:
        s.close()
    s, greeting = qmp_greeting(fq.socket)
    s.close()
    assert b'"QMP"' in greeting
    assert len(stderr_lines(fq, "memory budget")) == 1
