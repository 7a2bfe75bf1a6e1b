"""The man pages (`make man`, man/mkman.py): section 1 generated from each program's own --help,
section 5 from docs/*-format.md. Each page renders with man(1) without roff warnings, and
nothing the source says is lost: every option --help lists (also a subcommand's: vwtrace show
--help, virtc qmp --help), every heading, table key and code block of the format documents."""
import os
import re
import subprocess

import pytest

from conftest import BUILD, REPO

SANITIZED = BUILD.name == "asan"
MAN = BUILD / "man"
PROGRAMS = ["virtc", "fake-libvirtd", "fake-qemu", "vwtrace"]
SUBCOMMANDS = {"vwtrace": ["show", "pcap", "diff", "import-replies", "record-libvirt",
                           "record-qmp"],
               "virtc": ["qmp"]}
FORMATS = {"trace": "trace-format.md", "scenario": "scenario-format.md",
           "state": "state-format.md"}
# --long-option, or -x alone (not the "-th" of "N-th", not "-machine")
OPTION = re.compile(r"(?<![\w/.-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*|-[A-Za-z](?![\w-]))")


@pytest.fixture(scope="module")
def pages():
    args = ["make", "-s", "-C", str(REPO), "BUILD=%s" % BUILD, "man"]
    if SANITIZED:
        args.append("SAN=1")
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return MAN


def render(page):
    """The page as man(1) prints it, one long line: overstrike and hyphen variants undone."""
    env = dict(os.environ, MANWIDTH="250", MANPAGER="cat", PAGER="cat", LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    text = re.sub(r".\x08", "", r.stdout)
    text = text.replace("\u2010", "-").replace("\u2212", "-").replace("\u2011", "-")
    return " ".join(text.split())


def roff_warnings(page):
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], capture_output=True,
                       text=True, env=dict(os.environ, LC_ALL="C.UTF-8"), timeout=60)
    return r.stderr


def help_text(program, *sub):
    r = subprocess.run([str(BUILD / "bin" / program), *sub, "--help"], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("program", PROGRAMS)
def test_section1_page_has_every_option_of_help(pages, program):
    page = pages / ("%s.1" % program)
    shown = render(page)
    assert roff_warnings(page) == ""
    assert shown.startswith("%s(1)" % program.upper()), shown[:80]
    assert "NAME %s - " % program in shown
    texts = [help_text(program)] + [help_text(program, s) for s in SUBCOMMANDS.get(program, [])]
    options = set()
    for text in texts:
        options.update(OPTION.findall(text))
    assert "--help" in options and len(options) > 3, options
    missing = [o for o in sorted(options) if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o),
                                                           shown)]
    assert not missing, "%s.1 lacks %s" % (program, missing)
    # the subcommands have their own sections
    for sub in SUBCOMMANDS.get(program, []):
        assert "%s %s" % (program, sub) in shown
    assert "virt-wire %s" % version_of(program) in shown


def version_of(program):
    out = subprocess.run([str(BUILD / "bin" / program), "--version"], capture_output=True,
                         text=True, timeout=60).stdout
    return out.split()[-1]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_section5_page_keeps_the_document(pages, name):
    page = pages / ("virt-wire-%s.5" % name)
    shown = render(page)
    assert roff_warnings(page) == ""
    assert shown.startswith("VIRT-WIRE-%s(5)" % name.upper()), shown[:80]
    md = (REPO / "docs" / FORMATS[name]).read_text()
    for heading in re.findall(r"^##+ (.*)$", md, re.M):
        assert re.sub(r"[`*]", "", heading).upper() in shown.upper(), heading
    # every key a table describes (its first cell's code spans)
    for row in re.findall(r"^\|\s*(`[^|]*`)[^|]*\|", md, re.M):
        for key in re.findall(r"`([^`]+)`", row):
            assert key in shown, key
    # every code block, word for word
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", md, re.M | re.S):
        assert " ".join(block.split()) in shown, block[:80]


def test_pages_are_rebuilt_from_the_sources(pages):
    # generated from the build, never kept in the tree
    assert not list(REPO.glob("man/*.[15]"))
    assert (pages / "vwtrace.1").stat().st_mtime >= (BUILD / "bin" / "vwtrace").stat().st_mtime


def test_mkman_explains_a_program_without_version(tmp_path):
    r = subprocess.run(["/usr/bin/python3", str(REPO / "man" / "mkman.py"), "help", "/bin/true",
                        str(tmp_path / "true.1")], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "/bin/true --version printed" in r.stderr, r.stderr
    assert not (tmp_path / "true.1").exists()
