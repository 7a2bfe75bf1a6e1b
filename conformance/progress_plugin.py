"""pytest plugin (-p progress_plugin, with conformance/ on PYTHONPATH): plain progress lines for
the long conformance runs, the same on a terminal and in a CI log (no escape sequences).

When the items of each target run together (conformance/libvirt: `target` is a session-scoped
parameter), one line each time the run moves on to the next target:

    [3/16] conformance libvirt: target bookworm-libvirtd (42 s)

When the targets are interleaved (conformance/qmp: every case runs on every target in turn), one
line per tenth of the cases:

    [4/10] conformance QMP: 412/1035 cases (97 s)

The label comes from $VW_PROGRESS_LABEL (default "conformance"); the time is since
$VW_PROGRESS_START (seconds since the epoch, as ci/progress uses it), else since the session
started."""

import os
import time

_state = {"order": [], "grouped": True, "current": None, "start": None, "done": 0,
          "total": 0, "tenth": 0, "targets": {}, "config": None,
          "ran": 0}


def _target_of(item):
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    return callspec.params.get("target")


def _say(config, step, total, text):
    label = os.environ.get("VW_PROGRESS_LABEL", "conformance")
    line = "[%d/%d] %s: %s (%d s)" % (step, total, label, text, int(time.time() - _state["start"]))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    # tests ran since the last line: their progress characters are on an unfinished line
    first = "\n" if _state["ran"] else ""
    _state["ran"] = 0
    if reporter is not None:
        reporter.write(first)
        reporter.write_line(line)
    else:
        print(first + line, flush=True)


def pytest_sessionstart(session):
    _state["config"] = session.config
    value = os.environ.get("VW_PROGRESS_START", "")
    _state["start"] = int(value) if value.isdigit() else time.time()


def pytest_collection_finish(session):
    order, seen_last, grouped, targets = [], None, True, {}
    for item in session.items:
        name = _target_of(item)
        targets[item.nodeid] = name
        if name is None or name == seen_last:
            continue
        if name in order:
            grouped = False  # the target comes back after another one: interleaved
        else:
            order.append(name)
        seen_last = name
    _state.update(order=order, grouped=grouped, current=None, done=0, targets=targets,
                  total=len(session.items), tenth=0)


# logstart, not setup: it runs outside output capturing, where the terminal reporter writes too
def pytest_runtest_logstart(nodeid, location):
    try:
        _progress(nodeid)
    finally:
        _state["ran"] += 1   # this test's progress character follows


def _progress(nodeid):
    order, config = _state["order"], _state["config"]
    if _state["grouped"]:
        name = _state["targets"].get(nodeid)
        if name is None or name == _state["current"]:
            return
        _state["current"] = name
        step = order.index(name) + 1 if name in order else len(order) + 1
        _say(config, step, len(order), "target %s" % name)
        return
    _state["done"] += 1
    total = _state["total"]
    tenth = _state["done"] * 10 // total if total else 10
    if _state["done"] == 1 or tenth > _state["tenth"]:
        _state["tenth"] = tenth
        _say(config, tenth, 10, "%d/%d cases on %d targets" % (_state["done"], total,
                                                                      len(order)))
