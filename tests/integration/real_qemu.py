"""A real QEMU for the integration tests: `qemu-system-x86_64 -machine none` with its QMP monitor
on a unix socket, started the way conformance/qmp/qmp_harness.py starts it."""
import os
import shutil
import subprocess
import time

import pytest

QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
START_TIMEOUT = 30
STOP_TIMEOUT = 60


class Qemu:
    """Starts QEMU; returns once its QMP socket exists (fails the test if it never does)."""

    def __init__(self, sock):
        self.sock = str(sock)
        self.proc = subprocess.Popen(
            [QEMU, "-machine", "none", "-nodefaults", "-display", "none", "-accel", "tcg",
             "-qmp", "unix:%s,server=on,wait=off" % self.sock],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("qemu-system-x86_64 did not create its QMP socket")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT)
