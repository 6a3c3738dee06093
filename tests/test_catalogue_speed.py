"""The speed work must not change a single result: the libyaml composer gives the same positioned tree as
ruamel's, the batched git reads give the same texts as `git show`, and the single for-each-ref gives the
same releases, tags and branches. (No timings here: benchmarks/ measures, tests only check.)"""

import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from recipelint import engine
from recipelint.model import fastyaml
from recipelint.model.git import GitRepo
from recipelint.model.yamlnode import _Builder, load_yaml
from recipelint.testing import build_repo

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "a: 1\nb:\n  - x\n  - y\n",
    "a:\n  b: |\n    line1\n    line2\n  c: >\n    folded\n    text\n\n",
    "a: &x {p: 1, q: [1, 2]}\nb:\n  <<: *x\n  r: 2\n",
    "a: plain\n  continued\n  more\nb: 'q\n  uoted'\n",
    "# c\n---\na: 1\n...\n",
    "a: héllo wörld\nb: 'ü'\nc:\n",
    "a: 1\r\nb:\r\n  c: 2\r\nd:\r\n",
    "k:\n\n\n# comment\n\nz: 1",
    "k:",
    "- a\n- b:\n- c\n",
    "a: [1, 2,\n  3]\nb: {x: ,}\n",
    "a: !reset []\nb: !override\n  x: 1\n",
    "a: yes\nb: 0755\nc: 1e3\nd: .nan\ne: 0x1f\nf: 0o17\ng: ~\nh: True\ni: 1_000\n",
    "a: 'x' # c\nb: \"y\"\n",
    "a:\n  - b: 1\n    c:\n  - d\n",
    "a: |-\n  x\nb: |+\n  y\n\n",
    "a:    \nb: 1\n",
    "? complex\n: value\n",
    "a: 1\na: 2\n",
    "emoji: \"😀 x\"\nnext: 😀y\n",
    "services:\n  app:\n    image: x\n    environment:\n      - A=1\n      -\n    labels:\n",
]
BROKEN = ["x:\n\ty: 1\n", "a: b: c\n", "a: [1,\n", "a: 1\n---\nb: 2\n", "- a\nb: 1\n", "a: 'open\n"]


def shape(node, out, path=()):
    v = node.value
    out.append((path, type(v).__name__ if isinstance(v, (dict, list)) else repr(v), node.line, node.col,
                node.end_line, node.end_col, node.style, (node.key.line, node.key.col) if node.key else None))
    if isinstance(v, dict):
        for k, n in v.items():
            shape(n, out, path + (k,))
    elif isinstance(v, list):
        for i, n in enumerate(v):
            shape(n, out, path + (i,))
    return out


def pure(text, file="f.yml"):
    """The tree and problems from ruamel's own composer (what load_yaml used before fastyaml)."""
    node = YAML(typ="safe", pure=True).compose(text)
    if node is None:
        return None, []
    b = _Builder(file, text.splitlines())
    return shape(b.build(node), []), b.problems


def corpus():
    texts = [(f"tricky-{i}", t) for i, t in enumerate(TRICKY)]
    for p in sorted((ROOT / "fixtures").rglob("*.y*ml")):
        if "_build" not in p.parts:
            texts.append((str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")))
    for r in engine.discover():
        for i, ex in enumerate(list(r.valid) + list(r.invalid)):
            for rel, text in ex.all_files().items():
                if rel.endswith((".yml", ".yaml")):
                    texts.append((f"{r.code}-{i}-{rel}", text))
    return texts


def test_libyaml_is_there_so_the_fast_path_is_what_runs():
    assert fastyaml.compose("a: 1\n") is not None


@pytest.mark.parametrize("name,text", corpus(), ids=lambda x: x if isinstance(x, str) and len(x) < 60 else None)
def test_load_yaml_gives_the_tree_ruamel_gives(name, text):
    node, problems = load_yaml(text, "f.yml")
    want_tree, want_problems = pure(text)
    assert (shape(node, []) if node is not None else None) == want_tree
    assert problems == want_problems


@pytest.mark.parametrize("text", BROKEN)
def test_broken_yaml_still_gets_ruamels_e101_at_its_position(text):
    node, problems = load_yaml(text, "f.yml")
    assert node is None and [p.code for p in problems] == ["E101"]
    with pytest.raises(Exception) as exc:
        YAML(typ="safe", pure=True).compose(text)
    mark = exc.value.problem_mark or exc.value.context_mark
    assert (problems[0].line, problems[0].col) == (mark.line + 1, mark.column + 1)


def test_empty_value_in_a_flow_mapping_goes_to_the_pure_composer():
    with pytest.raises(fastyaml.Unavailable):
        fastyaml.compose("b: {x: ,}\n")


# --------------------------------------------------------------------------------------------- git
@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "rec"
    build_repo(root, [
        {"files": {"compose.yml": "v: 1\n", "dir/a.txt": "á\n"}, "tag": "1.0.0+1"},
        {"files": {"compose.yml": "v: 2\n", "light.txt": "x"}, "tag": "1.1.0+1", "annotated": False},
        {"branch": "feature", "from": "main", "files": {"compose.yml": "v: 3\n"}},
    ])
    return root


def show(root, spec):
    r = subprocess.run(["git", "-C", str(root), "show", spec], capture_output=True)
    return r.stdout.decode() if r.returncode == 0 else None


def test_batched_reads_match_git_show(repo):
    g = GitRepo.open(repo)
    for spec in ("1.0.0+1:compose.yml", "1.1.0+1:compose.yml", "feature:compose.yml", "main:light.txt",
                 "1.0.0+1:dir/a.txt", "HEAD:compose.yml"):
        rev, _, path = spec.partition(":")
        assert g.read(rev, path) == show(repo, spec), spec
    assert g.read("1.0.0+1", "light.txt") is None  # not there at that tag
    assert g.read("nosuchrev", "compose.yml") is None
    assert g.read("main", "dir") is None  # a directory is not a file
    assert g.read("main", "compose.yml") == "v: 2\n"  # the process is still good after misses


def test_refs_from_one_process_match_separate_queries(repo):
    g = GitRepo.open(repo)
    assert [(r.tag, r.version) for r in g.releases] == [("1.0.0+1", (1, 0, 0)), ("1.1.0+1", (1, 1, 0))]
    peeled = subprocess.run(["git", "-C", str(repo), "rev-parse", "1.0.0+1^{commit}", "1.1.0+1^{commit}"],
                            capture_output=True, text=True).stdout.split()
    assert [r.commit for r in g.releases] == peeled
    assert g.tags == {"1.0.0+1": True, "1.1.0+1": False}
    heads = subprocess.run(["git", "-C", str(repo), "rev-parse", "feature", "main"], capture_output=True,
                           text=True).stdout.split()
    assert [(b.name, b.commit) for b in g.branches] == [("feature", heads[0]), ("main", heads[1])]
    assert g.latest_release.tag == "1.1.0+1"


def test_open_finds_the_repository_at_the_root_only(repo, tmp_path):
    assert GitRepo.open(repo) is not None
    (repo / "sub").mkdir()
    assert GitRepo.open(repo / "sub") is None  # inside a repository, but not its top level
    assert GitRepo.open(tmp_path) is None


def _resolver_values():
    import random

    vals = ["", "~", "null", "Null", "NULL", "nulL", "true", "True", "TRUE", "tRUE", "false", "yes", "no", "on",
            "y", "n", "0", "-0", "+1", "1_000", "0755", "0o755", "0o", "08", "0b101", "0b", "0x1F", "0x", "0xg",
            "1.", "1.5", ".5", "-.5", "+.5e+3", ".5e3", "1e3", "1E-3", "1.e3", "_1", "1__", "-_", "+", "-", ".",
            ".inf", "-.inf", "+.Inf", ".INF", ".nan", "-.nan", ".NaN", "<<", "=", "2024-01-02", "2024-1-2 3:04:05",
            "2024-01-02T03:04:05.5Z", "2024-01-02 03:04:05 +01:00", "2024-01-02t03:04:05-1", "12:30", "1:2:3",
            "3.8", "3.8.1", "v1", "1.24.2-rootless", "${X}", "0.0.0.0", "1e", "e3", "1_0.0_1", "-1_2e+1"]
    rng = random.Random(5)
    alphabet = "0123456789-+._eExXoObB:TtZ nNaAiIfF~<=lL "
    for _ in range(3000):
        vals.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))).strip() or "0")
    return vals


def test_our_yaml_1_2_resolver_agrees_with_ruamels_on_every_value():
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    theirs = VersionedResolver()
    wrong = [(v, fastyaml.resolve_plain(v), str(theirs.resolve(ScalarNode, v, (True, False))))
             for v in _resolver_values()
             if theirs.resolve(ScalarNode, v, (True, False)) != fastyaml.resolve_plain(v)]
    assert wrong == []
