"""One rerun for a case that fails against a real QEMU (the host's or a release's in a container).

Real QEMU's timing is not ours to fix: its migration thread, its chardev's handling of a client
that just hung up and its start-up race with its own monitor make a case fail now and then on a
loaded machine (each such race seen so far is described where a case tolerates it). A case that
fails against a real QEMU runs once more, from a fresh QEMU; only the second outcome counts. The
first failure is printed in the terminal summary ("rerun") and recorded with the case's result
(qmp_results.py: "rerun_after"), so a case that keeps needing the rerun shows. Cases against
fake-qemu never rerun: a fake that is flaky is a bug. VW_QMP_REAL_RERUNS=0 turns this off.
"""
import os
import pathlib
import sys

import pytest
from _pytest.runner import runtestprotocol

# the shipped pytest plugin's package (fake-qemu start-up, the QMP line client) for qmp_harness
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "pytest-plugin"))
# conformance/: case_results, what both conformance suites write for a case (qmp_known's case id)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

RERUNS = int(os.environ.get("VW_QMP_REAL_RERUNS", "1"))
_reruns = []


def _real_qemu(item):
    callspec = getattr(item, "callspec", None)
    name = callspec.params.get("target") if callspec is not None else None
    return isinstance(name, str) and (name == "qemu" or name.startswith("qemu-"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if RERUNS <= 0 or not _real_qemu(item):
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for attempt in range(RERUNS + 1):
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        failed = [r for r in reports if r.failed]
        if not failed or attempt == RERUNS:
            break
        text = failed[0].longreprtext.strip().splitlines()
        why = [line[1:].strip() for line in text if line.startswith("E ")][:2] or text[-1:]
        first = "%s: %s" % (failed[0].when, " / ".join(why) or "failed")
        item._vw_rerun_after = first
        _reruns.append((item.nodeid, first))
    for r in reports:
        item.ihook.pytest_runtest_logreport(report=r)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_terminal_summary(terminalreporter):
    if _reruns:
        terminalreporter.section("reruns against real QEMU (the second run's outcome counts)")
        for nodeid, first in _reruns:
            terminalreporter.write_line("rerun %s after %s" % (nodeid, first[:300]))
