"""QMP conformance: each case sends bytes and checks the exact replies (parsed JSON, event
timestamps masked). Every case runs against real qemu-system-x86_64 and against fake-qemu; the
expected values are what real QEMU 7.2 sends (modelled on QEMU's tests/qtest/qmp-test.c).
"""
import json
import os
import random
import re
import signal
import socket
import threading
import time

import pytest

from qmp_harness import (mask, real_version, release_containers, schema_files,  # noqa: F401
                         target)  # (fixtures)

NEG = {"class": "CommandNotFound",
       "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}


def err(desc, cls="GenericError", **extra):
    msg = {"error": {"class": cls, "desc": desc}}
    msg.update(extra)
    return msg


def enum_error(target, name, value):
    """A bad enum value. QEMU 5.2's input_type_enum() reports QERR_INVALID_PARAMETER with the
    value ("Invalid parameter 'bogus'"; its binary has no "does not accept value"); 6.0 on name
    the member."""
    if target.version_tuple < (6, 0, 0):
        target.notes["enum error"] = "Invalid parameter 'VALUE' (QEMU < 6.0)"
        return f"Invalid parameter '{value}'"
    return f"Parameter '{name}' does not accept value '{value}'"


def request_events(target, events, reply):
    """The events a command causes through a main-loop request (RESET, POWERDOWN, SHUTDOWN) and
    its reply, in the order QEMU sends them: 7.2 on emit the event first; 5.2 queues the
    request and its main loop handles it after the monitor has sent the return."""
    if target.version_tuple < (7, 0, 0):
        target.notes["event order"] = "return before RESET/POWERDOWN/SHUTDOWN (QEMU < 7.0)"
        return [reply] + events
    return events + [reply]


JSON_POS = re.compile(r"^(\d+):(\d+): (JSON parse error, .*)$", re.S)


def json_errors(target, msgs):
    """QEMU 11.1's JSON parse errors start with the position 'LINE:COL: ' (format string
    "%d:%d: JSON parse error, %s" in its binary; the column counts from the start of the
    connection's input). The position is checked for shape and removed, so the cases compare
    the wording. Other targets' messages are returned as they are."""
    if target.version_tuple < (11, 0, 0):
        return msgs
    out = []
    for m in msgs:
        desc = m.get("error", {}).get("desc", "") if isinstance(m, dict) else ""
        if desc.startswith("JSON parse error") or JSON_POS.match(desc):
            mo = JSON_POS.match(desc)
            assert mo, f"QEMU >= 11.0: no LINE:COL before the parse error: {desc!r}"
            m = dict(m, error=dict(m["error"], desc=mo.group(3)))
            target.notes["JSON errors"] = "'LINE:COL: JSON parse error, ...' (QEMU >= 11.0)"
        out.append(m)
    return out


def jerr(target, text, new=None):
    """A JSON parse error: `text` as 7.2 words it, `new` as 11.1 does (None: the same)."""
    if new is not None and target.version_tuple >= (11, 0, 0):
        return err("JSON parse error, " + new)
    return err("JSON parse error, " + text)


def exchange(conn, data, n):
    """Sends raw bytes and returns the next n messages, masked."""
    conn.send(data)
    return [mask(m) for m in conn.recv_n(n)]


def assert_recovered(conn):
    """After bad input the monitor still works (qmp-test.c assert_recovered)."""
    conn.send(b'{"execute": "no-such-cmd"}')
    _, rsp = conn.recv_reply()
    assert rsp["error"]["class"] == "CommandNotFound"


# ---- greeting and negotiation -----------------------------------------------------------------

def test_greeting_shape_and_crlf(target):
    target.start()
    c = target.connect()
    line = c.recv_line()
    assert line.endswith(b"\r\n") and line.count(b"\n") == 1
    g = json.loads(line)
    assert set(g) == {"QMP"}
    assert set(g["QMP"]) == {"version", "capabilities"}
    assert g["QMP"]["capabilities"] == ["oob"]
    v = g["QMP"]["version"]
    assert set(v) == {"qemu", "package"} and isinstance(v["package"], str)
    assert set(v["qemu"]) == {"major", "minor", "micro"}
    assert all(isinstance(x, int) for x in v["qemu"].values())
    assert v == target.version


def test_command_before_negotiation(target):
    target.start()
    c = target.connect()
    c.greeting()
    assert exchange(c, '{"execute": "query-status"}', 1) == [{"error": NEG}]


def test_unknown_command_before_negotiation_is_rewritten(target):
    target.start()
    c = target.connect()
    c.greeting()
    assert exchange(c, '{"execute": "no-such-command", "id": 5}', 1) == [{"error": NEG, "id": 5}]


def test_exec_oob_before_negotiation(target):
    target.start()
    c = target.connect()
    c.greeting()
    assert exchange(c, '{"exec-oob": "migrate-pause", "id": 1}', 1) == [
        err("QMP input member 'exec-oob' is unexpected", id=1)]


def test_bad_arguments_to_qmp_capabilities_not_rewritten(target):
    target.start()
    c = target.connect()
    c.greeting()
    assert exchange(c, '{"execute": "qmp_capabilities", "arguments": {"enable": ["bogus"]}}',
                    1) == [err(enum_error(target, "null", "bogus"))]
    assert exchange(c, '{"execute": "qmp_capabilities", "arguments": {"x": 1}}', 1) == [
        err("Parameter 'x' is unexpected")]
    # still negotiating
    assert exchange(c, '{"execute": "query-status"}', 1) == [{"error": NEG}]


def test_negotiation_then_repeat(target):
    target.start()
    c = target.connect()
    c.greeting()
    assert exchange(c, '{"execute": "qmp_capabilities"}', 1) == [{"return": {}}]
    assert exchange(c, '{"execute": "qmp_capabilities", "id": 2}', 1) == [
        err("Capabilities negotiation is already complete, command ignored",
            cls="CommandNotFound", id=2)]


def migrate_pause_error(target):
    """10.0 added postcopy-recover to the text (string in 10.0.13's and 11.1.3's binary)."""
    if target.version_tuple >= (10, 0, 0):
        target.notes["migrate-pause"] = "'... postcopy-active or postcopy-recover state'"
        return ("migrate-pause is currently only supported during postcopy-active or "
                "postcopy-recover state")
    return "migrate-pause is currently only supported during postcopy-active state"


def test_negotiate_oob(target):
    target.start()
    c = target.connect()
    c.greeting()
    assert exchange(c, '{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}',
                    1) == [{"return": {}}]
    assert exchange(c, '{"exec-oob": "migrate-pause", "id": "oob-1"}', 1) == [
        err(migrate_pause_error(target), id="oob-1")]
    assert exchange(c, '{"exec-oob": "query-status", "id": "oob-2"}', 1) == [
        err("The command query-status does not support OOB", id="oob-2")]
    assert exchange(c, '{"execute": "query-status", "exec-oob": "migrate-pause", "id": 3}', 1) == [
        err("QMP input member 'execute' clashes with 'exec-oob'", id=3)]
    # an in-band malformed command still fails in order (qmp-test.c test_qmp_oob)
    assert exchange(c, '{"id": "err-2"}', 1) == [err("QMP input lacks member 'execute'",
                                                     id="err-2")]


def test_exec_oob_without_oob_capability(target):
    c = target.session()
    assert exchange(c, '{"exec-oob": "migrate-pause", "id": 4}', 1) == [
        err("QMP input member 'exec-oob' is unexpected", id=4)]


def test_reconnect_gets_fresh_greeting(target):
    c = target.session()
    c.close()
    c2 = target.connect()
    assert "QMP" in c2.greeting()
    assert exchange(c2, '{"execute": "query-status"}', 1) == [{"error": NEG}]


def test_events_are_not_queued_for_an_unnegotiated_client(target):
    # A starts a migration (STOP comes when it completes) and leaves at once; B connects and
    # does not negotiate while the migration ends: the STOP is dropped, not delivered later.
    a = target.session()
    a.send('{"execute": "migrate", "arguments": {"uri": "exec:sleep 1; cat > /dev/null"}}')
    early, rsp = a.recv_reply()
    assert rsp == {"return": {}}
    # Real QEMU only: its migration thread can finish, and STOP reach A, before the main loop
    # sends migrate's return (seen on 11.1 on a loaded machine; as in test_migrate_exec).
    if not a.double_greeting_ok:
        assert early == []
    a.close()
    b = target.connect()
    try:
        first = b.recv()
    except TimeoutError:
        # Real QEMU only: a client that connects while QEMU is still taking in A's hang-up is
        # sometimes never greeted (about one run in 20 here, also seen in 5.2); connect again.
        if not b.double_greeting_ok:
            raise
        b.close()
        b = target.connect()
        first = b.recv()
    # Real QEMU only (the flag that also tolerates its double greeting): when it has not yet
    # noticed A's hang-up, the STOP is written to A's session and that output reaches B ahead of
    # B's greeting. It belongs to A; what B must not get is anything after its greeting.
    while b.double_greeting_ok and "event" in first:
        first = b.recv()
    assert "QMP" in first
    if b.double_greeting_ok:
        # Real QEMU: B must still be unnegotiated when the migration ends (on a loaded machine
        # the STOP came after B had negotiated at once, and then it is B's by right). Not a
        # quiet check: A's leftover output may still arrive (tolerated below).
        time.sleep(2.5)
    else:
        assert b.quiet(2.5)
    b.send('{"execute": "qmp_capabilities"}')
    reply = b.recv()
    while b.double_greeting_ok and "event" in reply:   # real QEMU: A's leftover, as above
        reply = b.recv()
    assert reply == {"return": {}}
    deadline = time.monotonic() + 20
    while True:
        ev, rsp = b.cmd("query-status")
        assert ev == []
        if rsp["return"]["status"] == "postmigrate" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert rsp == status(False, "postmigrate", target)
    assert b.quiet(0.3)


def test_second_client_waits_for_the_first(target):
    target.start()
    a = target.connect()
    a.greeting()
    b = target.connect()
    assert b.quiet(0.5), "second client got data while the first is attached"
    a.close()
    assert "QMP" in b.greeting()


# ---- ids ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw_id,expected", [
    ('"cookie#1"', "cookie#1"),
    ("42", 42),
    ("-7", -7),
    ('{"nested": [1, 2]}', {"nested": [1, 2]}),
    ("[]", []),
    ("null", None),
    ("true", True),
    ("1.5e3", 1500),
    ("12345678901234567890", 12345678901234567890),
], ids=["string", "int", "negative", "object", "array", "null", "bool", "float", "uint64"])
def test_id_echoed(target, raw_id, expected):
    c = target.session()
    got = exchange(c, '{"execute": "query-status", "id": %s}' % raw_id, 1)[0]
    assert got["id"] == expected and type(got["id"]) is type(expected)
    if raw_id == "12345678901234567890":
        assert b"12345678901234567890" in c.raw_lines[-1]


def test_no_id_no_id_member(target):
    c = target.session()
    rsp = exchange(c, '{"execute": "query-status"}', 1)[0]
    assert "id" not in rsp and "return" in rsp


def test_id_kept_on_command_error(target):
    c = target.session()
    assert exchange(c, '{"execute": "no-such-cmd", "id": 2}', 1) == [
        err("The command no-such-cmd has not been found", cls="CommandNotFound", id=2)]


def test_id_non_ascii_escaped_uppercase(target):
    c = target.session()
    c.send('{"execute": "query-status", "id": "\u00e9\U0001F600"}'.encode())
    rsp = c.recv()
    assert rsp["id"] == "\u00e9\U0001F600"
    assert b"\\u00E9\\uD83D\\uDE00" in c.raw_lines[-1]


def test_id_with_nul_character(target):
    c = target.session()
    assert exchange(c, '{"execute": "query-status", "id": "a\\u0000b"}', 1)[0]["id"] == "a\x00b"


# ---- framing ------------------------------------------------------------------------------------

def test_split_write(target):
    c = target.session()
    c.send('{"execute": "query-')
    assert c.quiet(0.2)
    assert exchange(c, 'status", "id": 1}', 1)[0]["id"] == 1


def test_two_commands_in_one_write(target):
    c = target.session()
    got = exchange(c, '{"execute": "query-status", "id": 1}{"execute": "query-kvm", "id": 2}', 2)
    assert [m["id"] for m in got] == [1, 2]


def test_command_across_lines(target):
    c = target.session()
    got = exchange(c, '{\n"execute":\n"query-status",\r\n"id": "ml"\n}\n', 1)
    assert got[0]["id"] == "ml" and "return" in got[0]


def test_single_quotes(target):
    c = target.session()
    got = exchange(c, "{'execute': 'query-status', 'id': 'it\\'s'}", 1)
    assert got[0]["id"] == "it's" and "return" in got[0]


def test_trailing_garbage(target):
    c = target.session()
    got = json_errors(target, exchange(c, '{"execute": "query-status", "id": 1} trailing\n', 2))
    assert got[0]["id"] == 1 and "return" in got[0]
    assert got[1] == err("JSON parse error, invalid keyword 'trailing'")


def test_control_character_resets_parser(target):
    c = target.session()
    got = json_errors(target, exchange(c, b'{"execute": \x01{"execute": "query-status", "id": 9}', 2))
    assert got[0] == err("JSON parse error, stray '\x01'")
    assert got[1]["id"] == 9 and "return" in got[1]


# ---- parse errors (qmp-test.c test_malformed) ----------------------------------------------------

# (input, 7.2's wording, 11.1's wording or None when the same)
@pytest.mark.parametrize("data,text,new", [
    (b"{]", "expecting value", "expecting key"),
    (b"[}", "expecting value", None),
    (b'{"execute": }', "expecting value", None),
    (b'{"execute": "query-status", "id": nul}', "invalid keyword 'nul'", None),
    (b'{"execute": "query-status", "id": "bad \\q"}', "invalid escape sequence in string", None),
    (b'{"execute": "query-status", "id": 1, "id": 2}', "duplicate key", None),
    (b'{"execute": "query-status", 3: 4}', "key is not a string in object", "expecting key"),
    (b'{"execute" "query-status"}', "missing : in object pair", "expecting ':'"),
    (b'{"execute": "query-status" "id": 1}', "expected separator in dict", "expected ',' or '}'"),
    (b'["a" "b"]', "expected separator in list", "expected ',' or ']'"),
    (b'{"id": "\\u12"}', '\\u12" is not a valid Unicode character', None),
], ids=["brace-bracket", "bracket-brace", "missing-value", "bad-keyword", "bad-escape",
        "duplicate-key", "non-string-key", "missing-colon", "missing-comma-dict",
        "missing-comma-list", "bad-hex-escape"])
def test_parse_error(target, data, text, new):
    c = target.session()
    got = json_errors(target, exchange(c, data, 1))
    assert got == [jerr(target, text, new)]
    assert all("id" not in m for m in got)
    assert_recovered(c)


def test_parse_error_stray_byte_ff(target):
    c = target.session()
    c.send(b"{\xff")
    rsp, = json_errors(target, [c.recv()])
    assert rsp["error"]["class"] == "GenericError"
    assert rsp == err("JSON parse error, stray '\ufffd'")
    # the documented reset: a control character is an error of its own
    assert json_errors(target, exchange(c, b"\x01", 1)) == [err("JSON parse error, stray '\x01'")]
    assert_recovered(c)


def test_parse_error_control_in_string(target):
    c = target.session()
    got = json_errors(target, exchange(c, b'{"execute": "query-status", "id": "a\x02b"}\x01', 1))
    assert got[0]["error"]["desc"].startswith("JSON parse error")
    c.send(b"\x01")
    c.send(b'{"execute": "query-status", "id": "after"}')
    while True:
        _, rsp = c.recv_reply()
        if rsp.get("id") == "after":
            break
        assert "error" in rsp and "id" not in rsp


@pytest.mark.parametrize("data,desc", [
    (b"null ", "QMP input must be a JSON object"),
    (b"[1, 2]", "QMP input must be a JSON object"),
    (b'"execute" ', "QMP input must be a JSON object"),
    (b"{}", "QMP input lacks member 'execute'"),
    (b'{"execute": true}', "QMP input member 'execute' must be a string"),
    (b'{"execute": "query-status", "arguments": []}',
     "QMP input member 'arguments' must be an object"),
    (b'{"execute": "query-status", "extra": true}', "QMP input member 'extra' is unexpected"),
], ids=["null", "array", "string", "empty-object", "execute-not-string", "arguments-array",
        "extra-key"])
def test_malformed_request(target, data, desc):
    c = target.session()
    assert exchange(c, data, 1) == [err(desc)]
    assert_recovered(c)


def test_request_checks_in_qdict_order(target):
    c = target.session()
    # both members are wrong; QEMU reports the one its QDict iterates first
    assert exchange(c, '{"foo": 2, "execute": 1, "id": "o"}', 1) == [
        err("QMP input member 'execute' must be a string", id="o")]
    assert exchange(c, '{"zzz": 1, "arguments": 5, "execute": "query-status"}', 1) == [
        err("QMP input member 'zzz' is unexpected")]


def test_nesting_1024_passes(target):
    c = target.session()
    assert exchange(c, b"[" * 1024 + b"]" * 1024, 1) == [err("QMP input must be a JSON object")]
    assert_recovered(c)


def test_nesting_1025_error_cascade(target):
    c = target.session()
    c.send(b"[" * 1025 + b"]" * 1025)
    if target.version_tuple >= (11, 0, 0):
        # 11.1 drops the rest of the over-deep value: the one error (no LINE:COL on it), and
        # nothing for the 1025 closing brackets
        target.notes["JSON nesting"] = "one error for 1025 levels (QEMU >= 11.0)"
        assert [mask(m) for m in c.recv_n(1)] == [err("JSON nesting depth limit exceeded")]
        assert_recovered(c)
        return
    got = [mask(m) for m in c.recv_n(1026)]
    assert got[0] == err("JSON nesting depth limit exceeded")
    assert got[1:] == [err("JSON parse error, expecting value")] * 1025
    assert_recovered(c)


def test_token_count_limit(target):
    # 8 tokens + 2K + 3: K = 1048570 gives 2097151 tokens (passes), one more element 2097153,
    # over QEMU's 2 Mi limit: a single error, then the monitor recovers.
    if target.kind == "qemu" and not os.environ.get("VW_QMP_SLOW"):
        pytest.skip("real QEMU needs about a minute per 2 Mi tokens; set VW_QMP_SLOW=1")
    c = target.session()
    k = 1048570
    c.send(b'{"execute": "query-status", "id": [' + b"1," * k + b"1]}")
    _, rsp = c.recv_reply(timeout=120)
    assert rsp["id"] == [1] * (k + 1) and "return" in rsp
    c.send(b'{"execute": "query-status", "id": [' + b"1," * (k + 1) + b"1]}")
    _, rsp = c.recv_reply(timeout=120)
    assert rsp == err("JSON token count limit exceeded")
    assert_recovered(c)


def test_garbage_does_not_kill_the_monitor(target):
    c = target.session()
    rnd = random.Random(1234)
    for _ in range(20):
        c.send(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200))))
    c.send(b'"\x01\x01]]]}}}\x01{"execute": "query-status", "id": "after"}')
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _, rsp = c.recv_reply()
        if rsp.get("id") == "after":
            assert rsp["return"]["status"] == "running"
            break
        assert "error" in rsp
    else:
        pytest.fail("no reply after garbage")


# ---- argument validation -------------------------------------------------------------------------

@pytest.mark.parametrize("cmd,args,desc", [
    ("device_del", {}, "Parameter 'id' is missing"),
    ("query-status", {"x": 1}, "Parameter 'x' is unexpected"),
    ("query-status", {"a": 1, "b": 2}, "Parameter 'b' is unexpected"),
    ("device_del", {"id": 1}, "Invalid parameter type for 'id', expected: string"),
    ("device_del", {"id": None}, "Invalid parameter type for 'id', expected: string"),
    ("set_link", {"name": "x", "up": "true"}, "Invalid parameter type for 'up', expected: boolean"),
    ("human-monitor-command", {"command-line": "info status", "cpu-index": "x"},
     "Invalid parameter type for 'cpu-index', expected: integer"),
    ("balloon", {"value": 1.5}, "Invalid parameter type for 'value', expected: integer"),
    ("blockdev-add", {"driver": "bogus", "node-name": "n0"},
     "Parameter 'driver' does not accept value 'bogus'"),
    ("blockdev-add", {"node-name": "n0"}, "Parameter 'driver' is missing"),
    ("blockdev-add", {"driver": "null-co", "node-name": "n0", "size": "x"},
     "Invalid parameter type for 'size', expected: integer"),
    ("blockdev-add", {"driver": "null-co", "node-name": "n0", "zzz": 3},
     "Parameter 'zzz' is unexpected"),
    ("blockdev-add", {"driver": "null-co", "node-name": "n0", "cache": {"direct": 3}},
     "Invalid parameter type for 'cache.direct', expected: boolean"),
    ("blockdev-add", {"driver": "qcow2", "node-name": "n1",
                      "file": {"driver": "null-co", "cache": {"direct": "x"}}},
     "Invalid parameter type for 'file.cache.direct', expected: boolean"),
    ("blockdev-add", {"driver": "qcow2", "node-name": "n1", "file": 5},
     "Invalid parameter type for 'file', expected: BlockdevRef"),
    ("migrate-set-capabilities", {"capabilities": {}},
     "Invalid parameter type for 'capabilities', expected: array"),
    ("migrate-set-capabilities", {"capabilities": [1]},
     "Invalid parameter type for 'capabilities[0]', expected: object"),
    ("migrate-set-capabilities", {"capabilities": [{"capability": "xbzrle"}]},
     "Parameter 'capabilities[0].state' is missing"),
    ("migrate-set-capabilities", {"capabilities": [{"capability": "xbzrle", "state": 1}]},
     "Invalid parameter type for 'capabilities[0].state', expected: boolean"),
    ("migrate-set-capabilities",
     {"capabilities": [{"capability": "xbzrle", "state": True, "zz": 1}]},
     "Parameter 'capabilities[0].zz' is unexpected"),
    ("migrate-set-capabilities",
     {"capabilities": [{"capability": "xbzrle", "state": True},
                       {"capability": "bogus", "state": True}]},
     "Parameter 'capability' does not accept value 'bogus'"),
    ("migrate", {"uri": "exec:true", "blk": "yes"},
     "Invalid parameter type for 'blk', expected: boolean"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_argument_error(target, cmd, args, desc):
    if "does not accept value" in desc:
        name, value = desc.split("'")[1], desc.split("'")[3]
        desc = enum_error(target, name, value)
    if cmd == "migrate" and "blk" in args and target.version_tuple >= (10, 0, 0):
        # migrate's 'blk' and 'inc' are gone: MigrateCommand in the
        # query-qmp-schema of 10.0.13 and 11.1.3 has only uri, channels, detach, resume
        desc = "Parameter 'blk' is unexpected"
        target.notes["migrate"] = "no 'blk' argument (QEMU >= 10.0): " + desc
    c = target.session()
    _, rsp = c.cmd(cmd, args, id="arg")
    assert rsp == err(desc, id="arg")


def test_argument_error_deep_path(target):
    # 400 nested qcow2 'file' levels; the innermost has a bad member: the full path is reported
    inner = {"driver": "null-co", "cache": {"direct": "x"}}
    for _ in range(400):
        inner = {"driver": "qcow2", "file": inner}
    inner["node-name"] = "deep"
    c = target.session()
    _, rsp = c.cmd("blockdev-add", inner, id="deep")
    assert rsp == err("Invalid parameter type for '%scache.direct', expected: boolean"
                      % ("file." * 400), id="deep")


def test_unknown_command(target):
    c = target.session()
    if target.version_tuple < (6, 0, 0):
        # migrate_set_speed was removed in 6.0 (QEMU's docs/about/removed-features.rst,
        # "migrate_set_downtime and migrate_set_speed (removed in 6.0)"); 5.2 still has it
        assert exchange(c, '{"execute": "migrate_set_speed"}', 1) == [
            err("Parameter 'value' is missing")]
        target.notes["migrate_set_speed"] = "still a command (QEMU < 6.0)"
        return
    assert exchange(c, '{"execute": "migrate_set_speed"}', 1) == [
        err("The command migrate_set_speed has not been found", cls="CommandNotFound")]


# ---- commands and events -------------------------------------------------------------------------

def status(running, st, target):
    """query-status's return. StatusInfo's member 'singlestep' is gone from
    QEMU 10.0 on: the query-qmp-schema of 10.0.13 (trixie) and 11.1.3 (sid) has no such member,
    5.2 and 7.2 have it."""
    if target.version_tuple >= (10, 0, 0):
        target.notes["query-status"] = "no 'singlestep' member (QEMU >= 10.0)"
        return {"return": {"status": st, "running": running}}
    return {"return": {"status": st, "singlestep": False, "running": running}}


def test_query_status_running(target):
    c = target.session()
    assert exchange(c, '{"execute": "query-status"}', 1) == [status(True, "running", target)]


def test_query_status_prelaunch_and_cont(target):
    c = target.session(prelaunch=True)
    assert exchange(c, '{"execute": "query-status"}', 1) == [status(False, "prelaunch", target)]
    # stop in prelaunch: no event, state stays
    assert exchange(c, '{"execute": "stop"}', 1) == [{"return": {}}]
    assert exchange(c, '{"execute": "query-status"}', 1) == [status(False, "prelaunch", target)]
    assert exchange(c, '{"execute": "cont"}', 2) == [{"timestamp": "<ts>", "event": "RESUME"},
                                                     {"return": {}}]
    assert exchange(c, '{"execute": "query-status"}', 1) == [status(True, "running", target)]


def test_stop_and_cont_events_before_return(target):
    c = target.session()
    assert exchange(c, '{"execute": "stop", "id": 1}', 2) == [
        {"timestamp": "<ts>", "event": "STOP"}, {"return": {}, "id": 1}]
    assert exchange(c, '{"execute": "query-status"}', 1) == [status(False, "paused", target)]
    assert exchange(c, '{"execute": "stop"}', 1) == [{"return": {}}]      # no second STOP
    assert exchange(c, '{"execute": "cont", "id": 2}', 2) == [
        {"timestamp": "<ts>", "event": "RESUME"}, {"return": {}, "id": 2}]
    assert exchange(c, '{"execute": "cont"}', 1) == [{"return": {}}]      # already running


RESET_EV = {"timestamp": "<ts>", "event": "RESET",
            "data": {"guest": False, "reason": "host-qmp-system-reset"}}


def test_system_reset(target):
    c = target.session()
    assert exchange(c, '{"execute": "system_reset"}', 2) == request_events(
        target, [RESET_EV], {"return": {}})
    assert exchange(c, '{"execute": "query-status"}', 1) == [status(True, "running", target)]


def test_system_reset_while_paused_goes_prelaunch(target):
    c = target.session()
    exchange(c, '{"execute": "stop"}', 2)
    assert exchange(c, '{"execute": "system_reset"}{"execute": "query-status"}', 3) == \
        request_events(target, [RESET_EV], {"return": {}}) + [status(False, "prelaunch", target)]


def test_system_powerdown(target):
    c = target.session()
    assert exchange(c, '{"execute": "system_powerdown"}', 2) == request_events(
        target, [{"timestamp": "<ts>", "event": "POWERDOWN"}], {"return": {}})


def test_quit_shutdown_return_then_eof(target):
    c = target.session()
    assert exchange(c, '{"execute": "quit", "id": "q"}', 2) == request_events(
        target, [{"timestamp": "<ts>", "event": "SHUTDOWN",
                  "data": {"guest": False, "reason": "host-qmp-quit"}}], {"return": {}, "id": "q"})
    assert c.wait_eof()
    assert target.proc.wait(timeout=10) == 0


def test_sigterm_sends_shutdown_then_eof(target):
    """On SIGTERM QEMU tells its QMP client why it goes away (qemu_system_killed():
    SHUTDOWN with reason host-signal), then closes the connection and exits 0."""
    c = target.session()
    assert exchange(c, '{"execute": "query-kvm"}', 1) == [{"return": {"enabled": False,
                                                                       "present": True}}]
    target.proc.send_signal(signal.SIGTERM)
    assert [mask(m) for m in c.recv_n(1)] == [
        {"timestamp": "<ts>", "event": "SHUTDOWN",
         "data": {"guest": False, "reason": "host-signal"}}]
    assert c.wait_eof()
    assert target.proc.wait(timeout=20) == 0


def test_query_version_matches_greeting(target):
    target.start()
    c = target.connect()
    g = c.greeting()
    c.send('{"execute": "qmp_capabilities"}')
    c.recv()
    assert exchange(c, '{"execute": "query-version"}', 1) == [{"return": g["QMP"]["version"]}]


def test_query_commands_matches_recording(target, schema_files):
    c = target.session()
    _, rsp = c.cmd("query-commands")
    with open(schema_files[1]) as f:
        recorded = json.load(f)
    assert sorted(x["name"] for x in rsp["return"]) == sorted(x["name"] for x in recorded)
    assert all(set(x) == {"name"} for x in rsp["return"])


def test_query_qmp_schema_matches_recording(target, schema_files):
    c = target.session()
    _, rsp = c.cmd("query-qmp-schema")
    with open(schema_files[0]) as f:
        recorded = json.load(f)
    assert len(c.raw_lines[-1]) > 100000          # one line, over 100 KB (5.2: 149 KB)
    key = lambda e: e["name"]
    assert sorted(rsp["return"], key=key) == sorted(recorded, key=key)


@pytest.mark.parametrize("cmd,ret", [
    ("query-name", {}),
    ("query-uuid", {"UUID": "00000000-0000-0000-0000-000000000000"}),
    ("query-kvm", {"enabled": False, "present": True}),
    ("query-block", []),
    ("query-cpus-fast", []),
    ("query-migrate", {}),
])
def test_simple_queries(target, cmd, ret):
    c = target.session()
    assert exchange(c, json.dumps({"execute": cmd}), 1) == [{"return": ret}]


def test_query_cpus_fast_pc(target):
    c = target.session(machine="pc")
    cpu = {"thread-id": "<tid>", "props": {"core-id": 0, "thread-id": 0, "socket-id": 0},
           "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, "target": "x86_64"}
    if target.version_tuple < (6, 0, 0):
        # 'arch' was removed in 6.0 (removed-features.rst: "query-cpus-fast arch output member
        # (removed in 6.0)", replaced by 'target'); 5.2 sends both
        cpu["arch"] = "x86"
        target.notes["query-cpus-fast"] = "has 'arch': 'x86' (QEMU < 6.0)"
    if target.version_tuple >= (11, 0, 0):
        # CpuInfoFast gained 'qom-type': in the schema of 11.1.3, not in 10.0.13's (the first
        # tested release that has it is 11.1)
        cpu["qom-type"] = "qemu64-x86_64-cpu"
        target.notes["query-cpus-fast"] = "has 'qom-type' (QEMU >= 11.0)"
    assert exchange(c, '{"execute": "query-cpus-fast"}', 1) == [{"return": [cpu]}]


def hmp(line, **extra):
    args = {"command-line": line}
    args.update(extra)
    return json.dumps({"execute": "human-monitor-command", "arguments": args})


def test_hmp_info_status_and_version(target):
    c = target.session(prelaunch=True)
    assert exchange(c, hmp("info status"), 1) == [{"return": "VM status: paused (prelaunch)\r\n"}]
    exchange(c, '{"execute": "cont"}', 2)
    assert exchange(c, hmp("  info   status  "), 1) == [{"return": "VM status: running\r\n"}]
    exchange(c, '{"execute": "stop"}', 2)
    assert exchange(c, hmp("info status"), 1) == [{"return": "VM status: paused\r\n"}]
    v = target.version
    q = v["qemu"]
    expected = f"{q['major']}.{q['minor']}.{q['micro']}{v['package']}\r\n"
    assert exchange(c, hmp("info version"), 1) == [{"return": expected}]


def test_hmp_unknown_and_empty(target):
    c = target.session()
    assert exchange(c, hmp("bogus x"), 1) == [{"return": "unknown command: 'bogus'\r\n"}]
    assert exchange(c, hmp("info nosuch"), 1) == [{"return": "unknown command: 'info nosuch'\r\n"}]
    assert exchange(c, hmp(""), 1) == [{"return": ""}]
    assert exchange(c, hmp("info status", **{"cpu-index": 0}), 1) == [
        err("Parameter 'cpu-index' expects a CPU number")]


def test_hmp_other_info_commands(target):
    c = target.session()
    assert exchange(c, hmp("info name"), 1) == [{"return": ""}]
    assert exchange(c, hmp("info uuid"), 1) == [
        {"return": "00000000-0000-0000-0000-000000000000\r\n"}]
    assert exchange(c, hmp("info kvm"), 1) == [{"return": "kvm support: disabled\r\n"}]
    assert exchange(c, hmp("info status extra"), 1) == [
        {"return": "status: extraneous characters at the end of line\r\n"
                   "Try \"help info status\" for more information\r\n"}]
    assert exchange(c, hmp("INFO status"), 1) == [{"return": "unknown command: 'INFO'\r\n"}]


def test_hmp_stop_cont_reset_powerdown_raise_events(target):
    c = target.session()
    assert exchange(c, hmp("stop"), 2) == [{"timestamp": "<ts>", "event": "STOP"},
                                          {"return": ""}]
    assert exchange(c, hmp("c"), 2) == [{"timestamp": "<ts>", "event": "RESUME"},
                                       {"return": ""}]
    assert exchange(c, hmp("system_powerdown"), 2) == request_events(
        target, [{"timestamp": "<ts>", "event": "POWERDOWN"}], {"return": ""})
    assert exchange(c, hmp("system_reset"), 2) == request_events(target, [RESET_EV], {"return": ""})


def duplicate_id_error(target, dev_id):
    """5.2 finds the clash in qemu_opts_create() (QERR_DUPLICATE_ID "Duplicate ID '%s' for
    %s"); 7.2 on in qdev ("Duplicate device ID '%s'")."""
    if target.version_tuple < (7, 0, 0):
        target.notes["device_add duplicate"] = "Duplicate ID 'ID' for device (QEMU < 7.0)"
        return f"Duplicate ID '{dev_id}' for device"
    return f"Duplicate device ID '{dev_id}'"


def test_device_add_del_event_after_return(target):
    c = target.session(machine="pc")
    assert exchange(c, '{"execute": "device_add", "arguments": {"driver": "usb-kbd", "id": "kbd0"}}',
                    1) == [{"return": {}}]
    assert exchange(c, '{"execute": "device_add", "arguments": {"driver": "usb-kbd", "id": "kbd0"}}',
                    1) == [err(duplicate_id_error(target, "kbd0"))]
    assert exchange(c, '{"execute": "device_del", "arguments": {"id": "kbd0"}, "id": 7}', 2) == [
        {"return": {}, "id": 7},
        {"timestamp": "<ts>", "event": "DEVICE_DELETED",
         "data": {"device": "kbd0", "path": "/machine/peripheral/kbd0"}}]
    assert exchange(c, '{"execute": "device_del", "arguments": {"id": "kbd0"}}', 1) == [
        err("Device 'kbd0' not found", cls="DeviceNotFound")]


@pytest.mark.parametrize("args,desc", [
    ({}, "Parameter 'driver' is missing"),
    ({"driver": "nosuch", "id": "x"}, "'nosuch' is not a valid device model name"),
    ({"driver": "usb-kbd", "id": "k1", "bogus": 1}, "Property 'usb-kbd.bogus' not found"),
    ({"driver": "usb-kbd", "id": "k1", "bus": "nobus"}, "Bus 'nobus' not found"),
    ({"driver": "usb-kbd", "id": "k1", "bus": "pci.0"}, "Device 'usb-kbd' can't go on PCI bus"),
    ({"driver": "usb-kbd", "id": "9k"}, "Parameter 'id' expects an identifier"),
], ids=["no-driver", "bad-driver", "bad-property", "bad-bus", "wrong-bus", "bad-id"])
def test_device_add_errors(target, args, desc):
    c = target.session(machine="pc")
    _, rsp = c.cmd("device_add", args)
    if args.get("id") == "9k" and target.version_tuple >= (11, 0, 0):
        # 11.1 checks the id in qdev ("Invalid qdev ID '%s'" in its binary)
        target.notes["device_add id"] = "Invalid qdev ID (QEMU >= 11.0)"
        assert rsp == err("Invalid qdev ID '9k'")
    elif args.get("id") == "9k" and target.version_tuple >= (10, 0, 0):
        # 10.0 does not check a device id given over QMP: the device is created
        target.notes["device_add id"] = "no identifier check (QEMU 10.0)"
        assert rsp == {"return": {}}
    else:
        assert rsp == err(desc)


def test_device_del_by_path_and_anonymous_device(target):
    c = target.session(machine="pc")
    _, rsp = c.cmd("device_add", {"driver": "usb-kbd", "id": "k2", "bus": "xhci.0"})
    assert rsp == {"return": {}}
    _, rsp = c.cmd("device_add", {"driver": "usb-tablet"})
    assert rsp == {"return": {}}
    assert exchange(c, '{"execute": "device_del", "arguments": {"id": "/machine/peripheral/k2"}}',
                    2) == [{"return": {}},
                           {"timestamp": "<ts>", "event": "DEVICE_DELETED",
                            "data": {"device": "k2", "path": "/machine/peripheral/k2"}}]


def test_pci_unplug_needs_a_guest(target):
    c = target.session(machine="pc")
    _, rsp = c.cmd("device_add", {"driver": "e1000", "id": "nic0"})
    assert rsp == {"return": {}}
    assert exchange(c, '{"execute": "device_del", "arguments": {"id": "nic0"}}', 1) == [
        {"return": {}}]
    assert c.quiet(0.5), "no DEVICE_DELETED without a guest to eject the device"
    assert exchange(c, '{"execute": "device_del", "arguments": {"id": "nic0"}}', 1) == [
        {"return": {}}]


def test_device_add_without_bus_on_machine_none(target):
    c = target.session()
    _, rsp = c.cmd("device_add", {"driver": "usb-kbd", "id": "k"})
    assert rsp == err("No 'usb-bus' bus found for device 'usb-kbd'")


def wait_migration(c, timeout=20):
    deadline = time.monotonic() + timeout
    events = []
    while time.monotonic() < deadline:
        ev, rsp = c.cmd("query-migrate")
        events += ev
        if rsp["return"].get("status") in ("completed", "failed"):
            return events, rsp["return"]
        time.sleep(0.05)
    pytest.fail("migration did not finish")


def test_migrate_exec(target):
    c = target.session()
    c.send('{"execute": "migrate", "arguments": {"uri": "exec:cat > /dev/null"}}')
    early, rsp = c.recv_reply()
    assert rsp == {"return": {}}
    # Real QEMU runs the migration in its own thread: with -machine none it can complete, and
    # emit STOP, before the main loop sends the command's return. The fake answers first.
    if not c.double_greeting_ok:
        assert early == []
    events, info = wait_migration(c)
    events = early + events
    assert info["status"] == "completed"
    assert {"setup-time", "downtime", "total-time", "ram"} <= set(info)
    assert {"total", "transferred", "remaining", "page-size"} <= set(info["ram"])
    ev, st = c.cmd("query-status")
    assert [mask(e) for e in events + ev] == [{"timestamp": "<ts>", "event": "STOP"}]
    assert st == status(False, "postmigrate", target)
    if target.version_tuple < (7, 0, 0):
        # 5.2 has no such check: a second migration starts from postmigrate
        target.notes["migrate from postmigrate"] = "accepted (QEMU < 7.0)"
        assert exchange(c, '{"execute": "migrate", "arguments": {"uri": "exec:true"}}', 1) == [
            {"return": {}}]
        events, info = wait_migration(c)
        assert info["status"] == "completed" and events == []
    else:
        assert exchange(c, '{"execute": "migrate", "arguments": {"uri": "exec:true"}}', 1) == [
            err("Can't migrate the vm that was paused due to previous migration")]
    assert exchange(c, '{"execute": "cont"}', 2) == [{"timestamp": "<ts>", "event": "RESUME"},
                                                     {"return": {}}]


def test_migrate_unix(target):
    c = target.session()
    path = os.path.join(target.tmpdir, "mig.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(20)
    got = []

    def accept():
        try:
            conn, _ = srv.accept()
            conn.settimeout(20)
            data = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            got.append(data)
            conn.close()
        except OSError as e:
            got.append(e)

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    try:
        _, rsp = c.cmd("migrate", {"uri": "unix:" + path})
        assert rsp == {"return": {}}
        _, info = wait_migration(c)
        assert info["status"] == "completed"
        th.join(20)
        assert got and isinstance(got[0], bytes) and got[0].startswith(b"QEVM")
    finally:
        srv.close()


def test_migrate_unix_connect_failure(target):
    c = target.session()
    path = os.path.join(target.tmpdir, "nonexistent.sock")
    _, rsp = c.cmd("migrate", {"uri": "unix:" + path})
    assert rsp == {"return": {}}
    _, info = wait_migration(c)
    assert info == {"status": "failed",
                    "error-desc": f"Failed to connect to '{path}': No such file or directory"}
    assert exchange(c, '{"execute": "query-status"}', 1) == [status(True, "running", target)]


def test_migrate_bad_uri(target):
    c = target.session()
    _, rsp = c.cmd("migrate", {"uri": "bogus:x"})
    if target.version_tuple >= (10, 0, 0):
        # 10.0 parses the URI itself (migrate_uri_parse, migrate has 'channels')
        target.notes["migrate uri"] = "unknown migration protocol: URI (QEMU >= 10.0)"
        assert rsp == err("unknown migration protocol: bogus:x")
    else:
        assert rsp == err("Parameter 'uri' expects a valid migration protocol")
