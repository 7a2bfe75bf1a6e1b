"""fake-qemu run with qemu-system-x86_64's command line, as libvirtd runs an emulator
(docs/fake-qemu.md, "Under a real libvirtd"): each case runs the host's real QEMU and fake-qemu
with the same options and compares what they do (exit status, error text, pidfile, the QMP
answers about the VM the options describe). fake-qemu is started through the plugin's
fake_qemu_cmdline fixture (ready when its monitor greets or once it daemonized); the real QEMU,
and fake-qemu where it must refuse its command line and so never becomes ready, by a plain
subprocess.run."""
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import BUILD
from pytest_virtwire import fake_qemu_cmdline  # noqa: F401  (fixture)
from pytest_virtwire.qmp import QmpLine
from real_qemu import QEMU

FAKE = str(BUILD / "bin" / "fake-qemu")
PROBE = ["-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel=kvm:tcg"]

needs_qemu = pytest.mark.skipif(not os.path.exists(QEMU), reason="no qemu-system-x86_64")


def run(binary, args):
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def errors(binary, args):
    """(status, stderr with the program's name replaced by PROG); without the lines of Debian's
    QEMU about display modules it lacks (qemu-system-gui), which come before option checks."""
    r = run(binary, args)
    lines = [line for line in r.stderr.splitlines(True) if not line.startswith("qemu: module ")]
    return r.returncode, "".join(lines).replace(os.path.basename(binary) + ":", "PROG:")


@needs_qemu
@pytest.mark.parametrize("args", [["-foo"], ["-S", "-bar", "x"], ["-m"], ["-S", "-smp"],
                                  ["-S", "-m", "lots"], ["-S", "-mon", "chardev=zz"],
                                  ["-S", "-mon", "mode=control"]],
                         ids=["unknown", "unknown-later", "m-no-value", "smp-no-value",
                              "m-bad-size", "mon-no-chardev", "mon-chardev-missing"])
def test_rejected_option_as_qemu(args):
    """An option QEMU does not accept, or one without its value: QEMU's text and status."""
    want = errors(QEMU, args)
    assert want[0] != 0
    assert errors(FAKE, args) == want


def read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


def wait_gone(pid):
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("process %d did not exit" % pid)


def stop(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_gone(pid)


def probe_args(tmp_path, tag):
    """libvirtd's capability probe command line: -daemonize, -pidfile, a -qmp server socket;
    returns (args, socket path, pidfile path)."""
    sock, pidfile = tmp_path / (tag + ".sock"), tmp_path / (tag + ".pid")
    return PROBE + ["-qmp", "unix:%s,server=on,wait=off" % sock, "-pidfile", str(pidfile),
                    "-daemonize"], sock, pidfile


def real_daemonized_probe(tmp_path):
    """The real QEMU started as libvirtd's capability probe starts it: the first process exits
    0, the daemon's pid is in the pidfile and its monitor accepts; returns (pid, socket path)."""
    args, sock, pidfile = probe_args(tmp_path, "real")
    r = run(QEMU, args)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    pid = read_pid(pidfile)
    os.kill(pid, 0)
    return pid, sock


def negotiated(path):
    """A QmpLine past the greeting and qmp_capabilities, and the greeting."""
    q = QmpLine(path, double_greeting_ok=True)
    greeting = q.greeting()
    q.send('{"execute": "qmp_capabilities"}')
    assert q.recv() == {"return": {}}
    return q, greeting


def probe_answers(sock):
    q, greeting = negotiated(sock)
    with q:
        answers = [q.cmd(name)[1] for name in ("query-version", "query-kvm", "query-target",
                                               "query-machines")]
    return greeting["QMP"]["version"], answers


@needs_qemu
def test_probe_command_line_daemonize_pidfile(tmp_path, fake_qemu_cmdline):
    """-daemonize -pidfile with libvirt's probe options; the probe's answers are QEMU's."""
    real_pid, real_sock = real_daemonized_probe(tmp_path)
    try:
        args, fake_sock, pidfile = probe_args(tmp_path, "fake")
        fake = fake_qemu_cmdline(args)     # ready: the first process exited 0, the pidfile read
        assert fake.proc.stdout.read() == b""
        assert fake.pid == read_pid(pidfile) and fake.alive()
        assert probe_answers(fake_sock) == probe_answers(real_sock)
    finally:
        stop(real_pid)


def inherited_monitor(tmp_path, tag):
    """A listening unix socket as libvirt passes the monitor (inherited as fd N) and the QEMU
    options naming it; returns (socket, path, options)."""
    path = str(tmp_path / (tag + ".sock"))
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(4)
    fd = lsock.fileno()
    return lsock, path, ["-S", "-no-user-config", "-nodefaults", "-nographic",
                         "-chardev", "socket,id=charmonitor,fd=%d,server=on,wait=off" % fd,
                         "-mon", "chardev=charmonitor,id=monitor,mode=control"]


def both_answer(tmp_path, fake_qemu_cmdline, extra, answers):
    """The real QEMU and fake-qemu started alike with extra; answers(monitor path) of each."""
    lsock, real_path, args = inherited_monitor(tmp_path, "real")
    real = subprocess.Popen([QEMU] + args + extra, pass_fds=[lsock.fileno()],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    lsock.close()
    try:
        lsock, fake_path, args = inherited_monitor(tmp_path, "fake")
        with lsock:
            fake_qemu_cmdline(args + extra, monitor=fake_path, pass_fds=[lsock.fileno()])
        return answers(real_path), answers(fake_path)
    finally:
        real.kill()
        real.wait(timeout=60)


def vm_answers(path):
    with negotiated(path)[0] as q:
        return [q.cmd(name)[1] for name in ("query-name", "query-uuid", "query-status")]


@needs_qemu
def test_inherited_monitor_fd_and_vm_from_options(tmp_path, fake_qemu_cmdline):
    """-chardev socket,fd=N + -mon mode=control; -name guest=, -uuid, -S as QEMU answers them;
    the other options as libvirt 9.0 writes them for a guest (JSON -object included)."""
    extra = ["-name", "guest=vw-cmdline,debug-threads=on",
             "-uuid", "c7a5fdbd-edaf-9455-926a-d65c16db1809", "-machine", "none",
             "-m", "size=65536k", "-smp", "1,sockets=1,cores=1,threads=1",
             "-object", '{"qom-type":"memory-backend-ram","id":"vw.ram","size":67108864}',
             "-accel", "tcg", "-display", "none", "-rtc", "base=utc",
             "-no-shutdown", "-boot", "strict=on",
             "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
             "resourcecontrol=deny", "-msg", "timestamp=on", "-overcommit", "mem-lock=off"]
    want, got = both_answer(tmp_path, fake_qemu_cmdline, extra, vm_answers)
    assert want[0] == {"return": {"name": "vw-cmdline"}}
    assert got == want


def test_own_options_still_work(tmp_path):
    """fake-qemu's own --qmp mode is unchanged (two dashes: not QEMU's command line)."""
    r = run(FAKE, ["--help"])
    assert r.returncode == 0 and "--qmp" in r.stdout and "Under a real libvirtd" in r.stdout
    r = run(FAKE, ["--qemu-version", "7.2.0"])
    assert r.returncode == 2 and "--qmp unix:PATH" in r.stderr


def cpus_and_memory(path):
    with negotiated(path)[0] as q:
        cpus = q.cmd("query-cpus-fast")[1]["return"]
        memory = q.cmd("query-memory-size-summary")[1]
    for cpu in cpus:
        del cpu["thread-id"]          # the host's thread ids: QEMU runs one thread per vCPU
    return cpus, memory


@needs_qemu
@pytest.mark.parametrize("smp", ["3,sockets=1,cores=3,threads=1", "4,sockets=2,cores=2,threads=1",
                                 "4,sockets=1,cores=2,threads=2", "2"])
def test_vcpus_and_memory_from_options(tmp_path, fake_qemu_cmdline, smp):
    """-smp and -m as libvirt writes them: query-cpus-fast (topology ids, QOM paths) and
    query-memory-size-summary as QEMU answers them."""
    extra = ["-machine", "pc-i440fx-7.2,usb=off", "-accel", "tcg", "-m", "96", "-smp", smp]
    want, got = both_answer(tmp_path, fake_qemu_cmdline, extra, cpus_and_memory)
    assert want[1] == {"return": {"base-memory": 96 << 20, "plugged-memory": 0}}
    assert got == want


def firmware_done(reply):
    """Every BAR has an address and every interrupt pin an IRQ (SeaBIOS has run)."""
    devices = [d for bus in reply["return"] for d in bus["devices"]]
    return all(r["address"] != -1 for d in devices for r in d["regions"]) and \
        all(d.get("irq") for d in devices if d["irq_pin"])


def pci_before_and_after_cont(path):
    """query-pci at -S, then once the guest has run and its firmware has assigned the BARs and
    IRQs (a bounded wait: the real QEMU's SeaBIOS needs a moment)."""
    with negotiated(path)[0] as q:
        before = q.cmd("query-pci")[1]
        assert q.cmd("cont")[1] == {"return": {}}
        deadline = time.monotonic() + 30
        while True:
            after = q.cmd("query-pci")[1]
            if firmware_done(after) or time.monotonic() > deadline:
                return before, after
            time.sleep(0.05)


LIBVIRT_PC_DEVICES = [
    "-device", '{"driver":"piix3-usb-uhci","id":"usb","bus":"pci.0","addr":"0x1.0x2"}',
    "-device", '{"driver":"virtio-balloon-pci","id":"balloon0","bus":"pci.0","addr":"0x2"}']


@needs_qemu
@pytest.mark.parametrize("extra", [
    ["-machine", "none"],
    ["-machine", "pc-i440fx-7.2,usb=off", "-accel", "tcg", "-m", "64"] + LIBVIRT_PC_DEVICES,
    ["-machine", "pc", "-accel", "tcg", "-m", "64", "-device", "qemu-xhci,id=xhci"],
    ["-machine", "pc", "-accel", "tcg", "-m", "64", "-device", "qemu-xhci,id=xhci",
     "-device", "piix3-usb-uhci,id=usb,addr=0x1.0x2", "-device", "virtio-balloon-pci,id=b0"],
], ids=["none", "libvirt-9.0-pc", "pc-xhci", "pc-three-devices"])
def test_query_pci_as_qemu(tmp_path, fake_qemu_cmdline, extra):
    """query-pci as QEMU answers it (go-qemu's PCI devices): empty on -machine none; on pc the
    board's functions and the -device ones (ids, classes, BARs unassigned at -S, and the
    addresses and IRQs SeaBIOS gives once the guest has run)."""
    want, got = both_answer(tmp_path, fake_qemu_cmdline, extra, pci_before_and_after_cont)
    if extra[1] == "none":
        assert want == ({"return": []}, {"return": []})
    assert got == want
    assert json.dumps(got) == json.dumps(want)   # QEMU's member order too
