"""Reference integrity (I002-I013) and Traefik label sanity (P001-P004) beyond the rule examples:
a whole recipe through the CLI with exact positions, interpolation-only values, the model pieces
these rules rely on, and lazy imports."""

import json
import os
import subprocess
import sys
from pathlib import Path

from recipelint import engine
from recipelint.model import Recipe
from recipelint.model.templates import template_refs
from recipelint.testing import build_repo, write_files

ROOT = Path(__file__).resolve().parent.parent
MINE = ("I002", "I003", "I004", "I005", "I006", "I007", "I008", "I009", "I010", "I011", "I012", "I013",
        "P001", "P002", "P003", "P004", "P005", "P006")


def cli(*args):
    r = subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", *map(str, args)],
                       capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return r.returncode, r.stdout, r.stderr


def mine(found):
    return sorted((f.code, f.path, f.line, f.column) for f in found if f.code in MINE)


def run_rules(path):
    rules = [r for r in engine.discover() if r.code in MINE]
    return engine.run(Recipe.load(path), rules)


BROKEN = {
    "compose.yml": """\
version: "3.8"
services:
  app:
    image: nginx:1.27
    environment:
      - DOMAIN
    networks: [proxy, backend]
    volumes:
      - site-data:/srv
    configs:
      - source: nginx_conf
        target: /etc/nginx/conf.d/default.conf
    labels:
      - "traefik.enable=true"
    deploy:
      labels:
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}.service=${STACK_NAME}-app"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
        - "coop-cloud.${STACK_NAME}.version=1.0.0+1.27.0"
networks:
  proxy:
    external: true
volumes:
  site_data:
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}
    file: nginx.conf.tmpl
    template_driver: golang
  robots:
    file: robots.txt
""",
    "nginx.conf.tmpl": 'server {\n  server_name {{ env "DOMAIN" }};\n'
                       '  location / { proxy_pass http://{{ env "PHP_SERVER" }}:9000; }\n'
                       '  # {{ secret "htpasswd" }}\n}\n',
    "abra.sh": "export NGINX_CONF_VERSION=v1\n",
    ".env.sample": "TYPE=site\nDOMAIN=site.example.com\n#LETS_ENCRYPT_ENV=production\n",
}

# what BROKEN must produce, exactly: (code, path, line, col)
EXPECTED = [
    ("I002", "compose.yml", 7, 23),  # backend: not declared
    ("I003", "compose.yml", 9, 9),  # site-data vs site_data
    ("I007", "compose.yml", 32, 11),  # robots.txt is not there
    ("I008", "nginx.conf.tmpl", 3, 34),  # PHP_SERVER: nowhere (abra copies .env.sample into app)
    ("I009", "nginx.conf.tmpl", 4, 5),  # htpasswd not mounted
    ("P001", "compose.yml", 14, 10),  # traefik.enable as a container label
    ("P002", "compose.yml", 18, 55),  # router -> ${STACK_NAME}-app, defined as ${STACK_NAME}
    ("P004", "compose.yml", 17, 12),  # routing labels, but traefik.enable is not in deploy.labels
]


def test_a_broken_recipe_gets_exactly_these_findings(tmp_path):
    write_files(tmp_path / "site", BROKEN)
    assert mine(run_rules(tmp_path / "site")) == sorted(EXPECTED)


def test_the_cli_reports_the_same_positions_in_json(tmp_path):
    write_files(tmp_path / "site", BROKEN)
    code, out, err = cli("check", tmp_path / "site", "--format", "json", "--select", ",".join(MINE))
    assert code == 1, err
    doc = json.loads(out)
    findings = doc["findings"] if isinstance(doc, dict) else doc
    got = sorted((f["code"], f["path"], f["line"], f["column"]) for f in findings)
    assert got == sorted(EXPECTED)


def test_the_fixed_recipe_is_clean(tmp_path):
    fixed = dict(BROKEN)
    fixed["compose.yml"] = (BROKEN["compose.yml"]
                            .replace("networks: [proxy, backend]", "networks: [proxy]")
                            .replace("site-data:/srv", "site_data:/srv")
                            .replace("    labels:\n      - \"traefik.enable=true\"\n", "")
                            .replace("      labels:\n", "      labels:\n        - \"traefik.enable=true\"\n")
                            .replace("service=${STACK_NAME}-app", "service=${STACK_NAME}")
                            .replace("      - DOMAIN\n", "      - DOMAIN\n      - PHP_SERVER=${STACK_NAME}_php\n")
                            .replace("    environment:", "    secrets: [htpasswd]\n    environment:")
                            .replace("  robots:\n    file: robots.txt\n",
                                     "secrets:\n  htpasswd:\n    external: true\n"))
    write_files(tmp_path / "site", fixed)
    assert mine(run_rules(tmp_path / "site")) == []


def test_values_that_are_only_interpolation_are_never_judged(tmp_path):
    write_files(tmp_path / "r", {
        "compose.yml": """\
services:
  app:
    image: nginx:1.27
    volumes:
      - ${DATA_VOLUME}:/data
    deploy:
      labels:
        - "traefik.enable=${ROUTED}"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}.service=${ROUTER_SERVICE}"
        - "coop-cloud.${STACK_NAME}.version=${RELEASE}"
configs:
  conf:
    file: ${CONF_FILE}
""",
        ".env.sample": "DOMAIN=x.example\n#DATA_VOLUME=\n#ROUTED=true\n#ROUTER_SERVICE=\n#RELEASE=\n#CONF_FILE=\n",
    })
    assert mine(run_rules(tmp_path / "r")) == []


def test_no_env_sample_means_no_variable_findings(tmp_path):
    write_files(tmp_path / "r", {"compose.yml": "services:\n  app:\n    image: nginx:${TAG}\n"})
    assert mine(run_rules(tmp_path / "r")) == []


def test_shell_hint_only_where_a_shell_runs(tmp_path):
    write_files(tmp_path / "r", {
        "compose.yml": """\
services:
  app:
    image: alpine:3.20
    environment:
      - URL=$UPSTREAM_URL
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O- http://localhost:$PORT/"]
""",
        ".env.sample": "TYPE=r\n",
    })
    found = {(f.line, f.column): f.message for f in run_rules(tmp_path / "r") if f.code == "I006"}
    assert sorted(found) == [(5, 13), (7, 57)]
    assert "write $$PORT" in found[(7, 57)]
    assert "$$" not in found[(5, 13)]


def test_version_label_and_config_bump_read_from_git(tmp_path):
    compose = BROKEN["compose.yml"].replace("networks: [proxy, backend]", "networks: [proxy]") \
        .replace("site-data", "site_data").replace("  robots:\n    file: robots.txt\n", "")
    files = dict(BROKEN, **{"compose.yml": compose})
    build_repo(tmp_path / "r", [
        {"files": files, "tag": "1.0.0+1.27.0"},
        {"files": {"nginx.conf.tmpl": BROKEN["nginx.conf.tmpl"] + "# tuned\n",
                   "compose.yml": compose.replace("nginx:1.27", "nginx:1.28")}, "tag": "1.1.0+1.28.0"},
        {"files": {"nginx.conf.tmpl": BROKEN["nginx.conf.tmpl"] + "# tuned again\n"}},
    ])
    found = {f.code: f for f in run_rules(tmp_path / "r") if f.code in ("I010", "I011")}
    assert sorted((c, f.line, f.column) for c, f in found.items()) == [("I010", 28, 36), ("I011", 20, 45)]
    assert "1.1.0+1.28.0" in found["I010"].message and "NGINX_CONF_VERSION=v1 in abra.sh" in found["I010"].message
    assert "older release 1.0.0+1.27.0" in found["I011"].message and "1.1.0+1.28.0" in found["I011"].message


def test_template_refs_find_calls_inside_actions_and_skip_comments():
    text = ('a {{ env "A" }}\n'
            '{{ if eq (env "B") "1" }}x{{ end }} {{/* env "C" */}}\n'
            'p: {{ (env "D") }} s: {{ secret "s" | printf "%q" }}\n'
            'not a call: {{ "env \\"E\\"" }} {{ .Env.F }}\n')
    got = [(r.fn, r.arg, r.line, r.col) for r in template_refs(text)]
    assert got == [("env", "A", 1, 3), ("env", "B", 2, 11), ("env", "D", 3, 8), ("secret", "s", 3, 26)]


def test_template_refs_find_config_calls():
    text = 'a {{ config "app_ini" }}\n{{ if config "/etc/x" }}y{{ end }} {{ .config }} {{ myconfig "z" }}\n'
    got = [(r.fn, r.arg, r.line, r.col) for r in template_refs(text)]
    assert got == [("config", "app_ini", 1, 3), ("config", "/etc/x", 2, 7)]


def _config_recipe(tmp_path, target, env, arg="/etc/app/app.ini"):
    write_files(tmp_path, {
        "compose.yml": ("services:\n  app:\n    image: alpine:3.20\n    configs:\n"
                        f"      - source: app_ini\n        target: {target}\n"
                        "      - source: conf\n        target: /etc/app.conf\n"
                        "configs:\n  app_ini:\n    file: app.ini\n"
                        "  conf:\n    file: app.conf.tmpl\n    template_driver: golang\n"),
        "app.ini": "[server]\n", "app.conf.tmpl": f'x = {{{{ config "{arg}" }}}}\n', ".env.sample": env,
    })
    rule = [r for r in engine.discover() if r.code == "I013"]
    return [(f.path, f.line, f.column) for f in engine.run(Recipe.load(tmp_path), rule)]


def test_config_targets_are_interpolated_and_an_unknown_one_is_not_judged(tmp_path):
    assert _config_recipe(tmp_path / "a", "${APP_DIR}/app.ini", "APP_DIR=/etc/app\n") == []
    assert _config_recipe(tmp_path / "b", "${APP_DIR}/app.ini", "APP_DIR=/srv\n") == [("app.conf.tmpl", 1, 5)]
    assert _config_recipe(tmp_path / "c", "${NOWHERE}/app.ini", "") == []  # unknown target: nothing said
    # an explicit `/app_ini` is the file name as written: `app_ini` does not match it
    assert _config_recipe(tmp_path / "d", "/app_ini", "", arg="app_ini") == [("app.conf.tmpl", 1, 5)]
    assert _config_recipe(tmp_path / "e", "/app_ini", "", arg="/app_ini") == []


def test_config_files_resolve_against_the_first_compose_files_folder(tmp_path):
    write_files(tmp_path / "r", {
        "compose.yml": "services:\n  db:\n    image: postgres:16\n    configs: [tune]\n",
        "postgres/compose.tune.yml": "configs:\n  tune:\n    file: postgres/tune.sh\n",
        "postgres/tune.sh": "#!/bin/sh\n",
        ".env.sample": 'COMPOSE_FILE="compose.yml:postgres/compose.tune.yml"\n',
    })
    r = Recipe.load(tmp_path / "r")
    src = r.config_source(r.default, "config", "tune")
    assert (src.file, src.text) == ("postgres/tune.sh", "#!/bin/sh\n")


def test_integrity_rules_import_nothing_heavy(tmp_path):
    """Neither at import (checked on the files) nor while checking (sys.modules before and after)."""
    import ast

    files = [p for p in (ROOT / "rules").glob("*.py")
             if p.name[:4].upper() in MINE or p.name in ("_integrity.py", "_traefik.py")]
    assert len(files) == len(MINE) + 2
    for p in files:
        for node in ast.walk(ast.parse(p.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for n in names:
                assert n.split(".")[0] in ("re", "dataclasses", "pathlib", "typing", "collections", "__future__",
                                           "recipelint", "recipelint_rules"), f"{p.name} imports {n}"
    write_files(tmp_path / "r", BROKEN)
    code = ("import sys\nfrom pathlib import Path\nfrom recipelint import engine\nfrom recipelint.model import Recipe\n"
            f"rules = [r for r in engine.discover() if r.code in {MINE!r}]\n"
            "before = set(sys.modules)\n"
            f"engine.run(Recipe.load(Path({str(tmp_path / 'r')!r})), rules)\n"
            "print(sorted(m for m in ('libcst', 'jsonschema', 'docker', 'rich') if m in set(sys.modules) - before))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# ---------------------------------------------------------------- properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
_VARS = st.from_regex(r"[A-Z][A-Z0-9_]{0,11}", fullmatch=True).filter(lambda v: v != "STACK_NAME")
_QUOTE = st.sampled_from(["", "'", '"'])
_INDENT = st.sampled_from([2, 4])


def _at(text: str, line: int, col: int) -> str:
    return text.splitlines()[line - 1][col - 1:]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vol=_NAMES, secret=_NAMES, var=_VARS, q=_QUOTE, ind=_INDENT)
def test_positions_point_at_the_name_whatever_the_style(tmp_path_factory, vol, secret, var, q, ind):
    """I003, I005 and I006 report at the exact column where the name is written, quoted or not."""
    i = " " * ind
    compose = (f"services:\n{i}app:\n{i}{i}image: {q}nginx:${{{var}}}{q}\n{i}{i}volumes:\n"
               f"{i}{i}  - {q}{vol}:/data{q}\n{i}{i}secrets:\n{i}{i}  - {q}{secret}{q}\n")
    d = tmp_path_factory.mktemp("p") / "r"
    write_files(d, {"compose.yml": compose, ".env.sample": "TYPE=r\n"})
    found = {f.code: f for f in run_rules(d)}
    assert sorted(found) == ["I003", "I005", "I006"]
    assert _at(compose, found["I003"].line, found["I003"].column).startswith(vol + ":")
    assert _at(compose, found["I005"].line, found["I005"].column).startswith(secret)
    assert _at(compose, found["I006"].line, found["I006"].column).startswith("${" + var + "}")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_VARS, min_size=9, max_size=9, unique=True), listform=st.booleans())
def test_only_interpolation_is_never_judged(tmp_path_factory, names, listform):
    """Every reference slot holds nothing but an (operator-documented) unresolved variable: no finding."""
    net, vol, cfg, sec, path, enable, svc, mw, ver = (f"${{{n}}}" for n in names)
    r = "${STACK_NAME}" if listform else "web"  # map-form keys are never interpolated (I012)
    labels = {"traefik.enable": enable, f"traefik.http.routers.{r}.rule": "Host(`x`)",
              f"traefik.http.routers.{r}.service": svc,
              f"traefik.http.routers.{r}.middlewares": mw,
              f"traefik.http.routers.{r}.entrypoints": ver}
    if listform:
        labels["coop-cloud.${STACK_NAME}.version"] = ver
        lab = "".join(f'        - "{k}={v}"\n' for k, v in labels.items())
    else:
        lab = "".join(f'        {k}: "{v}"\n' for k, v in labels.items())
    compose = (f'services:\n  app:\n    image: nginx:1.27\n    networks: ["{net}"]\n'
               f'    volumes: ["{vol}:/data"]\n    configs: ["{cfg}"]\n    secrets: ["{sec}"]\n'
               f"    deploy:\n      labels:\n{lab}configs:\n  c:\n    file: {path}\n")
    d = tmp_path_factory.mktemp("q") / "r"
    write_files(d, {"compose.yml": compose, ".env.sample": "".join(f"#{n}=\n" for n in names)})
    found = run_rules(d)
    assert mine(found) == []
    assert [f.message for f in found if f.code == "E001"] == []  # a rule that crashed is a failure, not silence
