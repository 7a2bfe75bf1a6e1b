"""pytest_virtwire: pytest fixtures that run virt-wire's fake libvirtd and fake QEMU.

Use from any project (docs/pytest-plugin.md):

    pip install --no-index --no-build-isolation /path/to/virt-wire/pytest-plugin
    pytest            # loaded through its pytest11 entry point
    # or, without installing it:
    PYTHONPATH=/path/to/virt-wire/pytest-plugin pytest -p pytest_virtwire
    # or, in a conftest.py at the root of your tests:  pytest_plugins = ["pytest_virtwire"]

    def test_lookup_error(fake_libvirtd):
        fl = fake_libvirtd(scenario={"stubs": [{
            "match": {"procedure": "DOMAIN_LOOKUP_BY_NAME", "args": {"name": "web"}},
            "answer": {"error": {"code": 42, "domain": 12, "message": "Domain not found"}}}]})
        conn = libvirt.open(fl.uri)
        ...
        fl.admin.assert_called("DOMAIN_LOOKUP_BY_NAME", times=1, args={"name": "web"})

The binaries are found in the --vw-bin directory, else $VW_BIN (a directory), else
$VW_BUILD/bin, else on PATH. Every fake runs on private unix sockets in its own temporary
directory, with an admin socket; at the end of the test it gets SIGTERM and the test fails if it
exited with a non-zero status or died from a signal (a crash, or a sanitizer report).

Submodules, for tests that go below the fixtures (and for scripts outside pytest):
  pytest_virtwire.process   ReadyProcess, FakeLibvirtd, FakeQemu, start_private: start a program,
                            wait for its `ready` line, stop it (what the fixtures use)
  pytest_virtwire.cmdline   FakeQemuCmdline: fake-qemu with QEMU's command line (-qmp, -daemonize)
  pytest_virtwire.admin     AdminClient: the admin socket
  pytest_virtwire.qmp       QmpLine: a raw QMP line client (bytes out, lines and messages in)
  pytest_virtwire.wire      RawConn: a raw client of libvirt's RPC wire protocol
  pytest_virtwire.events    start_event_loop(): python3-libvirt's default event loop, once
  pytest_virtwire.libvirtd  the libvirtd_sock fixture (opt-in): a real libvirtd for the session
"""
import shutil
import tempfile

import pytest

from .admin import AdminClient, AdminError
from .cmdline import FakeQemuCmdline
from .process import FakeLibvirtd, FakeQemu, ReadyProcess, find_binary, set_bin_option

__all__ = ["AdminClient", "AdminError", "FakeLibvirtd", "FakeQemu", "FakeQemuCmdline",
           "ReadyProcess", "find_binary", "fake_libvirtd", "fake_qemu", "fake_qemu_cmdline"]


def pytest_addoption(parser):
    group = parser.getgroup("virtwire", "virt-wire fakes")
    group.addoption("--vw-bin", action="store", default=None,
                    help="directory holding fake-libvirtd and fake-qemu (default: $VW_BIN, "
                         "then $VW_BUILD/bin, then PATH)")


def pytest_configure(config):
    try:
        set_bin_option(config.getoption("--vw-bin"))
    except ValueError:
        set_bin_option(None)


def _factory(cls):
    started = []
    # unix socket paths are limited to 108 bytes: a short private directory, not tmp_path
    workdir = tempfile.mkdtemp(prefix="vw-")
    counter = [0]

    def start(*args, **kwargs):
        counter[0] += 1
        kwargs.setdefault("name", "%s-%d" % (cls.program, counter[0]))
        fake = cls(workdir, *args, **kwargs)
        started.append(fake)
        return fake

    def finish():
        errors = []
        for fake in started:
            if fake.returncode is not None:
                continue    # the test stopped it and checked how it ended (terminate())
            try:
                fake.stop()
            except AssertionError as e:
                errors.append(str(e))
        shutil.rmtree(workdir, ignore_errors=True)
        if errors:
            pytest.fail("\n".join(errors), pytrace=False)

    return start, finish


@pytest.fixture
def fake_libvirtd():
    """Factory: fake_libvirtd(mode="model"|"replay"|"record", scenario=PATH|dict|list,
    state=PATH|JSON text|dict, trace=PATH, upstream="unix:PATH", extra_args=[...], admin=True, seed=N,
    socket=PATH, readonly_socket=False)
    starts a fake-libvirtd and returns a FakeLibvirtd (.uri, .socket, .admin). Each one is
    stopped with SIGTERM after the test, which fails unless it exited 0."""
    start, finish = _factory(FakeLibvirtd)
    yield start
    finish()


@pytest.fixture
def fake_qemu():
    """Factory: fake_qemu(mode=..., scenario=..., trace=..., upstream=..., extra_args=[...],
    socket=PATH or listen="tcp:HOST:PORT") starts a fake-qemu and returns a FakeQemu (.address,
    .socket, .admin)."""
    start, finish = _factory(FakeQemu)
    yield start
    finish()


@pytest.fixture
def fake_qemu_cmdline():
    """Factory: fake_qemu_cmdline(argv, monitor=None, pass_fds=(), name=...) starts fake-qemu
    with QEMU's command line argv (["-S", "-qmp", "unix:PATH,server=on,wait=off", ...]) and
    returns a FakeQemuCmdline once its monitor greets (or, with -daemonize, once it daemonized
    and wrote its -pidfile). Stopped after the test like the others (SIGTERM, exit 0)."""
    start, finish = _factory(FakeQemuCmdline)
    yield start
    finish()
