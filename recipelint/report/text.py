"""Text reports.

concise (the default): `path:line:col: CODE [name] message`, one line per finding, then a summary.
full: the same header, then the source line with a caret under the offending node, and the fix.
"""

from __future__ import annotations

from .common import display_path, read_source, severity_counts, shown


def location(f, roots: dict) -> str:
    path = display_path(f, roots)
    if f.line is None:
        return path
    return f"{path}:{f.line}:{f.column}" if f.column is not None else f"{path}:{f.line}"


def summary(findings, recipes) -> str:
    nrec = len(recipes)
    return severity_counts(findings) + f" in {nrec} recipe{'s' if nrec != 1 else ''}"


def render_text(findings, *, roots: dict | None = None, recipes: list[str] = (), show_fix: bool = False,
                **_ignored) -> str:
    roots = roots or {}
    findings = shown(findings)
    out = []
    for f in findings:
        out.append(f"{location(f, roots)}: {f.code} [{f.name}] {f.message}")
        if show_fix and f.fix:
            out.append(f"    fix: {f.fix}")
    out.append(summary(findings, recipes))
    return "\n".join(out) + "\n"


def snippet(f, lines: list[str] | None) -> list[str]:
    """The offending line, numbered, with carets from the column to the node's end on that line."""
    if lines is None or f.line is None or not 0 < f.line <= len(lines):
        return []
    src = lines[f.line - 1].rstrip("\n")
    width = len(str(f.line))
    gutter = " " * width + " |"
    out = [gutter, f"{f.line} | {src}"]
    if f.column is not None and 0 < f.column <= len(src) + 1:
        start = f.column - 1
        if f.end_line == f.line and f.end_column and f.end_column > f.column:
            end = min(f.end_column - 1, len(src))
        else:
            end = len(src.rstrip())
        end = max(end, start + 1)
        lead = "".join(c if c == "\t" else " " for c in src[:start])
        out.append(f"{gutter} {lead}{'^' * (end - start)}")
    return out


def render_full(findings, *, roots: dict | None = None, recipes: list[str] = (), **_ignored) -> str:
    roots = roots or {}
    findings = shown(findings)
    cache: dict = {}
    out = []
    for f in findings:
        out.append(f"{location(f, roots)}: {f.code} [{f.name}] {f.severity}: {f.message}")
        lines = snippet(f, read_source(f, roots, cache))
        out.extend("  " + ln for ln in lines)
        if f.fix:
            out.append(f"  = fix: {f.fix}")
        if f.probe:
            out.append(f"  = confirm live: recipelint confirm (probe {f.probe})")
        out.append("")
    out.append(summary(findings, recipes))
    return "\n".join(out) + "\n"
