"""`recipelint fix` on a real swarm: what the fix writes makes the live probe refute the finding.

B001: the mattermost-shaped live fixture is fixed with `fix --apply`; `confirm --findings` (the report
check wrote before the fix) then runs the backup round trip on the fixed recipe, and the marker row
comes back through the generated restore post-hook. N001: the bluesky-shaped fixture is fixed, and
the name the fix wrote resolves only to this stack's app. Docker missing is a failure, never a skip.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.live._swarm import owned

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "fixtures" / "live"


def cli(*args, timeout=240):
    return subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def confirm_one(client, recipe: Path, findings: Path, code: str):
    p = cli("confirm", recipe, "--findings", findings, "--format", "json", "-q")
    assert p.stdout, p.stderr
    report = json.loads(p.stdout)
    run = report["confirm"][0]
    assert run["residue"] == [] and run["clean"] is True, run
    assert owned(client, run["session"]) == []
    found = [f for f in report["findings"] if f["code"] == code]
    assert len(found) == 1, report["findings"]
    return p, found[0]


def test_b001_fix_makes_the_backup_roundtrip_pass(docker_client, test_images, tmp_path):
    recipe = tmp_path / "backup-not-restored"
    shutil.copytree(LIVE / "backup-not-restored", recipe)
    before = tmp_path / "before.json"
    assert cli("check", recipe, "--select", "B001", "--format", "json", "-o", before).returncode == 1
    assert [f["code"] for f in json.loads(before.read_text())["findings"]] == ["B001"]
    fixed = cli("fix", recipe, "--select", "B001", "--apply")
    assert fixed.returncode == 0, fixed.stderr
    assert "backupbot.restore.post-hook: \"psql -U $${POSTGRES_USER} -d $${POSTGRES_DB} -f " \
           "/var/lib/postgresql/data/backup.sql\"" in (recipe / "compose.yml").read_text()
    p, f = confirm_one(docker_client, recipe, before, "B001")
    assert (f["verdict"], f["probe_error"]) == ("refuted", None), json.dumps(f, indent=1)
    assert any("backupbot.restore.post-hook `psql -U ${POSTGRES_USER} -d ${POSTGRES_DB} -f "
               "/var/lib/postgresql/data/backup.sql` -> exit 0" in e for e in f["evidence"]), f["evidence"]
    assert any("the marker row is back" in e for e in f["evidence"]), f["evidence"]
    assert p.returncode == 0


def test_n001_fix_writes_a_name_only_this_stack_answers_to(docker_client, test_images, tmp_path):
    recipe = tmp_path / "dns-bare-name"
    shutil.copytree(LIVE / "dns-bare-name", recipe)
    fixed = cli("fix", recipe, "--select", "N001", "--apply")
    assert fixed.returncode == 0, fixed.stderr
    m = re.search(r'APP_UPSTREAM: "http://(?P<host>[^:"]+):8080"', (recipe / "compose.yml").read_text())
    assert m and m.group("host") == "${STACK_NAME}_app"
    claim = tmp_path / "claim.json"
    claim.write_text(json.dumps({"findings": [{
        "code": "N001", "name": "proxy-bare-service-name", "severity": "error", "class": "recipe-defect",
        "recipe": recipe.name, "path": "compose.yml", "line": 16, "column": 28, "service": "web",
        "message": "the name the fix wrote", "fix": "", "probe": "shared-network-dns",
        "data": {"name": m.group("host"), "network": "proxy", "caller": "web", "target": "app"}}]}))
    p, f = confirm_one(docker_client, recipe, claim, "N001")
    assert (f["verdict"], f["probe_error"]) == ("refuted", None), json.dumps(f, indent=1)
    assert any("answers only with this stack's app" in e for e in f["evidence"]), f["evidence"]
    assert p.returncode == 0
