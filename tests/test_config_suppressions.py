"""Inline suppressions: `recipelint: ignore[CODE] reason` in each file's comment syntax, file-level
ignores, the required reason (X002), unused ignores (X001) and --no-inline-ignores."""

import json

import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.suppress import parse
from recipelint.testing import write_files

from integrations_helpers import cli

RULES = [r for r in engine.discover() if r.code in ("B001", "N001")]

HOOK = '        backupbot.backup.pre-hook: "pg_dump -U a a > /var/lib/postgresql/data/x.sql"'


def dump_compose(before: str = "", trailing: str = "", after: str = "") -> str:
    lines = ["services:", "  db:", "    image: postgres:15", "    deploy:", "      labels:"]
    if before:
        lines.append(before)
    lines.append(HOOK + (f"  {trailing}" if trailing else ""))
    if after:
        lines.append(after)
    return "\n".join(lines) + "\n"


CADDY_COMPOSE = """\
services:
  app:
    image: ghcr.io/bluesky-social/pds:0.4
    networks: [internal]
  caddy:
    image: caddy:2
    networks: [proxy, internal]
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
networks:
  proxy:
    external: true
  internal:
configs:
  caddyfile:
    file: Caddyfile
    template_driver: golang
"""


def lint(tmp_path, files, **kw):
    write_files(tmp_path / "rec", files)
    r = Recipe.load(tmp_path / "rec")
    return engine.run(r, RULES, **kw)


def codes_at(found):
    return sorted((f.code, f.path, f.line, f.column) for f in found)


def test_comment_on_the_line_above_suppresses_with_its_reason(tmp_path):
    found = lint(tmp_path, {"compose.yml": dump_compose(before="        # recipelint: ignore[B001] replayed by "
                                                                  "the entrypoint")}, keep_suppressed=True)
    (b,) = [f for f in found if f.code == "B001"]
    assert (b.line, b.column) == (7, 9)
    assert b.suppressed == {"kind": "inSource", "justification": "replayed by the entrypoint",
                            "path": "compose.yml", "line": 6, "file_level": False}
    assert [f.code for f in found if f.suppressed is None] == []
    # without keep_suppressed (the default) the finding is simply gone
    assert lint(tmp_path / "again", {"compose.yml": dump_compose(
        before="        # recipelint: ignore[B001] replayed by the entrypoint")}) == []


def test_trailing_comment_suppresses_its_own_line_by_prefix(tmp_path):
    found = lint(tmp_path, {"compose.yml": dump_compose(trailing="# recipelint: ignore[B] dump is replayed")})
    assert found == []


def test_comment_above_skips_further_comment_lines(tmp_path):
    body = dump_compose(before="        # recipelint: ignore[B001] replayed elsewhere\n        # (see the README)")
    assert lint(tmp_path, {"compose.yml": body}) == []


def test_a_comment_two_lines_above_with_code_between_does_not_apply(tmp_path):
    body = dump_compose(before='        # recipelint: ignore[B001] not here\n        backupbot.backup: "true"')
    found = lint(tmp_path, {"compose.yml": body})
    assert codes_at(found) == [("B001", "compose.yml", 8, 9), ("X001", "compose.yml", 6, 11)]
    assert "matches no finding on line 7" in next(f.message for f in found if f.code == "X001")


def test_ignore_without_reason_still_suppresses_but_is_X002(tmp_path):
    found = lint(tmp_path, {"compose.yml": dump_compose(trailing="# recipelint: ignore[B001]")})
    assert codes_at(found) == [("X002", "compose.yml", 6, 89)]
    x = found[0]
    assert x.severity == "error" and x.name == "suppression-without-reason"


def test_unused_ignore_is_X001_and_unknown_codes_are_named(tmp_path):
    body = dump_compose(after="        # recipelint: ignore[B001,Q123] nothing follows")
    found = lint(tmp_path, {"compose.yml": body})
    assert codes_at(found) == [("B001", "compose.yml", 6, 9), ("X001", "compose.yml", 7, 11),
                               ("X001", "compose.yml", 7, 11)]
    msgs = sorted(f.message for f in found if f.code == "X001")
    assert "no rule code starts with 'Q123'" in msgs[1] and "followed by nothing" in msgs[0]


def test_ignore_of_a_rule_that_did_not_run_is_not_reported(tmp_path):
    body = dump_compose(trailing="# recipelint: ignore[S001] schema is fine")
    found = lint(tmp_path, {"compose.yml": body})
    assert codes_at(found) == [("B001", "compose.yml", 6, 9)]


def test_file_level_ignore(tmp_path):
    body = "# recipelint: ignore-file[B001] dumps are replayed by ops\n" + dump_compose()
    found = lint(tmp_path, {"compose.yml": body}, keep_suppressed=True)
    (b,) = found
    assert b.code == "B001" and b.suppressed["file_level"] and b.suppressed["line"] == 1
    unused = lint(tmp_path / "u", {"compose.yml": "# recipelint: ignore-file[B001] none here\n"
                                                   "services:\n  app:\n    image: nginx:1.25\n"})
    assert codes_at(unused) == [("X001", "compose.yml", 1, 3)]


def test_golang_template_comment_syntax(tmp_path):
    caddy = ("{\n\ton_demand_tls {\n"
             "\t\t{{/* recipelint: ignore[N001] the pds answers the ask on the internal network only */}}\n"
             "\t\task http://app:3000/tls-check\n\t}\n}\n\n"
             "{{ env \"DOMAIN\" }} {\n\treverse_proxy app:3000 {{/* recipelint: ignore[N001] */}}\n}\n")
    found = lint(tmp_path, {"compose.yml": CADDY_COMPOSE, "Caddyfile": caddy}, keep_suppressed=True)
    rows = sorted((f.code, f.path, f.line, f.suppressed["justification"] if f.suppressed else None) for f in found)
    assert rows == [("N001", "Caddyfile", 4, "the pds answers the ask on the internal network only"),
                    ("N001", "Caddyfile", 9, ""),
                    ("X002", "Caddyfile", 9, None)]


def test_hash_comments_in_a_plain_config_file(tmp_path):
    caddy = ("{\n\ton_demand_tls {\n\t\task http://app:3000/tls-check # recipelint: ignore[N001] internal only\n"
             "\t}\n}\n\n{{ env \"DOMAIN\" }} {\n\treverse_proxy app:3000\n}\n")
    found = lint(tmp_path, {"compose.yml": CADDY_COMPOSE, "Caddyfile": caddy})
    assert codes_at(found) == [("N001", "Caddyfile", 8, 16)]


def test_directive_text_inside_a_value_is_not_a_comment():
    assert parse('command: "recipelint: ignore[B001] no"\n', "recipe", "compose.yml") == []
    (d,) = parse("  x: 1  # recipelint: ignore[b001, N0] why not\n", "recipe", "compose.yml")
    assert (d.codes, d.reason, d.target, d.col) == (["B001", "N0"], "why not", 1, 11)


def test_no_inline_ignores_disregards_every_comment(tmp_path):
    found = lint(tmp_path, {"compose.yml": dump_compose(trailing="# recipelint: ignore[B001]")},
                 inline_ignores=False)
    assert codes_at(found) == [("B001", "compose.yml", 6, 9)]


@pytest.fixture
def suppressed_recipe(tmp_path):
    d = tmp_path / "rec"
    write_files(d, {"compose.yml": dump_compose(trailing="# recipelint: ignore[B001] replayed by the entrypoint")})
    return d


def test_cli_suppressed_finding_passes_and_json_lists_it_apart(suppressed_recipe, tmp_path):
    code, out, err = cli("check", suppressed_recipe, "--select", "B001,X", cwd=tmp_path)
    assert code == 0 and out == "0 findings in 1 recipe\n", err
    code, out, _ = cli("check", suppressed_recipe, "--select", "B001,X", "--format", "json", cwd=tmp_path)
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [] and doc["summary"]["findings"] == 0
    (s,) = doc["suppressed"]
    assert (s["code"], s["line"], s["suppression"]) == \
        ("B001", 6, {"kind": "inSource", "justification": "replayed by the entrypoint"})


def test_cli_no_inline_ignores_fails_again(suppressed_recipe, tmp_path):
    code, out, _ = cli("check", suppressed_recipe, "--select", "B001,X", "--no-inline-ignores", cwd=tmp_path)
    assert code == 1 and "compose.yml:6:9: B001" in out
