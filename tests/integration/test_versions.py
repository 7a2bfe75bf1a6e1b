"""`--version` on every program: `NAME (virt-wire) VERSION`, exit 0, where VERSION is the
Makefile's (the one place it is written: it reaches the programs through build/gen/vw_version.h),
and every `--help` mentions the option."""
import re
import subprocess

import pytest

from conftest import BUILD, REPO

PROGRAMS = ["virtc", "fake-libvirtd", "fake-qemu", "vwtrace"]


def makefile_version():
    m = re.search(r"^VERSION\s*:?=\s*(\S+)\s*$", (REPO / "Makefile").read_text(), re.M)
    assert m, "the Makefile has no VERSION line"
    return m.group(1)


def run(program, *args):
    return subprocess.run([str(BUILD / "bin" / program), *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("program", PROGRAMS)
def test_version_names_the_program_and_the_makefile_version(program):
    r = run(program, "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "%s (virt-wire) %s\n" % (program, makefile_version())
    assert r.stderr == ""


@pytest.mark.parametrize("program", PROGRAMS)
def test_help_mentions_version(program):
    r = run(program, "--help")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^\s+(-V, )?--version\b", r.stdout, re.M), r.stdout


@pytest.mark.parametrize("program", PROGRAMS)
def test_version_takes_no_value(program):
    # `--version=1` is not --version: each program refuses it as a usage error
    r = run(program, "--version=1")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "(virt-wire)" not in r.stdout


def test_version_is_generated_not_restated():
    version = makefile_version()
    hdr = BUILD / "gen" / "vw_version.h"
    assert '#define VW_VERSION "%s"' % version in hdr.read_text()
    # no C code (comments aside) restates the number or defines VW_VERSION itself
    literal = re.compile(r'"[^"\n]*%s[^"\n]*"' % re.escape(version))
    for path in sorted(REPO.glob("*/*.[ch]")):
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            code = line.strip()
            if code.startswith(("*", "/*", "//")):
                continue
            assert not literal.search(code), "%s:%d restates the version: %s" % (path, n, code)
            assert not code.startswith("#define VW_VERSION"), "%s:%d" % (path, n)
