"""The seed's discourse failure: the overlay asserted the official image and a dropped sidekiq,
which only an unmerged branch had, while the sweep deployed release 0.8.1+3.5.0."""

import importlib.util
from pathlib import Path

import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.testing import build_repo

ROOT = Path(__file__).resolve().parent.parent
OVERLAY = ROOT / "fixtures" / "overlay"
TEST_FILE = "discourse/test_upgrade.py"


def _fixtures_build():
    spec = importlib.util.spec_from_file_location("fixtures_build", ROOT / "fixtures" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def history():
    return _fixtures_build().load_history("discourse")


def _run(tmp_path, steps):
    repo = tmp_path / "discourse"
    build_repo(repo, steps)
    recipe = Recipe.load(repo, overlay_root=OVERLAY)
    return recipe, engine.run(recipe, engine.discover())


def _stale(findings):
    return [(f.code, f.root, f.path, f.line, f.column) for f in findings if f.code.startswith("T")]


def test_t001_and_t002_fire_at_the_asserts_naming_the_branch(tmp_path, history):
    recipe, findings = _run(tmp_path, history)
    assert recipe.latest_release.tag == "0.8.1+3.5.0"
    assert _stale(findings) == [
        ("T001", "overlay", TEST_FILE, 33, 5),  # image.startswith(OFFICIAL_IMAGE)
        ("T001", "overlay", TEST_FILE, 34, 5),  # LEGACY_NAMESPACE not in image
        ("T002", "overlay", TEST_FILE, 39, 5),  # "sidekiq" not in services
    ]
    by_line = {f.line: f for f in findings if f.code.startswith("T")}
    for f in by_line.values():
        assert f.severity == "error" and f.category == "stale-test" and f.probe == "stale-overlay"
        assert "release 0.8.1+3.5.0" in f.message
        assert "exists only on unmerged branch 'official-image'" in f.message
        assert f.data["where"] == "branch" and f.data["exists_on"] == ["official-image"]
        assert f.data["release"] == "0.8.1+3.5.0"
    assert "starts with 'discourse/discourse:3.5.3' (OFFICIAL_IMAGE)" in by_line[33].message
    assert "deploys app: bitnamilegacy/discourse:3.5.0" in by_line[33].message
    assert "does not contain 'bitnamilegacy' (LEGACY_NAMESPACE)" in by_line[34].message
    assert "service 'sidekiq' is not deployed" in by_line[39].message
    assert "{app, db, redis, sidekiq}" in by_line[39].message
    assert by_line[33].data["function"] == "test_head_runs_official_image_not_bitnamilegacy"
    assert by_line[39].data["function"] == "test_sidekiq_service_dropped_by_head"


def test_asserts_that_hold_at_the_release_are_not_flagged(tmp_path, history):
    _, findings = _run(tmp_path, history)
    lines = {f.line for f in findings if f.code.startswith("T")}
    # CORE_SERVICES <= set(services), "db" in services, db image starts with "postgres:"
    assert lines.isdisjoint({44, 45, 50})


def test_the_rest_of_the_recipe_is_clean(tmp_path, history):
    _, findings = _run(tmp_path, history)
    assert [(f.code, f.path, f.line) for f in findings if not f.code.startswith("T")] == []


def test_once_merged_to_main_the_message_says_main(tmp_path, history):
    branch_tree = next(s for s in history if s.get("branch") == "official-image")["files"]
    steps = history + [{"branch": "main", "files": branch_tree, "message": "merge official image"}]
    _, findings = _run(tmp_path, steps)
    assert _stale(findings) == [("T001", "overlay", TEST_FILE, 33, 5), ("T001", "overlay", TEST_FILE, 34, 5),
                                ("T002", "overlay", TEST_FILE, 39, 5)]
    for f in findings:
        if f.code.startswith("T"):
            assert f.data["where"] == "main"
            assert "that state is on main but in no release yet" in f.message
            assert "also on unmerged branch 'official-image'" in f.message


def test_once_released_nothing_fires(tmp_path, history):
    branch_tree = next(s for s in history if s.get("branch") == "official-image")["files"]
    steps = history + [{"branch": "main", "files": branch_tree, "tag": "0.9.0+3.5.3", "message": "release"}]
    recipe, findings = _run(tmp_path, steps)
    assert recipe.latest_release.tag == "0.9.0+3.5.3"
    assert _stale(findings) == []


def test_without_git_the_t_rules_cannot_run(tmp_path, history):
    """A plain copy of the recipe (no .git): no T001/T002, only T003's note that they could not run."""
    import shutil

    built = tmp_path / "built"
    build_repo(built / "discourse", history)
    plain = tmp_path / "plain" / "discourse"
    shutil.copytree(built / "discourse", plain, ignore=shutil.ignore_patterns(".git"))
    recipe = Recipe.load(plain, overlay_root=OVERLAY)
    findings = engine.run(recipe, engine.discover())
    assert {f.code for f in findings if f.code in ("T001", "T002")} == set()
    assert [(f.code, f.path, f.line, f.column) for f in findings if f.code == "T003"] == \
        [("T003", TEST_FILE, 33, 5)]
