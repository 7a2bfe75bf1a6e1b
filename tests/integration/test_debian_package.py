"""debian/: `dpkg-buildpackage -b -us -uc` on a copy of this tree builds virt-wire,
libvirtwire0, libvirtwire-dev and python3-pytest-virtwire. The packages are unpacked (never
installed on this shared host) and used: the programs answer --version, the man pages are there,
a sample pytest suite finds the plugin through the packaged entry point without -p, and the
client-library example builds against the -dev package and runs against the real libvirtd."""
import os
import re
import shutil
import subprocess
import textwrap

import pytest

from conftest import BUILD, REPO
from test_install import example_source

if BUILD.name == "asan":
    pytest.skip("the Debian build does not use the sanitizer build; it runs in the plain pass",
                allow_module_level=True)

PACKAGES = {"virt-wire": "any", "libvirtwire0": "any", "libvirtwire-dev": "any",
            "python3-pytest-virtwire": "all"}


def makefile_version(makefile=REPO / "Makefile"):
    return re.search(r"^VERSION\s*:?=\s*(\S+)", makefile.read_text(), re.M).group(1)


def build_env(**extra):
    """The environment without what an outer `make integration` puts there: its MAKEFLAGS would
    carry its command-line variables (BUILD=..., SAN=1) into debian/rules' make."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VW_BUILD", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env.update(extra)
    return env


def copy_tree(dest):
    """The files of this tree that git knows or would add (not build/), as a source tree."""
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"],
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if not src.exists():       # deleted in the work tree, not yet committed
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel, follow_symlinks=False)


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    top = tmp_path_factory.mktemp("deb")
    src = top / "virt-wire"
    copy_tree(src)
    env = build_env(DEB_BUILD_OPTIONS="parallel=2")
    r = subprocess.run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=src, env=env,
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, (r.stdout + r.stderr)[-6000:]
    return top


@pytest.fixture(scope="module")
def multiarch():
    return subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], capture_output=True,
                          text=True, check=True).stdout.strip()


def deb_path(debs, name):
    arch = "all" if PACKAGES[name] == "all" else subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    return debs / ("%s_%s_%s.deb" % (name, makefile_version(), arch))


def contents(deb):
    out = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True)
    return [line.split(None, 5)[5].split(" -> ")[0].lstrip(".") for line in out.stdout.splitlines()]


@pytest.fixture(scope="module")
def root(debs, tmp_path_factory):
    """All four packages unpacked into one directory."""
    root = tmp_path_factory.mktemp("root")
    for name in PACKAGES:
        subprocess.run(["dpkg-deb", "-x", str(deb_path(debs, name)), str(root)], check=True)
    return root


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_package_is_built_with_the_makefile_version(debs, name):
    deb = deb_path(debs, name)
    assert deb.exists(), sorted(p.name for p in debs.iterdir())
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version"],
                            capture_output=True, text=True, check=True).stdout
    assert fields.split() == ["Package:", name, "Version:", makefile_version()]


def test_package_contents(debs, multiarch):
    lib = "/usr/lib/%s/" % multiarch
    files = {name: contents(deb_path(debs, name)) for name in PACKAGES}
    for program in ("virtc", "fake-libvirtd", "fake-qemu", "vwtrace"):
        assert "/usr/bin/" + program in files["virt-wire"]
        assert "/usr/share/man/man1/%s.1.gz" % program in files["virt-wire"]
    for fmt in ("trace", "scenario", "state"):
        assert "/usr/share/man/man5/virt-wire-%s.5.gz" % fmt in files["virt-wire"]
    assert lib + "libvirtwire.so.0" in files["libvirtwire0"]
    assert lib + "libvirtwire.so.%s" % makefile_version() in files["libvirtwire0"]
    for rel in ("libvirtwire.so", "libvirtwire.a", "pkgconfig/virtwire.pc"):
        assert lib + rel in files["libvirtwire-dev"], rel
    for header in ("libvirt_client.h", "vw_client_procs.h", "vw_procedures.h"):
        assert "/usr/include/virtwire/" + header in files["libvirtwire-dev"], header
    for module in ("__init__", "process", "cmdline", "admin", "qmp", "wire", "events", "libvirtd"):
        assert "/usr/lib/python3/dist-packages/pytest_virtwire/%s.py" % module in \
            files["python3-pytest-virtwire"]
    # nothing of the library in virt-wire, nothing of the programs in the others
    assert not [f for f in files["virt-wire"] if "libvirtwire" in f]


def test_package_relations(debs):
    def field(name, f):
        return subprocess.run(["dpkg-deb", "-f", str(deb_path(debs, name)), f],
                              capture_output=True, text=True, check=True).stdout
    assert "libvirtwire0 (= %s)" % makefile_version() in field("libvirtwire-dev", "Depends")
    plugin = field("python3-pytest-virtwire", "Depends")
    assert "python3-pytest" in plugin and "virt-wire" in plugin


def test_unpacked_programs_and_library(root, multiarch):
    for program in ("virtc", "fake-libvirtd", "fake-qemu", "vwtrace"):
        r = subprocess.run([str(root / "usr" / "bin" / program), "--version"],
                           capture_output=True, text=True, timeout=60)
        assert r.stdout == "%s (virt-wire) %s\n" % (program, makefile_version()), r.stderr
    so = root / "usr" / "lib" / multiarch / "libvirtwire.so.0"
    dyn = subprocess.run(["readelf", "-d", str(so)], capture_output=True, text=True, check=True)
    assert "Library soname: [libvirtwire.so.0]" in dyn.stdout
    pc = (root / "usr" / "lib" / multiarch / "pkgconfig" / "virtwire.pc").read_text()
    assert "libdir=/usr/lib/%s\n" % multiarch in pc


def test_example_builds_against_the_dev_package(root, multiarch, tmp_path, libvirtd_sock):
    src = tmp_path / "example.c"
    src.write_text(example_source())
    libdir = root / "usr" / "lib" / multiarch
    # the packaged .pc file with its /usr moved to the unpacked copy (--define-variable and
    # PKG_CONFIG_SYSROOT_DIR would move libtirpc's and jansson's too)
    pc_dir = tmp_path / "pkgconfig"
    pc_dir.mkdir()
    pc = (libdir / "pkgconfig" / "virtwire.pc").read_text()
    (pc_dir / "virtwire.pc").write_text(re.sub(r"^(prefix|libdir)=/usr", r"\1=%s/usr" % root, pc,
                                               flags=re.M))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "virtwire"], capture_output=True,
                           text=True, env=dict(os.environ, PKG_CONFIG_PATH=str(pc_dir)),
                           check=True).stdout.split()
    assert "-I%s/usr/include/virtwire" % root in flags, flags
    exe = tmp_path / "example"
    r = subprocess.run(["cc", "-Wall", "-Werror", "-o", str(exe), str(src)] + flags,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    run = subprocess.run([str(exe), "test+unix:///default?socket=%s" % libvirtd_sock],
                         capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, LD_LIBRARY_PATH=str(libdir)))
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^test\s+state 1,", run.stdout, re.M), run.stdout


def test_packaged_plugin_loads_through_its_entry_point(root, tmp_path):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent('''
        import libvirt

        def test_fixture(fake_libvirtd):
            fl = fake_libvirtd()
            conn = libvirt.open(fl.uri)
            assert conn.lookupByName("test").name() == "test"
            conn.close()

        def test_must_fail(fake_libvirtd):
            fake_libvirtd().admin.assert_called("DOMAIN_LOOKUP_BY_NAME")
    '''))
    env = {k: v for k, v in os.environ.items() if k not in ("VW_BUILD", "PYTEST_ADDOPTS")}
    env.update(PYTHONPATH=str(root / "usr" / "lib" / "python3" / "dist-packages"),
               VW_BIN=str(root / "usr" / "bin"), PATH="/usr/bin:/bin")
    r = subprocess.run(["/usr/bin/python3", "-m", "pytest", "-q", str(tmp_path)], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout, r.stdout
    assert "DOMAIN_LOOKUP_BY_NAME: expected at least 1 call(s), got 0" in r.stdout, r.stdout


def test_changelog_must_match_the_makefile_version(tmp_path):
    src = tmp_path / "virt-wire"
    copy_tree(src)
    makefile = src / "Makefile"
    makefile.write_text(re.sub(r"^VERSION\s*:=.*$", "VERSION  := 9.9.9", makefile.read_text(),
                               flags=re.M))
    r = subprocess.run(["make", "-f", "debian/rules", "override_dh_auto_configure"], cwd=src,
                       env=build_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert ("debian/changelog says %s but the Makefile's VERSION is 9.9.9" % makefile_version()
            in r.stderr), r.stderr
