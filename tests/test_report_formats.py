"""Output formats: concise and full text, GitHub annotations, JUnit XML, JSON's suppressed list,
--output-file, and fingerprints that come from structured evidence rather than message text."""

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.report import FORMATS
from recipelint.report.github import annotation
from recipelint.rule import Finding
from recipelint.testing import write_files

from integrations_helpers import DUMP, ROOT, cli

SCHEMA = json.loads((ROOT / "schemas" / "findings.schema.json").read_text())
B001 = [r for r in engine.discover() if r.code == "B001"]

def finding(**kw):
    base = dict(code="B001", name="backup-dump-not-restored", severity="error", category="recipe-defect",
                recipe="rec", path="compose.yml", line=6, column=9, end_line=6, end_column=34, service="db",
                message="service 'db': no restore", fix="add a restore hook", probe="backup-roundtrip")
    base.update(kw)
    return Finding(**base)


def lint(tmp_path, files, name="rec", **kw):
    write_files(tmp_path / name, files)
    return engine.run(Recipe.load(tmp_path / name), B001, **kw)


# ---------------------------------------------------------------- text
def test_concise_is_one_line_per_finding_and_a_summary():
    text = FORMATS["concise"]([finding(), finding(code="B003", line=7, severity="warning")],
                              roots={("rec", "recipe"): "./recipes/rec"}, recipes=["rec"])
    assert text.splitlines() == [
        "recipes/rec/compose.yml:6:9: B001 [backup-dump-not-restored] service 'db': no restore",
        "recipes/rec/compose.yml:7:9: B003 [backup-dump-not-restored] service 'db': no restore",
        "2 findings (1 error, 1 warning) in 1 recipe",
    ]
    assert FORMATS["text"] is FORMATS["concise"]


def test_full_shows_the_source_line_with_a_caret_under_the_node(tmp_path):
    found = lint(tmp_path, {"compose.yml": DUMP})
    text = FORMATS["full"](found, roots={("rec", "recipe"): str(tmp_path / "rec")}, recipes=["rec"])
    lines = text.splitlines()
    hook = '        backupbot.backup.pre-hook: "pg_dump -U a a > /var/lib/postgresql/data/x.sql"'
    assert lines[0] == (f"{tmp_path}/rec/compose.yml:6:9: B001 [backup-dump-not-restored] error: service 'db': "
                        "backup pre-hook writes a pg_dump dump, but there is no backupbot.restore.post-hook to "
                        "replay it")
    assert lines[1:4] == ["    |", f"  6 | {hook}", "    |         " + "^" * len("backupbot.backup.pre-hook")]
    assert lines[4].startswith("  = fix: Add a `backupbot.restore.post-hook`")
    assert lines[5] == "  = confirm live: recipelint confirm (probe backup-roundtrip)"
    assert lines[-1] == "1 finding (1 error) in 1 recipe"


def test_full_without_a_position_or_file_has_no_snippet():
    text = FORMATS["full"]([finding(path=".", line=None, column=None, end_line=None, end_column=None, probe=None)],
                           roots={("rec", "recipe"): "/nonexistent/rec"}, recipes=["rec"])
    assert text.splitlines()[:2] == ["/nonexistent/rec: B001 [backup-dump-not-restored] error: service 'db': "
                                     "no restore", "  = fix: add a restore hook"]


# ---------------------------------------------------------------- github
def test_github_annotation_levels_positions_and_escaping():
    f = finding(message="50% done, a: b\nsecond line", fix="")
    assert annotation(f, {("rec", "recipe"): "recipes/rec"}) == (
        "::error file=recipes/rec/compose.yml,line=6,col=9,endLine=6,endColumn=34,"
        "title=B001 backup-dump-not-restored::50%25 done, a: b%0Asecond line")
    assert annotation(finding(severity="warning", fix=""), {}).startswith("::warning file=compose.yml,line=6,")
    assert annotation(finding(severity="info", fix="", path="a,b:c.yml", line=None), {}) == \
        "::notice file=a%2Cb%3Ac.yml,title=B001 backup-dump-not-restored::service 'db': no restore"


def test_github_format_skips_suppressed_findings_and_summarises():
    sup = finding(line=9, suppressed={"kind": "inSource", "justification": "ok"})
    out = FORMATS["github"]([finding(), sup], roots={}, recipes=["rec"]).splitlines()
    assert len(out) == 2 and out[0].startswith("::error file=compose.yml,line=6,")
    assert out[1] == "recipelint: 1 finding (1 error) in 1 recipe"


# ---------------------------------------------------------------- junit
def test_junit_one_suite_per_recipe_and_a_passing_case_for_a_clean_one():
    xml = FORMATS["junit"]([finding(), finding(code="N001", name="proxy-bare-service-name", path="Caddyfile",
                                               line=4, column=14, message="bare <app> & co")],
                           roots={("rec", "recipe"): "r"}, recipes=["rec", "clean"])
    top = ET.fromstring(xml.split("\n", 1)[1])
    assert (top.tag, top.get("tests"), top.get("failures")) == ("testsuites", "3", "2")
    rec, clean = top.findall("testsuite")
    assert (rec.get("name"), rec.get("tests"), rec.get("failures")) == ("rec", "2", "2")
    cases = rec.findall("testcase")
    assert [c.get("name") for c in cases] == ["B001 backup-dump-not-restored at r/compose.yml:6:9",
                                              "N001 proxy-bare-service-name at r/Caddyfile:4:14"]
    fail = cases[1].find("failure")
    assert fail.get("type") == "N001 (error)" and fail.get("message") == "bare <app> & co"
    assert (clean.get("tests"), clean.get("failures")) == ("1", "0")
    assert [c.get("name") for c in clean.findall("testcase")] == ["recipelint check"]
    assert clean.find("testcase/failure") is None


# ---------------------------------------------------------------- json
def test_json_lists_suppressed_findings_apart_and_matches_the_schema(tmp_path):
    body = DUMP.replace('x.sql"\n', 'x.sql"  # recipelint: ignore[B001] replayed by the entrypoint\n')
    found = lint(tmp_path, {"compose.yml": body}, keep_suppressed=True)
    doc = json.loads(FORMATS["json"](found, recipes=["rec"]))
    jsonschema.validate(doc, SCHEMA)
    assert doc["findings"] == [] and doc["summary"]["findings"] == 0
    (s,) = doc["suppressed"]
    assert (s["code"], s["line"], s["column"]) == ("B001", 6, 9)
    assert s["suppression"] == {"kind": "inSource", "justification": "replayed by the entrypoint"}
    # a report with nothing suppressed has no such key (the envelope of version 1 is unchanged)
    assert "suppressed" not in json.loads(FORMATS["json"](lint(tmp_path / "b", {"compose.yml": DUMP})))


# ---------------------------------------------------------------- fingerprints
def test_fingerprint_ignores_the_message_and_line_moves_but_not_the_node(tmp_path):
    a = lint(tmp_path / "a", {"compose.yml": DUMP})[0]
    moved = DUMP.replace("services:\n", "services:\n  web:\n    image: nginx:1.25\n")
    b = lint(tmp_path / "b", {"compose.yml": moved})[0]
    assert (a.line, b.line) == (6, 8)
    assert a.node_id == b.node_id == "services/db/deploy/labels/backupbot.backup.pre-hook"
    assert a.fingerprint == b.fingerprint
    reworded = Finding(**{**a.__dict__, "message": "something else entirely"})
    assert reworded.fingerprint == a.fingerprint
    other_service = lint(tmp_path / "c", {"compose.yml": DUMP.replace("  db:", "  pg:")})[0]
    assert other_service.fingerprint != a.fingerprint
    assert Finding(**{**a.__dict__, "code": "B003"}).fingerprint != a.fingerprint


def test_fingerprints_outside_yaml_follow_the_line_text_and_duplicates_are_numbered(tmp_path):
    from recipelint.identity import assign

    class R:
        _yaml = {}
        _texts = {"x.tmpl": "a\n  reverse_proxy app:3000\nreverse_proxy app:3000\n"}

    fs = [finding(path="x.tmpl", line=3, column=1), finding(path="x.tmpl", line=2, column=3)]
    assign(R, fs)
    assert fs[1].node_id.startswith("line:") and fs[0].node_id == fs[1].node_id + "#2"
    assert fs[0].fingerprint != fs[1].fingerprint


# ---------------------------------------------------------------- CLI
@pytest.mark.parametrize("flag", ["--output-file", "--output", "-o"])
def test_output_file_and_its_aliases(tmp_path, flag):
    write_files(tmp_path / "rec", {"compose.yml": DUMP})
    out_file = tmp_path / "report.xml"
    code, out, err = cli("check", "rec", "--select", "B001", "--format", "junit", flag, out_file, cwd=tmp_path)
    assert (code, out, err) == (1, "", "")
    top = ET.fromstring(out_file.read_text().split("\n", 1)[1])
    assert top.get("failures") == "1"


def test_output_format_is_an_alias_of_format(tmp_path):
    write_files(tmp_path / "rec", {"compose.yml": DUMP})
    code, out, _ = cli("check", "rec", "--select", "B001", "--output-format", "github", cwd=tmp_path)
    assert code == 1 and out.startswith("::error file=rec/compose.yml,line=6,col=9,")


def test_check_without_a_path_lints_the_current_directory(tmp_path):
    write_files(tmp_path / "rec", {"compose.yml": DUMP})
    code, out, _ = cli("check", "--select", "B001", cwd=tmp_path / "rec")
    assert code == 1 and out.splitlines()[0].startswith("compose.yml:6:9: B001 ")
