"""Known differences of the QMP conformance targets: a case listed here for a target is a strict
xfail there (when the target starts to pass, the XPASS fails the run until the line goes).
Each entry is explained in docs/compatibility.md ("QMP: between QEMU releases").

Differences that are only a version-dependent value are not listed here: the case computes the
expected value from Target.version_tuple (with the QEMU commit that changed it cited there).
"""

# (target name, case id without the target, reason)
R_ENUM = ("QEMU 5.2's QAPI input visitor rejects an unknown enum value with \"Invalid parameter "
          "'VALUE'\"; 7.2 says \"Parameter 'NAME' does not accept value 'VALUE'\"")
R_ORDER = ("QEMU 5.2 sends the command's return before the RESET/POWERDOWN/SHUTDOWN event it "
           "causes; 7.2 and later emit the event first")
R_SCHEMA = ("fake-qemu/schemas holds only the 7.2.22 recording: no recorded schema of this "
            "release to compare with")
R_JSON = ("QEMU 11.1's JSON parser reports errors as 'LINE:COL: JSON parse error, ...' with "
          "new wording ('expecting key', \"expected ',' or '}'\", \"expecting ':'\")")
R_NEST = ("QEMU 11.1 answers 1025 nested arrays with the one 'JSON nesting depth limit "
          "exceeded' error only, not 7.2's 1 + 1025 errors")
R_MIGPAUSE = ("QEMU 10.0 and later: 'migrate-pause is currently only supported during "
              "postcopy-active or postcopy-recover state' (postcopy-recover was added to the text)")
R_MIGURI = ("QEMU 10.0 and later parse the migration URI themselves (migrate has 'channels'): "
            "'unknown migration protocol: bogus:x' instead of 7.2's \"Parameter 'uri' expects a "
            "valid migration protocol\"")
_JSON_CASES = ["test_trailing_garbage", "test_control_character_resets_parser",
               "test_parse_error_stray_byte_ff", "test_parse_error_control_in_string"] + [
    "test_parse_error[%s]" % i for i in (
        "brace-bracket", "bracket-brace", "missing-value", "bad-keyword", "bad-escape",
        "duplicate-key", "non-string-key", "missing-colon", "missing-comma-dict",
        "missing-comma-list", "bad-hex-escape")]

KNOWN = [
    ("qemu-bullseye", "test_bad_arguments_to_qmp_capabilities_not_rewritten", R_ENUM),
    ("qemu-bullseye", "test_argument_error[blockdev-add-args8-Parameter 'driver' does not accept "
     "value 'bogus']", R_ENUM),
    ("qemu-bullseye", "test_argument_error[migrate-set-capabilities-args20-Parameter "
     "'capability' does not accept value 'bogus']", R_ENUM),
    ("qemu-bullseye", "test_device_add_del_event_after_return",
     "QEMU 5.2 says \"Duplicate ID 'kbd0' for device\", 7.2 \"Duplicate device ID 'kbd0'\""),
    ("qemu-bullseye", "test_system_reset", R_ORDER),
    ("qemu-bullseye", "test_system_reset_while_paused_goes_prelaunch", R_ORDER),
    ("qemu-bullseye", "test_system_powerdown", R_ORDER),
    ("qemu-bullseye", "test_quit_shutdown_return_then_eof", R_ORDER),
    ("qemu-bullseye", "test_hmp_stop_cont_reset_powerdown_raise_events", R_ORDER),
    ("qemu-bullseye", "test_migrate_exec",
     "QEMU 5.2 starts a second migration from 'postmigrate'; 7.2 refuses it ('Can't migrate the "
     "vm that was paused due to previous migration')"),
    ("qemu-trixie", "test_negotiate_oob", R_MIGPAUSE),
    ("qemu-sid", "test_negotiate_oob", R_MIGPAUSE),
    ("qemu-trixie", "test_migrate_bad_uri", R_MIGURI),
    ("qemu-sid", "test_migrate_bad_uri", R_MIGURI),
    ("qemu-trixie", "test_device_add_errors[bad-id]",
     "QEMU 10.0 accepts the device id '9k' from QMP (no identifier check on that path)"),
    ("qemu-sid", "test_device_add_errors[bad-id]",
     "QEMU 11.1 says \"Invalid qdev ID '9k'\" instead of \"Parameter 'id' expects an "
     "identifier\""),
    ("qemu-sid", "test_nesting_1025_error_cascade", R_NEST),
] + [(t, c, R_SCHEMA) for t in ("qemu-bullseye", "qemu-trixie", "qemu-sid")
     for c in ("test_query_commands_matches_recording", "test_query_qmp_schema_matches_recording")
     ] + [("qemu-sid", c, R_JSON) for c in _JSON_CASES]


def case_id(node):
    """The case's id without the target parameter, e.g. test_id_echoed[string]."""
    callspec = getattr(node, "callspec", None)
    base = getattr(node, "originalname", None) or node.name.split("[")[0]
    if callspec is None:
        return base
    tname = callspec.params.get("target")
    pieces = callspec.id.split("-")
    if tname is not None:
        tp = str(tname).split("-")
        for i in range(len(pieces) - len(tp) + 1):
            if pieces[i:i + len(tp)] == tp:
                del pieces[i:i + len(tp)]
                break
    rest = "-".join(pieces)
    return f"{base}[{rest}]" if rest else base


def known_reason(target, node):
    cid = case_id(node)
    for tname, case, reason in KNOWN:
        if tname == target.name and case == cid:
            return reason
    return None
