"""Catalogue sweeps: lint every recipe under one or more directories (like ~/.abra/recipes).

API (also used by `recipelint report --catalogue`):

    discover_recipes(dirs) -> list[Path]
    lint_catalogue(paths, *, overlay=None, select=(), ignore=(), jobs=None, cache=True)
        -> list[(path, recipe_name, findings, error_or_None)]
"""

from __future__ import annotations

from pathlib import Path


def discover_recipes(dirs) -> list[Path]:
    """Every recipe directly under each DIR: a subdirectory holding compose.yml, sorted by name."""
    out: list[Path] = []
    seen: set[Path] = set()
    for d in dirs:
        d = Path(d)
        try:
            entries = sorted(d.iterdir(), key=lambda p: p.name)
        except OSError:
            continue
        for e in entries:
            if e.name.startswith(".") or not (e / "compose.yml").is_file():
                continue
            key = e.resolve()
            if key not in seen:
                seen.add(key)
                out.append(e)
    return out


def lint_catalogue(paths, *, overlay=None, select=(), ignore=(), jobs=None, cache=True):
    """Lint each recipe path; one (path, recipe_name, findings, error_or_None) per path, in order."""
    from . import engine
    from .model import NotARecipe, Recipe

    rules = engine.discover()
    sel = engine.split_codes(select)
    ign = engine.split_codes(ignore)
    chosen = engine.select(rules, sel, ign)
    results = []
    for p in paths:
        p = Path(p)
        try:
            r = Recipe.load(p, overlay_root=overlay)
        except NotARecipe as exc:
            results.append((p, p.name, [], str(exc)))
            continue
        results.append((p, r.name, engine.run(r, chosen, select_=sel, ignore=ign), None))
    return results
