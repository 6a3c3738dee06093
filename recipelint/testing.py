"""Helpers to materialise example recipes (for rule examples, fixtures and tests).

``build_repo`` turns a declarative history into a real git repository, so rules that
read release tags and branches (T001/T002) can be exercised without shipping nested
`.git` folders. A history is a list of steps::

    {"branch": "main", "files": {"compose.yml": "..."}, "tag": "0.8.1+3.5.0", "message": "release"}
    {"branch": "official-image", "from": "main", "files": {...}}   # a branch off main
    {"branch": "main", "files": {"old.yml": None}}                  # None deletes a file

Steps run in order; the work tree ends on ``checkout`` (default "main"), with any
example/fixture files written on top as uncommitted changes.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "recipelint-fixture", "GIT_AUTHOR_EMAIL": "fixture@recipelint.invalid",
    "GIT_COMMITTER_NAME": "recipelint-fixture", "GIT_COMMITTER_EMAIL": "fixture@recipelint.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": os.environ.get("HOME", "/tmp"),
}


def _git(root: Path, *args: str) -> str:
    env = dict(os.environ)
    env.update(_GIT_ENV)
    r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {root}: {r.stderr.strip()}")
    return r.stdout


def write_files(root: Path, files: dict[str, str | None]) -> None:
    for rel, content in files.items():
        p = root / rel
        if content is None:
            if p.exists():
                p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")


def build_repo(root: Path, history: list[dict], checkout: str = "main") -> None:
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "commit.gpgsign", "false")
    _git(root, "config", "tag.gpgsign", "false")
    branches = {"main"}
    current = "main"
    for i, step in enumerate(history):
        branch = step.get("branch", "main")
        if branch != current:
            if branch in branches:
                _git(root, "checkout", "-q", branch)
            else:
                _git(root, "checkout", "-q", "-b", branch, step.get("from", "main"))
                branches.add(branch)
            current = branch
        write_files(root, step.get("files", {}))
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--allow-empty", "-m", step.get("message", f"step {i + 1}"))
        tag = step.get("tag")
        if tag:
            if step.get("annotated", True):
                _git(root, "tag", "-a", tag, "-m", f"release {tag}")
            else:
                _git(root, "tag", tag)
    if current != checkout:
        _git(root, "checkout", "-q", checkout)


def materialise(example, dest: Path, recipe_name: str = "example") -> tuple[Path, Path | None]:
    """Write an Example to ``dest``: returns (recipe dir, overlay root or None)."""
    recipe = dest / recipe_name
    if example.history:
        build_repo(recipe, example.history)
    recipe.mkdir(parents=True, exist_ok=True)
    write_files(recipe, example.all_files())
    overlay = None
    if example.overlay:
        overlay = dest / "overlay"
        write_files(overlay / recipe_name, example.overlay)
    return recipe, overlay
