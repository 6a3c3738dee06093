"""The schema compiler (recipelint/schemac.py) against jsonschema, the validator whose errors make
the findings: the compiled predicate must say "valid" exactly when jsonschema finds no error.

Differential on the two real schemas (compose-spec without formats, our Swarm layer with its
converters as jsonschema's FormatChecker runs them): every document of every S-rule example, every
compose file under fixtures/ (on its own and in each merged variant), and hypothesis-generated
mutations of those documents. Then the semantics one keyword at a time on small schemas, the
refusals, and the code cache."""

import copy
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from recipelint import engine, schemac
from recipelint.model import Recipe
from recipelint.testing import materialise

ROOT = Path(__file__).resolve().parent.parent
RULES = engine.discover()

from recipelint_rules import _schema  # noqa: E402 - the engine makes recipelint_rules importable


def _predicates():
    compose = schemac.build(_schema._compose_schema())
    swarm = schemac.build(_schema._swarm_schema(), _schema._format_checks())
    return compose, swarm


COMPOSE, SWARM = _predicates()


_documents = _schema.documents


def _plain(value) -> bool:
    """Only JSON's own shapes: string keys; str, int, float, bool, None, dict, list."""
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if type(value) is list:
        return all(_plain(v) for v in value)
    return type(value) in (str, int, float, bool, type(None))


def _slow(validator, data):
    """jsonschema's verdict: True, False, or None when it cannot judge (it raises)."""
    try:
        return next(iter(validator.iter_errors(data)), None) is None
    except Exception:  # noqa: BLE001 - e.g. a non-string key under patternProperties
        return None


def _agrees(data) -> list[str]:
    """The schemas on which the compiled predicate and jsonschema disagree about ``data``: exactly
    equal on plain JSON; otherwise the predicate may only say "no" (jsonschema then decides)."""
    out = []
    for name, fast, slow in (("compose", COMPOSE, _schema._compose_validator()),
                             ("swarm", SWARM, _schema._swarm_validator())):
        verdict = _slow(slow, data)
        mine = fast(data)
        if _plain(data) and verdict is not None:
            if mine is not verdict:
                out.append(f"{name}: compiled {mine}, jsonschema {verdict}")
        elif mine and not verdict:
            out.append(f"{name}: compiled True, jsonschema {verdict}")
    return out


def _example_documents():
    import tempfile

    docs = []
    with tempfile.TemporaryDirectory() as tmp:
        for rule in RULES:
            if not rule.code.startswith("S"):
                continue
            for kind in ("valid", "invalid"):
                for i, ex in enumerate(getattr(rule, kind)):
                    recipe_dir, overlay = materialise(ex, Path(tmp) / f"{rule.code}-{kind}-{i}", "example")
                    for d in _documents(Recipe.load(recipe_dir, overlay_root=overlay)):
                        docs.append((f"{rule.code}-{kind}-{i}", d))
    return docs


def _fixture_documents():
    """Every directory under fixtures/ that holds a compose file (rule fixtures, recipes, the git
    history trees fixtures/_build is made of, live fixtures), as a recipe: its files and variants."""
    dirs = sorted({p.parent for p in (ROOT / "fixtures").rglob("compose*.yml")
                   if "_build" not in p.parts and ".git" not in p.parts})
    docs = []
    for d in dirs:
        for i, doc in enumerate(_documents(Recipe.load(d))):
            docs.append((f"{d.relative_to(ROOT)}#{i}", doc))
    return docs


EXAMPLE_DOCS = _example_documents()
FIXTURE_DOCS = _fixture_documents()


def test_the_document_sets_are_what_they_claim():
    assert len({n.split("-")[0] for n, _ in EXAMPLE_DOCS}) == len([r for r in RULES if r.code.startswith("S")])
    assert len(FIXTURE_DOCS) >= 50
    # both kinds of verdict are in the sets, so agreement means something
    verdicts = {(COMPOSE(d), SWARM(d)) for _, d in EXAMPLE_DOCS + FIXTURE_DOCS}
    assert {(True, True), (False, True), (True, False)} <= verdicts


@pytest.mark.parametrize("name,doc", EXAMPLE_DOCS, ids=[n for n, _ in EXAMPLE_DOCS])
def test_agrees_with_jsonschema_on_S_rule_examples(name, doc):
    assert _agrees(doc) == []


@pytest.mark.parametrize("name,doc", FIXTURE_DOCS, ids=[n for n, _ in FIXTURE_DOCS])
def test_agrees_with_jsonschema_on_fixture_compose_files(name, doc):
    assert _agrees(doc) == []


# ---------------------------------------------------------------- mutations of real documents

def _property_names(schema) -> list[str]:
    out = set()
    stack = [schema]
    while stack:
        s = stack.pop()
        if isinstance(s, dict):
            out.update(k for k in s.get("properties", {}) if isinstance(k, str))
            stack.extend(s.values())
        elif isinstance(s, list):
            stack.extend(s)
    return sorted(out)


KNOWN_KEYS = _property_names(_schema._compose_schema()) + _property_names(_schema._swarm_schema())
_DEFS = _schema._compose_schema()["$defs"]
_SPEC = {k: v for part in ("container_spec", "workload_spec", "service") for k, v in _DEFS[part]["properties"].items()}
SERVICE_KEYS = sorted(_SPEC)
DEPLOY_KEYS = sorted(_DEFS["deployment"]["properties"])


def _bounds(schema) -> list:
    out = set()
    stack = [schema]
    while stack:
        s = stack.pop()
        if isinstance(s, dict):
            for kw in ("minimum", "maximum"):
                if isinstance(s.get(kw), (int, float)):
                    out.update({s[kw] - 1, s[kw], s[kw] + 1, float(s[kw]), s[kw] + 0.5})
            stack.extend(s.values())
        elif isinstance(s, list):
            stack.extend(s)
    return sorted(out)


# the service keys whose values are bounded numbers, unique lists or alternatives, and values on the bounds
TRICKY_KEYS = sorted(k for k, v in _SPEC.items()
                     if any(w in repr(v) + repr(_DEFS.get(str(v.get("$ref", "")).split("/")[-1]))
                            for w in ("'minimum'", "'maximum'", "'oneOf'", "'uniqueItems'")))
BOUNDS = _bounds(_schema._compose_schema())
POOL = [None, True, False, 0, 1, -1, 2, 1.0, 2.0, 1.5, -0.5, 65535, 65536, 2 ** 63, 10 ** 30, float("inf"),
        "", "x", "1", "0", "-1", "1.5", "true", "no", "$VAR", "${X:-1}", "10s", "1m30s", "10", "512M", "1.5GiB",
        "80:80", "8080:80/tcp", "99999:80", "1.2.3.4:80:80", "a=b", "always", "replicated", "global", "host",
        "ingress", "none", "on-failure", "3.8", "3", "NET_ADMIN", "nginx:1.25",
        [], {}, ["a"], ["a", "a"], [1, True], [1, 1.0], [0, False], [[1], [True]], [{"a": 1}, {"a": 1}],
        [{"a": 1}, {"a": True}], {"a": 1}, {"a": None}, {"x-a": 1}, {"target": 80}, {"target": "80", "published": 8080},
        100, 101, 100.0, 100.5, -1000, -1001, 1000, 1001, 1000.0, 4294967295, 4294967296, [80, 80.0], [80, "80"],
        {"size": 0}, {"size": -1}, {"size": 1.0}, {"replicas": 1.0}, {"replicas": True}]
BASE_DOCS = [d for _, d in EXAMPLE_DOCS + FIXTURE_DOCS if isinstance(d, dict)]


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _set(doc, path, value):
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _near(key: str) -> list[str]:
    return [key + "s", key[:-1] or "x", key.upper(), key.replace("_", "-"), "x-" + key, key + "_"]


@st.composite
def mutated(draw):
    doc = copy.deepcopy(draw(st.sampled_from(BASE_DOCS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        here = _get(doc, path)
        what = draw(st.sampled_from(["pool", "transplant", "retype", "drop", "add", "dup", "bound", "flip",
                                     "service", "service"]))
        services = [p for p in paths if len(p) == 2 and p[0] == "services" and isinstance(_get(doc, p), dict)]
        if what == "service" and services:  # a key the schema knows, at the level it knows it
            service = _get(doc, draw(st.sampled_from(services)))
            value = copy.deepcopy(draw(st.sampled_from(POOL + BOUNDS * 3)))
            if draw(st.booleans()):
                service[draw(st.sampled_from(SERVICE_KEYS + TRICKY_KEYS * 3))] = value
            else:
                deploy = service["deploy"] if isinstance(service.get("deploy"), dict) else service.setdefault("deploy", {})
                if isinstance(deploy, dict):
                    deploy[draw(st.sampled_from(DEPLOY_KEYS))] = value
        elif what == "pool":
            doc = _set(doc, path, copy.deepcopy(draw(st.sampled_from(POOL))))
        elif what == "transplant":  # another part of the document here: other shapes of nested alternatives
            doc = _set(doc, path, copy.deepcopy(_get(doc, draw(st.sampled_from(paths)))))
        elif what == "retype":
            if isinstance(here, bool):
                new = draw(st.sampled_from([int(here), str(here).lower(), [here]]))
            elif isinstance(here, (int, float)):
                new = draw(st.sampled_from([str(here), float(here), -here, [here], here == 1, {"v": here}]))
            elif isinstance(here, str):
                new = draw(st.sampled_from([[here], {here: here}, len(here), here + "x", here.upper(), None]))
            elif isinstance(here, list):
                new = draw(st.sampled_from([{str(i): v for i, v in enumerate(here)}, here[:1], here[1:], "x"]))
            elif isinstance(here, dict):
                new = draw(st.sampled_from([list(here), list(here.values()), [f"{k}={v}" for k, v in here.items()],
                                            "x"]))
            else:
                new = draw(st.sampled_from(["null", 0, False, {}]))
            doc = _set(doc, path, copy.deepcopy(new))
        elif what == "drop" and isinstance(here, (dict, list)) and here:
            if isinstance(here, dict):
                del here[draw(st.sampled_from(list(here)))]
            else:
                del here[draw(st.integers(0, len(here) - 1))]
        elif what == "add" and isinstance(here, dict):
            names = KNOWN_KEYS + ["x-extra", "x-", "X-a", "image", "deploy", "labels"]
            if here:
                names += _near(draw(st.sampled_from([k for k in here if isinstance(k, str)] or ["k"])))
            key = draw(st.sampled_from(names))
            here[key] = copy.deepcopy(draw(st.sampled_from(POOL)))
        elif what == "add" and isinstance(here, list):
            here.append(copy.deepcopy(draw(st.sampled_from(POOL + here))))
        elif what == "dup" and isinstance(here, list) and here:
            here.append(copy.deepcopy(draw(st.sampled_from(here))))
        elif what == "bound" and isinstance(here, (int, float)) and not isinstance(here, bool):
            doc = _set(doc, path, draw(st.sampled_from([-1, 0, 1, 65535, 65536, -2, 0.0, 100, 101, -1.0])))
        elif what == "flip" and (isinstance(here, bool) or here in (0, 1)):
            doc = _set(doc, path, {True: 1, False: 0, 1: True, 0: False}[here] if isinstance(here, bool)
                       else bool(here))
    return doc


@settings(max_examples=3000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_agrees_with_jsonschema_on_mutated_documents(doc):
    assert _agrees(doc) == []


@st.composite
def one_service_value(draw):
    """One schema-known key of one service set to a value near a bound or from the pool (one change
    only, so the rest of the document stays valid and the verdict hangs on that value)."""
    doc = copy.deepcopy(draw(st.sampled_from(SERVICE_DOCS)))
    service = doc["services"][draw(st.sampled_from(sorted(doc["services"])))]
    key = draw(st.sampled_from(TRICKY_KEYS + ["deploy"]))
    value = copy.deepcopy(draw(st.sampled_from(BOUNDS + POOL)))
    if key == "deploy":
        service["deploy"] = {draw(st.sampled_from(DEPLOY_KEYS)): value}
    else:
        service[key] = value
    return doc


SERVICE_DOCS = [d for d in BASE_DOCS if isinstance(d.get("services"), dict) and d["services"]
                and all(isinstance(s, dict) for s in d["services"].values())]


@settings(max_examples=1500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(one_service_value())
def test_agrees_with_jsonschema_on_one_changed_service_value(doc):
    assert _agrees(doc) == []


def test_the_mutations_know_the_schema():
    assert {"cpu_percent", "oom_score_adj", "ports", "cap_add"} <= set(TRICKY_KEYS)
    assert {-1001, -1000, 0, 100, 101, 1000.0} <= set(BOUNDS)


def test_mutations_reach_both_verdicts():
    """The mutation strategy makes valid and invalid documents alike (else agreement is cheap)."""
    seen = set()

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated())
    def collect(doc):
        seen.add((COMPOSE(doc), SWARM(doc)))

    collect()
    assert seen == {(True, True), (True, False), (False, True), (False, False)}


# ---------------------------------------------------------------- keyword semantics, one by one

CASES = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, False, "1", None, 2 ** 70, -0.0, float("inf"), float("nan")]),
    ({"type": "number"}, [1, 1.5, True, "1", None, float("nan")]),
    ({"type": ["string", "null"]}, ["", None, 0, False, [], {}]),
    ({"type": "boolean"}, [True, False, 0, 1, "true"]),
    ({"type": ["integer", "string"]}, [2.0, 2.5, "2", True]),
    ({"enum": [1, "a", None]}, [1, 1.0, True, "a", None, False, 0, "1"]),
    ({"enum": [True]}, [True, 1, 1.0]),
    ({"enum": [[1, 2]]}, [[1, 2], [True, 2], [1.0, 2], (1, 2), [1]]),
    ({"enum": [{"a": 0}]}, [{"a": 0}, {"a": False}, {"a": 0.0}, {"b": 0}]),
    ({"enum": ["a", "b"]}, ["a", "c", 1, None, ["a"]]),
    ({"const": 0}, [0, 0.0, False, -0.0, "0", None]),
    ({"const": False}, [False, 0, None]),
    ({"uniqueItems": True}, [[1, True], [1, 1.0], [0, False], ["a", "a"], [[1], [True]], [[1], [True], [1]],
                             [{"a": 1}, {"a": 1}], [{"a": 1}, {"a": True}], [None, None], [1, "1"],
                             [float("nan"), float("nan")], [[1, 2], [1, 2]], [], "aa", {"a": 1}]),
    ({"minimum": 1, "maximum": 3}, [0, 1, 3, 4, 0.5, 3.5, True, "0", None, float("nan"), float("-inf")]),
    ({"pattern": "^a.c$"}, ["abc", "abc\n", "xabc", "a\nc", 1, None]),
    ({"pattern": "[0-9]"}, ["a1", "a", 1]),
    ({"required": ["a", "b"]}, [{"a": 1, "b": 2}, {"a": 1}, [], "ab", None]),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False},
     [{"a": "x"}, {"a": 1}, {"b": 1}, {}, [1], "x"]),
    ({"patternProperties": {"^x-": {"type": "integer"}, ".+": {"type": ["integer", "string"]}},
      "additionalProperties": False},
     [{"x-a": 1}, {"x-a": "s"}, {"y": "s"}, {"": 1}, {"\n": 1}, {"a\n": 1}, {"y": None}]),
    ({"patternProperties": {"^a": {"minimum": 5}, "b$": {"maximum": 1}}, "additionalProperties": {"type": "null"}},
     [{"ab": 3}, {"ab": 6}, {"a": 6}, {"b": 0}, {"c": None}, {"c": 1}]),
    ({"propertyNames": {"anyOf": [{"enum": ["a"]}, {"pattern": "^x-"}]}}, [{"a": 1}, {"x-b": 1}, {"b": 1}, []]),
    ({"items": {"type": "string"}}, [["a"], ["a", 1], [], "a1", {"a": 1}]),
    ({"items": False}, [[], [1], "x"]),
    ({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}]}, ["a", 1, 1.5, 1.0, True, None]),
    ({"oneOf": [{"minimum": 0}, {"maximum": 10}]}, [-1, 5, 11, "x"]),
    ({"anyOf": [{"type": "string"}, {"type": "object", "required": ["a"]}]}, ["s", {"a": 1}, {}, 1]),
    ({"allOf": [{"minimum": 0}, {"type": "integer"}]}, [1, -1, 1.5, True]),
    ({"not": {"type": "string"}}, ["s", 1, None]),
    ({"if": {"type": "object", "required": ["a"]}, "then": {"properties": {"a": {"const": 1}}},
      "else": {"type": "object"}}, [{"a": 1}, {"a": 2}, {}, 1]),
    ({"$defs": {"n": {"type": "integer", "minimum": 0}}, "properties": {"a": {"$ref": "#/$defs/n"}},
      "items": {"$ref": "#/$defs/n"}}, [{"a": 1}, {"a": -1}, {"a": "1"}, [0, 1], [0, -1]]),
    ({"$defs": {"base": {"type": "object", "properties": {"a": {"type": "integer"}}, "patternProperties": {"^x-": {}}},
                "more": {"properties": {"b": True}}},
      "allOf": [{"$ref": "#/$defs/base"}, {"$ref": "#/$defs/more"}], "properties": {"c": {"type": "null"}},
      "unevaluatedProperties": False},
     [{"a": 1, "b": 2, "c": None}, {"x-q": 1}, {"d": 1}, {"a": "s"}, {"a": "s", "d": 1}, {"c": 1}, [], "s"]),
    ({"allOf": [{"additionalProperties": {"type": "string"}}], "unevaluatedProperties": False},
     [{"a": "s"}, {"a": 1}, {}]),
    ({"properties": {"a": {"$ref": "#"}}, "type": "object"}, [{}, {"a": {}}, {"a": {"a": 1}}, {"a": {"a": {}}}]),
    (True, [1, None, {}]),
    (False, [1, None, {}]),
]


@pytest.mark.parametrize("schema,instances", CASES, ids=[str(i) for i in range(len(CASES))])
def test_each_keyword_means_what_jsonschema_says(schema, instances):
    pred = schemac.build(schema)
    slow = Draft202012Validator(schema)
    got = [pred(i) for i in instances]
    want = [slow.is_valid(i) for i in instances]
    assert got == want


def test_formats_run_on_every_value_type_and_only_when_given():
    schema = {"properties": {"n": {"format": "even"}}}
    calls = []

    def even(value):
        calls.append(value)
        return not isinstance(value, int) or value % 2 == 0

    pred = schemac.build(schema, {"even": even})
    assert [pred({"n": v}) for v in (2, 3, "3", None)] == [True, False, True, True]
    assert calls == [2, 3, "3", None]
    assert schemac.build(schema)({"n": 3}) is True  # no format checker: an annotation, as in jsonschema


def test_values_it_cannot_judge_are_a_no():
    class Sub(dict):
        pass

    import datetime
    from decimal import Decimal

    pred = schemac.build({"properties": {"a": {"type": "string"}}, "patternProperties": {"^x": {}}})
    assert pred({"a": "s"}) is True
    assert pred(Sub(a="s")) is False  # jsonschema counts a dict subclass as an object: unsure
    assert pred({1: "s"}) is False  # jsonschema's re.search on a non-string key raises
    assert schemac.build({"type": "number"})(Decimal("1")) is False  # a number to jsonschema
    # a type JSON has not, and no subclass of one, is no JSON type for jsonschema either: judged
    assert schemac.build({"type": "string"})(datetime.date(2020, 1, 1)) is False
    assert schemac.build({"not": {"type": "string"}})(datetime.date(2020, 1, 1)) is True
    assert Draft202012Validator({"not": {"type": "string"}}).is_valid(datetime.date(2020, 1, 1))


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("schema", [
    {"minLength": 1},
    {"properties": {"a": {"type": "string", "maxItems": 2}}},
    {"items": [{"type": "string"}]},
    {"$ref": "other.json#/a"},
    {"$ref": "#/$defs/missing"},
    {"$ref": "#anchor"},
    {"then": {"type": "string"}},
    {"type": "text"},
    {"format": "email"},
    {"oneOf": []},
    {"allOf": [{"anyOf": [{"properties": {"a": True}}, {"properties": {"b": True}}]}], "unevaluatedProperties": False},
    {"properties": {"a": {"$id": "inner"}}},
    {"pattern": "("},
], ids=lambda s: str(s)[:50])
def test_the_compiler_refuses_what_it_does_not_implement(schema):
    with pytest.raises(schemac.Unsupported):
        schemac.compile_source(schema, formats=["date"])


def test_a_refused_schema_falls_back(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fallback = object()
    assert _schema._compiled(b'{"minLength": 1}', None, lambda: fallback) is fallback
    # the refusal is cached too (a second load does not compile again)
    monkeypatch.setattr(schemac, "compile_source", lambda *a: pytest.fail("compiled again"))
    assert _schema._compiled(b'{"minLength": 1}', None, lambda: fallback) is fallback


def test_the_real_schemas_compile():
    assert schemac.compile_source(_schema._compose_schema())
    assert schemac.compile_source(_schema._swarm_schema(), _schema._format_checks())
    assert _schema._fast_compose() is not None and _schema._fast_swarm() is not None


# ---------------------------------------------------------------- the code cache

SCHEMA = b'{"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}}'


def _entry(tmp_path):
    files = sorted((tmp_path / "recipelint" / "schemac").glob("*.bin"))
    assert len(files) == 1
    return files[0]


def test_a_cache_hit_does_not_compile(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert schemac.load(SCHEMA)({"a": 1}) is True
    assert _entry(tmp_path).name == schemac.cache_key(SCHEMA) + ".bin"
    monkeypatch.setattr(schemac, "compile_source", lambda *a: pytest.fail("compiled again"))
    pred = schemac.load(SCHEMA)
    assert [pred({"a": 1}), pred({"a": -1}), pred({"a": True})] == [True, False, False]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "other-key", "not-code"])
def test_a_damaged_cache_entry_is_ignored_and_rebuilt(monkeypatch, tmp_path, damage):
    import marshal

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    schemac.load(SCHEMA)
    path = _entry(tmp_path)
    good = path.read_bytes()
    path.write_bytes({"truncate": good[:len(good) // 2], "garbage": b"\x00not marshal\xff" * 10, "empty": b"",
                      "other-key": marshal.dumps(("0" * 64, "code", compile("is_valid = _F", "<x>", "exec"))),
                      "not-code": marshal.dumps((schemac.cache_key(SCHEMA), "code", "is_valid = _F"))}[damage])
    pred = schemac.load(SCHEMA)
    assert [pred({"a": 1}), pred({"a": -1})] == [True, False]
    assert path.read_bytes() == good  # rebuilt


def test_an_unwritable_cache_dir_compiles_in_memory(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    pred = schemac.load(SCHEMA)
    assert [pred({"a": 1}), pred({"a": -1})] == [True, False]


def test_old_entries_of_other_keys_are_pruned_when_one_is_written(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "recipelint" / "schemac"
    folder.mkdir(parents=True)
    old, recent, other = folder / ("0" * 64 + ".bin"), folder / ("1" * 64 + ".bin"), folder / "notes.txt"
    for f in (old, recent, other):
        f.write_bytes(b"x")
    days = (schemac.PRUNE_DAYS + 1) * 86400
    os.utime(old, (old.stat().st_atime - days, old.stat().st_mtime - days))
    os.utime(other, (other.stat().st_atime - days, other.stat().st_mtime - days))
    schemac.load(SCHEMA)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [recent.name, other.name, schemac.cache_key(SCHEMA) + ".bin"])


def test_the_key_covers_schema_formats_version_and_interpreter(monkeypatch):
    key = schemac.cache_key(SCHEMA)
    assert schemac.cache_key(SCHEMA + b" ") != key
    assert schemac.cache_key(SCHEMA, {"count": None}) != key
    monkeypatch.setattr(schemac, "VERSION", schemac.VERSION + 1)
    assert schemac.cache_key(SCHEMA) != key
    monkeypatch.undo()
    monkeypatch.setattr(sys.implementation, "cache_tag", "other-99")
    assert schemac.cache_key(SCHEMA) != key


def test_a_valid_file_imports_neither_jsonschema_nor_jsonschema_rs(tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "compose.yml").write_text('version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n')
    prog = ("import sys\nfrom recipelint.cli import run\nsys.argv=['recipelint','check',%r,'--select','S']\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('MODS', sorted(m for m in ('jsonschema','jsonschema_rs','check_jsonschema') if m in sys.modules))"
            % str(rec))
    for _ in range(2):  # the first run fills the code cache, the second reads it
        r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "cache")})
        assert [ln for ln in r.stdout.splitlines() if ln.startswith("MODS")] == ["MODS []"], r.stderr
    assert len(list((tmp_path / "cache" / "recipelint" / "schemac").glob("*.bin"))) == 2


def test_nan_and_infinity_bounds_follow_python_comparisons():
    pred = schemac.build({"minimum": 0})
    assert [pred(float("nan")), pred(-math.inf), pred(math.inf)] == \
        [Draft202012Validator({"minimum": 0}).is_valid(v) for v in (float("nan"), -math.inf, math.inf)]
