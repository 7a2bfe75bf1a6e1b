#!/usr/bin/python3
"""Turns the conformance results into the compatibility matrix.

    conformance/report.py [--results DIR] [--out DIR]

Reads DIR/TARGET/_target.json and DIR/TARGET/CASE.json (written by conformance/libvirt/conftest.py
and, for the QMP targets, conformance/qmp/qmp_results.py; default DIR =
$VW_BUILD/conformance/results) and writes to OUT (default $VW_BUILD/conformance):

  matrix.md    one table per family of targets: libvirt (rows = cases grouped by procedure,
               columns = fake-libvirtd, host, each release's daemon) and QMP (rows = QMP cases
               grouped by topic, columns = fake-qemu, the host's QEMU, each release's QEMU); a
               cell is pass, FAIL, differs (passed, but the target returned something other than
               the reference target), known, skip, or "-" (not run); every FAIL/differs/known/skip
               links to its detail below the tables
  matrix.html  the same, coloured, for a browser
  junit.xml    one <testsuite> per target, one <testcase> per case, for CI systems

Peer suites (suites we did not write, conformance/peers/run-peer-suites, make peer-suites): when
PEERS (--peers, default OUT/peers) holds their SUITE.json files, both files get a "Peer suites"
section: per suite the counts (tests, passed on the reference = libvirt's test driver, passed on
the fake, same, differ) and a table of every test (reference result, fake result, same or not),
differing tests linked to their detail. --peers-only writes matrix.md/.html from the peer suites
alone (no matrix results yet; junit.xml is then not written).

The reference for "differs" is, per family, the host's daemon (libvirt: host, QMP: qemu-host) when
it was a target, otherwise the first real one in column order; the fake of each release
(fake: 9.0, fake-7.0, fake-11.3, fake-12.8) is compared with the container daemon of the
release it models (bookworm-libvirtd, bullseye-libvirtd, trixie-libvirtd, sid-libvirtd) when
that ran. Exit status: 0 when no case
failed, 1 when some failed, 2 on bad input.
"""
import argparse
import difflib
import html
import json
import os
import pathlib
import sys
import xml.etree.ElementTree as ET

REPO = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
SUITE_ORDER = ("bullseye", "bookworm", "trixie", "sid")


FAMILIES = (("libvirt", "libvirt conformance"), ("qmp", "QMP conformance (QEMU)"))
HOST_TARGET = {"libvirt": "host", "qmp": "qemu-host"}
FAKE_TARGET = {"libvirt": "fake", "qmp": "fake-qemu"}
# fake-libvirtd --libvirt-version targets (conformance/libvirt/conftest.py FAKE_RELEASES) and
# the suite whose daemon each models: its cells compare with SUITE-libvirtd when that ran
# ("fake", 9.0: with bookworm-libvirtd, a private daemon of the host's release, rather than
# with the host's, which others may share and change, and on which some cases do less)
FAKE_MODELS = {"fake": "bookworm", "fake-7.0": "bullseye", "fake-11.3": "trixie",
               "fake-12.8": "sid"}


def target_key(name):
    if name in FAKE_TARGET.values():
        return (0, 0, name)
    if name in FAKE_MODELS:
        return (0, 1 + SUITE_ORDER.index(FAKE_MODELS[name]) if name != "fake" else 0, name)
    if name in HOST_TARGET.values():
        return (1, 0, name)
    if name.startswith("replay-"):  # libvirt replay targets after the real daemons
        rel = name[len("replay-"):]
        return (3, -1 if rel == "host" else
                (SUITE_ORDER.index(rel) if rel in SUITE_ORDER else len(SUITE_ORDER)), name)
    pieces = name.split("-")
    suite = pieces[1] if pieces[0] == "qemu" and len(pieces) > 1 else pieces[0]
    rank = SUITE_ORDER.index(suite) if suite in SUITE_ORDER else len(SUITE_ORDER)
    return (2, rank, name)


def family(info):
    return info.get("family", "libvirt")


def load(results):
    targets, cases = {}, {}
    if not results.is_dir():
        raise SystemExit("report.py: no results in %s (run the suite first: make -f "
                         "conformance/Makefile conformance)" % results)
    for tdir in sorted(p for p in results.iterdir() if p.is_dir()):
        info_path = tdir / "_target.json"
        info = json.loads(info_path.read_text()) if info_path.exists() else {"kind": "?"}
        targets[tdir.name] = info
        for f in sorted(tdir.glob("*.json")):
            if f.name.startswith("_"):  # _target.json, replay reports
                continue
            try:
                data = json.loads(f.read_text())
            except ValueError as exc:
                raise SystemExit("report.py: %s is not JSON: %s" % (f, exc))
            key = (data.get("group", "?"), data["case"])
            cases.setdefault(key, {})[tdir.name] = data
    return targets, cases


def reference_target(order, targets, fam="libvirt"):
    if HOST_TARGET[fam] in order:
        return HOST_TARGET[fam]
    for t in order:
        if targets[t].get("kind") == "container":
            return t
    return None


def cell_status(res, ref_res):
    if res is None:
        return "-"
    if res["outcome"] == "failed":
        return "FAIL"
    if res["outcome"] == "skipped":
        return "skip"
    if res["outcome"] == "known":
        return "known"
    if ref_res is not None and ref_res["outcome"] == "passed" and \
            res.get("observed") != ref_res.get("observed"):
        return "differs"
    return "pass"


def diff_observed(a, b):
    """Keys whose values differ between two observation dicts: {key: (a, b)}."""
    out = {}
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out[k] = (a.get(k, "<absent>"), b.get(k, "<absent>"))
    return out


def load_peers(peers):
    """The peer suites' SUITE.json records, in the runner's order; [] when there are none."""
    order = ("sys-virt-t", "libvirt-python", "sys-virt-examples", "go-libvirt")
    if peers is None or not peers.is_dir():
        return []
    recs = []
    for f in sorted(peers.glob("*.json"), key=lambda p: (order.index(p.stem) if p.stem in order
                                                          else len(order), p.stem)):
        try:
            recs.append(json.loads(f.read_text()))
        except ValueError as exc:
            raise SystemExit("report.py: %s is not JSON: %s" % (f, exc))
    return recs


def peer_details(recs, details):
    """Appends a detail per differing peer test; returns {(suite, test): anchor}."""
    anchors = {}
    for r in recs:
        for t in r.get("tests", []):
            if t["same"]:
                continue
            anchor = "d%d" % (len(details) + 1)
            anchors[(r["suite"], t["test"])] = anchor
            body = ["reference (libvirt's test driver): %s" % t["real"]]
            if t.get("real_detail"):
                body.append("  " + t["real_detail"].strip().replace("\n", "\n  "))
            body.append("fake-libvirtd: %s" % t["fake"])
            if t.get("fake_detail"):
                body.append("  " + t["fake_detail"].strip().replace("\n", "\n  "))
            details.append((anchor, "peer suite %s / %s: differs" % (r["suite"], t["test"]),
                            "\n".join(body)))
    return anchors


def peers_md(recs, anchors):
    if not recs:
        return []
    sys.path.insert(0, str(REPO / "conformance" / "peers"))
    import peer_suites
    L = ["## Peer suites", "",
         "Suites we did not write, each run against libvirt's own test driver (reference) and "
         "against fake-libvirtd (conformance/peers/run-peer-suites; causes of the differences: "
         "docs/compatibility.md).", ""] + peer_suites.summary_table(recs) + [""]
    for r in recs:
        if r["status"] != "ran":
            continue
        L += ["### %s" % r["suite"], "", "Source: `%s`." % r.get("source", "?"), "",
              "| test | reference | fake | same |", "|---|---|---|---|"]
        for t in r["tests"]:
            a = anchors.get((r["suite"], t["test"]))
            same = "same" if t["same"] else ("[differs](#%s)" % a)
            L.append("| %s | %s | %s | %s |" % (t["test"].replace("|", "/"), t["real"],
                                                t["fake"], same))
        L.append("")
    return L


def peers_html(recs, anchors):
    e = html.escape
    if not recs:
        return []
    H = ["<h2>Peer suites</h2><p>Suites we did not write, each run against libvirt's own test "
         "driver (reference) and against fake-libvirtd; causes of the differences: "
         "docs/compatibility.md.</p>",
         "<table><tr><th>suite</th><th>tests</th><th>pass (reference)</th><th>pass (fake)</th>"
         "<th>same</th><th>differ</th><th>note</th></tr>"]
    for r in recs:
        c = r.get("counts", {})
        if r["status"] != "ran":
            H.append("<tr><td>%s</td><td colspan='5'>-</td><td>%s</td></tr>"
                     % (e(r["suite"]), e(r.get("message", ""))))
            continue
        H.append("<tr><td>%s</td>%s<td>%s</td></tr>" % (e(r["suite"]), "".join(
            "<td>%d</td>" % c.get(k, 0) for k in ("tests", "real_passed", "fake_passed", "same",
                                                  "differ")), e(r.get("message", ""))))
    H.append("</table>")
    for r in recs:
        if r["status"] != "ran":
            continue
        H.append("<h3>%s</h3><table><tr><th>test</th><th>reference</th><th>fake</th>"
                 "<th>same</th></tr>" % e(r["suite"]))
        for t in r["tests"]:
            a = anchors.get((r["suite"], t["test"]))
            same = ("<td class='pass'>same</td>" if t["same"] else
                    "<td class='differs'><a href='#%s'>differs</a></td>" % a)
            H.append("<tr><td>%s</td><td>%s</td><td>%s</td>%s</tr>"
                     % (e(t["test"]), e(t["real"]), e(t["fake"]), same))
        H.append("</table>")
    return H


def build_peers_only(peers, out):
    recs = load_peers(peers)
    if not recs:
        raise SystemExit("report.py: no peer suite results in %s (make peer-suites)" % peers)
    details = []
    anchors = peer_details(recs, details)
    out.mkdir(parents=True, exist_ok=True)
    write_md(out / "matrix.md", {}, [], details, {}, peers_md(recs, anchors))
    write_html(out / "matrix.html", {}, [], details, {}, peers_html(recs, anchors))
    print("report: peer suites only (%s); wrote %s/matrix.md, matrix.html" % (
        ", ".join(r["suite"] for r in recs), out))
    return 0


def build(results, out, peers=None):
    targets, all_cases = load(results)
    fam_rank = {f: i for i, (f, _) in enumerate(FAMILIES)}
    all_order = sorted(targets, key=lambda t: (fam_rank.get(family(targets[t]), 9),
                                               target_key(t)))
    details = []  # (anchor, title, body text), over all families
    sections = []
    counts = {t: {"pass": 0, "FAIL": 0, "differs": 0, "known": 0, "skip": 0,
                  "-": 0} for t in all_order}
    for fam, title in FAMILIES:
        order = [t for t in all_order if family(targets[t]) == fam]
        if not order:
            continue
        cases = {k: v for k, v in all_cases.items() if any(t in v for t in order)}
        ref = reference_target(order, targets, fam)
        groups, table, anchors = fill_family(order, ref, cases, details, counts)
        sections.append((title, order, ref, groups, table, anchors))

    recs = load_peers(peers)
    peer_anchors = peer_details(recs, details)
    out.mkdir(parents=True, exist_ok=True)
    write_md(out / "matrix.md", targets, sections, details, counts, peers_md(recs, peer_anchors))
    write_html(out / "matrix.html", targets, sections, details, counts,
               peers_html(recs, peer_anchors))
    write_junit(out / "junit.xml", all_order, all_cases)
    failed = sum(c["FAIL"] for c in counts.values())
    print("report: %d cases, %d targets (%s); %d FAIL, %d differs, %d known; wrote %s/matrix.md, "
          "matrix.html, junit.xml" % (len(all_cases), len(all_order), ", ".join(all_order), failed,
                                      sum(c["differs"] for c in counts.values()),
                                      sum(c["known"] for c in counts.values()), out))
    for t in all_order:
        c = counts[t]
        print("  %-22s pass %3d  differs %3d  known %3d  FAIL %3d  skip %3d  not run %3d"
              % (t, c["pass"], c["differs"], c["known"], c["FAIL"], c["skip"], c["-"]))
    return 1 if failed else 0


def fill_family(order, ref, cases, details, counts):
    """The table of one family: groups {group: [case]}, table {(group, case): [status per
    target]}, anchors {(group, case, target): anchor}; appends to details and counts."""
    groups = {}
    for (group, case) in sorted(cases):
        groups.setdefault(group, []).append(case)
    table = {}
    anchors = {}
    for (group, case), per in sorted(cases.items()):
        row = []
        for t in order:
            res = per.get(t)
            # a replay target is compared with its own recording pass, not with the reference
            if res is not None and t.startswith("replay-"):
                t_ref, ref_res = "recording (%s)" % t[len("replay-"):], res.get("recorded")
            elif t in FAKE_MODELS and FAKE_MODELS[t] + "-libvirtd" in order:
                # a fake of an older or newer release: compared with that release's daemon
                t_ref = FAKE_MODELS[t] + "-libvirtd"
                ref_res = per.get(t_ref)
            else:
                t_ref, ref_res = ref, (per.get(ref) if ref else None)
            st = cell_status(res, ref_res if t != ref else None)
            if st == "pass" and t.startswith("replay-") and ref_res is not None and \
                    ref_res.get("outcome") not in ("passed", res["outcome"]):
                st = "differs"  # e.g. the recording pass failed where its replay passes
            counts[t][st] += 1
            row.append(st)
            if st in ("FAIL", "differs", "known", "skip") or (res or {}).get("rerun_after"):
                anchor = "d%d" % (len(details) + 1)
                anchors[(group, case, t)] = anchor
                lines = []
                if res.get("doc"):
                    lines.append(res["doc"])
                if res.get("rerun_after"):
                    # conformance/qmp/conftest.py: a real QEMU case that failed once runs again
                    lines.append("run twice (real QEMU): this is the second run's outcome; "
                                 "the first failed with %s" % res["rerun_after"])
                if st == "differs":
                    lines.append("differs from %s:" % t_ref)
                    if ref_res.get("outcome") != res["outcome"]:
                        lines.append("  outcome: %s = %s, %s = %s" % (
                            t, res["outcome"], t_ref, ref_res.get("outcome")))
                        if ref_res.get("detail"):
                            lines.append("  %s: %s" % (t_ref, ref_res["detail"].strip()))
                    for k, (mine, theirs) in diff_observed(res.get("observed", {}),
                                                          ref_res.get("observed", {})).items():
                        if isinstance(mine, list) and isinstance(theirs, list) and \
                                all(isinstance(x, str) for x in mine + theirs):
                            lines.append("  %s:" % k)
                            lines += ["    " + d for d in difflib.unified_diff(
                                theirs, mine, t_ref, t, lineterm="", n=1)]
                            continue
                        lines.append("  %s: %s = %s" % (k, t, json.dumps(mine, sort_keys=True)))
                        lines.append("  %s: %s = %s" % (k, t_ref, json.dumps(theirs,
                                                                           sort_keys=True)))
                else:
                    lines.append("observed: %s" % json.dumps(res.get("observed", {}),
                                                            sort_keys=True))
                    if ref_res is not None and t != ref:
                        lines.append("%s observed (%s): %s" % (t_ref, ref_res.get("outcome"),
                                                               json.dumps(ref_res.get(
                                                                   "observed", {}),
                                                                   sort_keys=True)))
                    if res.get("detail"):
                        lines.append(res["detail"].strip())
                if res.get("replay_log"):
                    lines.append("replay daemons during this case:")
                    lines += ["  " + x for x in res["replay_log"]]
                details.append((anchor, "%s / %s on %s: %s" % (group, case, t, st),
                                "\n".join(lines)))
        table[(group, case)] = row
    return groups, table, anchors


def _summary_get(summary, key, old_key):
    """A replay summary's value; results saved before the one report format used old_key
    (and "unmatched" was then the list of unmatched calls, not their count)."""
    value = summary.get(key)
    if value is None or isinstance(value, list):
        value = summary.get(old_key)
    return value


def replay_lines(targets, order, md):
    """One line per replay target: what its replay reports said (matched / unmatched / unused
    calls of the read-write and the read-only trace) and where the reports are."""
    L = []
    for t in order:
        rep = targets[t].get("replay")
        if not t.startswith("replay-") or rep is None:
            continue
        parts = []
        for which in ("rw", "ro"):
            r = rep.get(which, {})
            if "error" in r:
                parts.append("%s: %s" % (which, r["error"]))
                continue
            parts.append("%s.trace %s matched, %s unmatched, %s unused, %s of %s recorded "
                         "connections never served" % (
                             which, _summary_get(r, "matched", "calls_matched"),
                             _summary_get(r, "unmatched", "calls_unmatched"),
                             _summary_get(r, "never_used", "recorded_calls_unused"),
                             _summary_get(r, "never_served", "recorded_connections_never_served"),
                             r.get("recorded_connections")))
        rec = targets[t].get("recording_outcomes")
        if rec:
            parts.insert(0, "recording pass " + ", ".join("%d %s" % (n, o)
                                                          for o, n in sorted(rec.items())))
        where = ("[_replay-rw.json](results/{0}/_replay-rw.json), [_replay-ro.json](results/{0}/"
                 "_replay-ro.json)" if md else "results/{0}/_replay-rw.json, _replay-ro.json"
                 ).format(t)
        L.append(("- `%s` (traces %s, recorded %s, run token %s): %s; reports %s" if md else
                  "%s (traces %s, recorded %s, run token %s): %s; reports %s")
                 % (t, targets[t].get("traces", "?"), targets[t].get("recorded_at", "?"),
                    targets[t].get("token", "?"), "; ".join(parts), where))
    if L:
        L = ["", "Replay targets: each replays the trace its recording pass made of the release "
             "(cells compare with that recording pass, not with the reference target)."] + L
    return L


def write_md(path, targets, sections, details, counts, peer_lines=()):
    L = ["# Conformance matrix", "",
         "Cells: **pass**; **differs** = passed, but returned something other than the reference "
         "target; **known** = fails as listed in conformance/libvirt/known.py or "
         "conformance/qmp/qmp_known.py (reason in docs/compatibility.md); **FAIL**; skip; `-` = "
         "not run. Details below the tables.", ""]
    for title, order, ref, groups, table, anchors in sections:
        api = "QEMU" if targets[order[0]].get("family") == "qmp" else "libvirt API"
        L += ["## %s" % title, "", "Reference target: `%s`." % ref, "",
              "| target | release | daemon | %s | pass | differs | known | FAIL | skip |" % api,
              "|---|---|---|---|---|---|---|---|---|"]
        for t in order:
            i, c = targets[t], counts[t]
            L.append("| %s | %s | %s | %s | %d | %d | %d | %d | %d |" % (
                t, i.get("release", "?") + (" (%s)" % i["package"] if i.get("package") else ""),
                i.get("daemon", "?"), i.get("api", "?"), c["pass"], c["differs"], c["known"],
                c["FAIL"], c["skip"]))
        L += replay_lines(targets, order, md=True)
        L += ["", "| case | " + " | ".join(order) + " |", "|---|" + "---|" * len(order)]
        for group, case_list in groups.items():
            L.append("| **%s** |" % group.replace("|", "/") + " |" * len(order))
            for case in case_list:
                cells = []
                for t, st in zip(order, table[(group, case)]):
                    a = anchors.get((group, case, t))
                    cells.append("[%s](#%s)" % (st, a) if a else st)
                L.append("| %s | %s |" % (case.replace("|", "/"), " | ".join(cells)))
        L.append("")
    L += list(peer_lines)
    L += ["## Details", ""]
    for anchor, title, body in details:
        L += ['<a id="%s"></a>' % anchor, "### %s" % title, "", "```", body, "```", ""]
    path.write_text("\n".join(L) + "\n")


CSS = """body{font-family:sans-serif;font-size:14px}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 6px}th{background:#eee}
.pass{background:#cfc}.FAIL{background:#f99}.differs{background:#ffc}.skip{background:#ddd}.known{background:#fdb}
.group td{background:#e8e8ff;font-weight:bold}pre{background:#f6f6f6;padding:6px;white-space:pre-wrap}"""


def write_html(path, targets, sections, details, counts, peer_lines=()):
    e = html.escape
    H = ["<!doctype html><html><head><meta charset='utf-8'><title>conformance matrix"
         "</title><style>%s</style></head><body>" % CSS,
         "<h1>Conformance matrix</h1>",
         "<p>differs = passed, but returned something other than the reference target; known = "
         "a difference listed in docs/compatibility.md.</p>"]
    for title, order, ref, groups, table, anchors in sections:
        api = "QEMU" if targets[order[0]].get("family") == "qmp" else "libvirt API"
        H += ["<h2>%s</h2>" % e(title),
              "<p>Reference target: <b>%s</b>.</p>" % e(str(ref)),
              "<table><tr><th>target</th><th>release</th><th>daemon</th><th>%s</th>"
              "<th>pass</th><th>differs</th><th>known</th><th>FAIL</th><th>skip</th></tr>"
              % e(api)]
        for t in order:
            i, c = targets[t], counts[t]
            H.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td>"
                     "<td>%d</td><td>%d</td><td>%d</td></tr>" % (
                         e(t), e(i.get("release", "?") + (" (%s)" % i["package"]
                                                          if i.get("package") else "")),
                         e(i.get("daemon", "?")), e(i.get("api", "?")), c["pass"], c["differs"],
                         c["known"], c["FAIL"], c["skip"]))
        H.append("</table>")
        rl = replay_lines(targets, order, md=False)
        if rl:
            H.append("<ul>%s</ul>" % "".join("<li>%s</li>" % e(x) for x in rl[2:]))
        H.append("<h3>Cases</h3><table><tr><th>case</th>%s</tr>"
                 % "".join("<th>%s</th>" % e(t) for t in order))
        for group, case_list in groups.items():
            H.append("<tr class='group'><td colspan='%d'>%s</td></tr>" % (len(order) + 1,
                                                                        e(group)))
            for case in case_list:
                cells = []
                for t, st in zip(order, table[(group, case)]):
                    a = anchors.get((group, case, t))
                    inner = "<a href='#%s'>%s</a>" % (a, e(st)) if a else e(st)
                    cells.append("<td class='%s'>%s</td>" % (e(st), inner))
                H.append("<tr><td>%s</td>%s</tr>" % (e(case), "".join(cells)))
        H.append("</table>")
    H += list(peer_lines)
    H.append("<h2>Details</h2>")
    for anchor, title, body in details:
        H.append("<h3 id='%s'>%s</h3><pre>%s</pre>" % (anchor, e(title), e(body)))
    H.append("</body></html>")
    path.write_text("\n".join(H) + "\n")


def write_junit(path, order, cases):
    root = ET.Element("testsuites", name="virt-wire conformance")
    for t in order:
        suite = ET.SubElement(root, "testsuite", name=t)
        n = fails = skips = 0
        for (group, case), per in sorted(cases.items()):
            res = per.get(t)
            if res is None:
                continue
            n += 1
            tc = ET.SubElement(suite, "testcase", classname="%s.%s" % (t, group), name=case)
            if res["outcome"] == "failed":
                fails += 1
                f = ET.SubElement(tc, "failure", message=(res.get("detail") or "")[:200])
                f.text = res.get("detail", "")
            elif res["outcome"] in ("skipped", "known"):
                skips += 1
                ET.SubElement(tc, "skipped", message=str(res.get("detail", "")))
            out = ET.SubElement(tc, "system-out")
            out.text = json.dumps(res.get("observed", {}), sort_keys=True)
        suite.set("tests", str(n))
        suite.set("failures", str(fails))
        suite.set("skipped", str(skips))
        suite.set("errors", "0")
    ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=str(BUILD / "conformance" / "results"))
    ap.add_argument("--out", default=str(BUILD / "conformance"))
    ap.add_argument("--peers", help="peer suite results (default OUT/peers)")
    ap.add_argument("--peers-only", action="store_true",
                    help="write the matrix from the peer suites alone")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    peers = pathlib.Path(args.peers) if args.peers else out / "peers"
    try:
        if args.peers_only:
            return build_peers_only(peers, out)
        return build(pathlib.Path(args.results), out, peers)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
