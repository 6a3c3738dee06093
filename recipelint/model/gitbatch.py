"""Reading files from a repository's history through one `git cat-file --batch` process per repository.

A rule that compares a recipe with its latest release reads a dozen files at that tag; one `git show`
per file cost a process start each (about 4 ms, most of a catalogue sweep's git time). The batch
process starts on the first read and ends when the GitRepo is garbage-collected (or at exit).
"""

from __future__ import annotations

import subprocess
import weakref


class _Batch:
    def __init__(self, root):
        self.proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, spec: str) -> bytes | None:
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
        return data if parts[1] == b"blob" else None

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
    b = repo.__dict__.get("_batch")
    if b is None:
        try:
            b = _Batch(repo.root)
        except OSError:
            return _show(repo, spec)
        repo.__dict__["_batch"] = b
        weakref.finalize(repo, _Batch.close, b.proc)
    try:
        data = b.read(spec)
    except (OSError, EOFError, ValueError):
        repo.__dict__.pop("_batch", None)
        _Batch.close(b.proc)
        return _show(repo, spec)
    return None if data is None else data.decode("utf-8", errors="replace")


def _show(repo, spec: str) -> str | None:
    """One `git show` (when a batch process cannot be had)."""
    r = subprocess.run(["git", "-C", str(repo.root), "show", spec], capture_output=True, timeout=60)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", errors="replace")
