"""Compose-spec schema validation with positions (S001).

The schema is the compose-spec JSON schema that the check-jsonschema package ships; we locate
the file without importing that package, and import jsonschema only when S001 runs.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the check-jsonschema package (which ships the compose-spec schema) is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _has_variable(value) -> bool:
    if isinstance(value, str):
        return "$" in value
    if isinstance(value, dict):
        return any(_has_variable(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_variable(v) for v in value)
    return False


_UNEXPECTED = re.compile(r"'([^']+)' (?:was|were) unexpected|\('([^']+)'")


def _node_at(doc, path):
    node = doc
    for part in path:
        if node is None:
            return None
        if isinstance(part, int) and node.is_seq and part < len(node.value):
            node = node.value[part]
        elif isinstance(part, str) and node.is_map:
            node = node.value.get(part)
        else:
            return None
    return node


def _dotted(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def compose_schema_errors(doc):
    """(node, message) for each schema error, the node being the offending key or value."""
    validator = _validator()
    data = doc.plain()
    seen = set()
    errors = [_leaf(e) for e in validator.iter_errors(data)]
    paths = [tuple(e.absolute_path) for e in errors]
    for err in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        node = _node_at(doc, path)
        if node is None:
            continue
        if _has_variable(err.instance) and err.validator in ("type", "pattern", "format", "oneOf", "anyOf"):
            continue
        if err.validator in ("additionalProperties", "unevaluatedProperties") and node.is_map:
            keys = [m.group(1) or m.group(2) for m in _UNEXPECTED.finditer(err.message)]
            keys = [k for k in re.findall(r"'([^']+)'", err.message) if k in node.value] or keys
            for k in keys:
                if k not in node.value:
                    continue
                # a key whose own value has an error is not "unexpected": that deeper error says what is wrong
                if any(p[:len(path) + 1] == tuple(path) + (k,) for p in paths):
                    continue
                target = node.value[k].key or node.value[k]
                key = (target.file, target.line, target.col)
                if key not in seen:
                    seen.add(key)
                    yield target, f"{_dotted(path)}: '{k}' is not a key the compose specification allows here"
            continue
        key = (node.file, node.line, node.col)
        if key in seen:
            continue
        seen.add(key)
        yield node, f"{_dotted(path)}: {err.message}"


def _leaf(err):
    """For oneOf/anyOf, the most specific sub-error (jsonschema's relevance ordering)."""
    from jsonschema.exceptions import best_match

    if err.context:
        return best_match(err.context) or err
    return err
