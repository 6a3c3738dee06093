"""The versioned JSON envelope documented by schemas/findings.schema.json."""

from __future__ import annotations

SCHEMA_VERSION = 1
FIELDS = ("code", "name", "severity", "class", "recipe", "path", "line", "column", "end_line", "end_column",
          "service", "message", "fix", "probe", "root", "fingerprint", "data")


def finding_dict(f) -> dict:
    return {
        "code": f.code, "name": f.name, "severity": f.severity, "class": f.category, "recipe": f.recipe,
        "path": f.path, "line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column,
        "service": f.service, "message": f.message, "fix": f.fix, "probe": f.probe, "root": f.root,
        "fingerprint": f.fingerprint, "data": f.data,
    }


def envelope(findings, *, recipes: list[str] = (), extra: dict | None = None, **_ignored) -> dict:
    from recipelint import __version__

    suppressed = [f for f in findings if getattr(f, "suppressed", None) is not None]
    findings = [f for f in findings if getattr(f, "suppressed", None) is None]
    by_sev = {"error": 0, "warning": 0, "info": 0}
    by_code: dict[str, int] = {}
    for f in findings:
        by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
        by_code[f.code] = by_code.get(f.code, 0) + 1
    env = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "recipelint", "version": __version__},
        "findings": [finding_dict(f) for f in findings],
        "summary": {"findings": len(findings), "by_severity": by_sev, "by_code": dict(sorted(by_code.items())),
                    "recipes": list(recipes)},
    }
    if suppressed:  # only when an inline comment suppressed something (schema: optional)
        env["suppressed"] = [dict(finding_dict(f), suppression={"kind": f.suppressed.get("kind", "inSource"),
                                                               "justification": f.suppressed.get("justification")
                                                               or ""}) for f in suppressed]
    if extra:
        env.update(extra)
    return env


def render_json(findings, **kw) -> str:
    import json  # here: a text report does not need it

    return json.dumps(envelope(findings, **kw), indent=2, sort_keys=False) + "\n"
