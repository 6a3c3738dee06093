"""Surgical text edits for autofix: offsets into a file's text, never a re-serialisation.

Every edit replaces ``text[start:end]`` of one recipe file. Positions come from parsed nodes
(YNode line/col, 1-based) turned into offsets here. Guards a fixer calls before it edits:

* :func:`anchor_at` - the offset lies inside a YAML node that carries an anchor (`&x`): aliases
  (`*x`, `<<: *x`) reuse that node, so one edit would change every place that uses it.
* :func:`var_region_at` - the span touches a compose variable (`${VAR}`, `${VAR:-d}`, `$VAR`):
  the value comes from the environment, not from the text we would edit.

Helpers that add YAML (a label, an environment entry, a key) copy the indentation and quoting
of the neighbouring entries, so the diff reads like a person's edit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from recipelint.model.yamlnode import line_starts


class Refuse(Exception):
    """A fixer will not edit this finding; the message says why (shown per finding)."""


@dataclass(frozen=True)
class Edit:
    file: str  # path relative to ``root``
    start: int  # offsets into the file's text
    end: int
    new: str
    why: str = ""
    root: str = "recipe"  # "recipe" or "overlay": what ``file`` is relative to (as Finding.root)

    def overlaps(self, other: "Edit") -> bool:
        if (self.root, self.file) != (other.root, other.file):
            return False
        return self.start < other.end and other.start < self.end  # insertions at one point do not clash


# ---------------------------------------------------------------- positions

def offset(text: str, line: int, col: int) -> int:
    """Offset of a 1-based (line, col) in ``text``."""
    starts = line_starts(text)
    if line < 1 or line > len(starts):
        raise Refuse(f"position {line}:{col} is outside the file")
    return starts[line - 1] + col - 1


def line_end(text: str, pos: int) -> int:
    """Offset of the newline ending the line that holds ``pos`` (or the end of the text)."""
    i = text.find("\n", pos)
    return len(text) if i < 0 else i


def node_span(text: str, node) -> tuple[int, int]:
    return offset(text, node.line, node.col), offset(text, node.end_line, node.end_col)


# ---------------------------------------------------------------- guards

def anchor_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, anchor) of every anchored node in a YAML text; [] if it does not parse."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    try:
        root = YAML(typ="safe", pure=True).compose(text)
    except YAMLError:
        return []
    out: list[tuple[int, int, str]] = []
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if getattr(n, "anchor", None):
            out.append((n.start_mark.index, n.end_mark.index, n.anchor))
        if isinstance(n, MappingNode):
            for k, v in n.value:
                stack.extend((k, v))
        elif isinstance(n, SequenceNode):
            stack.extend(n.value)
    return out


def anchor_at(text: str, start: int, end: int | None = None) -> str | None:
    """The anchor whose node contains [start, end], if any."""
    end = start if end is None else end
    for s, e, name in anchor_spans(text):
        if s <= start and end <= e:
            return name
    return None


_VAR = re.compile(r"\$\$|\$\{[^}\n]*\}|\$[A-Za-z_]\w*")


def var_region_at(text: str, start: int, end: int) -> str | None:
    """The compose variable (``${X}``...) on the same line that the span [start, end) touches."""
    ls = text.rfind("\n", 0, start) + 1
    le = line_end(text, end)
    for m in _VAR.finditer(text, ls, le):
        if m.group(0) == "$$":
            continue
        if m.start() < end and start < m.end():
            return m.group(0)
    return None


def refuse_anchor(text: str, rel: str, start: int, end: int | None = None) -> None:
    a = anchor_at(text, start, end)
    if a:
        raise Refuse(f"{rel}: the place to edit is inside YAML anchor &{a}, which aliases reuse; "
                     "an edit there would change every alias too - edit by hand")


# ---------------------------------------------------------------- YAML insertions

def item_prefix(text: str, item) -> str | None:
    """`      - ` before a block-sequence item, or None if the item is not the first thing on its line."""
    s = offset(text, item.line, item.col)
    ls = text.rfind("\n", 0, s) + 1
    prefix = text[ls:s]
    return prefix if re.fullmatch(r"\s*-\s+", prefix) else None


def key_indent(text: str, key_node) -> str | None:
    s = offset(text, key_node.line, key_node.col)
    ls = text.rfind("\n", 0, s) + 1
    prefix = text[ls:s]
    return prefix if re.fullmatch(r"[ ]*", prefix) else None


def after_node(text: str, node) -> int:
    """Where a new line goes after a block value: the end of the line holding its last character."""
    end = offset(text, node.end_line, node.end_col)
    # a block scalar or a block collection ends at the start of the following line
    if end > 0 and (end == len(text) or text[end - 1] == "\n" or node.end_col == 1):
        end -= 1
        while end > 0 and text[end - 1] == "\n":
            end -= 1
        end = max(end, offset(text, node.line, node.col))
    return line_end(text, end)


def quote_like(value: str, style: str | None) -> str:
    """A scalar written in ``style`` (None plain, ' or "), falling back to double quotes when needed."""
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style is None and _plain_ok(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _plain_ok(value: str) -> bool:
    return bool(value) and not re.search(r"^[\s\-?:,\[\]{}#&*!|>'\"%@`]|:\s|\s#|\s$", value)


def append_seq_item(text: str, rel: str, seq, value: str, why: str) -> Edit:
    """A new last item of a block sequence, indented and quoted like its first item."""
    items = [i for i in seq.value]
    if not items:
        raise Refuse(f"{rel}:{seq.line}:{seq.col}: an empty list; edit by hand")
    prefix = item_prefix(text, items[0])
    if prefix is None:
        raise Refuse(f"{rel}:{seq.line}:{seq.col}: a flow-style list ([a, b]); edit by hand")
    refuse_anchor(text, rel, offset(text, seq.line, seq.col))
    style = items[0].style if items[0].is_scalar else None
    at = after_node(text, items[-1])
    return Edit(rel, at, at, "\n" + prefix + quote_like(value, style), why)


def add_map_key(text: str, rel: str, mapping, key: str, value: str, why: str, after: str | None = None,
                value_style: str | None = None) -> Edit:
    """A new `key: value` in a block mapping, after ``after`` (or the last key), at the keys' indentation."""
    keys = list(mapping.value.values())
    if not keys:
        raise Refuse(f"{rel}:{mapping.line}:{mapping.col}: an empty mapping; edit by hand")
    first_key = keys[0].key
    indent = key_indent(text, first_key) if first_key is not None else None
    if indent is None:
        raise Refuse(f"{rel}:{mapping.line}:{mapping.col}: a flow-style mapping ({{a: b}}); edit by hand")
    refuse_anchor(text, rel, offset(text, mapping.line, mapping.col))
    anchor_node = mapping.value.get(after) if after else None
    last = anchor_node if anchor_node is not None else keys[-1]
    at = after_node(text, last)
    refuse_anchor(text, rel, at)
    return Edit(rel, at, at, "\n" + indent + key + ": " + quote_like(value, value_style), why)


# ---------------------------------------------------------------- applying

def apply(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits of one file (any order given)."""
    out = text
    # from the end backwards; insertions at one point end up in the order given
    for _, e in sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end, ie[0]), reverse=True):
        out = out[:e.start] + e.new + out[e.end:]
    return out


# ---------------------------------------------------------------- versions

_VERSION = re.compile(r"^(?P<head>.*?)(?P<num>\d+)(?P<tail>\D*)$")


def bump(value: str) -> str | None:
    """`v1` -> `v2`, `3` -> `4`, `v1.2` -> `v1.3`; None if there is no number to raise."""
    m = _VERSION.match(value)
    if not m:
        return None
    n = m.group("num")
    return m.group("head") + str(int(n) + 1).zfill(len(n)) + m.group("tail")


_NAME_VAR = re.compile(r"\$\{(?P<var>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?-)?(?P<default>[^}]*)\}|\$(?P<plain>[A-Za-z_]\w*)")


def scalar_source_offset(text: str, node, index: int) -> int | None:
    """Offset in the file of character ``index`` of a single-line plain or quoted scalar, when exact."""
    value = node.text or ""
    if node.line != node.end_line or node.style not in (None, "'", '"') or "\n" in value:
        return None
    start = offset(text, node.line, node.col) + (1 if node.style else 0)
    raw = text[start:start + len(value)]
    return start + index if raw == value else None


def _assign_value_span(text: str, a) -> tuple[int, int] | None:
    """Where an assignment's (unquoted) value sits in its line."""
    s = offset(text, a.line, a.value_col)
    e = line_end(text, s)
    i = text.find(a.value, s, e)
    return (i, i + len(a.value)) if a.value and i >= 0 else None


def bump_config_version(recipe, view, kind: str, name: str) -> tuple[list[Edit], str]:
    """Edits that raise the version in a config's (or secret's) `name:`, where the recipe keeps it.

    Swarm configs are immutable: a changed file only reaches a deployed stack under a new name.
    Returns (edits, description) or raises Refuse.
    """
    defs = view.configs if kind == "config" else view.secrets
    node = defs.get(name)
    nm = node.get("name") if node is not None and node.is_map else None
    what = f"{kind} '{name}'"
    if node is None or not node.is_map:
        raise Refuse(f"{what} is not defined as a mapping; edit by hand")
    if nm is None or not nm.text:
        return _add_versioned_name(recipe, node, kind, name)
    cands = [m for m in _NAME_VAR.finditer(nm.text) if (m.group("var") or m.group("plain")) != "STACK_NAME"]
    versioned = [m for m in cands if (m.group("var") or m.group("plain")).endswith("VERSION")]
    chosen = (versioned or cands)
    if len(chosen) != 1:
        raise Refuse(f"{what}: its name {nm.text!r} has " + ("no" if not chosen else "more than one") +
                     " version variable; bump it by hand")
    m = chosen[0]
    var = m.group("var") or m.group("plain")
    edits: list[Edit] = []
    done: list[str] = []
    for rel, assign in (("abra.sh", recipe.abra.get(var)), (".env.sample", recipe.env.get(var))):
        if assign is None:
            continue
        text = recipe.read(rel) or ""
        span = _assign_value_span(text, assign)
        new = bump(assign.value)
        if span is None or new is None:
            raise Refuse(f"{rel}:{assign.line}: {var}={assign.value!r} has no number to raise; bump it by hand")
        edits.append(Edit(rel, span[0], span[1], new, f"{what}: {var} {assign.value} -> {new}"))
        done.append(f"{var} {assign.value} -> {new} ({rel})")
    if not edits and m.group("op") and m.group("default"):
        text = recipe.read(nm.file) or ""
        d = m.start("default")
        at = scalar_source_offset(text, nm, d)
        new = bump(m.group("default"))
        if at is None or new is None:
            raise Refuse(f"{nm.file}:{nm.line}:{nm.col}: cannot raise the default version in {nm.text!r}; "
                         "bump it by hand")
        refuse_anchor(text, nm.file, at)
        edits.append(Edit(nm.file, at, at + len(m.group("default")), new,
                          f"{what}: default of {var} {m.group('default')} -> {new}"))
        done.append(f"{var} default {m.group('default')} -> {new} ({nm.file})")
    if not edits:
        raise Refuse(f"{what}: its name uses ${{{var}}}, which neither abra.sh nor .env.sample sets; "
                     "bump it by hand")
    return edits, f"{what} version " + ", ".join(done)


def _add_versioned_name(recipe, node, kind: str, name: str) -> tuple[list[Edit], str]:
    """A config without `name:` is `<stack>_<key>` for ever: give it a versioned name, pinned in abra.sh.

    The new name differs from the old one, so the next deploy creates a fresh config (v1)."""
    var = re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_VERSION"
    if var in recipe.env_values:
        raise Refuse(f"{kind} '{name}' has no `name:`, and {var} is already used for something else; "
                     "version the name by hand")
    rel = node.file
    raw = recipe.yaml(rel)
    raw = raw.find(kind + "s", name) if raw is not None else None
    if raw is None or not raw.is_map:
        raise Refuse(f"{rel}: cannot find the definition of {kind} '{name}'")
    value = "${STACK_NAME}_" + name + "_${" + var + "}"
    edits = [add_map_key(recipe.read(rel) or "", rel, raw, "name", value, f"{kind} '{name}' gets a versioned name",
                         after="file" if "file" in raw.value else None)]
    edits.append(add_assignment(recipe, "abra.sh", var, "v1", export=True))
    return edits, f"{kind} '{name}' gets name {value} with {var}=v1 in abra.sh (a new name: swarm configs " \
                  "are immutable)"


def add_assignment(recipe, rel: str, var: str, value: str, *, export: bool) -> Edit:
    """`export VAR=value` in abra.sh (or `VAR=value` in .env.sample): after the last `*_VERSION` line
    (the last `SECRET_*_VERSION` one for a secret version), else at the end; the file is created if missing."""
    text = recipe.read(rel)
    line = f"export {var}={value}" if export else f"{var}={value}"
    why = f"pins {var}"
    if text is None or not text.strip():
        return Edit(rel, 0, len(text or ""), line + "\n", why)
    assigns = list(recipe.abra.values()) if rel == "abra.sh" else [a for a in recipe.env.assigns if a.active]
    near = [a for a in assigns if a.name.endswith("_VERSION") and
            a.name.startswith("SECRET_") == var.startswith("SECRET_")]
    at = line_end(text, offset(text, near[-1].line, 1)) if near else len(text.rstrip("\n"))
    return Edit(rel, at, at, "\n" + line, why)
