"""abra `recipe lint` parity (R001-R015, R013 out of scope).

The abra-clean fixture (fixtures/git/abra-clean) satisfies every abra rule and must get no R finding;
each mutation of it must then bring exactly the abra rule it breaks, at the node that breaks it. The
seed fixtures stay focused on their seed defects: no R finding there either.
"""

import importlib.util
import shutil
from pathlib import Path

import pytest

from recipelint import engine
from recipelint.model import Recipe
from recipelint.model.git import GitRepo
from recipelint.testing import build_repo

ROOT = Path(__file__).resolve().parent.parent
RULES = engine.discover()
R_RULES = [r for r in RULES if r.code.startswith("R")]

# abra's own table (pkg/lint, `LintRules`): warn -> warning, critical -> error. R013 (the recipe's repository
# exists on git.coopcloud.tech) needs the network and is out of scope.
ABRA_LEVELS = {
    "R001": "warning", "R002": "warning", "R003": "warning", "R004": "warning", "R005": "warning",
    "R006": "warning", "R007": "warning", "R008": "error", "R009": "error", "R010": "error", "R011": "error",
    "R012": "error", "R014": "error", "R015": "warning",
}


def _history():
    spec = importlib.util.spec_from_file_location("fixtures_build", ROOT / "fixtures" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load_history("abra-clean")


def _r(findings):
    return sorted((f.code, f.path, f.line, f.column) for f in findings if f.code.startswith("R"))


def _build(tmp_path, history=None, edit=None):
    """The abra-clean recipe as a git repository; ``edit(files)`` changes the tree before it is committed."""
    steps = [dict(s, files=dict(s["files"])) for s in (history or _history())]
    if edit:
        edit(steps[-1]["files"])
    repo = tmp_path / "abra-clean"
    build_repo(repo, steps)
    return repo


def _run(path):
    recipe = Recipe.load(path)
    return recipe, engine.run(recipe, RULES)


def test_the_catalogue_has_abras_codes_and_levels():
    assert {r.code: r.severity for r in R_RULES} == ABRA_LEVELS
    assert "R013" not in {r.code for r in RULES}, "R013 needs the network: documented as out of scope"
    parity = (ROOT / "docs" / "abra-parity.md").read_text()
    for code in list(ABRA_LEVELS) + ["R013"]:
        assert f"| {code} |" in parity
    assert "out of scope" in parity.split("| R013 |", 1)[1].split("\n", 1)[0]


def test_the_abra_clean_recipe_gets_no_r_finding(tmp_path):
    recipe, findings = _run(_build(tmp_path))
    assert sorted(recipe.default.services) == ["app", "db"]
    assert recipe.latest_release.tag == "0.1.0+1.27.3" and recipe.git.tags == {"0.1.0+1.27.3": True}
    assert recipe.read("README.md") and recipe.abra["NGINX_CONF_VERSION"].value == "v1"
    assert _r(findings) == []
    assert [f for f in findings if f.severity == "error"] == [], "and nothing else is wrong with it"


def test_the_abra_clean_recipe_without_git_gets_no_r_finding(tmp_path):
    built = _build(tmp_path / "git")
    plain = tmp_path / "plain" / "abra-clean"
    shutil.copytree(built, plain, ignore=shutil.ignore_patterns(".git"))
    recipe, findings = _run(plain)
    assert recipe.git is None and recipe.default.services
    assert _r(findings) == []


def _replace(path, old, new):
    def edit(files):
        assert files[path].count(old) == 1, (path, old)
        files[path] = files[path].replace(old, new)
    return edit


def _drop(path):
    def edit(files):
        del files[path]
    return edit


MUTATIONS = {
    "compose version 3.7": (_replace("compose.yml", 'version: "3.8"', 'version: "3.7"'),
                            [("R001", "compose.yml", 2, 10)]),
    "db without healthcheck": (_replace("compose.yml", '    healthcheck:\n      test: ["CMD", "pg_isready", "-U", "app"]\n'
                                                       '      interval: 30s\n      timeout: 10s\n      retries: 5\n', ""),
                               [("R002", "compose.yml", 30, 3)]),
    "untagged image": (_replace("compose.yml", "image: nginx:1.27.3", "image: nginx"),
                       [("R003", "compose.yml", 6, 12)]),
    "latest tag": (_replace("compose.yml", "image: nginx:1.27.3", "image: nginx:latest"),
                   [("R004", "compose.yml", 6, 12)]),
    "major-only tag": (_replace("compose.yml", "image: postgres:16.6", "image: postgres:16"),
                       [("R005", "compose.yml", 31, 12)]),
    "empty metadata field": (_replace("README.md", "* **Backups**: No", "* **Backups**:"),
                             [("R007", "README.md", 13, 3)]),
    "no README": (_drop("README.md"), [("R007", "README.md", None, None)]),
    # without .env.sample the secret's version is set nowhere any more: R012 follows R008
    "no .env.sample": (_drop(".env.sample"), [("R008", ".env.sample", None, None), ("R012", "compose.yml", 67, 37)]),
    "main service renamed": (_replace("compose.yml", "\n  app:\n", "\n  web:\n"), [("R009", "compose.yml", 4, 1)]),
    "traefik not enabled": (_replace("compose.yml", '        - "traefik.enable=true"\n', ""),
                            [("R010", "compose.yml", 5, 3)]),
    "db without image": (_replace("compose.yml", "    image: postgres:16.6\n", ""), [("R011", "compose.yml", 30, 3)]),
    "config version not vendored": (_replace("abra.sh", "export NGINX_CONF_VERSION=v1\n", ""),
                                    [("R012", "compose.yml", 61, 36)]),
    "long secret name": (_replace("compose.yml", "  db_password:\n    external", "  database_password:\n    external"),
                         [("R015", "compose.yml", 65, 3)]),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_broken_abra_rule_fires_alone_at_its_node(tmp_path, name):
    edit, expected = MUTATIONS[name]
    _, findings = _run(_build(tmp_path, edit=edit))
    assert _r(findings) == sorted(expected)


def test_r006_and_r014_read_the_tags(tmp_path):
    steps = _history()
    untagged = [{k: v for k, v in s.items() if k != "tag"} for s in steps]
    _, findings = _run(_build(tmp_path / "a", history=untagged))
    assert _r(findings) == [("R006", ".", None, None)]
    light = steps + [{"files": {"CHANGELOG.md": "0.1.1: docs\n"}, "tag": "0.1.1+1.27.3", "annotated": False}]
    recipe, findings = _run(_build(tmp_path / "b", history=light))
    assert recipe.git.tags == {"0.1.0+1.27.3": True, "0.1.1+1.27.3": False}
    assert _r(findings) == [("R014", ".", None, None)]
    assert "'0.1.1+1.27.3'" in next(f.message for f in findings if f.code == "R014")


def test_r015_explains_the_composed_length(tmp_path):
    _, findings = _run(_build(tmp_path, edit=MUTATIONS["long secret name"][0]))
    f = next(f for f in findings if f.code == "R015")
    # 45 (longest stack name) + 1 + 17 + 1 + len("v1") = 66 > Docker's 64
    assert f.data == {"secret": "database_password", "composed_length": 66}
    assert "17 characters (abra allows 12)" in f.message and "66 characters, over Docker's limit of 64" in f.message


def test_git_tags_tell_annotated_from_lightweight(tmp_path):
    repo = tmp_path / "r"
    build_repo(repo, [{"files": {"a": "1\n"}, "tag": "1.0.0+1"}, {"files": {"a": "2\n"}, "tag": "wip", "annotated": False}])
    assert GitRepo.open(repo).tags == {"1.0.0+1": True, "wip": False}


SEEDS = sorted(p.name for p in (ROOT / "fixtures" / "recipes").iterdir() if p.is_dir())


@pytest.mark.parametrize("name", SEEDS)
def test_the_seed_fixtures_are_abra_clean(name):
    recipe, findings = _run(ROOT / "fixtures" / "recipes" / name)
    assert recipe.default.services
    assert _r(findings) == []


def test_the_discourse_seed_is_abra_clean(tmp_path):
    spec = importlib.util.spec_from_file_location("fixtures_build", ROOT / "fixtures" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    repo = tmp_path / "discourse"
    build_repo(repo, mod.load_history("discourse"))
    recipe, findings = _run(repo)
    assert recipe.latest_release.tag == "0.8.1+3.5.0"
    assert _r(findings) == []
