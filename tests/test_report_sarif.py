"""SARIF 2.1.0 output.

No maintained PyPI package ships the published SARIF 2.1.0 JSON schema (sarif-om, sarif-tools,
pysarif and sarif-pydantic were checked: none contains the schema file), and tests run without
network. So the log is checked against the structure the SARIF 2.1.0 specification requires,
written down here as our own JSON schema (the properties the specification marks required, the
enumerations of level, kind and columnKind, 1-based regions, string fingerprints), plus the
cross-references a schema cannot express (ruleIndex -> ruleId, unique rule ids)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.report.sarif import sarif_log
from recipelint.testing import write_files

ROOT = Path(__file__).resolve().parent.parent

MESSAGE = {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
           "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}}}
MULTIFORMAT = {"type": "object", "required": ["text"],
               "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}}}
LEVEL = {"enum": ["none", "note", "warning", "error"]}
POS = {"type": "integer", "minimum": 1}
SARIF_STRUCTURE = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "version": {"type": "string"},
                        "semanticVersion": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"],
                            "properties": {
                                "id": {"type": "string"}, "name": {"type": "string"},
                                "shortDescription": MULTIFORMAT, "fullDescription": MULTIFORMAT,
                                "help": MULTIFORMAT,
                                "defaultConfiguration": {"type": "object", "properties": {"level": LEVEL}},
                                "properties": {"type": "object"},
                            }}},
                    }}}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": LEVEL,
                        "message": MESSAGE,
                        "locations": {"type": "array", "items": {"type": "object", "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "anyOf": [{"required": ["artifactLocation"]}, {"required": ["address"]}],
                                "properties": {
                                    "artifactLocation": {"type": "object", "properties": {
                                        "uri": {"type": "string", "format": "uri-reference"}}},
                                    "region": {"type": "object", "properties": {
                                        "startLine": POS, "startColumn": POS, "endLine": POS, "endColumn": POS}},
                                }}}}},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                        "fingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                        "suppressions": {"type": "array", "items": {
                            "type": "object", "required": ["kind"],
                            "properties": {"kind": {"enum": ["inSource", "external"]},
                                           "status": {"enum": ["accepted", "underReview", "rejected"]},
                                           "justification": {"type": "string"}}}},
                        "properties": {"type": "object"},
                    }}},
            }}},
    },
}


def check_structure(log: dict) -> None:
    jsonschema.validate(log, SARIF_STRUCTURE, format_checker=jsonschema.FormatChecker())
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        ids = [r["id"] for r in rules]
        assert len(ids) == len(set(ids)), "rule ids are unique"
        for res in run["results"]:
            assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


DUMP = """\
services:
  db:
    image: postgres:15
    deploy:
      labels:
        backupbot.backup.pre-hook: "pg_dump -U a a > /var/lib/postgresql/data/x.sql"  # recipelint: ignore[B001] replayed by the entrypoint
        backupbot.restore.pre-hook: "mysqldump"
"""


def test_sarif_log_structure_rules_and_results(tmp_path):
    write_files(tmp_path / "rec", {"compose.yml": DUMP.replace("  # recipelint: ignore[B001] replayed by the "
                                                                "entrypoint", "")})
    recipe = Recipe.load(tmp_path / "rec")
    found = engine.run(recipe, [r for r in engine.discover() if r.code == "B001"])
    log = sarif_log(found, roots={("rec", "recipe"): "rec"}, recipes=["rec"])
    check_structure(log)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "recipelint"
    by_id = {r["id"]: r for r in driver["rules"]}
    assert {"B001", "E001", "X001", "X002"} <= set(by_id)
    b001 = by_id["B001"]
    assert b001["name"] == "backup-dump-not-restored"
    assert b001["defaultConfiguration"] == {"level": "error"}
    assert b001["shortDescription"]["text"].startswith("A backup pre-hook writes a database dump")
    assert "Fix:" in b001["help"]["text"] and "**Fix.**" in b001["help"]["markdown"]
    assert b001["properties"]["probe"] == "backup-roundtrip"
    assert by_id["X001"]["defaultConfiguration"] == {"level": "warning"}
    (res,) = run["results"]
    assert res["ruleId"] == "B001" and res["level"] == "error"
    assert res["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "rec/compose.yml"},
        "region": {"startLine": 6, "startColumn": 9, "endLine": 6, "endColumn": 34}}
    assert res["partialFingerprints"] == {"recipelint/v1": found[0].fingerprint}
    assert "suppressions" not in res


def test_suppressed_findings_stay_in_sarif_with_the_justification(tmp_path):
    write_files(tmp_path / "rec", {"compose.yml": DUMP})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", "check", "rec",
                        "--select", "B001,X", "--format", "sarif"], capture_output=True, text=True, cwd=tmp_path,
                       env=env)
    assert r.returncode == 0, r.stderr  # suppressed: not failing
    log = json.loads(r.stdout)
    check_structure(log)
    (res,) = log["runs"][0]["results"]
    assert res["ruleId"] == "B001"
    assert res["suppressions"] == [{"kind": "inSource", "justification": "replayed by the entrypoint"}]
    # the same run twice: the same fingerprints
    r2 = subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", "check", "rec",
                         "--select", "B001,X", "--format", "sarif", "--no-cache"], capture_output=True, text=True,
                        cwd=tmp_path, env=env)
    assert json.loads(r2.stdout)["runs"][0]["results"][0]["partialFingerprints"] == res["partialFingerprints"]


def test_whole_recipe_findings_point_at_the_recipe_directory():
    from recipelint.rule import Finding

    f = Finding(code="E001", name="rule-crashed", severity="error", category="harness", recipe="rec", path=".",
                line=None, column=None, end_line=None, end_column=None, service=None, message="boom", fix="",
                probe=None)
    log = sarif_log([f], roots={("rec", "recipe"): "recipes/rec"})
    check_structure(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"] == \
        {"artifactLocation": {"uri": "recipes/rec/"}}


def test_the_structure_check_can_fail():
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": []}},
                                         "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}
    with pytest.raises(jsonschema.ValidationError, match="fatal"):
        check_structure(bad)
    no_message = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "B001"}]}]}
    with pytest.raises(jsonschema.ValidationError, match="message"):
        check_structure(no_message)
