"""`virtc qmp` (client/virtc_qmp.c + client/qmp_client.c) against a real QEMU and fake-qemu.

Each test runs twice: against its own qemu-system-x86_64 -machine none ... -S, and against its
own `fake-qemu --prelaunch` (the fake's equivalent of -S), each with a QMP unix socket in a
private directory (QEMU serves one client at a time, and every `virtc qmp` run is one
connection). It drives them only through `$VW_BUILD/bin/virtc qmp ...`, with the same
assertions for both, and stops the server afterwards.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from pytest_virtwire.process import FakeQemu as FakeQemu_  # the plugin's; FakeQemu below wraps it

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
VIRTC = BUILD / "bin" / "virtc"
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
SCHEMA = pathlib.Path("/work/shared/reference/qemu-7.2.22-query-qmp-schema.json")
PROC_TIMEOUT = 60
os.environ.setdefault("VW_BUILD", str(BUILD))   # where the plugin's FakeQemu finds fake-qemu


class Qemu:
    def __init__(self, directory):
        self.dir = directory
        self.sock = os.path.join(directory, "qmp.sock")
        self.target = "unix:" + self.sock
        self.log = open(os.path.join(directory, "qemu.log"), "w")
        self.proc = subprocess.Popen(
            [QEMU, "-machine", "none", "-nodefaults", "-display", "none", "-accel", "tcg",
             "-S", "-qmp", "unix:%s,server=on,wait=off" % self.sock],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("QEMU did not create %s; log:\n%s" % (self.sock, self.log_text()))
            time.sleep(0.02)

    kind = "qemu"

    def log_text(self):
        self.log.flush()
        return pathlib.Path(self.dir, "qemu.log").read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=PROC_TIMEOUT)
        self.log.close()


class FakeQemu(Qemu):
    """fake-qemu in its default (QEMU 7.2.22) model, stopped in prelaunch like QEMU's -S."""
    kind = "fake"
    VERSION = "7.2.5"       # not the host QEMU's, so the version test sees the fake's own

    def __init__(self, directory):
        self.dir = directory
        self.sock = os.path.join(directory, "qmp.sock")
        self.target = "unix:" + self.sock
        try:    # the plugin's FakeQemu waits for `ready`; stderr in DIRECTORY/qemu.log
            self.fake = FakeQemu_(directory, socket=self.sock, admin=False,
                                  log=os.path.join(directory, "qemu.log"),
                                  extra_args=["--prelaunch", "--qemu-version", self.VERSION])
        except RuntimeError as e:
            pytest.fail("fake-qemu did not start: %s" % e)
        self.proc = self.fake.proc

    def log_text(self):
        return self.fake.stderr_text()

    def stop(self):
        self.fake.terminate(PROC_TIMEOUT)


@pytest.fixture(params=["qemu", "fake"])
def qemu(request):
    if not VIRTC.exists():
        pytest.fail("%s is missing: build first (make)" % VIRTC)
    directory = tempfile.mkdtemp(prefix="vw-qmp-")
    q = (Qemu if request.param == "qemu" else FakeQemu)(directory)
    try:
        yield q
    finally:
        q.stop()
        shutil.rmtree(directory, ignore_errors=True)


def virtc(*args):
    return subprocess.run([str(VIRTC), "qmp"] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=PROC_TIMEOUT)


def ok_json(*args):
    r = virtc(*args)
    assert r.returncode == 0, "virtc qmp %s: rc %d\n%s" % (args, r.returncode, r.stderr)
    assert r.stdout.endswith("\n") and r.stdout.count("\n") == 1, r.stdout[:500]
    return json.loads(r.stdout)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_query_version_matches_binary(qemu):
    ret = ok_json(qemu.target, "query-version")
    if qemu.kind == "fake":
        out = "version " + FakeQemu.VERSION
    else:
        out = subprocess.run([QEMU, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"version (\d+)\.(\d+)\.(\d+)", out)
    assert m, out
    assert ret["qemu"] == {"major": int(m.group(1)), "minor": int(m.group(2)),
                           "micro": int(m.group(3))}
    assert isinstance(ret["package"], str)


def test_greeting_is_printed(qemu):
    r = virtc(qemu.target, "--greeting", "query-name")
    assert r.returncode == 0, r.stderr
    lines = json_lines(r.stdout)
    assert lines[0]["QMP"]["capabilities"] == ["oob"]
    assert lines[0]["QMP"]["version"]["qemu"]["major"] == 7
    assert lines[1] == {}          # query-name without -name


def test_status_prelaunch_then_running_then_paused(qemu):
    assert ok_json(qemu.target, "query-status")["status"] == "prelaunch"
    assert ok_json(qemu.target, "cont") == {}
    st = ok_json(qemu.target, "query-status")
    assert st["status"] == "running" and st["running"] is True
    assert ok_json(qemu.target, "stop") == {}
    assert ok_json(qemu.target, "query-status")["status"] == "paused"


def test_events_come_before_the_return(qemu):
    r = virtc(qemu.target, "--events", "--timeout", "0.5", "cont")
    assert r.returncode == 0, r.stderr
    lines = json_lines(r.stdout)
    assert [l.get("event", "return") for l in lines] == ["RESUME", "return"]
    ts = lines[0]["timestamp"]
    assert ts["seconds"] > 1600000000 and 0 <= ts["microseconds"] < 1000000
    assert lines[1] == {"return": {}}

    r = virtc(qemu.target, "--events", "--timeout", "0.5", "stop")
    assert r.returncode == 0, r.stderr
    assert [l.get("event", "return") for l in json_lines(r.stdout)] == ["STOP", "return"]


def test_events_only_listens_until_timeout(qemu):
    r = virtc(qemu.target, "--events", "--timeout", "0.3")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""          # nothing happens to a prelaunch VM on its own


def test_quit_shutdown_event_return_then_close(qemu):
    r = virtc(qemu.target, "--events", "--timeout", "5", "quit")
    assert r.returncode == 0, r.stderr
    lines = json_lines(r.stdout)
    assert lines[0]["event"] == "SHUTDOWN"
    assert lines[0]["data"] == {"guest": False, "reason": "host-qmp-quit"}
    assert lines[1] == {"return": {}}
    assert "closed" in r.stderr or "reset" in r.stderr
    assert qemu.proc.wait(timeout=PROC_TIMEOUT) == 0


def test_command_errors_have_class_and_desc(qemu):
    r = virtc(qemu.target, "device_del", '{"id": "nosuch"}')
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == "error: DeviceNotFound: Device 'nosuch' not found\n"

    r = virtc(qemu.target, "no-such-command")
    assert r.returncode == 1
    assert r.stderr == "error: CommandNotFound: The command no-such-command has not been found\n"

    # QEMU's single-quoted JSON is accepted for the arguments
    r = virtc(qemu.target, "query-status", "{'x': 1}")
    assert r.returncode == 1
    assert r.stderr == "error: GenericError: Parameter 'x' is unexpected\n"


def test_oob_command(qemu):
    r = virtc(qemu.target, "--oob", "migrate-pause")
    assert r.returncode == 1
    assert r.stderr == ("error: GenericError: migrate-pause is currently only supported "
                        "during postcopy-active state\n")
    r = virtc(qemu.target, "--oob", "query-status")
    assert r.returncode == 1
    assert r.stderr == "error: GenericError: The command query-status does not support OOB\n"


def test_schema_reply_is_complete(qemu):
    r = virtc(qemu.target, "query-qmp-schema")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout) > 200000
    schema = json.loads(r.stdout)
    names = {e["name"] for e in schema}
    assert {"query-status", "STOP", "qmp_capabilities"} <= names
    if SCHEMA.exists():
        assert schema == json.loads(SCHEMA.read_text())


def test_hmp_passthrough_and_ids(qemu):
    out = ok_json(qemu.target, "human-monitor-command", '{"command-line": "info status"}')
    assert out == "VM status: paused (prelaunch)\r\n"
    # any JSON id is accepted, including one beyond int64
    assert ok_json(qemu.target, "--id", "12345678901234567890", "query-name") == {}
    assert ok_json(qemu.target, "--id", '{"nested": [1, 2]}', "query-name") == {}


def test_connection_and_usage_problems(qemu, tmp_path):
    missing = tmp_path / "nothing.sock"
    r = virtc("unix:%s" % missing, "query-status")
    assert r.returncode == 2
    assert str(missing) in r.stderr

    r = virtc("tcp:127.0.0.1:1", "query-status", "--timeout", "2")
    assert r.returncode == 2
    assert "127.0.0.1" in r.stderr

    r = virtc(qemu.target, "query-status", "{not json")
    assert r.returncode == 2
    assert "JSON-ARGS" in r.stderr

    r = virtc(qemu.target, "query-status", "--timeout", "zero")
    assert r.returncode == 2

    r = virtc("--help")
    assert r.returncode == 0
    assert "virtc qmp TARGET COMMAND" in r.stdout


def test_second_client_waits_for_greeting(qemu):
    # QEMU serves one client per monitor: while one is attached, a second gets no greeting.
    import socket
    holder = socket.socket(socket.AF_UNIX)
    holder.connect(qemu.sock)
    try:
        holder.settimeout(5)
        assert b'"QMP"' in holder.recv(4096)
        r = virtc(qemu.target, "query-status", "--timeout", "0.5")
        assert r.returncode == 2
        assert "no QMP greeting" in r.stderr
    finally:
        holder.close()
    # and once the first client left, it works again
    assert ok_json(qemu.target, "query-status")["status"] == "prelaunch"
