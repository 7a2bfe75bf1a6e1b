"""fake-qemu under a real libvirtd (docs/fake-qemu.md, "Under a real libvirtd"): a private
libvirtd 9.0 in podman (bookworm's root filesystem, as tests/integration/podman_libvirtd.py
starts it) probes fake-qemu as an emulator; its domain capabilities must be what the same
libvirtd reports for the real qemu-system-x86_64 of that root filesystem."""
import os
import re
import subprocess

import pytest

import podman_libvirtd as pl
from conftest import BUILD

FAKE = BUILD / "bin" / "fake-qemu"
INSIDE = "/vw/build"                      # BUILD, bind-mounted read-only
CONF = ('unix_sock_dir = "/vw/sock"\nunix_sock_rw_perms = "0777"\nauth_unix_ro = "none"\n'
        'auth_unix_rw = "none"\nlisten_tcp = 0\nlisten_tls = 0\nlog_outputs = "3:stderr"\n')


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    if os.environ.get("VW_AUTH_ROOTFS_SUITE", "bookworm") != "bookworm":
        pytest.skip("the recorded probe is bookworm's QEMU 7.2")
    work = tmp_path_factory.mktemp("fq-libvirtd")
    os.chmod(work, 0o755)
    mounts = [(str(BUILD), INSIDE)] + pl.host_libs(str(FAKE))
    d = pl.start_or_skip(str(work), CONF, mounts=mounts, wait_sock="libvirt-sock")
    yield d
    d.stop()


def virsh(d, *args):
    return subprocess.run(["virsh", "-c", "qemu:///system?socket=%s/libvirt-sock" % d.sockdir]
                          + list(args), capture_output=True, text=True, timeout=300)


def domcaps(d, emulator):
    r = virsh(d, "domcapabilities", "--emulatorbin", emulator, "--virttype", "qemu")
    assert r.returncode == 0, r.stderr + d.log_text()[-3000:]
    return r.stdout


def test_domcapabilities_as_with_real_qemu(daemon):
    """libvirtd accepts fake-qemu as an emulator, and its domain capabilities for it are those
    of the real QEMU 7.2, but for the emulator's path."""
    real = domcaps(daemon, "/usr/bin/qemu-system-x86_64")
    fake = domcaps(daemon, INSIDE + "/bin/fake-qemu")
    assert "<path>%s/bin/fake-qemu</path>" % INSIDE in fake
    assert "<machine>pc-i440fx-7.2</machine>" in fake
    path = re.compile(r"<path>[^<]*</path>")
    assert path.sub("<path/>", fake) == path.sub("<path/>", real)


DOMAIN = """<domain type='qemu'>
  <name>vw-fq-define</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>%s</emulator></devices>
</domain>
"""


def test_define_with_fake_qemu_as_emulator(daemon, tmp_path):
    """A domain whose <emulator> is fake-qemu is defined (libvirtd validates it against the
    probed capabilities: the machine alias 'pc' becomes pc-i440fx-7.2, as with real QEMU)."""
    xml = tmp_path / "dom.xml"
    xml.write_text(DOMAIN % (INSIDE + "/bin/fake-qemu"))
    os.chmod(tmp_path, 0o755)
    r = subprocess.run(["virsh", "-c", "qemu:///system?socket=%s/libvirt-sock" % daemon.sockdir,
                        "define", str(xml)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    try:
        out = virsh(daemon, "dumpxml", "vw-fq-define")
        assert out.returncode == 0, out.stderr
        assert "machine='pc-i440fx-7.2'" in out.stdout
    finally:
        virsh(daemon, "undefine", "vw-fq-define")
