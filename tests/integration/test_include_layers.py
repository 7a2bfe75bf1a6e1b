"""The modules of a folder form one-way layers: no include circles.

A module is a .c file and its .h (same base name); a NAME_priv.h is NAME's own private part. Module A uses module B when A.c or A.h has
`#include "B.h"` and B.h is in the same folder. A circle (A uses B, ..., B uses A) means neither
can be read, tested or replaced without the other; this test names the first circle it finds.
"""
import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)

# Folders whose modules must stay circle-free. client/ is not yet: opening a connection
# (libvirt_client.c) makes calls through lv_procs, whose calls take the connection.
FOLDERS = ["fake-libvirtd", "fake-qemu", "common", "proto", "trace"]

def module_of(stem):
    return stem[:-len("_priv")] if stem.endswith("_priv") else stem


def module_graph(folder):
    """{module: set of modules it uses} for the .c and .h files of folder."""
    files = list(folder.glob("*.c")) + list(folder.glob("*.h"))
    modules = {module_of(f.stem) for f in files}
    headers = {f.stem for f in folder.glob("*.h")}
    graph = {m: set() for m in modules}
    for f in files:
        for name in INCLUDE.findall(f.read_text(errors="replace")):
            if name in headers and module_of(name) != module_of(f.stem):
                graph[module_of(f.stem)].add(module_of(name))
    return graph


def find_circle(graph):
    """One circle as a list [A, B, ..., A], or None."""
    state = {}   # module -> 1 on the current path, 2 done
    path = []

    def visit(m):
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_finder_sees_a_circle():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_include_circles(folder):
    graph = module_graph(REPO / folder)
    assert graph, f"{folder}: no sources found"
    circle = find_circle(graph)
    assert circle is None, (
        f"{folder}: include circle {' -> '.join(circle)} (each uses the next through "
        f"#include \"NAME.h\" in NAME.c or NAME.h); move the shared part into a lower module")
