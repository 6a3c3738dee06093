"""What the formatters share: where a finding is, and which findings a format shows."""

from __future__ import annotations

import os


def shown(findings) -> list:
    """The findings a report lists as problems: not those an inline comment suppressed."""
    return [f for f in findings if getattr(f, "suppressed", None) is None]


def display_path(f, roots: dict) -> str:
    """The finding's file as the user named it: the recipe (or overlay) path given on the command line
    joined with the finding's relative path, normalised (`./compose.yml` -> `compose.yml`)."""
    base = roots.get((f.recipe, f.root), "")
    if f.path == ".":
        return base or "."
    return os.path.normpath(os.path.join(base, f.path)) if base else f.path


def severity_counts(findings) -> str:
    """`3 findings (1 error, 2 warnings) in 2 recipes` without the recipes part."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    n = len(findings)
    parts = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info")
                      if s in counts)
    return f"{n} finding{'s' if n != 1 else ''}" + (f" ({parts})" if parts else "")


def read_source(f, roots: dict, cache: dict) -> list[str] | None:
    """The lines of the finding's file, read once per report (None when it cannot be read)."""
    if f.path == ".":
        return None
    p = display_path(f, roots)
    if p not in cache:
        try:
            with open(p, encoding="utf-8") as fh:
                cache[p] = fh.read().splitlines()
        except (OSError, UnicodeDecodeError):
            cache[p] = None
    return cache[p]
