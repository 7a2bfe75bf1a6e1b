"""Which QEMU release fake-qemu models under QEMU's command line (docs/fake-qemu.md, "Which
release"): the name it runs under, fake-qemu-X.Y or a symlink to such a name. Its capability
probe is answered from that release's recording (fake-qemu/probe/qemu-X.Y.Z-probe.trace: what
the real QEMU of that Debian release answered its libvirtd), and outside the probe its
query-version is the recorded one too. The host's QEMU cannot stand in for the other releases;
test_fake_qemu_libvirtd.py compares each with its release's real QEMU under that libvirtd."""
import json
import os
import subprocess

import pytest

from conftest import BUILD, REPO
from pytest_virtwire import fake_qemu_cmdline  # noqa: F401  (fixture)
from test_fake_qemu_cmdline import inherited_monitor, negotiated, probe_args

PROBES = REPO / "fake-qemu" / "probe"
RELEASES = sorted(n[len("qemu-"):-len("-probe.trace")] for n in os.listdir(PROBES)
                  if n.startswith("qemu-") and n.endswith("-probe.trace"))


def short(version):
    return ".".join(version.split(".")[:2])


def recorded(version, command):
    """The real QEMU's greeting (command None) or its return value for command's first use in
    the recorded probe of version."""
    ids = set()
    with open(PROBES / ("qemu-%s-probe.trace" % version)) as f:
        for line in f:
            rec = json.loads(line)
            msg = rec.get("json") if rec.get("rec") == "msg" else None
            if not msg:
                continue
            if command is None and "QMP" in msg:
                return msg
            if rec["dir"] == "c2s" and msg.get("execute") == command:
                ids.add(msg.get("id"))
            elif rec["dir"] == "s2c" and "return" in msg and msg.get("id") in ids:
                return msg["return"]
    raise AssertionError("%s not in the probe of %s" % (command or "greeting", version))


@pytest.mark.parametrize("version", RELEASES)
def test_probe_by_name_is_the_release_recording(version, tmp_path, fake_qemu_cmdline):
    """fake-qemu-X.Y run as libvirtd probes: the greeting and the answers of QEMU X.Y."""
    args, sock, _ = probe_args(tmp_path, "fake")
    fake_qemu_cmdline(args, binary=str(BUILD / "bin" / ("fake-qemu-" + short(version))))
    q, greeting = negotiated(sock)
    with q:
        answers = {c: q.cmd(c)[1].get("return") for c in ("query-version", "query-target",
                                                          "query-machines")}
    assert greeting == recorded(version, None)
    assert answers == {c: recorded(version, c) for c in answers}


@pytest.mark.parametrize("version", RELEASES)
def test_guest_by_name_has_the_release_version(version, tmp_path, fake_qemu_cmdline):
    """Outside the probe (a named VM, the model) query-version is still the recorded one."""
    lsock, path, args = inherited_monitor(tmp_path, "fake")
    with lsock:
        fake_qemu_cmdline(args + ["-name", "guest=vw-release", "-machine", "none"],
                          monitor=path, pass_fds=[lsock.fileno()],
                          binary=str(BUILD / "bin" / ("fake-qemu-" + short(version))))
    q, greeting = negotiated(path)
    with q:
        assert q.cmd("query-version")[1]["return"] == recorded(version, "query-version")
    assert greeting["QMP"]["version"] == recorded(version, None)["QMP"]["version"]


def test_symlink_chain_names_the_release(tmp_path, fake_qemu_cmdline):
    """/usr/bin/qemu-system-x86_64 -> .../fake-qemu-5.2 -> fake-qemu, as in the release
    containers: the first name in the chain that names a release counts."""
    version = RELEASES[0]
    link = tmp_path / "qemu-system-x86_64"
    link.symlink_to(BUILD / "bin" / ("fake-qemu-" + short(version)))
    args, sock, _ = probe_args(tmp_path, "link")
    fake_qemu_cmdline(args, binary=str(link))
    q, greeting = negotiated(sock)
    q.close()
    assert greeting == recorded(version, None)


def test_unrecorded_release_name_is_refused(tmp_path):
    """A name that asks for a release nobody recorded: a clear message and status 1."""
    link = tmp_path / "fake-qemu-6.0"
    link.symlink_to(BUILD / "bin" / "fake-qemu")
    r = subprocess.run([str(link), "-S", "-machine", "none"], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert "QEMU 6.0 is not a recorded release" in r.stderr
    assert "5.2.0" in r.stderr and "11.1.3" in r.stderr
