"""`make install` gives another C project what it needs: headers, static and shared libraries and a
pkg-config file naming the PREFIX used; and the man pages, where man(1) finds them. The example program of docs/client-library.md is built
against an installed copy (shared and static) and run against the real libvirtd."""
import os
import pathlib
import re
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VW_BUILD", REPO / "build"))
SANITIZED = BUILD.name == "asan"


def example_source():
    text = (REPO / "docs" / "client-library.md").read_text()
    m = re.search(r"```c\n(.*?)```", text, re.S)
    assert m, "docs/client-library.md has no C example"
    return m.group(1)


def typed_example_source():
    """The typed-function snippet of docs/client-library.md, in a main() that opens argv[1]."""
    text = (REPO / "docs" / "client-library.md").read_text()
    m = re.search(r"```c\n(vw_domain_lookup_by_name_args .*?)```", text, re.S)
    assert m, "docs/client-library.md has no typed-function example"
    return ("#include <stdio.h>\n#include \"vw_client_procs.h\"\n"
            "int main(int argc, char **argv)\n{\n    vw_client_error err = { 0 };\n"
            "    vw_conn *conn = argc > 1 ? vw_conn_open(argv[1], NULL, &err) : NULL;\n"
            "    if (!conn)\n        return 1;\n" + m.group(1) +
            "    vw_conn_close(conn, NULL);\n    return err.code != 0;\n}\n")


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    args = ["make", "-s", "-C", str(REPO), "BUILD=%s" % BUILD, "PREFIX=%s" % prefix, "install"]
    if SANITIZED:
        args.append("SAN=1")
    out = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    return prefix


def pkg_config(prefix, *args):
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    out = subprocess.run(["pkg-config", *args, "virtwire"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_installed_files(prefix):
    for rel in ("bin/virtc", "bin/fake-libvirtd", "bin/fake-qemu", "lib/libvirtwire.a",
                "lib/libvirtwire.so", "lib/pkgconfig/virtwire.pc",
                "include/virtwire/libvirt_client.h", "include/virtwire/vw_remote_protocol.h",
                "include/virtwire/vw_client_procs.h", "include/virtwire/vw_procedures.h"):
        assert (prefix / rel).exists(), rel
    assert not list((prefix / "include" / "virtwire").glob("virtc*.h"))
    assert "-I%s/include/virtwire" % prefix in pkg_config(prefix, "--cflags")


@pytest.mark.parametrize("section,page", [
    ("1", "virtc"), ("1", "fake-libvirtd"), ("1", "fake-qemu"), ("1", "vwtrace"),
    ("5", "virt-wire-trace"), ("5", "virt-wire-scenario"), ("5", "virt-wire-state")])
def test_installed_man_pages(prefix, section, page):
    path = prefix / "share" / "man" / ("man" + section) / ("%s.%s" % (page, section))
    assert path.is_file(), path
    # man(1) with this prefix's manpath finds the page in its section
    out = subprocess.run(["man", "-M", str(prefix / "share" / "man"), "-w", section, page],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(path)


@pytest.mark.parametrize("linking", ["shared", "static"])
def test_example_builds_and_runs(prefix, tmp_path, libvirtd_sock, linking):
    run = build_and_run(prefix, tmp_path, libvirtd_sock, linking, example_source())
    assert re.search(r"^libvirt \d+\.\d+\.\d+$", run.stdout, re.M), run.stdout
    assert re.search(r"^test\s+state 1,", run.stdout, re.M), run.stdout


def test_typed_example_builds_and_runs(prefix, tmp_path, libvirtd_sock):
    """The generated typed functions, used through the installed vw_client_procs.h."""
    run = build_and_run(prefix, tmp_path, libvirtd_sock, "shared", typed_example_source())
    assert run.stdout == "2 vCPUs\n", run.stdout


def build_and_run(prefix, tmp_path, libvirtd_sock, linking, source):
    src = tmp_path / "example.c"
    src.write_text(source)
    exe = tmp_path / "example"
    cmd = ["cc", "-Wall", "-Wextra", "-Werror", "-o", str(exe), str(src)] + pkg_config(prefix, "--cflags")
    if linking == "shared":
        cmd += pkg_config(prefix, "--libs") + ["-Wl,-rpath,%s" % (prefix / "lib")]
    else:
        cmd += [str(prefix / "lib" / "libvirtwire.a")]
        cmd += [f for f in pkg_config(prefix, "--static", "--libs-only-l") if f != "-lvirtwire"]
    if SANITIZED:
        cmd += ["-fsanitize=address,undefined"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    run = subprocess.run([str(exe), "test+unix:///default?socket=%s" % libvirtd_sock],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    return run
