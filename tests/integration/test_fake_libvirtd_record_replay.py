"""fake-libvirtd --record / --replay (docs/replay.md) with real peers.

Recording: virsh and virtc sessions (define/start/destroy/undefine, dominfo, dumpxml, list, and a
lifecycle event listener on its own connection) go through `fake-libvirtd --record --upstream`
to the real libvirtd's test driver; what the clients print must equal what they print talking to
the real daemon directly. Replay: the same clients against `fake-libvirtd --replay TRACE` (no
upstream at all) must print exactly what they printed during the recording, in strict and in
unordered matching. Raw-wire tests pin the details: serial renumbering, unordered matching, the
error reply for a call that matches nothing, --replay-unmatched close, PING -> PONG, the JSON
report, bad traces, an unreachable upstream.

The real daemon is shared with other tests, so every domain here has a unique name, and
comparisons with the direct run look only at rows and lines that concern our own domains.
"""
import contextlib
import json
import os
import struct
import subprocess

import pytest

from conftest import VIRTC, unique_name
from fake_libvirtd_fixtures import (FAKE, KEEPALIVE, REMOTE, VIRSH, FakeLibvirtd, RawClient,
                                    clean_env, decode_error, list_rows, normalise_ids, run_virsh,
                                    wait_for, xdr_string)

EVENT_TIMEOUT = "4"     # seconds the event listeners wait for events (they print what came)

PROC_CONNECT_GET_TYPE = 3
PROC_CONNECT_GET_HOSTNAME = 59
PROC_CONNECT_GET_LIB_VERSION = 157


def domain_file(directory, name):
    path = os.path.join(str(directory), name + ".xml")
    with open(path, "w") as f:
        f.write("<domain type='test'><name>%s</name><memory unit='KiB'>131072</memory>"
                "<vcpu>2</vcpu><os><type arch='x86_64'>hvm</type></os></domain>" % name)
    return path


def read_trace(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def event_registered(trace, conn):
    """True once the trace holds the reply to conn's event registration."""
    try:
        recs = read_trace(trace)
    except (OSError, ValueError):
        return False        # a line being written
    return any(r.get("conn") == conn and r.get("dir") == "s2c" and
               "REGISTER" in r.get("hdr", {}).get("proc", "") and
               r.get("hdr", {}).get("type") == "REPLY" for r in recs)


def start_listener(cmd, out_path):
    """Starts an event listener writing into out_path line by line: a test waits for its first
    line. virtc flushes every event line itself; virsh needs stdbuf (not used for virtc: its
    LD_PRELOAD would stop an ASan build)."""
    if cmd[0] == VIRSH:
        cmd = ["stdbuf", "-oL"] + cmd
    out = open(out_path, "w")
    try:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=clean_env())
    finally:
        out.close()


def finish_listener(proc, out_path):
    proc.wait(timeout=60)
    with open(out_path) as f:
        return proc.returncode, f.read()


def run_virtc(uri, *args):
    return subprocess.run([str(VIRTC), "-c", uri] + list(args), capture_output=True, text=True,
                          timeout=60, env=clean_env())


def stop_ok(fake):
    rc, err = fake.stop()
    assert rc == 0, "fake-libvirtd exited %d: %s" % (rc, err)
    return err


# ---- virsh: record, compare with the direct run, replay ---------------------------------------

def virsh_lifecycle(uri, name, xml):
    return run_virsh(uri, "define %s; list --all; dominfo %s; dumpxml %s; start %s; dominfo %s; "
                          "destroy %s; undefine %s" % (xml, name, name, name, name, name, name))


def virsh_listener(uri):
    return [VIRSH, "-c", uri, "event", "--event", "lifecycle", "--loop", "--timeout",
            EVENT_TIMEOUT]


def comparable(text, name, xml, other=None, other_xml=None):
    """Our domain's rows of list output and everything else, with generated ids normalised."""
    if other:
        text = text.replace(other_xml, xml).replace(other, name)
    text = normalise_ids(text)
    out = []
    for line in text.split("\n"):
        parts = line.split()
        if len(parts) >= 3 and parts[0] in ("<id>", "-", "1") and parts[1] not in (name, "test"):
            continue    # another test's domain in `list --all`
        line = " ".join(parts)          # list columns are as wide as the longest name
        out.append("---" if line and set(line) == {"-"} else line)
    return out


@contextlib.contextmanager
def recording(d, tool, libvirtd_sock, listener):
    """fake-libvirtd --record in front of the real libvirtd, into d/TOOL.trace, with an event
    listener (the command listener(uri)) registered through it first: recorded connection 1.
    Yields (recorder, out); out gets "trace", then "ev_rc" and "events" once the listener
    finished, and "record_stderr" once the recorder stopped (cleanly: stop_ok)."""
    out = {"trace": str(d / ("%s.trace" % tool))}
    rec = FakeLibvirtd(["--record", out["trace"], "--upstream", "unix:" + libvirtd_sock])
    try:
        ev_out = str(d / "events.txt")
        ev = start_listener(listener(rec.uri), ev_out)
        assert wait_for(lambda: event_registered(out["trace"], 1), timeout=20), \
            "%s event did not register through the recorder" % tool
        yield rec, out
        out["ev_rc"], out["events"] = finish_listener(ev, ev_out)
    finally:
        out["record_stderr"] = stop_ok(rec)


@pytest.fixture(scope="module")
def virsh_recording(test_uri, libvirtd_sock, tmp_path_factory):
    d = tmp_path_factory.mktemp("virsh-rec")
    name = unique_name("rr")
    xml = domain_file(d, name)
    with recording(d, "virsh", libvirtd_sock, virsh_listener) as (rec, out):
        # recorded connection 2: the lifecycle session; 3: the test domain
        life = virsh_lifecycle(rec.uri, name, xml)
        info = run_virsh(rec.uri, "dominfo test; dumpxml test")
    assert life.returncode == 0, life.stderr
    assert info.returncode == 0, info.stderr
    assert out["ev_rc"] == 0, out["events"]
    return {"dir": d, "trace": out["trace"], "name": name, "xml": xml, "life": life,
            "info": info, "events": out["events"], "record_stderr": out["record_stderr"]}


def test_record_virsh_sees_what_it_sees_directly(virsh_recording, test_uri, tmp_path):
    r = virsh_recording
    name = r["name"]
    other = unique_name("rrd")
    direct_xml = domain_file(tmp_path, other)
    direct = virsh_lifecycle(test_uri, other, direct_xml)
    assert direct.returncode == 0, direct.stderr
    assert comparable(r["life"].stdout, name, r["xml"]) == \
        comparable(direct.stdout, name, r["xml"], other, direct_xml)
    info = run_virsh(test_uri, "dominfo test; dumpxml test")
    assert normalise_ids(r["info"].stdout) == normalise_ids(info.stdout)
    # the listener saw our domain's whole life, as libvirt reports it
    mine = [l for l in r["events"].splitlines() if "'%s'" % name in l]
    assert mine == ["event 'lifecycle' for domain '%s': %s" % (name, what) for what in
                    ("Defined Added", "Started Booted", "Stopped Destroyed", "Undefined Removed")]


def test_recorded_trace_is_complete(virsh_recording):
    recs = read_trace(virsh_recording["trace"])
    head = recs[0]
    assert head["format"] == "virt-wire-trace" and head["protocol"] == "libvirt"
    assert head["tool"].startswith("fake-libvirtd --record")
    conns = sorted({r["conn"] for r in recs[1:]})
    assert conns == [1, 2, 3]
    for c in conns:
        mine = [r for r in recs[1:] if r["conn"] == c]
        assert mine[0]["rec"] == "open" and mine[-1]["rec"] == "close"
        calls = [r for r in mine if r.get("dir") == "c2s" and r["hdr"]["type"] == "CALL"]
        replies = [r for r in mine if r.get("dir") == "s2c" and r["hdr"]["type"] == "REPLY"]
        assert len(calls) == len(replies) > 5
    events = [r for r in recs if r.get("hdr", {}).get("type") == "MESSAGE" and r["conn"] == 1
              and "LIFECYCLE" in r["hdr"]["proc"]]
    assert len(events) >= 4
    # the trace reader (vwtrace show) accepts it
    show = subprocess.run([str(FAKE.parent / "vwtrace"), "show", virsh_recording["trace"]],
                          capture_output=True, text=True, timeout=60)
    assert show.returncode == 0, show.stderr


def replay_virsh(r, extra, tmp_path):
    report = str(tmp_path / "report.json")
    fake = FakeLibvirtd(["--replay", r["trace"], "--replay-report", report] + extra)
    try:
        ev_out = str(tmp_path / "events.txt")
        ev = start_listener(virsh_listener(fake.uri), ev_out)
        # the events follow the registration's reply at once: the listener has its connection
        assert wait_for(lambda: r["name"] in open(ev_out).read(), timeout=20), \
            "the replayed listener got no event"
        life = virsh_lifecycle(fake.uri, r["name"], r["xml"])
        info = run_virsh(fake.uri, "dominfo test; dumpxml test")
        ev_rc, events = finish_listener(ev, ev_out)
    finally:
        err = stop_ok(fake)
    with open(report) as f:
        rep = json.load(f)
    return life, info, ev_rc, events, err, rep


@pytest.mark.parametrize("match", ["strict", "unordered"])
def test_replay_virsh_prints_what_it_printed_recorded(virsh_recording, tmp_path, match):
    r = virsh_recording
    life, info, ev_rc, events, err, rep = replay_virsh(r, ["--replay-match", match], tmp_path)
    assert (life.returncode, life.stdout, life.stderr) == \
        (0, r["life"].stdout, r["life"].stderr)
    assert (info.returncode, info.stdout) == (0, r["info"].stdout)
    assert (ev_rc, events) == (0, r["events"])
    calls = sum(1 for x in read_trace(r["trace"])[1:]
                if x.get("dir") == "c2s" and x["hdr"]["type"] == "CALL")
    assert rep["match"] == match
    assert rep["matched"] == calls, err
    assert rep["unmatched"] == 0 and rep["never_used"] == 0, err
    assert [c["recorded_conn"] for c in rep["connections"]] == [1, 2, 3]
    assert "3 served connections" in err and "0 unmatched" in err


# ---- virtc: its own session, recorded and replayed ---------------------------------------------

def virtc_listener(uri):
    return [str(VIRTC), "-c", uri, "event", "--loop", "--timeout", EVENT_TIMEOUT]


def virtc_session(uri, name, xml):
    cmds = [("define", xml), ("dominfo", name), ("dumpxml", name), ("start", name),
            ("list", "--all"), ("domstate", name), ("destroy", name), ("undefine", name),
            ("dominfo", "test"), ("version",)]
    return [run_virtc(uri, *c) for c in cmds]


@pytest.fixture(scope="module")
def virtc_recording(test_uri, libvirtd_sock, tmp_path_factory):
    d = tmp_path_factory.mktemp("virtc-rec")
    name = unique_name("rrc")
    xml = domain_file(d, name)
    with recording(d, "virtc", libvirtd_sock, virtc_listener) as (rec, out):
        results = virtc_session(rec.uri, name, xml)
    for res in results:
        assert res.returncode == 0, (res.args, res.stderr)
    return {"trace": out["trace"], "name": name, "xml": xml, "results": results,
            "events": out["events"], "ev_rc": out["ev_rc"]}


def test_record_virtc_sees_what_it_sees_directly(virtc_recording, test_uri, tmp_path):
    r = virtc_recording
    other = unique_name("rrcd")
    direct_xml = domain_file(tmp_path, other)
    direct = virtc_session(test_uri, other, direct_xml)
    for rec, dir_ in zip(r["results"], direct):
        assert dir_.returncode == 0, dir_.stderr
        mine = normalise_ids(rec.stdout)
        theirs = normalise_ids(dir_.stdout.replace(direct_xml, r["xml"]).replace(other, r["name"]))
        if rec.args[3] == "list":
            mine = [l.split() for l in list_rows(mine, [r["name"], "test"])]
            theirs = [l.split() for l in list_rows(theirs, [r["name"], "test"])]
        assert mine == theirs, rec.args
    mine = [l for l in r["events"].splitlines() if "'%s'" % r["name"] in l]
    assert len(mine) == 4 and r["ev_rc"] == 0, r["events"]


@pytest.mark.parametrize("match", ["strict", "unordered"])
def test_replay_virtc_prints_what_it_printed_recorded(virtc_recording, tmp_path, match):
    r = virtc_recording
    report = str(tmp_path / "report.json")
    fake = FakeLibvirtd(["--replay", r["trace"], "--replay-match", match,
                         "--replay-report", report])
    try:
        ev_out = str(tmp_path / "events.txt")
        ev = start_listener([str(VIRTC), "-c", fake.uri, "event", "--loop", "--timeout",
                             EVENT_TIMEOUT], ev_out)
        assert wait_for(lambda: r["name"] in open(ev_out).read(), timeout=20)
        results = virtc_session(fake.uri, r["name"], r["xml"])
        ev_rc, events = finish_listener(ev, ev_out)
    finally:
        err = stop_ok(fake)
    for rec, rep in zip(r["results"], results):
        assert (rep.returncode, rep.stdout, rep.stderr) == \
            (rec.returncode, rec.stdout, rec.stderr), rec.args
    assert (ev_rc, events) == (r["ev_rc"], r["events"])
    with open(report) as f:
        rep = json.load(f)
    assert rep["unmatched"] == 0 and rep["never_used"] == 0, err
    assert len(rep["connections"]) == 1 + len(results)


# ---- raw wire: carried byte for byte; matching details ---------------------------------------

def test_record_carries_keepalive_and_unknown_procedures(libvirtd_sock, tmp_path):
    trace = str(tmp_path / "raw.trace")
    direct = RawClient(libvirtd_sock)
    direct.open()
    d_hdr, d_body = direct.call(4242, 7)
    direct.close()
    rec = FakeLibvirtd(["--record", trace, "--upstream", "unix:" + libvirtd_sock])
    try:
        c = RawClient(rec.sock)
        c.open()
        hdr, body = c.call(4242, 7)
        assert (hdr, body) == (d_hdr, d_body)       # the real daemon's own error, unchanged
        assert decode_error(body)["code"] != 0
        c.send(1, 0, prog=KEEPALIVE, mtype=2)        # PING
        assert c.recv()[0] == (KEEPALIVE, 1, 2, 2, 0, 0)   # the real daemon's PONG
        # left open: SIGTERM must still leave a complete trace
    finally:
        stop_ok(rec)
    recs = read_trace(trace)
    procs = [(r["dir"], r["hdr"]["proc"]) for r in recs[1:] if r["rec"] == "msg"]
    assert ("c2s", "PROC_4242") in procs and ("s2c", "PROC_4242") in procs
    assert ("c2s", "PING") in procs and ("s2c", "PONG") in procs
    assert recs[-1] == {**recs[-1], "rec": "close", "conn": 1, "by": "end"}


@pytest.fixture(scope="module")
def raw_trace(libvirtd_sock, tmp_path_factory):
    """A recorded raw session: open, GET_TYPE, GET_HOSTNAME, GET_LIB_VERSION, with the replies
    the real daemon gave."""
    trace = str(tmp_path_factory.mktemp("raw") / "raw.trace")
    rec = FakeLibvirtd(["--record", trace, "--upstream", "unix:" + libvirtd_sock])
    try:
        c = RawClient(rec.sock)
        c.open()
        replies = {p: c.call(p, 10 + i)[1] for i, p in enumerate(
            (PROC_CONNECT_GET_TYPE, PROC_CONNECT_GET_HOSTNAME, PROC_CONNECT_GET_LIB_VERSION))}
        c.close()
        # records reach the file in batches (at most 100 ms late): poll for the close
        assert wait_for(lambda: read_trace(trace)[-1].get("rec") == "close")
    finally:
        stop_ok(rec)
    return trace, replies


def test_replay_unordered_renumbers_serials(raw_trace, tmp_path):
    trace, replies = raw_trace
    fake = FakeLibvirtd(["--replay", trace, "--replay-match", "unordered"])
    try:
        c = RawClient(fake.sock)
        c.open()
        for serial, proc in ((900, PROC_CONNECT_GET_LIB_VERSION), (901, PROC_CONNECT_GET_TYPE),
                             (902, PROC_CONNECT_GET_HOSTNAME)):
            hdr, body = c.call(proc, serial)
            assert hdr == (REMOTE, 1, proc, 1, serial, 0)
            assert body == replies[proc]
        # a PING nobody recorded still gets its PONG
        c.send(1, 0, prog=KEEPALIVE, mtype=2)
        assert c.recv()[0] == (KEEPALIVE, 1, 2, 2, 0, 0)
        c.close()
    finally:
        err = stop_ok(fake)
    assert "5 calls matched, 0 unmatched, 0 recorded calls never used" in err


def test_replay_strict_refuses_out_of_order_and_reports(raw_trace, tmp_path):
    trace, replies = raw_trace
    report = str(tmp_path / "report.json")
    fake = FakeLibvirtd(["--replay", trace, "--replay-report", report])
    try:
        c = RawClient(fake.sock)
        c.open()
        hdr, body = c.call(PROC_CONNECT_GET_HOSTNAME, 33)      # recorded after GET_TYPE
        assert hdr == (REMOTE, 1, PROC_CONNECT_GET_HOSTNAME, 1, 33, 1)
        e = decode_error(body)
        assert (e["code"], e["domain"]) == (39, 7)              # VIR_ERR_RPC, VIR_FROM_RPC
        assert e["message"].startswith("fake-libvirtd replay: no recorded call matches "
                                       "REMOTE_PROC_CONNECT_GET_HOSTNAME (serial 33)")
        hdr, body = c.call(PROC_CONNECT_GET_TYPE, 34)           # the expected one still works
        assert hdr == (REMOTE, 1, PROC_CONNECT_GET_TYPE, 1, 34, 0)
        assert body == replies[PROC_CONNECT_GET_TYPE]
        c.close()
    finally:
        err = stop_ok(fake)
    assert "no recorded call matches REMOTE_PROC_CONNECT_GET_HOSTNAME (serial 33, strict " \
           "mode); nearest recorded call: REMOTE_PROC_CONNECT_GET_TYPE" in err
    assert "the procedure differs" in err
    with open(report) as f:
        rep = json.load(f)
    assert (rep["matched"], rep["unmatched"], rep["never_used"]) == (3, 1, 2)
    conn = rep["connections"][0]
    assert conn["unmatched_calls"] == [{"proc": "REMOTE_PROC_CONNECT_GET_HOSTNAME", "serial": 33}]
    assert [u["proc"] for u in conn["never_used_calls"]] == [
        "REMOTE_PROC_CONNECT_GET_HOSTNAME", "REMOTE_PROC_CONNECT_GET_LIB_VERSION"]
    assert rep["never_served"] == []


def test_replay_unmatched_arguments_are_named(raw_trace):
    trace, _ = raw_trace
    fake = FakeLibvirtd(["--replay", trace, "--replay-match", "unordered"])
    try:
        c = RawClient(fake.sock)
        c.call(66, 0)
        # CONNECT_OPEN with another name than the recorded test:///default
        hdr, body = c.call(1, 1, struct.pack(">I", 1) + xdr_string("test:///other") +
                           struct.pack(">I", 0))
        assert hdr[5] == 1
        assert "REMOTE_PROC_CONNECT_OPEN (serial 1)" in decode_error(body)["message"]
        c.close()
    finally:
        err = stop_ok(fake)
    assert "nearest recorded call: REMOTE_PROC_CONNECT_OPEN" in err
    assert "the arguments differ at byte" in err


def test_replay_unmatched_close(raw_trace):
    trace, _ = raw_trace
    fake = FakeLibvirtd(["--replay", trace, "--replay-unmatched", "close"])
    try:
        c = RawClient(fake.sock)
        c.open()
        c.send(PROC_CONNECT_GET_LIB_VERSION, 5)
        with pytest.raises((EOFError, ConnectionResetError, BrokenPipeError)):
            c.recv()
        c.close()
    finally:
        err = stop_ok(fake)
    assert "closing the connection (--replay-unmatched close)" in err


def test_replay_extra_client_gets_errors(raw_trace):
    trace, _ = raw_trace
    fake = FakeLibvirtd(["--replay", trace])
    try:
        first = RawClient(fake.sock)
        first.open()
        second = RawClient(fake.sock)
        hdr, body = second.call(66, 0)
        assert hdr[5] == 1
        assert "no recorded connection left" in decode_error(body)["message"]
        first.close()
        second.close()
    finally:
        stop_ok(fake)


# ---- errors at start-up and when the upstream goes away ----------------------------------------

def start_fails(args):
    p = subprocess.run([str(FAKE)] + args, capture_output=True, text=True, timeout=30)
    assert p.stdout == ""
    return p.returncode, p.stderr


def test_bad_trace_names_the_line(tmp_path, raw_trace):
    bad = tmp_path / "bad.trace"
    lines = open(raw_trace[0]).read().splitlines()
    lines[2] = lines[2].replace('"dir":"c2s"', '"dir":"sideways"')
    bad.write_text("\n".join(lines) + "\n")
    rc, err = start_fails(["--listen", "unix:%s" % (tmp_path / "s"), "--replay", str(bad)])
    assert rc == 2
    assert "%s:3:" % bad in err and "dir" in err


def test_qmp_trace_is_refused(tmp_path):
    t = tmp_path / "qmp.trace"
    t.write_text('{"format":"virt-wire-trace","version":1,"protocol":"qmp"}\n')
    rc, err = start_fails(["--listen", "unix:%s" % (tmp_path / "s"), "--replay", str(t)])
    assert rc == 2
    assert "qmp trace" in err and "fake-qemu --replay" in err


def test_upstream_unreachable_at_start(tmp_path):
    rc, err = start_fails(["--listen", "unix:%s" % (tmp_path / "s"), "--record",
                           str(tmp_path / "t.trace"), "--upstream",
                           "unix:%s" % (tmp_path / "nobody")])
    assert rc != 0
    assert "--upstream unix:%s: the real libvirtd is unreachable" % (tmp_path / "nobody") in err


def test_upstream_gone_at_connect_closes_client(tmp_path):
    upstream = FakeLibvirtd()        # a model-mode fake stands in for the real daemon
    trace = str(tmp_path / "t.trace")
    rec = FakeLibvirtd(["--record", trace, "--upstream", "unix:" + upstream.sock])
    try:
        stop_ok(upstream)
        c = RawClient(rec.sock)
        with pytest.raises((EOFError, ConnectionResetError, BrokenPipeError)):
            c.call(66, 0)
        c.close()
    finally:
        err = stop_ok(rec)
    assert "is unreachable" in err and "closing the client" in err
    assert [r["rec"] for r in read_trace(trace)[1:]] == []


def test_option_errors(tmp_path):
    sock = "unix:%s" % (tmp_path / "s")
    rc, err = start_fails(["--listen", sock, "--record", str(tmp_path / "t")])
    assert rc == 2 and "--upstream" in err
    rc, err = start_fails(["--listen", sock, "--replay-match", "strict"])
    assert rc == 2 and "needs --replay" in err
    rc, err = start_fails(["--listen", sock, "--replay", "x", "--replay-match", "fuzzy"])
    assert rc == 2 and "strict or unordered" in err


def test_replay_pick_match_serves_the_matching_connection(libvirtd_sock, tmp_path):
    """Two recorded connections that differ after their opening calls: with --replay-pick match
    a client is served from the one whose calls match its own, whichever connects first."""
    trace = str(tmp_path / "two.trace")
    rec = FakeLibvirtd(["--record", trace, "--upstream", "unix:" + libvirtd_sock])
    try:
        for proc in (PROC_CONNECT_GET_TYPE, PROC_CONNECT_GET_HOSTNAME):
            c = RawClient(rec.sock)
            c.open()
            c.call(proc, 5)
            c.close()
            n = 2 if proc == PROC_CONNECT_GET_HOSTNAME else 1
            assert wait_for(lambda: sum(1 for r in read_trace(trace)[1:]
                                        if r["rec"] == "close") == n)
    finally:
        stop_ok(rec)
    for pick, expect_ok in (("match", True), ("next", False)):
        fake = FakeLibvirtd(["--replay", trace, "--replay-pick", pick])
        try:
            c = RawClient(fake.sock)
            c.open()
            hdr, body = c.call(PROC_CONNECT_GET_HOSTNAME, 40)   # what recorded connection 2 did
            assert (hdr[5] == 0) == expect_ok, (pick, decode_error(body) if hdr[5] else body)
            c.close()
        finally:
            err = stop_ok(fake)
        if expect_ok:
            assert "1 of 2 recorded connections never served" in err
            assert "(recorded connection 2) closed: 3 calls matched, 0 unmatched" in err


def test_replay_unmatched_call_is_a_libvirt_error_in_python(virsh_recording, tmp_path):
    """python3-libvirt against a virsh trace, unordered: its opening calls are in the trace, the
    lookup of a domain nobody recorded is a libvirtError with the defined code and message."""
    import libvirt
    report = str(tmp_path / "report.json")
    fake = FakeLibvirtd(["--replay", virsh_recording["trace"], "--replay-match", "unordered",
                         "--replay-report", report])
    try:
        conn = libvirt.open(fake.uri)
        with pytest.raises(libvirt.libvirtError) as exc:
            conn.lookupByName("never-recorded")
        assert exc.value.get_error_code() == libvirt.VIR_ERR_RPC
        assert exc.value.get_error_domain() == libvirt.VIR_FROM_RPC
        assert "fake-libvirtd replay: no recorded call matches " \
               "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME" in exc.value.get_error_message()
        conn.close()
    finally:
        err = stop_ok(fake)
    with open(report) as f:
        rep = json.load(f)
    assert rep["unmatched"] >= 1
    assert {"proc": "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME"}.items() <= \
        rep["connections"][0]["unmatched_calls"][0].items()
    assert "no recorded call matches REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME" in err
    assert "nearest recorded call: " in err


def test_record_and_replay_a_stream(libvirtd_sock, test_uri, tmp_path):
    """virsh screenshot: the image comes over a libvirt stream (STREAM packets after the reply);
    recorded and replayed, the file is byte for byte the one the real daemon sends."""
    trace = str(tmp_path / "stream.trace")
    shots = [str(tmp_path / n) for n in ("direct.png", "recorded.png", "replayed.png")]
    direct = run_virsh(test_uri, "screenshot test %s" % shots[0])
    assert direct.returncode == 0, direct.stderr
    rec = FakeLibvirtd(["--record", trace, "--upstream", "unix:" + libvirtd_sock])
    try:
        recorded = run_virsh(rec.uri, "screenshot test %s" % shots[1])
    finally:
        stop_ok(rec)
    assert recorded.returncode == 0, recorded.stderr
    kinds = [r["hdr"]["type"] for r in read_trace(trace)[1:] if r["rec"] == "msg"]
    assert kinds.count("STREAM") >= 3
    fake = FakeLibvirtd(["--replay", trace])
    try:
        replayed = run_virsh(fake.uri, "screenshot test %s" % shots[2])
    finally:
        err = stop_ok(fake)
    assert (replayed.returncode, replayed.stdout.replace(shots[2], "F")) == \
        (0, recorded.stdout.replace(shots[1], "F"))
    data = [open(p, "rb").read() for p in shots]
    assert len(data[0]) > 1000 and data[0] == data[1] == data[2]
    assert "0 unmatched, 0 recorded calls never used" in err
