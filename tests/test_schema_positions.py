"""Schema findings (S001-S007, S010-S013, S020): exact line AND column for every kind of node (keys,
nested values, list items, mappings), per-file and merged validation, interpolation, messages."""

import subprocess
from pathlib import Path

from recipelint import engine
from recipelint.model import Recipe
from recipelint.testing import write_files

S_RULES = [r for r in engine.discover() if r.code.startswith("S")]

MANY = """\
version: "3.8"
services:
  app:
    image: nginx:1.25
    container_name: web
    ports:
      - "8080:80"
      - target: 80
        publish: 8081
      - "8080:80"
    healthcheck:
      test: ["CMD", "true"]
      interval: 10
      timeout: "5"
    networks: internal
    deploy:
      replica: 2
      replicas: ${REPLICAS}
      labels:
        traefik.enable: true
      update_config:
        order: sideways
      resources:
        limits:
          memory: 512X
    volumes:
      - source: data
        target: /data
    mem_limit: 1g
volumes:
  data:
"""


def lint(tmp_path: Path, files: dict, name: str = "rec"):
    root = tmp_path / name
    write_files(root, files)
    recipe = Recipe.load(root)
    return engine.run(recipe, S_RULES)


def where(findings):
    return sorted((f.code, f.path, f.line, f.column) for f in findings)


def test_every_schema_error_is_at_its_node(tmp_path):
    found = lint(tmp_path, {"compose.yml": MANY, ".env.sample": "REPLICAS=two\n"})
    assert where(found) == sorted([
        ("S012", "compose.yml", 5, 5),    # ignored key: at the key
        ("S003", "compose.yml", 9, 9),    # unknown key inside a list item's mapping: at the key
        ("S007", "compose.yml", 10, 9),   # repeated list item: at the second copy
        ("S001", "compose.yml", 13, 17),  # nested value of the wrong type: at the value
        ("S020", "compose.yml", 14, 16),  # a duration without unit
        ("S006", "compose.yml", 15, 15),  # neither list nor mapping
        ("S003", "compose.yml", 17, 7),   # misspelt nested key
        ("S020", "compose.yml", 18, 17),  # resolved from .env.sample, then checked
        ("S011", "compose.yml", 20, 25),  # unquoted boolean label
        ("S004", "compose.yml", 22, 16),  # not one of the allowed words
        ("S020", "compose.yml", 25, 19),  # byte size, deeply nested
        ("S002", "compose.yml", 27, 9),   # the list item's mapping that lacks `type`
        ("S013", "compose.yml", 29, 5),   # refused key
    ])
    msgs = {(f.code, f.line): f.message for f in found}
    assert msgs[("S003", 17)] == "services.app.deploy: unknown key 'replica' (did you mean 'replicas'?)"
    assert msgs[("S003", 9)] == "services.app.ports[1]: unknown key 'publish' (did you mean 'published'?)"
    assert msgs[("S002", 27)] == "services.app.volumes[0]: missing required key 'type'"
    assert msgs[("S006", 15)] == "services.app.networks: expected a list or a mapping, got the string 'internal'"
    assert msgs[("S001", 13)] == "services.app.healthcheck.interval: expected a string, got the number 10"
    assert "'${REPLICAS}' is 'two' after interpolation" in msgs[("S020", 18)]
    assert all(f.service == "app" for f in found)
    assert all("$defs" not in f.message and "description" not in f.message and len(f.message) < 200
               for f in found), "no schema dumps in messages"


def test_a_missing_version_is_at_the_top_mapping_of_each_file(tmp_path):
    found = lint(tmp_path, {
        "compose.yml": "---\n# app\nservices:\n  app:\n    image: nginx:1.25\n",
        "compose.smtp.yml": 'version: "3.8"\nservices:\n  app:\n    environment:\n      - A=1\n',
        "compose.extra.yml": "\n\nservices:\n  app:\n    environment:\n      - B=1\n",
    })
    assert where(found) == [("S010", "compose.extra.yml", 3, 1), ("S010", "compose.yml", 3, 1)]


def test_list_form_label_positions_inside_the_item(tmp_path):
    body = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n    deploy:\n      labels:\n' \
           '        - "a=1"\n        - "b=2"\n        - "a=1"\n'
    assert where(lint(tmp_path, {"compose.yml": body})) == [("S007", "compose.yml", 9, 11)]


def test_only_unresolved_interpolation_is_never_a_finding(tmp_path):
    body = """\
version: "${COMPOSE_VERSION}"
services:
  app:
    image: ${IMAGE}
    ports:
      - "${PORT}:80"
      - target: ${TARGET}
        published: ${PUBLISHED}
    healthcheck:
      test: ${HEALTH}
      interval: ${INTERVAL}
      retries: ${RETRIES}
    stop_grace_period: ${GRACE}
    networks: ${NETWORKS}
    environment: ${ENVIRONMENT}
    deploy:
      replicas: ${REPLICAS}
      update_config:
        order: ${ORDER}
        max_failure_ratio: ${RATIO}
      resources:
        limits:
          cpus: ${CPUS}
          memory: ${MEMORY}
    ulimits:
      nofile: ${NOFILE}
"""
    assert where(lint(tmp_path, {"compose.yml": body})) == []


def test_interpolation_resolved_from_defaults_is_checked_and_cast(tmp_path):
    body = """\
version: "3.8"
services:
  app:
    image: nginx:1.25
    healthcheck:
      interval: ${INTERVAL:-30s}
      retries: ${RETRIES}
    deploy:
      replicas: ${REPLICAS:-1}
      resources:
        limits:
          memory: ${MEMORY}
"""
    assert where(lint(tmp_path, {"compose.yml": body, ".env.sample": "RETRIES=3\nMEMORY=1g\n"})) == []
    bad = lint(tmp_path, {"compose.yml": body, ".env.sample": "RETRIES=often\nMEMORY=plenty\n"}, "bad")
    assert where(bad) == [("S020", "compose.yml", 7, 16), ("S020", "compose.yml", 12, 19)]
    assert "'${MEMORY}' is 'plenty' after interpolation" in bad[1].message


def test_merged_variant_is_validated_and_reported_where_the_node_comes_from(tmp_path):
    engine.discover()
    from recipelint_rules import _schema

    base = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n'
    over = 'version: "3.8"\nservices:\n  app:\n    deploy:\n      replica: 2\n'
    root = tmp_path / "rec"
    write_files(root, {"compose.yml": base, "compose.net.yml": over,
                       ".env.sample": 'COMPOSE_FILE="compose.yml:compose.net.yml"\n'})
    recipe = Recipe.load(root)
    view = recipe.default
    assert view.files == ["compose.yml", "compose.net.yml"]
    data, resolved = _schema.instance(view.doc, recipe.interpolate)
    issues = _schema.compose_issues(view.doc, data, resolved, merged=True)
    assert [(i.code, i.node.file, i.node.line, i.node.col) for i in issues] == [("S003", "compose.net.yml", 5, 7)]


def test_a_list_repeated_only_across_merged_files_is_not_reported(tmp_path):
    base = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n    cap_add:\n      - NET_ADMIN\n'
    over = 'version: "3.8"\nservices:\n  app:\n    cap_add:\n      - NET_ADMIN\n'
    env = 'COMPOSE_FILE="compose.yml:compose.net.yml"\n'
    # docker's compose-go loader de-duplicates cap_add when it merges; docker/cli validates files, not merges
    assert where(lint(tmp_path, {"compose.yml": base, "compose.net.yml": over, ".env.sample": env})) == []


def test_a_finding_appears_once_however_many_variants_contain_it(tmp_path):
    base = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n    deploy:\n      replica: 2\n'
    files = {"compose.yml": base, ".env.sample": "A=1\n"}
    for i in range(3):
        files[f"compose.o{i}.yml"] = f'version: "3.8"\nservices:\n  app:\n    environment:\n      - O{i}=1\n'
    assert where(lint(tmp_path, files)) == [("S003", "compose.yml", 6, 7)]


def test_the_compose_spec_schema_comes_from_the_installed_package():
    engine.discover()
    from recipelint_rules import _schema

    path = _schema.compose_spec_path()
    assert "check_jsonschema" in path.parts and path.name == "compose-spec.json"
    root = Path(__file__).resolve().parent.parent
    tracked = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True).stdout.split()
    assert not [p for p in tracked if "compose-spec" in p or "compose_spec" in p], "never copied into the repo"
    assert _schema._compose_validator() is _schema._compose_validator(), "compiled once per process"
