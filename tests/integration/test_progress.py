"""The progress lines of the long jobs: ci/progress and conformance/progress_plugin.py."""

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRESS = ROOT / "ci" / "progress"


def run_progress(*args, start=None):
    env = dict(os.environ)
    env.pop("VW_PROGRESS_START", None)
    if start is not None:
        env["VW_PROGRESS_START"] = str(start)
    return subprocess.run([str(PROGRESS), *args], env=env, capture_output=True, text=True,
                          timeout=30)


def test_step_line_with_elapsed_time():
    start = int(time.time()) - 100
    r = run_progress("3", "11", "conformance", "target", "qemu-bookworm", start=start)
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"\[3/11\] conformance: target qemu-bookworm \((\d+) s\)\n", r.stdout)
    assert m, r.stdout
    assert 100 <= int(m.group(1)) < 200   # 100 s ago, with any amount of slowness short of 100 s


def test_plain_text_only_and_no_time_without_start():
    r = run_progress("1", "2", "bench", "ping-pong")
    assert r.stdout == "[1/2] bench: ping-pong\n"
    r = run_progress("--done", "fuzz-campaign", "finished", start=int(time.time()))
    assert re.fullmatch(r"fuzz-campaign: finished \(\d+ s\)\n", r.stdout), r.stdout
    for out in (r.stdout,):
        assert "\x1b" not in out and "\r" not in out


def test_bad_arguments_are_refused_with_a_reason():
    r = run_progress("a", "b", "label")
    assert r.returncode == 2
    assert "must be numbers" in r.stderr
    r = run_progress("1")
    assert r.returncode == 2
    assert r.stdout == ""
    assert run_progress("--help").returncode == 0


def _run_inner(tmp_path, body):
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(body))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "conformance"), VW_PROGRESS_LABEL="conformance",
               VW_PROGRESS_START=str(int(time.time())))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-p", "progress_plugin", "-o", "console_output_style=classic",
                        str(tmp_path / "test_inner.py")],
                       cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return [line for line in r.stdout.splitlines() if line.startswith("[")]


def test_plugin_one_line_per_target_when_grouped(tmp_path):
    lines = _run_inner(tmp_path, """
        import pytest

        def pytest_generate_tests(metafunc):
            if "target" in metafunc.fixturenames:
                metafunc.parametrize("target", ["fake", "bookworm", "sid"], indirect=True,
                                     scope="session")

        @pytest.fixture(scope="session")
        def target(request):
            return request.param

        def test_a(target): pass
        def test_b(target): pass
    """)
    assert [re.sub(r" \(\d+ s\)$", "", l) for l in lines] == [
        "[1/3] conformance: target fake",
        "[2/3] conformance: target bookworm",
        "[3/3] conformance: target sid",
    ], lines


def test_plugin_tenths_when_interleaved(tmp_path):
    lines = _run_inner(tmp_path, """
        import pytest

        @pytest.fixture(params=["fake", "qemu"])
        def target(request):
            return request.param

        # each case runs on every target in turn: case1[fake], case1[qemu], case2[fake], ...
        def test_case1(target): pass
        def test_case2(target): pass
        def test_case3(target): pass
        def test_case4(target): pass
        def test_case5(target): pass
    """)
    stripped = [re.sub(r" \(\d+ s\)$", "", l) for l in lines]
    # one line per tenth: with 10 cases, one per case
    assert stripped == ["[%d/10] conformance: %d/10 cases on 2 targets" % (i, i)
                        for i in range(1, 11)], stripped


def test_campaign_summary_page_links_graphs_and_stats(tmp_path):
    fb = tmp_path / "fb"
    for name, execs in (("main-h", "1234"), ("cmplog-h", "99")):
        d = fb / "campaign" / "fuzz_procs" / name
        d.mkdir(parents=True)
        (d / "fuzzer_stats").write_text(
            "execs_done        : %s\nexecs_per_sec     : 10.5\nedges_found       : 7\n"
            "total_edges       : 100\nsaved_crashes     : 0\nsaved_hangs       : 0\n" % execs)
    script = ROOT / "fuzz" / "scripts" / "campaign_summary.sh"
    r = subprocess.run(["bash", str(script), str(fb), "fuzz_procs", "0.5", "0", "main-h"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    page = r.stdout
    assert '<a href="fuzz_procs-plot/main-h/index.html">afl-plot</a>' in page
    assert "fuzz_procs-plot/cmplog-h" not in page   # not plotted: no link
    assert "<td>1234</td>" in page and "<td>99</td>" in page
    assert "no crashes, hangs or sanitizer reports" in page
    r = subprocess.run(["bash", str(script), str(fb), "fuzz_procs", "1", "1"],
                       capture_output=True, text=True, timeout=30)
    assert "crashes/fuzz_procs/REPRODUCE.txt" in r.stdout
    r = subprocess.run(["bash", str(script), str(fb)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "need FB TARGET" in r.stderr
