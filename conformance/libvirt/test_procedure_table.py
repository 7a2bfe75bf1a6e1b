"""Every procedure number of proto/procedures.list (and a few past its end), called with an
empty payload on an opened connection: which numbers the target's libvirtd defines at all
("unknown procedure" or not: this is where releases differ), and the whole answer of those
whose arguments fake-libvirtd decodes (the "xdr" ones: libvirtd's checks of a call in order,
up to the arguments). The matrix compares a fake-X.Y target with the release it models."""
import pytest

from harness import REPO, RawConn, REMOTE_PROGRAM, decode_error

PROGRAMS = {"REMOTE": REMOTE_PROGRAM, "QEMU": 0x20008087, "LXC": 0x00068000}
PAST_THE_END = [("REMOTE", 457, set()), ("REMOTE", 458, set()), ("QEMU", 8, set()),
                ("LXC", 2, set())]


def procedures():
    out = []
    with open(REPO / "proto" / "procedures.list") as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if words and words[0] in PROGRAMS:
                out.append((words[0], int(words[1]), set(words[3:])))
    return out + PAST_THE_END


@pytest.mark.procedure("procedure table")
def test_procedure_numbers(target, record):
    """Defined or not, per number; the full answer for the calls the fake decodes."""
    defined, answers = {}, {}
    conn = None
    try:
        for serial, (prog, num, flags) in enumerate(procedures(), 10):
            if conn is None:
                conn = RawConn(target.sock)
                conn.open()
            hdr, body = conn.call(num, serial, b"", prog=PROGRAMS[prog])
            key = "%s %d" % (prog, num)
            err = decode_error(body) if hdr[5] != 0 else None
            unknown = err is not None and err["message"] == "unknown procedure: %d" % num
            defined[key] = not unknown
            if "xdr" in flags and "auth" not in flags and "event" not in flags:
                answers[key] = "OK" if err is None else [err["code"], err["domain"],
                                                         err["message"]]
            if (prog, num) == ("REMOTE", 2):   # CONNECT_CLOSE: libvirtd closes the connection
                conn.close()
                conn = None
    finally:
        if conn is not None:
            conn.close()
    record["undefined"] = sorted(k for k, v in defined.items() if not v)
    record["answers"] = answers
    assert not defined["REMOTE 457"] and defined["REMOTE 1"]
