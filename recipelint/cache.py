"""Per-recipe result cache.

A recipe's findings are stored under the user's cache dir (``$XDG_CACHE_HOME/recipelint``, else
``~/.cache/recipelint``), keyed by everything that can change them:

- every file of the recipe (path + contents; `.git/`, `node_modules/`, `__pycache__/`, `.venv/` excluded),
- its git state when it is a repository (HEAD, every ref, packed-refs: tags moving means a new key),
- the overlay tests (``OVERLAY/<name>/**`` paths + contents),
- the recipe's name, the rule set (selected codes) and the options that change findings,
- the recipelint version and the code itself (size + mtime of every module and rule file).

One slot per (recipe location, options): a changed recipe overwrites its slot, so the cache holds at
most one entry per recipe and option set. A slot that is unreadable, truncated, not JSON, or written
for another key is a miss; writes are atomic (temp file + rename). Reading the files to hash them
costs far less than parsing them, so a hit skips the model, the YAML parser and every rule.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from .record import sha256  # the builtin one: hashlib's loads OpenSSL (~2.5 ms), more than a recipe's files cost

FORMAT = 1
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv"}


def _fields() -> list[str]:
    """Every Finding field, whatever the engine sets (node_id, suppressed...): a hit is the same finding."""
    from .rule import Finding

    return list(Finding._fields)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "recipelint"


_CODE_STAMP: str | None = None


def code_stamp() -> str:
    """recipelint's version plus size+mtime of every .py of the package and the rule catalogue."""
    global _CODE_STAMP
    if _CODE_STAMP is None:
        from . import __version__
        from .engine import rules_dir

        h = sha256(f"recipelint {__version__} cache {FORMAT}".encode())
        here = Path(__file__).resolve().parent
        for d in sorted({here, rules_dir()}):
            for dirpath, dirnames, filenames in os.walk(d):
                dirnames[:] = sorted(n for n in dirnames if n not in _SKIP_DIRS)
                for n in sorted(filenames):
                    if n.endswith((".py", ".json")):
                        try:
                            st = os.stat(os.path.join(dirpath, n))
                        except OSError:
                            continue
                        h.update(f"{os.path.relpath(dirpath, d)}/{n}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        _CODE_STAMP = h.hexdigest()
    return _CODE_STAMP


def _hash_tree(h, root: Path, label: str, skip=_SKIP_DIRS) -> None:
    """Feed every file under root (relative path + contents) into h, in a stable order.

    Symlinked directories are followed, as the model's file listing follows them (each directory once:
    a link loop ends). Only regular files are opened: a FIFO or a device would block or never end, so
    they enter the key by name and kind only."""
    if not root.is_dir():
        h.update(f"{label}:absent\n".encode())
        return
    seen_dirs: set = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(n for n in dirnames if n not in skip)
        rel = os.path.relpath(dirpath, root)
        for n in sorted(filenames):
            p = os.path.join(dirpath, n)
            try:
                fst = os.stat(p)
                if not stat.S_ISREG(fst.st_mode):
                    data = f"<not a regular file: mode {stat.S_IFMT(fst.st_mode):o}>".encode()
                else:
                    with open(p, "rb") as fh:
                        data = fh.read()
            except OSError as exc:  # unreadable or a dangling link: its error is part of the result
                data = f"<unreadable {type(exc).__name__}>".encode()
            h.update(f"{label}:{rel}/{n}\0{len(data)}\0".encode())
            h.update(data)


def _hash_git(h, root: Path) -> None:
    """HEAD, loose refs and packed-refs, read as files: no git process."""
    g = root / ".git"
    if g.is_file():  # a worktree or submodule: `gitdir: <path>`
        try:
            text = g.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            text = ""
        h.update(f"gitfile:{text}\n".encode())
        if text.startswith("gitdir:"):
            g = (root / text[7:].strip()).resolve()
    if not g.is_dir():
        h.update(b"git:none\n")
        return
    for name in ("HEAD", "packed-refs"):
        try:
            h.update(f"git:{name}\0".encode() + (g / name).read_bytes())
        except OSError:
            h.update(f"git:{name}:absent\n".encode())
    _hash_tree(h, g / "refs", "gitref", skip=set())
    # the index decides nothing a rule reads (rules read the work tree and committed revisions)


def recipe_key(path: Path, name: str, overlay: Path | None, options: dict) -> str:
    h = sha256()
    h.update(f"{code_stamp()}\0{name}\0{json.dumps(options, sort_keys=True, default=str)}\n".encode())
    _hash_tree(h, path, "recipe")
    _hash_git(h, path)
    if overlay is not None:
        _hash_tree(h, overlay / name, "overlay")
    else:
        h.update(b"overlay:none\n")
    return h.hexdigest()


def _slot(path: Path, overlay: Path | None, options: dict) -> Path:
    raw = json.dumps([str(Path(path).resolve()), str(Path(overlay).resolve()) if overlay else None, options],
                     sort_keys=True, default=str)
    s = sha256(raw.encode()).hexdigest()
    return cache_dir() / "results" / s[:2] / f"{s[2:]}.json"


def load(path: Path, overlay: Path | None, options: dict, key: str):
    """The cached findings for this key, or None (missing, corrupt, or stale: all misses)."""
    from .rule import Finding

    try:
        with open(_slot(path, overlay, options), "rb") as fh:
            entry = json.loads(fh.read())
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        names = _fields()
        return [Finding(**{k: d[k] for k in names}) for d in entry["findings"]]
    except Exception:  # noqa: BLE001 - any damage to an entry is a miss, never an error
        return None


def store(path: Path, overlay: Path | None, options: dict, key: str, findings) -> None:
    """Write atomically; a cache that cannot be written is silently skipped."""
    slot = _slot(path, overlay, options)
    try:
        names = _fields()
        entry = {"format": FORMAT, "key": key, "findings": [{k: getattr(f, k) for k in names} for f in findings]}
        data = json.dumps(entry, default=str).encode()
        slot.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only on a miss

        fd, tmp = tempfile.mkstemp(dir=slot.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, slot)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, TypeError, ValueError):
        pass
