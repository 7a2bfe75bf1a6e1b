"""Large replies: many domains defined, then listed through every client."""
import pytest

from cases import domain_xml, unique_name
from harness import run_virsh, run_virtc

COUNT = 1000


@pytest.mark.procedure("CONNECT_LIST_ALL_DOMAINS (large)")
def test_many_domains(target, record):
    """1000 domains defined; virtc, virsh and python3-libvirt list all of them."""
    if target.shared:
        pytest.skip("target is a daemon shared with other users (VW_LIBVIRTD_SOCK): "
                    "1000 extra domains would disturb them")
    prefix = unique_name("many")
    names = ["%s-%04d" % (prefix, i) for i in range(COUNT)]
    doms = []
    try:
        for n in names:
            doms.append(target.conn.defineXML(domain_xml(n)))
        py = {d.name() for d in target.conn.listAllDomains(0)}
        mine = run_virtc(target, "list", "--all")
        theirs = run_virsh(target, "list", "--all")
        count = lambda t: sum(1 for l in t.splitlines() if prefix in l)
        record["counts"] = {"python": len(py & set(names)), "virtc": count(mine.stdout),
                            "virsh": count(theirs.stdout)}
        record["virtc_rc"], record["virsh_rc"] = mine.returncode, theirs.returncode
        assert record["counts"] == {"python": COUNT, "virtc": COUNT, "virsh": COUNT}, (
            mine.stderr, theirs.stderr)
        assert mine.stdout == theirs.stdout.rstrip("\n") + "\n" or \
            mine.stdout.rstrip("\n") == theirs.stdout.rstrip("\n")
    finally:
        for d in doms:
            try:
                d.undefine()
            except Exception:
                pass
