"""Rule documentation: `recipelint rule`, `recipelint rules`, and the generated docs/rules.md."""

import json
import os
import subprocess
import sys

from recipelint import docs, engine

from integrations_helpers import ROOT, cli

def test_docs_rules_md_is_current():
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == docs.render_markdown(), (
        f"docs/rules.md is stale (a rule was added or its docs changed); regenerate it with `{docs.REGENERATE}`")


def test_docs_check_mode_reports_a_stale_file(tmp_path):
    stale = tmp_path / "rules.md"
    stale.write_text("# old\n")
    r = subprocess.run([sys.executable, "-m", "recipelint.docs", "--check", str(stale)], capture_output=True,
                       text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 1 and docs.REGENERATE in r.stderr
    stale.write_text(docs.render_markdown())
    assert subprocess.run([sys.executable, "-m", "recipelint.docs", "--check", str(stale)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode == 0


def test_markdown_documents_every_rule_and_engine_code():
    md = docs.render_markdown()
    codes = [r.code for r in engine.discover()] + list(engine.META)
    for code in codes:
        assert f"\n## {code}\n" in md, code
        assert f"| [{code}](#{code.lower()}) |" in md
    b001 = md.split("\n## B001\n", 1)[1].split("\n## ", 1)[0]
    assert "`backup-dump-not-restored` · error · recipe defect · live probe `backup-roundtrip`" in b001
    assert "**Why.**" in b001 and "**Fix.**" in b001 and "**Live probe.** `recipelint confirm RECIPE` runs" in b001
    assert "**Fires** at compose.yml:7:9" in b001 and "```yaml\n# compose.yml\nservices:" in b001
    assert "**Passes**" in b001
    assert cli("rules", "--format", "markdown")[1] == md


def test_rule_by_code_or_name_prints_what_why_fix_probe_and_examples():
    code, by_code, _ = cli("rule", "b001")
    assert code == 0
    assert by_code.startswith("B001 backup-dump-not-restored  [error, recipe-defect, probe: backup-roundtrip]\n")
    for heading in ("\nWhy\n", "\nFix\n", "\nLive probe\n`recipelint confirm RECIPE` runs the `backup-roundtrip`"):
        assert heading in by_code
    assert "\nInvalid example 1: the seed's mattermost-lts: dump, no replay  (fires at compose.yml:7:9)\n" in by_code
    assert "\nValid example 1: dump and replay on the same service\n" in by_code
    assert cli("rule", "backup-dump-not-restored")[1] == by_code
    code, x002, _ = cli("rule", "X002")
    assert code == 0 and "Live probe\nnone: the static evidence is the verdict." in x002
    code, _, err = cli("rule", "nope-nothing")
    assert code == 2 and err == "recipelint: error: rule nope-nothing: unknown code or name (see `recipelint rules`)\n"


def test_rules_lists_code_name_severity_class_probe():
    code, out, _ = cli("rules")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["code", "name", "severity", "class", "probe", "summary"]
    b001 = next(ln for ln in lines if ln.startswith("B001 "))
    assert b001.split()[:5] == ["B001", "backup-dump-not-restored", "error", "recipe-defect", "backup-roundtrip"]
    rows = json.loads(cli("rules", "--format", "json")[1])
    assert len(rows) == len(lines) - 1
    assert {"code": "X002", "name": "suppression-without-reason", "severity": "error", "class": "style",
            "probe": "-", "summary": "A `recipelint: ignore[...]` comment gives no reason."} in rows
