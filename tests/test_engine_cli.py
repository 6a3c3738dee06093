"""The engine (crashing rules, parse errors, suppressions, selection) and the CLI contract."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.rule import Rule
from recipelint.testing import write_files

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schemas" / "findings.schema.json").read_text())

DUMP = """\
services:
  db:
    image: postgres:15
    deploy:
      labels:
        backupbot.backup.pre-hook: "pg_dump -U a a > /var/lib/postgresql/data/x.sql"
"""


def recipe(tmp_path, files, name="rec"):
    write_files(tmp_path / name, files)
    return tmp_path / name


def cli(*args, cwd=None):
    """Run the real console entry point in a subprocess: exit codes and stderr as a user sees them."""
    r = subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", *map(str, args)],
                       capture_output=True, text=True, cwd=cwd or ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return r.returncode, r.stdout, r.stderr


class Boom(Rule):
    code = "Z999"
    name = "always-raises"
    summary = why = fix = "test"

    def check(self, recipe):
        raise ValueError("kaboom")


def test_a_rule_that_raises_becomes_E001_and_the_run_goes_on(tmp_path):
    r = Recipe.load(recipe(tmp_path, {"compose.yml": DUMP}))
    rules = [Boom] + [x for x in engine.discover() if x.code == "B001"]
    found = engine.run(r, rules)
    codes = sorted(f.code for f in found)
    assert codes == ["B001", "E001"]
    e = next(f for f in found if f.code == "E001")
    assert "Z999" in e.message and "ValueError: kaboom" in e.message and e.line is None


def test_unparsable_file_is_a_finding_and_other_files_are_still_linted(tmp_path):
    d = recipe(tmp_path, {"compose.yml": DUMP, "compose.extra.yml": "services:\n  x:\n    image: [a\n"})
    code, out, err = cli("check", d)
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert any(": B001 [backup-dump-not-restored]" in ln and "compose.yml:6:9" in ln for ln in lines)
    e101 = [ln for ln in lines if "E101" in ln]
    assert len(e101) == 1 and "compose.extra.yml:4:1" in e101[0]


def test_suppression_used_and_unused(tmp_path):
    body = DUMP.replace('        backupbot.backup.pre-hook',
                        '        # recipelint: ignore[B001]\n        backupbot.backup.pre-hook')
    body += "    # recipelint: ignore[B001]\n"
    r = Recipe.load(recipe(tmp_path, {"compose.yml": body}))
    found = engine.run(r, engine.discover())
    assert [(f.code, f.line) for f in found if f.code in ("B001", "X001")] == [("X001", 8)]


def test_json_envelope_matches_schema_and_exit_codes(tmp_path):
    d = recipe(tmp_path, {"compose.yml": DUMP})
    code, out, _ = cli("check", d, "--format", "json", "--ignore", "R,S010")  # R: abra parity; S010: DUMP has no version
    assert code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    f = doc["findings"][0]
    assert (f["code"], f["path"], f["line"], f["column"], f["class"], f["probe"]) == \
        ("B001", "compose.yml", 6, 9, "recipe-defect", "backup-roundtrip")
    assert doc["summary"]["by_code"] == {"B001": 1}
    # same input, same fingerprint
    assert json.loads(cli("check", d, "--format", "json", "--ignore", "R,S010")[1])["findings"][0]["fingerprint"] == \
        f["fingerprint"]


def test_select_and_ignore_by_prefix(tmp_path):
    d = recipe(tmp_path, {"compose.yml": DUMP})
    assert cli("check", d, "--ignore", "B,R,S010")[0] == 0  # DUMP is no abra-clean recipe (R) and has no version
    assert cli("check", d, "--select", "E1,B001")[0] == 1
    assert cli("check", d, "--select", "E1", "--select", "X")[0] == 0
    code, _, err = cli("check", d, "--select", "Q9")
    assert code == 2 and err.count("\n") == 1 and "Q9" in err


# clean for every family, abra parity (R) included
CLEAN = {
    "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n    healthcheck:\n'
                   '      test: ["CMD", "curl", "-f", "http://localhost"]\n',
    ".env.sample": "TYPE=clean\n",
    "README.md": "<!-- metadata -->\n* **Category**: Apps\n* **Image**: nginx\n* **Healthcheck**: Yes\n"
                 "* **Backups**: No\n* **Email**: No\n* **SSO**: No\n<!-- endmetadata -->\n",
}


def test_fail_on_and_clean_recipe(tmp_path):
    clean = recipe(tmp_path, CLEAN, "clean")
    code, out, _ = cli("check", clean)
    assert code == 0 and out.strip() == "0 findings in 1 recipe"


@pytest.mark.parametrize("args,needle", [
    (["check", "/nonexistent/recipe"], "not a directory"),
    (["check", "{empty}"], "not a recipe"),
    (["check", "{rec}", "--overlay", "/nonexistent"], "--overlay"),
    (["check", "{rec}", "--fail-on", "sometimes"], "--fail-on"),  # (`check` alone lints the current directory)
    (["rule", "Q123"], "unknown code"),
])
def test_usage_errors_are_one_line_without_traceback(tmp_path, args, needle):
    empty = tmp_path / "empty"
    empty.mkdir()
    rec = recipe(tmp_path, {"compose.yml": DUMP})
    args = [a.format(empty=empty, rec=rec) for a in args]
    code, out, err = cli(*args)
    assert code == 2
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_rule_explains_and_rules_lists(tmp_path):
    code, out, _ = cli("rule", "B001")
    assert code == 0
    assert out.startswith("B001 backup-dump-not-restored") and "Why" in out and "Fix" in out
    assert "Invalid example 1" in out
    code, out, _ = cli("rules", "--format", "json")
    rows = json.loads(out)
    assert {"B001", "E001", "X001"} <= {r["code"] for r in rows}


@pytest.mark.parametrize("extra,expected", [
    ([], "['jsonschema']"),         # S001 (schema) runs by default and needs jsonschema; nothing else heavy
    (["--ignore", "S"], "[]"),      # without it, a pre-commit run imports none of them
])
def test_check_imports_heavy_modules_only_when_used(tmp_path, extra, expected):
    d = recipe(tmp_path, {"compose.yml": DUMP})
    prog = ("import sys\nfrom recipelint.cli import run\nsys.argv=['recipelint','check',%r] + %r\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('libcst','jsonschema','docker') if m in sys.modules))" % (str(d), extra))
    r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert f"HEAVY {expected}" in r.stdout, r.stdout + r.stderr


def test_a_rule_file_that_fails_to_import_is_reported_and_the_rest_run(tmp_path, monkeypatch):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "zz_broken_for_test.py").write_text("raise RuntimeError('broken on purpose')\n")
    (rules_dir / "zz_ok_for_test.py").write_text(
        "from recipelint.rule import Rule, Loc\n"
        "class Ok(Rule):\n    code = 'Z998'\n    name = 'zz-ok'\n    summary = why = fix = 't'\n"
        "    def check(self, recipe):\n        yield self.finding(Loc('compose.yml', 1, 1), 'hello')\n")
    monkeypatch.setattr(engine, "LOAD_ERRORS", [])
    found_rules = engine.discover(rules_dir)
    assert [r.code for r in found_rules] == ["Z998"]
    r = Recipe.load(recipe(tmp_path, {"compose.yml": "services: {}\n"}))
    found = engine.run(r, found_rules)
    assert sorted(f.code for f in found) == ["E002", "Z998"]
    assert "zz_broken_for_test.py" in next(f.message for f in found if f.code == "E002")


def test_every_command_refuses_an_overlay_root_that_is_not_a_directory(tmp_path):
    """One shared check (cli._selection): confirm used to go on without it."""
    missing = tmp_path / "nowhere"
    for cmd in ("check", "confirm", "fix", "report"):
        r = cli(cmd, str(ROOT / "fixtures" / "recipes" / "gitea"), "--overlay", str(missing))
        assert r == (
            2, "", f"recipelint: error: --overlay {missing}: not a directory\n"), cmd
