"""A real libvirtd in podman for the auth tests (test_tls.py, test_sasl.py).

The host runs one libvirtd for everyone (no TLS listener, no SASL) and must not get a second
one, so the real daemon runs in a container as the conformance suite's do
(conformance/images/run-libvirtd, root filesystems cached by conformance/images/build-rootfs),
on the host network so that it can listen on a loopback port, with its own /run, its config
and files from a test directory (/vw/files), and its unix sockets in /vw/sock (bind-mounted).
Env VW_AUTH_ROOTFS_SUITE picks the release (default bookworm); callers skip when available()
is false."""
import os
import shutil
import socket
import subprocess
import time

from conftest import REPO

ROOTFS_CACHE = os.environ.get("VW_ROOTFS_CACHE", "/var/cache/virt-wire/rootfs")
ROOTFS = os.path.join(ROOTFS_CACHE, os.environ.get("VW_AUTH_ROOTFS_SUITE", "bookworm"))
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]


def config(port, auth, tcp_port=None):
    """libvirtd.conf: TLS on 127.0.0.1:port with the certificates of /vw/files (libvirt's
    names), the unix sockets in /vw/sock (rw for everyone), auth_tls and auth_unix_rw = auth;
    with tcp_port also plain TCP there with auth_tcp = auth."""
    tcp = ('listen_tcp = 1\ntcp_port = "%d"\nauth_tcp = "%s"\n' % (tcp_port, auth)
           if tcp_port else 'listen_tcp = 0\n')
    return tcp + ('listen_tls = 1\nlisten_addr = "127.0.0.1"\ntls_port = "%d"\n'
            'key_file = "/vw/files/serverkey.pem"\ncert_file = "/vw/files/servercert.pem"\n'
            'ca_file = "/vw/files/cacert.pem"\nunix_sock_dir = "/vw/sock"\n'
            'unix_sock_group = "root"\nunix_sock_rw_perms = "0777"\nauth_unix_ro = "none"\n'
            'auth_tls = "%s"\nauth_unix_rw = "%s"\nlog_outputs = "3:stderr"\n'
            % (port, auth, auth))


def rootfs(suite=None):
    """The root filesystem of suite, or the default (VW_AUTH_ROOTFS_SUITE, else bookworm)."""
    return os.path.join(ROOTFS_CACHE, suite) if suite else ROOTFS


def available(suite=None):
    return os.path.exists(os.path.join(rootfs(suite), ".vw-rootfs")) and shutil.which("podman")


def host_libs(binary, names=("jansson", "libasan", "libubsan")):
    """(host path, container path) read-only mounts for the host's libraries of binary whose
    names hold one of names (jansson: bookworm's libvirt does not pull it in; the sanitizer
    runtimes of an ASan+UBSan build), at the path the
    binary looks for them, so that a host-built fake-qemu runs in a container of the host's
    release."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    mounts = []
    for line in out.splitlines():
        parts = line.split("=>")
        if len(parts) == 2 and any(n in parts[0] for n in names) and parts[1].split():
            path = parts[1].split()[0]
            mounts.append((os.path.realpath(path), path))
    return mounts


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _ready(port, sock):
    return os.path.exists(sock) if sock else port_open(port)


def port_open(port):
    """True when something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class Daemon:
    """libvirtd -f /vw/files/libvirtd.conf --listen; workdir/files holds what the caller put
    there (the config is written from conf), workdir/sock the unix sockets; mounts: extra
    (host, container) read-only bind mounts; suite: the root filesystem (default: rootfs());
    env: extra (name, value) for conformance/images/run-libvirtd (VW_QEMU_EMULATOR)."""

    def __init__(self, workdir, conf, port=None, mounts=(), wait_sock=None, timeout=120,
                 suite=None, env=()):
        self.port = port
        self.files = os.path.join(workdir, "files")
        self.sockdir = os.path.join(workdir, "sock")
        os.makedirs(self.files, exist_ok=True)
        os.makedirs(self.sockdir, exist_ok=True)
        with open(os.path.join(self.files, "libvirtd.conf"), "w") as f:
            f.write(conf)
        self.name = "vw-auth-%d-%d" % (os.getpid(), int(time.monotonic() * 1000) % 100000)
        self.log_path = os.path.join(workdir, "libvirtd.log")
        self.log = open(self.log_path, "w")
        cmd = PODMAN + ["run", "--rm", "--name", self.name, "--network", "host",
                        "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                        "-e", "VW_LIBVIRTD_CONF=/vw/files/libvirtd.conf",
                        "-e", "VW_LIBVIRTD_LISTEN=1",
                        "-v", "%s:/vw/files" % self.files, "-v", "%s:/vw/sock" % self.sockdir,
                        "-v", "%s:/vw/images:ro" % (REPO / "conformance" / "images")]
        for host, inside in mounts:
            cmd += ["-v", "%s:%s:ro" % (host, inside)]
        for name, value in env:
            cmd += ["-e", "%s=%s" % (name, value)]
        cmd += ["--tmpfs", "/run", "--tmpfs", "/tmp", "--rootfs", "%s:O" % rootfs(suite),
                "/vw/images/run-libvirtd", "libvirtd"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        sock = os.path.join(self.sockdir, wait_sock) if wait_sock else None
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.proc.poll() is None and not _ready(port, sock):
            time.sleep(0.1)
        if self.proc.poll() is not None or not _ready(port, sock):
            text = self.log_text()
            self.stop()
            raise RuntimeError("libvirtd in podman did not come up:\n" + text[-3000:])

    def log_text(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        subprocess.run(PODMAN + ["stop", "-t", "10", self.name], capture_output=True, timeout=60)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            subprocess.run(PODMAN + ["rm", "-f", self.name], capture_output=True, timeout=60)
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


def start_or_skip(workdir, conf, **kwargs):
    """A Daemon for a pytest fixture: skips without podman or the root filesystem, fails the
    test with the daemon's log when it does not come up."""
    import pytest
    if not available(kwargs.get("suite")):
        pytest.skip("no podman or no root filesystem %s (conformance/images/build-rootfs)"
                    % rootfs(kwargs.get("suite")))
    try:
        return Daemon(workdir, conf, **kwargs)
    except RuntimeError as e:
        pytest.fail(str(e))
