"""Config sources and golang templates (`template_driver: golang`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ACTION = re.compile(r"\{\{-?\s*(?P<fn>env|secret)\s+\"(?P<arg>[^\"]+)\"\s*-?\}\}")


@dataclass(frozen=True)
class TemplateRef:
    fn: str  # "env" | "secret"
    arg: str
    line: int
    col: int
    end_col: int


_ANY_ACTION = re.compile(r"\{\{(?!-?\s*/\*).*?\}\}")  # one action on one line; comments skipped
_CALL = re.compile(r"(?<![\w.$\"])(?P<fn>env|secret)\s+\"(?P<arg>[^\"]+)\"")


def template_refs(text: str) -> list[TemplateRef]:
    """`env "X"` and `secret "x"` calls in golang template actions, with 1-based positions.

    A call that is the whole action (`{{ env "X" }}`) is positioned at the action's `{{`; a call
    inside a larger action (`{{ if eq (env "X") "1" }}`, `{{ env "X" | ... }}`) at the call itself.
    """
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        if "{{" not in line:
            continue
        for a in _ANY_ACTION.finditer(line):
            whole = _ACTION.fullmatch(a.group(0))
            if whole:
                out.append(TemplateRef(whole.group("fn"), whole.group("arg"), i, a.start() + 1, a.end() + 1))
                continue
            for m in _CALL.finditer(a.group(0)):
                out.append(TemplateRef(m.group("fn"), m.group("arg"), i, a.start() + m.start() + 1,
                                       a.start() + m.end() + 1))
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


@dataclass(frozen=True)
class ConfigSource:
    """A top-level `configs:`/`secrets:` definition and the file it reads, if any."""

    kind: str  # config | secret
    name: str
    file: str | None  # path relative to the recipe root
    text: str | None  # the file's content (None if missing or not a file source)
    template: bool  # template_driver: golang
    external: bool
