"""SARIF 2.1.0 (what GitHub code scanning and other viewers read).

One run; `tool.driver.rules` lists every rule and engine code with its docs and default level;
each result names its rule by id and index, carries the finding's position, and a
`partialFingerprints["recipelint/v1"]` built from structured evidence (Finding.fingerprint).
Findings an inline comment suppressed stay in the log with
`suppressions: [{"kind": "inSource", "justification": <the comment's reason>}]`, so viewers
show them as suppressed rather than forgetting them.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from .common import display_path

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "recipelint/v1"


def _para(text: str) -> str:
    import textwrap  # here: only a SARIF report needs it

    return "\n\n".join(" ".join(p.split()) for p in textwrap.dedent(text or "").strip().split("\n\n"))


def rule_descriptor(r) -> dict:
    summary, why, fix = _para(r.summary), _para(r.why), _para(r.fix)
    probe = getattr(r, "probe", None)
    help_text = f"{summary}\n\nWhy: {why}\n\nFix: {fix}"
    help_md = f"{summary}\n\n**Why.** {why}\n\n**Fix.** {fix}"
    if probe:
        help_text += f"\n\nConfirm live: `recipelint confirm` runs the {probe} probe."
        help_md += f"\n\n**Confirm live.** `recipelint confirm` runs the `{probe}` probe."
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": why or summary},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": LEVELS.get(r.severity, "error")},
        "properties": {"class": r.category, "probe": probe, "tags": [r.category]},
    }


def _uri(path: str) -> str:
    p = path.replace(os.sep, "/")
    if os.path.isabs(path):
        return "file://" + quote(p)
    return quote(p)


def _result(f, index: int, roots: dict) -> dict:
    path = display_path(f, roots)
    loc: dict = {"artifactLocation": {"uri": _uri(path + ("/" if f.path == "." and not path.endswith("/") else ""))}}
    if f.line is not None:
        region = {"startLine": f.line}
        if f.column is not None:
            region["startColumn"] = f.column
        if f.end_line is not None and f.end_line >= f.line:
            region["endLine"] = f.end_line
            if f.end_column is not None and (f.end_line > f.line or (f.column or 1) <= f.end_column):
                region["endColumn"] = f.end_column
        loc["region"] = region
    res = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": LEVELS.get(f.severity, "error"),
        "message": {"text": f.message},
        "locations": [{"physicalLocation": loc}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"recipe": f.recipe, "service": f.service, "class": f.category, "probe": f.probe,
                       "fix": f.fix, "root": f.root, "path": f.path},
    }
    if f.suppressed is not None:
        res["suppressions"] = [{"kind": "inSource", "justification": f.suppressed.get("justification") or ""}]
    return res


def sarif_log(findings, *, roots: dict | None = None, recipes: list[str] = (), rules=None) -> dict:
    from recipelint import __version__

    roots = roots or {}
    if rules is None:
        from recipelint import engine

        rules = list(engine.discover()) + list(engine.META.values())
    descs = {r.code: r for r in rules}
    for f in findings:  # a code the table does not know (e.g. from a findings file) still gets an entry
        if f.code not in descs:
            descs[f.code] = type("Seen", (), {"code": f.code, "name": f.name, "severity": f.severity,
                                              "category": f.category, "summary": f.message, "why": "",
                                              "fix": f.fix, "probe": f.probe})
    codes = sorted(descs)
    index = {c: i for i, c in enumerate(codes)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "recipelint", "version": __version__, "semanticVersion": __version__,
                                "rules": [rule_descriptor(descs[c]) for c in codes]}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.code], roots) for f in findings],
            "properties": {"recipes": list(recipes)},
        }],
    }


def render_sarif(findings, *, roots: dict | None = None, recipes: list[str] = (), rules=None, **_ignored) -> str:
    import json

    return json.dumps(sarif_log(findings, roots=roots, recipes=recipes, rules=rules), indent=2) + "\n"
