"""libvirt's SSH transport (qemu+ssh://) in our client, next to virsh: both run `ssh ... --
HOST CMD` whose CMD reaches the daemon's socket with netcat (proxy=netcat) or virt-ssh-helper.
First with a stand-in `ssh` first on PATH that runs CMD on this host and records its arguments
(what the clients ask ssh to do), then through a real sshd the test starts on a loopback port.
A stand-in `nc` speaks to the unix socket through socat (no netcat is installed)."""
import getpass
import os
import shutil
import subprocess

import pytest

from conftest import BUILD
from fake_libvirtd_fixtures import clean_env, wait_for
import podman_libvirtd

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

pytestmark = pytest.mark.skipif(not shutil.which("socat"), reason="socat is not installed")

SSH_SHIM = """#!/bin/sh
# as ssh: the words after -- HOST are one command line for the remote user's shell
printf '%s\\n' "$@" >> {log}
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift 2
exec sh -c "$*"
"""

NC_SHIM = """#!/bin/sh
if [ "$1" = "-q" ]; then echo "nc: option requires an argument -- 'q'"; exit 1; fi
[ "$1" = "-q0" ] && shift
[ "$1" = "-U" ] || { echo "nc stand-in: unexpected arguments $*" >&2; exit 2; }
exec socat STDIO "UNIX-CONNECT:$2"
"""


@pytest.fixture
def shims(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    log = tmp_path / "ssh-args.log"     # virsh passes ssh a cleaned environment: a fixed path
    for name, text in (("ssh", SSH_SHIM.format(log=log)), ("nc", NC_SHIM)):
        (d / name).write_text(text)
        (d / name).chmod(0o755)
    env = clean_env()
    env["PATH"] = "%s:%s" % (d, env.get("PATH", "/usr/bin:/bin"))
    return env, log


def run(cmd, env):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


def test_virtc_over_ssh_matches_virsh(fake_libvirtd, shims):
    env, log = shims
    fl = fake_libvirtd()
    uri = "test+ssh://fred@localhost:2222/default?socket=%s&proxy=netcat&no_tty=1" % fl.socket
    theirs = run(["virsh", "-c", uri, "list", "--all"], env)
    assert theirs.returncode == 0, theirs.stderr
    virsh_args = log.read_text().split("\n")
    log.write_text("")
    ours = run([str(BUILD / "bin" / "virtc"), "-c", uri, "list", "--all"], env)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.strip() == theirs.stdout.strip()
    our_args = log.read_text().split("\n")
    # the same ssh command line as libvirt's: options, then -- HOST sh -c CMD
    assert our_args == virsh_args, (our_args, virsh_args)
    assert our_args[:our_args.index("--")] == ["-p", "2222", "-l", "fred", "-T", "-e", "none",
                                               "-o", "BatchMode=yes"]


def test_ssh_netcat_parameter_and_errors(fake_libvirtd, shims, tmp_path):
    env, log = shims
    fl = fake_libvirtd()
    os.symlink(os.path.join(env["PATH"].split(":")[0], "nc"), str(tmp_path / "bin" / "mync"))
    uri = "test+ssh://localhost/default?socket=%s&proxy=netcat&netcat=mync" % fl.socket
    r = run([str(BUILD / "bin" / "virtc"), "-c", uri, "list"], env)
    assert r.returncode == 0, r.stderr
    r = run([str(BUILD / "bin" / "virtc"), "-c", uri.replace("proxy=netcat", "proxy=bogus"),
             "list"], env)
    assert r.returncode == 1 and "proxy=bogus: expected auto, netcat or native" in r.stderr
    # a daemon socket that is not there: the remote side's error (ssh's stderr) and ours
    r = run([str(BUILD / "bin" / "virtc"), "-c", uri.replace(fl.socket, "/nonexistent/sock"),
             "list"], env)
    assert r.returncode == 1 and "/nonexistent/sock" in r.stderr, r.stderr
    assert "error: failed to connect to the hypervisor" in r.stderr
    env2 = dict(env, VW_SSH="/nonexistent/ssh")
    r = run([str(BUILD / "bin" / "virtc"), "-c", uri, "list"], env2)
    assert r.returncode == 1
    assert "Cannot run '/nonexistent/ssh' for the ssh transport" in r.stderr, r.stderr


# ---- a real sshd on a loopback port ------------------------------------------------------------
# OpenSSH's sshd (openssh-server) started by the test on 127.0.0.1 with its own host key, config
# and authorized key; the clients' ssh is the real one, given the test's key and known_hosts by
# a wrapper (virsh finds it first on PATH, virtc through VW_SSH). The remote command reaches the
# fake's socket through the nc stand-in (socat), named by netcat=.

SSHD = "/usr/sbin/sshd"

SSHD_CONFIG = """Port {port}
ListenAddress 127.0.0.1
HostKey {d}/hostkey
PidFile {d}/sshd.pid
AuthorizedKeysFile {d}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
"""

SSH_WRAPPER = """#!/bin/sh
exec /usr/bin/ssh -o UserKnownHostsFile={d}/known_hosts -o StrictHostKeyChecking=yes \\
    -o IdentitiesOnly=yes -i {key} "$@"
"""


def keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True,
                   timeout=30)


@pytest.fixture
def sshd(tmp_path):
    if not os.path.exists(SSHD) or not shutil.which("ssh-keygen") or os.geteuid() != 0:
        pytest.skip("needs openssh-server, ssh-keygen and root (sshd changes user)")
    d = tmp_path / "sshd"
    d.mkdir()
    keygen(str(d / "hostkey"))
    keygen(str(d / "userkey"))
    keygen(str(d / "otherkey"))
    shutil.copy(str(d / "userkey.pub"), str(d / "authorized_keys"))
    port = podman_libvirtd.free_port()
    (d / "known_hosts").write_text("[127.0.0.1]:%d %s" % (port, (d / "hostkey.pub").read_text()))
    (d / "sshd_config").write_text(SSHD_CONFIG.format(port=port, d=d))
    os.makedirs("/run/sshd", exist_ok=True)    # OpenSSH's privilege separation directory
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")],
                            stdout=subprocess.DEVNULL, stderr=open(str(d / "sshd.log"), "w"))
    try:
        if not wait_for(lambda: podman_libvirtd.port_open(port), timeout=20):
            pytest.fail("sshd did not listen: " + (d / "sshd.log").read_text())
        bindir = tmp_path / "sshbin"
        bindir.mkdir()
        for name, key in (("ssh", "userkey"), ("ssh-otherkey", "otherkey")):
            (bindir / name).write_text(SSH_WRAPPER.format(d=d, key=d / key))
            (bindir / name).chmod(0o755)
        (bindir / "nc").write_text(NC_SHIM)
        (bindir / "nc").chmod(0o755)
        yield {"port": port, "bin": bindir, "log": d / "sshd.log"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_virtc_and_virsh_through_a_real_sshd(fake_libvirtd, sshd):
    fl = fake_libvirtd()
    env = clean_env()
    env["PATH"] = "%s:%s" % (sshd["bin"], env.get("PATH", "/usr/bin:/bin"))
    uri = "test+ssh://%s@127.0.0.1:%d/default?socket=%s&proxy=netcat&netcat=%s&no_tty=1" % (
        getpass.getuser(), sshd["port"], fl.socket, sshd["bin"] / "nc")
    theirs = run(["virsh", "-c", uri, "list", "--all"], env)
    assert theirs.returncode == 0, theirs.stderr + sshd["log"].read_text()
    ours = run([str(BUILD / "bin" / "virtc"), "-c", uri, "list", "--all"],
               dict(env, VW_SSH=str(sshd["bin"] / "ssh")))
    assert ours.returncode == 0, ours.stderr + sshd["log"].read_text()
    assert ours.stdout.strip() == theirs.stdout.strip()
    # a key the server does not know: ssh's own words, then ours
    bad = run([str(BUILD / "bin" / "virtc"), "-c", uri, "list"],
              dict(env, VW_SSH=str(sshd["bin"] / "ssh-otherkey")))
    assert bad.returncode == 1
    assert "Permission denied (publickey)" in bad.stderr, bad.stderr
    assert "error: failed to connect to the hypervisor" in bad.stderr
