#!/usr/bin/python3
"""record-schema.py: records the QAPI schema of the installed QEMU for fake-qemu.

Runs `qemu-system-x86_64 -machine none -nodefaults -display none -accel tcg -qmp unix:...`,
negotiates QMP and saves, next to this script (or into --out DIR):
  qemu-X.Y.Z-query-qmp-schema.json   the `return` of query-qmp-schema, one line
  qemu-X.Y.Z-query-commands.json     the `return` of query-commands, one line
  qemu-X.Y.Z-query-version.json      the `return` of query-version, one line
fake-qemu answers query-qmp-schema / query-commands with these and validates arguments with them.

Usage: record-schema.py [--qemu /usr/bin/qemu-system-x86_64] [--out DIR]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def read_message(sock, buf, deadline):
    """Returns (message, rest). QEMU ends every message with CRLF and never puts newlines inside."""
    while b"\n" not in buf:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("QEMU closed the QMP socket")
        buf += chunk
    line, rest = buf.split(b"\n", 1)
    return json.loads(line), rest


def execute(sock, buf, name, deadline):
    sock.sendall(json.dumps({"execute": name, "id": name}).encode() + b"\n")
    while True:
        msg, buf = read_message(sock, buf, deadline)
        if "event" in msg:
            continue
        if "error" in msg:
            raise RuntimeError(f"{name}: {msg['error']}")
        return msg["return"], buf


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vw-record-") as tmp:
        path = os.path.join(tmp, "qmp.sock")
        proc = subprocess.Popen([args.qemu, "-machine", "none", "-nodefaults", "-display", "none",
                                 "-accel", "tcg", "-qmp", f"unix:{path},server=on,wait=off"],
                                stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(path):
                if time.monotonic() > deadline or proc.poll() is not None:
                    sys.exit(f"record-schema: {args.qemu} did not create {path}")
                time.sleep(0.01)
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(path)
            greeting, buf = read_message(sock, b"", deadline)
            _, buf = execute(sock, buf, "qmp_capabilities", deadline)
            version, buf = execute(sock, buf, "query-version", deadline)
            schema, buf = execute(sock, buf, "query-qmp-schema", deadline)
            commands, buf = execute(sock, buf, "query-commands", deadline)
            q = version["qemu"]
            tag = f"qemu-{q['major']}.{q['minor']}.{q['micro']}"
            for name, value in (("query-qmp-schema", schema), ("query-commands", commands),
                                ("query-version", version)):
                out = os.path.join(args.out, f"{tag}-{name}.json")
                with open(out, "w") as f:
                    json.dump(value, f, separators=(", ", ": "))
                    f.write("\n")
                print(f"wrote {out}")
            sock.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
