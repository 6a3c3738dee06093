"""The Recipe: everything rules may ask about one recipe, each file read and parsed once."""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from collections.abc import Iterator

from .compose import ComposeView, Service, merge_compose
from .envfile import Assign, EnvFile, interpolate, parse_assignments
from .git import GitRepo, Release
from .templates import ConfigSource
from .yamlnode import Problem, YNode, load_yaml, offset_position

_SKIP_DIRS = {".git", "node_modules", "tests", "__pycache__", ".venv"}


class NotARecipe(Exception):
    """The path cannot be linted as a recipe at all (CLI exit 2)."""


class FileSource:
    """Where a recipe's files come from: a directory, or a git revision."""

    def read(self, rel: str) -> str | None:
        raise NotImplementedError

    def list(self) -> list[str]:
        raise NotImplementedError


# Real recipe files are far below this (the largest file in /work/shared/corpus is a 31 KB template);
# the pure-Python YAML parser, which a text crafted to defeat libyaml gets, takes ~4 s for 512 KiB.
MAX_FILE_BYTES = 512 * 1024


class DirSource(FileSource):
    """A recipe directory. Reads only regular files inside the recipe: a path or symlink that leaves
    it, a FIFO, device or directory is never opened (see tests/test_hostile.py)."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: dict[str, Problem] = {}  # rel -> why it was not (fully) read, with a position

    def read(self, rel: str) -> str | None:
        import os
        import stat

        if not rel or PurePosixPath(rel).is_absolute() or rel.split("/")[0] == "..":
            return None  # not in the recipe: whoever named it reports that
        p = self.root / rel
        try:
            real = p.resolve()
            if not real.is_relative_to(self.root.resolve()):
                self.problems[rel] = Problem("E104", rel, None, None,
                                             f"a symlink to {real}, outside the recipe; not followed")
                return None
            st = os.stat(real)
        except FileNotFoundError:
            return None
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
            self.problems[rel] = Problem("E104", rel, None, None, f"cannot read file: {exc}")
            return None
        if not stat.S_ISREG(st.st_mode):
            what = "a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) \
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device or other special file"
            self.problems[rel] = Problem("E104", rel, None, None, f"is {what}, not a regular file; not read")
            return None
        if st.st_size > MAX_FILE_BYTES:
            self.problems[rel] = Problem("E106", rel, None, None,
                                         f"file is {st.st_size / 1048576:.1f} MiB, over the "
                                         f"{MAX_FILE_BYTES // 1024} KiB recipelint reads; not read")
            return None
        try:
            with open(real, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            self.problems[rel] = Problem("E104", rel, None, None, f"cannot read file: {exc}")
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            # report the first bad byte where it is, and check the rest of the file as it decodes
            bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
            good = data[bom:exc.start].decode("utf-8")
            line, col = offset_position(good, len(good))
            self.problems[rel] = Problem("E104", rel, line, col,
                                         f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded "
                                         "(read as U+FFFD); save the file as UTF-8")
            return data.decode("utf-8-sig", errors="replace")

    def list(self) -> list[str]:
        out = []
        stack = [self.root]
        while stack:
            d = stack.pop()
            try:
                entries = list(d.iterdir())
            except OSError:
                continue
            for e in entries:
                if e.is_dir():
                    # a symlinked directory is never followed: it may leave the recipe or loop
                    if e.name not in _SKIP_DIRS and not e.is_symlink():
                        stack.append(e)
                else:
                    out.append(e.relative_to(self.root).as_posix())
        return sorted(out)


class GitSource(FileSource):
    def __init__(self, repo: GitRepo, rev: str):
        self.repo = repo
        self.rev = rev
        self.problems: dict[str, Problem] = {}

    def read(self, rel: str) -> str | None:
        text = self.repo.read(self.rev, rel)
        if text is not None and len(text) > MAX_FILE_BYTES:  # the same bound as in the work tree
            self.problems[rel] = Problem("E106", rel, None, None,
                                         f"file at {self.rev} is {len(text) / 1048576:.1f} MiB, over the "
                                         f"{MAX_FILE_BYTES // 1024} KiB recipelint reads; not read")
            return None
        return text

    def list(self) -> list[str]:
        return [p for p in self.repo.list_files(self.rev)
                if not any(part in _SKIP_DIRS for part in PurePosixPath(p).parts[:-1])]


def _is_compose_name(rel: str) -> bool:
    name = PurePosixPath(rel).name
    return (name.startswith("compose") or name.startswith("docker-compose")) and name.endswith((".yml", ".yaml"))


class Recipe:
    """One recipe. Files are read lazily, once, and every parse keeps positions."""

    def __init__(self, root: Path, *, name: str | None = None, overlay_root: Path | None = None,
                 source: FileSource | None = None, rev: str | None = None):
        self.root = root
        self.name = name or root.resolve().name
        self.overlay_root = overlay_root
        self.source = source or DirSource(root)
        self.rev = rev  # None: the working tree
        self._texts: dict[str, str | None] = {}
        self._yaml: dict[str, YNode | None] = {}
        self.problems: list[Problem] = []

    @classmethod
    def load(cls, root: Path, overlay_root: Path | None = None) -> "Recipe":
        if not root.is_dir():
            raise NotARecipe(f"{root}: not a directory")
        r = cls(root, overlay_root=overlay_root)
        if not r.compose_files and r.env.file is None:
            raise NotARecipe(f"{root}: not a recipe (no compose*.yml and no .env.sample)")
        return r

    # ------------------------------------------------------------------ files
    @cached_property
    def files(self) -> list[str]:
        return self.source.list()

    def read(self, rel: str) -> str | None:
        """A file's text, read once. ``rel`` is relative to the recipe root."""
        rel = _norm(rel)
        if rel not in self._texts:
            self._texts[rel] = self.source.read(rel)
            problem = getattr(self.source, "problems", {}).get(rel)
            if problem is not None:
                self.problems.append(problem)
        return self._texts[rel]

    def lines(self, rel: str) -> list[str]:
        t = self.read(rel)
        return t.splitlines() if t is not None else []

    def yaml(self, rel: str) -> YNode | None:
        """A YAML file's positioned tree, parsed once; parse problems go to ``problems``."""
        rel = _norm(rel)
        if rel not in self._yaml:
            text = self.read(rel)
            node = None
            if text is not None:
                # parses are shared with this recipe's revisions (``at``): a file unchanged since the
                # release is parsed once (load_yaml depends on the text and the name only; trees are read-only)
                parses = self.__dict__.setdefault("_parses", {})
                if (rel, text) not in parses:
                    parses[(rel, text)] = load_yaml(text, rel)
                node, probs = parses[(rel, text)]
                self.problems.extend(probs)
                if node is not None and not node.is_map:
                    self.problems.append(Problem("E105", rel, node.line, node.col,
                                                 "a compose file must be a mapping at the top level"))
                    node = None
            self._yaml[rel] = node
        return self._yaml[rel]

    # ------------------------------------------------------------------ env / abra
    @cached_property
    def env(self) -> EnvFile:
        text = self.read(".env.sample")
        if text is None:
            return EnvFile(None, [])
        return EnvFile(".env.sample", parse_assignments(text, ".env.sample"))

    @cached_property
    def abra(self) -> dict[str, Assign]:
        """`export NAME=VALUE` lines of abra.sh (config/secret version pins)."""
        text = self.read("abra.sh")
        if text is None:
            return {}
        return {a.name: a for a in parse_assignments(text, "abra.sh", require_export=True)}

    @cached_property
    def env_values(self) -> dict[str, str]:
        """What interpolation may use: `.env.sample` values plus abra.sh exports. Never guessed."""
        vals = {k: a.value for k, a in self.abra.items()}
        vals.update(self.env.values)
        return vals

    def interpolate(self, text: str) -> str:
        return interpolate(text, self.env_values)

    # ------------------------------------------------------------------ compose
    @cached_property
    def compose_files(self) -> list[str]:
        return [f for f in self.files if _is_compose_name(f)]

    @cached_property
    def chain(self) -> list[str]:
        chain, _ = self.env.compose_chain()
        return chain or ["compose.yml"]

    @cached_property
    def missing_chain_files(self) -> list[tuple[str, Assign | None]]:
        _, where = self.env.compose_chain()
        # a file that is there but was not read (too large, a FIFO...) has its own E104/E106: not missing
        unread = getattr(self.source, "problems", {})
        return [(f, where) for f in self.chain if self.read(f) is None and _norm(f) not in unread]

    @cached_property
    def optional_overlays(self) -> list[str]:
        """Every other compose*.yml in the tree: not deployed by default, but rules see it too."""
        chain = set(_norm(f) for f in self.chain)
        return [f for f in self.compose_files if f not in chain]

    @cached_property
    def default(self) -> ComposeView:
        """The variant abra deploys with `.env.sample` as it is."""
        docs = [self.yaml(f) for f in self.chain]
        return ComposeView(merge_compose([d for d in docs if d is not None]), list(self.chain))

    @cached_property
    def views(self) -> list[ComposeView]:
        """The default variant, then the default chain plus each optional overlay."""
        out = [self.default]
        base = [self.yaml(f) for f in self.chain]
        base = [d for d in base if d is not None]
        for f in self.optional_overlays:
            doc = self.yaml(f)
            if doc is None:
                continue
            out.append(ComposeView(merge_compose(base + [doc]), list(self.chain) + [f]))
        return out

    def services(self) -> Iterator[tuple[ComposeView, Service]]:
        """Every (variant, service) pair; findings from several variants are de-duplicated by the engine."""
        for v in self.views:
            for s in v.services.values():
                yield v, s

    # ------------------------------------------------------------------ configs & secrets
    def config_source(self, view: ComposeView, kind: str, name: str) -> ConfigSource | None:
        """The definition of config/secret ``name`` in ``view``; answered once per (view, kind, name)."""
        memo = self.__dict__.setdefault("_config_sources", {})
        key = (id(view), kind, name)
        if key not in memo:
            memo[key] = (view, self._config_source(view, kind, name))  # the view kept alive: its id stays its own
        return memo[key][1]

    def _config_source(self, view: ComposeView, kind: str, name: str) -> ConfigSource | None:
        defs = view.configs if kind == "config" else view.secrets
        node = defs.get(name)
        if node is None:
            return None
        if not node.is_map:
            return ConfigSource(kind, name, None, None, False, False)
        ext = node.get("external")
        external = ext is not None and ext.value not in (False, None)
        td = node.get("template_driver")
        f = node.get("file")
        rel = None
        text = None
        if f is not None and f.text:
            # docker (and abra's copy of its loader) resolves every relative path against the
            # folder of the FIRST compose file, whichever file of the chain defines it
            base = PurePosixPath(view.files[0] if view.files else f.file).parent
            rel = _norm(str(base / self.interpolate(f.text)))
            text = self.read(rel)
        return ConfigSource(kind, name, rel, text, td is not None and td.text == "golang", external)

    # ------------------------------------------------------------------ git
    @cached_property
    def git(self) -> GitRepo | None:
        if self.rev is not None:
            return self.source.repo  # type: ignore[attr-defined]
        return GitRepo.open(self.root)

    @cached_property
    def latest_release(self) -> Release | None:
        return self.git.latest_release if self.git else None

    def at(self, rev: str) -> "Recipe":
        """The same recipe as it is at a tag, branch or commit (read from git, nothing checked out)."""
        cache = self.__dict__.setdefault("_at", {})
        if rev not in cache:
            if self.git is None:
                raise ValueError(f"{self.root}: not a git repository")
            cache[rev] = Recipe(self.root, name=self.name, source=GitSource(self.git, rev), rev=rev)
            cache[rev].__dict__["_parses"] = self.__dict__.setdefault("_parses", {})
        return cache[rev]

    # ------------------------------------------------------------------ overlay tests
    @cached_property
    def overlay_tests(self):
        if self.rev is not None:
            return []
        # the folders discover_tests reads: without any, the overlay reader is not even imported
        dirs = [self.root / "tests"] + ([self.overlay_root / self.name] if self.overlay_root is not None else [])
        if not any(d.is_dir() for d in dirs):
            return []
        from .overlay import discover_tests

        return discover_tests(self.root, self.name, self.overlay_root)


@lru_cache(maxsize=8192)  # pure; the same few paths are normalised thousands of times in a sweep
def _norm(rel: str) -> str:
    parts = []
    for p in PurePosixPath(rel.replace("\\", "/")).parts:
        if p in ("", "."):
            continue
        if p == "/":  # absolute: stays absolute ("/etc/x", never "//etc/x"); DirSource never reads it
            parts.append("")
            continue
        if p == ".." and parts and parts[-1] not in ("", ".."):  # never above the recipe root
            parts.pop()
            continue
        parts.append(p)
    return "/".join(parts)
