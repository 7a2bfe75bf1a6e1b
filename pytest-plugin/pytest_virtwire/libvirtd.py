"""The `libvirtd_sock` fixture: the socket of a real libvirtd for a test session (opt-in: a
conftest.py imports it, `from pytest_virtwire.libvirtd import libvirtd_sock`).

If $VW_LIBVIRTD_SOCK names a socket, that daemon is used. Otherwise one private libvirtd is
started for the session with virt-wire's ci/libvirtd-private ($VW_LIBVIRTD_PRIVATE, else the copy
in the source tree this package sits in) and stopped at the end. If it cannot start, the session
fails with the daemon's log (nothing is skipped silently).
"""
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

__all__ = ["libvirtd_sock"]

PROC_TIMEOUT = 60


def _helper():
    if os.environ.get("VW_LIBVIRTD_PRIVATE"):
        return pathlib.Path(os.environ["VW_LIBVIRTD_PRIVATE"])
    path = pathlib.Path(__file__).resolve().parents[2] / "ci" / "libvirtd-private"
    if not path.exists():
        pytest.fail("no libvirtd for the tests: set VW_LIBVIRTD_SOCK to the socket of a running "
                    "one, or VW_LIBVIRTD_PRIVATE to virt-wire's ci/libvirtd-private")
    return path


def _log_tail(directory, lines=40):
    out = []
    for rel in ("log/stderr", "log/libvirtd.log"):
        path = pathlib.Path(directory) / rel
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append("--- %s ---\n%s" % (path, "\n".join(text)))
    return "\n".join(out)


@pytest.fixture(scope="session")
def libvirtd_sock():
    """Path of the rw unix socket of a real libvirtd for this session."""
    sock = os.environ.get("VW_LIBVIRTD_SOCK")
    if sock:
        if not os.path.exists(sock):
            pytest.fail("VW_LIBVIRTD_SOCK=%s does not exist" % sock)
        yield sock
        return
    helper = _helper()
    tmp = tempfile.mkdtemp(prefix="vw-libvirtd-")
    try:
        proc = subprocess.run([str(helper), "start", tmp], capture_output=True, text=True,
                              timeout=PROC_TIMEOUT)
    except subprocess.TimeoutExpired:
        subprocess.run([str(helper), "stop", tmp], timeout=PROC_TIMEOUT)
        pytest.fail("%s start %s did not finish in %d s\n%s"
                    % (helper, tmp, PROC_TIMEOUT, _log_tail(tmp)))
    if proc.returncode != 0:
        subprocess.run([str(helper), "stop", tmp], timeout=PROC_TIMEOUT)
        pytest.fail("could not start a private libvirtd (set VW_LIBVIRTD_SOCK to use a running "
                    "one):\n%s%s\n%s" % (proc.stdout, proc.stderr, _log_tail(tmp)))
    sock = proc.stdout.strip().splitlines()[-1]
    try:
        yield sock
    finally:
        subprocess.run([str(helper), "stop", tmp], timeout=PROC_TIMEOUT)
        shutil.rmtree(tmp, ignore_errors=True)
