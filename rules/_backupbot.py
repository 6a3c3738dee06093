"""Reading a service the way backupbot does: its hooks, the scripts they call, the paths it copies."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from recipelint_rules._knowledge import DUMP_READERS, DUMP_WRITERS

_WRITERS = {k: re.compile(v) for k, v in DUMP_WRITERS.items()}
_READERS = {k: re.compile(v) for k, v in DUMP_READERS.items()}


def _tools(text: str, table) -> list[str]:
    return [name for name, rx in table.items() if rx.search(text)]


def script_paths(command: str) -> list[str]:
    """Absolute paths a hook runs as a program or passes to a shell (`/pg_backup.sh backup`, `sh /x.sh`)."""
    try:
        words = shlex.split(command, posix=True)
    except ValueError:
        words = command.split()
    out = []
    for w in words:
        if w.startswith("/") and not w.startswith(("/dev/", "/proc/")) and re.search(r"\.(sh|bash|py)$|backup", w):
            out.append(w)
    return out


def script_text(recipe, view, svc, path: str) -> str | None:
    """The source, in the recipe, of a file mounted at ``path`` in the service (config, secret or bind)."""
    for ref in svc.filerefs():
        if ref.target == path:
            src = recipe.config_source(view, ref.kind, ref.source)
            if src is not None and src.text is not None:
                return src.text
    for m in svc.mounts:
        if m.type == "bind" and m.target == path and m.source:
            text = recipe.read(recipe.interpolate(m.source))
            if text is not None:
                return text
    return None


@dataclass(frozen=True)
class HookAnalysis:
    tools: tuple[str, ...]  # dump writers or readers found
    via_script: str | None  # the script that holds them, if not the hook itself


def analyse(recipe, view, svc, command: str, readers: bool) -> HookAnalysis:
    table = _READERS if readers else _WRITERS
    found = _tools(command, table)
    if found:
        return HookAnalysis(tuple(found), None)
    for path in script_paths(command):
        text = script_text(recipe, view, svc, path)
        if text:
            found = _tools(text, table)
            if found:
                return HookAnalysis(tuple(found), path)
    return HookAnalysis((), None)


def dump_outputs(command: str) -> list[str]:
    """Files a dump command writes: `> FILE`, `-f FILE`, `--file=FILE`, `--result-file=FILE`, `-o FILE`."""
    out = []
    for m in re.finditer(r"(?:>>?|\s-f|\s--file[= ]|\s--result-file[= ]|\s-o|\s--out[= ])\s*([\"']?)(/[^\s\"';|&]+)\1",
                         command):
        out.append(m.group(2))
    return out
