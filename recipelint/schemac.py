"""schemac: a JSON Schema (draft 2020-12) to Python compiler for a yes/no answer.

``load(schema_bytes, formats)`` gives a predicate ``is_valid(instance) -> bool`` that says what
jsonschema's ``Draft202012Validator(schema, format_checker=...)`` says about ``instance`` (no error
at all, or some error), for exactly the keywords the compose-spec schema and our Swarm layer use.
The schema rules ask it first; jsonschema is imported only to explain a document it refuses.

Semantics follow jsonschema's, not just the specification's:

- JSON types on plain Python values: a bool is neither an integer nor a number, ``1.0`` is an
  integer; ``enum``/``const``/``uniqueItems`` compare like jsonschema's ``equal``/``uniq`` (``1`` is
  not ``True``); ``pattern`` is ``re.search`` on strings; ``format`` runs the given checker on every
  value type, as jsonschema's FormatChecker does; ``unevaluatedProperties`` is computed statically
  from ``properties``/``patternProperties`` reachable through ``allOf`` and ``$ref`` (anything whose
  evaluated names depend on which branch passes is refused).
- "Unsure" is "no": a value of a subclass of dict/list/str/int/float or another number type, or a
  non-string key where keys are matched against patterns, makes the predicate answer False, so
  that jsonschema decides. It never answers True where jsonschema finds an error.

The compiler refuses (``Unsupported``) any keyword or form it does not implement, so a schema
update can never silently skip a check: the caller then falls back to a general validator.

The generated code is compiled to a code object and kept, as marshal data, in the user's cache dir
(``$XDG_CACHE_HOME/recipelint/schemac``, as recipelint/cache.py finds its dir), keyed by the schema's
bytes, the format names, this compiler's version and the interpreter's cache tag: like __pycache__,
an entry can never be stale, so ``--no-cache`` (which is about results) does not bypass it
(docs/adr/0014-schema-compiler.md). An unreadable or damaged entry is rebuilt; an unwritable cache
dir means compiling in memory.
"""

from __future__ import annotations

import marshal
import os
import re
import sys

VERSION = 6  # bump on any change to the generated code

ANNOTATIONS = frozenset({"title", "description", "default", "deprecated", "examples", "$comment",
                         "readOnly", "writeOnly"})
KEYWORDS = frozenset({"type", "enum", "const", "format", "properties", "patternProperties",
                      "additionalProperties", "unevaluatedProperties", "required", "propertyNames",
                      "items", "uniqueItems", "pattern", "minimum", "maximum", "allOf", "anyOf", "oneOf",
                      "not", "if", "then", "else", "$ref", "$defs", "definitions"})
_ROOT_ONLY = frozenset({"$schema", "$id"})
_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
_META = set(".^$*+?{}[]\\|()")
# JSON type -> exact Python types (as source); "integer" also takes an integral float, tested apart
_PY = {"object": ("dict",), "array": ("list",), "string": ("str",), "boolean": ("bool",), "null": ("_NoneType",),
       "number": ("int", "float"), "integer": ("int",)}


class Unsupported(ValueError):
    """The schema uses a keyword or form this compiler does not implement."""


# ---------------------------------------------------------------- runtime helpers (the generated code's globals)

class _Unsure(Exception):
    """Raised inside a predicate for a value it cannot judge exactly like jsonschema: the answer is False."""


_PLAIN = frozenset({dict, list, str, int, float, bool, type(None)})


def _odd(x):
    """A value of a type outside _PLAIN that jsonschema could count as a JSON type (a dict subclass,
    a Decimal...): unsure. Other types (a date, bytes) are no JSON type for jsonschema either."""
    import numbers

    if isinstance(x, (dict, list, str, int, float, numbers.Number)):
        raise _Unsure


def _no(x):
    """A failed type check: False, unless the value's type is one jsonschema might judge otherwise."""
    if type(x) not in _PLAIN:
        _odd(x)
    return False


def _yes(x):
    """A passed check that applies to one type only: True, unless the value's type is one
    jsonschema might count as that type (a str subclass...)."""
    if type(x) not in _PLAIN:
        _odd(x)
    return True


def _T(x):
    return True


def _F(x):
    return False


def _unbool(v, _true=object(), _false=object()):
    if v is True:
        return _true
    if v is False:
        return _false
    return v


def _equal(one, two):
    """jsonschema's equality: bools differ from numbers, also inside lists and mappings."""
    from collections.abc import Mapping, Sequence

    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    return _unbool(one) == _unbool(two)


def _uniq(items):
    """jsonschema's uniqueItems test, answer for answer: sort when the items sort (then compare
    neighbours), else compare every pair."""
    try:  # items that differ for == differ for jsonschema too (its equal() is stricter)
        if len(set(items)) == len(items):
            return True
    except TypeError:
        pass
    try:
        ordered = sorted(_unbool(i) for i in items)
        return not any(_equal(a, b) for a, b in zip(ordered, ordered[1:]))
    except (NotImplementedError, TypeError):
        seen = []
        for e in items:
            e = _unbool(e)
            if any(_equal(s, e) for s in seen):
                return False
            seen.append(e)
        return True


def _searcher(seen: set, pattern: str):
    """A pattern's ``search``, compiled on first use (compiling every pattern of a schema up front
    costs milliseconds on a cold start), that remembers texts it matched in ``seen`` (the generated
    code asks ``text in seen`` first: names recur across services and documents)."""
    search = None

    def first(text: str):
        nonlocal search
        if search is None:
            search = re.compile(pattern).search
        m = search(text)
        if m and len(seen) < 4096:
            seen.add(text)
        return m

    return first


def _namespace(formats) -> dict:
    return {"__builtins__": __builtins__, "_NoneType": type(None), "_PLAIN": _PLAIN, "_ANY": _PLAIN,
            "_Unsure": _Unsure, "_odd": _odd, "_no": _no, "_yes": _yes, "_T": _T, "_F": _F, "_equal": _equal,
            "_uniq": _uniq, "_searcher": _searcher, "FORMATS": dict(formats or {})}


# ---------------------------------------------------------------- the compiler

def _pointer(root, ref: str):
    if not ref.startswith("#"):
        raise Unsupported(f"$ref {ref!r}: only references into the same document are compiled")
    frag = ref[1:]
    if "%" in frag:
        from urllib.parse import unquote

        frag = unquote(frag)
    node = root
    if frag == "":
        return node
    if not frag.startswith("/"):
        raise Unsupported(f"$ref {ref!r}: anchors are not compiled")
    for part in frag[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise Unsupported(f"$ref {ref!r} points nowhere")
    return node


def _esc(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _prefix(pattern: str) -> str | None:
    """``^literal`` patterns: the literal (``startswith`` is exact for them)."""
    if pattern.startswith("^") and len(pattern) > 1 and not (set(pattern[1:]) & _META):
        return pattern[1:]
    return None


class _Compiler:
    def __init__(self, root, formats):
        self.root = root
        self.formats = None if formats is None else set(formats)
        self.names: dict[str, str] = {}  # node pointer -> function name
        self.funcs: list[str] = []
        self.consts: list[str] = []
        self.const_names: dict[str, str] = {}
        self.todo: list[tuple[object, str, str]] = []
        self.aliases: dict[str, str] = {}  # a function that only calls another: the other

    # constants (regexes, sets, dicts of functions), defined after every function
    def const(self, expr: str) -> str:
        name = self.const_names.get(expr)
        if name is None:
            name = self.const_names[expr] = f"_c{len(self.const_names)}"
            self.consts.append(f"{name} = {expr}")
        return name

    def regex(self, pattern: str) -> str:
        if f"regex {pattern!r}" in self.const_names:
            return self.const_names[f"regex {pattern!r}"]
        try:
            re.compile(pattern)
        except re.error as e:
            raise Unsupported(f"pattern {pattern!r}: {e}") from None
        name = f"_c{len(self.const_names)}"
        self.const_names[f"regex {pattern!r}"] = name
        self.consts.append(f"{name}_yes = set()")
        self.consts.append(f"{name} = _searcher({name}_yes, {pattern!r})")
        return name

    def match_expr(self, pattern: str, var: str) -> str:
        if pattern == ".+":  # a character other than a newline
            return f"{var}.strip('\\n')"
        p = _prefix(pattern)
        if p is not None:
            return f"{var}.startswith({p!r})"
        r = self.regex(pattern)  # (var is a str here: a set lookup answers for a text seen matching)
        return f"({var} in {r}_yes or {r}({var}))"

    def fn(self, schema, ptr: str, hops: int = 0) -> str:
        if hops > 50:
            raise Unsupported(f"{ptr}: a $ref cycle")
        if schema is True:
            return "_T"
        if schema is False:
            return "_F"
        if not isinstance(schema, dict):
            raise Unsupported(f"{ptr}: a schema must be an object or a boolean")
        if all(k in ANNOTATIONS or (isinstance(k, str) and k.startswith("x-")) for k in schema):
            return "_T"
        if "$ref" in schema and all(k == "$ref" or k in ANNOTATIONS or (isinstance(k, str) and k.startswith("x-"))
                                    for k in schema):
            return self.ref(schema["$ref"], hops + 1)
        name = self.names.get(ptr)
        if name is None:
            name = self.names[ptr] = f"_v{len(self.names)}"
            self.todo.append((schema, ptr, name))
        return name

    def check(self, schema, ptr: str, var: str) -> str:
        """An expression, true when ``var`` is valid under ``schema`` (false, or _Unsure raised, when
        not): inline for a lone type, string enum, string const, pattern, not or anyOf of those; else
        a call of the schema's function."""
        if isinstance(schema, dict):
            kws = [k for k in schema if not (k in ANNOTATIONS or (isinstance(k, str) and k.startswith("x-")))]
            if kws == ["type"]:
                return self.type_test(self.types(schema["type"], ptr), var)
            if kws == ["enum"] and isinstance(schema["enum"], list) and schema["enum"] and all(
                    type(e) is str for e in schema["enum"]):
                return f"(type({var}) is str and {var} in {self.const(repr(frozenset(schema['enum'])))} or _no({var}))"
            if kws == ["const"] and type(schema["const"]) is str:
                return f"({var} == {schema['const']!r} if type({var}) is str else _no({var}))"
            if kws == ["pattern"] and isinstance(schema["pattern"], str):
                return f"({self.match_expr(schema['pattern'], var)} if type({var}) is str else _yes({var}))"
            if kws == ["not"]:
                inner = self.check(schema["not"], f"{ptr}/not", var)
                return {"True": "False", "False": "True"}.get(inner, f"(not {inner})")
            if kws == ["anyOf"] and isinstance(schema["anyOf"], list) and schema["anyOf"]:
                parts = [self.check(sub, f"{ptr}/anyOf/{i}", var) for i, sub in enumerate(schema["anyOf"])]
                if all(not p.startswith("_v") for p in parts):  # all inline: no calls to spare
                    return "(" + " or ".join(parts) + ")"
        f = self.fn(schema, ptr)
        return {"_T": "True", "_F": "False"}.get(f, f"{f}({var})")

    def type_test(self, names, var: str, t: str | None = None) -> str:
        """True for a value of these JSON types; False or _Unsure (via _no) otherwise."""
        t = t or f"type({var})"
        py = sorted({p for n in names for p in _PY[n]})
        parts = [f"{t} is {py[0]}" if len(py) == 1 else f"{t} in {self.const('frozenset({' + ', '.join(py) + '})')}"]
        if "integer" in names and "number" not in names:
            parts.append(f"({t} is float and {var}.is_integer())")
        return "(" + " or ".join(parts + [f"_no({var})"]) + ")"

    def py_types(self, schema, depth=0):
        """The Python types a value valid under ``schema`` can have (None: any), from `type` keywords
        along `$ref`/`allOf`."""
        if schema is False:
            return set()
        if not isinstance(schema, dict) or depth > 20:
            return None
        out = None
        if "type" in schema:
            out = {p for n in self.types(schema["type"], "") for p in _PY[n]}
            if "integer" in self.types(schema["type"], "") and "number" not in self.types(schema["type"], ""):
                out.add("float")
        subs = list(schema.get("allOf", []))
        if isinstance(schema.get("$ref"), str):
            subs.append(_pointer(self.root, schema["$ref"]))
        for sub in subs:
            more = self.py_types(sub, depth + 1)
            if more is not None:
                out = more if out is None else out & more
        return out

    def ref(self, ref, hops: int = 0) -> str:
        if not isinstance(ref, str):
            raise Unsupported(f"$ref {ref!r}")
        return self.fn(_pointer(self.root, ref), ref, hops)

    def run(self) -> str:
        entry = self.fn(self.root, "#")
        while self.todo:
            schema, ptr, name = self.todo.pop()
            self.funcs.append(self.body(schema, ptr, name, top=ptr == "#"))
        aliases = []
        for name in self.aliases:
            target, hops = name, 0
            while target in self.aliases:
                target, hops = self.aliases[target], hops + 1
                if hops > len(self.aliases):
                    raise Unsupported(f"a $ref cycle through {name}")
            aliases.append(f"{name} = {target}")
        return "\n".join(self.funcs + aliases + self.consts + [f"is_valid = {entry}", ""])

    def body(self, s: dict, ptr: str, name: str, top: bool) -> str:
        for k in s:
            if k in KEYWORDS or k in ANNOTATIONS or (isinstance(k, str) and k.startswith("x-")):
                continue
            if top and k in _ROOT_ONLY:
                continue
            raise Unsupported(f"{ptr}: keyword {k!r}")
        if ("then" in s or "else" in s) and "if" not in s:
            raise Unsupported(f"{ptr}: then/else without if")
        for k in ("$defs", "definitions"):
            if k in s and not isinstance(s[k], dict):
                raise Unsupported(f"{ptr}/{k}")
        lines: list[str] = []  # statements at function level
        allowed = None  # the JSON types the `type` keyword lets through (None: any)
        if "type" in s:
            allowed = self.types(s["type"], ptr)
        merged = self.merged(s, ptr)
        if merged is not None:
            s = merged
            if "type" in s:
                allowed = self.types(s["type"], ptr)
        obj = self.object_part(s, ptr if merged is None else f"{ptr}/(merged)")
        arr = self.array_part(s, ptr)
        txt = []
        if "pattern" in s:
            if not isinstance(s["pattern"], str):
                raise Unsupported(f"{ptr}/pattern")
            txt.append(f"if not {self.match_expr(s['pattern'], 'x')}: return False")
        num = []
        for kw, op in (("minimum", "<"), ("maximum", ">")):
            if kw in s:
                v = s[kw]
                if type(v) not in (int, float) or v != v:
                    raise Unsupported(f"{ptr}/{kw}")
                num.append(f"if x {op} {v!r}: return False")
        branches = [(b, cond) for b, cond, jt in ((obj, "t is dict", ("object",)), (arr, "t is list", ("array",)),
                                                  (txt, "t is str", ("string",)),
                                                  (num, "t is int or t is float", ("number", "integer")))
                    if b and (allowed is None or set(jt) & set(allowed))]
        if allowed is not None or branches:
            lines.append("t = type(x)")
        # -- any type
        if allowed is not None:
            lines.append(f"if not {self.type_test(allowed, 'x', 't')}: return False")
        if "const" in s:
            lines.append(f"if not _equal(x, {self.const(repr(s['const']))}): return False")
        if "enum" in s:
            lines += self.enum(s["enum"], ptr)
        if "format" in s and self.formats is not None:
            f = s["format"]
            if f not in self.formats:
                raise Unsupported(f"{ptr}: format {f!r} has no checker")
            lines.append(f"if not {self.const(f'FORMATS[{f!r}]')}(x): return False")
        # -- by type
        if allowed is not None and len(allowed) == 1 and len(branches) == 1:
            lines += branches[0][0]  # the type check above let only this type through
            branches = []
        for i, (b, cond) in enumerate(branches):
            lines.append(f"{'if' if i == 0 else 'elif'} {cond}:")
            lines += ["    " + ln for ln in b]
        if branches and allowed is None:
            lines.append("elif t not in _PLAIN:")
            lines.append("    _odd(x)")
        # -- applicators
        if "$ref" in s:
            lines.append(f"if not {self.ref(s['$ref'])}(x): return False")
        for i, sub in enumerate(self.listed(s, "allOf", ptr)):
            c = self.check(sub, f"{ptr}/allOf/{i}", "x")
            if c != "True":
                lines.append(f"if not {c}: return False")
        for kw in ("anyOf", "oneOf"):
            if kw in s:
                subs = [(sub, f"{ptr}/{kw}/{i}") for i, sub in enumerate(self.listed(s, kw, ptr))]
                if "t = type(x)" not in lines:
                    lines.insert(0, "t = type(x)")
                lines += self.alternatives(kw, subs)
        if "not" in s:
            c = self.check(s["not"], f"{ptr}/not", "x")
            if c != "False":
                lines.append("return False" if c == "True" else f"if {c}: return False")
        if "if" in s:
            cond = self.fn(s["if"], f"{ptr}/if")
            then = self.fn(s["then"], f"{ptr}/then") if "then" in s else None
            else_ = self.fn(s["else"], f"{ptr}/else") if "else" in s else None
            if then or else_:
                lines.append(f"if {cond}(x):")
                lines.append(f"    if not {then}(x): return False" if then else "    pass")
                if else_:
                    lines.append("else:")
                    lines.append(f"    if not {else_}(x): return False")
        if not lines:
            self.aliases[name] = "_T"
            return f"# {name}: {ptr} (always true)"
        if lines[0] == "return False":
            self.aliases[name] = "_F"
            return f"# {name}: {ptr} (always false)"
        m = re.fullmatch(r"if not (_v\d+|_T|_F)\(x\): return False", lines[0]) if len(lines) == 1 else None
        if m:
            self.aliases[name] = m.group(1)
            return f"# {name}: {ptr} (= {m.group(1)})"
        return "\n".join([f"def {name}(x):  # {ptr}"] + ["    " + ln for ln in lines] + ["    return True", ""])

    def alternatives(self, kw, subs) -> list[str]:
        """anyOf/oneOf, dispatched on the value's Python type: only the alternatives whose `type`
        admits it are tried (the others are false for a value of that type)."""
        def combine(cands):
            calls = [self.check(sub, where, "x") for sub, where in cands]
            if not calls:
                return ["return False"]
            if kw == "anyOf" or len(calls) == 1:
                return [f"if not ({' or '.join(calls)}): return False"]
            out = ["n = 0"]
            for c in calls:
                out += [f"if {c}:", "    if n: return False", "    n = 1"]
            return out + ["if not n: return False"]

        kinds = [self.py_types(sub) for sub, _ in subs]
        groups: dict[tuple, list[str]] = {}
        for py in ("dict", "list", "str", "bool", "_NoneType", "int", "float"):
            key = tuple(i for i, k in enumerate(kinds) if k is None or py in k)
            groups.setdefault(key, []).append(py)
        if len(groups) == 1:
            return combine(subs)
        out = []
        for key, pys in groups.items():
            cond = " or ".join(f"t is {p}" for p in pys)
            out.append(f"{'if' if not out else 'elif'} {cond}:")
            out += ["    " + ln for ln in combine([subs[i] for i in key])]
        out.append("else:")  # another type: every alternative, as written
        out += ["    " + ln for ln in combine(subs)]
        return out

    @staticmethod
    def listed(s, kw, ptr):
        v = s.get(kw, [])
        if not isinstance(v, list) or (kw in s and not v):
            raise Unsupported(f"{ptr}/{kw}: a non-empty list")
        return v

    @staticmethod
    def types(types, ptr) -> list[str]:
        names = [types] if isinstance(types, str) else types
        if not isinstance(names, list) or not names or any(t not in _TYPES for t in names):
            raise Unsupported(f"{ptr}/type {types!r}")
        return names

    def enum(self, values, ptr) -> list[str]:
        if not isinstance(values, list):
            raise Unsupported(f"{ptr}/enum")
        if values and all(type(v) is str for v in values):
            # jsonschema's equal() is == when either side is a string: only a string can match
            return [f"if not (type(x) is str and x in {self.const(repr(frozenset(values)))}): return _no(x)"]
        return [f"if not any(_equal(e, x) for e in {self.const(repr(tuple(values)))}): return False"]

    def array_part(self, s, ptr) -> list[str]:
        out = []
        if "items" in s:
            if isinstance(s["items"], list):
                raise Unsupported(f"{ptr}/items: the array form (prefixItems) is not compiled")
            c = self.check(s["items"], f"{ptr}/items", "v")
            if c == "False":
                out.append("if x: return False")
            elif c != "True":
                out.append("for v in x:")
                out.append(f"    if not {c}: return False")
        if s.get("uniqueItems") is True:
            out.append("if len(x) > 1 and not _uniq(x): return False")
        elif "uniqueItems" in s and s["uniqueItems"] is not False:
            raise Unsupported(f"{ptr}/uniqueItems")
        return out

    _MERGEABLE = frozenset({"type", "properties", "patternProperties", "required"})

    def merged(self, s, ptr):
        """A schema whose ``allOf`` members (directly or through ``$ref``) only declare object keys
        (properties, patternProperties, required, type object) as one schema: one pass over the keys
        instead of one per member. A key declared twice gets both subschemas (an allOf). The
        members' subschemas are kept as references, so they compile once, wherever they are used."""
        if "allOf" not in s or "additionalProperties" in s or s.get("type", "object") != "object":
            return None
        parts = [(s, ptr)]
        for i, sub in enumerate(self.listed(s, "allOf", ptr)):
            target, where, hops = sub, f"{ptr}/allOf/{i}", 0
            while isinstance(target, dict) and "$ref" in target and hops < 20 and all(
                    k == "$ref" or k in ANNOTATIONS or (isinstance(k, str) and k.startswith("x-")) for k in target):
                where, hops = target["$ref"], hops + 1
                target = _pointer(self.root, where)
            if not isinstance(target, dict) or target.get("type", "object") != "object" or any(
                    k not in self._MERGEABLE and k not in ANNOTATIONS and not (isinstance(k, str) and k.startswith("x-"))
                    for k in target):
                return None
            if not isinstance(target.get("properties", {}), dict) or not isinstance(
                    target.get("patternProperties", {}), dict):
                return None
            parts.append((target, where))
        out = {k: v for k, v in s.items() if k not in ("allOf", "properties", "patternProperties", "required")}
        required: list = []
        for kw in ("properties", "patternProperties"):
            table: dict[str, list] = {}
            for part, where in parts:
                for k in part.get(kw, {}):
                    table.setdefault(k, []).append({"$ref": f"{where}/{kw}/{_esc(k)}"})
            if table:
                out[kw] = {k: refs[0] if len(refs) == 1 else {"allOf": refs} for k, refs in table.items()}
        for part, _ in parts:
            for r in part.get("required", []):
                if r not in required:
                    required.append(r)
        if required:
            out["required"] = required
        if any("type" in part for part, _ in parts):
            out["type"] = "object"
        return out

    def object_part(self, s, ptr) -> list[str]:
        out = []
        req = s.get("required", [])
        if not isinstance(req, list) or not all(isinstance(r, str) for r in req):
            raise Unsupported(f"{ptr}/required")
        for r in req:
            out.append(f"if {r!r} not in x: return False")
        if "propertyNames" in s:
            c = self.check(s["propertyNames"], f"{ptr}/propertyNames", "k")
            out.append("for k in x:")
            out.append(f"    if not {c}: return False")
        props = s.get("properties", {})
        pats = s.get("patternProperties", {})
        if not isinstance(props, dict) or not isinstance(pats, dict):
            raise Unsupported(f"{ptr}/properties")
        addl = s.get("additionalProperties")
        unev = s.get("unevaluatedProperties")
        fns: dict = {}

        def pfn(k):  # a property's function, generated only where it is called by name
            if k not in fns:
                fns[k] = self.fn(props[k], f"{ptr}/properties/{_esc(k)}")
            return fns[k]

        # in the property tables, a pure type test is a frozenset of Python types (no call)
        entries = {}
        for k, v in props.items():
            hops = 0
            while isinstance(v, dict) and set(v) == {"$ref"} and isinstance(v["$ref"], str) and hops < 20:
                v, hops = _pointer(self.root, v["$ref"]), hops + 1
            names_ = self.types(v["type"], ptr) if isinstance(v, dict) and "type" in v and all(
                kk == "type" or kk in ANNOTATIONS or (isinstance(kk, str) and kk.startswith("x-")) for kk in v) else None
            if names_ is not None and ("integer" not in names_ or "number" in names_):
                entries[k] = self.const("frozenset({" + ", ".join(sorted({p for n in names_ for p in _PY[n]})) + "})")
            elif pfn(k) == "_T":
                entries[k] = "_ANY"
            else:
                entries[k] = pfn(k)
        patchecks = [(p, self.check(v, f"{ptr}/patternProperties/{_esc(p)}", "v")) for p, v in pats.items()]
        achk = self.check(addl, f"{ptr}/additionalProperties", "v") if addl is not None else "True"
        uchk = "True"
        if unev is not None:
            uchk = self.check(unev, f"{ptr}/unevaluatedProperties", "v")
            names, patterns, everything = self.evaluated(s, ptr)
            if everything:
                uchk = "True"
        if not props and not pats and achk == "True" and uchk == "True":
            return out
        if not pats and achk == "True" and uchk == "True":
            live = [k for k in props if entries[k] != "_ANY"]
            if not live:
                return out
            if len(live) <= 3:
                for k in live:
                    out.append(f"if {k!r} in x and not {pfn(k)}(x[{k!r}]): return False")
                return out
            table = self.const("{" + ", ".join(f"{k!r}: {entries[k]}" for k in live) + "}")
            out.append("for k, v in x.items():")
            out.append(f"    f = {table}.get(k)")
            out.append("    if f is not None:")
            out += ["        " + ln for ln in self.table_call()]
            return out
        def fails(check):  # the statement for "a value failing this check fails the whole"
            return "return False" if check == "False" else f"if not {check}: return False"

        # a declared name that a pattern with a real check also matches needs both: the generic loop
        crossed = any(c != "True" and re.search(p, k) for p, c in patchecks for k in props)
        rest = []  # statements for a key that is not a declared property
        if len(patchecks) == 1:
            (p, c), = patchecks
            rest += [f"if {self.match_expr(p, 'k')}:", "    " + (fails(c) if c != "True" else "pass")]
            other = "else:"
        else:
            for p, c in patchecks:
                if c != "True":
                    rest += [f"if {self.match_expr(p, 'k')}:", "    " + fails(c)]
            other = f"elif not {self.match_expr('|'.join(pats), 'k')}:" if pats else "else:"
            if rest and other == "else:":
                other = "if True:"
            elif not rest:
                other = other.replace("elif", "if").replace("else:", "if True:")
        more = []  # for a key no property name and no pattern matches
        if achk != "True":
            more.append(fails(achk))
        if uchk != "True":
            # jsonschema: evaluated = declared names (here or along allOf/$ref) and keys a pattern matches
            extra = sorted(set(names) - set(props))
            conds = ([f"k not in {self.const(repr(frozenset(extra)))}"] if extra else []) + \
                [f"not {self.match_expr(p, 'k')}" for p in patterns if p not in pats]
            more.append(f"if {' and '.join(conds)}:" if conds else "if True:")
            more.append("    " + fails(uchk))
        if more:
            rest += [other] + ["    " + m for m in more]
        out.append("for k, v in x.items():")
        if not crossed:
            if props:
                table = self.const("{" + ", ".join(f"{k!r}: {entries[k]}" for k in props) + "}")
                out.append(f"    f = {table}.get(k)")
                out.append("    if f is not None:")
                out += ["        " + ln for ln in self.table_call()]
                out.append("        continue")
            if rest:
                out.append("    if type(k) is not str: raise _Unsure")
                out += ["    " + r for r in rest]
            return out
        out.append("    if type(k) is not str: raise _Unsure")
        if props:
            table = self.const("{" + ", ".join(f"{k!r}: {pfn(k)}" for k in props) + "}")
            out.append(f"    f = {table}.get(k)")
            out.append("    if f is not None and not f(v): return False")
        for p, c in patchecks:
            if c != "True":
                out.append(f"    if {self.match_expr(p, 'k')} and not {c}: return False")
        if more:
            cond = ["f is None"] if props else []
            if pats:
                cond.append(f"not {self.match_expr('|'.join(pats), 'k')}")
            out.append(f"    if {' and '.join(cond) or 'True'}:")
            out += ["        " + m for m in more]
        return out

    @staticmethod
    def table_call() -> list[str]:
        return ["if f.__class__ is frozenset:",
                "    if type(v) not in f: return _no(v)",
                "elif not f(v): return False"]

    def evaluated(self, s, ptr):
        """The property names and patterns a valid instance has evaluated, from the schema's own
        ``properties``/``patternProperties`` and those reached through ``allOf`` and ``$ref``
        (``everything`` when an ``additionalProperties`` evaluates every key). Refused when the answer
        depends on which branch of an alternative passes."""
        names: set[str] = set()
        patterns: list[str] = []
        everything = False
        stack = [(s, ptr, True)]
        seen = 0
        while stack:
            node, where, own = stack.pop()
            seen += 1
            if seen > 1000:
                raise Unsupported(f"{ptr}/unevaluatedProperties: $ref cycle")
            if node is True or node is False:
                continue
            for kw in ("anyOf", "oneOf", "if", "dependentSchemas", "$dynamicRef"):
                if kw in node:
                    raise Unsupported(f"{where}: {kw} under unevaluatedProperties is not compiled")
            if not own and "unevaluatedProperties" in node:
                raise Unsupported(f"{where}: nested unevaluatedProperties is not compiled")
            names.update(node.get("properties", {}))
            for p in node.get("patternProperties", {}):
                if p not in patterns:
                    patterns.append(p)
            if "additionalProperties" in node:
                everything = True
            for i, sub in enumerate(node.get("allOf", [])):
                stack.append((sub, f"{where}/allOf/{i}", False))
            if "$ref" in node:
                stack.append((_pointer(self.root, node["$ref"]), node["$ref"], False))
        return names, patterns, everything


def compile_source(schema, formats=None) -> str:
    """Python source defining ``is_valid(x)`` for this schema. ``formats``: the names of the formats
    that assert (their checkers are given to ``load``/``build``); None: ``format`` is an annotation,
    as for a validator without a format checker. Raises Unsupported."""
    return _Compiler(schema, formats).run()


def build(schema, formats=None):
    """The predicate, compiled in memory (no cache)."""
    code = compile(compile_source(schema, formats), "<schemac>", "exec")
    return _bind(code, formats)


def _bind(code, formats):
    ns = _namespace(formats)
    exec(code, ns)
    pred = ns["is_valid"]

    def is_valid(instance) -> bool:
        try:
            return pred(instance)
        except _Unsure:
            return False
        except RecursionError:
            return False

    return is_valid


# ---------------------------------------------------------------- the code cache

def cache_dir() -> str:
    from recipelint.cache import cache_dir as base

    return str(base() / "schemac")


def cache_key(schema_bytes: bytes, formats=None) -> str:
    head = f"schemac {VERSION} {sys.implementation.cache_tag} formats={sorted(formats or ())!r}\n".encode()
    from recipelint.record import sha256  # the builtin one: hashlib would load OpenSSL for this hash

    return sha256(head + schema_bytes).hexdigest()


def load(schema_bytes: bytes, formats=None):
    """The predicate for this schema (JSON text as bytes), from the cache when it holds it.
    ``formats`` maps each asserting format name to its checker (value -> truthy when valid).
    Raises Unsupported when the compiler refuses the schema (a refusal is cached too)."""
    key = cache_key(schema_bytes, formats)
    path = os.path.join(cache_dir(), f"{key}.bin")
    entry = None
    try:
        with open(path, "rb") as fh:
            entry = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        pass  # missing or damaged: rebuild
    if type(entry) is tuple and len(entry) == 3 and entry[0] == key:
        if entry[1] == "code" and type(entry[2]) is type(_T.__code__):
            return _bind(entry[2], formats)
        if entry[1] == "refused" and type(entry[2]) is str:
            raise Unsupported(entry[2])
    import json

    try:
        code = compile(compile_source(json.loads(schema_bytes), formats), "<schemac>", "exec")
        entry = (key, "code", code)
    except Unsupported as e:
        code = None
        entry = (key, "refused", str(e))
    _write(path, marshal.dumps(entry))
    if code is None:
        raise Unsupported(entry[2])
    return _bind(code, formats)


def _write(path: str, data: bytes) -> None:
    """Atomic write (temp file + rename); any failure leaves the cache as it was. Entries written
    more than PRUNE_DAYS ago by another key (an older compiler or schema) go: a key still in use
    costs one compile to come back."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        _prune(folder, keep=os.path.basename(path))
    except OSError:
        from contextlib import suppress

        with suppress(OSError):
            os.unlink(tmp)


PRUNE_DAYS = 30


def _prune(folder: str, keep: str) -> None:
    import time

    limit = time.time() - PRUNE_DAYS * 86400
    for entry in os.scandir(folder):
        if entry.name != keep and entry.name.endswith((".bin", ".tmp")) and entry.stat().st_mtime < limit:
            os.unlink(entry.path)
