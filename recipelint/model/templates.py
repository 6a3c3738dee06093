"""Config sources and golang templates (`template_driver: golang`)."""

from __future__ import annotations

import re

from ..record import Frozen

_ACTION = re.compile(r"\{\{-?\s*(?P<fn>env|secret|config)\s+\"(?P<arg>[^\"]+)\"\s*-?\}\}")


class TemplateRef(Frozen):
    __slots__ = _fields = ("fn", "arg", "line", "col", "end_col")

    def __init__(self, fn: str, arg: str, line: int, col: int, end_col: int):
        self.fn = fn  # "env" | "secret" | "config"
        self.arg = arg
        self.line = line
        self.col = col
        self.end_col = end_col


_ANY_ACTION = re.compile(r"\{\{(?!-?\s*/\*).*?\}\}")  # one action on one line; comments skipped
_COMMENT = re.compile(r"-?\s*/\*")


def _actions(line: str):
    """What ``_ANY_ACTION.finditer(line)`` finds, as (start, end, text), in linear time: the regex
    rescans to the end of the line from every `{{` that has no `}}` after it (quadratic)."""
    pos = 0
    while True:
        start = line.find("{{", pos)
        if start < 0:
            return
        end = line.find("}}", start + 2)
        if end < 0:
            return  # no `}}` after this `{{`, so none after any later one
        if _COMMENT.match(line, start + 2):
            pos = start + 1
            continue
        yield start, end + 2, line[start:end + 2]
        pos = end + 2
_CALL = re.compile(r"(?<![\w.$\"])(?P<fn>env|secret|config)\s+\"(?P<arg>[^\"]+)\"")


def template_refs(text: str) -> list[TemplateRef]:
    """`env "X"`, `secret "x"` and `config "x"` calls in golang template actions, with 1-based positions.

    A call that is the whole action (`{{ env "X" }}`) is positioned at the action's `{{`; a call
    inside a larger action (`{{ if eq (env "X") "1" }}`, `{{ env "X" | ... }}`) at the call itself.
    """
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        if "{{" not in line:
            continue
        for a_start, a_end, action in _actions(line):
            whole = _ACTION.fullmatch(action)
            if whole:
                out.append(TemplateRef(whole.group("fn"), whole.group("arg"), i, a_start + 1, a_end + 1))
                continue
            for m in _CALL.finditer(action):
                out.append(TemplateRef(m.group("fn"), m.group("arg"), i, a_start + m.start() + 1,
                                       a_start + m.end() + 1))
    return out


def render_env(text: str, env: dict[str, str]) -> str:
    """Substitute `{{ env "X" }}` where X is known; unknown ones stay a symbol `${X}`.

    Keeps column positions stable only up to the first substitution on a line, so rules
    that need positions search the original text and use this only to understand it.
    """

    def sub(m: re.Match) -> str:
        if m.group("fn") == "env":
            return env.get(m.group("arg"), "${%s}" % m.group("arg"))
        return m.group(0)

    return _ACTION.sub(sub, text)


class ConfigSource(Frozen):
    """A top-level `configs:`/`secrets:` definition and the file it reads, if any."""

    __slots__ = _fields = ("kind", "name", "file", "text", "template", "external")

    def __init__(self, kind: str, name: str, file: str | None, text: str | None, template: bool, external: bool):
        self.kind = kind  # config | secret
        self.name = name
        self.file = file  # path relative to the recipe root
        self.text = text  # the file's content (None if missing or not a file source)
        self.template = template  # template_driver: golang
        self.external = external
