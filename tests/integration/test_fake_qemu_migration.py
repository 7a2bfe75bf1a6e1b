"""fake-qemu's exec: migration does not depend on scheduling (fake-qemu/vm_model.c).

The fake writes its small migration stream into the pipe before the command starts, so a command
that exits without reading it (`exec:true`), or closes its input at once, always ends in a
completed migration. Before that, the write came after the spawn and failed with EPIPE whenever
the command had already exited (seen once in `make conformance` on a loaded machine). The fake
is driven by `virtc qmp`, one connection per command, as a user's shell script would.
"""
import json
import os
import subprocess
import time

from conftest import BUILD, VIRTC

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_qemu  # noqa: E402,F401  (fixture)


def qmp(fake, command, args=None):
    argv = [str(VIRTC), "qmp", fake.address, command]
    if args is not None:
        argv.append(json.dumps(args))
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def migrate_and_wait(fake, uri):
    assert qmp(fake, "migrate", {"uri": uri}) == {}
    deadline = time.monotonic() + 20
    while True:
        info = qmp(fake, "query-migrate")
        if info.get("status") not in ("setup", "active") or time.monotonic() > deadline:
            return info
        time.sleep(0.02)


def test_exec_migration_to_a_command_that_never_reads_always_completes(fake_qemu):
    # QEMU 5.2 starts a new migration from postmigrate, so one fake runs them all.
    fake = fake_qemu(extra_args=["--qemu-version", "5.2.0"])
    outcomes = [migrate_and_wait(fake, uri)["status"]
                for uri in ["exec:true", "exec:exec 0<&-; sleep 0.05"] * 15]
    assert outcomes == ["completed"] * 30


def test_exec_migration_stream_reaches_the_command(fake_qemu, tmp_path):
    fake = fake_qemu()
    out = tmp_path / "stream"
    info = migrate_and_wait(fake, "exec:cat > %s" % out)
    assert info["status"] == "completed"
    # QEMU_VM_FILE_MAGIC, version 3, QEMU_VM_EOF
    assert out.read_bytes() == b"QEVM\x00\x00\x00\x03\x00"

