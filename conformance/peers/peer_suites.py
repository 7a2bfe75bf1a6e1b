#!/usr/bin/python3
"""Runs test suites we did not write against the real libvirt test driver and against fake-libvirtd,
and compares their per-test results.

    conformance/peers/peer_suites.py [--src DIR] [--suite NAME]... [--out DIR] [--fake BIN]
                                     [--timeout S] [--list]

Suites (NAME: where its files come from; what a "test" is):
  sys-virt-t        DIR/libvirt-perl/t/*.t that open test:///default (Sys::Virt's own tests, of the
                    libvirt-perl release matching Debian's libsys-virt-perl); a test = one TAP
                    assertion (FILE #N description)
  libvirt-python    DIR/libvirt-python/tests/test_*.py (libvirt-python's tests of the release matching
                    python3-libvirt), run by pytest one file at a time; a test = one pytest test id
  sys-virt-examples /usr/share/doc/libsys-virt-perl/examples/*.pl that run against test:///default
                    (Debian's libsys-virt-perl; the list is EXAMPLE_ARGS); a test = one script, given
                    the URI (and domain "test" where it needs one); compared on exit status and on its
                    output lines taken as a set (the order of listed objects is not fixed)
  go-libvirt        go-libvirt's integration tests from Debian's golang-github-digitalocean-go-libvirt-dev
                    (/usr/share/gocode/src/github.com/digitalocean/go-libvirt), run with go test
                    -tags integration offline; a test = one Go test (go test -json)

Each suite runs twice. The reference ("real") side is libvirt's own test driver: the files as they
are, opening test:///default in-process (a fresh state for each open, no daemon). The candidate
("fake") side is a copy of the files in a scratch directory (outside the tree, removed afterwards)
where test:///default is replaced by test+unix:///default?socket=SOCK, SOCK being a fake-libvirtd
started for that file alone (so every file starts from the fake's fresh default state, as the real
side does). go-libvirt's integration tests dial a socket of their own; see run_go_libvirt.

A suite whose files are absent is skipped with a message saying what is missing and how to get it;
its result file says "skipped" with that message. Results, in OUT (default
$VW_BUILD/conformance/peers):
  SUITE.json   {"suite", "status": "ran"|"skipped", "message", "source", "tests": [{"test", "real",
               "fake", "same", "real_detail", "fake_detail"}], "counts"}
  summary.md   one table: suite, tests, passed on the reference, passed on the fake, same, differ
conformance/report.py adds these as the "peer suites" section of the matrix.

Exit status: 0 when the run finished (differences are results, not errors: the fake improves as
procedures are added), 2 on bad usage or when fake-libvirtd cannot start.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "pytest-plugin"))   # the pytest plugin's package starts the fakes
from pytest_virtwire.process import ReadyProcess  # noqa: E402
BUILD = pathlib.Path(os.environ.get("VW_BUILD", str(REPO / "build")))
TEST_URI = "test:///default"
EXAMPLES = pathlib.Path("/usr/share/doc/libsys-virt-perl/examples")
GO_LIBVIRT = pathlib.Path("/usr/share/gocode/src/github.com/digitalocean/go-libvirt")
SUITES = ("sys-virt-t", "libvirt-python", "sys-virt-examples", "go-libvirt")


def log(msg):
    print("peer-suites: " + msg, flush=True)


class Fake:
    """One fake-libvirtd on a private unix socket, for one file of a suite (started by the pytest
    plugin's ReadyProcess; its standard error in DIR/stderr)."""

    def __init__(self, binary, workdir):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="fake-", dir=workdir))
        self.sock = self.dir / "sock"
        try:
            self.fake = ReadyProcess(str(self.dir), [str(binary), "--listen", "unix:%s" % self.sock],
                                     log=self.dir / "stderr", ready_timeout=20)
        except RuntimeError as e:
            raise SystemExit("peer-suites: %s did not print ready (stderr in %s): %s"
                             % (binary, self.dir / "stderr", e))
        self.proc = self.fake.proc

    @property
    def uri(self):
        return "test+unix:///default?socket=%s" % self.sock

    def stop(self):
        try:
            self.fake.terminate(timeout=10)
        except AssertionError:
            pass    # killed after 10 s, as before

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def clean_env(**extra):
    env = dict(os.environ)
    for k in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI", "PYTHONPATH"):
        env.pop(k, None)
    env["LC_ALL"] = "C"
    env.update(extra)
    return env


def run(cmd, cwd, timeout, env=None):
    """Runs cmd; returns (exit status or 'timeout', stdout, stderr)."""
    try:
        p = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True, timeout=timeout,
                           env=env or clean_env(), stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as exc:
        def s(x):
            return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
        return "timeout", s(exc.stdout), s(exc.stderr) + "\n(killed after %d s)" % timeout


def copy_rewritten(src_dir, dst_dir, uri, pattern="*"):
    """Copies src_dir's files to dst_dir, test:///default replaced by uri in text files."""
    shutil.copytree(str(src_dir), str(dst_dir), dirs_exist_ok=True)
    if uri is None:
        return
    for f in pathlib.Path(dst_dir).rglob(pattern):
        if f.is_file():
            try:
                text = f.read_text()
            except UnicodeDecodeError:
                continue
            if TEST_URI in text:
                f.write_text(text.replace(TEST_URI, uri))


def run_both_sides(f, work, fake_bin, timeout, cmd_for, pattern):
    """Runs cmd_for(DIR) in two copies of f's folder: as it is (reference) and with test:///default
    rewritten in the files matching pattern to a fake-libvirtd started for this run (fake).
    Returns {"real"|"fake": (DIR, status, stdout, stderr)}."""
    ran = {}
    for side in ("real", "fake"):
        d = work / side / f.stem
        d.mkdir(parents=True)
        if side == "fake":
            with Fake(fake_bin, work) as fake:
                copy_rewritten(f.parent, d, fake.uri, pattern)
                ran[side] = (d,) + run(cmd_for(d), d, timeout)
        else:
            copy_rewritten(f.parent, d, None)
            ran[side] = (d,) + run(cmd_for(d), d, timeout)
    return ran


# ---------------------------------------------------------------- TAP (Sys::Virt t/)

TAP_LINE = re.compile(r"^(not ok|ok)\s+(\d+)\s*(?:-\s*)?(.*)$")


def parse_tap(out, err, status):
    """{N: (outcome, description, diagnostics)} and the plan; assertions planned but absent are
    'not run'. A '# TODO' or '# SKIP' directive is kept in the outcome."""
    results, plan, last = {}, None, None
    for line in out.splitlines():
        m = re.match(r"^1\.\.(\d+)", line)
        if m:
            plan = int(m.group(1))
            continue
        m = TAP_LINE.match(line)
        if m:
            outcome, n, desc = m.group(1), int(m.group(2)), m.group(3).strip()
            if re.search(r"#\s*skip", desc, re.I):
                outcome = "skip"
            elif re.search(r"#\s*todo", desc, re.I):
                outcome += " (todo)"
            results[n] = [outcome, desc, ""]
            last = n
    # Test::More prints a failed assertion's diagnostics (got/expected) on stderr after it
    if last is not None:
        diag = [x for x in err.splitlines() if x.startswith("#")]
        for n, r in results.items():
            if r[0].startswith("not ok"):
                r[2] = "\n".join(diag)[:2000]
    if plan:
        tail = (err.strip().splitlines() or [""])[-5:]
        for n in range(1, plan + 1):
            if n not in results:
                results[n] = ["not run", "", "the file stopped before this assertion "
                              "(exit %s): %s" % (status, " / ".join(tail))[:2000]]
    return results


def run_tap_suite(name, files, work, fake_bin, timeout):
    tests = []
    for f in files:
        sides = {}
        ran = run_both_sides(f, work, fake_bin, timeout, lambda d: ["perl", f.name], f.name)
        for side, (d, status, out, err) in ran.items():
            sides[side] = parse_tap(out, err, status)
            sides[side + "_exit"] = (status, err.strip()[-1000:])
            if not sides[side]:
                sides[side] = {0: ["no TAP output", "", ("exit %s\n" % status + err)[-2000:]]}
        for n in sorted(set(sides["real"]) | set(sides["fake"])):
            r = sides["real"].get(n, ["absent", "", ""])
            k = sides["fake"].get(n, ["absent", "", ""])
            desc = r[1] or k[1]
            tests.append(entry("%s #%d %s" % (f.name, n, desc), r[0], k[0], r[2], k[2]))
        # the file as a whole: a hang (timeout) or a crash after its last assertion shows here
        (rs, rerr), (ks, kerr) = sides["real_exit"], sides["fake_exit"]
        e = entry("%s (exit status of the file)" % f.name, "exit %s" % rs, "exit %s" % ks,
                  rerr if rs else "", kerr if ks != rs else "")
        e["kind"] = "file"
        tests.append(e)
    return tests


def entry(test, real, fake, real_detail="", fake_detail="", same=None):
    return {"test": test, "real": real, "fake": fake,
            "same": (real == fake) if same is None else same,
            "real_detail": real_detail, "fake_detail": fake_detail}


# ---------------------------------------------------------------- pytest (libvirt-python tests/)

def parse_junit(path):
    """{test id: (outcome, detail)} from a pytest junit file."""
    out = {}
    if not path.exists():
        return out
    for tc in ET.parse(str(path)).getroot().iter("testcase"):
        tid = "%s::%s" % (tc.get("classname", ""), tc.get("name", ""))
        outcome, detail = "passed", ""
        for child in tc:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                detail = ((child.get("message") or "")[:500] + "\n" + (child.text or "")[-1500:])
                break
            if child.tag == "skipped":
                outcome, detail = "skipped", child.get("message") or ""
        out[tid] = (outcome, detail)
    return out


def run_pytest_suite(name, files, work, fake_bin, timeout):
    tests = []
    for f in files:
        sides = {}

        def cmd(d):
            return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rN",
                    "--junitxml=%s" % (d / "_junit.xml"), f.name]
        ran = run_both_sides(f, work, fake_bin, timeout, cmd, "*.py")
        for side, (d, status, out, err) in ran.items():
            sides[side] = parse_junit(d / "_junit.xml")
            if not sides[side]:
                sides[side] = {f.name + "::(collection)": (
                    "no results", ("exit %s\n%s\n%s" % (status, out, err))[-2000:])}
        for tid in sorted(set(sides["real"]) | set(sides["fake"])):
            r = sides["real"].get(tid, ("absent", ""))
            k = sides["fake"].get(tid, ("absent", ""))
            tests.append(entry(tid, r[0], k[0], r[1], k[1]))
    return tests


# ---------------------------------------------------------------- Sys::Virt example scripts

# The example scripts that run against the test driver: script -> arguments after the URI. Left
# out: auth.pl (asks for credentials), dhcp-leases/open-console/save-restore/vol-*-all/-nonblock/
# vol-download/vol-upload (hard-code qemu:///system or qemu:///session), node-devlist (opens the
# default URI), node-ksm (qemu only), dom-migrate (two hosts), hv-stat/node-cpu (sample live CPU
# counters over seconds), node-alloc, vol-sparse (need files and volumes of their own).
EXAMPLE_ARGS = {
    "devices.pl": [], "dump-info.pl": [], "dump-xml.pl": ["test"], "iothreadinfo.pl": [],
    "node-info.pl": [], "vcpuinfo.pl": [], "dom-stats.pl": ["test"], "dom-fsinfo.pl": ["test"],
    "dom-ifinfo.pl": ["test"], "emulator-pin.pl": [], "send-key.pl": ["test"],
    "fs-freeze.pl": ["test", "/"],
}


def example_lines(text, uri):
    """The output as a sorted list of lines (listed objects come in no fixed order), with the
    fake's URI written back as test:///default."""
    if uri:
        text = text.replace(uri, TEST_URI)
    return sorted(line.rstrip() for line in text.splitlines() if line.strip())


def error_lines(stderr):
    return [x.strip() for x in stderr.splitlines() if "libvirt error" in x or "error:" in x]


def run_examples(files, work, fake_bin, timeout):
    """Each script runs twice on the reference (lines that differ between those two runs, such as
    CPU times, are not compared) and once on the fake; compared: exit status and the set of
    output lines."""
    tests = []
    for f in files:
        d = work / "examples"
        d.mkdir(parents=True, exist_ok=True)
        extra = EXAMPLE_ARGS[f.name]
        runs = []
        for _ in range(2):
            status, out, err = run(["perl", str(f), TEST_URI] + extra, d, timeout)
            runs.append((status, example_lines(out, None), err))
        with Fake(fake_bin, work) as fake:
            status, out, err = run(["perl", str(f), fake.uri] + extra, d, timeout)
            ks, kl, ke = status, example_lines(out, fake.uri), err.replace(fake.uri, TEST_URI)
        rs, rl, re_ = runs[0]
        unstable = set(rl) ^ set(runs[1][1])
        rl_c = [x for x in rl if x not in unstable]
        kl_c = [x for x in kl if x not in unstable]
        # a line the reference prints with a varying value: compare it by its text before the value
        stems = {x.split(":")[0] for x in unstable}
        kl_c = [x for x in kl_c if x.split(":")[0] not in stems or x in rl]
        same_lines = rl_c == kl_c
        # both failing: the same libvirt error (code and message), not just any failure
        same = rs == ks and same_lines and (rs == 0 or error_lines(re_) == error_lines(ke))

        def outcome(st):
            return "exit %s" % st
        detail = ""
        if not same:
            missing = [x for x in rl_c if x not in kl_c]
            extra_l = [x for x in kl_c if x not in rl_c]
            detail = ("stderr: %s\nlines only on the reference: %s\nlines only on the fake: %s"
                      % (ke.strip()[-1000:], missing[:30], extra_l[:30]))
        tests.append(entry("%s %s" % (f.name, " ".join(["URI"] + extra)), outcome(rs),
                           outcome(ks) + ("" if same_lines or ks != rs else " (other output)"),
                           re_.strip()[-1000:] if rs else "", detail, same=same))
    return tests


def example_files():
    return [EXAMPLES / n for n in sorted(EXAMPLE_ARGS) if (EXAMPLES / n).exists()]


# ---------------------------------------------------------------- go-libvirt integration tests

def go_events(out):
    """{test name: outcome} from go test -json output."""
    res = {}
    for line in out.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("Test") and ev.get("Action") in ("pass", "fail", "skip"):
            res[ev["Test"]] = ev["Action"]
    return res


GO_DIALER = re.compile(r"return dialers\.NewRemote\(\s*testAddr,.*?\n\t\)", re.S)


def go_copy(work):
    """A GOPATH in the scratch directory holding a copy of Debian's go-libvirt source where the
    integration tests dial the unix socket named by $VW_PEER_SOCK and open test:///default (as
    shipped they dial 127.0.0.1:16509 and open qemu:///system). The package's unit tests are left
    out of the copy (they need testify, which is not installed). Returns the GOPATH."""
    gopath = work / "gopath"
    dst = gopath / "src" / "github.com" / "digitalocean" / "go-libvirt"
    shutil.copytree(str(GO_LIBVIRT), str(dst), symlinks=False)
    for f in dst.rglob("*_test.go"):
        if f.name != "libvirt_integration_test.go":
            f.unlink()
    t = dst / "libvirt_integration_test.go"
    text = t.read_text()
    text, n = GO_DIALER.subn('return dialers.NewLocal(dialers.WithSocket(os.Getenv("VW_PEER_SOCK")),'
                             ' dialers.WithLocalTimeout(time.Second*2))', text)
    if n != 1 or '\t"net"\n' not in text:
        raise SystemExit("peer-suites: go-libvirt: %s no longer has the testDialer this runner "
                         "rewrites (dialers.NewRemote(testAddr, ...)); update go_copy()" % t)
    text = text.replace('\t"net"\n', '\t"net"\n\t"os"\n', 1)
    text = re.sub(r"\bl\.Connect\(\)", "l.ConnectToURI(TestDefault)", text)
    t.write_text(text)
    return gopath


def go_events(out):
    """{test name: (outcome, output)} from go test -json output."""
    res, output = {}, {}
    for line in out.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        name = ev.get("Test")
        if not name:
            continue
        if ev.get("Action") == "output":
            output.setdefault(name, []).append(ev.get("Output", ""))
        elif ev.get("Action") in ("pass", "fail", "skip"):
            res[name] = ev["Action"]
    return {n: (o, "".join(output.get(n, []))[-2000:]) for n, o in res.items()}


def go_messages(output):
    """The messages of a Go test's output (t.Error/t.Fatal lines), without timings."""
    return [line.strip() for line in output.splitlines()
            if re.match(r"\s+\S+_test\.go:\d+:", line)]


def run_go_libvirt(work, fake_bin, timeout, real_sock):
    """go-libvirt's integration tests dial a daemon's socket, so the reference is a real libvirtd's
    test driver (real_sock: the host's daemon; these tests only read its default objects, and
    the one that would create a volume stops before, as the test driver has no pool "test"); the
    candidate a fake-libvirtd of its own."""
    gopath = go_copy(work)
    env = clean_env(GO111MODULE="off", GOPATH="%s:/usr/share/gocode" % gopath, GOFLAGS="",
                    GOCACHE=str(work / "gocache"), GOPROXY="off", HOME=str(work))
    cmd = ["go", "test", "-tags", "integration", "-json", "-count=1", "-timeout",
           "%ds" % timeout, "github.com/digitalocean/go-libvirt"]
    sides = {}
    for side in ("real", "fake"):
        if side == "fake":
            with Fake(fake_bin, work) as fake:
                env["VW_PEER_SOCK"] = str(fake.sock)
                status, out, err = run(cmd, work, timeout + 300, env)
        else:
            env["VW_PEER_SOCK"] = real_sock
            status, out, err = run(cmd, work, timeout + 300, env)
        sides[side] = go_events(out)
        if not sides[side]:
            sides[side] = {"(build)": ("no results", ("exit %s\n%s\n%s" % (status, out, err))[-3000:])}
    tests = []
    for name in sorted(set(sides["real"]) | set(sides["fake"])):
        r = sides["real"].get(name, ("absent", ""))
        k = sides["fake"].get(name, ("absent", ""))
        # a failure counts as the same only with the same failure messages (timings left out)
        same = r[0] == k[0] and go_messages(r[1]) == go_messages(k[1])
        tests.append(entry(name, r[0], k[0], r[1] if r[0] != "pass" else "",
                           k[1] if k[0] != "pass" else "", same=same))
    return tests


# ---------------------------------------------------------------- main

PASSED = ("ok", "passed", "pass", "exit 0", "ok (todo)", "skip")


def counts_of(tests):
    """Counts over the tests (a TAP assertion skipped by the file counts as passed, as prove counts
    it; pytest's and Go's skips do not); per-file exit statuses are counted apart."""
    files = [t for t in tests if t.get("kind") == "file"]
    tests = [t for t in tests if t.get("kind") != "file"]
    return {"tests": len(tests),
            "real_passed": sum(1 for t in tests if t["real"] in PASSED),
            "fake_passed": sum(1 for t in tests if t["fake"] in PASSED),
            "same": sum(1 for t in tests if t["same"]),
            "differ": sum(1 for t in tests if not t["same"]),
            "files_differ": sum(1 for t in files if not t["same"])}


def suite_files(name, src, real_sock=None):
    """(files, source description) or (None, skip message)."""
    if name in ("sys-virt-t", "libvirt-python"):
        project, sub, package = {"sys-virt-t": ("libvirt-perl", "t", "libsys-virt-perl"),
                                 "libvirt-python": ("libvirt-python", "tests",
                                                    "python3-libvirt")}[name]
        d = src / project / sub if src else None
        if d is None or not d.is_dir():
            return None, ("%s skipped: %s not found; extract %s's release matching %s there "
                          "(make peer-suites PEER_SRC=DIR, DIR holding libvirt-perl/ and "
                          "libvirt-python/; docs/conformance.md)"
                          % (name, d or "PEER_SRC/%s/%s" % (project, sub), project, package))
        if name == "sys-virt-t":
            return [f for f in sorted(d.glob("*.t"))
                    if TEST_URI in f.read_text(errors="replace")], str(d)
        return sorted(d.glob("test_*.py")), str(d)
    if name == "sys-virt-examples":
        if not EXAMPLES.is_dir():
            return None, ("sys-virt-examples skipped: %s not found (apt-get install "
                          "libsys-virt-perl)" % EXAMPLES)
        return example_files(), str(EXAMPLES)
    if name == "go-libvirt":
        f = GO_LIBVIRT / "libvirt_integration_test.go"
        if not f.exists() or not shutil.which("go"):
            return None, ("go-libvirt skipped: %s or go not found (apt-get install golang-go "
                          "golang-github-digitalocean-go-libvirt-dev)" % f)
        if not real_sock or not os.path.exists(real_sock):
            return None, ("go-libvirt skipped: no real libvirtd socket for its reference side "
                          "(--real-sock or VW_LIBVIRTD_SOCK; make peer-suites starts a private "
                          "one with ci/libvirtd-private when none is given)")
        return [f], str(GO_LIBVIRT)
    raise SystemExit("peer-suites: unknown suite %s (known: %s)" % (name, ", ".join(SUITES)))


def summary_table(results):
    """The summary as markdown table lines (conformance/report.py uses it too)."""
    L = ["| suite | tests | pass (reference) | pass (fake) | same | differ | note |",
         "|---|---|---|---|---|---|---|"]
    for r in results:
        if r["status"] != "ran":
            L.append("| %s | - | - | - | - | - | %s |" % (r["suite"], r["message"]))
            continue
        c = r["counts"]
        note = r.get("message", "")
        if c.get("files_differ"):
            note += "%d file(s) ended otherwise (exit status)" % c["files_differ"]
        L.append("| %s | %d | %d | %d | %d | %d | %s |" % (
            r["suite"], c["tests"], c["real_passed"], c["fake_passed"], c["same"], c["differ"],
            note))
    return L


def write_summary(out, results):
    L = ["# Peer suites: fake-libvirtd vs libvirt's test driver", ""] + summary_table(results)
    (out / "summary.md").write_text("\n".join(L) + "\n")
    return L


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--src", help="folder holding libvirt-perl/ and libvirt-python/ (PEER_SRC)")
    ap.add_argument("--suite", action="append", choices=SUITES,
                    help="run only this suite (repeatable; default: all)")
    ap.add_argument("--out", default=str(BUILD / "conformance" / "peers"))
    ap.add_argument("--fake", default=str(BUILD / "bin" / "fake-libvirtd"))
    ap.add_argument("--timeout", type=int, default=60, help="seconds per file and side (default 60)")
    ap.add_argument("--real-sock", default=os.environ.get("VW_LIBVIRTD_SOCK"),
                    help="a real libvirtd's socket (go-libvirt's reference side)")
    args = ap.parse_args(argv)
    src = pathlib.Path(args.src).resolve() if args.src else None
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fake_bin = pathlib.Path(args.fake)
    if not os.access(str(fake_bin), os.X_OK):
        print("peer-suites: %s is not built (run make)" % fake_bin, file=sys.stderr)
        return 2
    results = []
    for name in args.suite or SUITES:
        files, where = suite_files(name, src, args.real_sock)
        rec = {"suite": name, "source": where}
        t0 = time.time()
        if files is None:
            log(where)
            rec.update(status="skipped", message=where, tests=[], counts=counts_of([]))
        else:
            log("%s: %d files from %s" % (name, len(files), where))
            work = pathlib.Path(tempfile.mkdtemp(prefix="vw-peers-%s-" % name))
            try:
                if name == "sys-virt-t":
                    tests = run_tap_suite(name, files, work, fake_bin, args.timeout)
                elif name == "libvirt-python":
                    tests = run_pytest_suite(name, files, work, fake_bin, args.timeout)
                elif name == "sys-virt-examples":
                    tests = run_examples(files, work, fake_bin, args.timeout)
                else:
                    tests = run_go_libvirt(work, fake_bin, args.timeout, args.real_sock)
            finally:
                shutil.rmtree(str(work), ignore_errors=True)
            rec.update(status="ran", message="", tests=tests, counts=counts_of(tests))
            c = rec["counts"]
            log("%s: %d tests; reference passed %d, fake passed %d; same %d, differ %d (%d s)"
                % (name, c["tests"], c["real_passed"], c["fake_passed"], c["same"], c["differ"],
                   time.time() - t0))
        rec["seconds"] = round(time.time() - t0, 1)
        (out / ("%s.json" % name)).write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n")
        results.append(rec)
    write_summary(out, results)
    log("wrote %s/summary.md and SUITE.json" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
