"""`.env.sample`, `abra.sh` and compose-style interpolation."""

from __future__ import annotations

import re
import shlex

from ..record import Frozen, Record


class Assign(Frozen):
    __slots__ = _fields = ("name", "value", "file", "line", "col", "value_col", "active")

    def __init__(self, name: str, value: str, file: str, line: int, col: int, value_col: int, active: bool = True):
        self.name = name
        self.value = value
        self.file = file
        self.line = line
        self.col = col  # column of the name
        self.value_col = value_col  # column where the value starts
        self.active = active  # False for a commented-out sample line such as `#SECRET_X_VERSION=v1`


_ASSIGN = re.compile(r"^(?P<indent>\s*)(?P<hash>#\s*)?(?P<export>export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        return ""
    if raw[0] in "\"'":
        try:
            parts = shlex.split(raw, comments=True, posix=True)
            return parts[0] if parts else ""
        except ValueError:
            return raw.strip("\"'")
    # unquoted: an inline comment starts at ' #'
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def parse_assignments(text: str, file: str, *, require_export: bool = False) -> list[Assign]:
    out: list[Assign] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = _ASSIGN.match(line)
        if not m:
            continue
        if require_export and not m.group("export"):
            continue
        commented = bool(m.group("hash"))
        if require_export and commented:
            continue
        out.append(Assign(
            name=m.group("name"), value=_unquote(m.group("value")), file=file, line=i,
            col=m.start("name") + 1, value_col=m.start("value") + 1, active=not commented,
        ))
    return out


class EnvFile(Record):
    """The recipe's `.env.sample`: active settings, commented-out options, and the COMPOSE_FILE chain."""

    __slots__ = _fields = ("file", "assigns")

    def __init__(self, file: str | None, assigns: list[Assign] | None = None):
        self.file = file
        self.assigns = [] if assigns is None else assigns

    @property
    def values(self) -> dict[str, str]:
        """Active values, each interpolated against the ones before it (as a shell would)."""
        env: dict[str, str] = {}
        for a in self.assigns:
            if a.active:
                env[a.name] = interpolate(a.value, env, keep_unknown=False) if "$" in a.value else a.value
        return env

    def get(self, name: str) -> Assign | None:
        found = None
        for a in self.assigns:
            if a.name == name and a.active:
                found = a
        return found

    def compose_chain(self) -> tuple[list[str], Assign | None]:
        """The overlay chain abra deploys: `COMPOSE_FILE="a.yml"` then `COMPOSE_FILE="$COMPOSE_FILE:b.yml"`."""
        chain: list[str] = []
        where = None
        env: dict[str, str] = {}
        for a in self.assigns:
            if a.name != "COMPOSE_FILE" or not a.active:
                continue
            env["COMPOSE_FILE"] = interpolate(a.value, env, keep_unknown=False)
            where = a
        if "COMPOSE_FILE" in env:
            chain = [p.strip() for p in env["COMPOSE_FILE"].split(":") if p.strip()]
        return chain, where

    def commented_overlays(self) -> list[str]:
        """Overlays offered but commented out, e.g. `#COMPOSE_FILE="$COMPOSE_FILE:compose.smtp.yml"`."""
        out = []
        for a in self.assigns:
            if a.name == "COMPOSE_FILE" and not a.active:
                for p in a.value.split(":"):
                    p = p.strip()
                    if p and "$" not in p and p not in out:
                        out.append(p)
        return out


# `arg` is bounded: unbounded, every unclosed `${A:-` rescans the rest of the text (quadratic: 100 KB of
# them took minutes). A default over 256 characters is left as text.
_VAR = re.compile(r"\$(?:(?P<esc>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]{0,256})\}"
                  r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def interpolate(text: str, env: dict[str, str], *, keep_unknown: bool = True) -> str:
    """Resolve `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`, `${VAR:+a}`, `$VAR` and `$$`.

    An unknown variable is never guessed: with ``keep_unknown`` it stays as the
    symbol ``${VAR}`` (so a rule still sees ``${STACK_NAME}_app``); defaults given
    in the text itself are used, since that is what docker would do.
    """

    def sub(m: re.Match) -> str:
        if m.group("esc"):
            return "$"
        name = m.group("braced") or m.group("plain")
        op = m.group("op")
        arg = m.group("arg") or ""
        val = env.get(name)
        if op in (":-", "-"):
            if val is None or (op == ":-" and val == ""):
                return interpolate(arg, env, keep_unknown=keep_unknown)
            return val
        if op in (":+", "+"):
            if val is None:
                return "${%s%s%s}" % (name, op, arg) if keep_unknown else ""
            return interpolate(arg, env, keep_unknown=keep_unknown) if (val != "" or op == "+") else ""
        if val is None:
            return "${%s}" % name if keep_unknown else ""
        return val

    return _VAR.sub(sub, text)


def variables_in(text: str) -> list[str]:
    return [m.group("braced") or m.group("plain") for m in _VAR.finditer(text) if not m.group("esc")]
