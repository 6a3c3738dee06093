"""Every fixtures/rules/B00x fixture: a valid-* one has no finding of its code, an invalid-* one has
exactly the B findings listed here (its own code at an exact position, and any companion)."""

from pathlib import Path

import pytest

from recipelint import engine
from recipelint.model import Recipe

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "rules"

# fixture -> every B finding it must produce: (code, path, line, col)
EXPECTED = {
    "B001/valid-script-roundtrip": [],
    "B001/invalid-mysql-no-replay": [("B001", "compose.yml", 11, 12)],
    "B002/valid-dump-only": [],
    "B002/invalid-pgdata-volume": [("B002", "compose.yml", 10, 9)],  # the app's backupbot.backup
    "B003/valid-dump-in-volume": [],
    "B003/invalid-dump-in-tmp": [("B003", "compose.yml", 11, 9)],
    "B004/valid-one-enabler": [],
    "B004/invalid-two-enablers": [("B004", "compose.yml", 17, 12)],  # db's label, not app's
    "B005/valid-known-labels": [],
    # the misspelt post-hook is ignored by backupbot, so the sqlite dump is not replayed either
    "B005/invalid-misspelt-post-hook": [("B001", "compose.yml", 11, 9), ("B005", "compose.yml", 13, 9)],
}


def _found():
    return sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("B*/*") if p.is_dir())


def test_every_fixture_is_listed_and_every_code_has_both_kinds():
    assert _found() == sorted(EXPECTED)
    for code in ("B001", "B002", "B003", "B004", "B005"):
        kinds = {name.split("/", 1)[1].split("-", 1)[0] for name in EXPECTED if name.startswith(code + "/")}
        assert kinds == {"valid", "invalid"}, code


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    code, slug = name.split("/", 1)
    recipe = Recipe.load(FIXTURES / code / slug)
    findings = engine.run(recipe, engine.discover())
    assert [f for f in findings if f.code.startswith("E")] == []
    got = sorted((f.code, f.path, f.line, f.column) for f in findings if f.code.startswith("B"))
    if slug.startswith("valid-"):
        assert [g for g in got if g[0] == code] == []
    else:
        assert [g for g in got if g[0] == code], f"{code} does not fire on {name}"
    assert got == sorted(EXPECTED[name])
