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


def template_refs(text: str) -> list[TemplateRef]:
    """`{{ env "X" }}` and `{{ secret "x" }}` actions, with 1-based positions."""
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        if "{{" not in line:
            continue
        for m in _ACTION.finditer(line):
            out.append(TemplateRef(m.group("fn"), m.group("arg"), i, m.start() + 1, m.end() + 1))
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
