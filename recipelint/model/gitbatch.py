"""Reading files from a repository's history: straight from `.git` (gitobj.py), else through one
`git cat-file --batch` process per repository.

A rule that compares a recipe with its latest release reads a dozen files at that tag; one `git show`
per file cost a process start each (about 4 ms, most of a catalogue sweep's git time). gitobj.py reads
the objects without a process; for a repository (or a question) it leaves to git, the batch process
starts on the first read and ends when the GitRepo is garbage-collected (or at exit).
"""

from __future__ import annotations

import weakref


def _store(repo):
    """The repository's gitobj.Store, or None when git answers for it."""
    d = repo.__dict__
    if "_gitobj" not in d:
        from .gitobj import Store

        try:
            d["_gitobj"] = Store.open(repo.root)
        except Exception:  # noqa: BLE001 - anything this reader does not follow is git's to answer
            d["_gitobj"] = None
    return d["_gitobj"]


_ASK_GIT = object()


def _direct(repo, question):
    """``question(store)`` answered from .git, or _ASK_GIT. An error about the question leaves that
    question to git; any other (a corrupt pack, a missing object) leaves the whole repository to git."""
    store = _store(repo)
    if store is None:
        return _ASK_GIT
    from .gitobj import UnsupportedQuestion

    try:
        return question(store)
    except UnsupportedQuestion:
        return _ASK_GIT
    except Exception:  # noqa: BLE001 - never a traceback: git answers instead
        repo.__dict__["_gitobj"] = None
        return _ASK_GIT


def read_at(repo, rev: str, path: str) -> str | None:
    """The text of blob ``rev:path`` in ``repo`` (a GitRepo), or None when it is missing or not a file."""
    got = _direct(repo, lambda s: s.blob_at(rev, path))
    if got is _ASK_GIT:
        return batch_read(repo, f"{rev}:{path}")
    return None if got is None else got.decode("utf-8", errors="replace")


def is_ancestor(repo, commit: str, of: str) -> bool | None:
    """Whether ``commit`` is reachable from ``of``, from .git; None when git should answer."""
    got = _direct(repo, lambda s: s.is_ancestor(commit, of))
    return None if got is _ASK_GIT else got


def read_object(repo, hexoid: str) -> tuple[bytes, bytes] | None:
    """(type, contents) of object ``hexoid``, or None when it is missing (or no git can be run)."""
    got = _direct(repo, lambda s: s.object(hexoid))
    if got is not _ASK_GIT:
        return got
    b = _batch(repo)
    if b is None:
        return None
    got = b.read_object(hexoid)
    return None if got is None else (got[0], got[1])


class _Batch:
    def __init__(self, root):
        import subprocess

        self.proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, spec: str) -> bytes | None:
        got = self.read_object(spec)
        return got[1] if got is not None and got[0] == b"blob" else None

    def read_object(self, spec: str) -> tuple[bytes, bytes, int] | None:
        """(type, contents, hex length of the object name) of any object, or None when it is missing."""
        p = self.proc
        p.stdin.write(spec.encode("utf-8", errors="surrogateescape") + b"\n")
        p.stdin.flush()
        header = p.stdout.readline()
        if not header.endswith(b"\n"):
            raise EOFError("git cat-file --batch ended")
        parts = header.split()
        if len(parts) != 3 or not parts[2].isdigit():  # "<spec> missing" / "<spec> ambiguous"
            return None
        size = int(parts[2])
        data = p.stdout.read(size)
        p.stdout.read(1)  # the newline after the contents
        if len(data) != size:
            raise EOFError("git cat-file --batch ended")
        return parts[1], data, len(parts[0])

    @staticmethod
    def close(proc) -> None:
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except Exception:  # noqa: BLE001 - best effort at teardown
            try:
                proc.kill()
            except OSError:
                pass
        finally:
            if proc.stdout:
                proc.stdout.close()


def batch_read(repo, spec: str) -> str | None:
    """The text of blob ``rev:path`` in ``repo`` (a GitRepo), or None when it is missing or not a file."""
    if "\n" in spec or "\r" in spec:
        return None
    b = _batch(repo)
    if b is None:
        return _show(repo, spec)
    try:
        data = b.read(spec)
    except (OSError, EOFError, ValueError):
        repo.__dict__.pop("_batch", None)
        _Batch.close(b.proc)
        return _show(repo, spec)
    return None if data is None else data.decode("utf-8", errors="replace")


def _batch(repo) -> _Batch | None:
    b = repo.__dict__.get("_batch")
    if b is None:
        try:
            b = _Batch(repo.root)
        except OSError:
            return None
        repo.__dict__["_batch"] = b
        weakref.finalize(repo, _Batch.close, b.proc)
    return b


_C_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"}


def list_tree(repo, rev: str) -> list[str] | None:
    """Every file path at ``rev`` as `git ls-tree -r --name-only` prints it (tree order, C-quoted when a
    name has a control character, a quote or a backslash), read through the batch process instead of
    one more git process; None when this cannot answer (then ls-tree does)."""
    if "\n" in rev or "\r" in rev:
        return None
    out = _direct(repo, lambda s: s.tree_paths(rev))
    if out is _ASK_GIT:
        out = _batch_tree(repo, rev)
        if out is None:
            return None
    names = []
    for path in out:
        if any(c >= 0x80 for c in path):
            return None  # core.quotePath decides how git prints these: let git print them
        if any(c < 0x20 or c in (34, 92, 0x7F) for c in path):
            names.append('"' + "".join(_C_ESCAPES.get(c) or (f"\\{c:03o}" if c < 0x20 or c == 0x7F else chr(c))
                                       for c in path) + '"')
        else:
            names.append(path.decode("ascii"))
    return names


def _batch_tree(repo, rev: str) -> list[bytes] | None:
    b = _batch(repo)
    if b is None:
        return None
    out: list[bytes] = []

    def walk(prefix: bytes, data: bytes, width: int) -> None:  # depth first, in tree order, as ls-tree -r
        i = 0
        while i < len(data):
            sp = data.index(b" ", i)
            nul = data.index(b"\0", sp)
            mode, path, oid = data[i:sp], prefix + data[sp + 1:nul], data[nul + 1:nul + 1 + width]
            i = nul + 1 + width
            if mode == b"40000":
                sub = b.read_object(oid.hex())
                if sub is None or sub[0] != b"tree":
                    raise ValueError("a subtree is missing")
                walk(path + b"/", sub[1], width)
            else:
                out.append(path)

    try:
        top = b.read_object(f"{rev}^{{tree}}")
        if top is None or top[0] != b"tree":
            return None
        walk(b"", top[1], top[2] // 2)  # 20-byte (SHA-1) or 32-byte (SHA-256) object names
    except (OSError, EOFError):
        repo.__dict__.pop("_batch", None)
        _Batch.close(b.proc)
        return None
    except (ValueError, RecursionError):
        return None
    return out


def _show(repo, spec: str) -> str | None:
    """One `git show` (when a batch process cannot be had)."""
    import subprocess

    r = subprocess.run(["git", "-C", str(repo.root), "show", spec], capture_output=True, timeout=60)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", errors="replace")
