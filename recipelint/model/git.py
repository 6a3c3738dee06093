"""A recipe's git history, read through the `git` command without checking anything out.

Release tags look like `2.1.9+10.11.15` (recipe version + upstream version), annotated or
lightweight. The latest release is the highest recipe version that is not a pre-release;
see docs/adr/0003-latest-release.md.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_RELEASE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<up>.+))?$")


@dataclass(frozen=True)
class Release:
    tag: str
    version: tuple[int, int, int]
    prerelease: str | None
    upstream: str | None
    commit: str


@dataclass(frozen=True)
class Branch:
    name: str  # e.g. "main", "origin/feature-x"
    commit: str


class GitRepo:
    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def open(cls, root: Path) -> "GitRepo | None":
        """The repository whose top level is exactly ``root`` (a recipe nested in another repo has none)."""
        if not (root / ".git").exists():
            return None
        try:
            top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
            return None
        return cls(root)

    def _git(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    @cached_property
    def releases(self) -> list[Release]:
        out = self._git("for-each-ref", "refs/tags",
                        "--format=%(refname:short)%09%(objectname)%09%(*objectname)", check=False)
        rels = []
        for line in out.splitlines():
            name, obj, peeled = (line.split("\t") + ["", ""])[:3]
            m = _RELEASE.match(name)
            if not m:
                continue
            rels.append(Release(name, (int(m.group(1)), int(m.group(2)), int(m.group(3))),
                                m.group("pre"), m.group("up"), peeled or obj))
        rels.sort(key=lambda r: (r.version, r.prerelease is None, r.tag))
        return rels

    @cached_property
    def latest_release(self) -> Release | None:
        final = [r for r in self.releases if r.prerelease is None]
        return final[-1] if final else None

    @cached_property
    def tags(self) -> dict[str, bool]:
        """Every tag name -> True when it is an annotated tag object, False for a lightweight tag."""
        out = self._git("for-each-ref", "refs/tags", "--format=%(refname:short)%09%(objecttype)", check=False)
        res = {}
        for line in out.splitlines():
            name, _, kind = line.partition("\t")
            if name:
                res[name] = kind == "tag"
        return res

    @cached_property
    def branches(self) -> list[Branch]:
        out = self._git("for-each-ref", "refs/heads", "refs/remotes",
                        "--format=%(refname:short)%09%(objectname)", check=False)
        res = []
        for line in out.splitlines():
            name, _, obj = line.partition("\t")
            if name.endswith("/HEAD") or not obj:
                continue
            res.append(Branch(name, obj))
        return res

    @cached_property
    def default_branch(self) -> Branch | None:
        names = {b.name: b for b in self.branches}
        for cand in ("main", "master", "origin/main", "origin/master"):
            if cand in names:
                return names[cand]
        return None

    def is_ancestor(self, commit: str, of: str) -> bool:
        r = subprocess.run(["git", "-C", str(self.root), "merge-base", "--is-ancestor", commit, of],
                           capture_output=True, timeout=60)
        return r.returncode == 0

    def read(self, rev: str, path: str) -> str | None:
        """A file's text at ``rev`` (tag, branch or commit), or None if it is not there."""
        r = subprocess.run(["git", "-C", str(self.root), "show", f"{rev}:{path}"],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            return None
        return r.stdout.decode("utf-8", errors="replace")

    def list_files(self, rev: str) -> list[str]:
        return self._git("ls-tree", "-r", "--name-only", rev, check=False).splitlines()
