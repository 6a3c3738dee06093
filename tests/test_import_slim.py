"""What a `check` loads: plain value classes that behave like the dataclasses they replace, and no
module on the check path that only rare paths need (docs/adr/0016-import-slim.md)."""

import ast
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recipelint.engine import MetaCode
from recipelint.model.compose import Label
from recipelint.model.envfile import EnvFile
from recipelint.model.yamlnode import Problem
from recipelint.record import sha256
from recipelint.rule import Example, Finding, Loc

ROOT = Path(__file__).resolve().parent.parent


def _finding(**kw):
    base = dict(code="B001", name="n", severity="error", category="recipe-defect", recipe="r", path="compose.yml",
                line=1, column=2, end_line=None, end_column=None, service=None, message="m", fix="f", probe=None)
    return Finding(**{**base, **kw})


def test_a_frozen_record_compares_hashes_and_prints_like_a_frozen_dataclass():
    a, b = Loc("f", 1, 2), Loc("f", 1, 2, root="recipe")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Loc("f", 1, 3) and a != ("f", 1, 2, None, None, "recipe")
    assert repr(a) == "Loc(file='f', line=1, col=2, end_line=None, end_col=None, root='recipe')"
    assert Problem("E101", "x", 1, 1, "m") == Problem("E101", "x", 1, 1, "m")
    assert MetaCode("E001", "n", "error", "harness", "s", "w", "f").probe is None


def test_a_mutable_record_is_unhashable_and_its_default_containers_are_its_own():
    with pytest.raises(TypeError):
        hash(_finding())
    e1, e2 = Example(), Example()
    e1.files["a"] = "b"
    e1.expect.append((1, 1))
    assert e2.files == {} and e2.expect == [] and e1 != e2
    assert EnvFile(None).assigns == [] and EnvFile(None).assigns is not EnvFile(None).assigns


def test_a_finding_keeps_its_fields_as_its_dict():
    f = _finding(data={"x": 1})
    assert list(vars(f)) == list(Finding._fields)
    assert Finding(**vars(f)) == f
    assert Finding(**{**vars(f), "message": "other"}) != f
    assert f.data == {"x": 1} and _finding().data == {}


def test_records_survive_pickling_as_findings_do_between_sweep_workers():
    import pickle

    for obj in (_finding(data={"x": [1]}, node_id="services/app"), Loc("f", 1, 2, 3, 4, "overlay"),
                Problem("E101", "x", None, None, "m"), Example(compose="a: 1", expect=[(1, 1)])):
        back = pickle.loads(pickle.dumps(obj))
        assert back == obj and type(back) is type(obj)


def test_label_is_hashable_by_its_fields_and_not_by_identity():
    assert Label("k", None, None, "deploy") == Label("k", None, None, "deploy")
    assert {Label("k", None, None, "deploy"), Label("k", None, None, "deploy")} == {Label("k", None, None, "deploy")}


def test_the_builtin_sha256_gives_hashlibs_digests():
    for data in (b"", b"x", "services/db/\x1fB001".encode(), bytes(range(256)) * 40):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()


OWN = [ROOT / "recipelint" / n for n in ("record.py", "rule.py", "engine.py", "config.py", "suppress.py",
                                         "identity.py")] + \
    sorted((ROOT / "recipelint" / "report").glob("*.py")) + \
    [ROOT / "recipelint" / "model" / n for n in ("compose.py", "envfile.py", "recipe.py", "templates.py",
                                                 "yamlnode.py", "fastyaml.py", "claims.py", "overlay.py")] + \
    [p for p in sorted((ROOT / "rules").glob("*.py")) if p.name != "_schema.py"]
RARE = {"dataclasses", "typing", "inspect", "hashlib", "traceback", "textwrap", "difflib", "json"}


@pytest.mark.parametrize("path", OWN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_modules_on_the_check_path_import_rare_path_modules_only_inside_functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:  # module level only: an import inside a function runs when it is needed
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not {n.split(".")[0] for n in names} & RARE, f"{path.name}:{node.lineno} imports {names}"


PROG = """
import sys
from pathlib import Path
from recipelint import engine
from recipelint.model import Recipe
from recipelint.report import FORMATS
rules = [r for r in engine.discover() if not r.code.startswith("S")]
findings = engine.run(Recipe.load(Path(sys.argv[1])), rules)
FORMATS["text"](findings, roots={}, recipes=[])
print(sorted(m for m in ("typing", "hashlib", "traceback", "textwrap", "recipelint.model.overlay")
             if m in sys.modules))
"""


def _modules_after_check(recipe: Path) -> str:
    r = subprocess.run([sys.executable, "-c", PROG, str(recipe)], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


COMPOSE = "version: '3.8'\nservices:\n  app:\n    image: nginx:1.27.3\n"


def test_a_check_without_overlay_tests_loads_neither_the_overlay_reader_nor_rare_path_modules(tmp_path):
    (tmp_path / "compose.yml").write_text(COMPOSE)
    assert _modules_after_check(tmp_path) == "[]"


def test_a_check_with_a_tests_folder_loads_the_overlay_reader(tmp_path):
    (tmp_path / "compose.yml").write_text(COMPOSE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("def test_app():\n    assert 'nginx' in 'nginx:1.27.3'\n")
    assert _modules_after_check(tmp_path) == "['recipelint.model.overlay']"


YAML_PROG = """
import re, sys
real = re.compile
from recipelint.model.fastyaml import compose
root = compose("a: 1\\nb: [x, 2001-12-14]\\n")
import yaml
print(re.compile is real, type(yaml.reader.Reader.NON_PRINTABLE).__name__)
print(yaml.safe_load("a: yes\\nb: 2001-12-14\\nc: 0x1F\\nd: ~\\ne: 1.5\\n"))
try:
    yaml.safe_load("a: \\x07")
except yaml.reader.ReaderError as exc:
    print("ReaderError", exc.character == 7)
print(root.value[1][1].value[1].tag)
"""


def test_pyyaml_regexes_compile_on_first_use_and_pyyamls_own_api_still_works():
    r = subprocess.run([sys.executable, "-c", YAML_PROG], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "True _LazyPattern",
        "{'a': True, 'b': datetime.date(2001, 12, 14), 'c': 31, 'd': None, 'e': 1.5}",
        "ReaderError True",
        "tag:yaml.org,2002:timestamp",
    ]


CLI_PROG = """
import sys
from recipelint.cli import run
try:
    run()
except SystemExit:
    pass
print(sorted(m for m in ("hashlib", "tempfile") if m in sys.modules), file=sys.stderr)
"""


def test_a_result_cache_hit_needs_neither_openssl_nor_tempfile(tmp_path):
    rec = tmp_path / "app"
    rec.mkdir()
    (rec / "compose.yml").write_text(COMPOSE)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", CLI_PROG, "check", str(rec), "--ignore", "S"], capture_output=True,
                           text=True, cwd=ROOT, env=env) for _ in range(2)]
    assert [r.stderr.strip().splitlines()[-1] for r in runs] == ["['tempfile']", "[]"]  # a miss writes, a hit reads
    assert runs[0].stdout == runs[1].stdout
    assert list((tmp_path / "cache" / "recipelint" / "results").rglob("*.json"))


def test_a_services_mounts_filerefs_and_config_sources_are_built_once_and_handed_out_as_copies(tmp_path):
    from recipelint.model import Recipe

    (tmp_path / "compose.yml").write_text(
        "version: '3.8'\nservices:\n  app:\n    image: nginx:1.27.3\n    volumes:\n      - data:/data\n"
        "    configs:\n      - source: conf\n        target: /etc/app.conf\n    secrets:\n      - pw\n"
        "volumes:\n  data:\nconfigs:\n  conf:\n    file: app.conf\nsecrets:\n  pw:\n    external: true\n")
    (tmp_path / "app.conf").write_text("x = 1\n")
    recipe = Recipe.load(tmp_path)
    view = recipe.default
    svc = view.services["app"]
    first, again = svc.mounts, svc.mounts
    assert first == again and first is not again and [(m.source, m.target) for m in first] == [("data", "/data")]
    first.clear()
    assert len(svc.mounts) == 1
    refs = svc.filerefs()
    assert [(r.kind, r.source, r.target) for r in refs] == [("config", "conf", "/etc/app.conf"),
                                                           ("secret", "pw", "/run/secrets/pw")]
    assert [r.source for r in svc.filerefs("secret")] == ["pw"] and svc.filerefs() is not svc.filerefs()
    src = recipe.config_source(view, "config", "conf")
    assert (src.file, src.text, src.external) == ("app.conf", "x = 1\n", False)
    assert recipe.config_source(view, "config", "conf") is src
    assert recipe.config_source(view, "secret", "pw").external and recipe.config_source(view, "config", "x") is None
