#!/usr/bin/python3
"""gen_procs.py: writes the procedure table from proto/procedures.list and our .x files.

    gen_procs.py LIST OUT_H OUT_C X_FILE...

OUT_H gets one enum per program (VW_REMOTE_PROC_<NAME> = number, ..., VW_<PROG>_PROC_MAX);
OUT_C gets the rows of the table proto/procs.c searches: number, name, public API name and the
error domain libvirt reports it in, flags, and the XDR codecs of the procedures whose structs
our .x files describe (vw_<name>_args / _ret / _msg). Any inconsistency stops the build with
the file and line it comes from.
"""
import re
import sys

PROGRAMS = {"REMOTE": "VW_REMOTE_PROGRAM", "QEMU": "VW_QEMU_PROGRAM",
            "LXC": "VW_LXC_PROGRAM", "KEEPALIVE": "VW_KEEPALIVE_PROGRAM"}
PROGRAM_ORDER = ["LXC", "REMOTE", "QEMU", "KEEPALIVE"]    # by program number, for bsearch
STRUCT_PREFIX = {"REMOTE": "vw_", "QEMU": "vw_qemu_", "LXC": "vw_lxc_",
                 "KEEPALIVE": "vw_keepalive_"}
FLAGS = {"event", "xdr", "ro", "auth", "prio", "stream"}

# Words libvirt's public API names spell other than Capitalised.
WORDS = {"XML": "XML", "UUID": "UUID", "ID": "ID", "URI": "URI", "OS": "OS", "CPU": "CPU",
         "PM": "PM", "NMI": "NMI", "MAC": "MAC", "NWFILTER": "NWFilter", "NWFILTERS": "NWFilters",
         "IOTHREAD": "IOThread",
         "FSTRIM": "FSTrim", "FSFREEZE": "FSFreeze", "FSTHAW": "FSThaw", "FSINFO": "FSInfo",
         "DHCP": "DHCP", "SCSI": "SCSI", "WWN": "WWN", "SEV": "SEV", "SSH": "SSH", "FD": "FD"}
# libvirt-qemu.c and libvirt-lxc.c put the program after "Domain": virDomainQemuAttach.
API_INFIX = {"QEMU": "Qemu", "LXC": "Lxc"}

# virErrorDomain of the libvirt-*.c file a public API lives in (its VIR_FROM_THIS).
FROM_NONE, FROM_DOMAIN, FROM_STORAGE, FROM_NETWORK, FROM_NODEDEV = 0, 20, 18, 19, 22
FROM_INTERFACE, FROM_SECRET, FROM_NWFILTER, FROM_SNAPSHOT, FROM_CHECKPOINT = 26, 30, 33, 35, 69
OBJECT_DOMAINS = [("NWFILTER", FROM_NWFILTER), ("SECRET", FROM_SECRET),
                  ("NODE_DEVICE", FROM_NODEDEV), ("NODE_NUM_OF_DEVICES", FROM_NODEDEV),
                  ("NODE_LIST_DEVICES", FROM_NODEDEV), ("SNAPSHOT", FROM_SNAPSHOT),
                  ("CHECKPOINT", FROM_CHECKPOINT), ("STORAGE_", FROM_STORAGE),
                  ("NETWORK", FROM_NETWORK)]


def fail(where, msg):
    sys.exit("gen_procs.py: %s: %s" % (where, msg))


def api_name(prog, name):
    words = [WORDS.get(w, w[:1] + w[1:].lower()) for w in name.split("_")]
    if prog in API_INFIX:
        at = words.index("Domain") + 1
        words.insert(at, API_INFIX[prog])
    return "vir" + "".join(words)


def error_domain(prog, name):
    """The error domain of the file the API is in (libvirt-domain.c, libvirt-network.c, ...)."""
    if prog != "REMOTE":
        return FROM_NONE
    if (name.startswith("INTERFACE_")
            or re.match(r"CONNECT_(NUM_OF|LIST)_(ALL_|DEFINED_)?INTERFACES", name)):
        return FROM_INTERFACE
    for word, dom in OBJECT_DOMAINS:
        if word in name:
            return dom
    return FROM_DOMAIN   # libvirt-domain.c and libvirt-host.c both report VIR_FROM_DOMAIN


def version_number(where, text):
    """'11.3.0' -> 11003000, libvirt's own encoding (virConnectGetLibVersion)."""
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    if not m or int(m.group(2)) > 999 or int(m.group(3)) > 999:
        fail(where, "bad release %r (expected X.Y.Z)" % text)
    return int(m.group(1)) * 1000000 + int(m.group(2)) * 1000 + int(m.group(3))


def read_list(path):
    rows, seen = [], set()
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            where = "%s:%d" % (path, lineno)
            parts = line.split()
            if len(parts) < 3 or parts[0] not in PROGRAMS or not parts[1].isdigit():
                fail(where, "expected 'PROGRAM NUMBER NAME [FLAG ...]'")
            prog, num, name = parts[0], int(parts[1]), parts[2]
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                fail(where, "bad procedure name %r" % name)
            flags, api, since = set(), None, {"since": 0, "test": 0, "until": 0}
            for fl in parts[3:]:
                if fl.startswith("api="):
                    api = fl[4:]
                elif fl.split("=", 1)[0] in since:
                    key, text = fl.split("=", 1)
                    since[key] = version_number(where, text)
                elif fl in FLAGS:
                    flags.add(fl)
                else:
                    fail(where, "unknown flag %r" % fl)
            for key in ((prog, num), (prog, name)):
                if key in seen:
                    fail(where, "%s %s appears twice" % key)
                seen.add(key)
            rows.append({"prog": prog, "num": num, "name": name, "flags": flags,
                         "api": api or api_name(prog, name), "where": where,
                         "since": since["since"], "test": since["test"],
                         "until": since["until"]})
    return rows


def read_structs(paths):
    """Every struct of the .x files with its fields [(type, name, array suffix)], and every
    plain alias (typedef A B;) as B -> A."""
    structs, aliases = {}, {}
    for p in paths:
        with open(p) as f:
            text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        for name, body in re.findall(r"^\s*struct\s+(\w+)\s*\{(.*?)\};", text, re.M | re.S):
            structs[name] = re.findall(
                r"((?:unsigned\s+)?\w+)\s+(\w+)\s*([<\[][^>\]]*[>\]])?\s*;", body)
        for a, b in re.findall(r"^\s*typedef\s+(\w+)\s+(\w+)\s*;", text, re.M):
            aliases[b] = a
    return structs, aliases


def resolve(structs, aliases, name):
    while name in aliases and name not in structs:
        name = aliases[name]
    return structs.get(name)


# Field description letters for the stubs' generic XDR <-> JSON walker (fake-libvirtd/stubs.c).
FIELD_LETTERS = {"vw_nonnull_string": "s", "vw_string": "S", "vw_uuid": "U", "int": "i",
                 "unsigned int": "u", "hyper": "h", "unsigned hyper": "H",
                 "vw_nonnull_domain": "D", "vw_domain": "d", "vw_nonnull_network": "N",
                 "vw_nonnull_storage_pool": "P", "vw_nonnull_storage_vol": "V",
                 "vw_nonnull_domain_snapshot": "M", "vw_nonnull_domain_checkpoint": "M"}


def field_spec(fields):
    """'Ddom uflags' for the leading fields the walker can describe; partial when a field it
    cannot (arrays, typed parameters, char arrays) stops the description."""
    out = []
    for ftype, fname, suffix in fields:
        letter = FIELD_LETTERS.get(re.sub(r"\s+", " ", ftype))
        if suffix or not letter:
            return " ".join(out), True
        out.append(letter + fname)
    return " ".join(out), False


def struct_name(row, suffix):
    return STRUCT_PREFIX[row["prog"]] + row["name"].lower() + "_" + suffix


def codec(xdr, row, suffix):
    s = struct_name(row, suffix)
    if resolve(*xdr, s) is not None:
        return "CODEC(%s)" % s
    return "EMPTY"


def c_string(s):
    return "NULL" if s is None else '"%s"' % s


def stub_specs(xdr, row):
    """The argument description (may be partial) and the return description (only when the
    walker can write all of it) of a described CALL, as C expressions."""
    if "xdr" not in row["flags"] or "event" in row["flags"]:
        return "NULL, false, NULL"
    args = resolve(*xdr, struct_name(row, "args"))
    ret = resolve(*xdr, struct_name(row, "ret"))
    aspec, apartial = field_spec(args) if args else (None, False)
    rspec, rpartial = field_spec(ret) if ret else (None, False)
    if aspec == "":
        aspec = None
    if rpartial or rspec == "":
        rspec = None
    return "%s, %s, %s" % (c_string(aspec), str(apartial).lower(), c_string(rspec))


def c_row(row, xdr):
    fl = row["flags"]
    args = ret = msg = "NONE"
    if "xdr" in fl and "event" in fl:
        msg = codec(xdr, row, "msg")
    elif "xdr" in fl:
        args, ret = codec(xdr, row, "args"), codec(xdr, row, "ret")
    api = "NULL" if "event" in fl or "auth" in fl else '"%s"' % row["api"]
    kind = "VW_PROC_KIND_EVENT" if "event" in fl else "VW_PROC_KIND_CALL"
    return ('    { %s, VW_%s_PROC_%s, "%s", %s, %s, %d, %s, %s, %s, %s, %s, %s, %s, %s, %du, %du, %du },'
            % (PROGRAMS[row["prog"]], row["prog"], row["name"], row["name"], kind, api,
               error_domain(row["prog"], row["name"]), str("ro" in fl).lower(),
               str("prio" in fl).lower(),
               str("xdr" in fl).lower(), str("auth" in fl).lower(), args, ret, msg,
               stub_specs(xdr, row), row["since"], row["test"], row["until"]))


def write_header(rows, path):
    out = ["/* Generated by proto/gen_procs.py from proto/procedures.list: do not edit. */",
           "#ifndef VW_PROCEDURES_H", "#define VW_PROCEDURES_H", ""]
    for prog in ["REMOTE", "QEMU", "LXC", "KEEPALIVE"]:
        mine = [r for r in rows if r["prog"] == prog]
        out.append("enum vw_%s_procedure {" % prog.lower())
        out += ["    VW_%s_PROC_%s = %d," % (prog, r["name"], r["num"]) for r in mine]
        lower = prog.lower()
        out += ["};", "typedef enum vw_%s_procedure vw_%s_procedure;" % (lower, lower),
                "#define VW_%s_PROC_MAX %d" % (prog, max(r["num"] for r in mine)), ""]
    out.append("#endif")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def write_table(rows, xdr, path):
    out = ["/* Generated by proto/gen_procs.py from proto/procedures.list and the .x files:",
           " * do not edit. Sorted by program number, then procedure number. */",
           '#include "procs.h"', "",
           "#define CODEC(t) (xdrproc_t)xdr_##t, sizeof(t)",
           "#define EMPTY VW_XDR_VOID, 0", "#define NONE NULL, 0", "",
           "const vw_proc_info vw_proc_table[] = {"]
    order = sorted(rows, key=lambda r: (PROGRAM_ORDER.index(r["prog"]), r["num"]))
    out += [c_row(r, xdr) for r in order]
    out += ["};", "",
            "const size_t vw_proc_table_len = sizeof(vw_proc_table) / sizeof(vw_proc_table[0]);"]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main(argv):
    if len(argv) < 5:
        sys.exit("usage: gen_procs.py LIST OUT_H OUT_C X_FILE...")
    rows = read_list(argv[1])
    xdr = read_structs(argv[4:])
    write_header(rows, argv[2])
    write_table(rows, xdr, argv[3])


if __name__ == "__main__":
    main(sys.argv)
