"""Schema validation with exact positions: one finding code per schema keyword (S001-S007), plus
recipelint's Swarm layer (S010-S013, S020) from schemas/swarm-overlay.schema.json.

Two schemas, validated after interpolation:

- the Compose Specification's JSON schema, which the check-jsonschema package ships (found with
  ``importlib.util.find_spec`` so that package is never imported), on each compose file on its own
  and on each merged variant (docker validates every file, then merges);
- our Swarm layer, on each compose file: `version` present, string label/environment values, keys
  that `docker stack deploy` ignores or refuses, and values that must convert (counts, durations,
  byte sizes, ports). Each failing subschema names its code in ``x-code``.

Each document is first checked by a predicate compiled from the schema (recipelint/schemac.py, cached
in the user cache dir); jsonschema is imported, and its validators compiled (once per process), only
when a document fails, for the exact errors. All findings of a recipe are computed once and shared by the S rules.

A value that still holds an unresolved ``${VARIABLE}`` is never judged by its value (type, enum,
pattern, format, alternatives, conversion): docker checks it only after interpolation. A value that
interpolation resolves (from `.env.sample`, abra.sh or a `${X:-default}`) is checked as resolved.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

from recipelint.record import Frozen
from recipelint_rules._convert import CONVERTERS, go_text, unresolved

SWARM_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "swarm-overlay.schema.json"

# compose-spec layer: schema keyword -> finding code (cfn-lint's idea: the code says what kind of error)
KEYWORD_CODES = {
    "type": "S001",
    "required": "S002",
    "additionalProperties": "S003",
    "unevaluatedProperties": "S003",
    "propertyNames": "S003",
    "enum": "S004",
    "const": "S004",
    "pattern": "S005",
    "format": "S005",
    "oneOf": "S006",
    "anyOf": "S006",
}
OTHER_CODE = "S007"  # minimum, maximum, uniqueItems, ... every other keyword
# keywords about keys, not values: interpolation cannot change their verdict
_KEY_KEYWORDS = ("required", "additionalProperties", "unevaluatedProperties", "propertyNames")

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "nothing (null)"}


class Issue(Frozen):
    __slots__ = _fields = ("code", "node", "message", "service")

    def __init__(self, code: str, node: object, message: str, service: str | None = None):
        self.code = code
        self.node = node  # YNode (a key node for S003/S012/S013)
        self.message = message
        self.service = service


# ---------------------------------------------------------------- validators (compiled once)

def compose_spec_path() -> Path:
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the check-jsonschema package (which ships the compose-spec schema) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "builtin_schemas" / "vendor" / "compose-spec.json"


@lru_cache(maxsize=1)
def _compose_bytes() -> bytes:
    return compose_spec_path().read_bytes()


@lru_cache(maxsize=1)
def _swarm_bytes() -> bytes:
    return SWARM_SCHEMA.read_bytes()


@lru_cache(maxsize=1)
def _compose_schema() -> dict:
    return json.loads(_compose_bytes())


@lru_cache(maxsize=1)
def _swarm_schema() -> dict:
    return json.loads(_swarm_bytes())


@lru_cache(maxsize=1)
def _compose_validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_compose_schema())


# ---------------------------------------------------------------- fast path (compiled predicates)
# Most documents are valid. Our schema compiler (recipelint/schemac.py) turns each schema into a Python
# predicate, cached as a code object in the user cache dir, that says "valid" exactly when jsonschema
# finds no error; jsonschema itself is imported and run only on a document that fails: its iter_errors
# gives the per-keyword detail the findings are made of. tests/test_schemac.py and
# tests/test_schema_fastpath.py check that both agree. Anything the predicate cannot judge exactly (a
# value type JSON has not, a non-string key) is a "no": the slow path decides, as before. When the
# compiler refuses a schema (a keyword it does not implement, e.g. after a compose-spec update),
# jsonschema-rs takes its place if installed; else every document goes to jsonschema.

def _format_checks() -> dict:
    """The Swarm layer's formats as jsonschema's FormatChecker runs them: on every value type."""
    return {name: (lambda value, _conv=conv: _conv(value) is None) for name, conv in CONVERTERS.items()}


def _compiled(data: bytes, formats, fallback):
    from recipelint import schemac

    try:
        return schemac.load(data, formats)
    except schemac.Unsupported:
        return fallback()


@lru_cache(maxsize=1)
def _fast_compose():
    return _compiled(_compose_bytes(), None, _rs_compose)


@lru_cache(maxsize=1)
def _fast_swarm():
    return _compiled(_swarm_bytes(), _format_checks(), _rs_swarm)


def _rs_compose():
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(_compose_schema()).is_valid


class _FormatKeyword:
    """The Swarm layer's `format`, run on every instance type as jsonschema's FormatChecker does
    (jsonschema-rs would apply a custom format to strings only)."""

    def __init__(self, parent_schema, value, schema_path):
        self.conv = CONVERTERS.get(value)

    def validate(self, instance):
        if self.conv is not None and self.conv(instance) is not None:
            raise ValueError("format")


def _renamed_formats(schema):
    if isinstance(schema, dict):
        return {("x-recipelint-format" if k == "format" and isinstance(v, str) else k): _renamed_formats(v)
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [_renamed_formats(v) for v in schema]
    return schema


def _rs_swarm():
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(_renamed_formats(_swarm_schema()),
                                       keywords={"x-recipelint-format": _FormatKeyword}).is_valid


def fast_valid(fast, data) -> bool:
    """True when the compiled predicate ``fast()`` accepts ``data``; False when it refuses it or
    cannot judge it (then jsonschema decides)."""
    v = fast()  # a missing schema raises here, as the slow path would
    if v is None:
        return False
    try:
        return v(data)
    except Exception:  # noqa: BLE001 - e.g. a YAML value JSON has no type for: the slow path judges it
        return False


@lru_cache(maxsize=1)
def _swarm_validator():
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    for name, check in _format_checks().items():
        checker.checks(name)(check)
    return Draft202012Validator(_swarm_schema(), format_checker=checker)


# ---------------------------------------------------------------- the recipe's issues, computed once

def schema_findings(rule, recipe):
    """A schema rule's check: the recipe's issues with the rule's code, as findings."""
    for issue in schema_issues(recipe, rule.code):
        yield rule.finding(issue.node, issue.message, service=issue.service)


def schema_issues(recipe, code: str) -> list[Issue]:
    """The issues with this code in the recipe (all codes are computed on the first call)."""
    cache = recipe.__dict__.get("_schema_issues")
    if cache is None:
        try:
            cache = recipe.__dict__["_schema_issues"] = _all_issues(recipe)
        except Exception:
            # e.g. jsonschema or check-jsonschema missing: the first S rule reports it (as E001), the others
            # stay quiet rather than repeating the same failure a dozen times
            recipe.__dict__["_schema_issues"] = []
            raise
    return [i for i in cache if i.code == code]


def _all_issues(recipe) -> list[Issue]:
    out: list[Issue] = []
    seen: set = set()

    def add(issues):
        for i in issues:
            key = (i.code, i.node.file, i.node.line, i.node.col, i.message if i.code == "S002" else "")
            if key not in seen:
                seen.add(key)
                out.append(i)

    checked: set[str] = set()  # services and resources already validated exactly as they are
    for rel in recipe.compose_files:
        doc = recipe.yaml(rel)
        if doc is None:
            continue
        data, resolved = instance(doc, recipe.interpolate)
        spec = compose_issues(doc, data, resolved)
        add(spec)
        swarm = swarm_issues(doc, data, resolved)
        # a key the compose-spec does not know (S003) or docker refuses (S013) is not also "not in 3.8" (S014)
        taken = {(i.node.line, i.node.col) for i in spec + swarm if i.code in ("S003", "S013")}
        add(i for i in swarm if not (i.code == "S014" and (i.node.line, i.node.col) in taken))
        checked.update(_parts(data))
    for view in recipe.views:
        if view.doc is not None and len(view.files) > 1:  # a single file was checked above
            data, resolved = instance(view.doc, recipe.interpolate)
            add(compose_issues(view.doc, _unchecked(data, checked), resolved, merged=True))
            checked.update(_parts(data))  # the next variants share most of it
    return out


def documents(recipe):
    """Every document the compose-spec layer validates, as plain data: each compose file, then each
    merged variant of more than one file (tests compare the fast path and jsonschema on these)."""
    for rel in recipe.compose_files:
        doc = recipe.yaml(rel)
        if doc is not None:
            yield instance(doc, recipe.interpolate)[0]
    for view in recipe.views:
        if view.doc is not None and len(view.files) > 1:
            yield instance(view.doc, recipe.interpolate)[0]


def _parts(data) -> set[str]:
    """Fingerprints of a document's services and top-level resources, one by one."""
    out = set()
    if isinstance(data, dict):
        for top in ("services", "networks", "volumes", "configs", "secrets"):
            section = data.get(top)
            if isinstance(section, dict):
                for name, value in section.items():
                    out.add(json.dumps([top, name, value], sort_keys=True, default=str))
    return out


def _unchecked(data, checked: set[str]):
    """A merged document with the entries already validated verbatim (in a single file or an earlier
    variant) emptied: validating them again could only repeat findings. (An empty mapping is valid
    in each of these sections.)"""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for top in ("services", "networks", "volumes", "configs", "secrets"):
        section = data.get(top)
        if isinstance(section, dict):
            out[top] = {name: ({} if json.dumps([top, name, value], sort_keys=True, default=str) in checked
                               else value)
                        for name, value in section.items()}
    return out


def instance(doc, interpolate) -> tuple[object, dict]:
    """The document as plain data, strings interpolated; ``resolved`` maps each interpolated
    value's path to its text before interpolation."""
    resolved: dict[tuple, str] = {}

    def walk(node, path):
        v = node.value
        if isinstance(v, dict):
            return {k: walk(n, path + (k,)) for k, n in v.items()}
        if isinstance(v, list):
            return [walk(n, path + (i,)) for i, n in enumerate(v)]
        if isinstance(v, str) and "$" in v:
            resolved[path] = v
            return interpolate(v)
        return v

    return walk(doc, ()), resolved


# ---------------------------------------------------------------- compose-spec layer

def compose_issues(doc, data, resolved, *, merged: bool = False) -> list[Issue]:
    """Issues of one document. In a merged variant a list item repeated across files is no error:
    docker's compose-go loader de-duplicates such lists when it merges, and docker/cli's older
    loader validates each file before merging, never the merged lists."""
    if fast_valid(_fast_compose, data):
        return []
    errors = [e for e in _compose_validator().iter_errors(data) if not (merged and e.validator == "uniqueItems")]
    paths = [tuple(e.absolute_path) for e in errors]
    out = []
    for err in errors:
        out.extend(_compose_issue(doc, err, resolved, paths))
    return out


def _compose_issue(doc, err, resolved, paths):
    path = tuple(err.absolute_path)
    kw = err.validator
    if kw in ("oneOf", "anyOf"):
        yield from _alternatives(doc, err, resolved, paths)
        return
    if kw not in _KEY_KEYWORDS and _has_unresolved(err.instance):
        return
    if kw == "type" and path in resolved and _castable(err.instance, err.validator_value):
        return
    node = node_at(doc, path)
    if node is None:
        return
    where = dotted(path)
    svc = _service(path)
    code = KEYWORD_CODES.get(kw, OTHER_CODE)
    if kw in ("additionalProperties", "unevaluatedProperties", "propertyNames"):
        if not node.is_map:
            return
        known = _known_keys(err.schema)
        for k, child in node.value.items():
            if repr(k) not in err.message or k in known or k.startswith("x-"):
                continue  # a declared key is "unevaluated" only because its branch failed elsewhere
            # a key whose own value has an error is not unknown: that deeper error says what is wrong
            if any(p[:len(path) + 1] == path + (k,) for p in paths):
                continue
            import difflib  # only for an unknown key

            hint = difflib.get_close_matches(k, sorted(known), n=1, cutoff=0.75)
            msg = f"{where}: unknown key '{k}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
            yield Issue(code, child.key or child, msg, svc)
        return
    if kw == "required":
        for k in err.validator_value:
            if isinstance(err.instance, dict) and k not in err.instance:
                yield Issue(code, node, f"{where}: missing required key '{k}'", svc)
        return
    if kw == "uniqueItems" and node.is_seq:
        seen = []
        for item in node.value:
            plain = json.dumps(item.plain(), sort_keys=True, default=str)
            if plain in seen:
                yield Issue(code, item, f"{where}: {show(item.plain())} appears twice; items must be unique", svc)
                return
            seen.append(plain)
        return
    yield Issue(code, node, f"{where}: {_describe(err, path, resolved)}", svc)


def _alternatives(doc, err, resolved, paths):
    """oneOf/anyOf: when no accepted form fits the value's type, S006 lists the forms; otherwise the
    form that fits says what is wrong inside it, under that keyword's own code (S002 for a missing
    key in the long syntax, S007 for a number out of range...)."""
    path = tuple(err.absolute_path)
    if _has_unresolved(err.instance):
        return
    node = node_at(doc, path)
    if node is None:
        return
    leaves = list(_flatten(err.context))
    here = [e for e in leaves if tuple(e.absolute_path) == path]
    deeper = [e for e in leaves if tuple(e.absolute_path) != path]
    type_only = here and all(e.validator == "type" for e in here)
    if not leaves:
        yield Issue("S006", node, f"{dotted(path)}: {show(err.instance)} fits more than one accepted form",
                    _service(path))
        return
    if type_only and not deeper:
        if path in resolved and any(_castable(err.instance, e.validator_value) for e in here):
            return
        wanted = []
        for e in here:
            for t in _types(e.validator_value):
                if _TYPE_WORDS.get(t, t) not in wanted:
                    wanted.append(_TYPE_WORDS.get(t, t))
        yield Issue("S006", node, f"{dotted(path)}: expected {_or(wanted)}, got {_kind(err.instance)}"
                    + _via(path, resolved, err.instance), _service(path))
        return
    from jsonschema.exceptions import best_match

    # the forms whose type the value has are the ones it meant: their failures say what is wrong
    fitting = [e for e in here if e.validator != "type"] + deeper
    best = best_match(fitting or here)
    if best is not None:  # reported under its own keyword's code: that is what is wrong
        yield from _compose_issue(doc, best, resolved, paths)


def _flatten(errors):
    for e in errors:
        if e.validator in ("oneOf", "anyOf") and e.context:
            yield from _flatten(e.context)
        else:
            yield e


def _describe(err, path, resolved) -> str:
    kw = err.validator
    v = err.instance
    via = _via(path, resolved, v)
    if kw == "type":
        wanted = [_TYPE_WORDS.get(t, t) for t in _types(err.validator_value)]
        return f"expected {_or(wanted)}, got {_kind(v)}{via}"
    if kw == "enum":
        return f"{show(v)} is not one of {', '.join(show(x) for x in err.validator_value)}{via}"
    if kw == "const":
        return f"must be {show(err.validator_value)}, not {show(v)}{via}"
    if kw == "pattern":
        return f"{show(v)} does not match the pattern {err.validator_value}{via}"
    if kw == "format":
        return f"{show(v)} is not a valid {err.validator_value}{via}"
    if kw in ("minimum", "exclusiveMinimum"):
        return f"{show(v)} is below the minimum {err.validator_value}{via}"
    if kw in ("maximum", "exclusiveMaximum"):
        return f"{show(v)} is above the maximum {err.validator_value}{via}"
    msg = err.message
    return (msg if len(msg) <= 120 else msg[:117] + "...") + via


# ---------------------------------------------------------------- Swarm layer

def swarm_issues(doc, data, resolved) -> list[Issue]:
    out = []
    if fast_valid(_fast_swarm, data):
        return out
    for err in _swarm_validator().iter_errors(data):
        code = err.schema.get("x-code") if isinstance(err.schema, dict) else None
        if code is None:
            continue
        path = tuple(err.absolute_path)
        node = node_at(doc, path)
        if node is None:
            continue
        where = dotted(path)
        svc = _service(path)
        if code == "S010":
            out.append(Issue(code, node, f"{doc.file} has no top-level `version`, which docker stack deploy "
                                         "needs to pick its schema; add version: \"3.8\"", None))
        elif code in ("S012", "S013"):
            key = path[-1]
            reason = err.schema.get("x-reason", "")
            verb = err.schema.get("x-verb") or ("is ignored by" if code == "S012" else "is refused by")
            out.append(Issue(code, node.key or node, f"{dotted(path[:-1])}: `{key}` {verb} docker stack deploy: "
                                                      f"{reason}", svc))
        elif code == "S014":
            key = err.instance
            child = node.value.get(key) if node.is_map and isinstance(key, str) else None
            if child is None:
                continue
            hint = err.schema.get("x-hints", {}).get(key)
            out.append(Issue(code, child.key or child,
                             f"{where}: `{key}` is not a key of compose file format {err.schema.get('x-version')}, "
                             f"the schema docker stack deploy checks this file against" + (f"; {hint}" if hint else ""),
                             svc))
        elif code == "S011":
            issue = _label_issue(node, path, err.instance, svc)
            if issue is not None:
                out.append(issue)
        elif code == "S020":
            conv = CONVERTERS.get(err.validator_value) if err.validator == "format" else None
            expected = conv(err.instance) if conv else None
            if expected is None:
                continue
            raw = resolved.get(path)
            what = f"{raw!r} is {show(err.instance)} after interpolation, which" if raw is not None \
                else show(err.instance)
            out.append(Issue(code, node, f"{where}: {what} does not convert; docker stack deploy expects {expected}",
                             svc))
    return out


def _label_issue(node, path, value, svc) -> Issue | None:
    where = dotted(path)
    if isinstance(value, bool):
        src = source_text(node) or ("true" if value else "false")
        return Issue("S011", node, f"{where}: {src} is a YAML boolean; docker stack deploy's compose schema "
                                   f"wants a string here, so quote it: \"{src}\"", svc)
    if isinstance(value, (int, float)):
        src = source_text(node)
        text = go_text(value)
        if src is None or src == text:
            return None  # docker turns the number into the same text: harmless
        return Issue("S011", node, f"{where}: {src} is read as the number {text}, so the value becomes "
                                   f"'{text}'; quote it: \"{src}\"", svc)
    return None


# ---------------------------------------------------------------- helpers

def node_at(doc, path):
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


def source_text(node) -> str | None:
    """The scalar exactly as written, for single-line scalars."""
    lines = getattr(node, "lines", None)
    if not lines or node.line != node.end_line or node.line is None or node.line > len(lines):
        return None
    return lines[node.line - 1][node.col - 1:node.end_col - 1] or None


def dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "top level"


def show(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    return str(value)


def _kind(value) -> str:
    if isinstance(value, bool):
        return f"the boolean {show(value)}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {show(value)}"
    if value is None:
        return "nothing (null)"
    return _TYPE_WORDS["object" if isinstance(value, dict) else "array"]


def _types(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _service(path) -> str | None:
    return path[1] if len(path) > 1 and path[0] == "services" and isinstance(path[1], str) else None


def _via(path, resolved, value) -> str:
    raw = resolved.get(tuple(path))
    return f" (from {raw!r} after interpolation)" if raw is not None and raw != value else ""


def _has_unresolved(value) -> bool:
    if isinstance(value, str):
        return unresolved(value)
    if isinstance(value, dict):
        return any(_has_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unresolved(v) for v in value)
    return False


def _castable(value, expected) -> bool:
    """docker casts interpolated text to the type a field needs: would this text cast?"""
    if not isinstance(value, str):
        return False
    text = value.strip()
    for t in _types(expected):
        if t == "integer" and text.lstrip("+-").isdigit():
            return True
        if t == "number":
            try:
                float(text)
                return True
            except ValueError:
                pass
        if t == "boolean" and text.lower() in ("true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"):
            return True
    return False


def _known_keys(schema) -> set[str]:
    """Property names a (compose-spec) subschema declares, following allOf and local $refs."""
    root = _compose_schema()
    out: set[str] = set()
    stack = [schema]
    seen = 0
    while stack and seen < 50:
        seen += 1
        s = stack.pop()
        if not isinstance(s, dict):
            continue
        out.update(k for k in s.get("properties", {}) if isinstance(k, str))
        for sub in s.get("allOf", []):
            stack.append(sub)
        ref = s.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            stack.append(target)
    return out
