"""What an isolation deploy does with a recipe's bind mounts (ADR 0017).

The runner never binds a host path into a deploy and never binds the recipe's working tree:

- a source that resolves (symlinks followed, ``..`` collapsed) inside the recipe directory and
  exists is copied into the session's private temporary directory, and the copy is bound (with the
  read_only the recipe declared), so whatever the app writes lands in the copy;
- a source that exists on a local engine's host but is not a directory (a file outside the recipe such as
  ``/etc/localtime``, the docker socket, a device, a special file in the recipe) is replaced by an empty
  regular file of the session's, bound at the same target: a tmpfs there would be a directory over what
  the image has as a file, and the task would not start;
- everything else - a host directory outside the recipe, ``~``, a missing source, a tree over the copy
  cap, a recipe-local source when the engine is remote (the copy would not exist on its host) - becomes
  an empty tmpfs at the same target.

``plan_bind`` makes that decision and touches nothing but ``stat``; ``copy_into`` makes the copy.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

COPY_CAP = 64 * 1024 * 1024  # bytes a recipe-local bind may hold to be copied
COPY_MAX_ENTRIES = 20_000  # files, directories and symlinks, same purpose
SKIP = (".git",)

COPY = "copy"
TMPFS = "tmpfs"
EMPTY_FILE = "empty-file"


@dataclass(frozen=True)
class BindPlan:
    action: str  # COPY | TMPFS | EMPTY_FILE
    source: str  # as the recipe wrote it (interpolated)
    path: Path | None = None  # the resolved source, for COPY
    reason: str = ""  # why TMPFS or EMPTY_FILE
    size: int = 0  # bytes to copy


def engine_is_local(client) -> bool:
    """Whether the docker client reaches its engine through a local unix socket or named pipe (the
    SDK rewrites those base URLs to ``http+docker://local...``; tcp and ssh engines are elsewhere)."""
    api = getattr(client, "api", client)
    base = str(getattr(api, "base_url", "") or "")
    return base.startswith(("http+docker://local", "http+unix://", "unix://", "npipe://"))


def plan_bind(source: str, *, recipe_root: Path, base_dir: Path, local_engine: bool = True,
              release: str | None = None, cap: int = COPY_CAP, max_entries: int = COPY_MAX_ENTRIES) -> BindPlan:
    """Decide what becomes of one bind mount. ``base_dir`` is the folder relative sources are read
    against (the first compose file's, as docker does); ``release`` is set when the recipe is deployed
    as it is at a git tag, whose files are not the working tree's."""
    src = source or ""
    if not src:
        return BindPlan(TMPFS, src, reason="it has no source")
    if src.startswith("~"):
        return BindPlan(TMPFS, src, reason="it is a host path (the runner never mounts host paths)")
    root = Path(os.path.realpath(recipe_root))
    raw = Path(src) if PurePosixPath(src).is_absolute() else Path(base_dir) / src
    try:
        real = Path(os.path.realpath(raw))
    except (OSError, RuntimeError, ValueError):
        return BindPlan(TMPFS, src, reason="its source cannot be resolved")
    if real != root and not real.is_relative_to(root):
        why = "it is a host path outside the recipe (the runner never mounts host paths)"
        return BindPlan(EMPTY_FILE if local_engine and _is_non_directory(real) else TMPFS, src, reason=why)
    if any(p in SKIP for p in real.relative_to(root).parts):
        return BindPlan(TMPFS, src, reason="it is inside the recipe's .git")
    if not local_engine:
        return BindPlan(TMPFS, src, reason="the engine is remote, where a private copy would not exist")
    if release:  # the working tree's file tells only the shape (file or directory), never the content
        return BindPlan(EMPTY_FILE if _is_non_directory(real) else TMPFS, src,
                        reason=f"the recipe is deployed as it is at {release}, whose files are not on disk "
                               "(the working tree's would misrepresent it)")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return BindPlan(TMPFS, src, reason="its source does not exist")
    except OSError as exc:
        return BindPlan(TMPFS, src, reason=f"its source cannot be read ({exc.strerror or exc})")
    if stat.S_ISREG(st.st_mode):
        size = st.st_size
    elif stat.S_ISDIR(st.st_mode):
        size, why = _tree_size(real, cap, max_entries)
        if why:
            return BindPlan(TMPFS, src, reason=why)
    else:
        return BindPlan(EMPTY_FILE, src, reason="its source is a special file (socket, FIFO or device)")
    if size > cap:
        return BindPlan(TMPFS, src, reason=f"it holds more than {_mib(cap)}, over the copy cap")
    return BindPlan(COPY, src, path=real, size=size)


def _is_non_directory(path: Path) -> bool:
    """Whether ``path`` exists and is not a directory (only its metadata is read)."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _tree_size(top: Path, cap: int, max_entries: int) -> tuple[int, str]:
    """(bytes of the regular files under ``top``, "" or why it cannot be copied). Symlinks count as
    links (they are copied as links, never followed); ``.git`` is skipped."""
    total = 0
    entries = 0
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False, onerror=None):
        dirnames[:] = [d for d in dirnames if d not in SKIP]
        for name in dirnames + [f for f in filenames if f not in SKIP]:
            entries += 1
            if entries > max_entries:
                return total, f"it holds more than {max_entries} entries, over the copy cap"
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
                if total > cap:
                    return total, f"it holds more than {_mib(cap)}, over the copy cap"
            elif not (stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                return total, f"it holds a special file ({os.path.join(dirpath, name)})"
    return total, ""


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB"


class CopyError(Exception):
    pass


def copy_into(src: Path, dest: Path, cap: int = COPY_CAP) -> None:
    """Copy the file or tree ``src`` to ``dest`` (which must not exist): regular files, directories and
    symlinks (as links, never followed); ``.git`` and special files are left out. The tree may have
    changed since ``plan_bind`` looked: more than ``cap`` bytes raises CopyError."""
    budget = [cap]

    def file(s: Path, d: Path) -> None:
        fd = os.open(s, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return
            with os.fdopen(os.dup(fd), "rb") as r, open(d, "xb") as w:
                while chunk := r.read(1 << 20):
                    budget[0] -= len(chunk)
                    if budget[0] < 0:
                        raise CopyError(f"{src} grew over the {_mib(cap)} copy cap while it was copied")
                    w.write(chunk)
            os.chmod(d, stat.S_IMODE(st.st_mode))
        finally:
            os.close(fd)

    def tree(s: Path, d: Path) -> None:
        os.mkdir(d)
        for entry in os.scandir(s):
            if entry.name in SKIP:
                continue
            sp, dp = Path(entry.path), d / entry.name
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(sp), dp)
            elif stat.S_ISDIR(st.st_mode):
                tree(sp, dp)
            elif stat.S_ISREG(st.st_mode):
                file(sp, dp)
        shutil.copystat(s, d, follow_symlinks=False)

    st = os.lstat(src)
    if stat.S_ISDIR(st.st_mode):
        tree(src, dest)
    elif stat.S_ISREG(st.st_mode):
        file(src, dest)
    else:
        raise CopyError(f"{src} is not a regular file or directory")
