"""The pytest plugin (pytest-plugin/pytest_virtwire/) used the way another project uses it:
an inner pytest session in a scratch directory outside this tree, with only
PYTHONPATH=pytest-plugin and `-p pytest_virtwire` (docs/pytest-plugin.md).
"""
import os
import subprocess
import sys
import textwrap

from conftest import BUILD, REPO

PLUGIN_DIR = REPO / "pytest-plugin"

INNER_OK = '''
import json, socket
import libvirt

def test_libvirt_stub_and_journal(fake_libvirtd):
    fl = fake_libvirtd(scenario={"stubs": [{
        "match": {"procedure": "DOMAIN_LOOKUP_BY_NAME", "args": {"name": "web"}},
        "answer": {"error": {"code": 42, "domain": 12, "message": "Domain not found: web"}}}]})
    conn = libvirt.open(fl.uri)
    try:
        conn.lookupByName("web")
        raise AssertionError("the stub did not answer")
    except libvirt.libvirtError as e:
        assert e.get_error_message() == "Domain not found: web"
    assert conn.lookupByName("test").name() == "test"
    conn.close()
    fl.admin.assert_called("DOMAIN_LOOKUP_BY_NAME", times=1, args={"name": "web"})
    fl.admin.assert_called("DOMAIN_LOOKUP_BY_NAME", times=2)

def test_two_daemons_and_admin_stubs(fake_libvirtd):
    a, b = fake_libvirtd(), fake_libvirtd()
    assert a.socket != b.socket
    a.admin.add_stubs({"match": {"procedure": "CONNECT_GET_HOSTNAME"},
                       "answer": {"reply": {"ret": {"hostname": "stubbed-a"}}}})
    ca, cb = libvirt.open(a.uri), libvirt.open(b.uri)
    assert ca.getHostname() == "stubbed-a" and cb.getHostname() != "stubbed-a"
    ca.close(); cb.close()

def test_qemu(fake_qemu):
    fq = fake_qemu(scenario=[{"match": {"command": "query-status"},
                              "answer": {"return": {"status": "inmigrate", "running": False,
                                                    "singlestep": False}}}])
    s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(fq.socket)
    f = s.makefile("rwb")
    assert "QMP" in json.loads(f.readline())
    for cmd in ("qmp_capabilities", "query-status"):
        f.write(json.dumps({"execute": cmd}).encode() + b"\\n"); f.flush()
        reply = json.loads(f.readline())
    assert reply["return"]["status"] == "inmigrate"
    s.close()
    fq.admin.assert_called("query-status", times=1)

def test_killed_on_purpose(fake_qemu):
    fq = fake_qemu()
    fq.kill()                         # SIGKILL, waited for: accepted at teardown
    assert not fq.alive()

def test_qemu_command_line(fake_qemu_cmdline, tmp_path):
    sock = tmp_path / "m.sock"
    fq = fake_qemu_cmdline(["-S", "-name", "guest=vm1",
                            "-qmp", "unix:%s,server=on,wait=off" % sock])
    s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(str(sock))
    f = s.makefile("rwb")
    assert "QMP" in json.loads(f.readline())
    for cmd in ("qmp_capabilities", "query-name"):
        f.write(json.dumps({"execute": cmd}).encode() + b"\\n"); f.flush()
        reply = json.loads(f.readline())
    assert reply == {"return": {"name": "vm1"}}
    s.close()
    assert fq.monitor == str(sock) and fq.pid == fq.proc.pid

def test_qemu_command_line_daemonized(fake_qemu_cmdline, tmp_path):
    pidfile = tmp_path / "q.pid"
    fq = fake_qemu_cmdline(["-S", "-qmp", "unix:%s,server=on,wait=off" % (tmp_path / "d.sock"),
                            "-pidfile", str(pidfile), "-daemonize"])
    assert fq.proc.returncode == 0 and fq.pid == int(pidfile.read_text()) and fq.alive()
    assert fq.terminate()[0] == 0 and not pidfile.exists() and not fq.alive()
'''

INNER_FAILS = '''
import os, signal
import libvirt

def test_wrong_count(fake_libvirtd):
    fl = fake_libvirtd()
    conn = libvirt.open(fl.uri)
    conn.lookupByName("test")
    conn.close()
    fl.admin.assert_called("DOMAIN_LOOKUP_BY_NAME", times=2, args={"name": "test"})

def test_crash_is_reported(fake_libvirtd):
    fl = fake_libvirtd()
    os.kill(fl.pid, signal.SIGKILL)   # not catchable, also under ASan

def test_kill_accepts_only_its_signal(fake_qemu):
    fq = fake_qemu()
    fq.killed_by = signal.SIGTERM     # as if kill(SIGTERM) was asked, but it dies by SIGKILL
    os.kill(fq.pid, signal.SIGKILL)

def test_daemon_that_leaves_its_pidfile(fake_qemu_cmdline, tmp_path):
    fq = fake_qemu_cmdline(["-qmp", "unix:%s,server=on,wait=off" % (tmp_path / "d.sock"),
                            "-pidfile", str(tmp_path / "d.pid"), "-daemonize"])
    os.kill(fq.pid, signal.SIGKILL)   # the daemon is not our child: a crash shows as the pidfile
'''


def run_inner(tmp_path, source, env_extra=None, drop_build=False):
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(source))
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PLUGIN_DIR)
    env.pop("VW_BIN", None)
    if drop_build:
        env.pop("VW_BUILD", None)
        env["PATH"] = "/usr/bin:/bin"
    else:
        env["VW_BUILD"] = str(BUILD)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "pytest_virtwire", "-q",
                           "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_another_project_uses_the_plugin(tmp_path):
    r = run_inner(tmp_path, INNER_OK)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "6 passed" in r.stdout


def test_vw_bin_names_the_directory(tmp_path):
    r = run_inner(tmp_path, INNER_OK, env_extra={"VW_BIN": str(BUILD / "bin")}, drop_build=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_failures_and_crashes_fail_the_inner_test(tmp_path):
    r = run_inner(tmp_path, INNER_FAILS)
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    assert "DOMAIN_LOOKUP_BY_NAME with arguments {\"name\": \"test\"}: expected exactly 2 " \
           "call(s), got 1" in out
    assert "died from signal 9 (SIGKILL)" in out
    assert "1 failed" in out and "3 error" in out
    assert "fake-qemu-1 died from signal 9 (SIGKILL)" in out
    assert "left its pidfile" in out and "d.pid behind" in out


def test_missing_binary_is_explained(tmp_path):
    r = run_inner(tmp_path, "def test_x(fake_qemu):\n    fake_qemu()\n", drop_build=True)
    assert r.returncode == 1
    assert "cannot find fake-qemu: set VW_BIN" in r.stdout
