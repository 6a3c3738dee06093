"""The schema fast path agrees with jsonschema: a document the compiled predicate (recipelint/schemac.py,
as rules/_schema.py loads it: from the code cache) accepts is one jsonschema finds no error in, and the
other way round, for the compose-spec schema and for the Swarm layer (whose formats run on every
value type, as jsonschema's FormatChecker runs them). tests/test_schemac.py has the mutations.

Documents: every compose file and merged variant of every rule example (VALID and INVALID, all
rules, so every S rule's failing shapes are here), of every fixture recipe, and a set of values
built to sit on the edges (integral floats, NaN, big integers, booleans where numbers go, formats
on numbers, non-string keys, YAML types JSON has not)."""

import copy
import datetime
import sys
from pathlib import Path

import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.testing import materialise

ROOT = Path(__file__).resolve().parent.parent
RULES = engine.discover()

from recipelint_rules import _schema  # noqa: E402 - the engine makes recipelint_rules importable


_documents = _schema.documents


def _agree(data) -> tuple[bool, bool]:
    """(compose verdicts agree, swarm verdicts agree)"""
    slow_c = not any(True for _ in _schema._compose_validator().iter_errors(data))
    slow_s = not any(True for _ in _schema._swarm_validator().iter_errors(data))
    return (_schema.fast_valid(_schema._fast_compose, data) == slow_c,
            _schema.fast_valid(_schema._fast_swarm, data) == slow_s)


def test_the_fast_validators_are_compiled():
    assert _schema._fast_compose() is not None and _schema._fast_swarm() is not None
    # our own compiler's predicates, not the jsonschema-rs fallback
    assert _schema._fast_compose().__module__ == _schema._fast_swarm().__module__ == "recipelint.schemac"


def test_when_the_compiler_refuses_jsonschema_rs_or_else_jsonschema_decides(monkeypatch):
    refused = []
    monkeypatch.setattr(_schema, "_compiled", lambda data, formats, fallback: refused.append(1) or fallback())
    for fn in (_schema._fast_compose, _schema._fast_swarm):
        fn.cache_clear()
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # not installed
    try:
        assert _schema._fast_compose() is None and _schema._fast_swarm() is None
        assert _schema.fast_valid(_schema._fast_compose, BASE) is False  # "not valid": jsonschema decides
        assert refused == [1, 1]
    finally:
        for fn in (_schema._fast_compose, _schema._fast_swarm):
            fn.cache_clear()


EXAMPLES = [pytest.param(rule, kind, ex, id=f"{rule.code}-{kind}-{i}")
            for rule in RULES for kind in ("valid", "invalid")
            for i, ex in enumerate(getattr(rule, kind), start=1)]


@pytest.mark.parametrize("rule,kind,ex", EXAMPLES)
def test_fast_path_agrees_on_every_rule_example(tmp_path, rule, kind, ex):
    recipe_dir, overlay = materialise(ex, tmp_path, "example")
    docs = list(_documents(Recipe.load(recipe_dir, overlay_root=overlay)))
    assert [_agree(d) for d in docs] == [(True, True)] * len(docs)


def test_fast_path_refuses_every_S_rule_invalid_example(tmp_path):
    """Each INVALID example of a schema rule has a document the fast path refuses (else its finding
    could never be computed)."""
    missed = []
    for rule in RULES:
        if not rule.code.startswith("S"):
            continue
        for i, ex in enumerate(rule.invalid):
            recipe_dir, overlay = materialise(ex, tmp_path / f"{rule.code}-{i}", "example")
            docs = list(_documents(Recipe.load(recipe_dir, overlay_root=overlay)))
            if all(_schema.fast_valid(_schema._fast_compose, d) and _schema.fast_valid(_schema._fast_swarm, d)
                   for d in docs):
                missed.append(f"{rule.code}#{i}")
    assert missed == []


@pytest.mark.parametrize("recipe", sorted(p.name for p in (ROOT / "fixtures" / "recipes").iterdir()))
def test_fast_path_agrees_on_fixture_recipes(recipe):
    docs = list(_documents(Recipe.load(ROOT / "fixtures" / "recipes" / recipe)))
    assert docs and [_agree(d) for d in docs] == [(True, True)] * len(docs)


BASE = {"version": "3.8", "services": {"app": {"image": "nginx:1.25"}}}


def _with(path, value):
    doc = copy.deepcopy(BASE)
    node = doc
    for k in path[:-1]:
        node = node.setdefault(k, {})
    node[path[-1]] = value
    return doc


EDGES = [
    (("services", "app", "deploy", "replicas"), 2.0),
    (("services", "app", "deploy", "replicas"), 2.5),
    (("services", "app", "deploy", "replicas"), float("nan")),
    (("services", "app", "deploy", "replicas"), 10 ** 30),
    (("services", "app", "deploy", "replicas"), -1),
    (("services", "app", "deploy", "replicas"), True),
    (("services", "app", "deploy", "replicas"), "3"),
    (("services", "app", "deploy", "replicas"), "three"),
    (("services", "app", "deploy", "replicas"), None),
    (("services", "app", "ports"), [80, "8080:80", "99999:80", "1.2.3.4:80:80/tcp", "80/xyz"]),
    (("services", "app", "ports"), [{"target": 80, "published": 70000}]),
    (("services", "app", "ports"), [{"target": "80", "published": "8000-8001"}]),
    (("services", "app", "ports"), 80),
    (("services", "app", "labels"), {"a": True, "b": 1.10, "c": 8080, "d": None}),
    (("services", "app", "labels"), ["a=1", "a=1"]),
    (("services", "app", "environment"), {"A": False}),
    (("services", "app", "healthcheck"), {"interval": 10, "timeout": "5", "retries": "x"}),
    (("services", "app", "healthcheck"), {"interval": "1m30s", "retries": 3}),
    (("services", "app", "ulimits"), {"nofile": {"soft": -2, "hard": "x"}, "memlock": -1}),
    (("services", "app", "deploy", "resources"), {"limits": {"cpus": "half", "memory": "1.5GiB"}}),
    (("services", "app", "deploy", "resources"), {"limits": {"cpus": 0.5, "memory": -5}}),
    (("services", "app", "deploy", "update_config"), {"max_failure_ratio": "a lot", "parallelism": 1.0}),
    (("services", "app", "container_name"), "web"),
    (("services", "app", "restart"), "always"),
    (("services", "app", "unknown_key"), 1),
    (("services", "app", "x-anything"), {"goes": [1, 2]}),
    (("services", "app", "image"), ["nginx"]),
    (("services", "app", "created"), datetime.date(2020, 1, 1)),
    (("services", "app", "cap_add"), ["NET_ADMIN", "NET_ADMIN"]),
    (("networks",), {"proxy": {"external": True}, "back": {"driver": "overlay", "attachable": "yes"}}),
    (("volumes",), {"data": None, "other": {"external": {"name": "x"}}}),
    (("secrets",), {"s": {"external": True, "name": "s_v1"}, "t": {"file": 5}}),
    (("configs",), {"c": {"file": "./c.conf", "template_driver": "golang"}}),
    (("version",), 3.8),
]


@pytest.mark.parametrize("path,value", EDGES, ids=[f"{'.'.join(map(str, p))}={v!r}"[:60] for p, v in EDGES])
def test_fast_path_agrees_on_edge_values(path, value):
    assert _agree(_with(path, value)) == (True, True)


def test_what_the_fast_path_cannot_take_is_left_to_jsonschema():
    # JSON has no date and no integer keys: the fast path answers "not valid", so jsonschema decides
    assert _schema.fast_valid(_schema._fast_compose, _with(("services", "app", "image"), datetime.date(2020, 1, 1))) \
        is False
    assert _schema.fast_valid(_schema._fast_swarm, {"version": "3.8", "services": {1: {"image": "nginx"}}}) is False


def test_no_version_and_empty_documents_agree():
    for doc in ({"services": {"app": {"image": "nginx"}}}, {}, {"services": None}, {"services": {}}, []):
        assert _agree(doc) == (True, True), doc
