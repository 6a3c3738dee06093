"""Every fixtures/rules/C00x and T00x fixture: a valid-* one has no finding of its code, an invalid-*
one has exactly the C/T findings listed here. T fixtures describe a git history (history.yml plus
one folder per tree, as fixtures/git/) and their overlay tests (overlay/app/...); they are built
into tmp_path as a recipe named `app`."""

import importlib.util
import os
from pathlib import Path

import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.testing import build_repo

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "rules"

# fixture -> every C/T finding it must produce: (code, path, line, col, a piece of the message)
EXPECTED = {
    "C001/valid-readonly-parent": [],
    "C001/invalid-secret-in-data-volume": [
        ("C001", "compose.yml", 13, 17, "inside /srv/data, which volume 'data' makes writable")],
    "C001/invalid-known-rewriter-no-volume": [
        ("C001", "compose.yml", 9, 17, "/mattermost/config/config.json, a file this app rewrites")],
    "T001/valid-release-image": [],
    "T001/invalid-older-release": [
        ("T001", "app/test_upgrade.py", 9, 5,
         "the image of 'app' is 'example/app:1.4', but the latest release 1.1.0+1.5 deploys app: "
         "example/app:1.5; that state matches older release 1.0.0+1.4")],
    "T002/valid-services-at-release": [],
    "T002/invalid-main-adds-worker": [
        ("T002", "app/test_services.py", 4, 5,
         "service 'worker' is deployed, but the latest release 1.0.0+1.4 deploys services {app, db}; "
         "that state is on main but in no release yet")],
}


def _load_history(case: Path) -> list[dict]:
    spec = importlib.util.spec_from_file_location("fixtures_build", ROOT / "fixtures" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load_history(os.path.relpath(case, ROOT / "fixtures" / "git"))


def _recipe(name: str, tmp_path: Path) -> Recipe:
    case = FIXTURES / name
    if (case / "history.yml").exists():
        repo = tmp_path / "app"
        build_repo(repo, _load_history(case))
        return Recipe.load(repo, overlay_root=case / "overlay")
    return Recipe.load(case)


def _found():
    return sorted(p.relative_to(FIXTURES).as_posix() for pat in ("C*/*", "T*/*") for p in FIXTURES.glob(pat)
                  if p.is_dir())


def test_every_fixture_is_listed_and_every_code_has_both_kinds():
    assert _found() == sorted(EXPECTED)
    for code in ("C001", "T001", "T002"):
        kinds = {name.split("/", 1)[1].split("-", 1)[0] for name in EXPECTED if name.startswith(code + "/")}
        assert kinds == {"valid", "invalid"}, code


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name, tmp_path):
    code, slug = name.split("/", 1)
    recipe = _recipe(name, tmp_path)
    findings = engine.run(recipe, engine.discover())
    assert [f for f in findings if f.code.startswith("E")] == []
    if code.startswith("T"):
        assert recipe.latest_release is not None and recipe.overlay_tests, "the history must build"
    mine = [f for f in findings if f.code[0] in "CT"]
    got = sorted((f.code, f.path, f.line, f.column) for f in mine)
    assert got == sorted(e[:4] for e in EXPECTED[name])
    for e in EXPECTED[name]:
        f = next(f for f in mine if (f.code, f.path, f.line, f.column) == e[:4])
        assert e[4] in f.message
