#!/usr/bin/python3
"""Records libvirtd's QEMU capability probe against the real QEMU, as a QMP trace.

    fake-qemu/probe/record-probe.py [--suite bookworm] [--build build] [OUT.trace]

A private libvirtd runs in podman from /var/cache/virt-wire/rootfs/SUITE (as the conformance
containers do): that release's libvirtd probes that release's real QEMU. Its emulator is a
small wrapper that starts the container's real qemu-system-x86_64 with the command line
libvirtd gave it, but with the QMP socket moved aside, and puts `fake-qemu --record` (the static
build, BUILD/static/bin from `make fake-qemu-static`, bind-mounted: it runs on every release's
glibc) on the socket libvirtd connects to. OUT defaults to
fake-qemu/probe/qemu-X.Y.Z-probe.trace, X.Y.Z the version in the recorded greeting.
`virsh domcapabilities --emulatorbin WRAPPER` makes libvirtd probe; the trace is what libvirtd
asked and what the real QEMU answered. fake-qemu answers a probe from this trace
(docs/fake-qemu.md, "Under a real libvirtd")."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

WRAPPER = r"""#!/bin/bash
# the probe's command line with -qmp unix:SOCK moved to SOCK.real, and a recorder on SOCK
out=()
while [ $# -gt 0 ]; do
  if [ "$1" = -qmp ]; then
    sock=${2#unix:}; sock=${sock%%,*}
    out+=(-qmp "unix:$sock.real,server=on,wait=off"); shift 2; continue
  fi
  out+=("$1"); shift
done
/usr/bin/qemu-system-x86_64 "${out[@]}" || exit $?
setsid /vw/bin/fake-qemu --qmp "unix:$sock" --record /vw/files/out/probe-$$.trace \
  --upstream "unix:$sock.real" >/vw/files/out/recorder-$$.log 2>&1 </dev/null &
for i in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
exit 0
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", default="bookworm", help="root filesystem (default bookworm)")
    ap.add_argument("--build", default="build",
                    help="the build directory with static/bin/fake-qemu (make fake-qemu-static)")
    ap.add_argument("out", nargs="?", help="the trace to write (default: named by the version)")
    a = ap.parse_args()
    static_bin = os.path.abspath(os.path.join(a.build, "static", "bin"))
    if not os.access(os.path.join(static_bin, "fake-qemu"), os.X_OK):
        sys.exit("record-probe: no %s/fake-qemu: run make fake-qemu-static" % static_bin)
    os.environ["VW_AUTH_ROOTFS_SUITE"] = a.suite
    import podman_libvirtd as pl
    work = tempfile.mkdtemp(prefix="vw-probe-rec-")
    files = os.path.join(work, "files")
    os.makedirs(os.path.join(files, "out"))
    os.chmod(work, 0o755)
    os.chmod(files, 0o755)
    os.chmod(os.path.join(files, "out"), 0o777)
    with open(os.path.join(files, "qemu-wrap"), "w") as f:
        f.write(WRAPPER)
    os.chmod(os.path.join(files, "qemu-wrap"), 0o755)
    conf = ('unix_sock_dir = "/vw/sock"\nunix_sock_rw_perms = "0777"\nauth_unix_ro = "none"\n'
            'auth_unix_rw = "none"\nlisten_tcp = 0\nlisten_tls = 0\nlog_outputs = "3:stderr"\n')
    d = pl.Daemon(work, conf, mounts=[(static_bin, "/vw/bin")], wait_sock="libvirt-sock")
    try:
        r = subprocess.run(["virsh", "-c", "qemu:///system?socket=%s/libvirt-sock" % d.sockdir,
                            "domcapabilities", "--emulatorbin", "/vw/files/qemu-wrap",
                            "--virttype", "qemu"], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            sys.exit("record-probe: virsh domcapabilities failed: %s\n%s"
                     % (r.stderr, d.log_text()[-3000:]))
        time.sleep(1)
    finally:
        d.stop()
    traces = sorted(n for n in os.listdir(os.path.join(files, "out")) if n.endswith(".trace"))
    if len(traces) != 1:
        sys.exit("record-probe: expected one probe trace, found %s (in %s)" % (traces, work))
    trace = os.path.join(files, "out", traces[0])
    out = a.out or os.path.join(HERE, "qemu-%s-probe.trace" % greeting_version(trace))
    shutil.copy(trace, out)
    shutil.rmtree(work, ignore_errors=True)
    print("record-probe: wrote", out)


def greeting_version(trace):
    """X.Y.Z of the QMP greeting in a recorded trace."""
    with open(trace) as f:
        for line in f:
            rec = json.loads(line)
            v = rec.get("json", {}).get("QMP", {}).get("version", {}).get("qemu") \
                if rec.get("rec") == "msg" else None
            if v:
                return "%d.%d.%d" % (v["major"], v["minor"], v["micro"])
    sys.exit("record-probe: no QMP greeting in %s" % trace)


if __name__ == "__main__":
    main()
