"""R012 autofix: vendor a config version in abra.sh, declare a secret version in .env.sample.

Only for a variable that is set nowhere: `export X_VERSION=v1` goes into abra.sh (created if
missing), `SECRET_X_VERSION=v1` into .env.sample. A config version that only `.env.sample` sets is
refused: every existing app keeps its own copy in its `.env`, so moving it is a release decision.
"""

from __future__ import annotations

import re

from .edits import Edit, Refuse, add_assignment

_WHAT = re.compile(r"^(?P<kind>config|secret) '(?P<key>[^']+)': (?P<var>[A-Za-z_][A-Za-z0-9_]*) ")


def fix(recipe, f) -> tuple[list[Edit], str]:
    m = _WHAT.match(f.message)
    if not m:
        raise Refuse("cannot tell which variable the finding is about; re-run check")
    kind, var = m.group("kind"), m.group("var")
    if var in recipe.abra:
        raise Refuse(f"abra.sh already exports {var}; re-run check")
    set_in_sample = any(a.name == var for a in recipe.env.assigns)
    if kind == "config":
        if set_in_sample:
            raise Refuse(f"{var} is set in .env.sample, which every app copied into its own .env; move it to "
                         "abra.sh by hand (and bump it) in a release")
        return [add_assignment(recipe, "abra.sh", var, "v1", export=True)], f"abra.sh exports {var}=v1"
    if set_in_sample:
        raise Refuse(f".env.sample already sets {var}; re-run check")
    return [add_assignment(recipe, ".env.sample", var, "v1", export=False)], f".env.sample sets {var}=v1"
