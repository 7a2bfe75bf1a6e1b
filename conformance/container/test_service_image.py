"""The CI service image (container/Containerfile, built by container/build-image): the fakes run in
a podman container and real clients on the host reach them over TCP and over a unix socket in a
mounted directory; the image's health check says whether the fake serves. docs/container.md.

Run by `make conformance` (conformance/Makefile, conformance-container): the first build of the
image takes minutes (debootstrap + two apt-get steps), too slow for `make check`. The image and
the debootstrap tree are cached; the test reuses them (podman's layer cache rebuilds only what the
source changes touch). Skipped, with the reason, without root, podman, or virsh, or when the
base root filesystem is missing and debootstrap is not there to make it."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_IMAGE = REPO / "container" / "build-image"
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]
# What every `podman run` here needs (docs/container.md): podman's default rlimits cannot be set
# on this kind of machine, and health checks have no systemd timers without systemd (they are
# run on demand with `podman healthcheck run`).
RUN_OPTS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
            "--health-interval=disable"]
VIRTC = Path(os.environ.get("VW_BUILD", str(REPO / "build"))) / "bin" / "virtc"
TAG = os.environ.get("VW_SERVICE_IMAGE", "localhost/virt-wire/fakes:test")


def _skip_reason():
    if os.geteuid() != 0:
        return "needs root (rootful podman, debootstrap)"
    if not shutil.which("podman") or not shutil.which("runc"):
        return "podman or runc not installed (apt-get install podman runc)"
    if not shutil.which("virsh"):
        return "virsh not installed (apt-get install libvirt-clients)"
    base = subprocess.run([str(BUILD_IMAGE), "--print-base"], capture_output=True, text=True,
                          timeout=30).stdout.strip()
    if not os.path.exists(os.path.join(base, "bin", "sh")) and not shutil.which("debootstrap"):
        return ("no base root filesystem at %s and no debootstrap to make it "
                "(apt-get install debootstrap)" % base)
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


def podman(*args, check=True, timeout=120):
    r = subprocess.run(PODMAN + list(args), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("podman %s failed (%d): %s" % (" ".join(args), r.returncode,
                                                            r.stderr.strip()))
    return r


@pytest.fixture(scope="session")
def image():
    started = time.monotonic()
    r = subprocess.run([str(BUILD_IMAGE), "--tag", TAG], capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        pytest.fail("container/build-image failed (%d):\n%s" % (r.returncode, r.stderr[-3000:]))
    print("service image %s ready in %.0f s" % (TAG, time.monotonic() - started))
    return TAG


class Container:
    def __init__(self, image, args, run_opts=()):
        self.name = "vw-svc-%s" % uuid.uuid4().hex[:10]
        podman("run", "-d", "--name", self.name, *RUN_OPTS, *run_opts, image, *args)

    def logs(self):
        r = podman("logs", self.name, check=False)
        return r.stdout + r.stderr

    def wait_ready(self, deadline_s=60):
        """Until the fake prints `ready`; fails with its log if it exits or never does."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if "ready" in self.logs().split():
                return
            state = podman("inspect", "--format", "{{.State.Status}}", self.name,
                           check=False).stdout.strip()
            if state in ("exited", "stopped"):
                break
            time.sleep(0.2)
        pytest.fail("container %s never said ready; log:\n%s" % (self.name, self.logs()))

    def healthcheck(self):
        return podman("healthcheck", "run", self.name, check=False)

    def remove(self):
        podman("rm", "-f", "-t", "2", self.name, check=False)


@pytest.fixture
def container(image):
    made = []

    def start(args=(), run_opts=()):
        c = Container(image, list(args), run_opts)
        made.append(c)
        return c

    yield start
    for c in made:
        c.remove()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def virsh(uri, *args):
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=60)


def test_tcp_default_command_serves_virsh_on_a_published_port(container):
    port = free_port()
    c = container(run_opts=["-p", "127.0.0.1:%d:16509" % port])   # the image's default CMD
    c.wait_ready()
    r = virsh("test+tcp://127.0.0.1:%d/default" % port, "list", "--all")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()[2:] if line.strip()]
    assert ["1", "test", "running"] in rows, r.stdout
    r = virsh("test+tcp://127.0.0.1:%d/default" % port, "dominfo", "test")
    assert r.returncode == 0 and "running" in r.stdout, r.stdout + r.stderr


def test_unix_socket_in_a_mounted_directory(container):
    d = tempfile.mkdtemp(prefix="vw-svc-")
    try:
        c = container(["fake-libvirtd", "--listen", "unix:/run/vw/libvirt-sock"],
                      ["-v", "%s:/run/vw" % d])
        c.wait_ready()
        sock = os.path.join(d, "libvirt-sock")
        r = virsh("test+unix:///default?socket=%s" % sock, "list", "--all")
        assert r.returncode == 0, r.stderr
        assert "test" in r.stdout and "running" in r.stdout, r.stdout
        # our own client too
        virtc = VIRTC
        if virtc.exists():
            r = subprocess.run([str(virtc), "-c", "test+unix:///default?socket=%s" % sock,
                                "list", "--all"], capture_output=True, text=True, timeout=60)
            assert r.returncode == 0 and "test" in r.stdout, r.stdout + r.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_fake_qemu_on_a_mounted_socket(container):
    d = tempfile.mkdtemp(prefix="vw-svc-")
    try:
        c = container(["fake-qemu", "--qmp", "unix:/run/vw/qmp.sock"], ["-v", "%s:/run/vw" % d])
        c.wait_ready()
        virtc = VIRTC
        if not virtc.exists():
            pytest.skip("build/bin/virtc not built (make)")
        r = subprocess.run([str(virtc), "qmp", "unix:%s/qmp.sock" % d, "query-status"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert "status" in r.stdout, r.stdout
        assert c.healthcheck().returncode == 0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_healthcheck_healthy_when_serving_unhealthy_when_not(container):
    port = free_port()
    c = container(run_opts=["-p", "127.0.0.1:%d:16509" % port])
    c.wait_ready()
    r = c.healthcheck()
    assert r.returncode == 0, r.stdout + r.stderr
    state = podman("inspect", "--format", "{{.State.Health.Status}}", c.name).stdout.strip()
    assert state == "healthy"
    r = podman("exec", c.name, "vw-healthcheck")
    assert r.stdout.startswith("vw-healthcheck: ok:") and '"pong":true' in r.stdout

    # a container whose fake is stopped (SIGSTOP: alive, not answering) is unhealthy
    podman("kill", "--signal", "STOP", c.name)
    try:
        r = podman("exec", c.name, "vw-healthcheck", check=False)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "unexpected reply" in r.stdout or "cannot talk" in r.stdout, r.stdout
    finally:
        podman("kill", "--signal", "CONT", c.name, check=False)

    # and one that runs no fake at all has no admin socket: the check says so
    other = container(["sleep", "600"])
    r = podman("exec", other.name, "vw-healthcheck", check=False)
    assert r.returncode == 1
    assert "no admin socket" in r.stdout, r.stdout
    assert other.healthcheck().returncode != 0
