"""The seed's mattermost-lts failure (2.1.9+10.11.15): the postgres service dumps on backup but has
no restore.post-hook (B001), and backs up the hot live PGDATA (B002). The cc-ci overlay test that
caught it (`relation "ci_marker" does not exist`) is a state round-trip and must not be flagged."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from recipelint import engine
from recipelint.model import Recipe

ROOT = Path(__file__).resolve().parent.parent
MATTERMOST = ROOT / "fixtures" / "recipes" / "mattermost-lts"
OVERLAY = ROOT / "fixtures" / "overlay"

EXPECTED_B = [
    ("B001", "compose.yml", 72, 9, "postgres"),  # backupbot.backup.pre-hook
    ("B002", "compose.yml", 74, 9, "postgres"),  # backupbot.backup.path
]


def _run(path=MATTERMOST, overlay=OVERLAY):
    recipe = Recipe.load(path, overlay_root=overlay)
    return recipe, engine.run(recipe, engine.discover())


def _b(findings):
    return sorted((f.code, f.path, f.line, f.column, f.service) for f in findings if f.code.startswith("B"))


def test_b001_and_b002_fire_at_the_hook_and_the_path_label():
    recipe, findings = _run()
    assert _b(findings) == EXPECTED_B
    lines = recipe.lines("compose.yml")
    assert lines[72 - 1][8:].startswith("backupbot.backup.pre-hook:")
    assert lines[74 - 1][8:].startswith("backupbot.backup.path:")
    b001 = next(f for f in findings if f.code == "B001")
    assert b001.severity == "error" and b001.probe == "backup-roundtrip"
    assert "pg_dump" in b001.message and "no backupbot.restore.post-hook" in b001.message
    assert b001.data["dump_tool"] == "pg_dump"
    b002 = next(f for f in findings if f.code == "B002")
    assert b002.data == {"path": "/var/lib/postgresql/data", "data_dir": "/var/lib/postgresql/data", "volume": None}


def test_the_cli_reports_the_same_positions_as_json():
    r = subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", "check", str(MATTERMOST),
                        "--overlay", str(OVERLAY), "--select", "B", "--format", "json"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1, r.stderr
    got = sorted((f["code"], f["path"], f["line"], f["column"], f["service"]) for f in json.loads(r.stdout)["findings"])
    assert got == EXPECTED_B


def test_the_overlay_round_trip_test_is_read_and_not_flagged():
    recipe, findings = _run()
    tests = recipe.overlay_tests
    assert [t.rel for t in tests] == ["mattermost-lts/test_restore.py"]
    assert [f for f in findings if f.code.startswith(("E", "T"))] == []


def test_the_fixture_models_the_seed_layout():
    recipe, _ = _run()
    pg = recipe.default.services["postgres"]
    assert set(recipe.default.services) == {"app", "postgres"}
    assert pg.image.text.startswith("postgres:")
    labels = pg.labels
    assert "pg_dump" in labels["backupbot.backup.pre-hook"].value
    assert "/var/lib/postgresql/data/postgres-backup.sql" in labels["backupbot.backup.pre-hook"].value
    assert labels["backupbot.backup.post-hook"].value.startswith("rm ")
    assert labels["backupbot.backup.path"].value == "/var/lib/postgresql/data/"
    assert "backupbot.restore.post-hook" not in labels
    assert recipe.env.values["TYPE"] == "mattermost-lts"
    assert recipe.default.is_external_network("proxy")
    assert recipe.abra["ENTRYPOINT_CONF_VERSION"].value == "v1"


def test_the_pg_backup_convention_fixes_it(tmp_path):
    """The fix the seed review led to: dump-only volume path plus a restore post-hook that replays."""
    fixed = tmp_path / "mattermost-lts"
    shutil.copytree(MATTERMOST, fixed)
    compose = (fixed / "compose.yml").read_text()
    old = '        backupbot.backup.path: "/var/lib/postgresql/data/"\n'
    assert old in compose
    compose = compose.replace(old, '        backupbot.backup.volumes.postgres-data.path: "postgres-backup.sql"\n'
                                   '        backupbot.restore.post-hook: "sh -c \'psql -U $${POSTGRES_USER} '
                                   '-d $${POSTGRES_DB} -f /var/lib/postgresql/data/postgres-backup.sql\'"\n')
    (fixed / "compose.yml").write_text(compose)
    _, findings = _run(fixed, None)
    assert _b(findings) == []
