"""A repository's tags and branches read from `.git` directly, without a `git for-each-ref` process.

Gives the rows `GitRepo._refs` asks for-each-ref for ([full name, short name, object, peeled object,
object type], sorted by full name) from `packed-refs` and the loose files under refs/tags, refs/heads
and refs/remotes (a worktree's: its common dir's); the type and peeled object of a loose ref are read
from the object itself (gitobj.py, else the repository's `git cat-file --batch` process). Returns
None for anything it does not handle the way git does, and then for-each-ref answers: a reftable or
unusual repository, a symbolic ref, a packed-refs file that is not fully peeled, a short name git
would disambiguate, a tag of a tag, an unreadable or odd file.
"""

from __future__ import annotations

import os
import re

_HEX = re.compile(rb"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_KINDS = ("refs/tags/", "refs/heads/", "refs/remotes/")


def read_refs(repo) -> list[list[str]] | None:
    try:
        return _read(repo)
    except (OSError, ValueError, EOFError, UnicodeDecodeError, RecursionError):
        return None


def _read_file(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise ValueError(path) from None


def _loose(top: str, prefix: str, out: dict[str, str]) -> bool:
    """Every loose ref file under ``top`` (its name ``prefix`` + its path) into ``out``; False for a
    symlinked or locked ref, a symbolic ref or an odd file. Symlinked directories are not entered."""
    with os.scandir(top) as it:
        entries = list(it)
    for e in entries:
        if e.is_dir():
            if not e.is_symlink() and not _loose(e.path, prefix + e.name + "/", out):
                return False
            continue
        if e.is_symlink() or e.name.endswith(".lock"):
            return False
        with open(e.path, "rb") as fh:
            data = fh.read().strip()
        if not _HEX.match(data):
            return False  # a symbolic ref (`ref: ...`) or something odd
        out[prefix + e.name] = data.decode("ascii")
    return True


def _read(repo) -> list[list[str]] | None:
    from .gitobj import Unsupported, find_gitdir

    try:
        found = find_gitdir(repo.root)
    except Unsupported:
        return None
    if found is None:
        return None
    gitdir, git = found  # a worktree's refs are the common dir's (ours are shared)
    if os.path.exists(os.path.join(git, "reftable")):
        return None
    for d in {git, gitdir}:
        config = _read_file(os.path.join(d, "config"))
        if config is not None and (b"refstorage" in config.lower() or b"worktreeconfig" in config.lower()):
            return None
    packed: dict[str, tuple[str, str | None]] = {}  # name -> (object, peeled or None)
    data = _read_file(os.path.join(git, "packed-refs"))
    if data is not None:
        lines = data.split(b"\n")
        if not lines or not lines[0].startswith(b"# pack-refs with:") or b" fully-peeled" not in lines[0]:
            return None
        last = None
        for line in lines[1:]:
            if not line:
                continue
            if line.startswith(b"^"):
                if last is None or not _HEX.match(line[1:]):
                    return None
                packed[last] = (packed[last][0], line[1:].decode("ascii"))
                continue
            oid, sp, name = line.partition(b" ")
            if not sp or not _HEX.match(oid):
                return None
            last = name.decode("utf-8")
            packed[last] = (oid.decode("ascii"), None)
    loose: dict[str, str] = {}
    for kind in _KINDS:
        top = os.path.join(git, *kind.split("/"))
        if os.path.isdir(top) and not _loose(top, kind, loose):
            return None
    rows = []
    names = {n for n in packed if n.startswith(_KINDS)} | set(loose)
    shorts: dict[str, int] = {}
    for full in names:
        short = full.split("/", 2)[2]
        shorts[short] = shorts.get(short, 0) + 1
    from .gitbatch import read_object

    for full in sorted(names, key=lambda n: n.encode("utf-8")):
        short = full.split("/", 2)[2]
        if shorts[short] > 1 or short == "HEAD" or short.endswith("/HEAD") or f"refs/{short}" in packed \
                or any(os.path.exists(os.path.join(d, short)) for d in (os.path.join(git, "refs"), git, gitdir)):
            return None  # git would shorten this one differently
        if full in loose:
            obj = loose[full]
            got = read_object(repo, obj)
            if got is None:
                return None
            kind = got[0].decode("ascii")
            peeled = ""
            if kind == "tag":
                m = re.match(rb"object ([0-9a-f]+)\ntype (\w+)\n", got[1])
                if m is None or m.group(2) == b"tag":
                    return None
                peeled = m.group(1).decode("ascii")
        else:
            obj, pk = packed[full]
            if pk is not None:
                kind, peeled = "tag", pk
            else:  # fully peeled: no ^ line means not a tag object, but the type is still needed
                got = read_object(repo, obj)
                if got is None or got[0] == b"tag":
                    return None
                kind, peeled = got[0].decode("ascii"), ""
            if kind == "tag":
                got = read_object(repo, obj)
                if got is None or got[0] != b"tag" or b"\ntype tag\n" in got[1]:
                    return None
        rows.append([full, short, obj, peeled, kind])
    return rows
