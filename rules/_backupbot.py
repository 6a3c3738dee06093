"""Reading a service the way backupbot does: its hooks, the scripts they call, the paths it copies.

Shared by the B rules. Shell is read loosely but on purpose: a hook or script is cut into simple
commands (at `;`, `&&`, `||`, `|`, newlines, brackets and backquotes), and a command counts when its
*program* (the first word, after `VAR=x`, `exec`, `sudo`... and inside `sh -c '...'`) is a known
tool. A path that merely contains a tool's name (`/var/lib/mysql`) never counts.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from recipelint.record import Frozen, Record
from recipelint_rules._knowledge import (
    COMMAND_PREFIXES, DATA_DIR_ENV, DATA_DIR_OPTIONS, DUMP_OUTPUT_OPTIONS, DUMP_READERS, DUMP_WRITERS,
    LIVE_DATA_DIRS, SHELLS, TRUTHY,
)

_WRITERS = {k: (re.compile(p), re.compile(a) if a else None) for k, (p, a) in DUMP_WRITERS.items()}
_READERS = {k: (re.compile(p), re.compile(a) if a else None) for k, (p, a) in DUMP_READERS.items()}

# ---------------------------------------------------------------- shell, loosely

_PIPELINE_SPLIT = re.compile(r"\n|;;?|&&|\|\||[(){}`]")
_SUBSTITUTION = re.compile(r"\$\([^()]*\)|`[^`]*`")  # `$(cat /run/secrets/x)`: a word, not a command
_COMMAND_SPLIT = re.compile(r"\|(?!\|)")
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


_WORDS: dict[str, tuple[str, ...]] = {}  # the same hook text recurs in every variant of a service


def _words(text: str) -> list[str]:
    got = _WORDS.get(text)
    if got is None:
        try:
            got = tuple(shlex.split(text, comments=False, posix=True))
        except ValueError:  # a quote cut in half by our loose splitting
            got = tuple(w.strip("'\"") for w in text.split() if w.strip("'\""))
        if len(_WORDS) > 4096:
            _WORDS.clear()
        _WORDS[text] = got
    return list(got)


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def pipelines(text: str) -> list[str]:
    """Pipelines of a hook or script (a pipeline keeps its `|`: a redirect may follow the dump tool)."""
    text = _SUBSTITUTION.sub("_", _strip_comments(text))
    return [p for p in _PIPELINE_SPLIT.split(text) if p.strip()]


def simple_commands(text: str, depth: int = 0) -> list[list[str]]:
    """Each simple command as words, its program first (prefix words and `sh -c` peeled off)."""
    out: list[list[str]] = []
    for pipe in pipelines(text):
        for part in _COMMAND_SPLIT.split(pipe):
            words = _words(part)
            i = 0
            while i < len(words):
                w = words[i]
                if _ASSIGN.match(w):
                    i += 1
                elif w in COMMAND_PREFIXES:
                    i += 1 + COMMAND_PREFIXES[w]
                else:
                    break
            words = words[i:]
            if not words:
                continue
            prog = posixpath.basename(words[0])
            if prog in SHELLS and "-c" in words[1:] and depth < 3:
                j = words.index("-c", 1)
                if j + 1 < len(words):  # (the rest, joined: our loose split may have cut the string)
                    out.extend(simple_commands(" ".join(words[j + 1:]), depth + 1))
                continue
            out.append(words)
    return out


def _match(cmd: list[str], prog_rx, args_rx) -> bool:
    if not prog_rx.fullmatch(posixpath.basename(cmd[0])):
        return False
    return args_rx is None or bool(args_rx.search(" ".join(cmd[1:])))


_TOOLS: dict[tuple[str, int], tuple[str, ...]] = {}  # (text, id of a module-level table) -> tool names


def _tools(text: str, table) -> list[str]:
    key = (text, id(table))
    got = _TOOLS.get(key) if table is _WRITERS or table is _READERS else None
    if got is None:
        cmds = simple_commands(text)
        got = tuple(name for name, (p, a) in table.items() if any(_match(c, p, a) for c in cmds))
        if table is _WRITERS or table is _READERS:
            if len(_TOOLS) > 4096:
                _TOOLS.clear()
            _TOOLS[key] = got
    return list(got)


# ---------------------------------------------------------------- scripts a hook runs

def script_paths(command: str) -> list[str]:
    """Absolute paths a hook runs as a program or hands to an interpreter (`/pg_backup.sh backup`,
    `sh /scripts/dump.sh`, `python3 /backup.py`)."""
    out = []
    for cmd in simple_commands(command):
        for w in cmd:
            if w.startswith("/") and not w.startswith(("/dev/", "/proc/", "/run/secrets/")) and w not in out:
                out.append(w)
    return out


def script_text(recipe, view, svc, path: str) -> str | None:
    """The source, in the recipe, of a file mounted at ``path`` in the service: a config, a secret,
    a bind-mounted file, or a file inside a bind-mounted directory."""
    for ref in svc.filerefs():
        if ref.target == path:
            src = recipe.config_source(view, ref.kind, ref.source)
            if src is not None and src.text is not None:
                return src.text
    for m in svc.mounts:
        if m.type != "bind" or not m.source or not m.target:
            continue
        source = recipe.interpolate(m.source)
        if source.startswith("/"):  # a host path: not in the recipe
            continue
        if m.target == path:
            rel = source
        elif path.startswith(m.target.rstrip("/") + "/"):
            rel = source.rstrip("/") + "/" + path[len(m.target.rstrip("/")) + 1:]
        else:
            continue
        text = recipe.read(rel)
        if text is not None:
            return text
    return None


class HookAnalysis(Frozen):
    __slots__ = _fields = ("tools", "via_script", "text")

    def __init__(self, tools: tuple[str, ...], via_script: str | None, text: str = ""):
        self.tools = tools  # dump writers or readers found
        self.via_script = via_script  # the script that holds them, if not the hook itself
        self.text = text  # the text they were found in (the hook, or the script)


def analyse(recipe, view, svc, command: str, readers: bool, _depth: int = 0) -> HookAnalysis:
    """Which dump writers (or readers) a hook runs, directly or through a mounted script."""
    table = _READERS if readers else _WRITERS
    found = _tools(command, table)
    if found:
        return HookAnalysis(tuple(found), None, command)
    if _depth >= 2:
        return HookAnalysis((), None)
    for path in script_paths(command):
        text = script_text(recipe, view, svc, path)
        if text:
            inner = analyse(recipe, view, svc, text, readers, _depth + 1)
            if inner.tools:
                return HookAnalysis(inner.tools, inner.via_script or path, inner.text)
    return HookAnalysis((), None)


# ---------------------------------------------------------------- dump outputs

_REDIRECT = re.compile(r"(?<![0-9&<>])>>?\|?\s*([\"']?)([^\s\"';|&<>()]+)\1")
_SQLITE_BACKUP = re.compile(r"\.backup\s+(?:[\"']?\w+[\"']?\s+)?[\"']?([^\s\"']+)")


def _option_values(words: list[str], options) -> list[str]:
    out = []
    for i, w in enumerate(words):
        for opt in options:
            if w == opt and i + 1 < len(words):
                out.append(words[i + 1])
            elif opt.startswith("--") and w.startswith(opt + "="):
                out.append(w[len(opt) + 1:])
            elif not opt.startswith("--") and w.startswith(opt) and len(w) > len(opt):
                out.append(w[len(opt):])  # -f/x.sql
    return out


def dump_outputs(command: str) -> list[str]:
    """Files a dump command in ``command`` writes, when the text says so: a redirect of the pipeline
    that holds the dump tool (`pg_dump ... | gzip > FILE`), or the tool's own output option
    (`-f FILE`, `--file=FILE`, `--result-file=FILE`, `-o DIR`, `--rdb FILE`, sqlite3 `.backup FILE`).
    Only absolute paths without shell variables are returned: anything else is unknown."""
    out: list[str] = []
    for pipe in pipelines(command):
        cmds = simple_commands(pipe)
        dumps = [(name, c) for c in cmds for name, (p, a) in _WRITERS.items() if _match(c, p, a)]
        if not dumps:
            continue
        for m in _REDIRECT.finditer(pipe):
            out.append(m.group(2))
        for name, c in dumps:
            out.extend(_option_values(c[1:], DUMP_OUTPUT_OPTIONS.get(name, ())))
            if name.startswith("sqlite3"):
                out.extend(m.group(1) for m in _SQLITE_BACKUP.finditer(" ".join(c[1:])))
    seen = []
    for p in out:
        if p.startswith("/") and "$" not in p and not p.startswith("/dev/") and p not in seen:
            seen.append(p)
    return seen


# ---------------------------------------------------------------- what backupbot copies

def is_true(recipe, value: str | None) -> bool:
    """`backupbot.backup` enables backups: true after interpolation, or not resolvable statically."""
    if value is None:
        return False
    v = recipe.interpolate(value).strip().strip("'\"").lower()
    return v in TRUTHY or "$" in v


def enabling_labels(recipe, view):
    """(service, label) for each service of the variant with `backupbot.backup` enabled, in order."""
    out = []
    for svc in view.services.values():
        lab = svc.labels.get("backupbot.backup")
        if lab is not None and is_true(recipe, lab.value):
            out.append((svc, lab))
    return out


def split_paths(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def norm(path: str) -> str:
    p = posixpath.normpath(path)
    return "/" if p in ("/", "//") else p


def covers(parent: str, child: str) -> bool:
    """``child`` is ``parent`` or inside it."""
    parent, child = norm(parent), norm(child)
    return parent == "/" or child == parent or child.startswith(parent + "/")


class BackedUp(Record):
    """One container path backupbot copies from a service, and why."""

    __slots__ = _fields = ("path", "label", "volume", "mount")

    def __init__(self, path: str, label: object | None, volume: str | None = None, mount: object | None = None):
        self.path = path
        self.label = label  # the Label that names it (None: a whole volume)
        self.volume = volume
        self.mount = mount


class BackupPlan(Record):
    __slots__ = _fields = ("enabled", "paths", "known")

    def __init__(self, enabled: bool, paths: list[BackedUp] | None = None, known: bool = True):
        self.enabled = enabled  # some service of the variant enables backups
        self.paths = [] if paths is None else paths
        self.known = known  # False: a label could not be resolved statically


def volume_labels(view) -> dict[str, dict[str, object]]:
    """`backupbot.backup.volumes.<vol>[.path]` labels from any service: vol -> {"": label, "path": label}."""
    out: dict[str, dict[str, object]] = {}
    prefix = "backupbot.backup.volumes."
    for svc in view.services.values():
        for key, lab in svc.labels.items():
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix):]
            if rest.endswith(".path"):
                out.setdefault(rest[:-5], {})["path"] = lab
            else:
                out.setdefault(rest, {})[""] = lab
    return out


def backup_plan(recipe, view, svc) -> BackupPlan:
    """The container paths of ``svc`` that backupbot copies, by the specification: once a service of
    the stack says `backupbot.backup=true`, every named volume of every service is copied whole,
    unless `...volumes.<vol>=false` excludes it or `...volumes.<vol>.path` limits it to paths relative
    to the volume root. The older `backupbot.backup.path` names container paths of its service."""
    plan = BackupPlan(enabled=bool(enabling_labels(recipe, view)))
    legacy = svc.labels.get("backupbot.backup.path")
    if legacy is not None:
        for p in split_paths(recipe.interpolate(legacy.value or "")):
            if "$" in p or not p.startswith("/"):
                plan.known = False
                continue
            plan.paths.append(BackedUp(norm(p), legacy))
        return plan  # a service that names its paths is read the old way: only those paths
    if not plan.enabled:
        return plan
    vlabels = volume_labels(view)
    for m in svc.mounts:
        if m.type != "volume" or not m.source or not m.target:
            continue
        lab = vlabels.get(m.source, {})
        excl = lab.get("")
        if excl is not None:
            v = recipe.interpolate(excl.value or "").strip().lower()
            if "$" in v:
                plan.known = False
                continue
            if v not in TRUTHY:
                continue
        plab = lab.get("path")
        if plab is not None:
            for rel in split_paths(recipe.interpolate(plab.value or "")):
                if "$" in rel:
                    plan.known = False
                    continue
                plan.paths.append(BackedUp(norm(m.target.rstrip("/") + "/" + rel.lstrip("/")), plab,
                                           m.source, m))
        else:
            plan.paths.append(BackedUp(norm(m.target), None, m.source, m))
    return plan


# ---------------------------------------------------------------- live database directories

def image_name(svc) -> str | None:
    img = svc.image
    if img is None or not img.text:
        return None
    ref = img.text.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def live_data_dirs(recipe, svc) -> tuple[list[str], bool]:
    """The service's live database directories, and whether they are known.

    An env override (PGDATA) or a server option (`--datadir`) replaces the image's defaults; one that
    cannot be resolved makes the answer unknown."""
    env = svc.environment
    for name in DATA_DIR_ENV:
        node = env.get(name)
        if node is not None and node.text:
            val = recipe.interpolate(node.text)
            if "$" in val or not val.startswith("/"):
                return [], False
            return [norm(val)], True
    for node in svc.command_nodes():
        words = _words(node.text or "")
        vals = _option_values(words, DATA_DIR_OPTIONS)
        for v in vals:
            v = recipe.interpolate(v)
            if "$" in v or not v.startswith("/"):
                return [], False
            return [norm(v)], True
    name = image_name(svc)
    if name is None:
        return [], True
    name = recipe.interpolate(name)
    return [norm(p) for p in LIVE_DATA_DIRS.get(name, [])], True
