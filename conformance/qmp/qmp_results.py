"""A pytest plugin that records the QMP conformance results for conformance/report.py:

    VW_BUILD=... python3 -m pytest -p qmp_results conformance/qmp/test_qmp_conformance.py
    (with conformance/qmp on PYTHONPATH; conformance/Makefile does this)

writes $VW_BUILD/conformance/results/TARGET/CASE.json (the case, its group, the outcome, the
failure text) and TARGET/_target.json (family "qmp", the QEMU version and package) in the format
of conformance/libvirt/conftest.py. The result folders are named qemu-host (the host's QEMU),
fake-qemu, fake-X.Y and qemu-SUITE, so they never clash with the libvirt targets. A case's group is the
"# ---- NAME ----" section of the test file it is defined in.
"""
import json
import os
import pathlib
import re
import shutil

import case_results

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
RESULTS = BUILD / "conformance" / "results"
RESULT_NAME = {"qemu": "qemu-host", "fake": "fake-qemu"}

_sections = {}
_seen = set()


def _group(item):
    path = str(item.fspath)
    if path not in _sections:
        table, current = {}, "QMP"
        for line in pathlib.Path(path).read_text().splitlines():
            m = re.match(r"# ---- (.+?) -+\s*$", line)
            if m:
                current = "QMP " + re.sub(r"\s*\(.*\)$", "", m.group(1))
            m = re.match(r"def (test_\w+)", line)
            if m:
                table[m.group(1)] = current
        _sections[path] = table
    return _sections[path].get(item.originalname or item.name.split("[")[0], "QMP")


def _target_info(t):
    q = t.version["qemu"] if t.version else None
    info = {"family": "qmp", "kind": "fake" if t.kind == "fake" else
            ("container" if t.container is not None else "host"),
            "daemon": "fake-qemu" if t.kind == "fake" else "qemu-system-x86_64"}
    if q:
        info["api"] = "QEMU %d.%d.%d" % (q["major"], q["minor"], q["micro"])
        info["qemu_package"] = t.version.get("package", "")
    if t.container is not None:
        info["release"] = "Debian %s" % t.container.suite
        info["package"] = t.container.marker.get("qemu", "?")
    elif t.kind == "fake" and t.name.startswith("fake-"):
        from qmp_harness import FAKE_RELEASES
        full, suite = FAKE_RELEASES[t.name[5:]]
        info["release"] = "virt-wire fake (as QEMU %s of Debian %s)" % (full, suite)
    elif t.kind == "fake":
        info["release"] = "virt-wire fake (as the host QEMU)"
    else:
        info["release"] = "host (Debian 12)"
    return info


def _write_result(item, rep, target):
    tname = RESULT_NAME.get(target, target)
    out = RESULTS / tname
    if tname not in _seen:
        _seen.add(tname)
        shutil.rmtree(str(out), ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    t = item.funcargs.get("target") if hasattr(item, "funcargs") else None
    info_path = out / "_target.json"
    if t is not None and not info_path.exists():
        info_path.write_text(json.dumps(_target_info(t), indent=1, sort_keys=True))
    name, detail = case_results.outcome(rep)
    # what a passing case saw is what it asserted (the cases compare exact replies), so only the
    # version-dependent expectations a case applied (Target.notes) are recorded: they show as
    # "differs" against the reference target
    observed = dict(t.notes) if t is not None else {}
    data = {"case": case_results.case_id(item), "group": _group(item), "target": tname,
            "outcome": name, "when": rep.when, "detail": detail,
            "doc": (item.function.__doc__ or "").strip(), "observed": observed}
    if getattr(item, "_vw_rerun_after", None):
        data["rerun_after"] = item._vw_rerun_after     # conftest.py: real QEMU's one rerun
    case_results.write(item, out, data)


pytest_runtest_makereport = case_results.report_hook(_write_result)
