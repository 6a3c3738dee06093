"""`recipelint confirm --findings REPORT`: findings read back from a JSON report keep check's fingerprints."""

import json
import shutil
from pathlib import Path

import pytest
from test_seed_discourse import _fixtures_build

from recipelint import engine
from recipelint.model import Recipe
from recipelint.report import FORMATS
from recipelint.reportin import ReportError, findings_from_report
from recipelint.testing import build_repo

ROOT = Path(__file__).resolve().parent.parent
RULES = engine.discover()


def report(path, overlay=None):
    """check's JSON envelope for one recipe, as `check --format json` writes it."""
    r = Recipe.load(path, overlay_root=overlay)
    found = engine.run(r, RULES, keep_suppressed=True)
    return json.loads(FORMATS["json"](found, roots={(r.name, "recipe"): str(path)}, recipes=[r.name],
                                      show_fix=False))


def roundtrip(path, overlay=None, data=None):
    data = data if data is not None else report(path, overlay)
    fresh = Recipe.load(path, overlay_root=overlay)  # nothing parsed yet, as in a new confirm process
    return data, *findings_from_report(fresh, data)


@pytest.mark.parametrize("name", ["bluesky-pds", "gitea", "mattermost-lts"])  # keycloak, mumble: no findings
def test_fingerprints_come_back_as_check_made_them(name, tmp_path):
    data, findings, changed = roundtrip(ROOT / "fixtures" / "recipes" / name)
    assert data["findings"]
    assert [f.fingerprint for f in findings] == [d["fingerprint"] for d in data["findings"]]
    assert [(f.code, f.path, f.line, f.column) for f in findings] == \
        [(d["code"], d["path"], d["line"], d["column"]) for d in data["findings"]]
    assert changed == []


def test_overlay_test_findings_and_git_history_round_trip(tmp_path):
    repo = tmp_path / "discourse"
    build_repo(repo, _fixtures_build().load_history("discourse"))
    overlay = tmp_path / "overlay"
    shutil.copytree(ROOT / "fixtures" / "overlay" / "discourse", overlay / "discourse")
    data, findings, changed = roundtrip(repo, overlay)
    assert {(f.code, f.root) for f in findings} == {("T001", "overlay"), ("T002", "overlay")}
    assert [f.fingerprint for f in findings] == [d["fingerprint"] for d in data["findings"]]
    assert changed == []


def test_a_finding_whose_node_moved_to_another_key_is_reported_as_changed(tmp_path):
    recipe = tmp_path / "mattermost-lts"
    shutil.copytree(ROOT / "fixtures" / "recipes" / "mattermost-lts", recipe)
    data = report(recipe)
    assert sorted((d["code"], d["service"]) for d in data["findings"]) == [("B001", "postgres"), ("B002", "postgres")]
    # rename the service the backup labels sit in: same lines and columns, other key paths
    text = (recipe / "compose.yml").read_text()
    assert "\n  postgres:\n" in text
    (recipe / "compose.yml").write_text(text.replace("\n  postgres:\n", "\n  pgsql:\n", 1))
    _, findings, changed = roundtrip(recipe, data=data)
    assert sorted((f.code, f.line, f.column) for f in changed) == \
        sorted((d["code"], d["line"], d["column"]) for d in data["findings"])


def test_a_template_line_that_changed_is_reported_and_the_others_are_not(tmp_path):
    recipe = tmp_path / "bluesky-pds"
    shutil.copytree(ROOT / "fixtures" / "recipes" / "bluesky-pds", recipe)
    data = report(recipe)
    assert [(d["code"], d["path"], d["line"]) for d in data["findings"]] == \
        [("N001", "Caddyfile", 4), ("N001", "Caddyfile", 12)]
    lines = (recipe / "Caddyfile").read_text().split("\n")
    lines[11] += " # edited"
    (recipe / "Caddyfile").write_text("\n".join(lines))
    _, findings, changed = roundtrip(recipe, data=data)
    assert [(f.code, f.line) for f in changed] == [("N001", 12)]
    assert findings[0].fingerprint == data["findings"][0]["fingerprint"]


def test_only_this_recipes_findings_are_taken_and_suppressed_ones_are_not_confirmed(tmp_path):
    recipe = tmp_path / "gitea"
    shutil.copytree(ROOT / "fixtures" / "recipes" / "gitea", recipe)
    data = report(recipe)
    other = dict(data["findings"][0], recipe="someone-else", fingerprint="x" * 16)
    hidden = dict(data["findings"][0], fingerprint="y" * 16)
    data = dict(data, findings=data["findings"] + [other], suppressed=[hidden])
    _, findings, changed = roundtrip(recipe, data=data)
    assert len(findings) == len(data["findings"]) - 1  # not the other recipe's, not the suppressed one
    assert changed == []  # a suppressed row's fingerprint is never compared: it is not confirmed


def test_a_bare_list_is_accepted_and_other_shapes_are_refused(tmp_path):
    path = ROOT / "fixtures" / "recipes" / "gitea"
    data = report(path)
    _, findings, changed = roundtrip(path, data=data["findings"])
    assert [f.fingerprint for f in findings] == [d["fingerprint"] for d in data["findings"]] and changed == []
    for bad in ("text", 3, {"findings": "x"}, {"findings": ["x"]}):
        with pytest.raises(ReportError):
            findings_from_report(Recipe.load(path), bad)


def test_confirm_refuses_a_file_that_is_not_a_report_in_one_line_before_any_deploy(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.json"
    bad.write_text('{"findings": [1]}')
    r = subprocess.run([sys.executable, "-m", "recipelint", "confirm", str(ROOT / "fixtures" / "recipes" / "gitea"),
                        "--findings", str(bad)], capture_output=True, text=True, env={"PATH": "/nonexistent",
                                                                                      "DOCKER_HOST": "unix:///nonexistent"})
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == f"recipelint: error: --findings {bad}: not a findings report (a finding is not an object)\n"
