"""What both conformance suites (conformance/libvirt/conftest.py, conformance/qmp/qmp_results.py)
write for a case: its id without the target parameter, whether a report is the one to write, and
its outcome and detail in the result file's words (conformance/report.py reads them).
"""
import json
import re

import pytest

__all__ = ["case_id", "report_hook", "report_to_write", "outcome", "write"]


def case_id(node):
    """The case's id without the target parameter, e.g. test_error[start-running]: our target
    names contain dashes, so the target's pieces are removed from the dash-separated id as a
    whole."""
    callspec = getattr(node, "callspec", None)
    base = getattr(node, "originalname", None) or node.name.split("[")[0]
    if callspec is None:
        return base
    tname = callspec.params.get("target")
    pieces = callspec.id.split("-")
    if tname is not None:
        tp = str(tname).split("-")
        for i in range(len(pieces) - len(tp) + 1):
            if pieces[i:i + len(tp)] == tp:
                del pieces[i:i + len(tp)]
                break
    rest = "-".join(pieces)
    return f"{base}[{rest}]" if rest else base


def report_to_write(item, rep):
    """The case's target parameter when rep is the report its result file is written from, else
    None: one file per case, where setup failures and skips count, the call's result overrides
    setup's, and a failing teardown overrides both."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "target" not in callspec.params:
        return None
    if rep.when == "setup" and rep.passed:
        return None
    if rep.when == "teardown" and (rep.passed or getattr(item, "_vw_written", False) and
                                   not rep.failed):
        return None
    return callspec.params["target"]


def report_hook(result):
    """A pytest_runtest_makereport hook (assign it to that name in the plugin module) that calls
    result(item, rep, target) with the report a case's result file is written from."""
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        rep = (yield).get_result()
        target = report_to_write(item, rep)
        if target is not None:
            result(item, rep, target)
    return pytest_runtest_makereport


def outcome(rep):
    """(passed | skipped | failed | known, detail): known = failed as listed as a known
    difference (a strict xfail)."""
    detail = ""
    if rep.failed:
        detail = str(rep.longreprtext)[-3000:]
    elif rep.skipped:
        lr = rep.longrepr
        detail = lr[2] if isinstance(lr, tuple) and len(lr) == 3 else str(lr)
    name = "passed" if rep.passed else ("skipped" if rep.skipped else "failed")
    if hasattr(rep, "wasxfail"):
        name = "known"
        detail = "known difference: %s\n%s" % (rep.wasxfail, str(rep.longreprtext)[-2000:])
    if rep.when == "teardown" and rep.failed:
        name = "failed"
    return name, detail


def write(item, out, data):
    """Writes data as out/CASE.json (out: a pathlib.Path) and marks the case written."""
    path = out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", data["case"]) + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str))
    item._vw_written = True
