"""Two seed failures that were not the recipe's fault: keycloak (a warm-machinery/harness issue) and
mumble (a flake under load). Their reproductions must give no error of the recipe families B, N, C
or T. The fixtures must also really load, so an empty parse cannot pass."""

from pathlib import Path

import pytest

from recipelint import engine
from recipelint.model import Recipe

ROOT = Path(__file__).resolve().parent.parent
OVERLAY = ROOT / "fixtures" / "overlay"

EXPECTED = {
    "keycloak": {"services": ["app", "db"], "overlay": ["test_install.py"]},
    "mumble": {"services": ["app"], "overlay": ["custom/test_protocol_handshake.py"]},
}


def _load(name):
    recipe = Recipe.load(ROOT / "fixtures" / "recipes" / name, overlay_root=OVERLAY)
    return recipe, engine.run(recipe, engine.discover())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_error_of_the_recipe_families(name):
    _, findings = _load(name)
    bad = [f"{f.code} {f.path}:{f.line}:{f.column} {f.message}" for f in findings
           if f.code[0] in "BNCTE" and f.severity == "error"]
    assert bad == []
    assert [f.code for f in findings if f.code.startswith("N")] == [], "no bare-name warning either"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_recipe_really_loaded(name):
    recipe, _ = _load(name)
    assert sorted(recipe.default.services) == EXPECTED[name]["services"]
    assert recipe.env.values["TYPE"] == name
    tests = sorted(t.rel.split(f"{name}/", 1)[-1] for t in recipe.overlay_tests)
    assert tests == EXPECTED[name]["overlay"]
    assert all(t.asserts for t in recipe.overlay_tests), "overlay tests parsed to no asserts"


def test_keycloak_backs_up_a_dump_and_replays_it():
    recipe, _ = _load("keycloak")
    db = recipe.default.services["db"].labels
    assert db["backupbot.backup.pre-hook"].value == "/pg_backup.sh backup"
    assert db["backupbot.restore.post-hook"].value == "/pg_backup.sh restore"
    assert db["backupbot.backup.volumes.postgres.path"].value == "backup.sql"
    assert "backupbot.backup" not in recipe.default.services["app"].labels


def test_keycloak_reaches_its_database_stack_qualified_from_proxy():
    recipe, _ = _load("keycloak")
    app = recipe.default.services["app"]
    assert list(app.networks) == ["proxy", "internal"]
    assert app.environment["KC_DB_URL_HOST"].text == "${STACK_NAME}_db"


def test_mumble_backs_up_its_data_volume():
    recipe, _ = _load("mumble")
    app = recipe.default.services["app"]
    assert app.labels["backupbot.backup"].value == "true"
    assert app.labels["backupbot.backup.path"].value == "/data"
    assert [(m.source, m.target) for m in app.mounts] == [("mumble_data", "/data")]
