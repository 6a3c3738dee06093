"""`path:line:col: CODE [name] message`, one line per finding, then a summary."""

from __future__ import annotations

import os


def location(f, roots: dict) -> str:
    base = roots.get((f.recipe, f.root), "")
    path = os.path.normpath(os.path.join(base, f.path)) if base and f.path != "." else (base or f.path)
    if f.line is None:
        return path
    return f"{path}:{f.line}:{f.column}"


def render_text(findings, *, roots: dict | None = None, recipes: list[str] = (), show_fix: bool = False,
                **_ignored) -> str:
    roots = roots or {}
    out = []
    for f in findings:
        line = f"{location(f, roots)}: {f.code} [{f.name}] {f.message}"
        out.append(line)
        if show_fix and f.fix:
            out.append(f"    fix: {f.fix}")
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    n = len(findings)
    parts = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info")
                      if s in counts)
    nrec = len(recipes)
    summary = f"{n} finding{'s' if n != 1 else ''}" + (f" ({parts})" if parts else "") + \
        f" in {nrec} recipe{'s' if nrec != 1 else ''}"
    out.append(summary)
    return "\n".join(out) + "\n"
