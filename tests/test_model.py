"""The recipe model: positions, interpolation, overlay chain and merge, labels, abra.sh, git, templates."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recipelint.model import Recipe
from recipelint.model.envfile import EnvFile, interpolate, parse_assignments
from recipelint.model.templates import template_refs
from recipelint.model.yamlnode import load_yaml
from recipelint.testing import build_repo, write_files


def make(tmp_path: Path, files: dict, name="r") -> Recipe:
    root = tmp_path / name
    write_files(root, files)
    return Recipe.load(root)


# ---------------------------------------------------------------- YAML positions

def test_scalar_key_and_item_positions():
    doc, problems = load_yaml("services:\n  app:\n    image: 'nginx:1'\n    ports:\n      - 80:80\n", "compose.yml")
    assert problems == []
    image = doc.find("services", "app", "image")
    assert (image.line, image.col, image.end_line, image.end_col) == (3, 12, 3, 21)
    assert (image.key.line, image.key.col) == (3, 5)
    port = doc.find("services", "app", "ports").value[0]
    assert (port.line, port.col, port.text) == (5, 9, "80:80")


def test_pos_at_inside_plain_quoted_and_literal_scalars():
    text = "a: x app:3000\nb: \"y app\"\nc: |\n  first\n  reverse_proxy app:3000\n"
    doc, _ = load_yaml(text, "f.yml")
    assert doc.get("a").pos_at(2, 3)[:2] == (1, 6)
    assert doc.get("b").pos_at(2, 3)[:2] == (2, 7)
    c = doc.get("c")
    off = c.text.index("app")
    assert c.pos_at(off, 3) == (5, 17, 5, 20)


def test_syntax_error_has_position_and_duplicate_key_is_reported():
    _, problems = load_yaml("services:\n  app: [1, 2\n", "compose.yml")
    assert problems[0].code == "E101" and problems[0].line is not None and problems[0].line >= 2
    _, problems = load_yaml("a: 1\nb: 2\na: 3\n", "x.yml")
    assert [(p.code, p.line, p.col) for p in problems] == [("E102", 3, 1)]


def test_merge_key_anchors_are_followed():
    doc, _ = load_yaml("x: &d\n  replicas: 1\ns:\n  <<: *d\n  image: a\n", "f.yml")
    assert doc.get("s").plain() == {"replicas": 1, "image": "a"}


# ---------------------------------------------------------------- interpolation

ENV = {"DOMAIN": "example.org", "EMPTY": ""}


@pytest.mark.parametrize("text,expected", [
    ("${DOMAIN}", "example.org"),
    ("$DOMAIN/x", "example.org/x"),
    ("${MISSING:-fallback}", "fallback"),
    ("${EMPTY:-fallback}", "fallback"),
    ("${EMPTY-fallback}", ""),
    ("${DOMAIN:?need a domain}", "example.org"),
    ("${STACK_NAME}_app", "${STACK_NAME}_app"),
    ("${MISSING:?err}", "${MISSING}"),
    ("$$HOME and $${DOMAIN}", "$HOME and ${DOMAIN}"),
    ("${DOMAIN:+set}", "set"),
])
def test_interpolation(text, expected):
    assert interpolate(text, ENV) == expected


@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=40))
def test_text_without_dollar_is_unchanged(text):
    assert interpolate(text, ENV) == text


@given(st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True))
def test_unknown_variable_stays_a_symbol(name):
    env = {k: v for k, v in ENV.items() if k != name}
    assert interpolate("${%s}" % name, env) == "${%s}" % name
    assert interpolate("$${%s}" % name, env) == "${%s}" % name


# ---------------------------------------------------------------- .env.sample, abra.sh

def test_compose_chain_and_commented_overlays():
    text = ('TYPE=x\nCOMPOSE_FILE="compose.yml"\nCOMPOSE_FILE="$COMPOSE_FILE:compose.postgres.yml"\n'
            '#COMPOSE_FILE="$COMPOSE_FILE:compose.smtp.yml"\nexport SECRET_X_VERSION=v1 # comment\n')
    env = EnvFile(".env.sample", parse_assignments(text, ".env.sample"))
    chain, where = env.compose_chain()
    assert chain == ["compose.yml", "compose.postgres.yml"]
    assert (where.line, where.col) == (3, 1)
    assert env.commented_overlays() == ["compose.smtp.yml"]
    assert env.values["SECRET_X_VERSION"] == "v1"


def test_abra_sh_exports_only():
    r_text = "export APP_INI_VERSION=v3\nFOO=bar\nexport  ENTRY=\"v1\" # pinned\n"
    got = {a.name: (a.value, a.line) for a in parse_assignments(r_text, "abra.sh", require_export=True)}
    assert got == {"APP_INI_VERSION": ("v3", 1), "ENTRY": ("v1", 3)}


# ---------------------------------------------------------------- overlays and merge

BASE = """\
services:
  app:
    image: nginx:1.25
    command: ["nginx", "-g", "daemon off;"]
    environment:
      - A=1
    volumes:
      - data:/data
    deploy:
      labels:
        - "traefik.enable=true"
volumes:
  data:
"""
OVER = """\
services:
  app:
    command: ["sleep", "1"]
    environment:
      B: "2"
    volumes:
      - other:/data
      - logs:/logs
    deploy:
      labels:
        backupbot.backup: "true"
  db:
    image: postgres:15
volumes:
  other:
"""


def test_overlay_chain_merges_like_stack_deploy(tmp_path):
    r = make(tmp_path, {"compose.yml": BASE, "compose.db.yml": OVER,
                        ".env.sample": 'COMPOSE_FILE="compose.yml"\nCOMPOSE_FILE="$COMPOSE_FILE:compose.db.yml"\n'})
    assert r.chain == ["compose.yml", "compose.db.yml"]
    app = r.default.services["app"]
    assert app.node.get("command").plain() == ["sleep", "1"]  # replaced, not appended
    assert {k: v.text for k, v in app.environment.items()} == {"A": "1", "B": "2"}
    assert sorted((m.source, m.target) for m in app.mounts) == [("logs", "/logs"), ("other", "/data")]
    labels = app.labels
    assert set(labels) == {"traefik.enable", "backupbot.backup"}
    # every merged value remembers where it was written
    assert (labels["traefik.enable"].key_node.file, labels["traefik.enable"].key_node.line,
            labels["traefik.enable"].key_node.col) == ("compose.yml", 11, 12)
    assert (labels["backupbot.backup"].key_node.file, labels["backupbot.backup"].key_node.line) == \
        ("compose.db.yml", 11)
    assert set(r.default.services) == {"app", "db"}
    assert set(r.default.volumes) == {"data", "other"}


def test_optional_overlays_are_variants(tmp_path):
    r = make(tmp_path, {"compose.yml": BASE, "compose.db.yml": OVER})
    assert r.chain == ["compose.yml"]
    assert r.optional_overlays == ["compose.db.yml"]
    assert [v.files for v in r.views] == [["compose.yml"], ["compose.yml", "compose.db.yml"]]
    assert sorted({s.name for _, s in r.services()}) == ["app", "db"]


def test_config_sources_and_templates(tmp_path):
    compose = ("services:\n  app:\n    image: x\n    configs:\n      - source: conf\n        target: /etc/x.conf\n"
               "configs:\n  conf:\n    name: ${STACK_NAME}_conf_${CONF_VERSION}\n    file: ./x.conf.tmpl\n"
               "    template_driver: golang\n")
    tmpl = 'host = {{ env "DOMAIN" }}\npassword = {{ secret "db_password" }}\n'
    r = make(tmp_path, {"compose.yml": compose, "x.conf.tmpl": tmpl, "abra.sh": "export CONF_VERSION=v2\n"})
    src = r.config_source(r.default, "config", "conf")
    assert (src.file, src.template, src.text) == ("x.conf.tmpl", True, tmpl)
    refs = [(t.fn, t.arg, t.line, t.col) for t in template_refs(src.text)]
    assert refs == [("env", "DOMAIN", 1, 8), ("secret", "db_password", 2, 12)]
    assert r.abra["CONF_VERSION"].value == "v2"
    ref = r.default.services["app"].filerefs()[0]
    assert (ref.source, ref.target, ref.target_node.line, ref.target_node.col) == ("conf", "/etc/x.conf", 6, 17)


def test_default_targets_of_short_syntax_refs(tmp_path):
    r = make(tmp_path, {"compose.yml": "services:\n  app:\n    image: x\n    configs: [c]\n    secrets: [s]\n"})
    refs = {(f.kind, f.target) for f in r.default.services["app"].filerefs()}
    assert refs == {("config", "/c"), ("secret", "/run/secrets/s")}


def test_broken_overlay_does_not_hide_the_rest(tmp_path):
    r = make(tmp_path, {"compose.yml": BASE, "compose.bad.yml": "services:\n  app: [\n"})
    assert set(r.default.services) == {"app"}
    list(r.services())
    assert [(p.code, p.file) for p in r.problems] == [("E101", "compose.bad.yml")]


# ---------------------------------------------------------------- git

def test_releases_latest_and_reading_at_a_tag(tmp_path):
    root = tmp_path / "rec"
    build_repo(root, [
        {"files": {"compose.yml": "services:\n  app:\n    image: a:1\n"}, "tag": "1.0.0+1.0"},
        {"files": {"compose.yml": "services:\n  app:\n    image: a:2\n"}, "tag": "1.10.0+2.0", "annotated": False},
        {"files": {"compose.yml": "services:\n  app:\n    image: a:3\n"}, "tag": "2.0.0-rc1+3.0"},
        {"branch": "next", "files": {"compose.yml": "services:\n  web:\n    image: b:1\n"}},
    ])
    r = Recipe.load(root)
    assert [x.tag for x in r.git.releases] == ["1.0.0+1.0", "1.10.0+2.0", "2.0.0-rc1+3.0"]
    assert r.latest_release.tag == "1.10.0+2.0" and r.latest_release.upstream == "2.0"
    at = r.at(r.latest_release.tag)
    assert at.default.services["app"].image.text == "a:2"
    assert set(r.at("next").default.services) == {"web"}
    assert {b.name for b in r.git.branches} == {"main", "next"}
    assert not r.git.is_ancestor("next", "main")


def test_recipe_inside_another_repository_has_no_git(tmp_path):
    outer = tmp_path / "outer"
    build_repo(outer, [{"files": {"r/compose.yml": "services: {}\n"}, "tag": "1.0.0+1"}])
    assert Recipe.load(outer / "r").git is None
