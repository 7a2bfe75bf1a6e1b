#!/usr/bin/python3
"""trace2stream.py DIR c2s|s2c TRACE...: byte-stream seeds from recorded traces.

For every connection of every TRACE (docs/trace-format.md: `msg` and `raw` records), writes the
concatenated bytes of one direction to DIR/<trace name>-conn<N>.bin:
  c2s  what the client sent: seeds for fuzz_fake_libvirtd (libvirt traces) and fuzz_fake_qemu
       (QMP traces; written with a leading 'P', which selects the "pc" machine, see the target)
  s2c  what the server sent: seeds for fuzz_client (traces of fuzz/corpus/client_seed.c's calls)
Options (before DIR): --prefix BYTES (prepended, default '' / 'P' for QMP c2s),
--event-after N (s2c only: also write a copy with every MESSAGE packet of --events TRACE
inserted after the Nth packet, so that registered callbacks see events, and one with the CHAOS
packets below there)."""
import base64
import json
import os
import sys

REMOTE = (0x20008086).to_bytes(4, "big")


def streams(path, direction):
    conns = {}
    proto = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            if "format" in rec:
                proto = rec.get("protocol")
                continue
            if rec.get("rec") in ("msg", "raw") and rec.get("dir") == direction:
                conns.setdefault(rec.get("conn", 0), []).append(base64.b64decode(rec["raw"]))
    return proto, conns


def packet(prog, proc, ptype, serial, status, payload=b""):
    body = b"".join(x.to_bytes(4, "big") for x in (prog, 1, proc, ptype, serial, status)) + payload
    return (len(body) + 4).to_bytes(4, "big") + body


# Packets a client must survive between replies: a keepalive PING (it answers PONG), stream data
# and a stream error for no stream, a reply nobody waits for, a reply with status CONTINUE, an
# event of an unknown program, an event for a callback nobody registered.
CHAOS = [
    packet(0x6B656570, 1, 2, 0, 0),                                   # keepalive PING
    packet(0x20008086, 209, 3, 77, 2, b"data"),                       # STREAM CONTINUE
    packet(0x20008086, 209, 3, 77, 1, b"\0" * 8),                     # STREAM ERROR (short)
    packet(0x20008086, 1, 1, 4242, 0),                                # REPLY, unknown serial
    packet(0x20008086, 1, 1, 4243, 2),                                # REPLY CONTINUE
    packet(0x12345678, 1, 2, 0, 0),                                   # MESSAGE, unknown program
    packet(0x20008086, 318, 2, 1, 0, (999).to_bytes(4, "big")),       # event, callback 999
]


def messages(path):
    """MESSAGE packets (type 2) a server sent in a libvirt trace."""
    _, conns = streams(path, "s2c")
    out = []
    for pkts in conns.values():
        out += [p for p in pkts if len(p) >= 28 and int.from_bytes(p[16:20], "big") == 2]
    return out


def main(argv):
    prefix = None
    event_after = None
    events_trace = None
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--prefix":
            prefix = argv.pop(0).encode()
        elif opt == "--event-after":
            event_after = int(argv.pop(0))
        elif opt == "--events":
            events_trace = argv.pop(0)
        else:
            sys.exit("trace2stream: unknown option %s" % opt)
    if len(argv) < 3 or argv[1] not in ("c2s", "s2c"):
        sys.exit(__doc__)
    outdir, direction, traces = argv[0], argv[1], argv[2:]
    os.makedirs(outdir, exist_ok=True)
    extra = messages(events_trace) if events_trace else []
    written = 0
    for path in traces:
        proto, conns = streams(path, direction)
        pre = prefix if prefix is not None else (b"P" if proto == "qmp" and direction == "c2s" else b"")
        base = os.path.splitext(os.path.basename(path))[0]
        for conn, pkts in sorted(conns.items()):
            name = os.path.join(outdir, "%s-conn%s.bin" % (base, conn))
            with open(name, "wb") as f:
                f.write(pre + b"".join(pkts))
            written += 1
            if extra and event_after is not None and direction == "s2c":
                k = min(event_after, len(pkts))
                # the events go to the callback this stream registered: its id is in the reply
                # to CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY (REMOTE procedure 316)
                ev = extra
                for p in pkts:
                    if len(p) >= 32 and p[4:8] == REMOTE and int.from_bytes(p[12:16], "big") == 316 \
                            and int.from_bytes(p[16:20], "big") == 1 and p[24:28] == b"\0\0\0\0":
                        ev = [e[:28] + p[28:32] + e[32:] if e[4:8] == REMOTE else e for e in extra]
                        break
                with open(name[:-4] + "-events.bin", "wb") as f:
                    f.write(pre + b"".join(pkts[:k] + ev + pkts[k:]))
                with open(name[:-4] + "-chaos.bin", "wb") as f:
                    f.write(pre + b"".join(pkts[:k] + CHAOS + pkts[k:]))
                written += 2
    print("trace2stream: %d seeds in %s" % (written, outdir))


if __name__ == "__main__":
    main(sys.argv[1:])
