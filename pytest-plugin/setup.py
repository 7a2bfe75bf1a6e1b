"""Build glue for pyproject.toml: the version comes from virt-wire's Makefile (VERSION := X.Y.Z,
the one place it is written), and setuptools' scratch files (build/, *.egg-info) go under the
tree's build/ directory instead of next to the sources."""
import pathlib
import re

from setuptools import setup

HERE = pathlib.Path(__file__).resolve().parent
TREE = HERE.parent


def makefile_version():
    makefile = TREE / "Makefile"
    try:
        text = makefile.read_text()
    except OSError:
        # an unpacked sdist carries its version in PKG-INFO instead
        pkg_info = HERE / "PKG-INFO"
        if pkg_info.exists():
            m = re.search(r"^Version:\s*(\S+)", pkg_info.read_text(), re.M)
            if m:
                return m.group(1)
        raise SystemExit("pytest-virtwire: cannot read the version from %s: build the plugin from "
                         "a virt-wire source tree (pip install ./pytest-plugin)" % makefile)
    m = re.search(r"^VERSION\s*:?=\s*(\S+)\s*$", text, re.M)
    if not m:
        raise SystemExit("pytest-virtwire: %s has no 'VERSION := X.Y.Z' line" % makefile)
    return m.group(1)


SCRATCH = TREE / "build" / "pytest-plugin"
SCRATCH.mkdir(parents=True, exist_ok=True)

setup(version=makefile_version(),
      options={"build": {"build_base": str(SCRATCH)}, "egg_info": {"egg_base": str(SCRATCH)}})
