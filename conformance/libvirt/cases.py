"""Helpers shared by the conformance cases: unique names, domain XML, normalisation of values
that legitimately change between runs, and the virtc-versus-virsh comparisons."""
import hashlib
import itertools
import os
import re

from harness import err_lines, out_lines, run_virsh, run_virtc

_names = itertools.count(1)
_case_key = None   # (token, digest) while a record-/replay- target runs a case, else None
_case_names = None


def begin_case(case_id, release, token):
    """Called before each case on record-RELEASE and replay-RELEASE targets: from now on
    unique_name() derives names from the case's id, the release and the run token (written next
    to the trace by the recording pass and read back by the replay pass), so the replay pass sends
    the very bytes the recording pass sent. None as case_id goes back to pid-based names."""
    global _case_key, _case_names
    if case_id is None:
        _case_key = _case_names = None
        return
    digest = hashlib.sha1(("%s|%s" % (release, case_id)).encode()).hexdigest()[:8]
    _case_key = (token, digest)
    _case_names = itertools.count(1)


def unique_name(tag):
    """vwc-TAG-PID-N: no other case, run or person on a shared daemon uses it. On record/replay
    targets vwc-TAG-TOKEN-DIGEST-N (DIGEST from the case id and release, N counted per case): the
    same in the recording and in its replay, and unique per recording run."""
    if _case_key is not None:
        return "vwc-%s-%s-%s-%d" % (tag, _case_key[0], _case_key[1], next(_case_names))
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


def attempt(fn, names=(), uuids=()):
    """{"ok": fn()} or {"error": [code, domain, message]} with our names and the given UUIDs
    replaced: a case records either, so a release that refuses a call is compared as well."""
    try:
        return {"ok": fn()}
    except Exception as exc:  # libvirt.libvirtError; anything else is a bug in the case
        if not hasattr(exc, "get_error_code"):
            raise
        msg = exc.get_error_message() or ""
        for i, n in enumerate(names):
            msg = msg.replace(n, "NAME%d" % i)
        for u in uuids:
            msg = msg.replace(u, "<uuid>")
        return {"error": [exc.get_error_code(), exc.get_error_domain(), msg]}


def xml_lines(xml, names=()):
    """An XML document as normalised lines (generated UUIDs, our names)."""
    return normalise(xml, names)


def cleanup(*calls):
    """Runs each cleanup call, ignoring its failure (the object may already be gone)."""
    for call in calls:
        try:
            call()
        except Exception:
            pass
