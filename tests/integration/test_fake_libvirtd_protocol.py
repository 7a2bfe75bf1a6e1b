"""fake-libvirtd at the wire level: the RPC errors libvirtd sends (compared with the real daemon
byte for byte where they do not depend on state), serial echo, keepalive, malformed input, many
clients, and the command line (ready line, SIGTERM, socket modes, bad options, --state).
"""
import json
import os
import socket
import stat
import struct
import subprocess

import pytest

from conftest import BUILD

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)
from fake_libvirtd_fixtures import (FAKE, KEEPALIVE, QEMU, REMOTE, FakeLibvirtd, RawClient,
                                    decode_error, run_virsh, xdr_string)


@pytest.fixture
def fake():
    daemon = FakeLibvirtd()
    yield daemon
    code, err = daemon.stop()
    assert code == 0, "fake-libvirtd exited %d on SIGTERM: %s" % (code, err)


def rpc_errors(path):
    """A fixed list of calls whose answers are RPC-level errors; returns the raw replies."""
    c = RawClient(path)
    out = []
    try:
        c.send(9999, 5)                       # unknown procedure, before open
        out.append(c.recv())
        c.send(23, 6, xdr_string("test"))     # driver call before CONNECT_OPEN
        out.append(c.recv())
        c.send(60, 7, struct.pack(">i", 14))  # feature other than keepalive before open
        out.append(c.recv())
        c.send(60, 8, struct.pack(">i", 10))  # keepalive feature before open: supported
        out.append(c.recv())
        c.send(66, 9)                         # AUTH_LIST
        out.append(c.recv())
        c.send(1, 10, struct.pack(">I", 1) + xdr_string("test:///default") + struct.pack(">I", 0))
        out.append(c.recv())
        c.send(23, 11, b"\0\0")               # truncated arguments
        out.append(c.recv())
        c.send(3, 12, prog=0x12345)           # unknown program
        out.append(c.recv())
        c.send(3, 13, status=1)               # CALL with a non-OK status
        out.append(c.recv())
        c.send(23, 14, xdr_string("nosuch-fl-domain"))
        out.append(c.recv())
        c.send(23, 15, xdr_string("test") + b"tail")  # trailing bytes are ignored (lenient)
        out.append(c.recv())
        c.send(1, 0, prog=KEEPALIVE, mtype=2)  # PING -> PONG
        out.append(c.recv())
        c.send(3, 16, mtype=2)                # a stray MESSAGE is ignored: next reply is 17's
        c.send(3, 17)
        out.append(c.recv())
        c.send(316, 18, struct.pack(">iI", 99, 0))   # unsupported event id
        out.append(c.recv())
        c.send(317, 19, struct.pack(">i", 777777))   # unknown callback id
        out.append(c.recv())
        c.send(1, 20, struct.pack(">I", 1) + xdr_string("test:///default") + struct.pack(">I", 0))
        out.append(c.recv())                   # already open
        c.send(3, 21)                          # ... and that dropped the hypervisor connection
        out.append(c.recv())
        c.send(1, 22, struct.pack(">I", 1) + xdr_string("test:///default") + struct.pack(">I", 0))
        out.append(c.recv())                   # a new open works again
        c.send(3, 23)
        out.append(c.recv())
    finally:
        c.close()
    return out


def test_rpc_errors_match_real_daemon(libvirtd_sock, fake):
    real = rpc_errors(libvirtd_sock)
    mine = rpc_errors(fake.sock)
    assert len(mine) == len(real)
    for (rh, rb), (mh, mb) in zip(real, mine):
        assert mh == rh
        assert mb == rb, "payload differs for %r:\nreal %r\nfake %r" % (
            rh, decode_error(rb) if rh[5] == 1 else rb, decode_error(mb) if mh[5] == 1 else mb)
    hdr, body = mine[0]
    assert hdr[5] == 1
    err = decode_error(body)
    assert err["code"] == 39 and err["domain"] == 7
    assert err["message"] == "unknown procedure: 9999"


def test_replies_carry_the_call_serial_and_calls_can_be_pipelined(fake):
    c = RawClient(fake.sock)
    try:
        c.open()
        serials = [0xFFFFFFF0 + i for i in range(8)] + list(range(100, 140))
        # send all calls before reading any reply
        for s in serials:
            c.send(59, s)  # CONNECT_GET_HOSTNAME
        got = []
        for _ in serials:
            hdr, body = c.recv()
            assert hdr[3] == 1 and hdr[5] == 0
            got.append(hdr[4])
        assert got == serials
    finally:
        c.close()


def test_connect_close_closes_the_connection(fake):
    c = RawClient(fake.sock)
    try:
        c.open()
        hdr, body = c.call(2, 50)
        assert hdr[5] == 0 and body == b""
        with pytest.raises((EOFError, ConnectionResetError, BrokenPipeError)):
            c.send(3, 51)
            c.recv()
    finally:
        c.close()


@pytest.mark.parametrize("garbage", [
    struct.pack(">I", 3),                         # length below the minimum 28
    struct.pack(">I", 0xFFFFFFFF),                # length above the maximum
    struct.pack(">I", 27) + b"x" * 23,
    struct.pack(">I", 33554437) + b"\0" * 24,
])
def test_bad_length_closes_only_that_connection(fake, garbage):
    good = RawClient(fake.sock)
    bad = RawClient(fake.sock)
    try:
        good.open()
        bad.send_bytes(garbage)
        with pytest.raises((EOFError, ConnectionResetError)):
            bad.recv()
        hdr, body = good.call(59, 7)
        assert hdr[5] == 0
    finally:
        good.close()
        bad.close()


def test_partial_packet_does_not_block_other_clients(fake):
    slow = RawClient(fake.sock)
    other = RawClient(fake.sock)
    try:
        slow.open()
        # half a packet, then nothing: the server must keep serving others
        body = struct.pack(">IIiiIi", REMOTE, 1, 59, 0, 9, 0)
        slow.send_bytes(struct.pack(">I", len(body) + 4) + body[:10])
        other.open()
        hdr, _ = other.call(59, 3)
        assert hdr[5] == 0
        slow.send_bytes(body[10:])
        hdr, _ = slow.recv()
        assert hdr[4] == 9 and hdr[5] == 0
    finally:
        slow.close()
        other.close()


ALL_PROCS = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 25, 27,
             28, 29, 33, 34, 35, 37, 43, 44, 45, 46, 47, 51, 59, 60, 66, 84, 85, 87, 88, 89, 91,
             102, 103, 110, 121, 122, 139, 149, 150, 151, 152, 153, 154, 155, 157, 163, 167, 168,
             178, 183, 187, 190, 196, 200, 202, 203, 207, 212, 228, 229, 231, 234, 242, 258, 273,
             277, 278, 281, 282, 283, 286, 287, 305, 316, 317, 342, 350, 360, 361, 426, 9999]


def test_random_calls_never_break_the_server(fake):
    """Random sequences of calls (every procedure the fake knows and a few it does not) with
    payloads glued from plausible pieces and random bytes, on the read-write and read-only
    sockets, before and after CONNECT_OPEN: every call gets a reply (no hang), the daemon
    survives and the default state is intact for the next client."""
    import random
    rnd = random.Random(20261122)
    dom = xdr_string("test") + bytes.fromhex("6695eb01f6a4830479aa97f2502e193f") + \
        struct.pack(">i", 1)
    pieces = [b"", dom, xdr_string("test"), struct.pack(">i", 0), struct.pack(">i", 1),
              struct.pack(">i", -1), struct.pack(">I", 0xFFFFFFFF), b"\0" * 16,
              struct.pack(">I", 100000000),
              xdr_string("<domain type='test'><name>z</name><memory>1</memory>"
                         "<os><type>hvm</type></os></domain>")]
    for i in range(150):
        c = RawClient(fake.ro_sock if i % 3 == 0 else fake.sock, timeout=10)
        try:
            if i % 4:
                c.open("qemu:///system" if i % 5 == 0 else "test:///default")
            for k in range(rnd.randint(1, 8)):
                if rnd.random() < 0.1:
                    prog, proc = QEMU, rnd.randint(1, 8)
                else:
                    prog, proc = REMOTE, rnd.choice(ALL_PROCS)
                payload = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 3)))
                if rnd.random() < 0.3:
                    payload += bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 64)))
                c.send(proc, 10 + k, payload, prog=prog)
                while True:
                    hdr, body = c.recv()
                    if hdr[3] == 1:
                        break
                assert hdr[4] == 10 + k
                if prog == REMOTE and proc == 2 and hdr[5] == 0:
                    break  # CONNECT_CLOSE succeeded: the server closes this connection
        finally:
            c.close()
        assert fake.proc.poll() is None, "fake-libvirtd died"
    r = run_virsh(fake.uri, "domstate test; list --all --name")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["running", "test"]


def test_many_clients(fake):
    clients = []
    try:
        for i in range(300):
            clients.append(RawClient(fake.sock))
        for i, c in enumerate(clients):
            c.send(66, i)
        for i, c in enumerate(clients):
            hdr, body = c.recv()
            assert hdr[4] == i and body == struct.pack(">II", 1, 0)
    finally:
        for c in clients:
            c.close()


def test_server_keepalive_pings_after_keepalive_feature(fake):
    c = RawClient(fake.sock, timeout=15)
    try:
        hdr, body = c.call(60, 1, struct.pack(">i", 10))
        assert hdr[5] == 0 and body == struct.pack(">i", 1)
        # silence: libvirtd's interval is 5 s, so a PING comes within 15 s
        hdr, body = c.recv()
        assert (hdr[0], hdr[2], hdr[3], hdr[4]) == (KEEPALIVE, 1, 2, 0)
        c.send(2, 0, prog=KEEPALIVE, mtype=2)  # PONG
        hdr, _ = c.call(66, 2)
        assert hdr[5] == 0
    finally:
        c.close()


def test_qemu_monitor_command_on_test_driver_is_unsupported(libvirtd_sock, fake):
    uuid = bytes.fromhex("6695eb01f6a4830479aa97f2502e193f")
    payload = xdr_string("test") + uuid + struct.pack(">i", 1) + \
        xdr_string('{"execute":"query-status"}') + struct.pack(">I", 0)
    agent = xdr_string("test") + uuid + struct.pack(">i", 1) + xdr_string("{}") + \
        struct.pack(">iI", 5, 0)
    answers = []
    for path in (libvirtd_sock, fake.sock):
        c = RawClient(path)
        try:
            c.open()
            answers.append([c.call(1, 5, payload, prog=QEMU),
                            c.call(4, 6, struct.pack(">III", 0, 0, 0), prog=QEMU),
                            c.call(5, 7, struct.pack(">i", 5), prog=QEMU),
                            c.call(3, 8, agent, prog=QEMU)])
        finally:
            c.close()
    assert answers[1] == answers[0]
    assert [decode_error(body)["code"] for _, body in answers[1]] == [3, 3, 1, 3]


def test_qemu_uri_has_builtin_monitor_answers(fake):
    uuid = bytes.fromhex("6695eb01f6a4830479aa97f2502e193f")
    c = RawClient(fake.sock)
    try:
        c.open("qemu:///system")
        hdr, body = c.call(3, 2)
        assert body[4:8] == b"QEMU"
        payload = xdr_string("test") + uuid + struct.pack(">i", 1) + \
            xdr_string('{"execute":"query-status"}') + struct.pack(">I", 0)
        hdr, body = c.call(1, 3, payload, prog=QEMU)
        assert hdr[5] == 0
        (n,) = struct.unpack(">I", body[:4])
        reply = json.loads(body[4:4 + n].decode())
        assert reply["return"]["status"] == "running" and reply["return"]["running"] is True
        hdr, body = c.call(4, 4, struct.pack(">III", 0, 0, 0), prog=QEMU)
        assert hdr[5] == 0
        (callback_id,) = struct.unpack(">i", body)
        hdr, body = c.call(5, 5, struct.pack(">i", callback_id), prog=QEMU)
        assert hdr[5] == 0
        hdr, body = c.call(5, 6, struct.pack(">i", callback_id), prog=QEMU)
        assert decode_error(body)["message"] == (
            "internal error: qemu monitor event callback %d not registered" % callback_id)
    finally:
        c.close()


# ---- command line ---------------------------------------------------------------------------

def test_socket_modes_and_sigterm(tmp_path):
    d = FakeLibvirtd()
    try:
        assert stat.S_IMODE(os.stat(d.sock).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(d.ro_sock).st_mode) == 0o666
        # an open client does not prevent a clean exit
        c = RawClient(d.sock)
        c.open()
        sock, ro = d.sock, d.ro_sock
    finally:
        code, err = d.stop()
    c.close()
    assert code == 0, err
    assert not os.path.exists(sock) and not os.path.exists(ro)


def test_help_and_bad_options():
    r = subprocess.run([str(FAKE), "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "--listen" in r.stdout
    for args, needle in ([[], "--listen"], [["--bogus"], "unknown option '--bogus'"],
                         [["--listen"], "--listen needs a value"],
                         [["--listen", "udp:1"], "--listen udp:1"],
                         [["--listen", "unix:/nonexistent-dir/x/sock"], "/nonexistent-dir/x/sock"],
                         [["--listen", "unix:/tmp/x", "--state", "/nonexistent.json"],
                          "/nonexistent.json"]):
        r = subprocess.run([str(FAKE)] + args, capture_output=True, text=True, timeout=10)
        assert r.returncode != 0, args
        assert needle in r.stderr, (args, r.stderr)
        assert r.stdout == ""


@pytest.mark.parametrize("state,needle", [
    ("{", "state.json:1:"),
    ("[]", "top level must be a JSON object"),
    ('{"domians": []}', 'unknown key "domians"'),
    ('{"base": "nope"}', 'base "nope"'),
    ('{"domains": [{"xml": "<domain"}]}', "domains[0]"),
    ('{"domains": [{"xml": "<domain type=\'test\'><name>a</name><memory>1</memory>'
     '<os><type>hvm</type></os></domain>", "state": "flying"}]}', "domains[0].state"),
])
def test_bad_state_files_are_reported(tmp_path, state, needle):
    path = tmp_path / "state.json"
    path.write_text(state)
    r = subprocess.run([str(FAKE), "--listen", "unix:%s" % (tmp_path / "s"), "--state", str(path)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert needle in r.stderr, r.stderr


def test_state_file_is_loaded(tmp_path):
    (tmp_path / "web.xml").write_text(
        "<domain type='test'><name>web</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"
        "<memory unit='MiB'>512</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>")
    state = {
        "base": "empty",
        "hostname": "fakehost",
        "node": {"model": "x86_64", "memory_kib": 8388608, "cpus": 4, "mhz": 2000,
                 "nodes": 1, "sockets": 1, "cores": 4, "threads": 1},
        "domains": [
            {"xml_file": str(tmp_path / "web.xml"), "state": "running"},
            {"xml": "<domain type='test'><name>db</name><memory>1024</memory>"
                    "<os><type>hvm</type></os></domain>"},
            {"xml": "<domain type='test'><name>tmp</name><memory>1024</memory>"
                    "<os><type>hvm</type></os></domain>", "persistent": False, "state": "paused"},
        ],
        "networks": [{"name": "lan", "bridge": "br0"}],
        "pools": [{"name": "images", "capacity": 1000, "allocation": 10}],
    }
    d = FakeLibvirtd(state=json.dumps(state))
    try:
        r = run_virsh(d.uri, "hostname; list --all; nodeinfo; net-list --all; pool-list --all; "
                             "dominfo web")
        assert r.returncode == 0, r.stderr
        out = r.stdout
        assert "fakehost" in out
        assert " 1    web    running" in out
        assert " 2    tmp    paused" in out
        assert " -    db     shut off" in out
        assert "CPU model:           x86_64" in out
        assert " lan    active   no          yes" in out
        assert " images   active   no" in out
        assert "UUID:           11111111-2222-3333-4444-555555555555" in out
        assert "Max memory:     524288 KiB" in out
    finally:
        code, err = d.stop()
    assert code == 0, err


def test_tcp_listener(tmp_path):
    d = FakeLibvirtd(extra_args=["--listen", "tcp:127.0.0.1:0"])
    try:
        # port 0 picks a free port; find it from the process's sockets (/proc, no tools)
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % d.proc.pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (d.proc.pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        ports = []
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and inode in inodes:  # LISTEN
                    ports.append(int(local.split(":")[1], 16))
        assert len(ports) == 1, ports
        uri = "test+tcp://127.0.0.1:%d/default" % ports[0]
        r = subprocess.run(["virsh", "-c", uri, "domstate test"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0 and r.stdout.strip() == "running", r.stderr
        # a plain TCP connection is not secure; the unix socket is
        import libvirt
        c = libvirt.open(uri)
        try:
            assert c.isSecure() == 0
        finally:
            c.close()
        c = libvirt.open(d.uri)
        try:
            assert c.isSecure() == 1
        finally:
            c.close()
    finally:
        code, err = d.stop()
    assert code == 0, err


def test_client_that_does_not_read_does_not_block_others(fake):
    hog = RawClient(fake.sock)
    other = RawClient(fake.sock)
    try:
        hog.open()
        hog.sock.setblocking(False)
        # ask for the capabilities (about 3 KiB each) many times and never read the replies
        body = struct.pack(">IIiiIi", REMOTE, 1, 7, 0, 5, 0)
        packet = struct.pack(">I", len(body) + 4) + body
        sent = 0
        for _ in range(20000):
            try:
                hog.sock.send(packet)
                sent += 1
            except BlockingIOError:
                break
        assert sent > 100
        other.open()
        for i in range(20):
            hdr, _ = other.call(59, 100 + i)
            assert hdr[5] == 0
    finally:
        hog.close()
        other.close()
    r = run_virsh(fake.uri, "domstate test")
    assert r.returncode == 0


def test_go_libvirt_style_open_is_accepted_like_libvirtd(libvirtd_sock, fake):
    """go-libvirt sends CONNECT_OPEN's optional-string flag as the bytes 01 00 00 00 and starts
    serials at 1; libtirpc (and so libvirtd) takes any non-zero bool as true."""
    answers = []
    for path in (libvirtd_sock, fake.sock):
        c = RawClient(path)
        try:
            c.call(66, 1)
            hdr, body = c.call(1, 2, bytes([1, 0, 0, 0]) + xdr_string("test:///default") +
                               struct.pack(">I", 0))
            hdr2, body2 = c.call(3, 3)
            answers.append((hdr, body, hdr2, body2))
        finally:
            c.close()
    assert answers[1] == answers[0]
    assert answers[1][0][5] == 0 and answers[1][3][4:8] == b"TEST"


def test_qemu_uri_state_outlives_connections(fake, tmp_path):
    uri = "qemu+unix:///system?socket=%s" % fake.sock
    xml = tmp_path / "keep.xml"
    xml.write_text("<domain type='kvm'><name>keep</name><memory>1024</memory>"
                   "<os><type>hvm</type></os></domain>")
    r = run_virsh(uri, "define %s" % xml)
    assert r.returncode == 0, r.stderr
    # a new connection, after the first one closed: the domain is still there
    r = run_virsh(uri, "domstate keep; version")
    assert r.returncode == 0, r.stderr
    assert "shut off" in r.stdout and "Running hypervisor: QEMU" in r.stdout
    # while test:///default starts from the default again
    r = run_virsh(fake.uri, "domstate keep")
    assert r.returncode == 1


def test_event_message_bytes_match_real_daemon(libvirtd_sock, fake):
    """The lifecycle event a registered client receives after DOMAIN_DEFINE_XML: same header
    (type MESSAGE, serial 1 as libvirtd 9.0.0 sends it) and the same payload apart from the
    callback id and the generated uuid."""
    from conftest import unique_name
    name = unique_name("fl-evbytes")
    xml = ("<domain type='test'><name>%s</name><uuid>0b5c4b2e-8f0e-4c61-9d3a-%012x</uuid>"
           "<memory>1024</memory><os><type>hvm</type></os></domain>" % (name, os.getpid()))
    got = []
    for path in (libvirtd_sock, fake.sock):
        c = RawClient(path)
        try:
            c.open()
            hdr, body = c.call(316, 5, struct.pack(">iI", 0, 0))
            assert hdr[5] == 0
            (cb_id,) = struct.unpack(">i", body)
            hdr, body = c.call(11, 6, xdr_string(xml))
            assert hdr[5] == 0, decode_error(body)
            while True:
                ehdr, ebody = c.recv()
                if ehdr[2] == 318 and name.encode() in ebody:
                    break
            assert struct.unpack(">i", ebody[:4])[0] == cb_id
            got.append((ehdr, ebody[4:]))
            uuid = body[4 + 4 * ((len(name) + 3) // 4):][:16]
            hdr, body = c.call(35, 7, xdr_string(name) + uuid + struct.pack(">i", -1))
            assert hdr[5] == 0, decode_error(body)
        finally:
            c.close()
    assert got[1] == got[0]
    assert got[1][0] == (REMOTE, 1, 318, 2, 1, 0)


def test_mutated_domain_xml_never_breaks_the_server(fake):
    """300 randomly mutated copies of a domain XML that uses every device default, defined and
    created: each call is answered (accepted or refused), accepted ones can be formatted,
    destroyed and undefined, and the daemon stays healthy."""
    import random
    base = ("<domain type='test'><name>fz</name><uuid>1b5c4b2e-8f0e-4c61-9d3a-000000000001</uuid>"
            "<memory unit='MiB'>1</memory><currentMemory>512</currentMemory>"
            "<vcpu current='1'>2</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>"
            "<kernel>/k</kernel><boot dev='hd'/></os><features><acpi/></features>"
            "<cpu mode='host-model'/><clock offset='utc'/><devices><emulator>/e</emulator>"
            "<disk type='file' device='disk'><source file='/a'/><target dev='hdd'/></disk>"
            "<disk type='file' device='floppy'><source file='/f'/><target dev='fdb'/>"
            "<address type='drive' controller='3'/></disk><interface type='user'/>"
            "<console type='pty'><target type='virtio'/></console><serial type='pty'/>"
            "<graphics type='vnc' port='5'/><graphics type='spice'/>"
            "<video><model type='qxl' ram='1' foo='x'/></video><video><model type='vga'/></video>"
            "<controller type='ide' index='0'/></devices></domain>")
    rnd = random.Random(7)
    alphabet = "<>/='\"&;#x abcdefghijklmnopqrstuvwxyz0123456789-"
    c = RawClient(fake.sock, timeout=30)
    accepted = 0
    try:
        c.open()
        for i in range(300):
            s = list(base)
            for _ in range(rnd.randint(1, 6)):
                op, pos = rnd.random(), rnd.randrange(len(s))
                if op < 0.4:
                    del s[pos]
                elif op < 0.7:
                    s.insert(pos, rnd.choice(alphabet))
                elif op < 0.85:
                    s[pos] = rnd.choice(alphabet)
                else:
                    a = rnd.randrange(len(s))
                    s[pos:pos] = s[a:a + rnd.randint(1, 40)]
            proc = rnd.choice([10, 11])
            payload = xdr_string("".join(s)) + (struct.pack(">I", 0) if proc == 10 else b"")
            hdr, body = c.call(proc, 10 + i, payload)
            if hdr[5] != 0:
                assert decode_error(body)["message"]
                continue
            accepted += 1
            (n,) = struct.unpack(">I", body[:4])
            dom = body[:4 + (n + 3) // 4 * 4 + 20]
            for serial, proc2, extra in ((1, 14, struct.pack(">I", 0)), (2, 14, struct.pack(">I", 2)),
                                         (3, 12, b""), (4, 35, b"")):
                c.call(proc2, 100000 * serial + i, dom + extra)
    finally:
        c.close()
    assert accepted > 0
    r = run_virsh(fake.uri, "list --all --name")
    assert r.returncode == 0 and r.stdout.split() == ["test"]


@pytest.mark.parametrize("spec", ["tcp:0.0.0.0:16509", "tcp:[::]:16509"])
def test_network_listener_needs_listen_insecure(tmp_path, spec):
    r = subprocess.run([str(FAKE), "--listen", spec], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and r.stdout == ""
    assert "--listen %s: refusing to serve a network address without authentication" % spec \
        in r.stderr
    assert "--listen-insecure" in r.stderr and "tcp:127.0.0.1:16509" in r.stderr


def test_listen_insecure_serves_python_libvirt_over_tcp(fake_libvirtd):
    libvirt = pytest.importorskip("libvirt")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    fake_libvirtd(extra_args=["--listen", "tcp:0.0.0.0:%d" % port, "--listen-insecure"])
    conn = libvirt.open("test+tcp://127.0.0.1:%d/default" % port)
    assert conn.lookupByName("test").name() == "test"
    conn.close()
