"""Refs read from .git directly (recipelint/model/refs.py) equal `git for-each-ref`'s rows, or defer to it."""

import subprocess

import pytest

from recipelint.model.git import GitRepo
from recipelint.model.refs import read_refs


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(root)})


def _repo(tmp_path):
    _git(tmp_path, "init", "-q", "-b", "main")
    for i in range(3):
        (tmp_path / "f").write_text(str(i))
        _git(tmp_path, "add", "f")
        _git(tmp_path, "commit", "-q", "-m", f"c{i}")
        _git(tmp_path, "tag", "-a", "-m", "r", f"1.{i}.0+2.{i}")
    _git(tmp_path, "tag", "light", "HEAD~1")
    _git(tmp_path, "branch", "feature/x", "HEAD~2")
    _git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD~1")
    return GitRepo(tmp_path)


@pytest.mark.parametrize("pack", [False, True])
def test_same_rows_as_for_each_ref_loose_and_packed(tmp_path, pack):
    repo = _repo(tmp_path)
    if pack:
        _git(tmp_path, "pack-refs", "--all")
        _git(tmp_path, "tag", "-a", "-m", "r", "2.0.0+3", "HEAD")  # one loose beside the packed ones
    rows = read_refs(repo)
    assert rows == repo._for_each_ref()
    assert {r[1]: r[4] for r in rows if r[0].startswith("refs/tags/")} == {
        "1.0.0+2.0": "tag", "1.1.0+2.1": "tag", "1.2.0+2.2": "tag", "light": "commit",
        **({"2.0.0+3": "tag"} if pack else {})}
    assert repo._refs == rows


@pytest.mark.parametrize("how", ["symref", "ambiguous", "tag-of-tag"])
def test_defers_to_git_where_git_would_answer_differently(tmp_path, how):
    repo = _repo(tmp_path)
    if how == "symref":
        _git(tmp_path, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    elif how == "ambiguous":
        _git(tmp_path, "branch", "light", "HEAD")  # a branch and a tag both called light: git says heads/light
    else:
        _git(tmp_path, "tag", "-a", "-m", "t", "outer", "1.0.0+2.0")
    assert read_refs(repo) is None
    assert repo._refs == repo._for_each_ref()
    if how == "ambiguous":
        assert {r[1] for r in repo._refs} >= {"heads/light", "tags/light"}


def test_no_repository_files_is_none(tmp_path):
    assert read_refs(GitRepo(tmp_path / "missing")) is None
