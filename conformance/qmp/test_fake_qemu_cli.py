"""fake-qemu's own command line and process behaviour (no real-QEMU counterpart): options, the
`ready` line, SIGTERM, socket files, TCP, restarts, and survival under hostile input.
fake-qemu is started through the pytest plugin's fake_qemu fixture (which waits for `ready`);
a command line fake-qemu must refuse never gets ready, so those cases run it with a plain
subprocess.run and check its exit status and stderr.
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from pytest_virtwire import fake_qemu  # noqa: F401  (fixture)
from qmp_harness import FAKE, QmpConn


@pytest.fixture(autouse=True)
def need_fake():
    if not os.access(FAKE, os.X_OK):
        pytest.fail(f"fake-qemu not built: {FAKE} (set VW_BUILD)")


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="vwfq-")
    yield d
    for name in os.listdir(d):
        try:
            os.unlink(os.path.join(d, name))
        except OSError:
            pass
    os.rmdir(d)


def run(args, timeout=10):
    return subprocess.run([FAKE] + args, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)


def start(fake_qemu, path, *args, **options):
    """fake-qemu on the unix socket path with its own options args, no admin socket: the
    command line these cases always gave it."""
    return fake_qemu(socket=path, admin=False, extra_args=list(args), **options)


def negotiated(fake_qemu, tmp, *args):
    """A fake-qemu with its own options args on tmp/q.sock and a QmpConn past the
    capabilities; returns (fake, connection, socket path)."""
    path = os.path.join(tmp, "q.sock")
    f = start(fake_qemu, path, *args)
    c = QmpConn(path)
    c.negotiate()
    return f, c, path


def test_help_exits_zero():
    r = run(["--help"])
    assert r.returncode == 0
    assert b"--qmp" in r.stdout and b"--qemu-version" in r.stdout


@pytest.mark.parametrize("args,needle", [
    ([], b"--qmp"),
    (["--qmp"], b"needs a value"),
    (["--bogus"], b"unknown option"),
    (["--qmp", "udp:x"], b"unknown kind"),
    (["--qmp", "tcp:127.0.0.1"], b"missing port"),
    (["--qmp", "unix:/tmp/x", "--qemu-version", "7.x"], b"MAJOR.MINOR.MICRO"),
    (["--qmp", "unix:/tmp/x", "--qemu-version", "1.0.0"], b"no recorded QAPI schema"),
    (["--qmp", "unix:/tmp/x", "--machine", "q35"], b"--machine"),
    (["--qmp", "unix:/tmp/x", "--seed", "abc"], b"--seed"),
    (["--qmp", "unix:/tmp/x", "--scenario", "/nonexistent/f.json"], b"cannot open"),
    (["--qmp", "unix:/tmp/x", "--replay", "/nonexistent/t"], b"cannot open trace file"),
    (["--qmp", "unix:/tmp/x", "--record", "t"], b"--upstream ADDR go together"),
    (["--qmp", "unix:/tmp/x", "extra"], b"unexpected argument"),
    (["--qmp", "unix:/tmp/x", "--schema", "/nonexistent/schema.json"], b"/nonexistent/schema.json"),
], ids=["no-qmp", "qmp-no-value", "unknown-option", "bad-kind", "no-port", "bad-version",
        "unrecorded-version", "bad-machine", "bad-seed", "scenario", "replay", "record",
        "extra-arg", "missing-schema"])
def test_bad_command_line(args, needle):
    r = run(args)
    assert r.returncode != 0
    assert r.stdout == b""
    assert needle in r.stderr, r.stderr


def test_refuses_to_clobber_a_regular_file(tmp):
    path = os.path.join(tmp, "file")
    with open(path, "w") as f:
        f.write("keep me")
    r = run(["--qmp", "unix:" + path])
    assert r.returncode != 0 and b"not a socket" in r.stderr
    with open(path) as f:
        assert f.read() == "keep me"


def test_replaces_stale_socket_and_removes_it_on_sigterm(tmp, fake_qemu):
    path = os.path.join(tmp, "q.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)          # a socket file nobody listens on
    s.close()
    f = start(fake_qemu, path)
    assert f.ready_line == b"ready\n"
    c = QmpConn(path)
    assert "QMP" in c.greeting()
    c.close()
    assert f.terminate()[0] == 0
    assert not os.path.exists(path)


def test_refuses_a_live_socket(tmp, fake_qemu):
    path = os.path.join(tmp, "q.sock")
    first = start(fake_qemu, path)
    assert first.ready_line == b"ready\n"
    r = run(["--qmp", "unix:" + path])
    assert r.returncode != 0 and b"in use" in r.stderr
    assert first.terminate()[0] == 0


def test_sigterm_with_a_client_attached_exits_zero(tmp, fake_qemu):
    f, c, _ = negotiated(fake_qemu, tmp)
    c.send(b'{"execute": "query-')   # a partial command is pending
    assert f.terminate()[0] == 0
    assert c.wait_eof()


@pytest.mark.parametrize("version,models", [
    ("5.2.0", "5.2.0"), ("6.1.0", "5.2.0"), ("7.2.0", "7.2.22"), ("9.2.3", "7.2.22"),
    ("10.0.13", "10.0.13"), ("10.2.0", "10.0.13"), ("11.1.3", "11.1.3"), ("12.0.0", "11.1.3"),
])
def test_version_selects_the_nearest_recorded_release(tmp, fake_qemu, version, models):
    """--qemu-version X.Y.Z models the newest recorded release at or below X.Y: its command
    list and schema; the greeting still says X.Y.Z."""
    schemas = os.path.join(os.path.dirname(__file__), "..", "..", "fake-qemu", "schemas")
    path = os.path.join(tmp, "q.sock")
    f = start(fake_qemu, path, "--qemu-version", version, "--self-check")
    assert f.ready_line == b"ready\n"
    c = QmpConn(path)
    g = c.greeting()
    major, minor, micro = (int(x) for x in version.split("."))
    assert g["QMP"]["version"]["qemu"] == {"major": major, "minor": minor, "micro": micro}
    c.send('{"execute": "qmp_capabilities"}')
    assert c.recv() == {"return": {}}
    _, rsp = c.cmd("query-commands")
    with open(os.path.join(schemas, f"qemu-{models}-query-commands.json")) as fh:
        recorded = json.load(fh)
    assert sorted(x["name"] for x in rsp["return"]) == sorted(x["name"] for x in recorded)
    _, rsp = c.cmd("query-status")
    assert ("singlestep" in rsp["return"]) == (models in ("5.2.0", "7.2.22"))
    c.close()
    rc, stderr = f.terminate()
    assert rc == 0, stderr


def test_sigterm_sends_shutdown_event_in_model_mode(tmp, fake_qemu):
    f, c, _ = negotiated(fake_qemu, tmp, "--qemu-version", "5.2.0")
    f.proc.send_signal(signal.SIGTERM)
    ev = c.recv()
    assert ev["event"] == "SHUTDOWN"
    assert ev["data"] == {"guest": False, "reason": "host-signal"}
    assert c.wait_eof()
    assert f.terminate()[0] == 0


def test_tcp_listen(fake_qemu):
    # find a free port, then hand it to the fake
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    f = fake_qemu(listen=f"tcp:127.0.0.1:{port}", admin=False,
                  extra_args=["--qemu-version", "7.2.0"])
    assert f.ready_line == b"ready\n"
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.settimeout(10)
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = s.recv(4096)
        assert chunk
        data += chunk
    g = json.loads(data)
    assert g["QMP"]["version"] == {"qemu": {"major": 7, "minor": 2, "micro": 0},
                                   "package": "v7.2.0"}
    s.close()
    assert f.terminate()[0] == 0


def test_many_fast_start_stop_cycles(tmp, fake_qemu):
    path = os.path.join(tmp, "q.sock")
    for i in range(25):
        f = start(fake_qemu, path, seed=i)
        assert f.ready_line == b"ready\n"
        if i % 2:
            c = QmpConn(path)
            c.negotiate()
            c.close()
        assert f.terminate()[0] == 0


def test_schema_option_and_prelaunch(tmp, fake_qemu):
    schema = os.path.join(os.path.dirname(__file__), "..", "..", "fake-qemu", "schemas",
                          "qemu-7.2.22-query-qmp-schema.json")
    path = os.path.join(tmp, "q.sock")
    f = start(fake_qemu, path, "--schema", schema, "--qemu-version", "9.9.9", "--prelaunch",
              "--name", "vm1", "--uuid", "11111111-2222-3333-4444-555555555555")
    assert f.ready_line == b"ready\n"
    c = QmpConn(path)
    c.negotiate()
    _, rsp = c.cmd("query-status")
    assert rsp["return"]["status"] == "prelaunch"
    _, rsp = c.cmd("query-name")
    assert rsp == {"return": {"name": "vm1"}}
    _, rsp = c.cmd("query-uuid")
    assert rsp == {"return": {"UUID": "11111111-2222-3333-4444-555555555555"}}
    _, rsp = c.cmd("query-commands")
    assert len(rsp["return"]) > 200
    c.close()
    assert f.terminate()[0] == 0


def test_unimplemented_command_is_a_clear_error(tmp, fake_qemu):
    f, c, _ = negotiated(fake_qemu, tmp)
    _, rsp = c.cmd("query-iothreads")
    assert rsp["error"]["class"] == "GenericError"
    assert "not implemented" in rsp["error"]["desc"]
    c.close()
    assert f.terminate()[0] == 0


def test_flood_of_big_replies_with_slow_reader(tmp, fake_qemu):
    """Many schema requests in one write while the client does not read: the fake must not
    grow without bound or stall, and every reply must arrive once the client reads."""
    f, c, _ = negotiated(fake_qemu, tmp)
    n = 60
    c.send(b'{"execute": "query-qmp-schema"}' * n + b'{"execute": "query-status", "id": "end"}')
    time.sleep(0.5)
    for _ in range(n):
        _, rsp = c.recv_reply(timeout=30)
        assert len(rsp["return"]) > 1000
    _, rsp = c.recv_reply()
    assert rsp["id"] == "end"
    c.close()
    assert f.terminate()[0] == 0


def test_client_disconnect_mid_message_then_next_client(tmp, fake_qemu):
    f, c, path = negotiated(fake_qemu, tmp)
    c.send(b'{"execute": "query-status", "id": ')
    c.close()
    c2 = QmpConn(path)
    c2.negotiate()       # fresh state: the partial input was discarded
    _, rsp = c2.cmd("query-status", id="x")
    assert rsp["id"] == "x"
    c2.close()
    assert f.terminate()[0] == 0


def test_self_check_catches_replies_that_do_not_match_the_schema(tmp, fake_qemu):
    """--self-check validates the fake's own answers: with a schema whose StatusInfo lacks
    'singlestep', query-status's reply is flagged and the exit status is 3."""
    src = os.path.join(os.path.dirname(__file__), "..", "..", "fake-qemu", "schemas",
                       "qemu-7.2.22-query-qmp-schema.json")
    with open(src) as f:
        schema = json.load(f)
    by_name = {e["name"]: e for e in schema}
    status_info = by_name[by_name["query-status"]["ret-type"]]
    status_info["members"] = [m for m in status_info["members"] if m["name"] != "singlestep"]
    bad = os.path.join(tmp, "schema.json")
    with open(bad, "w") as f:
        json.dump(schema, f)
    f, c, _ = negotiated(fake_qemu, tmp, "--schema", bad, "--self-check")
    _, rsp = c.cmd("query-kvm")
    assert "return" in rsp
    _, rsp = c.cmd("query-status")
    assert "return" in rsp
    c.close()
    rc, err = f.terminate()
    assert rc == 3
    assert "self-check: reply of query-status" in err
    assert "'return.singlestep' is unexpected" in err
    assert "query-kvm" not in err
