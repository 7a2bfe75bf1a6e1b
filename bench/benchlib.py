"""Shared pieces of make bench's Python drivers (bench/peers.py, bench/lookup_scale.py):
starting fake-libvirtd and a private real libvirtd, pinning, and the results file.

The real libvirtd: the host runs one libvirtd for everyone, which a benchmark must not pin or
load with 100,000 domains, so make bench starts its own in podman from the bookworm root
filesystem (libvirt 9.0, as the host's), through tests/integration/podman_libvirtd.py. Without
podman or that root filesystem it falls back to env VW_LIBVIRTD_SOCK, the shared daemon, which
is then never pinned (the figures say so)."""
import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
import podman_libvirtd  # noqa: E402  (the project's one way to run libvirtd in podman)
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire.process import ReadyProcess  # noqa: E402  (the one way to start a fake)

CONF = ('listen_tls = 0\nlisten_tcp = 0\nunix_sock_dir = "/vw/sock"\nunix_sock_group = "root"\n'
        'unix_sock_rw_perms = "0777"\nauth_unix_ro = "none"\nauth_unix_rw = "none"\n'
        'max_clients = 200\nmax_workers = 20\nmax_client_requests = 20\n'
        'log_outputs = "3:stderr"\n')


def pin(pid, cpus):
    """Sets the CPU affinity of every thread of pid ("0", or None for all CPUs)."""
    cpus = cpus or "0-%d" % (os.cpu_count() - 1)
    subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(pid)], check=True,
                   stdout=subprocess.DEVNULL)


class NotReady(Exception):
    pass


@contextlib.contextmanager
def fake(binary, args, cpus=None, timeout=300):
    """A fake daemon (binary with args) started and stopped by the pytest plugin's ReadyProcess
    (the project's one way to start a fake), optionally pinned to cpus; its start-up time to
    `ready` in proc.load_seconds. NotReady when it does not get ready within timeout s."""
    cmd = ([binary] if not cpus else ["taskset", "-c", cpus, binary]) + list(args)
    workdir = tempfile.mkdtemp(prefix="vw-bench-fake.")
    t0 = time.perf_counter()
    try:
        proc = ReadyProcess(workdir, cmd, name=os.path.basename(binary), ready_timeout=timeout)
    except RuntimeError as e:
        shutil.rmtree(workdir, ignore_errors=True)
        raise NotReady(str(e)) from None
    proc.load_seconds = time.perf_counter() - t0
    try:
        yield proc
    finally:
        proc.terminate()
        shutil.rmtree(workdir, ignore_errors=True)


def fake_libvirtd(binary, sock, state=None, cpus=None, timeout=300):
    """A fake-libvirtd on unix socket sock (optionally from a state file, pinned to cpus)."""
    return fake(binary, ["--listen", "unix:" + sock] + (["--state", state] if state else []),
                cpus, timeout)


class RealLibvirtd:
    """A private libvirtd in podman (sock, pid: pinnable) or the shared one (pid None); env:
    (name, value) for conformance/images/run-libvirtd."""

    def __init__(self, workdir, mounts=(), env=()):
        self.daemon = None
        self.pid = None
        if podman_libvirtd.available():
            self.daemon = podman_libvirtd.Daemon(workdir, CONF, mounts=mounts,
                                                 wait_sock="libvirt-sock", env=env)
            out = subprocess.run(podman_libvirtd.PODMAN + ["inspect", "--format",
                                                           "{{.State.Pid}}", self.daemon.name],
                                 capture_output=True, text=True)
            self.pid = int(out.stdout.strip()) if out.returncode == 0 else None
            self.sock = os.path.join(self.daemon.sockdir, "libvirt-sock")
            self.where = "private libvirtd 9.0 in podman (bookworm)"
        elif os.environ.get("VW_LIBVIRTD_SOCK"):
            self.sock = os.environ["VW_LIBVIRTD_SOCK"]
            self.where = "shared libvirtd at %s (not pinned)" % self.sock
        else:
            raise SystemExit("bench: no podman root filesystem %s and no VW_LIBVIRTD_SOCK: no "
                             "real libvirtd to measure" % podman_libvirtd.ROOTFS)

    def pin(self, cpus):
        if self.pid:
            pin(self.pid, cpus)

    def stop(self):
        if self.daemon:
            self.daemon.stop()


def out_dir():
    d = pathlib.Path(os.environ.get("BENCH_OUT", "build/bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def save(name, data):
    """Writes BENCH_OUT/name.json (read by bench/goals.py)."""
    with open(out_dir() / (name + ".json"), "w") as f:
        json.dump(data, f, indent=1)


def tmpdir(prefix):
    return tempfile.TemporaryDirectory(prefix=prefix)
