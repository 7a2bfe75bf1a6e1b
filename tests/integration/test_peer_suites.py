"""The peer-suite runner (conformance/peers/peer_suites.py) checked on itself: an absent suite is
skipped with a message that says what is missing, and tiny synthetic suites whose results depend
on the URI they were given show up as "differs" (so the harness cannot report "same" when the fake
and the reference disagree) while the assertions that agree show up as "same".
"""
import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
RUNNER = REPO / "conformance" / "peers" / "peer_suites.py"
REPORT = REPO / "conformance" / "report.py"
PY = "/usr/bin/python3"

# A TAP file like Sys::Virt's: assertion 2 passes only in-process (the runner rewrites the URI for
# the fake), and on the fake the file stops before assertion 3 and exits 3.
TAP = r'''
my $uri = "test:///default";
print "1..3\n";
print "ok 1 - same on both\n";
print(($uri =~ /socket=/ ? "not ok" : "ok") . " 2 - in-process only\n");
exit 3 if $uri =~ /socket=/;
print "ok 3 - reference only\n";
'''

PYTEST_FILE = '''
URI = "test:///default"

def test_same():
    assert True

def test_differs():
    assert "socket=" not in URI, URI
'''


def run_runner(args, out):
    if not os.access(str(BUILD / "bin" / "fake-libvirtd"), os.X_OK):
        pytest.fail("%s/bin/fake-libvirtd not built (make, or set VW_BUILD)" % BUILD)
    return subprocess.run([PY, str(RUNNER), "--fake", str(BUILD / "bin" / "fake-libvirtd"),
                           "--out", str(out)] + args,
                          capture_output=True, text=True, timeout=300)


def test_help():
    p = subprocess.run([PY, str(RUNNER), "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0
    assert "sys-virt-t" in p.stdout and "go-libvirt" in p.stdout
    p = subprocess.run([str(REPO / "conformance" / "peers" / "run-peer-suites"), "--help"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "--src DIR" in p.stdout


def test_absent_suites_are_skipped_with_a_message(tmp_path):
    src = tmp_path / "empty"
    src.mkdir()
    out = tmp_path / "out"
    p = run_runner(["--src", str(src), "--suite", "sys-virt-t", "--suite", "libvirt-python"], out)
    assert p.returncode == 0, p.stderr
    for suite, folder in (("sys-virt-t", "libvirt-perl/t"), ("libvirt-python",
                                                             "libvirt-python/tests")):
        msg = "%s skipped: %s not found" % (suite, src / folder)
        assert msg in p.stdout, p.stdout
        rec = json.loads((out / ("%s.json" % suite)).read_text())
        assert rec["status"] == "skipped" and msg in rec["message"] and rec["tests"] == []
        assert msg in (out / "summary.md").read_text()
    # without --src at all the message names PEER_SRC
    p = run_runner(["--suite", "sys-virt-t"], tmp_path / "out2")
    assert "sys-virt-t skipped: PEER_SRC/libvirt-perl/t not found" in p.stdout, p.stdout


def test_differences_are_reported(tmp_path):
    src = tmp_path / "src"
    (src / "libvirt-perl" / "t").mkdir(parents=True)
    (src / "libvirt-perl" / "t" / "100-synthetic.t").write_text(TAP)
    (src / "libvirt-python" / "tests").mkdir(parents=True)
    (src / "libvirt-python" / "tests" / "test_synthetic.py").write_text(PYTEST_FILE)
    out = tmp_path / "out"
    p = run_runner(["--src", str(src), "--suite", "sys-virt-t", "--suite", "libvirt-python"], out)
    assert p.returncode == 0, p.stdout + p.stderr

    tap = {t["test"]: t for t in json.loads((out / "sys-virt-t.json").read_text())["tests"]}
    one = tap["100-synthetic.t #1 same on both"]
    two = tap["100-synthetic.t #2 in-process only"]
    three = tap["100-synthetic.t #3 reference only"]
    status = tap["100-synthetic.t (exit status of the file)"]
    assert (one["real"], one["fake"], one["same"]) == ("ok", "ok", True)
    assert (two["real"], two["fake"], two["same"]) == ("ok", "not ok", False)
    assert (three["real"], three["fake"], three["same"]) == ("ok", "not run", False)
    assert (status["real"], status["fake"], status["same"]) == ("exit 0", "exit 3", False)
    rec = json.loads((out / "sys-virt-t.json").read_text())
    assert rec["counts"] == {"tests": 3, "real_passed": 3, "fake_passed": 1, "same": 1,
                             "differ": 2, "files_differ": 1}

    py = {t["test"].split("::")[-1]: t
          for t in json.loads((out / "libvirt-python.json").read_text())["tests"]}
    assert (py["test_same"]["real"], py["test_same"]["fake"], py["test_same"]["same"]) == (
        "passed", "passed", True)
    d = py["test_differs"]
    assert (d["real"], d["fake"], d["same"]) == ("passed", "failed", False)
    # the fake side really was given a fake-libvirtd's socket
    assert "test+unix:///default?socket=" in d["fake_detail"]

    summary = (out / "summary.md").read_text()
    assert "| sys-virt-t | 3 | 3 | 1 | 1 | 2 |" in summary, summary
    assert "| libvirt-python | 2 | 2 | 1 | 1 | 1 |" in summary, summary

    # the matrix: the differing tests are marked and linked, the agreeing one is "same"
    p = subprocess.run([PY, str(REPORT), "--peers-only", "--out", str(tmp_path / "report"),
                        "--peers", str(out)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    md = (tmp_path / "report" / "matrix.md").read_text()
    assert "## Peer suites" in md
    assert "| 100-synthetic.t #1 same on both | ok | ok | same |" in md
    assert "| 100-synthetic.t #2 in-process only | ok | not ok | [differs](#d" in md
    assert "| 100-synthetic.t #3 reference only | ok | not run | [differs](#d" in md
    assert "### peer suite libvirt-python / test_synthetic::test_differs: differs" in md
    assert "differs" in (tmp_path / "report" / "matrix.html").read_text()
