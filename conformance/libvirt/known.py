"""Known differences: (target, case) -> the reason, each explained in docs/compatibility.md.

A listed case is marked xfail(strict=True) on that target: the matrix shows it as "known", and the
day the target starts to behave like the reference the case XPASSes, fails, and its line here must
go. Targets are matched by name ("fake") or by prefix ("bullseye-" matches every bullseye daemon,
"replay-" every replay target: a case a replay cannot reproduce by nature belongs here, with its
reason in docs/compatibility.md, "Between a release and its replay").
"""

KNOWN = {
}


def known_reason(target, case):
    for (t, c), reason in KNOWN.items():
        if c == case and (t == target or (t.endswith("-") and target.startswith(t))):
            return reason
    return None
