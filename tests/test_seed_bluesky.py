"""The seed's bluesky-pds failure (0.3.0+v0.4.219): caddy sits on the shared `proxy` network and
its Caddyfile reaches the PDS as bare `app`, which on `proxy` resolves to other stacks' apps.
N001 must point at each bare `app` in the Caddyfile."""

from pathlib import Path

from recipelint import engine
from recipelint.model import Recipe

ROOT = Path(__file__).resolve().parent.parent
BLUESKY = ROOT / "fixtures" / "recipes" / "bluesky-pds"
OVERLAY = ROOT / "fixtures" / "overlay"


def _findings():
    recipe = Recipe.load(BLUESKY, overlay_root=OVERLAY)
    return recipe, engine.run(recipe, engine.discover())


def test_n001_fires_at_each_bare_app_in_the_caddyfile():
    _, findings = _findings()
    n = [(f.code, f.path, f.line, f.column, f.end_column, f.service) for f in findings if f.code.startswith("N")]
    assert n == [
        ("N001", "Caddyfile", 4, 14, 17, "caddy"),  # ask http://app:3000/tls-check
        ("N001", "Caddyfile", 12, 16, 19, "caddy"),  # reverse_proxy app:3000
    ]
    lines = (BLUESKY / "Caddyfile").read_text().splitlines()
    for f in findings:
        if f.code == "N001":
            assert lines[f.line - 1][f.column - 1:f.end_column - 1] == "app"


def test_n001_finding_carries_what_the_probe_needs():
    _, findings = _findings()
    for f in (f for f in findings if f.code == "N001"):
        assert f.severity == "error" and f.category == "recipe-defect" and f.probe == "shared-network-dns"
        assert f.data == {"name": "app", "network": "proxy", "caller": "caddy", "target": "app"}
        assert "'caddy'" in f.message and "'proxy'" in f.message and "'app'" in f.message
        assert '{{ env "STACK_NAME" }}_app' in f.message


def test_the_fixture_models_the_seed_layout():
    recipe, findings = _findings()
    assert [f for f in findings if f.code.startswith("E")] == []
    svcs = recipe.default.services
    assert sorted(svcs) == ["app", "caddy"]
    assert list(svcs["app"].networks) == ["internal"]
    assert list(svcs["caddy"].networks) == ["proxy", "internal"]
    assert recipe.default.is_external_network("proxy")
    assert sorted(recipe.default.volumes) == ["caddy_data", "pds_data"]
    src = recipe.config_source(recipe.default, "config", "caddyfile")
    assert src.file == "Caddyfile" and src.template
    assert recipe.env.values["TYPE"] == "bluesky-pds"


def test_the_fix_silences_n001(tmp_path):
    """Qualifying the names (the recipe fix) leaves nothing for N001 or N002."""
    import shutil

    fixed = tmp_path / "bluesky-pds"
    shutil.copytree(BLUESKY, fixed)
    cf = fixed / "Caddyfile"
    cf.write_text(cf.read_text().replace("app:3000", '{{ env "STACK_NAME" }}_app:3000'))
    recipe = Recipe.load(fixed)
    findings = engine.run(recipe, engine.discover())
    assert [f.code for f in findings if f.code.startswith("N")] == []
