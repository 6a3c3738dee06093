"""A release's file list read through the cat-file batch process is what `git ls-tree -r --name-only`
prints: tree order, subdirectories depth first, C-quoted odd names, and git itself for what the
batch reader leaves to it (names beyond ASCII, whose quoting core.quotePath decides)."""

import os
import subprocess

import pytest

from recipelint.model.git import GitRepo
from recipelint.model.gitbatch import list_tree

NAMES = ["compose.yml", "a/b/c.txt", "a/b.txt", "a-b.txt", "a.txt", "z/y/x/deep.conf", 'q"uote.txt',
         "back\\slash.txt", "tab\there.txt", "new\nline.txt", "sp ace.txt", "ctl\x01.txt"]


def _git(root, *args, **kw):
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}, **kw).stdout


@pytest.fixture()
def repo(tmp_path):
    _git(tmp_path, "init", "-q", "-b", "main")
    for name in NAMES:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(name)
    os.symlink("compose.yml", tmp_path / "link.yml")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "one")
    _git(tmp_path, "tag", "-a", "1.0.0+1", "-m", "r")
    (tmp_path / "later.txt").write_text("x")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "two")
    return tmp_path


@pytest.mark.parametrize("rev", ["1.0.0+1", "HEAD", "main", "HEAD~1"])
def test_same_list_as_ls_tree(repo, rev):
    g = GitRepo.open(repo)
    want = _git(repo, "ls-tree", "-r", "--name-only", rev).splitlines()
    assert list_tree(g, rev) == want
    assert g.list_files(rev) == want
    assert '"tab\\there.txt"' in want and '"q\\"uote.txt"' in want and '"ctl\\001.txt"' in want


def test_a_missing_revision_is_left_to_git(repo):
    g = GitRepo.open(repo)
    assert list_tree(g, "no-such-tag") is None
    assert g.list_files("no-such-tag") == []


def test_names_beyond_ascii_are_left_to_git(repo):
    (repo / "café.txt").write_text("x")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "three")
    g = GitRepo.open(repo)
    assert list_tree(g, "HEAD") is None
    assert g.list_files("HEAD") == _git(repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines()


def test_a_file_unchanged_since_the_release_is_parsed_once(tmp_path):
    from recipelint.model import Recipe

    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "compose.yml").write_text("services:\n  app:\n    image: nginx:1.25\n")
    (tmp_path / "compose.smtp.yml").write_text("services:\n  app:\n    hostname: a\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "one")
    _git(tmp_path, "tag", "-a", "1.0.0+1", "-m", "r")
    (tmp_path / "compose.smtp.yml").write_text("services:\n  app:\n    hostname: b\n")
    r = Recipe.load(tmp_path)
    old = r.at("1.0.0+1")
    assert old.yaml("compose.yml") is r.yaml("compose.yml")  # same text: one parse, shared
    assert old.yaml("compose.smtp.yml") is not r.yaml("compose.smtp.yml")
    assert old.yaml("compose.smtp.yml").get("services").get("app").get("hostname").value == "a"
    assert r.yaml("compose.smtp.yml").get("services").get("app").get("hostname").value == "b"
