"""Wire-level behaviour: unknown procedures, programs and versions, calls before open,
keepalive, oversized packets."""
import socket
import struct

import pytest

from harness import (ERROR, KEEPALIVE_PROGRAM, MESSAGE, REPLY, RawConn, decode_error,
                     REMOTE_PROGRAM)


@pytest.mark.procedure("unknown procedure")
@pytest.mark.parametrize("proc", [9999, 0, -1], ids=["9999", "0", "negative"])
def test_unknown_procedure(target, record, proc):
    """A bogus procedure number after CONNECT_OPEN: an ERROR reply, the connection stays usable."""
    c = RawConn(target.sock)
    try:
        c.open()
        hdr, body = c.call(proc, 5)
        record["reply"] = {"status": hdr[5], "proc": hdr[2]}
        assert hdr[5] == ERROR
        record["error"] = decode_error(body)
        hdr2, body2 = c.call(3, 6)  # CONNECT_GET_TYPE still works
        record["after"] = hdr2[5]
        assert hdr2[5] == 0
    finally:
        c.close()
    assert record["error"]["code"] > 0 and "procedure" in (record["error"]["message"] or "")


@pytest.mark.procedure("unknown program / version")
@pytest.mark.parametrize("what", ["program", "version"])
def test_unknown_program(target, record, what):
    c = RawConn(target.sock)
    try:
        c.open()
        kw = {"prog": 0x12345678} if what == "program" else {"vers": 7}
        c.send(3, 9, **kw)
        try:
            hdr, body = c.recv()
            record["reply"] = {"type": hdr[3], "status": hdr[5], "prog": "%#x" % hdr[0]}
            if hdr[5] == ERROR:
                record["error"] = decode_error(body)
        except (EOFError, ConnectionError) as exc:
            record["reply"] = "connection closed (%s)" % type(exc).__name__
        except socket.timeout:
            record["reply"] = "no answer within 15 s"
    finally:
        c.close()
    assert record["reply"] != "no answer within 15 s"


@pytest.mark.procedure("CONNECT_GET_TYPE (before open)")
def test_call_before_open(target, record):
    """CONNECT_GET_TYPE before CONNECT_OPEN: refused, connection not open."""
    c = RawConn(target.sock)
    try:
        hdr, body = c.call(3, 0)
        record["status"] = hdr[5]
        assert hdr[5] == ERROR
        record["error"] = decode_error(body)
    finally:
        c.close()
    assert "not open" in (record["error"]["message"] or "")


@pytest.mark.procedure("keepalive")
def test_keepalive_ping(target, record):
    """A keepalive PING (program 0x6b656570, proc 1, type MESSAGE) is answered with PONG."""
    c = RawConn(target.sock)
    try:
        c.open()
        c.send(1, 0, prog=KEEPALIVE_PROGRAM, mtype=MESSAGE)
        hdr, body = c.recv()
        record["answer"] = {"prog": "%#x" % hdr[0], "proc": hdr[2], "type": hdr[3],
                            "len": len(body)}
    finally:
        c.close()
    assert record["answer"] == {"prog": "0x6b656570", "proc": 2, "type": MESSAGE, "len": 0}


@pytest.mark.procedure("keepalive")
def test_keepalive_python(target, record):
    """python3-libvirt (with an event loop) negotiates keepalive with the daemon."""
    libvirt = __import__("libvirt")
    c = libvirt.open(target.uri)
    try:
        record["setKeepAlive"] = c.setKeepAlive(2, 3)
        record["alive"] = c.isAlive()
    finally:
        c.close()
    assert record == {"setKeepAlive": 0, "alive": 1}


def answer(c, describe):
    """What the daemon did next on c: describe(header) of the packet it sent, "closed", or "no
    answer within 15 s"."""
    try:
        hdr, _ = c.recv()
        return describe(hdr)
    except (EOFError, ConnectionError):
        return "closed"
    except socket.timeout:
        return "no answer within 15 s"


@pytest.mark.procedure("framing")
def test_oversized_packet(target, record):
    """A length word above the protocol's limit: the daemon drops the connection."""
    c = RawConn(target.sock)
    try:
        c.open()
        c.sock.sendall(struct.pack(">I", 0x7FFFFFF0) + struct.pack(">IIiiIi", REMOTE_PROGRAM,
                                                                  1, 3, 0, 7, 0))
        record["result"] = answer(c, lambda hdr: "answered type %d status %d" % (hdr[3], hdr[5]))
    finally:
        c.close()
    assert record["result"] == "closed"
    # the daemon still serves others
    c2 = RawConn(target.sock)
    try:
        c2.open()
    finally:
        c2.close()


@pytest.mark.procedure("framing")
def test_reply_from_client(target, record):
    """A client that sends a REPLY-type packet, then a valid call: what comes back is recorded
    (libvirt ignores the stray reply and answers the call; closing is also acceptable)."""
    c = RawConn(target.sock)
    try:
        c.open()
        c.send(3, 8, mtype=REPLY)
        c.send(3, 9)
        record["result"] = answer(c, lambda hdr: "answered serial %d type %d status %d"
                                  % (hdr[4], hdr[3], hdr[5]))
    finally:
        c.close()
    assert record["result"] in ("answered serial 9 type 1 status 0", "closed")
