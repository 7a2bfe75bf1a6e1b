"""Known differences: (target, case) -> the reason, each explained in docs/compatibility.md.

A listed case is marked xfail(strict=True) on that target: the matrix shows it as "known", and the
day the target starts to behave like the reference the case XPASSes, fails, and its line here must
go. Targets are matched by name ("fake") or by prefix ("bullseye-" matches every bullseye daemon).
"""

KNOWN = {
    ("fake", "test_scheduler_type"):
        "fake-libvirtd does not implement DOMAIN_GET_SCHEDULER_TYPE (56): unknown procedure",
    ("fake", "test_set_memory"):
        "fake-libvirtd does not implement DOMAIN_SET_MEMORY (31): unknown procedure",
    ("fake", "test_invalid_operation[xml-bad-flags]"):
        "fake-libvirtd accepts unknown DOMAIN_GET_XML_DESC flags; libvirtd refuses them "
        "(VIR_ERR_INVALID_ARG 8, 'unsupported flags (0x100000) in function testDomainGetXMLDesc')",
    ("fake", "test_open_missing_config"):
        "fake-libvirtd opens any test:/// URI with its default state; libvirtd loads the path as a "
        "test driver config file and fails when it does not exist",
}


def known_reason(target, case):
    for (t, c), reason in KNOWN.items():
        if c == case and (t == target or (t.endswith("-") and target.startswith(t))):
            return reason
    return None
