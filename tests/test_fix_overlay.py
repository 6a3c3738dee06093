"""`recipelint fix --overlay`: T001/T002 autofix of stale overlay tests (libcst edits of the test file)."""

import shutil
from pathlib import Path

from test_fix import cli, tree_hash
from test_seed_discourse import _fixtures_build

from recipelint import engine
from recipelint.fix import FIXED, REFUSED, plan
from recipelint.model import Recipe
from recipelint.testing import build_repo

ROOT = Path(__file__).resolve().parent.parent
RULES = [r for r in engine.discover() if r.code in ("T001", "T002")]
SEED_TEST = "discourse/test_upgrade.py"


def seed(tmp_path):
    repo = tmp_path / "discourse"
    build_repo(repo, _fixtures_build().load_history("discourse"))
    overlay = tmp_path / "overlay"
    shutil.copytree(ROOT / "fixtures" / "overlay" / "discourse", overlay / "discourse")
    return repo, overlay


def stale(repo, overlay):
    r = Recipe.load(repo, overlay_root=overlay)
    return [(f.code, f.path, f.line) for f in engine.run(r, RULES)]


# ---------------------------------------------------------------- the seed: quarantine

def test_seed_diff_marks_the_two_stale_tests_and_writes_nothing(tmp_path):
    repo, overlay = seed(tmp_path)
    before = (tree_hash(repo), tree_hash(overlay))
    r = cli("fix", repo, "--overlay", overlay)
    assert (tree_hash(repo), tree_hash(overlay)) == before, "fix without --apply wrote something"
    assert r.returncode == 1
    assert r.stdout.startswith("--- a/discourse/test_upgrade.py\n+++ b/discourse/test_upgrade.py\n")
    added = [ln[1:] for ln in r.stdout.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    assert [ln for ln in r.stdout.splitlines() if ln.startswith("-") and not ln.startswith("---")] == []
    assert added[:2] == ["", "import pytest"]
    assert added.count("@pytest.mark.skip(") == 2
    assert "fix: discourse/test_upgrade.py:33:5: T001 fixed" in r.stderr
    assert "fix: discourse/test_upgrade.py:39:5: T002 fixed" in r.stderr
    assert "0 findings would remain" in r.stderr and "diff only, nothing written" in r.stderr


def test_seed_apply_skips_the_tests_and_check_is_clean(tmp_path):
    repo, overlay = seed(tmp_path)
    path = overlay / SEED_TEST
    old = path.read_text().splitlines(keepends=True)
    assert stale(repo, overlay) == [("T001", SEED_TEST, 33), ("T001", SEED_TEST, 34), ("T002", SEED_TEST, 39)]
    r = cli("fix", repo, "--overlay", overlay, "--apply")
    assert r.returncode == 0, r.stderr
    assert f"fix: wrote {overlay}/{SEED_TEST}" in r.stderr
    assert stale(repo, overlay) == []
    new = path.read_text().splitlines(keepends=True)
    # byte-identical apart from the inserted lines: the import after the stdlib block, one decorator a test
    assert new[:9] == old[:9] and new[9:11] == ["\n", "import pytest\n"] and new[11:32] == old[9:30]
    deco1 = new[32:38]
    assert deco1 == [
        "@pytest.mark.skip(\n",
        "    reason=\"recipelint T001: asserts the image of 'app' starts with 'discourse/discourse:3.5.3' \"\n",
        "           \"(OFFICIAL_IMAGE) and the image of 'app' does not contain 'bitnamilegacy' \"\n",
        "           \"(LEGACY_NAMESPACE), which only unmerged branch 'official-image' has; the latest release \"\n",
        "           \"0.8.1+3.5.0 deploys app: bitnamilegacy/discourse:3.5.0. Move the assert with that change.\"\n",
        ")\n"]
    assert new[38] == "def test_head_runs_official_image_not_bitnamilegacy(stack):\n"
    assert new[38:44] == old[30:36]
    assert new[44] == "@pytest.mark.skip(\n" and new[45].startswith("    reason=\"recipelint T002: asserts service "
                                                                    "'sidekiq' is not deployed")
    assert new[48] == ")\n" and new[49] == "def test_sidekiq_service_dropped_by_head(stack):\n"
    assert new[49:] == old[36:]
    # the reason is one Python string, and pytest reads it as a skip mark
    import ast

    tree = ast.parse(path.read_text())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_sidekiq"))
    reason = fn.decorator_list[0].keywords[0].value.value
    assert reason == ("recipelint T002: asserts service 'sidekiq' is not deployed, which only unmerged branch "
                      "'official-image' has; the latest release 0.8.1+3.5.0 deploys services {app, db, redis, "
                      "sidekiq}. Move the assert with that change.")


def test_fix_without_overlay_has_nothing_to_fix(tmp_path):
    repo, overlay = seed(tmp_path)
    r = cli("fix", repo)
    assert r.stdout == "" and "0 fixed" in r.stderr


# ---------------------------------------------------------------- small histories

COMPOSE = "services:\n  app:\n    image: example/app:{v}\n  db:\n    image: postgres:15\n{extra}"
WORKER = "  worker:\n    image: example/app:{v}\n"


def history(branch=False):
    steps = [
        {"files": {"compose.yml": COMPOSE.format(v="1.0", extra=WORKER.format(v="1.0"))}, "tag": "1.0.0+1.0"},
        {"files": {"compose.yml": COMPOSE.format(v="2.0", extra="")}, "tag": "2.0.0+2.0"},
    ]
    if branch:
        steps.append({"branch": "next", "files": {"compose.yml": COMPOSE.format(v="3.0", extra="")}})
    return steps


def make(tmp_path, test_text, branch=False, name="test_app.py"):
    repo = tmp_path / "example"
    build_repo(repo, history(branch))
    overlay = tmp_path / "overlay"
    (overlay / "example").mkdir(parents=True)
    (overlay / "example" / name).write_text(test_text)
    return Recipe.load(repo, overlay_root=overlay)


def fixed(recipe):
    p = plan(recipe, engine.run(recipe, RULES))
    out = [(o.finding.code, o.finding.line, o.status, o.note) for o in p.outcomes]
    return p, out


def test_older_release_constant_is_updated_to_the_release_image(tmp_path):
    text = ('"""Image pins."""\n\nAPP_IMAGE = \'example/app:1.0\'  # keep in step with the release\n\n\n'
            'def test_app_image(stack):\n    image = stack.image_of("app")\n    assert image == APP_IMAGE\n')
    r = make(tmp_path, text)
    p, out = fixed(r)
    assert out == [("T001", 8, FIXED, "updated in APP_IMAGE to the release 2.0.0+2.0: "
                                      "'example/app:1.0' -> 'example/app:2.0'")]
    assert p.overlay_new["example/test_app.py"] == text.replace("'example/app:1.0'", "'example/app:2.0'")
    assert p.relint(RULES) == []
    assert p.changed == [] and p.changed_overlay == ["example/test_app.py"]


def test_older_release_literals_in_the_assert_are_updated(tmp_path):
    text = ('def test_app_image(stack):\n    assert stack.image_of("app") == "example/app:1.0"\n\n\n'
            'def test_services(stack):\n    services = stack.services()\n'
            '    assert set(services) == {"app", "db", "worker"}\n')
    r = make(tmp_path, text)
    p, out = fixed(r)
    assert [o[:3] for o in out] == [("T001", 2, FIXED), ("T002", 7, FIXED)]
    assert p.overlay_new["example/test_app.py"] == text.replace('"example/app:1.0"', '"example/app:2.0"') \
        .replace('{"app", "db", "worker"}', '{"app", "db"}')
    assert p.relint(RULES) == []


def test_older_release_refusals(tmp_path):
    text = ('APP_IMAGE = "example/app:1.0"\n\n\n'
            'def test_deploys(stack):\n    stack.deploy(image=APP_IMAGE)\n'
            '    assert stack.image_of("app") == APP_IMAGE\n\n\n'
            'def test_prefix(stack):\n    assert stack.image_of("app").startswith("example/app:1.")\n\n\n'
            'def test_services(stack):\n    services = stack.services()\n'
            '    assert list(services) == ["worker", "app", "db"]\n')
    r = make(tmp_path, text)
    p, out = fixed(r)
    assert out == [
        ("T001", 6, REFUSED, "APP_IMAGE is also used at line 5; rewriting it would change that too - "
                             "update the test by hand"),
        ("T001", 10, REFUSED, "only an image equality (==) is rewritten; update this comparison by hand"),
        ("T002", 15, REFUSED, "a list of services in an order the release cannot tell; update it by hand"),
    ]
    assert not p.any_changed and p.diff() == ""


def test_branch_state_in_a_method_a_helper_and_at_module_level(tmp_path):
    text = ('import pytest as pt\n\nNEXT = "example/app:3.0"\n\nassert NEXT != "example/app:2.0" or True\n\n\n'
            'class TestUpgrade:\n    # the head image\n    def test_image(self, stack):\n'
            '        assert stack.image_of("app") == NEXT\n\n\n'
            'def _check(stack):\n    assert stack.image_of("app") == NEXT\n\n\n'
            'def test_uses_helper(stack):\n    _check(stack)\n')
    r = make(tmp_path, text, branch=True)
    p, out = fixed(r)
    assert [o[:3] for o in out] == [("T001", 11, FIXED), ("T001", 15, REFUSED)]
    assert out[1][3] == ("the assert is in '_check', which pytest does not collect as a test (a helper): marking "
                         "it would change nothing; skip the tests that call it by hand")
    new = p.overlay_new["example/test_app.py"]
    assert new == text.replace("    # the head image\n", "    # the head image\n    @pt.mark.skip(\n"
                               "        reason=\"recipelint T001: asserts the image of 'app' is 'example/app:3.0' (NEXT), "
                               "which only \"\n"
                               "               \"unmerged branch 'next' has; the latest release 2.0.0+2.0 deploys app: "
                               "example/app:2.0. \"\n"
                               "               \"Move the assert with that change.\"\n    )\n")
    assert [(f.code, f.line) for f in p.relint(RULES)] == [("T001", 20)]  # the helper's assert, 5 lines lower


def test_module_level_assert_is_refused(tmp_path):
    text = 'import pytest\n\nassert "example/app:3.0" == IMAGE\n'
    r = make(tmp_path, text.replace("IMAGE", "stack_image()"), branch=True)
    p, out = fixed(r)
    assert out == [("T001", 3, REFUSED, "a module-level assert runs when pytest imports the module: no test to "
                                        "mark (a module-wide skip would hide every test); move or fix the "
                                        "assert by hand")]


def test_import_goes_after_the_docstring_when_there_are_no_imports(tmp_path):
    text = '"""Head checks."""\n\n\ndef test_image(stack):\n    assert stack.image_of("app") == "example/app:3.0"\n'
    r = make(tmp_path, text, branch=True)
    p, out = fixed(r)
    new = p.overlay_new["example/test_app.py"]
    assert new.startswith('"""Head checks."""\n\nimport pytest\n\n\n@pytest.mark.skip(\n    reason="recipelint T001: ')
    assert new.endswith(text[len('"""Head checks."""\n\n'):])
    assert p.relint(RULES) == []


def test_a_stale_finding_is_refused_not_guessed(tmp_path):
    text = 'def test_image(stack):\n    assert stack.image_of("app") == "example/app:3.0"\n'
    r = make(tmp_path, text, branch=True)
    findings = engine.run(r, RULES)
    (tmp_path / "overlay" / "example" / "test_app.py").write_text("import pytest\n\n\n@pytest.mark.skip\n" + text)
    again = Recipe.load(r.root, overlay_root=r.overlay_root)
    p = plan(again, findings)
    assert [(o.status, o.note) for o in p.outcomes] == [
        (REFUSED, "the assert is no longer stale where the finding says (edited, or already skipped); re-run check")]


def test_crlf_and_bom_are_kept(tmp_path):
    text = '\ufeffimport json\r\n\r\n\r\ndef test_image(stack):\r\n    assert stack.image_of("app") == "example/app:3.0"\r\n'
    repo = tmp_path / "example"
    build_repo(repo, history(branch=True))
    overlay = tmp_path / "overlay"
    (overlay / "example").mkdir(parents=True)
    path = overlay / "example" / "test_app.py"
    path.write_bytes(text.encode("utf-8"))
    r = Recipe.load(repo, overlay_root=overlay)
    p = plan(r, engine.run(r, RULES))
    assert p.write_all() == [("overlay", "example/test_app.py")]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfimport json\r\n\r\nimport pytest\r\n\r\n\r\n@pytest.mark.skip(\r\n    reason=")
    assert raw.endswith(b'change."\r\n)\r\n' + text.encode()[len("\ufeffimport json\r\n\r\n\r\n".encode()):])
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert stale(repo, overlay) == []


def test_decorated_test_nested_function_and_fixture(tmp_path):
    text = ('import pytest\n\n\n@pytest.fixture\ndef head(stack):\n    assert stack.image_of("app") == "example/app:3.0"\n'
            '    return stack\n\n\n# parametrized\n@pytest.mark.parametrize("n", [1])\ndef test_nested(stack, n):\n'
            '    def inner():\n        assert stack.image_of("app") == "example/app:3.0"\n    inner()\n')
    r = make(tmp_path, text, branch=True)
    p, out = fixed(r)
    assert [o[:3] for o in out] == [("T001", 6, REFUSED), ("T001", 14, FIXED)]
    assert out[0][3] == ("the assert is in fixture 'head': marks do not apply to fixtures; skip the tests that "
                         "use it by hand")
    new = p.overlay_new["example/test_app.py"]
    # the skip goes above the first decorator, after the comment; the nested function's test is the one marked
    at = new.index("# parametrized\n@pytest.mark.skip(\n    reason=\"recipelint T001: ")
    assert new[:at] == text[:text.index("# parametrized")]
    assert new.endswith(")\n" + text[text.index("@pytest.mark.parametrize"):])
    assert [(f.code, f.line) for f in p.relint(RULES)] == [("T001", 6)]
