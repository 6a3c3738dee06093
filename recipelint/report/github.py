"""GitHub Actions workflow commands: one annotation per finding.

`::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=CODE name::message`; warnings become
`::warning`, info findings `::notice`. Paths are as given on the command line (run from the
repository root so they match the checkout). A plain summary line follows for the log.
"""

from __future__ import annotations

from .common import display_path, severity_counts, shown

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(f, roots: dict) -> str:
    props = [f"file={_prop(display_path(f, roots))}"]
    if f.line is not None:
        props.append(f"line={f.line}")
        if f.column is not None:
            props.append(f"col={f.column}")
        if f.end_line is not None:
            props.append(f"endLine={f.end_line}")
            if f.end_column is not None:
                props.append(f"endColumn={f.end_column}")
    props.append(f"title={_prop(f'{f.code} {f.name}')}")
    body = f.message + (f"\n\nfix: {f.fix}" if f.fix else "")
    return f"::{LEVELS.get(f.severity, 'error')} {','.join(props)}::{_data(body)}"


def render_github(findings, *, roots: dict | None = None, recipes: list[str] = (), **_ignored) -> str:
    roots = roots or {}
    findings = shown(findings)
    out = [annotation(f, roots) for f in findings]
    nrec = len(recipes)
    out.append(f"recipelint: {severity_counts(findings)} in {nrec} recipe{'s' if nrec != 1 else ''}")
    return "\n".join(out) + "\n"
