"""`recipelint fix`: surgical edits, diff-only by default, refusals with reasons, re-lint after."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recipelint import engine
from recipelint.fix import FIXED, NO_FIX, REFUSED, plan
from recipelint.model import Recipe

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "fixtures" / "recipes"
RULES = {r.code: r for r in engine.discover()}


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def tree_hash(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        h.update(str(p.relative_to(d)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def copy(name, tmp_path) -> Path:
    dest = tmp_path / name
    shutil.copytree(RECIPES / name, dest)
    return dest


def codes_at(path: Path, code: str):
    r = Recipe.load(path)
    return [(f.path, f.line, f.column) for f in engine.run(r, [RULES[code]])]


def write(d: Path, files: dict) -> Path:
    for rel, text in files.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_text(text)
    return d


def outcomes(d: Path, code: str):
    r = Recipe.load(d)
    p = plan(r, engine.run(r, [RULES[code]]))
    return p, [(o.finding.path, o.finding.line, o.status, o.note) for o in p.outcomes]


# ---------------------------------------------------------------- the seed fixtures

def test_bluesky_fix_apply_removes_n001_and_bumps_the_config_version(tmp_path):
    d = copy("bluesky-pds", tmp_path)
    before = {p: (d / p).read_text() for p in ("compose.yml", "Caddyfile", "abra.sh", ".env.sample",
                                               "entrypoint.sh.tmpl")}
    assert codes_at(d, "N001") == [("Caddyfile", 4, 14), ("Caddyfile", 12, 16)]
    r = cli("fix", d, "--apply", "--select", "N001")
    assert r.returncode == 0, r.stderr
    assert codes_at(d, "N001") == []
    # the config's version was bumped where the recipe keeps it (abra.sh), so swarm makes a new config
    assert (d / "abra.sh").read_text() == "export CADDYFILE_VERSION=v2\nexport ENTRYPOINT_VERSION=v1\n"
    # exactly the two names changed in the Caddyfile, tabs and all
    caddy = (d / "Caddyfile").read_text().splitlines()
    old = before["Caddyfile"].splitlines()
    changed = [i + 1 for i, (a, b) in enumerate(zip(old, caddy)) if a != b]
    assert changed == [4, 12] and len(caddy) == len(old)
    assert caddy[3] == '\t\task http://{{ env "STACK_NAME" }}_app:3000/tls-check'
    assert caddy[11] == '\treverse_proxy {{ env "STACK_NAME" }}_app:3000'
    # caddy renders the template from its own environment: STACK_NAME is added there, nothing else moves
    comp = (d / "compose.yml").read_text().splitlines()
    assert comp[:51] == before["compose.yml"].splitlines()[:51]
    assert comp[51] == "      - STACK_NAME=${STACK_NAME}"
    assert comp[52:] == before["compose.yml"].splitlines()[51:]
    assert (d / ".env.sample").read_text() == before[".env.sample"]
    assert (d / "entrypoint.sh.tmpl").read_text() == before["entrypoint.sh.tmpl"]
    assert "fix: Caddyfile:4:14: N001 fixed" in r.stderr and "0 findings remain" in r.stderr
    recipe = Recipe.load(d)
    env = recipe.default.services["caddy"].environment
    assert env["STACK_NAME"].text == "${STACK_NAME}"


def test_mattermost_b001_fix_adds_the_replay_and_leaves_b002(tmp_path):
    d = copy("mattermost-lts", tmp_path)
    old = (d / "compose.yml").read_text().splitlines()
    r = cli("fix", d, "--apply", "--select", "B")
    assert r.returncode == 1, r.stderr  # B002 (a hot copy of PGDATA) has no autofix and remains
    assert codes_at(d, "B001") == []
    assert codes_at(d, "B002") == [("compose.yml", 74, 9)]
    new = (d / "compose.yml").read_text().splitlines()
    assert new[71] == ("        backupbot.backup.pre-hook: \"sh -c 'pg_dump --clean --if-exists -U $${POSTGRES_USER} "
                       "$${POSTGRES_DB} > /var/lib/postgresql/data/postgres-backup.sql'\"")
    assert new[74] == ("        backupbot.restore.post-hook: \"sh -c 'psql -U $${POSTGRES_USER} -d $${POSTGRES_DB} "
                       "-f /var/lib/postgresql/data/postgres-backup.sql'\"")
    assert new[:71] == old[:71] and new[72:74] == old[72:74] and new[75:] == old[74:]
    assert "compose.yml:72:9: B001 fixed" in r.stderr
    assert "1 finding remains:" in r.stderr and "compose.yml:74:9: B002" in r.stderr
    # the hook as docker passes it to the container
    post = Recipe.load(d).default.services["postgres"].labels["backupbot.restore.post-hook"]
    assert post.value == ("sh -c 'psql -U $${POSTGRES_USER} -d $${POSTGRES_DB} "
                          "-f /var/lib/postgresql/data/postgres-backup.sql'")


@pytest.mark.parametrize("name,select", [("bluesky-pds", "N001"), ("mattermost-lts", "B001")])
def test_diff_only_writes_nothing_and_the_diff_is_what_apply_writes(tmp_path, name, select):
    d = copy(name, tmp_path / "a")
    h = tree_hash(d)
    r = cli("fix", d, "--select", select)
    assert tree_hash(d) == h, "fix without --apply wrote something"
    assert r.returncode == 1  # nothing written: the recipe still has the finding
    assert "0 findings would remain" in r.stderr
    assert "diff only, nothing written" in r.stderr
    assert r.stdout.startswith("--- a/")
    # the printed diff, applied with git, gives exactly what --apply writes
    g = copy(name, tmp_path / "b")
    subprocess.run(["git", "apply", "-"], input=r.stdout, text=True, cwd=g, check=True)
    a = copy(name, tmp_path / "c")
    assert cli("fix", a, "--apply", "--select", select).returncode == 0
    assert tree_hash(g) == tree_hash(a) != h


# ---------------------------------------------------------------- refusals

PROXY = "networks:\n  proxy:\n    external: true\n"


def test_a_name_from_a_variable_is_refused(tmp_path):
    d = write(tmp_path, {"compose.yml": "services:\n  app:\n    image: x/app:1\n    networks: [proxy]\n"
                                        "    environment:\n      SELF_URL: http://${SELF:-app}:3000\n" + PROXY})
    p, out = outcomes(d, "N001")
    assert out == [("compose.yml", 6, REFUSED, "the name comes from the variable ${SELF:-app}: set its value "
                                               "(or default) to the qualified name instead")]
    assert p.changed == []


def test_a_name_inside_a_yaml_anchor_is_refused(tmp_path):
    d = write(tmp_path, {"compose.yml": "x-env: &env\n  FRONTEND_URL: http://web:8000/hooks\nservices:\n"
                                        "  web:\n    image: nginx:1\n    networks: [proxy]\n"
                                        "  app:\n    image: x/app:1\n    networks: [proxy]\n    environment: *env\n"
                                        + PROXY})
    p, out = outcomes(d, "N001")
    assert [(o[0], o[1], o[2]) for o in out] == [("compose.yml", 2, REFUSED)]
    assert "inside YAML anchor &env, which aliases reuse" in out[0][3]
    assert p.changed == []


def test_a_bind_mounted_file_is_refused(tmp_path):
    d = write(tmp_path, {"compose.yml": "services:\n  app:\n    image: x/app:1\n  caddy:\n    image: caddy:2\n"
                                        "    networks: [proxy, default]\n    volumes:\n"
                                        "      - ./Caddyfile:/etc/caddy/Caddyfile:ro\n" + PROXY,
                         "Caddyfile": "example.com {\n\treverse_proxy app:3000\n}\n"})
    p, out = outcomes(d, "N001")
    assert [(o[0], o[1], o[2]) for o in out] == [("Caddyfile", 2, REFUSED)]
    assert out[0][3].startswith("Caddyfile is bind-mounted, not a swarm config")
    assert p.changed == []


def test_a_plain_config_that_already_holds_braces_is_refused(tmp_path):
    d = write(tmp_path, {"compose.yml": "services:\n  app:\n    image: x/app:1\n  caddy:\n    image: caddy:2\n"
                                        "    networks: [proxy, default]\n    configs:\n"
                                        "      - source: caddyfile\n        target: /etc/caddy/Caddyfile\n"
                                        + PROXY + "configs:\n  caddyfile:\n    file: Caddyfile\n",
                         "Caddyfile": "example.com {\n\trespond \"{{not a template}}\"\n\treverse_proxy app:3000\n}\n"})
    p, out = outcomes(d, "N001")
    assert [(o[0], o[1], o[2]) for o in out] == [("Caddyfile", 3, REFUSED)]
    assert "not a golang template yet but holds `{{`" in out[0][3]


@pytest.mark.parametrize("hook,reason", [
    ("pg_dump -U app > /var/lib/postgresql/data/b.sql",
     "the pre-hook does not name the database pg_dump dumps"),
    ("pg_dump -U app app",
     "the pre-hook's pg_dump writes to standard output, not to a file"),
    ("pg_dump -U app app > /tmp/a.sql && gzip /tmp/a.sql",
     "the pre-hook runs several commands"),
    ("pg_dumpall -U postgres > /var/lib/postgresql/data/all.sql",
     "the pre-hook's dump (pg_dumpall) has no automatic replay"),
    ("mysqldump --skip-opt -uroot app > /var/lib/mysql/d.sql",
     "the dump is taken with --skip-opt"),
    ("pg_dump -U app app | xz > /var/lib/postgresql/data/b.sql.xz",
     "the dump is piped into xz"),
])
def test_ambiguous_dumps_are_refused(tmp_path, hook, reason):
    d = write(tmp_path, {"compose.yml": "services:\n  db:\n    image: postgres:15\n    deploy:\n      labels:\n"
                                        f"        backupbot.backup: \"true\"\n        backupbot.backup.pre-hook: \"{hook}\"\n"})
    p, out = outcomes(d, "B001")
    assert [(o[0], o[1], o[2]) for o in out] == [("compose.yml", 7, REFUSED)]
    assert out[0][3].startswith(reason), out[0][3]
    assert p.changed == []


def test_labels_inside_an_anchor_are_refused(tmp_path):
    d = write(tmp_path, {"compose.yml": "x-labels: &labels\n  backupbot.backup: \"true\"\n"
                                        "  backupbot.backup.pre-hook: \"pg_dump -U app app > /var/lib/postgresql/data/b.sql\"\n"
                                        "services:\n  db:\n    image: postgres:15\n    deploy:\n      labels: *labels\n"})
    p, out = outcomes(d, "B001")
    assert [(o[0], o[1], o[2]) for o in out] == [("compose.yml", 3, REFUSED)]
    assert "inside YAML anchor &labels" in out[0][3]


def test_refused_fixes_write_nothing_even_with_apply(tmp_path):
    d = write(tmp_path / "r", {"compose.yml": "services:\n  db:\n    image: mongo:7\n    deploy:\n      labels:\n"
                                             "        backupbot.backup.pre-hook: \"mongodump --archive=/data/db/d\"\n"})
    h = tree_hash(d)
    r = cli("fix", d, "--apply", "--select", "B001")
    assert r.returncode == 1
    assert tree_hash(d) == h
    assert r.stdout == ""
    assert "compose.yml:6:9: B001 refused: the pre-hook's dump (mongodump) has no automatic replay" in r.stderr
    assert "0 fixed, 1 refused, 0 without an autofix; 1 finding remains:" in r.stderr


# ---------------------------------------------------------------- shapes the fixers keep

def test_plain_scalar_in_a_flow_list_is_quoted(tmp_path):
    d = write(tmp_path, {"compose.yml": "services:\n  app:\n    image: x/app:1\n    networks: [proxy]\n"
                                        "  side:\n    image: caddy:2\n    networks: [proxy]\n"
                                        "    command: [caddy, reverse-proxy, --to, app:8080]  # keep me\n" + PROXY})
    p, out = outcomes(d, "N001")
    assert [(o[0], o[1], o[2]) for o in out] == [("compose.yml", 8, FIXED)]
    assert p.new["compose.yml"].splitlines()[7] == \
        '    command: [caddy, reverse-proxy, --to, "${STACK_NAME}_app:8080"]  # keep me'
    assert p.relint([RULES["N001"]]) == []


def test_versions_are_bumped_where_they_are_kept(tmp_path):
    d = write(tmp_path, {
        "compose.yml": "services:\n  app:\n    image: x/app:1\n    networks: [proxy]\n"
                       "  web:\n    image: nginx:1\n    networks: [proxy]\n    environment:\n      TZ: UTC\n"
                       "    configs:\n      - source: a\n        target: /etc/nginx/conf.d/a.conf\n"
                       "      - source: b\n        target: /etc/nginx/conf.d/b.conf\n" + PROXY +
                       "configs:\n  a:\n    name: ${STACK_NAME}_a_${A_VERSION:-v1}\n    file: a.conf.tmpl\n"
                       "    template_driver: golang\n"
                       "  b:\n    name: ${STACK_NAME}_b_${B_VERSION}\n    file: b.conf.tmpl\n"
                       "    template_driver: golang\n",
        ".env.sample": "DOMAIN=x.example\nB_VERSION=v9 # bump on change\n",
        "a.conf.tmpl": "location / { proxy_pass http://app:80; }\n",
        "b.conf.tmpl": "location / { proxy_pass http://app:81; }\n"})
    p, out = outcomes(d, "N001")
    assert [(o[0], o[1], o[2]) for o in out] == [("a.conf.tmpl", 1, FIXED), ("b.conf.tmpl", 1, FIXED)]
    comp = p.new["compose.yml"].splitlines()
    assert comp[8:10] == ["      TZ: UTC", "      STACK_NAME: ${STACK_NAME}"]  # the mapping form kept
    assert "    name: ${STACK_NAME}_a_${A_VERSION:-v2}" in comp  # no pin anywhere else: the default
    assert p.new[".env.sample"] == "DOMAIN=x.example\nB_VERSION=v10 # bump on change\n"
    assert p.new["compose.yml"].count("STACK_NAME: ${STACK_NAME}") == 1  # one entry for both findings
    assert p.relint([RULES["N001"]]) == []


def test_b001_list_labels_mysql_and_archive_formats(tmp_path):
    d = write(tmp_path / "m", {"compose.yml": "services:\n  db:\n    image: mariadb:11\n    deploy:\n      labels:\n"
                                              "        - 'backupbot.backup=true'\n"
                                              "        - 'backupbot.backup.pre-hook=mariadb-dump -uroot "
                                              "-p\"$$MARIADB_ROOT_PASSWORD\" app > /var/lib/mysql/d.sql'\n"
                                              "        - traefik.enable=false\n"})
    p, out = outcomes(d, "B001")
    assert [o[2] for o in out] == [FIXED]
    assert p.new["compose.yml"].splitlines()[7] == \
        "        - 'backupbot.restore.post-hook=mariadb -uroot -p\"$$MARIADB_ROOT_PASSWORD\" app < /var/lib/mysql/d.sql'"
    assert p.relint([RULES["B001"]]) == []
    d = write(tmp_path / "c", {"compose.yml": "services:\n  db:\n    image: postgres:15\n    deploy:\n      labels:\n"
                                              "        backupbot.backup.pre-hook: pg_dump -Fc -U app -d app -f /b/x.dump\n"})
    p, out = outcomes(d, "B001")
    assert [o[2] for o in out] == [FIXED]
    assert p.new["compose.yml"].splitlines()[6] == \
        "        backupbot.restore.post-hook: pg_restore --clean --if-exists -U app -d app /b/x.dump"
    assert "pg_dump -Fc -U app" in p.new["compose.yml"]  # archive formats need no --clean in the dump


def test_crlf_files_keep_their_line_ends(tmp_path):
    d = write(tmp_path, {})
    (d / "compose.yml").write_bytes(b"services:\r\n  db:\r\n    image: postgres:15\r\n    deploy:\r\n      labels:\r\n"
                                    b"        backupbot.backup.pre-hook: \"pg_dump -U a a > /d/b.sql\"\r\n")
    r = Recipe.load(d)
    p = plan(r, engine.run(r, [RULES["B001"]]))
    assert p.write() == ["compose.yml"]
    raw = (d / "compose.yml").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == 7
    assert b"backupbot.restore.post-hook: \"psql -U a -d a -f /d/b.sql\"\r\n" in raw


def test_findings_without_a_fixer_are_left_alone(tmp_path):
    d = copy("gitea", tmp_path)
    r = Recipe.load(d)
    p = plan(r, engine.run(r, [RULES["C001"]]))
    assert [o.status for o in p.outcomes] == [NO_FIX] and p.diff() == ""


# ---------------------------------------------------------------- every INVALID example of a fixable rule

from recipelint.fix import FIXERS  # noqa: E402
from recipelint.model.yamlnode import load_yaml  # noqa: E402
from recipelint.testing import materialise  # noqa: E402

EXAMPLES = [pytest.param(code, ex, id=f"{code}-invalid-{i}")
            for code in sorted(FIXERS) for i, ex in enumerate(RULES[code].invalid, start=1)]


@pytest.mark.parametrize("code,ex", EXAMPLES)
def test_a_fix_removes_its_finding_or_says_why_not(tmp_path, code, ex):
    recipe_dir, overlay = materialise(ex, tmp_path, "example")
    r = Recipe.load(recipe_dir, overlay_root=overlay)
    findings = engine.run(r, [RULES[code]])
    assert findings, "the INVALID example must fire"
    p = plan(r, findings)
    fixed = [(o.finding.path, o.finding.line, o.finding.column) for o in p.outcomes if o.status == FIXED]
    refused = [o for o in p.outcomes if o.status == REFUSED]
    assert len(fixed) + len(refused) == len(findings)
    assert all(len(o.note) > 20 for o in refused)
    assert p.any_changed == bool(fixed)
    for rel in p.changed:
        if rel.endswith((".yml", ".yaml")):
            assert load_yaml(p.new[rel], rel)[1] == []
    after = [(f.path, f.line, f.column) for f in p.relint([RULES[code]])]
    # fixed findings are gone; refused ones are still there (where they were, if their file is unchanged)
    kept = sorted((o.finding.path, o.finding.line, o.finding.column) for o in refused)
    if any(k[0] in p.changed + p.changed_overlay for k in kept):
        after, kept = [a[0] for a in after], [k[0] for k in kept]
    assert after == kept


def test_r001_keeps_the_quoting_and_fills_an_empty_version(tmp_path):
    d = write(tmp_path, {"compose.yml": "---\nversion: '3'  # old\nservices:\n  app:\n    image: nginx:1\n",
                         "compose.smtp.yml": "version:\nservices:\n  app:\n    environment: [SMTP=1]\n"})
    p, out = outcomes(d, "R001")
    assert [(o[0], o[1], o[2]) for o in out] == [("compose.smtp.yml", 1, FIXED), ("compose.yml", 2, FIXED)]
    assert p.new["compose.yml"] == "---\nversion: '3.8'  # old\nservices:\n  app:\n    image: nginx:1\n"
    assert p.new["compose.smtp.yml"].startswith('version: "3.8"\nservices:\n')
    assert p.relint([RULES["R001"]]) == []


def test_bad_input_is_one_line_and_a_crashing_fixer_changes_nothing(tmp_path, monkeypatch):
    r = cli("fix", tmp_path / "missing")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "missing: not a directory" in r.stderr
    d = copy("mattermost-lts", tmp_path)
    import recipelint.fix.b001 as b001

    def boom(recipe, f):
        raise KeyError("labels")

    monkeypatch.setattr(b001, "fix", boom)
    rec = Recipe.load(d)
    p = plan(rec, engine.run(rec, [RULES["B001"]]))
    assert [(o.status, o.note) for o in p.outcomes] == [
        (REFUSED, "the B001 fixer failed (KeyError: 'labels'); nothing changed for this finding - please report it")]
    assert p.changed == []


def test_fix_defaults_to_the_current_directory(tmp_path):
    d = copy("mattermost-lts", tmp_path)
    r = cli("fix", "--select", "B001", cwd=d)
    assert r.returncode == 1 and r.stdout.startswith("--- a/compose.yml\n+++ b/compose.yml\n")
    assert "compose.yml:72:9: B001 fixed" in r.stderr


def test_s010_missing_version_gets_abras_version_first(tmp_path):
    d = write(tmp_path, {"compose.yml": "---\n# the app\nservices:\n  app:\n    image: nginx:1\n"})
    p, out = outcomes(d, "S010")
    assert [(o[0], o[1], o[2]) for o in out] == [("compose.yml", 3, FIXED)]
    assert p.new["compose.yml"] == '---\n# the app\nversion: "3.8"\n\nservices:\n  app:\n    image: nginx:1\n'
    assert p.relint([RULES["S010"]]) == []
