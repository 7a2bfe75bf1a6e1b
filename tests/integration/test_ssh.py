"""libvirt's SSH transport (qemu+ssh://) in our client, next to virsh: both run `ssh ... --
HOST sh -c CMD` whose CMD reaches the daemon's socket with netcat (proxy=netcat) or
virt-ssh-helper. No sshd is needed: a stand-in `ssh` first on PATH runs CMD on this host (and
records its arguments), a stand-in `nc` speaks to the unix socket through socat. So the test
checks what the clients ask ssh to do and that the RPC then flows, not OpenSSH itself."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD, REPO
from fake_libvirtd_fixtures import clean_env

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
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
