"""Findings read back from a `check --format json` report (what `recipelint confirm --findings` takes).

A finding's fingerprint rests on its node identity (recipelint/identity.py), which the report does not
carry: it is worked out again here from the recipe as it is now, exactly as `check` works it out (the
files the findings point at are parsed, then identity.assign numbers findings that share all evidence
over the same set check numbered: the recipe's findings and its suppressed ones). When the recipe has
not changed since the report, every fingerprint comes out as the report's; one that does not names a
finding whose file changed under it, and the caller says so.
"""

from __future__ import annotations

_FIELDS = ("code", "name", "severity", "path", "line", "column", "end_line", "end_column", "service",
           "message", "fix", "probe")


class ReportError(ValueError):
    """The file is not a findings report."""


def findings_from_report(recipe, data) -> tuple[list, list]:
    """(findings, changed) for ``recipe`` from a parsed JSON report (the envelope, or a bare list of
    findings). ``changed`` holds the findings whose fingerprint differs from the report's."""
    from .identity import assign
    from .rule import Finding

    if isinstance(data, dict):
        rows, hidden = data["findings"], data.get("suppressed") or []
    elif isinstance(data, list):
        rows, hidden = data, []
    else:
        raise ReportError("neither a report envelope nor a list of findings")
    built = []  # (finding, the report's fingerprint, is it one to confirm)
    for group, active in ((rows, True), (hidden, False)):
        if not isinstance(group, list):
            raise ReportError("'findings' is not a list")
        for d in group:
            if not isinstance(d, dict):
                raise ReportError("a finding is not an object")
            if d.get("recipe") not in (recipe.name, None):
                continue
            kw = {k: d.get(k) for k in _FIELDS}
            f = Finding(category=d.get("class", ""), root=d.get("root", "recipe"), data=d.get("data") or {},
                        recipe=recipe.name, **kw)
            built.append((f, d.get("fingerprint"), active))
    findings = [f for f, _, _ in built]
    for f in findings:  # parse what check had parsed for them: identity reads only parsed trees and texts
        if f.root == "recipe" and isinstance(f.path, str) and f.line is not None:
            if f.path.endswith((".yml", ".yaml")):
                recipe.yaml(f.path)
            else:
                recipe.read(f.path)
    tests = recipe.overlay_tests if any(f.root != "recipe" for f in findings) else ()
    assign(recipe, findings, tests)
    changed = [f for f, fp, active in built if active and fp is not None and f.fingerprint != fp]
    return [f for f, _, active in built if active], changed
