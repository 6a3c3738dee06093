"""`recipelint fix RECIPE`: the diff on standard output, what was done (and refused) on standard error.

Exit codes: with --apply, 0 if nothing at the failing severity remains after the fix, else 1; in
diff mode the recipe is unchanged, so 0 only if it has nothing at the failing severity now (a
pending fix fails, as `check` would). 2: usage error.
"""

from __future__ import annotations

from ..config import SEVERITY_RANK


def run_fix(recipe, rules, *, select_=(), ignore=(), write=False, fail_on="error", root_label=None,
            out=print, err=print) -> int:
    from recipelint import engine

    from . import FIXED, NO_FIX, REFUSED, plan

    label = root_label or str(recipe.root)
    findings = engine.run(recipe, rules, select_=select_, ignore=ignore)
    fp = plan(recipe, findings)
    diff = fp.diff()
    if diff:
        out(diff.rstrip("\n"))
    counts = {FIXED: 0, REFUSED: 0, NO_FIX: 0}
    for o in fp.outcomes:
        counts[o.status] += 1
        f = o.finding
        where = f"{f.path}:{f.line}:{f.column}" if f.line is not None else f.path
        if o.status == FIXED:
            err(f"fix: {where}: {f.code} fixed: {o.note}")
        elif o.status == REFUSED:
            err(f"fix: {where}: {f.code} refused: {o.note}")
    if fp.changed_overlay:
        err(f"fix: the diff of {', '.join(fp.changed_overlay)} is relative to the overlay root "
            f"{str(recipe.overlay_root).rstrip('/')}")
    if write and fp.any_changed:
        for root, rel in fp.write_all():
            base = label if root == "recipe" else str(recipe.overlay_root)
            err(f"fix: wrote {base.rstrip('/')}/{rel}")
    elif fp.any_changed:
        err("fix: diff only, nothing written (use --apply to write it)")
    remaining = fp.relint(rules, select_=select_, ignore=ignore) if fp.any_changed else findings
    n = len(remaining)
    verb = ("remain" if n != 1 else "remains") if write or not fp.any_changed else "would remain"
    err(f"fix: {counts[FIXED]} fixed, {counts[REFUSED]} refused, {counts[NO_FIX]} without an autofix; "
        f"{n} finding{'s' if n != 1 else ''} {verb}" + (":" if remaining else ""))
    for f in remaining:
        where = f"{f.path}:{f.line}:{f.column}" if f.line is not None else f.path
        err(f"  {where}: {f.code} [{f.name}] {f.message}")
    threshold = SEVERITY_RANK[fail_on]
    failing = [f for f in (remaining if write else findings) if SEVERITY_RANK.get(f.severity, 2) >= threshold]
    return 1 if failing else 0
