"""The pytest plugin as a package (pytest-plugin/pyproject.toml), installed the way another
project installs it: a fresh venv (with Debian's site packages, for pytest and python3-libvirt),
`pip install --no-index --no-build-isolation ./pytest-plugin` offline, then a sample suite in a
scratch directory outside this tree run with the venv's python -m pytest: no -p, no PYTHONPATH,
only VW_BIN, --vw-bin or PATH to find the programs (docs/pytest-plugin.md)."""
import os
import re
import subprocess
import textwrap

import pytest

from conftest import BUILD, REPO
from test_pytest_plugin import INNER_FAILS, INNER_OK

PLUGIN_DIR = REPO / "pytest-plugin"
SYSTEM_PYTHON = "/usr/bin/python3"

# the samples of test_pytest_plugin.py (4 passing tests; a wrong count, a crashed fake and a fake
# killed with another signal than kill() was given), plus
# a check that the plugin pytest loaded is the venv's copy
SAMPLE_OK = INNER_OK + '''
import os

def test_plugin_comes_from_the_venv(request):
    plugin = request.config.pluginmanager.get_plugin("pytest_virtwire")
    assert plugin is not None, "pytest_virtwire was not loaded"
    assert plugin.__file__.startswith(os.environ["SAMPLE_VENV"] + os.sep), plugin.__file__
'''
SAMPLE_FAILS = INNER_FAILS


def clean_env(venv, **extra):
    """The environment of a project that only installed the plugin: no PYTHONPATH, no
    VW_BUILD, no VW_BIN, and a PATH without build/bin."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VW_BUILD", "VW_BIN", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PATH"] = "/usr/bin:/bin"
    env["SAMPLE_VENV"] = str(venv)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    before = sorted(p.name for p in PLUGIN_DIR.iterdir())
    venv = tmp_path_factory.mktemp("venv")
    env = clean_env(venv)
    r = subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-index", "--no-build-isolation",
                        "--no-cache-dir", "--disable-pip-version-check", str(PLUGIN_DIR)],
                       capture_output=True, text=True, env=env, timeout=300, cwd=venv)
    assert r.returncode == 0, r.stdout + r.stderr
    # setuptools' scratch files went to build/, not next to the sources
    assert sorted(p.name for p in PLUGIN_DIR.iterdir()) == before
    return venv


def run_sample(venv, directory, source, args=(), **env_extra):
    directory.mkdir(exist_ok=True)
    (directory / "test_sample.py").write_text(textwrap.dedent(source))
    assert not str(directory).startswith(str(REPO))
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", *args],
                          cwd=directory, env=clean_env(venv, **env_extra), capture_output=True,
                          text=True, timeout=300)


def test_installed_plugin_needs_no_p(venv, tmp_path):
    r = run_sample(venv, tmp_path / "ok", SAMPLE_OK, VW_BIN=str(BUILD / "bin"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "7 passed" in r.stdout, r.stdout


def test_a_failing_assertion_fails(venv, tmp_path):
    r = run_sample(venv, tmp_path / "fails", SAMPLE_FAILS, VW_BIN=str(BUILD / "bin"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "DOMAIN_LOOKUP_BY_NAME with arguments {\"name\": \"test\"}: expected exactly 2 " \
           "call(s), got 1" in r.stdout, r.stdout
    assert "died from signal 9 (SIGKILL)" in r.stdout, r.stdout
    assert "1 failed" in r.stdout and "3 errors" in r.stdout, r.stdout


def test_programs_found_on_path(venv, tmp_path):
    r = run_sample(venv, tmp_path / "path", SAMPLE_OK, PATH="%s:/usr/bin:/bin" % (BUILD / "bin"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_without_programs_the_message_says_what_to_set(venv, tmp_path):
    r = run_sample(venv, tmp_path / "none", SAMPLE_OK)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "cannot find fake-libvirtd: set VW_BIN" in r.stdout, r.stdout


def test_vw_bin_option_comes_before_the_environment(venv, tmp_path):
    # VW_BIN names a directory whose fake-libvirtd and fake-qemu cannot start: --vw-bin wins
    wrong = tmp_path / "wrong-bin"
    wrong.mkdir()
    for name in ("fake-libvirtd", "fake-qemu"):
        (wrong / name).write_text("#!/bin/sh\necho 'the wrong binary' >&2\nexit 1\n")
        (wrong / name).chmod(0o755)
    r = run_sample(venv, tmp_path / "opt", SAMPLE_OK, args=["--vw-bin", str(BUILD / "bin")],
                   VW_BIN=str(wrong))
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_sample(venv, tmp_path / "env", SAMPLE_OK, VW_BIN=str(wrong),
                   VW_BUILD=str(BUILD))
    assert r.returncode == 1 and "the wrong binary" in r.stdout, r.stdout + r.stderr


def test_p_on_top_of_the_entry_point(venv, tmp_path):
    # in-tree habits (-p pytest_virtwire) keep working when the package is installed too
    r = run_sample(venv, tmp_path / "twice", SAMPLE_OK, args=["-p", "pytest_virtwire"],
                   VW_BIN=str(BUILD / "bin"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "7 passed" in r.stdout, r.stdout


def test_version_and_entry_point_metadata(venv):
    code = ("import importlib.metadata as m; print(m.version('pytest-virtwire')); "
            "print([e.value for e in m.entry_points(group='pytest11') "
            "if e.name == 'pytest_virtwire'])")
    r = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True,
                       text=True, env=clean_env(venv), timeout=60)
    assert r.returncode == 0, r.stderr
    version = re.search(r"^VERSION\s*:?=\s*(\S+)", (REPO / "Makefile").read_text(), re.M).group(1)
    assert r.stdout.splitlines() == [version, "['pytest_virtwire']"]


def test_submodules_are_installed(venv):
    # the helpers the project's own suites use come with the package: a user's tests import them
    code = ("import os, pytest_virtwire.process as p, pytest_virtwire.qmp as q, "
            "pytest_virtwire.wire as w, pytest_virtwire.events as e, "
            "pytest_virtwire.libvirtd as l, pytest_virtwire.admin as a, "
            "pytest_virtwire.cmdline as c; "
            "print(all(m.__file__.startswith(os.environ['SAMPLE_VENV']) "
            "for m in (p, q, w, e, l, a, c)), q.QmpLine.__name__, w.RawConn.__name__, "
            "p.ReadyProcess.__name__, c.FakeQemuCmdline.__name__)")
    r = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True,
                       text=True, env=clean_env(venv), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "QmpLine", "RawConn", "ReadyProcess", "FakeQemuCmdline"]
