"""The seed's gitea failure (3.6.0+1.24.2-rootless): app.ini is a read-only config inside the
writable /etc/gitea volume, and gitea rewrites it on upgrade. C001 must point at the config target."""

from pathlib import Path

from recipelint import engine
from recipelint.model import Recipe

ROOT = Path(__file__).resolve().parent.parent
GITEA = ROOT / "fixtures" / "recipes" / "gitea"


def _findings():
    recipe = Recipe.load(GITEA)
    return recipe, engine.run(recipe, engine.discover())


def test_c001_fires_at_the_app_ini_target():
    _, findings = _findings()
    c = [(f.code, f.path, f.line, f.column, f.service) for f in findings if f.code.startswith("C")]
    assert c == [("C001", "compose.yml", 20, 17, "app")]
    f = next(f for f in findings if f.code == "C001")
    assert f.severity == "error" and f.category == "recipe-defect" and f.probe == "readonly-config"
    assert "/etc/gitea/app.ini" in f.message and "volume 'config'" in f.message
    assert "rewrites this file" in f.message
    assert f.data["target"] == "/etc/gitea/app.ini"
    assert f.data["config"] == "app_ini"
    assert f.data["volume"] == "config"
    assert f.data["known_rewriter"] is True


def test_the_fixture_loads_cleanly_and_has_no_stale_test_findings():
    _, findings = _findings()
    assert [f for f in findings if f.code.startswith(("E", "T"))] == []


def test_the_fixture_models_the_seed_layout():
    recipe, _ = _findings()
    app = recipe.default.services["app"]
    assert app.image.text == "gitea/gitea:1.24.2-rootless"
    assert {(m.source, m.target) for m in app.mounts} == {("config", "/etc/gitea"), ("data", "/var/lib/gitea")}
    src = recipe.config_source(recipe.default, "config", "app_ini")
    assert src.template and '{{ env "DOMAIN" }}' in src.text and "{{ secret " in src.text
    assert recipe.abra["APP_INI_VERSION"].value == "v12"


def test_rendering_app_ini_into_the_volume_fixes_it(tmp_path):
    """The fix the seed review proposed: mount the template elsewhere, copy it into the volume."""
    import shutil

    fixed = tmp_path / "gitea"
    shutil.copytree(GITEA, fixed)
    compose = (fixed / "compose.yml").read_text()
    assert "target: /etc/gitea/app.ini\n" in compose
    (fixed / "compose.yml").write_text(compose.replace("target: /etc/gitea/app.ini\n",
                                                      "target: /run/gitea/app.ini.tmpl\n"))
    recipe = Recipe.load(fixed)
    assert [f for f in engine.run(recipe, engine.discover()) if f.code == "C001"] == []
