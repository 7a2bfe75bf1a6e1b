"""Helpers shared by the conformance cases: unique names, domain XML, normalisation of values
that legitimately change between runs, and the virtc-versus-virsh comparisons."""
import itertools
import os
import re

from harness import err_lines, out_lines, run_virsh, run_virtc

_names = itertools.count(1)


def unique_name(tag):
    """vwc-TAG-PID-N: no other case, run or person on a shared daemon uses it."""
    return "vwc-%s-%d-%d" % (tag, os.getpid(), next(_names))


def domain_xml(name, uuid=None, memory=131072, current=65536, vcpus=2):
    return ("<domain type='test'><name>%s</name>%s<memory unit='KiB'>%d</memory>"
            "<currentMemory unit='KiB'>%d</currentMemory><vcpu>%d</vcpu>"
            "<os><type arch='x86_64'>hvm</type></os></domain>"
            % (name, "<uuid>%s</uuid>" % uuid if uuid else "", memory, current, vcpus))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CPU = re.compile(r"^(CPU time:\s+)\S+$")
TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def normalise(text, names=()):
    """Generated UUIDs -> <uuid>, CPU time -> <cpu>, our unique names -> NAME, pid-bound numbers."""
    out = []
    for line in out_lines(text):
        line = _UUID.sub(lambda m: m.group(0) if m.group(0) == TEST_UUID else "<uuid>", line)
        line = _CPU.sub(r"\1<cpu>", line)
        for i, n in enumerate(names):
            line = line.replace(n, "NAME%d" % i)
        out.append(line)
    return out


def both(target, *args, readonly=False):
    """Runs args through virtc and virsh; returns (virtc, virsh) CompletedProcesses."""
    return (run_virtc(target, *args, readonly=readonly),
            run_virsh(target, *args, readonly=readonly))


def same_output(target, record, *args, readonly=False, names=()):
    """virtc and virsh must both succeed with the same normalised stdout; records virsh's."""
    mine, theirs = both(target, *args, readonly=readonly)
    record["virsh"] = normalise(theirs.stdout, names)
    record["virsh_rc"] = theirs.returncode
    record["virtc_rc"] = mine.returncode
    assert theirs.returncode == 0, "virsh %s failed: %s" % (" ".join(args), theirs.stderr)
    assert mine.returncode == 0, "virtc %s failed (%d): %s" % (" ".join(args), mine.returncode,
                                                              mine.stderr)
    assert normalise(mine.stdout, names) == normalise(theirs.stdout, names), (
        "virtc %s differs from virsh\n--- virtc\n%s--- virsh\n%s"
        % (" ".join(args), mine.stdout, theirs.stdout))
    return theirs


def same_error(target, record, *args, readonly=False, names=()):
    """Both must fail with the same error lines; records them."""
    mine, theirs = both(target, *args, readonly=readonly)
    theirs_err = [normalise(l, names)[0] for l in err_lines(theirs.stderr)]
    mine_err = [normalise(l, names)[0] for l in err_lines(mine.stderr)]
    record["virsh_error"] = theirs_err
    assert theirs.returncode == 1, "virsh %s did not fail: %s" % (" ".join(args), theirs.stdout)
    assert mine.returncode == 1, "virtc %s: exit %d, stderr %r" % (" ".join(args),
                                                                   mine.returncode, mine.stderr)
    assert mine_err == theirs_err, ("virtc %s error differs\n--- virtc\n%s--- virsh\n%s"
                                    % (" ".join(args), mine.stderr, theirs.stderr))
    return theirs
