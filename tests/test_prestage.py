"""`recipelint report`: the pre-staged verification log (Markdown) of a sweep."""

import subprocess
import sys
from pathlib import Path

from recipelint.prestage import NO_PROBE, PROBE_VERDICTS, expected_verdict, md
from recipelint.rule import Finding

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "fixtures" / "recipes"
OVERLAY = ROOT / "fixtures" / "overlay"
SEED = "B,N,C,T"  # the seed's rule families: the report's content does not move as the catalogue grows


def cli(*args):
    return subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    i = lines.index(heading)
    j = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("#") and
              lines[k].count("#") <= heading.split(" ")[0].count("#")), len(lines))
    return lines[i:j]


def test_catalogue_report_summary_and_per_finding_entries(tmp_path):
    out = tmp_path / "report.md"
    r = cli("report", "--catalogue", "fixtures/recipes", "--overlay", "fixtures/overlay", "--select", SEED, "-o", out)
    assert r.returncode == 0 and r.stdout == "", r.stderr
    text = out.read_text()
    assert text.startswith("# recipelint pre-staging report\n\n5 recipes (catalogue `fixtures/recipes`; overlay "
                           "tests from `fixtures/overlay`), 5 findings.")
    summary = section(text, "## Summary")
    assert "| recipe defect | 5 | bluesky-pds, gitea, mattermost-lts |" in summary
    assert not any(x.startswith("| stale test") for x in summary)
    assert "| B001 | backup-dump-not-restored | recipe defect | error | 1 | mattermost-lts | backup-roundtrip | yes |" \
        in summary
    assert "| N001 | proxy-bare-service-name | recipe defect | error | 2 | bluesky-pds | shared-network-dns | yes |" \
        in summary
    assert "| C001 | config-over-writable-file | recipe defect | error | 1 | gitea | readonly-config | - |" in summary
    assert "Recipes with no findings: keycloak, mumble." in summary
    # one section per recipe with findings, in name order
    assert [x for x in text.splitlines() if x.startswith("## ")] == \
        ["## Summary", "## bluesky-pds", "## gitea", "## mattermost-lts"]
    b001 = section(text, "### B001 backup-dump-not-restored - `fixtures/recipes/mattermost-lts/compose.yml:72:9`")
    assert b001[1:] == [
        "",
        "- class: recipe defect (error); service `postgres`",
        "- finding: service 'postgres': backup pre-hook writes a pg_dump dump, but there is no "
        "backupbot.restore.post-hook to replay it",
        "- confirm: `recipelint confirm fixtures/recipes/mattermost-lts --select B001 --overlay fixtures/overlay` "
        "(probe `backup-roundtrip`)",
        "- expected verdict: confirmed: restore loses the data - the marker table written before the backup is "
        "missing after the restore (service 'postgres', pg_dump dump never replayed)",
        "- live result: not run yet",
        "- fix: Add a `backupbot.restore.post-hook` on the same service that replays the dump, e.g. "
        "`psql -U $$POSTGRES_USER -d $$POSTGRES_DB -f /var/lib/postgresql/data/backup.sql`, or use a script with "
        "backup and restore modes (`/pg_backup.sh backup` / `/pg_backup.sh restore`).",
        "- autofix: `recipelint fix fixtures/recipes/mattermost-lts --select B001` shows the diff; add `--apply` "
        "to write it",
        "",
    ]
    n001 = section(text, "### N001 proxy-bare-service-name - `fixtures/recipes/bluesky-pds/Caddyfile:12:16`")
    assert "- expected verdict: confirmed: the name resolves to another stack's task - from 'caddy', bare 'app' " \
           "returns a decoy stack's address on 'proxy'" in n001
    c001 = section(text, "### C001 config-over-writable-file - `fixtures/recipes/gitea/compose.yml:20:17`")
    assert f"- expected verdict: {md(PROBE_VERDICTS['readonly-config'])}" in c001
    assert not any(x.startswith("- autofix") for x in c001)


def test_paths_and_stale_tests_of_a_git_recipe(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("fixtures_build", ROOT / "fixtures" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from recipelint.testing import build_repo

    repo = tmp_path / "discourse"
    build_repo(repo, mod.load_history("discourse"))
    r = cli("report", repo, RECIPES / "mumble", "--overlay", OVERLAY, "--select", SEED)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert "| stale test | 3 | discourse |" in text
    assert "Recipes with no findings: mumble." in text
    t002 = section(text, f"### T002 overlay-asserts-unreleased-services - `{OVERLAY}/discourse/test_upgrade.py:39:5`")
    assert f"- confirm: `recipelint confirm {repo} --select T002 --overlay {OVERLAY}` (probe `stale-overlay`)" in t002
    assert "- class: stale test (error)" in t002
    assert f"- expected verdict: {md(PROBE_VERDICTS['stale-overlay'])}" in t002


def test_a_clean_run_says_so_and_bad_input_is_one_line(tmp_path):
    r = cli("report", RECIPES / "mumble", "--select", SEED)
    assert r.returncode == 0
    assert "\n## Summary\n\nNo findings.\n\nRecipes with no findings: mumble.\n" in r.stdout
    r = cli("report")
    assert (r.returncode, r.stderr) == (2, "recipelint: error: report: give recipe PATHs or --catalogue DIR\n")
    r = cli("report", "--catalogue", tmp_path / "nope")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "nope: not a directory" in r.stderr
    (tmp_path / "notarecipe").mkdir()
    r = cli("report", tmp_path / "notarecipe", RECIPES / "mumble", "--select", SEED)
    assert r.returncode == 0
    assert "Not linted:" in r.stdout and "not a recipe (no compose\\*.yml and no .env.sample)" in r.stdout


class _Rule:
    probe = "backup-roundtrip"
    live_verdict = ""


def _finding(**data):
    return Finding(code="B001", name="x", severity="error", category="recipe-defect", recipe="r", path="compose.yml",
                   line=1, column=1, end_line=None, end_column=None, service="db", message="m", fix="f",
                   probe="backup-roundtrip", data=data)


def test_expected_verdict_comes_from_the_rule_else_its_probe():
    rule = _Rule()
    assert expected_verdict(rule, _finding()) == PROBE_VERDICTS["backup-roundtrip"]
    rule.live_verdict = "restore of '{service}' loses the {dump_tool} dump"
    assert expected_verdict(rule, _finding(dump_tool="pg_dump")) == "restore of 'db' loses the pg_dump dump"
    assert expected_verdict(rule, _finding()) == "restore of '{service}' loses the {dump_tool} dump"  # no data
    rule.live_verdict, rule.probe = "", None
    f = _finding()
    f.probe = None
    assert expected_verdict(rule, f) == NO_PROBE


def test_markdown_escaping_keeps_code_spans_and_names():
    assert md("names `a_*b` and STACK_NAME, *_HOST <x> [y] a|b") == \
        "names `a_*b` and STACK_NAME, \\*\\_HOST \\<x\\> \\[y\\] a\\|b"


def test_report_imports_no_runner_or_docker():
    code = ("import sys; from recipelint.prestage import build; "
            f"build([{str(RECIPES / 'mattermost-lts')!r}]); "
            "print(sorted(m for m in sys.modules if m.startswith(('docker', 'recipelint.runner', 'libcst'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert (r.returncode, r.stdout) == (0, "[]\n"), r.stderr
