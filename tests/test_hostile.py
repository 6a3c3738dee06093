"""Hostile input: every case has a decided behaviour, and none crashes, hangs or leaves the recipe.

Each case runs the real CLI in a subprocess. The subprocess timeout is a hang guard (a case that
does not finish in 10 s fails), not a timing assertion. Findings are compared by exact code and
position from `--format json`.

Decided behaviours (see also recipelint/model/yamlnode.py, recipe.py, overlay.py):

- YAML that nests deeper than 100 levels, or whose aliases expand to more than 100,000 nodes, is
  not read: E106 at the node where the bound was crossed.
- A recipe file over 512 KiB is not read: E106 naming the size and the limit.
- Invalid UTF-8: E104 at the first bad byte; the rest of the file is still checked (U+FFFD).
- A BOM and CRLF line ends change no position.
- Tabs: E101 at the tab. Duplicate keys: E102 at the second key, naming the first's line and column.
- YAML tags never construct anything: a tagged value is read as the plain data under the tag.
- A top level that is not a mapping: E105. `services: null` and labels of odd types: no crash.
- A symlink that leaves the recipe is never followed (E104); a symlinked directory is never
  descended. COMPOSE_FILE entries with `..` or absolute paths are never read (I001 names them).
- A recipe path that is a file: exit 2 with one line. A directory or FIFO where a file is
  expected: E104, and a FIFO is never opened.
- A broken git repository: the recipe is linted as a plain directory (no release to compare with).
- Templates with unbalanced `{{` and values with unbalanced `${` are left as they are.
- Overlay tests: a syntax error is E103 at its position, NUL bytes E103 at the first NUL, a file over
  1,500 lines or 512 KiB is E106 and not parsed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recipelint.model import Recipe
from recipelint.model.envfile import interpolate
from recipelint.model.templates import template_refs
from recipelint.model.yamlnode import load_yaml
from recipelint.testing import build_repo, write_files

ROOT = Path(__file__).resolve().parent.parent
HANG_GUARD = 10  # seconds: a case still running then has hung

OK = "services:\n  app:\n    image: nginx:1.27\n"


def lint(tmp_path: Path, *args, no_cache: bool = False):
    """Run `recipelint check --format json` on args; return (exit code, findings, stderr)."""
    cmd = [sys.executable, "-c", "from recipelint.cli import run; run()", "check", "--format", "json"]
    if no_cache:
        cmd.append("--no-cache")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "_cache")}
    try:
        r = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, cwd=ROOT, env=env,
                           timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        pytest.fail(f"recipelint check {' '.join(map(str, args))} hung (still running after {HANG_GUARD} s)")
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 1, 2), (r.returncode, r.stderr)
    findings = json.loads(r.stdout)["findings"] if r.returncode in (0, 1) else []
    assert not [f for f in findings if f["code"] in ("E001", "E002")], findings  # no rule crashed
    return r.returncode, findings, r.stderr


def at(findings, *codes):
    """(code, path, line, column) of the findings with these codes."""
    return sorted((f["code"], f["path"], f["line"], f["column"]) for f in findings if f["code"] in codes)


def make(tmp_path: Path, files: dict, name: str = "rec") -> Path:
    d = tmp_path / name
    d.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return d


# ----------------------------------------------------------------------------------------- YAML

def test_billion_laughs_is_bounded(tmp_path):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    d = make(tmp_path, {"compose.yml": "\n".join(lines) + "\nservices:\n  app:\n    image: x\n    labels: *a9\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1
    assert at(findings, "E106") == [("E106", "compose.yml", 1, 18)]
    assert "aliases expand to more than 100000 nodes" in next(f["message"] for f in findings if f["code"] == "E106")


def test_recursive_alias_is_bounded(tmp_path):
    d = make(tmp_path, {"compose.yml": "x: &a [*a]\nservices:\n  app:\n    image: x\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E106") == [("E106", "compose.yml", 1, 4)]


def test_a_few_aliases_are_fine():
    node, problems = load_yaml("x: &c {image: a, labels: {k: v}}\nservices:\n  a: *c\n  b:\n    <<: *c\n", "c.yml")
    assert problems == []
    assert node.find("services", "b", "labels", "k").text == "v"


@pytest.mark.parametrize("shape,prefix,opener,closer", [
    ("flow-seq", "    labels: ", "[", "]"),
    ("flow-map", "    deploy: ", "{a: ", "}"),
])
def test_nesting_20000_deep_is_refused_where_it_crosses_100(tmp_path, shape, prefix, opener, closer):
    body = prefix + opener * 20000 + ("1" if shape == "flow-map" else "") + closer * 20000
    d = make(tmp_path, {"compose.yml": OK + body[len("    "):].join(["    ", "\n"])})
    rc, findings, _ = lint(tmp_path, d)
    # levels: document 1, services 2, app 3, so opener n is level n + 3. The first node at level 101
    # is opener 98 of a sequence, and the key `a` inside opener 97 of a mapping.
    col = len(prefix) + 1 + (97 if shape == "flow-seq" else 96 * len(opener) + 1)
    assert rc == 1 and at(findings, "E106") == [("E106", "compose.yml", 4, col)]


def test_block_nesting_20000_deep_is_refused(tmp_path):
    d = make(tmp_path, {"compose.yml": OK + "x:\n" + "- " * 20000 + "v\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E106") == [("E106", "compose.yml", 5, 199)]


def test_depth_bound_is_the_same_on_both_composers():
    """libyaml (texts that cannot nest deep) and ruamel (the rest) refuse at the same node."""
    shallow = "a: " + "[" * 150 + "]" * 150 + "\n"  # few indicators: libyaml when installed
    deep = "a: " + "[" * 20000 + "]" * 20000 + "\n"  # many: ruamel, bounded by max_depth
    p1, p2 = load_yaml(shallow, "c.yml")[1], load_yaml(deep, "c.yml")[1]
    assert [(p.code, p.line, p.col) for p in p1] == [(p.code, p.line, p.col) for p in p2] == [("E106", 1, 103)]


def test_file_of_50_mib_is_not_read(tmp_path):
    d = make(tmp_path, {"compose.yml": OK})
    with open(d / "compose.yml", "r+b") as fh:
        fh.truncate(50 * 1024 * 1024)  # the compose text, then zeros up to 50 MiB
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E106") == [("E106", "compose.yml", None, None)]
    assert not at(findings, "I001")  # it is there, just not read: not "missing"
    msg = next(f["message"] for f in findings if f["code"] == "E106")
    assert "50.0 MiB" in msg and "512 KiB" in msg


def test_invalid_utf8_is_reported_at_the_byte_and_the_rest_is_checked(tmp_path):
    d = make(tmp_path, {"compose.yml": b"services:\n  app:\n    image: ngi\xff\xfenx\n    image: again\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1
    assert at(findings, "E104", "E102", "I001") == [("E102", "compose.yml", 4, 5), ("E104", "compose.yml", 3, 15)]


def test_invalid_utf8_in_env_sample(tmp_path):
    d = make(tmp_path, {"compose.yml": OK, ".env.sample": b"TYPE=rec\nX=\xff\nCOMPOSE_FILE=compose.yml:gone.yml\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert at(findings, "E104", "I001") == [("E104", ".env.sample", 2, 3), ("I001", ".env.sample", 3, 26)]


def test_bom_and_crlf_change_no_position(tmp_path):
    compose = "services:\n  app:\n    image: nginx:1.27\n    image: twice\n    labels:\n      - a=b\n      - a=c\n"
    env = "COMPOSE_FILE=compose.yml:compose.gone.yml\nTYPE=rec\n"
    plain = make(tmp_path, {"compose.yml": compose, ".env.sample": env}, "plain")
    crlf = make(tmp_path, {"compose.yml": b"\xef\xbb\xbf" + compose.replace("\n", "\r\n").encode(),
                           ".env.sample": b"\xef\xbb\xbf" + env.replace("\n", "\r\n").encode()}, "crlf")
    _, f1, _ = lint(tmp_path, plain)
    _, f2, _ = lint(tmp_path, crlf)
    key = sorted((f["code"], f["path"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in f1)
    assert key == sorted((f["code"], f["path"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in f2)
    # the BOM does not hide the first assignment of .env.sample
    assert ("I001", ".env.sample", 1, 26) in at(f2, "I001")
    assert at(f2, "E102") == [("E102", "compose.yml", 4, 5)]


def test_tabs(tmp_path):
    d = make(tmp_path, {"compose.yml": "services:\n\tapp:\n\t\timage: x\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E101") == [("E101", "compose.yml", 2, 1)]
    assert "'\\t'" in next(f["message"] for f in findings if f["code"] == "E101")


def test_duplicate_keys_report_both_positions(tmp_path):
    d = make(tmp_path, {"compose.yml": "services:\n  app:\n    image: a\n    image: b\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E102") == [("E102", "compose.yml", 4, 5)]
    assert "first at line 3, column 5" in next(f["message"] for f in findings if f["code"] == "E102")


def test_nul_byte_in_yaml(tmp_path):
    d = make(tmp_path, {"compose.yml": "services:\n  app:\n    image: a\x00b\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E101") == [("E101", "compose.yml", 3, 13)]


def test_yaml_tags_never_construct_or_execute(tmp_path):
    marker = tmp_path / "PWNED"
    d = make(tmp_path, {"compose.yml": (
        f"services:\n  app: !!python/object/apply:os.system ['touch {marker}']\n"
        f"  b:\n    image: !!python/name:os.system\n    labels: !!python/object:os.system {{a: b}}\n"
        f"    environment: !!python/object/new:subprocess.Popen [['touch', '{marker}']]\n"
        f"    command: !custom x\n    x: !!binary aGVsbG8=\n")})
    rc, _, _ = lint(tmp_path, d)
    assert rc == 1 and not marker.exists()
    node, _ = load_yaml((d / "compose.yml").read_text(), "compose.yml")

    def plain_types(v):
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain_types(x) for k, x in v.items())
        if isinstance(v, list):
            return all(plain_types(x) for x in v)
        return v is None or isinstance(v, (str, int, float, bool))

    assert plain_types(node.plain())
    assert node.find("services", "b", "image").text == ""  # `!!python/name:os.system` tags an empty scalar
    assert node.find("services", "b", "command").text == "x"  # an unknown tag: the text stays
    assert not marker.exists()


# ----------------------------------------------------------------------------------------- shapes

def test_top_level_list(tmp_path):
    d = make(tmp_path, {"compose.yml": "- services\n- app\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E105") == [("E105", "compose.yml", 1, 1)]


@pytest.mark.parametrize("compose", [
    "services: null\n", "services:\n", "services: []\n", "services: 3\n", "services:\n  app:\n  b: 3\n  c: [1]\n",
    "", "---\n", "# only a comment\n", "~\n",
])
def test_services_of_odd_shapes(tmp_path, compose):
    d = make(tmp_path, {"compose.yml": compose})
    rc, findings, _ = lint(tmp_path, d)
    assert rc in (0, 1)
    r = Recipe.load(d)
    assert r.default.services == {}


ODD_LABELS = """\
services:
  app:
    image: x
    labels:
      - 3
      - null
      - [a]
      - {a: b}
      - =x
      - "backupbot.backup=true"
    deploy:
      labels: 5
  b:
    image: x
    labels: {1: 2, null: 3, true: x, a: [1], b: {c: d}, backupbot.backup.pre-hook: 7, ? [k] : v}
    deploy: [1]
  c:
    image: x
    deploy: {labels: [1, null, "traefik.enable"]}
    labels: ''
  d:
    image: x
    environment: [3, null, "A", "=B", {x: y}]
    networks: [1, null, {a: b}]
    volumes: [3, null, {}, {target: null}, ":", "a:b:c:d"]
    secrets: [1, {source: 3}, {}]
    configs: [null, {source: null}, {target: 3}]
    ports: [null, {published: null}, {}]
    command: {a: 1}
    entrypoint: 4
    healthcheck: 3
volumes: [1]
networks: 3
configs: {a: 1, b: null, c: {file: null}, d: {file: 3}, e: {file: ../../../etc/passwd}}
secrets: [x]
"""


def test_labels_and_values_of_odd_types(tmp_path):
    d = make(tmp_path, {"compose.yml": ODD_LABELS, ".env.sample": "TYPE=rec\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1
    r = Recipe.load(d)
    for _view, svc in r.services():
        for key, label in svc.labels.items():
            assert isinstance(key, str)
            assert label.key_node.line is not None and label.key_node.col is not None
        svc.mounts, svc.filerefs(), svc.environment, svc.networks, list(svc.command_nodes())  # noqa: B018
    labels = Recipe.load(d).default.services["app"].labels
    assert labels["backupbot.backup"].value == "true"
    assert (labels["backupbot.backup"].key_node.line, labels["backupbot.backup"].key_node.col) == (10, 10)


# ----------------------------------------------------------------------------------------- paths

def test_symlinks_that_leave_the_recipe_are_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yml").write_text("services: {app: {image: x}}\nSECRET-MARKER: [\n")
    (outside / "compose.inner.yml").write_text("services: {app: {image: x}}\nINNER-MARKER: [\n")
    d = make(tmp_path, {"compose.yml": OK, ".env.sample": "TYPE=rec\nCOMPOSE_FILE=compose.yml:compose.link.yml\n"})
    os.symlink(outside / "secret.yml", d / "compose.link.yml")
    os.symlink(outside / "secret.yml", d / "compose.other.yml")
    os.symlink(outside, d / "dir")  # a directory symlink: never descended
    os.symlink(d, d / "loop")  # a loop: never descended
    os.symlink(d / "compose.yml", d / "compose.inside.yml")  # inside the recipe: followed
    rc, findings, err = lint(tmp_path, d)
    assert rc == 1
    assert at(findings, "E104") == [("E104", "compose.link.yml", None, None), ("E104", "compose.other.yml", None, None)]
    assert all("outside the recipe; not followed" in f["message"] for f in findings if f["code"] == "E104")
    text = json.dumps(findings)
    assert "MARKER" not in text and "compose.inner.yml" not in text and "E101" not in text
    r = Recipe.load(d)
    assert "compose.inside.yml" in r.compose_files and r.yaml("compose.inside.yml") is not None
    assert not any(f.startswith(("dir/", "loop/")) for f in r.files)


def test_compose_file_entries_outside_the_recipe_are_never_read(tmp_path):
    outside = tmp_path / "outside.yml"
    outside.write_text("OUTSIDE-MARKER: [\n")
    rel = os.path.relpath(outside, tmp_path / "rec")
    env = f"TYPE=rec\nCOMPOSE_FILE=compose.yml:{rel}:{outside}:sub/../../{rel}\n"
    d = make(tmp_path, {"compose.yml": OK, ".env.sample": env})
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1
    c1 = len("COMPOSE_FILE=compose.yml:") + 1
    c2 = c1 + len(rel) + 1
    c3 = c2 + len(str(outside)) + 1
    assert at(findings, "I001") == [("I001", ".env.sample", 2, c) for c in (c1, c2, c3)]
    assert "MARKER" not in json.dumps(findings) and not at(findings, "E101")
    r = Recipe.load(d)
    assert r.read(rel) is None and r.read(str(outside)) is None and r.read("/etc/passwd") is None


def test_config_file_outside_the_recipe_is_never_read(tmp_path):
    d = make(tmp_path, {"compose.yml": OK + "configs:\n  c:\n    file: ../../../../../../../etc/passwd\n"
                                          "  d:\n    file: /etc/passwd\n  e:\n    file: sub/../../../etc/passwd\n"})
    r = Recipe.load(d)
    for name in "cde":
        assert r.config_source(r.default, "config", name).text is None
    rc, findings, _ = lint(tmp_path, d)
    assert "root:" not in json.dumps(findings)


def test_recipe_path_that_is_a_file(tmp_path):
    f = tmp_path / "compose.yml"
    f.write_text(OK)
    rc, _, err = lint(tmp_path, f)
    assert rc == 2 and err == f"recipelint: error: {f}: not a directory\n"


def test_recipe_path_that_does_not_exist(tmp_path):
    rc, _, err = lint(tmp_path, tmp_path / "nope")
    assert rc == 2 and err == f"recipelint: error: {tmp_path / 'nope'}: not a directory\n"


def test_directory_where_a_file_is_expected(tmp_path):
    d = make(tmp_path, {"compose.yml": OK})
    (d / ".env.sample").mkdir()
    (d / "abra.sh").mkdir()
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1
    assert at(findings, "E104") == [("E104", ".env.sample", None, None), ("E104", "abra.sh", None, None)]
    assert all("is a directory, not a regular file" in f["message"] for f in findings if f["code"] == "E104")


def test_fifo_is_never_opened(tmp_path):
    d = make(tmp_path, {"compose.yml": OK})
    os.mkfifo(d / ".env.sample")
    os.mkfifo(d / "compose.fifo.yml")
    (tmp_path / "ov" / "rec").mkdir(parents=True)
    os.mkfifo(tmp_path / "ov" / "rec" / "test_fifo.py")
    # --no-cache: the result cache (recipelint/cache.py) hashes every file and is not part of this check
    os.mkfifo(d / "compose.yml.fifo")
    (d / "compose.yml").unlink()
    (d / "compose.yml.fifo").rename(d / "compose.yml")  # the default compose file itself is a FIFO
    rc, findings, _ = lint(tmp_path, d, "--overlay", tmp_path / "ov", no_cache=True)
    assert rc == 1 and not at(findings, "I001")
    assert ("E104", "compose.yml", None, None) in at(findings, "E104")
    assert at(findings, "E104") == [("E104", ".env.sample", None, None), ("E104", "compose.fifo.yml", None, None),
                                    ("E104", "compose.yml", None, None), ("E104", "rec/test_fifo.py", None, None)]


# ----------------------------------------------------------------------------------------- other sources

@pytest.mark.parametrize("breakage", ["garbage-head", "gitfile-nowhere", "objects-deleted", "empty-dotgit"])
def test_broken_git_repository(tmp_path, breakage):
    d = tmp_path / "rec"
    if breakage == "objects-deleted":
        build_repo(d, [{"files": {"compose.yml": OK, ".env.sample": "TYPE=rec\n"}, "tag": "1.0.0+1.27"}])
        for p in (d / ".git" / "objects").rglob("*"):
            if p.is_file():
                p.unlink()
    else:
        write_files(d, {"compose.yml": OK, ".env.sample": "TYPE=rec\n"})
        if breakage == "garbage-head":
            (d / ".git" / "objects").mkdir(parents=True)
            (d / ".git" / "HEAD").write_text("garbage\n")
        elif breakage == "gitfile-nowhere":
            (d / ".git").write_text("gitdir: /nonexistent/recipelint\n")
        else:
            (d / ".git").mkdir()
    write_files(tmp_path / "ov" / "rec", {"test_image.py": "def test_a():\n    assert image == 'nginx:1.27'\n"})
    rc, findings, _ = lint(tmp_path, d, "--overlay", tmp_path / "ov")
    assert rc in (0, 1)
    assert ("T003", "rec/test_image.py", 2, 5) in at(findings, "T003")  # no readable release to check against


def test_template_with_unbalanced_braces(tmp_path):
    tmpl = 'a {{ env "X" \nb {{ secret "y" }} {{\n{{ {{ }}\nc }} {{ env "Z" }}\n'
    refs = template_refs(tmpl)
    assert [(r.fn, r.arg, r.line, r.col) for r in refs] == [("secret", "y", 2, 3), ("env", "Z", 4, 6)]
    d = make(tmp_path, {"compose.yml": OK.replace("1.27\n", "1.27\n    configs: [{source: c, target: /c}]\n")
                        + "configs:\n  c:\n    file: c.tmpl\n    template_driver: golang\n", "c.tmpl": tmpl})
    rc, _, _ = lint(tmp_path, d)
    assert rc == 1


def _in_subprocess(code: str) -> str:
    """Run ``code`` in a fresh interpreter under the hang guard; return its stdout."""
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=HANG_GUARD,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung (still running after {HANG_GUARD} s): {code[:200]}")
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_many_unclosed_template_actions_take_linear_time():
    """Regression: a line of 30,000 `{{` without `}}` made the action regex rescan the line from each."""
    out = _in_subprocess(
        "from recipelint.model.templates import template_refs\n"
        "print(len(template_refs('{{ env ' * 30000 + '\\n' + '}} {{ ' * 30000 + '\\n' + '{{ env \"X\" }}\\n')))")
    assert out == "1\n"


def test_many_unclosed_interpolations_take_linear_time():
    """Regression: 90,000 `${A:-` without `}` made the interpolation regex rescan the text from each."""
    out = _in_subprocess(
        "from recipelint.model.envfile import interpolate, variables_in\n"
        "t = '${A:-' * 90000\n"
        "print(interpolate(t, {}) == t, variables_in(t + ' $B'))")
    assert out == "True ['B']\n"


@pytest.mark.parametrize("text,expected", [
    ("x${A", "x${A"), ("${", "${"), ("$", "$"), ("${A:-${B}", "1"), ("${:-x}", "${:-x}"),
    ("a}${A}b", "a}1b"), ("${A:-", "${A:-"), ("$$", "$"), ("${A:?}", "1"),
])
def test_unbalanced_interpolation_is_left_as_is(text, expected):
    assert interpolate(text, {"A": "1"}) == expected


def test_unbalanced_dollar_brace_in_a_recipe(tmp_path):
    d = make(tmp_path, {"compose.yml": "services:\n  app:\n    image: x${A\n    environment:\n      - A=${B\n",
                        ".env.sample": "A=${B\nB=${\nCOMPOSE_FILE=${COMPOSE_FILE:-compose.yml\n"})
    rc, _, _ = lint(tmp_path, d)
    assert rc == 1


def _overlay_case(tmp_path, name, content):
    d = make(tmp_path, {"compose.yml": OK, ".env.sample": "TYPE=rec\n"})
    p = tmp_path / "ov" / "rec" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return lint(tmp_path, d, "--overlay", tmp_path / "ov")


def test_overlay_test_with_a_syntax_error(tmp_path):
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", "def test_x():\n    assert image == (\n")
    assert rc == 1 and at(findings, "E103") == [("E103", "rec/test_x.py", 2, 21)]  # the unclosed bracket
    assert "'(' was never closed" in next(f["message"] for f in findings if f["code"] == "E103")


def test_overlay_test_with_nul_bytes(tmp_path):
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", "def test_x():\n    assert image == 'a'\x00\n")
    assert rc == 1 and at(findings, "E103") == [("E103", "rec/test_x.py", 2, 24)]
    assert "NUL" in next(f["message"] for f in findings if f["code"] == "E103")


def test_overlay_test_of_400000_lines(tmp_path):
    text = "def test_x():\n" + "".join(f"    assert image == 'nginx:{i}'\n" for i in range(400_000))
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", text)
    assert rc == 1 and at(findings, "E106") == [("E106", "rec/test_x.py", None, None)]


def test_overlay_test_just_over_the_line_limit(tmp_path):
    text = "".join(f"X{i} = 'a'\n" for i in range(10_001))
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", text)
    assert at(findings, "E106") == [("E106", "rec/test_x.py", None, None)]
    assert "10001 lines, over the 10000" in next(f["message"] for f in findings if f["code"] == "E106")


def test_overlay_test_at_the_line_limit_all_asserts_is_analysed(tmp_path):
    """The worst case that is still parsed: 10,000 lines, every one an assert the reader must walk."""
    text = "def test_x():\n" + "".join(f"    assert image == 'nginx:{i}'\n" for i in range(9_999))
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", text)
    t003 = [f for f in findings if f["code"] == "T003"]
    assert not at(findings, "E106") and [(f["path"], f["line"], f["column"]) for f in t003] == [
        ("rec/test_x.py", 2, 5)]
    assert "9999 assert(s)" in t003[0]["message"]


def test_yaml_just_under_the_size_limit_crafted_to_defeat_libyaml(tmp_path):
    """10,001 brackets in a scalar make the depth bound too high for libyaml, so the whole file goes
    through the pure-Python parser: the slowest input the size limit still admits."""
    body = "      - a\n" * 51_000
    d = make(tmp_path, {"compose.yml": "services:\n  app:\n    image: a" + "[" * 10_001 + "\n    dns:\n" + body
                        + "    image: again\n"})
    assert (d / "compose.yml").stat().st_size < 512 * 1024
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and not at(findings, "E101", "E104", "E106")
    assert at(findings, "E102") == [("E102", "compose.yml", 51_005, 5)]  # read to its last line


def test_depth_bound():
    from recipelint.model.yamlnode import _depth_bound

    assert _depth_bound(OK) < 300
    assert _depth_bound("x:\n" + "  - a\n" * 100_000) < 300
    assert _depth_bound("x: " + "- " * 20_000 + "v\n") > 10_000
    assert _depth_bound("x: " + "[" * 20_000 + "]" * 20_000) > 10_000


def test_overlay_test_invalid_utf8(tmp_path):
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", b"def test_x():\n    assert image == '\xff'\n")
    assert at(findings, "E104") == [("E104", "rec/test_x.py", 2, 22)]


def test_overlay_test_symlink_out_of_the_overlay_root(tmp_path):
    secret = tmp_path / "elsewhere.py"
    secret.write_text("def test_x():\n    assert image == 'LEAKED-MARKER'\n")
    d = make(tmp_path, {"compose.yml": OK, ".env.sample": "TYPE=rec\n"})
    (tmp_path / "ov" / "rec").mkdir(parents=True)
    os.symlink(secret, tmp_path / "ov" / "rec" / "test_link.py")
    rc, findings, _ = lint(tmp_path, d, "--overlay", tmp_path / "ov")
    assert at(findings, "E104") == [("E104", "rec/test_link.py", None, None)]
    assert "LEAKED-MARKER" not in json.dumps(findings)


DEEP_PYTHON = {
    # shape: (source of the assert's right-hand side, where E106 is reported)
    "parentheses": ("(" * 30_000 + "1" + ")" * 30_000, (2, 221)),  # CPython: too many nested parentheses
    "or-chain": (" or ".join(["a == 'x'"] * 30_000), (2, 12)),  # libcst nests `or` once per operand
    "string-concatenation": (" ".join(["'a'"] * 30_000), (2, 21)),
    "not-chain": ("(" + "not " * 1_400 + "a)", (2, 410)),
    "binary-chain": ("+".join(["1"] * 1_400), (2, 2_627)),  # the operand 100 levels down the left-nested chain
    "deep-and-a-syntax-error": ("(" + "not " * 1_400 + "a) +", (2, 5_626)),  # E103 from Python, not libcst
}


@pytest.mark.parametrize("shape", sorted(DEEP_PYTHON))
def test_overlay_test_nested_too_deep_for_libcst(tmp_path, shape):
    """Regression: libcst segfaulted (exit 139, no report at all) on 1,500 nested parentheses or a 30,000-term
    `or`, and its visitors raised RecursionError on ~1,000-deep chains. Deep code is now E106, not parsed."""
    rhs, (line, col) = DEEP_PYTHON[shape]
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", f"def test_x():\n    assert image == {rhs}\n")
    code = "E103" if shape == "deep-and-a-syntax-error" else "E106"
    assert rc == 1 and at(findings, "E103", "E106") == [(code, "rec/test_x.py", line, col)]


def test_overlay_test_nested_within_bounds_is_analysed(tmp_path):
    rhs = "(" * 60 + "'nginx:1.27'" + ")" * 60 + " or " + " or ".join(["x == 'a'"] * 30)
    rc, findings, _ = _overlay_case(tmp_path, "test_x.py", f"def test_x():\n    assert image == {rhs}\n")
    assert not at(findings, "E103", "E106") and at(findings, "T003") == [("T003", "rec/test_x.py", 2, 5)]


def test_file_over_the_size_limit_in_a_release_is_not_read(tmp_path):
    d = tmp_path / "rec"
    big = OK + "x: '" + "a" * (600 * 1024) + "'\n"
    build_repo(d, [{"files": {"compose.yml": big, ".env.sample": "TYPE=rec\n"}, "tag": "1.0.0+1.27"},
                   {"files": {"compose.yml": OK}}])
    r = Recipe.load(d)
    old = r.at("1.0.0+1.27")
    assert old.yaml("compose.yml") is None and r.yaml("compose.yml") is not None
    assert [(p.code, p.file, p.line) for p in old.problems] == [("E106", "compose.yml", None)]
    assert "at 1.0.0+1.27 is 0.6 MiB" in old.problems[0].message


def _cli_raw(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "_cache")}
    env.pop("RECIPELINT_DEBUG", None)
    try:
        return subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", *map(str, args)],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung: {args}")


def test_output_into_a_missing_directory_is_one_line(tmp_path):
    """Regression: `-o /missing/dir/out` printed a FileNotFoundError traceback (exit 1)."""
    d = make(tmp_path, {"compose.yml": OK})
    out = tmp_path / "missing" / "out.txt"
    r = _cli_raw(tmp_path, "check", d, "-o", out)
    assert r.returncode == 2 and r.stderr == f"recipelint: error: {out}: No such file or directory\n"


def test_config_file_that_is_not_utf8_is_one_line(tmp_path):
    """Regression: a --config file with invalid UTF-8 printed a UnicodeDecodeError traceback."""
    d = make(tmp_path, {"compose.yml": OK})
    cfg = tmp_path / "bad.toml"
    cfg.write_bytes(b"\xff\xfe[tool.recipelint]\n")
    r = _cli_raw(tmp_path, "check", d, "--config", cfg)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("recipelint: ")
