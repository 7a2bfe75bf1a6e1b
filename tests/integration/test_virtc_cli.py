"""virtc's command line: help, version, usage errors (exit 2), connection errors (exit 1), the
URI from the environment, and the -t timeout against a peer that never answers."""
import os
import re
import socket
import subprocess

import pytest

from conftest import VIRTC, _clean_env, error_lines, normalise, run_virsh, run_virtc

COMMANDS = ["version", "hostname", "nodeinfo", "list", "dominfo", "domstate", "dumpxml", "define",
            "undefine", "start", "create", "destroy", "shutdown", "reboot", "suspend", "resume",
            "qemu-monitor-command", "event", "net-list", "pool-list", "domains", "qmp"]


def test_help_lists_every_command(virtc_bin):
    out = run_virtc(["--help"])
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.startswith("usage: virtc")
    for cmd in COMMANDS:
        assert re.search(r"^\s+%s\b" % re.escape(cmd), out.stdout, re.M), cmd
    assert "exit status" in out.stdout.lower()


def test_version_option(virtc_bin):
    out = run_virtc(["--version"])
    assert out.returncode == 0
    assert re.fullmatch(r"virtc \(virt-wire\) \d+\.\d+\.\d+\n", out.stdout), out.stdout


@pytest.mark.parametrize("args,message", [
    (["bogus"], "error: unknown command: 'bogus'"),
    (["dominfo"], "error: command 'dominfo' requires <domain> option"),
    (["start"], "error: command 'start' requires <domain> option"),
    (["define"], "error: command 'define' requires <file> option"),
    (["qemu-monitor-command", "x"], "error: command 'qemu-monitor-command' requires <cmd> option"),
    (["list", "--bogus"], "error: command 'list' doesn't support option --bogus"),
    (["dominfo", "a", "b"], "error: unexpected data 'b'"),
])
def test_usage_errors_like_virsh(virtc_bin, test_uri, args, message):
    # the URI is valid, but a usage error is found before connecting; exit 2 (virsh uses 1)
    mine = run_virtc(args, uri=test_uri)
    theirs = run_virsh(args, test_uri)
    assert theirs.returncode == 1
    assert error_lines(theirs.stderr)[0] == message
    assert mine.returncode == 2, (mine.stdout, mine.stderr)
    assert error_lines(mine.stderr)[0] == message
    assert mine.stdout == ""


@pytest.mark.parametrize("args", [[], ["-c"], ["-t"], ["-t", "abc", "list"], ["-t", "0", "list"],
                                  ["--nonsense", "list"]])
def test_bad_global_options(virtc_bin, args):
    out = run_virtc(args)
    assert out.returncode == 2, (args, out.stdout, out.stderr)
    assert out.stderr.startswith("error: ") or out.stderr.startswith("usage: ")
    assert out.stdout == ""


def test_missing_socket(virtc_bin, tmp_path):
    uri = "test+unix:///default?socket=%s" % (tmp_path / "no-such-sock")
    mine = run_virtc(["list"], uri=uri)
    theirs = run_virsh(["list"], uri)
    assert mine.returncode == 1 and theirs.returncode == 1
    lines = error_lines(mine.stderr)
    assert lines[0] == "error: failed to connect to the hypervisor"
    assert str(tmp_path / "no-such-sock") in lines[1] and "No such file or directory" in lines[1]
    assert mine.stdout == ""


@pytest.mark.parametrize("uri", ["bogus", "://", "test+unix:///default?socket=", "test+nope:///x",
                                 "qemu+tcp://127.0.0.1:notaport/system"])
def test_bad_uri(virtc_bin, uri):
    out = run_virtc(["list"], uri=uri)
    assert out.returncode == 1, (uri, out.stdout, out.stderr)
    lines = error_lines(out.stderr)
    assert lines[0] == "error: failed to connect to the hypervisor"
    assert len(lines) == 2 and lines[1].startswith("error: ") and len(lines[1]) > 10
    assert out.stdout == ""


def test_tcp_connection_refused(virtc_bin):
    # a port nothing listens on (bound then closed)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    out = run_virtc(["list"], uri="qemu+tcp://127.0.0.1:%d/system" % port)
    assert out.returncode == 1
    assert error_lines(out.stderr)[0] == "error: failed to connect to the hypervisor"


def test_uri_from_environment(virtc_bin, test_uri):
    env = _clean_env()
    env["LIBVIRT_DEFAULT_URI"] = test_uri
    out = run_virtc(["hostname"], env=env)
    assert out.returncode == 0, out.stderr
    assert normalise(out.stdout) == normalise(run_virsh(["hostname"], test_uri).stdout)


def test_no_uri_at_all(virtc_bin):
    out = run_virtc(["hostname"])
    assert out.returncode == 2
    assert "-c" in out.stderr and "LIBVIRT_DEFAULT_URI" in out.stderr


def test_timeout_against_silent_peer(virtc_bin, tmp_path):
    """A peer that accepts and never answers: virtc -t 1 gives up with a clear error."""
    path = str(tmp_path / "silent.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    try:
        out = subprocess.run([str(VIRTC), "-t", "1", "-c", "test+unix:///default?socket=" + path,
                              "list"], capture_output=True, text=True, timeout=60,
                             env=_clean_env())
    finally:
        srv.close()
    assert out.returncode == 1, (out.stdout, out.stderr)
    text = out.stderr.lower()
    assert text.startswith("error: ") and ("timed out" in text or "timeout" in text), out.stderr


def test_peer_closes_immediately(virtc_bin, tmp_path):
    """A peer that accepts and closes at once: an error, no crash, no hang."""
    path = str(tmp_path / "closing.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    proc = subprocess.Popen([str(VIRTC), "-t", "5", "-c", "test+unix:///default?socket=" + path,
                             "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_clean_env())
    try:
        conn, _ = srv.accept()
        conn.close()
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        srv.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, (stdout, stderr)
    assert stderr.startswith("error: ")
    assert os.path.exists(path)


def test_qmp_is_dispatched(virtc_bin):
    """`virtc qmp ...` goes to the QMP command group (virtc_qmp.c), arguments intact."""
    out = run_virtc(["qmp", "--help"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: virtc qmp")


def test_qmp_against_real_qemu(virtc_bin, tmp_path):
    """The dispatch end to end: a real QEMU (no machine, TCG) answers query-status."""
    import json
    import time
    path = tmp_path / "qmp.sock"
    qemu = subprocess.Popen(["qemu-system-x86_64", "-machine", "none", "-nodefaults",
                             "-display", "none", "-accel", "tcg",
                             "-qmp", "unix:%s,server=on,wait=off" % path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not path.exists() and qemu.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.exists(), "qemu did not create its QMP socket: %s" % (
            qemu.stderr.read().decode() if qemu.poll() is not None else "still running")
        out = run_virtc(["qmp", "unix:%s" % path, "query-status"])
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["status"] in ("prelaunch", "running", "paused")
    finally:
        qemu.kill()
        qemu.wait()
