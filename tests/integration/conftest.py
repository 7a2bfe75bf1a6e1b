"""Fixtures for the virtc integration tests: a private real libvirtd, virtc and virsh runners.

The daemon: the `libvirtd_sock` fixture of pytest_virtwire.libvirtd (env VW_LIBVIRTD_SOCK names a
socket, otherwise one private libvirtd is started for the session with ci/libvirtd-private).

Both the test driver (test+unix:///default?socket=...) and the QEMU driver
(qemu+unix:///system?socket=...) are reached through that one socket. The test driver's state
is shared by every connection, so each test uses uniquely named objects and removes them.
"""
import itertools
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
# the shipped pytest plugin's package (fixtures, process start-up, QMP and libvirt wire clients)
sys.path.insert(0, str(REPO / "pytest-plugin"))
from pytest_virtwire.libvirtd import libvirtd_sock  # noqa: E402,F401  (session fixture)

DATA = pathlib.Path(__file__).resolve().parent / "data"
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
VIRTC = BUILD / "bin" / "virtc"
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"

# Every process a test runs is bounded; a hang is a failure, never a stuck suite.
PROC_TIMEOUT = 60

_names = itertools.count(1)


def unique_name(tag):
    """A domain name no other test (or other run on this host) uses: vwt-TAG-PID-N."""
    return "vwt-%s-%d-%d" % (tag, os.getpid(), next(_names))


@pytest.fixture(scope="session")
def test_uri(libvirtd_sock):
    """The test driver's URI. libvirtd keeps the test driver's state only while at least one
    connection to it is open (the last close frees it), so the session holds one open connection
    (python3-libvirt) for as long as the tests run: objects defined by one command are then still
    there for the next."""
    uri = "test+unix:///default?socket=%s" % libvirtd_sock
    import libvirt
    keeper = libvirt.open(uri)
    try:
        yield uri
    finally:
        keeper.close()


@pytest.fixture(scope="session")
def qemu_uri(libvirtd_sock):
    return "qemu+unix:///system?socket=%s" % libvirtd_sock


@pytest.fixture(scope="session")
def virtc_bin():
    if not os.access(str(VIRTC), os.X_OK):
        pytest.fail("%s not built (run make, or set VW_BUILD)" % VIRTC)
    return str(VIRTC)


def _clean_env():
    env = dict(os.environ)
    env.pop("LIBVIRT_DEFAULT_URI", None)
    env.pop("VIRSH_DEFAULT_CONNECT_URI", None)
    env["LC_ALL"] = "C"
    return env


def run_virtc(args, uri=None, timeout=PROC_TIMEOUT, env=None, input=None):
    """Runs build/bin/virtc [-c uri] ARGS; returns the CompletedProcess (text)."""
    cmd = [str(VIRTC)]
    if uri is not None:
        cmd += ["-c", uri]
    cmd += list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=env or _clean_env(), input=input)


def run_virsh(args, uri, timeout=PROC_TIMEOUT, readonly=False):
    cmd = [VIRSH]
    if readonly:
        cmd.append("-r")
    cmd += ["-c", uri] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_clean_env())


def stdout_lines(text):
    """Output lines without the trailing blank line virsh adds after every command."""
    lines = text.rstrip("\n").split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    return lines


# The test driver's CPU time is computed from the wall clock, so it differs between two runs.
_CPU_TIME = re.compile(r"^(CPU time:\s+)\S+$")
# QEMU's monitor replies carry the id libvirt gave the command: libvirt-N grows per command.
_QMP_ID = re.compile(r'"id":\s*"libvirt-\d+"')


def normalise(text):
    out = []
    for line in stdout_lines(text):
        line = _CPU_TIME.sub(r"\1<cpu-time>", line)
        line = _QMP_ID.sub('"id":"libvirt-N"', line)
        out.append(line)
    return out


class Peers:
    """Runs the same command through virtc and virsh on one URI and compares the results."""

    def __init__(self, uri):
        self.uri = uri

    def virtc(self, *args, **kw):
        return run_virtc(list(args), uri=self.uri, **kw)

    def virsh(self, *args, **kw):
        return run_virsh(list(args), self.uri, **kw)

    def same(self, *args, readonly=False):
        """Both tools must succeed with the same (normalised) stdout. Returns virtc's result."""
        pre = ["-r"] if readonly else []
        mine = run_virtc(pre + list(args), uri=self.uri)
        theirs = run_virsh(list(args), self.uri, readonly=readonly)
        assert theirs.returncode == 0, "virsh %s failed: %s" % (args, theirs.stderr)
        assert mine.returncode == 0, "virtc %s failed (%d): %s" % (args, mine.returncode, mine.stderr)
        assert normalise(mine.stdout) == normalise(theirs.stdout), (
            "virtc %s differs from virsh\n--- virtc\n%s--- virsh\n%s"
            % (" ".join(args), mine.stdout, theirs.stdout))
        assert mine.stderr == "", "virtc %s wrote to stderr: %s" % (args, mine.stderr)
        return mine

    def same_error(self, *args, readonly=False):
        """Both tools must fail with exit 1 and the same "error: ..." lines on stderr."""
        pre = ["-r"] if readonly else []
        mine = run_virtc(pre + list(args), uri=self.uri)
        theirs = run_virsh(list(args), self.uri, readonly=readonly)
        assert theirs.returncode == 1, "virsh %s did not fail: %s" % (args, theirs.stdout)
        assert mine.returncode == 1, "virtc %s: exit %d, stdout %r, stderr %r" % (
            args, mine.returncode, mine.stdout, mine.stderr)
        assert error_lines(mine.stderr) == error_lines(theirs.stderr), (
            "virtc %s error differs\n--- virtc\n%s--- virsh\n%s"
            % (" ".join(args), mine.stderr, theirs.stderr))
        assert mine.stdout.strip() == "", "virtc %s printed on stdout: %r" % (args, mine.stdout)
        return mine


def libvirt_answer(fn):
    """fn()'s value, or the libvirt error it raised as (code, domain, message): what the
    call-by-call comparisons with test:///default record."""
    try:
        return fn()
    except Exception as e:  # libvirt.libvirtError; anything else is a bug in the test
        if not hasattr(e, "get_error_code"):
            raise
        return (e.get_error_code(), e.get_error_domain(), e.get_error_message())


def assert_same_answers(labels, real, fake):
    """real and fake (lists of libvirt_answer results) agree; the message names each step."""
    differ = ["%r:\n  real %r\n  fake %r" % (labels[i], r, m)
              for i, (r, m) in enumerate(zip(real, fake)) if r != m]
    assert not differ, "%d of %d differ:\n%s" % (len(differ), len(labels), "\n".join(differ[:20]))


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def test_peers(test_uri, virtc_bin):
    return Peers(test_uri)


@pytest.fixture(scope="session")
def qemu_peers(qemu_uri, virtc_bin):
    return Peers(qemu_uri)


def domain_xml(template, name, tmp_path):
    """Writes data/TEMPLATE with @NAME@ replaced to tmp_path; returns the file path."""
    text = (DATA / template).read_text().replace("@NAME@", name)
    path = tmp_path / ("%s.xml" % name)
    path.write_text(text)
    return str(path)


@pytest.fixture
def cleanup_domains(test_uri, qemu_uri):
    """Collects (uri, name) pairs; at the end each is destroyed and undefined with virsh."""
    names = []
    yield names
    for uri, name in names:
        run_virsh(["destroy", name], uri)
        run_virsh(["undefine", name], uri)
