"""Tests generated from every rule's VALID and INVALID examples (Fixit style)."""

import re

import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.rule import CATEGORIES, SEVERITIES
from recipelint.testing import materialise

RULES = engine.discover()
CASES = [
    pytest.param(rule, kind, ex, id=f"{rule.code}-{kind}-{i}")
    for rule in RULES
    for kind in ("valid", "invalid")
    for i, ex in enumerate(getattr(rule, kind), start=1)
]


def _expected(ex):
    out = []
    for e in ex.expect:
        if len(e) == 2:
            out.append(("compose.yml", e[0], e[1]))
        else:
            out.append(tuple(e))
    return sorted(out)


@pytest.mark.parametrize("rule,kind,ex", CASES)
def test_example(tmp_path, rule, kind, ex):
    recipe_dir, overlay = materialise(ex, tmp_path, "example")
    recipe = Recipe.load(recipe_dir, overlay_root=overlay)
    findings = engine.run(recipe, [rule])
    broken = [f"{f.code} {f.path}:{f.line}:{f.column} {f.message}" for f in findings if f.code.startswith("E")]
    assert broken == [], "example does not load cleanly"
    mine = sorted((f.path, f.line, f.column) for f in findings if f.code == rule.code)
    if kind == "valid":
        assert mine == [], f"{rule.code} fired on a VALID example ({ex.note})"
    else:
        assert ex.expect, "an INVALID example must say where it fires"
        assert mine == _expected(ex), f"{rule.code} INVALID example ({ex.note})"


def test_catalogue_is_not_empty():
    assert len(RULES) >= 1


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_metadata(rule):
    assert re.fullmatch(r"[A-Z]\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name)
    assert rule.severity in SEVERITIES
    assert rule.category in CATEGORIES
    assert rule.summary.strip() and rule.why.strip() and rule.fix.strip()
    assert rule.valid and rule.invalid, "every rule ships VALID and INVALID examples"


def test_codes_and_names_are_unique():
    codes = [r.code for r in RULES] + list(engine.META)
    names = [r.name for r in RULES] + [m.name for m in engine.META.values()]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
