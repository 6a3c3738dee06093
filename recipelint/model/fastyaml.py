"""A fast YAML composer: libyaml (through PyYAML's C parser) with ruamel.yaml's YAML 1.2 tag resolution.

Profiling a catalogue sweep showed ruamel.yaml's pure-Python composer as the largest single cost
(about 6 ms per 100 lines; libyaml composes the same file some 20x faster). The nodes it returns
have what yamlnode._Builder reads (``id``, ``tag``, ``value``, ``style``, 0-based ``start_mark``
and ``end_mark``), and plain scalars get the tag ruamel's YAML 1.2 resolver gives them (our own
table, checked against ruamel's in the tests, so the fast path does not import ruamel at all): a
value gets the same Python value as on the pure path: ``yes`` stays a string, ``0755`` an int.

``compose(text)`` returns the root node, None for an empty document, or raises ``Unavailable``
when libyaml is not installed or refuses the text (the caller then uses the pure path, which
also words syntax errors the way the rest of recipelint expects).
"""

from __future__ import annotations

import bisect
import sys


class Unavailable(Exception):
    """libyaml is missing or did not accept this text: use the pure composer."""


_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))
_NUMERIC_START = frozenset("-+0123456789.")
_DIGITS = frozenset("0123456789")
_RES: dict = {}


def _patterns():
    """YAML 1.2 core-schema numbers, with the leniencies ruamel.yaml's resolver has (``_`` separators,
    ``0755`` and ``0o755`` octal, ``0b`` binary, timestamps); tests/test_catalogue_speed.py checks every
    answer against ruamel's own resolver."""
    if not _RES:
        import re

        _RES["float"] = re.compile(r"[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+"
                                   r"|\.[0-9_]+(?:[eE][-+][0-9]+)?|\.(?:inf|Inf|INF))|\.(?:nan|NaN|NAN)")
        _RES["int"] = re.compile(r"[-+]?(?:0b[01_]+|0o?[0-7_]+|[0-9_]+|0x[0-9a-fA-F_]+)")
        _RES["timestamp"] = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)"
                                       r"[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
                                       r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?")
    return _RES


def resolve_plain(value: str) -> str:
    """The tag of an untagged plain scalar, as ruamel.yaml resolves it for YAML 1.2."""
    if value in _NULLS:
        return _NULL
    c = value[0]
    if c in _NUMERIC_START:
        res = _patterns()
        if res["float"].fullmatch(value):
            return _FLOAT
        if c != "." and res["int"].fullmatch(value):
            return _INT
        if c in _DIGITS and res["timestamp"].fullmatch(value):
            return _TIMESTAMP
        return _STR
    if value in _BOOLS:
        return _BOOL
    if value == "<<":
        return _MERGE
    if value == "=":
        return _VALUE
    return _STR


_LOADER = None


class _LazyPattern:
    """A regex compiled on its first use (every use goes through a method: ``.match``, ``.search``...)."""

    __slots__ = ("_compile", "_args", "_rx")

    def __init__(self, compile_, pattern, flags):
        self._compile, self._args, self._rx = compile_, (pattern, flags), None

    def __getattr__(self, name):
        if self._rx is None:
            self._rx = self._compile(*self._args)
        return getattr(self._rx, name)


def _import_pyyaml():
    """``import yaml`` with PyYAML's own module-level regexes compiled on first use.

    Importing the C parser imports all of PyYAML, whose pure-Python reader, resolver and constructor
    compile their regexes at import (~5 ms of a cold check, the reader's character class alone ~3 ms)
    although the C parser with our ``resolve`` never runs them. While ``yaml`` is imported, a
    ``re.compile`` called from a ``yaml.*`` module gets a pattern that compiles when first used, so
    PyYAML's Python API still works if anything uses it (tests/test_import_slim.py); every other
    caller gets ``re.compile`` itself. Nothing changes if ``yaml`` was imported before."""
    import re

    if "yaml" in sys.modules:
        import yaml
        return yaml
    real = re.compile

    def compile_(pattern, flags=0):
        if sys._getframe(1).f_globals.get("__name__", "").startswith("yaml."):
            return _LazyPattern(real, pattern, flags)
        return real(pattern, flags)

    re.compile = compile_
    try:
        import yaml
    finally:
        re.compile = real
    return yaml


def _loader_class():
    global _LOADER
    if _LOADER is None:
        try:
            yaml = _import_pyyaml()
            from yaml._yaml import CParser  # only with libyaml
        except ImportError as exc:
            raise Unavailable(str(exc)) from exc
        seq_tag, map_tag = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
        py_scalar = yaml.ScalarNode
        py_seq = yaml.SequenceNode

        class Loader(CParser):
            def descend_resolver(self, parent, index):  # no path-dependent resolvers
                pass

            def ascend_resolver(self):
                pass

            def resolve(self, kind, value, implicit):  # called by the C composer for untagged nodes
                if kind is py_scalar:
                    return resolve_plain(value) if implicit[0] else _STR
                return seq_tag if kind is py_seq else map_tag

        _LOADER = Loader
    return _LOADER


def compose(text: str):
    """The root node of the single document in ``text`` (None if empty). Raises Unavailable."""
    cls = _loader_class()
    import yaml

    if "\t" in text or "\ufeff" in text or "%YAML" in text:
        # where libyaml and ruamel disagree on what is valid or where a column is, keep ruamel's answer
        raise Unavailable("text needs the pure composer")
    loader = cls(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise Unavailable(str(exc)) from exc
    finally:
        loader.dispose()
    if root is not None:
        _ruamel_marks(root, text)
    return root


class _Mark:
    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int):
        self.line = line
        self.column = column


def _next_token(text: str, lines: list[int], line: int, col: int) -> _Mark:
    """Where the next token starts at or after (line, col): past blanks, line breaks and comments."""
    i = lines[line] + col if line < len(lines) else len(text)
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            break
    ln = bisect.bisect_right(lines, i) - 1
    return _Mark(ln, i - lines[ln])


def _ruamel_marks(root, text: str) -> None:
    """Give nodes the marks ruamel's composer gives them where libyaml's differ, so positions do not
    depend on which composer ran: an empty plain scalar sits where the next token starts (libyaml:
    right after its key), and in a text without a final line break a collection ends at the end of
    the last line (libyaml: at the start of a line after it)."""
    from .yamlnode import line_starts

    lines = line_starts(text)  # offsets where lines start
    seen = set()
    # without a final line break libyaml ends open collections on the line after the last; ruamel at its end
    eof = None if text.endswith("\n") else _Mark(len(lines) - 1, len(text) - lines[-1])

    def fix(node, ctx=""):
        if id(node) in seen:  # an alias: already fixed
            return
        seen.add(id(node))
        kind = node.id
        if kind == "scalar":
            if node.value == "" and not node.style:
                if ctx == "flow":  # `{x: ,}`: ruamel's mark here follows no simple rule; let it compose the text
                    raise Unavailable("empty value in a flow collection")
                if ctx == "value":  # `key:` with nothing after it (libyaml: right after the colon)
                    m = _next_token(text, lines, node.start_mark.line, node.start_mark.column)
                    node.start_mark = node.end_mark = m
            return
        if kind == "mapping":
            for k, v in node.value:
                fix(k, "flow" if node.flow_style else "key")
                fix(v, "flow" if node.flow_style else "value")
        else:
            for v in node.value:
                fix(v, "flow" if node.flow_style else "item")
        if eof is not None and node.end_mark.line > eof.line:
            node.end_mark = eof

    fix(root)
