"""fake-qemu under a real libvirtd (docs/fake-qemu.md, "Under a real libvirtd"), for every
release: a private libvirtd of bullseye (7.0), bookworm (9.0), trixie (11.3) and sid (12.8) in
podman (as tests/integration/podman_libvirtd.py starts it; a suite whose root filesystem is
absent is skipped) probes fake-qemu-X.Y, X.Y that release's QEMU, as an emulator; its domain
capabilities and the guest part of its capabilities must be what the same release's libvirtd
reports for the real qemu-system-x86_64 of that root filesystem.

In the container of the host's release the host's build runs (with the host's jansson and
sanitizer runtimes bind-mounted), elsewhere the static build (make fake-qemu-static), as
docs/conformance.md says."""
import os
import re
import subprocess

import pytest

import podman_libvirtd as pl
from conftest import BUILD

SUITES = ("bullseye", "bookworm", "trixie", "sid")
INSIDE = "/vw/fq"                     # the fake-qemu tree (bin/, share/), bind-mounted
REAL = "/usr/bin/qemu-system-x86_64"
CONF = ('unix_sock_dir = "/vw/sock"\nunix_sock_rw_perms = "0777"\nauth_unix_ro = "none"\n'
        'auth_unix_rw = "none"\nlisten_tcp = 0\nlisten_tls = 0\nlog_outputs = "3:stderr"\n')


def host_suite():
    with open("/etc/os-release") as f:
        for line in f:
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return None


def qemu_release(suite):
    """X.Y of the QEMU in suite's root filesystem (its .vw-rootfs: qemu=1:5.2+dfsg-11+deb11u3)."""
    with open(os.path.join(pl.rootfs(suite), ".vw-rootfs")) as f:
        for line in f:
            if line.startswith("qemu="):
                version = line.split("=", 1)[1].split(":", 1)[-1]
                return ".".join(re.split(r"[^0-9]+", version)[:2])
    raise AssertionError("no qemu= line in %s/.vw-rootfs" % pl.rootfs(suite))


def fake_tree(suite):
    """(host directory of the fake-qemu tree, extra mounts) for suite's container."""
    if suite == host_suite():
        tree = BUILD
        return tree, pl.host_libs(str(tree / "bin" / "fake-qemu"))
    tree = BUILD / "static"
    if not (tree / "bin" / "fake-qemu").exists():
        pytest.fail("no %s/bin/fake-qemu: run make fake-qemu-static" % tree)
    return tree, []


def sanitized_build():
    """True for an ASan build: the other releases' containers run the unsanitized static build
    either way, so make check's ASan stage leaves them to the plain stage."""
    return bool(pl.host_libs(str(BUILD / "bin" / "fake-qemu"), names=("libasan",)))


def start(tmp_path_factory, suite, fake_default):
    if not pl.available(suite):
        pytest.skip("no podman or no root filesystem %s" % pl.rootfs(suite))
    if suite != host_suite() and sanitized_build():
        pytest.skip("%s runs the static build, not sanitized: covered by the plain build" % suite)
    tree, libs = fake_tree(suite)
    work = tmp_path_factory.mktemp("fq-libvirtd-%s" % suite)
    os.chmod(work, 0o755)
    env = [("VW_QEMU_EMULATOR", "%s/bin/fake-qemu-%s" % (INSIDE, qemu_release(suite)))]
    return pl.start_or_skip(str(work), CONF, mounts=[(str(tree), INSIDE)] + libs,
                            wait_sock="libvirt-sock", suite=suite,
                            env=env if fake_default else ())


@pytest.fixture(scope="module", params=SUITES)
def release(request, tmp_path_factory):
    """(suite, a libvirtd whose default x86_64 emulator is fake-qemu-X.Y, the real QEMU at
    REAL.real) per suite."""
    d = start(tmp_path_factory, request.param, True)
    yield request.param, d
    d.stop()


def virsh(d, *args):
    return subprocess.run(["virsh", "-c", "qemu:///system?socket=%s/libvirt-sock" % d.sockdir]
                          + list(args), capture_output=True, text=True, timeout=300)


def checked(d, *args):
    r = virsh(d, *args)
    assert r.returncode == 0, "virsh %s: %s\n%s" % (" ".join(args), r.stderr,
                                                   d.log_text()[-3000:])
    return r.stdout


def domcaps(d, emulator):
    return checked(d, "domcapabilities", "--emulatorbin", emulator, "--virttype", "qemu")


PATH = re.compile(r"<path>[^<]*</path>")


def test_domcapabilities_as_with_real_qemu(release):
    """libvirtd accepts fake-qemu-X.Y as an emulator, and its domain capabilities for it are
    those of the release's real QEMU, but for the emulator's path."""
    suite, d = release
    x_y = qemu_release(suite)
    real = domcaps(d, REAL + ".real")
    fake = domcaps(d, "%s/bin/fake-qemu-%s" % (INSIDE, x_y))
    assert "<path>%s/bin/fake-qemu-%s</path>" % (INSIDE, x_y) in fake
    assert "<machine>pc-i440fx-%s</machine>" % x_y in fake
    assert PATH.sub("<path/>", fake) == PATH.sub("<path/>", real)
    # the default emulator is a symlink to fake-qemu-X.Y: the name in the chain counts
    assert PATH.sub("<path/>", domcaps(d, REAL)) == PATH.sub("<path/>", real)


def guests(caps):
    return re.findall(r"<guest>.*?</guest>", caps, re.S)


def test_capabilities_guests_as_with_real_qemu(release, tmp_path_factory):
    """`virsh capabilities` with fake-qemu-X.Y as the x86_64 emulator lists the same guests
    (machines, features) as a daemon of the same release with its real QEMU; `virsh version`
    reports the same hypervisor version."""
    suite, fake_daemon = release
    real_daemon = start(tmp_path_factory, suite, False)
    try:
        real, real_version = checked(real_daemon, "capabilities"), checked(real_daemon, "version")
    finally:
        real_daemon.stop()
    fake, fake_version = checked(fake_daemon, "capabilities"), checked(fake_daemon, "version")
    assert guests(fake) and guests(fake) == guests(real)
    running = re.compile(r"Running hypervisor: .*")
    assert running.findall(fake_version) == running.findall(real_version)


DOMAIN = """<domain type='qemu'>
  <name>vw-fq-define</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>%s</emulator></devices>
</domain>
"""


def test_define_with_fake_qemu_as_emulator(release, tmp_path):
    """A domain whose <emulator> is fake-qemu-X.Y is defined (libvirtd validates it against
    the probed capabilities: the machine alias 'pc' becomes pc-i440fx-X.Y, as with real
    QEMU)."""
    suite, d = release
    x_y = qemu_release(suite)
    xml = tmp_path / "dom.xml"
    xml.write_text(DOMAIN % ("%s/bin/fake-qemu-%s" % (INSIDE, x_y)))
    os.chmod(tmp_path, 0o755)
    checked(d, "define", str(xml))
    try:
        assert "machine='pc-i440fx-%s'" % x_y in checked(d, "dumpxml", "vw-fq-define")
    finally:
        virsh(d, "undefine", "vw-fq-define")
