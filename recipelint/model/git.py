"""A recipe's git history, read from .git (or through the `git` command) without checking anything out.

Release tags look like `2.1.9+10.11.15` (recipe version + upstream version), annotated or
lightweight. The latest release is the highest recipe version that is not a pre-release;
see docs/adr/0003-latest-release.md.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from ..record import Frozen

_RELEASE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<up>.+))?$")


class Release(Frozen):
    __slots__ = _fields = ("tag", "version", "prerelease", "upstream", "commit")

    def __init__(self, tag: str, version: tuple[int, int, int], prerelease: str | None, upstream: str | None,
                 commit: str):
        self.tag = tag
        self.version = version
        self.prerelease = prerelease
        self.upstream = upstream
        self.commit = commit


class Branch(Frozen):
    __slots__ = _fields = ("name", "commit")

    def __init__(self, name: str, commit: str):
        self.name = name  # e.g. "main", "origin/feature-x"
        self.commit = commit


class GitRepo:
    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def open(cls, root: Path) -> "GitRepo | None":
        """The repository whose top level is exactly ``root`` (a recipe nested in another repo has none)."""
        dotgit = root / ".git"
        if (dotgit / "HEAD").is_file() and (dotgit / "objects").is_dir():
            return cls(root)  # a .git directory in root: root is that repository's top level, no git process
        if not dotgit.exists():
            return None
        from .gitobj import Store

        try:  # a .git file (worktree, submodule) naming a repository this reader follows: root is its top level
            store = Store.open(root)
        except Exception:  # noqa: BLE001 - anything else is git's to answer
            pass
        else:
            repo = cls(root)
            repo.__dict__["_gitobj"] = store
            return repo
        import subprocess

        try:  # something unusual: ask git
            top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
            return None
        return cls(root)

    def _git(self, *args: str, check: bool = True) -> str:
        import subprocess

        r = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    @cached_property
    def _refs(self) -> list[list[str]]:
        """[full name, short name, object, peeled object, object type] of every tag, branch and remote
        branch, from one git process (releases, tags and branches all read this), or straight from
        .git when refs.py can answer exactly as that process would."""
        from .refs import read_refs

        direct = read_refs(self)
        if direct is not None:
            return direct
        return self._for_each_ref()

    def _for_each_ref(self) -> list[list[str]]:
        out = self._git("for-each-ref", "refs/tags", "refs/heads", "refs/remotes",
                        "--format=%(refname)%09%(refname:short)%09%(objectname)%09%(*objectname)%09%(objecttype)",
                        check=False)
        return [(line.split("\t") + [""] * 5)[:5] for line in out.splitlines()]

    def _ref_lines(self, *prefixes: str):
        return [r for r in self._refs if r[0].startswith(prefixes)]

    @cached_property
    def releases(self) -> list[Release]:
        rels = []
        for _full, name, obj, peeled, _kind in self._ref_lines("refs/tags/"):
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
        res = {}
        for _full, name, _obj, _peeled, kind in self._ref_lines("refs/tags/"):
            if name:
                res[name] = kind == "tag"
        return res

    @cached_property
    def branches(self) -> list[Branch]:
        res = []
        for _full, name, obj, _peeled, _kind in self._ref_lines("refs/heads/", "refs/remotes/"):
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
        from .gitbatch import is_ancestor

        got = is_ancestor(self, commit, of)  # from .git; git answers what that leaves to it
        if got is not None:
            return got
        import subprocess

        r = subprocess.run(["git", "-C", str(self.root), "merge-base", "--is-ancestor", commit, of],
                           capture_output=True, timeout=60)
        return r.returncode == 0

    def read(self, rev: str, path: str) -> str | None:
        """A file's text at ``rev`` (tag, branch or commit), or None if it is not there (or not a file).

        Read from .git directly (gitobj.py) or, for what that leaves to git, through one
        `git cat-file --batch` process."""
        from .gitbatch import read_at

        return read_at(self, rev, path)

    def list_files(self, rev: str) -> list[str]:
        from .gitbatch import list_tree

        names = list_tree(self, rev)  # through the cat-file process the reads use: no process of its own
        if names is not None:
            return names
        return self._git("ls-tree", "-r", "--name-only", rev, check=False).splitlines()
