"""Every procedure number libvirt defines (proto/procedures.list: REMOTE, QEMU, LXC), called
on a raw socket to fake-libvirtd after CONNECT_OPEN, and the same calls to the real libvirtd
(test driver) compared where they can be.

- a number libvirt never defined, and an event number (libvirtd has no dispatcher for those
  either), get "unknown procedure: N" (VIR_ERR_RPC, VIR_FROM_RPC);
- every other number is known: one the fake does not implement gets VIR_ERR_NO_SUPPORT
  "this function is not supported by the connection driver: virXxx", virXxx being a function
  libvirt.so exports (checked with ctypes for the procedures libvirt 9.0 has);
- with empty arguments the real daemon's answer is compared (code, domain, message, or OK)
  for every number it can decode that way; a procedure with arguments our .x files do not
  describe cannot be decoded by the fake, so those are left out of that comparison;
- on the read-only sockets, with well-formed arguments (where nothing can change on the shared
  daemon): the read-only refusals and NO_SUPPORT answers of procedures the fake does not
  decode at all.
"""
import ctypes
import os
import struct

import pytest

from conftest import REPO
from fake_libvirtd_fixtures import RawClient, decode_error

os.environ.setdefault("VW_BUILD", str(REPO / "build"))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

PROGRAMS = {"REMOTE": 0x20008086, "QEMU": 0x20008087, "LXC": 0x00068000}
REAL_LIBVIRT_MAX = 443          # libvirtd 9.0's last REMOTE procedure (DOMAIN_FD_ASSOCIATE)
NO_SUPPORT, RPC, AUTH_FAILED = 3, 39, 45
FROM_RPC = 7
NOT_SUPPORTED = "this function is not supported by the connection driver: "


def procedures():
    """(program, number, name, flags) for every line of proto/procedures.list."""
    out = []
    with open(REPO / "proto" / "procedures.list") as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if words and words[0] in PROGRAMS:
                out.append((words[0], int(words[1]), words[2], set(words[3:])))
    return out


def answer(conn, prog, num, serial):
    """The reply to an empty-argument call: ("OK",) or (code, domain, message)."""
    hdr, body = conn.call(num, serial, b"", prog=PROGRAMS[prog])
    if hdr[5] == 0:
        return ("OK",)
    err = decode_error(body)
    return (err["code"], err["domain"], err["message"])


def answers(path, readonly=False, procs=None):
    """Calls every procedure once on an opened connection (a new one after CONNECT_CLOSE)."""
    out = {}
    conn = None
    for serial, (prog, num, name, flags) in enumerate(procs or procedures(), 10):
        if conn is None:
            conn = RawClient(path)
            conn.open(readonly=readonly)
        out[(prog, num)] = answer(conn, prog, num, serial)
        if (prog, num) == ("REMOTE", 2):       # CONNECT_CLOSE: libvirtd closes the connection
            conn.close()
            conn = None
    if conn:
        conn.close()
    return out


@pytest.fixture
def fake(fake_libvirtd):
    return fake_libvirtd(readonly_socket=True)


@pytest.fixture
def fake_newest(fake_libvirtd):
    """The newest release fake-libvirtd models, where every number of the list is defined."""
    return fake_libvirtd(readonly_socket=True, extra_args=["--libvirt-version", "12.8.0"])


def since(flags, key="since"):
    """A since=/test= flag of procedures.list as libvirt's version number (0 when absent)."""
    for f in flags:
        if f.startswith(key + "="):
            major, minor, micro = (int(x) for x in f.split("=", 1)[1].split("."))
            return major * 1000000 + minor * 1000 + micro
    return 0


def libvirt_exports():
    try:
        libs = [ctypes.CDLL(n) for n in ("libvirt.so.0", "libvirt-qemu.so.0", "libvirt-lxc.so.0")]
    except OSError:
        return None
    return lambda name: any(hasattr(lib, name) for lib in libs)


def test_every_defined_number_is_known(fake_newest):
    got = answers(fake_newest.socket)
    exported = libvirt_exports()
    unsupported = 0
    for prog, num, name, flags in procedures():
        reply = got[(prog, num)]
        where = "%s %d %s: %r" % (prog, num, name, reply)
        if "event" in flags:
            assert reply == (RPC, FROM_RPC, "unknown procedure: %d" % num), where
            continue
        assert not (reply[0] == RPC and "unknown procedure" in reply[2]), where
        if name == "AUTH_POLKIT":      # no polkit in the fake: refused as any unknown auth
            assert reply == (AUTH_FAILED, FROM_RPC, "authentication failed: authentication failed"), where
        elif reply[0] == NO_SUPPORT:
            unsupported += 1
            assert reply[2].startswith(NOT_SUPPORTED), where
            api = reply[2][len(NOT_SUPPORTED):]
            if exported and (prog != "REMOTE" or num <= REAL_LIBVIRT_MAX):
                assert exported(api), "%s: libvirt exports no %s" % (where, api)
        assert "xdr" in flags, where    # every row has its .x description
    assert unsupported > 0   # the described rows the test driver lacks (LXC, ANNOUNCE_INTERFACE)


def test_undefined_numbers_are_unknown_procedures(fake):
    conn = RawClient(fake.socket)
    try:
        conn.open()
        for prog, num in (("REMOTE", 0), ("REMOTE", 457), ("REMOTE", 100000), ("QEMU", 0),
                          ("QEMU", 8), ("LXC", 2), ("REMOTE", -1)):
            assert answer(conn, prog, num, 5) == (RPC, FROM_RPC, "unknown procedure: %d" % num)
    finally:
        conn.close()


def comparable(real_reply, flags):
    """Compared: every procedure the .x describes ("xdr"; with empty arguments both decode
    first), and every error of the real daemon that comes before the arguments matter (not
    "Unable to decode message payload": the fake cannot decode arguments its .x does not
    describe). The caller leaves out AUTH_POLKIT, whose answer on libvirtd varies with the
    socket and the calls before."""
    if "xdr" in flags:
        return True
    return real_reply[0] != "OK" and real_reply != (RPC, FROM_RPC, "Unable to decode message payload")


@pytest.mark.parametrize("readonly", [False, True], ids=["read-write", "read-only"])
def test_answers_match_real_libvirtd(libvirtd_sock, fake, readonly):
    procs = [p for p in procedures() if p[0] != "REMOTE" or p[1] <= REAL_LIBVIRT_MAX]
    real_path = libvirtd_sock + "-ro" if readonly else libvirtd_sock
    if readonly and not os.path.exists(real_path):
        pytest.skip("the real libvirtd has no read-only socket")
    real = answers(real_path, readonly, procs)
    mine = answers(fake.ro_socket if readonly else fake.socket, readonly, procs)
    compared, differ = 0, []
    for prog, num, name, flags in procs:
        if name == "AUTH_POLKIT" or not comparable(real[(prog, num)], flags):
            continue
        compared += 1
        if mine[(prog, num)] != real[(prog, num)]:
            differ.append("%s %d %s: real %r, fake %r" % (prog, num, name, real[(prog, num)],
                                                           mine[(prog, num)]))
    print("compared %d of %d procedures with the real libvirtd" % (compared, len(procs)))
    assert not differ, "\n".join(differ)
    assert compared >= 140


def test_unsupported_call_before_open_is_not_open(libvirtd_sock, fake):
    """libvirtd checks the connection before the driver: "connection not open" first."""
    def before_open(path):
        conn = RawClient(path)
        try:
            return [answer(conn, "REMOTE", num, 3) for num in (139, 178, 71, 52, 126, 3, 105)]
        finally:
            conn.close()
    assert before_open(fake.socket) == before_open(libvirtd_sock)
    assert before_open(fake.socket)[0][2] == "internal error: connection not open"
    assert before_open(fake.socket)[-1][2] == "internal error: hypervisor connection not open"


def test_unsupported_call_with_arguments_is_decoded_first(fake):
    """A described procedure the fake does not implement still decodes its arguments first,
    as libvirtd does: garbage is "Unable to decode message payload", good ones NO_SUPPORT."""
    conn = RawClient(fake.socket)
    try:
        conn.open()
        num = 302   # DOMAIN_MIGRATE_BEGIN3_PARAMS: in our .x, no handler
        assert answer(conn, "REMOTE", num, 7)[2] == "Unable to decode message payload"
        dom = struct.pack(">I", 4) + b"test" + b"\0" * 16 + struct.pack(">i", 1)
        args = dom + struct.pack(">II", 0, 0)      # dom, params<> (empty), flags
        hdr, body = conn.call(num, 8, args)
        assert hdr[5] == 1
        err = decode_error(body)
        assert (err["code"], err["message"]) == (
            NO_SUPPORT, NOT_SUPPORTED + "virDomainMigrateBegin3Params")
    finally:
        conn.close()


def nonnull_domain(name="test"):
    b = name.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4) + b"\0" * 16 + \
        struct.pack(">i", 1)


# Procedures the fake has no handler and no codecs for, marked "ro", by the layout of their
# arguments in libvirt's remote protocol (D domain, S string, O optional string, P storage pool,
# N optional string present, U unsigned int). On a read-only connection libvirtd decodes them and the public API refuses
# the call before the driver is asked; the fake refuses without decoding. Safe on the shared
# daemon: nothing is carried out. Left out: DOMAIN_OPEN_GRAPHICS (249) and DOMAIN_FD_ASSOCIATE
# (443), where libvirtd looks at the passed file descriptors first, and whose arguments the
# fake does not decode.
READ_ONLY_REFUSED = {
    "D": [164],
    "DU": [32, 182, 184, 210, 245, 267, 310, 337, 349, 364, 371, 396, 442],
    "DUU": [199, 211, 343, 355, 356, 418],
    "DUUU": [390],
    "DSU": [53, 160, 161, 174, 185, 237, 392, 411, 424],
    "DOU": [201, 296, 389],
    "DNU": [358],       # DOMAIN_RENAME: libvirt checks new_name before the read-only flag
    "S": [40, 41, 54, 118, 119, 120, 124, 180, 433],
    "SU": [76, 77, 123, 131, 142, 235, 309, 399, 428, 429, 430, 431, 432, 437],
    "PU": [78, 79, 81, 83],
}


def encode_args(layout):
    name = struct.pack(">I", 4) + b"none"
    parts = {"D": nonnull_domain(), "S": struct.pack(">I", 10) + b"vw-nothing\0\0",
             "O": struct.pack(">I", 0), "N": struct.pack(">II", 1, 4) + b"vw-x",
             "U": struct.pack(">I", 0),
             "P": name + b"\0" * 16,                              # network, pool, nwfilter
             "V": name * 3,                                       # volume {pool, name, key}
             "X": b"\0" * 16 + struct.pack(">I", 0) + name}       # secret {uuid, usageType, usageID}
    return b"".join(parts[c] for c in layout)


# Procedures neither refused read-only nor implemented by the fake, by argument layout as
# above, for which the real test driver also lacks the function: with well-formed arguments on
# the read-only socket (where nothing can change) both must give the same NO_SUPPORT error.
NO_SUPPORT_WITH_ARGS = [
    (140, "U"), (143, "XU"), (147, "US"), (158, "SU"), (163, "D"), (175, "S"), (177, "PU"),
    (179, "U"), (228, "UUU"), (238, "DSU"), (243, "DSUU"), (286, "UU"), (287, "UU"),
    (289, "UU"), (297, "SSU"), (298, "DU"), (299, "DU"), (341, "POUU"), (378, "VU"),
    (387, "DU"), (388, "DU"), (391, "S"), (397, "S"), (401, "UU"), (403, "U"), (404, "PUU"),
    (422, "DU"), (435, "S"), (436, "S"),
]


def read_only_answers(path, calls):
    """(number, code, domain, message) for each (number, layout) called with well-formed
    arguments on a read-only connection."""
    conn = RawClient(path)
    try:
        conn.open(readonly=True)
        out = []
        for serial, (num, layout) in enumerate(calls, 20):
            hdr, body = conn.call(num, serial, encode_args(layout))
            err = decode_error(body) if hdr[5] == 1 else {}
            out.append((num, err.get("code"), err.get("domain"), err.get("message")))
        return out
    finally:
        conn.close()


def compare_read_only(libvirtd_sock, fake, calls):
    """The real daemon's and the fake's answers to calls on their read-only sockets."""
    real_path = libvirtd_sock + "-ro"
    if not os.path.exists(real_path):
        pytest.skip("the real libvirtd has no read-only socket")
    real = read_only_answers(real_path, calls)
    mine = read_only_answers(fake.ro_socket, calls)
    assert [m for m, r in zip(mine, real) if m != r] == []
    return real


def test_no_support_with_arguments_matches_real_libvirtd(libvirtd_sock, fake):
    real = compare_read_only(libvirtd_sock, fake, NO_SUPPORT_WITH_ARGS)
    assert all(r[1] == NO_SUPPORT for r in real), [r for r in real if r[1] != NO_SUPPORT]


def test_read_only_refusal_comes_before_no_support(libvirtd_sock, fake):
    calls = [(num, layout) for layout, nums in READ_ONLY_REFUSED.items() for num in nums]
    real = compare_read_only(libvirtd_sock, fake, calls)
    assert all(r[1] == 29 and "read only access prevents vir" in r[3] for r in real), \
        [r for r in real if r[1] != 29]
    assert len(real) == 61


@pytest.mark.parametrize("release", ["7.0.0", "9.0.0", "11.3.0", "12.8.0"])
def test_numbers_follow_the_release(fake_libvirtd, release):
    """--libvirt-version: a number the release's libvirtd does not define (since= later) is
    "unknown procedure", one whose test driver lacks the call (test= later) VIR_ERR_NO_SUPPORT
    naming the API, and CONNECT_GET_LIB_VERSION reports the release. What each release
    answers is compared with its real libvirtd by the conformance matrix
    (conformance/libvirt/test_procedure_table.py, targets fake-X.Y)."""
    major, minor, micro = (int(x) for x in release.split("."))
    version = major * 1000000 + minor * 1000 + micro
    fake = fake_libvirtd(extra_args=["--libvirt-version", release])
    got = answers(fake.socket)
    later = 0
    for prog, num, name, flags in procedures():
        reply = got[(prog, num)]
        unknown = reply == (RPC, FROM_RPC, "unknown procedure: %d" % num)
        if "event" in flags:
            assert unknown, (prog, num, reply)
        elif since(flags) > version:
            later += 1
            assert unknown, (release, prog, num, name, reply)
        else:
            assert not unknown, (release, prog, num, name, reply)
    assert (later == 0) == (release == "12.8.0")
    conn = RawClient(fake.socket)
    try:
        conn.open()
        hdr, body = conn.call(157, 3, b"")     # CONNECT_GET_LIB_VERSION
        assert hdr[5] == 0 and struct.unpack(">Q", body[:8])[0] == version
        dom = nonnull_domain()
        hdr, body = conn.call(206, 4, dom + struct.pack(">iI", 0, 0))  # GET_BLKIO_PARAMETERS
        if release == "7.0.0":
            assert decode_error(body)["message"] == NOT_SUPPORTED + "virDomainGetBlkioParameters"
        else:
            assert hdr[5] == 0
    finally:
        conn.close()


@pytest.mark.parametrize("value", ["8.0.0", "9", "nine", "9.0.0.1", "12.8.1000"])
def test_unmodelled_release_is_refused(value):
    """Any release but the four modelled ones is refused at start with the list of them."""
    import subprocess
    fake = os.path.join(os.environ["VW_BUILD"], "bin", "fake-libvirtd")
    r = subprocess.run([fake, "--libvirt-version", value, "--listen", "unix:/nonexistent/s"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.startswith("fake-libvirtd: --libvirt-version %s: " % value)
    assert "7.0.0, 9.0.0, 11.3.0, 12.8.0" in r.stderr
