"""YAML documents as trees of positioned nodes.

Every value read from a compose file is a :class:`YNode` that remembers the file,
line and column it came from (1-based).  Merging overlays moves nodes around but
never loses their origin, so a finding always points at the node that caused it.

We build the tree from ruamel.yaml's *composer* (not its constructor): composer
nodes carry start and end marks for every scalar, which the round-trip
constructor does not expose for scalars.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..record import Frozen

Scalar = str | int | float | bool | None

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"


class Problem(Frozen):
    """A file we could not (fully) read: becomes an E-finding at this position."""

    __slots__ = _fields = ("code", "file", "line", "col", "message")

    def __init__(self, code: str, file: str, line: int | None, col: int | None, message: str):
        self.code = code
        self.file = file
        self.line = line  # None: the problem concerns the whole file (e.g. it cannot be read)
        self.col = col
        self.message = message


class YNode:
    """A positioned YAML value: mapping (dict of str -> YNode), sequence (list) or scalar."""

    __slots__ = ("value", "file", "line", "col", "end_line", "end_col", "key", "style", "lines")

    def __init__(self, value, file, line, col, end_line, end_col, key=None, style=None, lines=None):
        self.value = value
        self.file = file
        self.line = line
        self.col = col
        self.end_line = end_line
        self.end_col = end_col
        self.key: YNode | None = key  # the key node that introduced this value in its mapping
        self.style = style  # scalar style: None (plain), "'", '"', "|", ">"
        self.lines = lines  # the source file's lines (shared), for offset -> position

    # --- shape -----------------------------------------------------------
    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.value, (dict, list))

    def get(self, key: str, default=None) -> "YNode | None":
        if isinstance(self.value, dict):
            return self.value.get(key, default)
        return default

    def find(self, *keys: str) -> "YNode | None":
        node: YNode | None = self
        for k in keys:
            if node is None:
                return None
            node = node.get(k)
        return node

    def items(self) -> Iterator[tuple[str, "YNode"]]:
        if isinstance(self.value, dict):
            yield from self.value.items()

    def __iter__(self) -> Iterator["YNode"]:
        if isinstance(self.value, list):
            yield from self.value
        elif isinstance(self.value, dict):
            yield from self.value.values()

    @property
    def text(self) -> str | None:
        """The scalar as text (``None`` for null, mappings and sequences)."""
        v = self.value
        if v.__class__ is str:  # most scalars: asked thousands of times a recipe
            return v
        if v is None or isinstance(v, (dict, list)):
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    def plain(self):
        v = self.value
        if isinstance(v, dict):
            return {k: n.plain() for k, n in v.items()}
        if isinstance(v, list):
            return [n.plain() for n in v]
        return v

    def walk(self, path: tuple = ()) -> Iterator[tuple[tuple, "YNode"]]:
        yield path, self
        if isinstance(self.value, dict):
            for k, n in self.value.items():
                yield from n.walk(path + (k,))
        elif isinstance(self.value, list):
            for i, n in enumerate(self.value):
                yield from n.walk(path + (i,))

    # --- positions -------------------------------------------------------
    def pos_at(self, offset: int, length: int = 0) -> tuple[int, int, int, int]:
        """Position (line, col, end_line, end_col) of ``text[offset:offset+length]``.

        Exact for plain and quoted single-line scalars and for literal block
        scalars; other multi-line styles fall back to the node's own start.
        """
        text = self.text or ""
        if self.style in ("|",) and self.lines is not None:
            before = text[:offset]
            row = before.count("\n")
            col_in = offset - (before.rfind("\n") + 1)
            src_line = self.line + 1 + row
            # find the block's indentation from the first non-blank content line
            indent = None
            for ln in range(self.line + 1, min(self.end_line + 1, len(self.lines) + 1)):
                s = self.lines[ln - 1]
                if s.strip():
                    indent = len(s) - len(s.lstrip(" "))
                    break
            if indent is None:
                return (self.line, self.col, self.end_line, self.end_col)
            return (src_line, indent + col_in + 1, src_line, indent + col_in + 1 + length)
        if "\n" not in text and self.style in (None, "'", '"') and self.line == self.end_line:
            quote = 1 if self.style else 0
            c = self.col + quote + offset
            return (self.line, c, self.line, c + length)
        return (self.line, self.col, self.end_line, self.end_col)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"YNode({self.plain()!r} @ {self.file}:{self.line}:{self.col})"


def synth(value, at: YNode, offset: int = 0, length: int | None = None) -> YNode:
    """A scalar node carved out of another scalar's text (e.g. ``KEY`` in ``- KEY=value``)."""
    if length is None:
        length = len(str(value)) if value is not None else 0
    line, col, end_line, end_col = at.pos_at(offset, length)
    return YNode(value, at.file, line, col, end_line, end_col, style=at.style if at.style == "|" else None,
                 lines=at.lines)


def _scalar(node) -> Scalar:
    tag = node.tag
    v = node.value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return v.lower() == "true"
    if tag == _INT:
        try:
            return int(v.replace("_", ""), 0)
        except ValueError:
            try:
                return int(v, 8)
            except ValueError:
                return v
    if tag == _FLOAT:
        try:
            return float(v)
        except ValueError:
            return v
    return v


# Hostile-input bounds (tests/test_hostile.py). Real compose files nest < 15 levels and expand
# aliases to a few hundred nodes; a "billion laughs" expands to 10**9.
MAX_DEPTH = 100  # nesting levels, in the text and once aliases are expanded
MAX_ALIAS_NODES = 100_000  # nodes created by expanding aliases and merge keys
# libyaml's composer recurses in C (a stack overflow, not an exception, at ~10**5 levels): only texts
# that cannot nest deeper than this go to it (see _depth_bound).
_FAST_MAX_DEPTH = 10_000


def _depth_bound(text: str) -> int:
    """An upper bound on how deep ``text`` can nest, at C speed (no parse).

    Flow levels need an open bracket still open; block levels need more indentation (a sequence may
    share its key's column, hence 2x) or an indicator (`-`, `?`, `:`) on the same line."""
    import re
    from itertools import accumulate

    brackets = re.findall(r"[\[\]{}]", text)
    flow = max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0) if brackets else 0
    indent = max(map(len, re.findall(r"(?m)^ *", text)), default=0)
    per_line = 200  # lines shorter than this cannot hold more indicators than that
    for line in re.findall(r"[^\n]{200,}", text):
        per_line = max(per_line, sum(line.count(c) for c in "-?:[{"))
    return flow + 2 * (indent + 1) + per_line


class TooComplex(Exception):
    """The document nests too deep or its aliases expand too far (an E106 problem at line/col)."""

    def __init__(self, message: str, line: int | None, col: int | None):
        super().__init__(message)
        self.line = line
        self.col = col


class _Builder:
    def __init__(self, file: str, lines: list[str]):
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self._seen: set[int] = set()  # composer nodes built once already (an alias builds them again)
        self._depth = 0
        self._in_alias = 0
        self._alias_nodes = 0

    def build(self, node, key: YNode | None = None) -> YNode:
        again = id(node) in self._seen
        self._seen.add(id(node))
        self._depth += 1
        self._in_alias += again
        try:
            if self._depth > MAX_DEPTH:
                sm = node.start_mark
                raise TooComplex(f"YAML nests deeper than {MAX_DEPTH} levels"
                                 + (" once aliases are expanded (a recursive alias?)" if self._in_alias else "")
                                 + "; not read", sm.line + 1, sm.column + 1)
            if self._in_alias:
                self._alias_nodes += 1
                if self._alias_nodes > MAX_ALIAS_NODES:
                    sm = node.start_mark
                    raise TooComplex(f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes "
                                     "(a \"billion laughs\"?); not read", sm.line + 1, sm.column + 1)
            return self._build(node, key)
        finally:
            self._depth -= 1
            self._in_alias -= again

    def _build(self, node, key: YNode | None = None) -> YNode:
        sm, em = node.start_mark, node.end_mark
        pos = (self.file, sm.line + 1, sm.column + 1, em.line + 1, em.column + 1)
        kind = node.id  # "mapping", "sequence" or "scalar": ruamel's and libyaml's (fastyaml) nodes alike
        if kind == "mapping":
            out: dict[str, YNode] = {}
            merged: dict[str, YNode] = {}
            for knode, vnode in node.value:
                if knode.tag == _MERGE:
                    sources = vnode.value if vnode.id == "sequence" else [vnode]
                    for src in sources:
                        built = self.build(src)
                        for k, v in built.items():
                            merged.setdefault(k, v)
                    continue
                k = self.build(knode)
                kt = k.text if k.is_scalar else None
                if kt is None:
                    kt = "null" if k.value is None else str(k.plain())
                if kt in out:
                    first = out[kt].key or out[kt]
                    self.problems.append(Problem("E102", self.file, k.line, k.col,
                                                 f"duplicate key {kt!r} (first at line {first.line}, "
                                                 f"column {first.col}); "
                                                 "the later value wins in docker, remove one"))
                out[kt] = self.build(vnode, key=k)
            for k, v in merged.items():
                out.setdefault(k, v)
            return YNode(out, *pos, key=key, lines=self.lines)
        if kind == "sequence":
            return YNode([self.build(n) for n in node.value], *pos, key=key, lines=self.lines)
        return YNode(_scalar(node), *pos, key=key, style=node.style or None, lines=self.lines)


def load_yaml(text: str, file: str) -> tuple[YNode | None, list[Problem]]:
    """Parse one YAML document. Never raises: problems come back with positions."""
    from .fastyaml import Unavailable, compose

    if _depth_bound(text) <= _FAST_MAX_DEPTH:
        try:  # libyaml when installed, with ruamel's tags and marks (fastyaml); ruamel's own composer otherwise
            node = compose(text)
        except (Unavailable, RecursionError):
            pass
        else:
            if node is None:
                return None, []
            return _build_root(node, file, text.splitlines())
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import MaxDepthExceededError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    yaml = YAML(typ="safe", pure=True)
    yaml.max_depth = MAX_DEPTH  # the composer recurses once per level: stop it before Python's stack does
    lines = text.splitlines()
    try:
        node = yaml.compose(text)
    except MaxDepthExceededError as exc:
        mark = exc.problem_mark
        return None, [Problem("E106", file, mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                              f"YAML nests deeper than {MAX_DEPTH} levels; not read")]
    except ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        line, col = offset_position(text, exc.position)
        return None, [Problem("E101", file, line, col, f"YAML syntax error: character {chr(exc.character)!r} "
                              "is not allowed in YAML" if isinstance(exc.character, int) else
                              f"YAML syntax error: {exc.reason}")]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = (exc.problem or exc.context or "invalid YAML").strip()
        return None, [Problem("E101", file, line, col, f"YAML syntax error: {what}")]
    except YAMLError as exc:  # no mark: report at the end of the file
        return None, [Problem("E101", file, None, None, f"YAML error: {str(exc).splitlines()[0]}")]
    except RecursionError:  # pragma: no cover - max_depth stops this first; never a traceback regardless
        return None, [Problem("E106", file, None, None, "YAML nests too deep to read")]
    if node is None:
        return None, []
    return _build_root(node, file, lines)


def _build_root(node, file: str, lines: list[str]) -> tuple[YNode | None, list[Problem]]:
    b = _Builder(file, lines)
    try:
        return b.build(node), b.problems
    except TooComplex as exc:
        return None, [Problem("E106", file, exc.line, exc.col, str(exc))]


def line_starts(text: str) -> list[int]:
    """The offset where each line of ``text`` starts: 0, then one past every line break."""
    starts = [0]
    nl = text.find("\n")
    while nl >= 0:
        starts.append(nl + 1)
        nl = text.find("\n", nl + 1)
    return starts


def offset_position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset into ``text``."""
    offset = max(0, min(offset, len(text)))
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
