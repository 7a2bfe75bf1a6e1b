"""Known differences of the QMP conformance targets: a case listed here for a target is a strict
xfail there (when the target starts to pass, the XPASS fails the run until the line goes).
Each entry is explained in docs/compatibility.md ("QMP: between QEMU releases").

Differences that are only a version-dependent value are not listed here: the case computes the
expected value from Target.version_tuple (with the QEMU commit that changed it cited there).
"""

from case_results import case_id

# (target name, case id without the target, reason)
R_FAKE_JSON = ("fake-qemu parses JSON with proto/qmp_json.c, which has QEMU 7.2's parse errors; "
               "11.1's 'LINE:COL: JSON parse error, ...' texts are not modelled")
R_FAKE_NEST = ("fake-qemu's JSON streamer answers 1025 nested arrays as 7.2 does (1 + 1025 "
               "errors); 11.1's single error is not modelled")
_JSON_CASES = ["test_trailing_garbage", "test_control_character_resets_parser",
               "test_parse_error_stray_byte_ff", "test_parse_error_control_in_string"] + [
    "test_parse_error[%s]" % i for i in (
        "brace-bracket", "bracket-brace", "missing-value", "bad-keyword", "bad-escape",
        "duplicate-key", "non-string-key", "missing-colon", "missing-comma-dict",
        "missing-comma-list", "bad-hex-escape")]

KNOWN = [
    ("fake-11.1", "test_nesting_1025_error_cascade", R_FAKE_NEST),
] + [("fake-11.1", c, R_FAKE_JSON) for c in _JSON_CASES]


def known_reason(target, node):
    cid = case_id(node)
    for tname, case, reason in KNOWN:
        if tname == target.name and case == cid:
            return reason
    return None
