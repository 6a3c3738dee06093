from recipelint.rule import HARNESS, INFO, Example, Rule
from recipelint_rules._overlay_helpers import unverifiable_asserts


class OverlayNotVerifiable(Rule):
    code = "T003"
    name = "overlay-not-verifiable"
    severity = INFO
    category = HARNESS
    probe = None
    summary = "Overlay tests assert images or services, but there is no release tag to check them against."
    why = """
    T001 and T002 compare what overlay tests assert about images and services with the
    recipe's latest release tag, its main branch and its unmerged branches. A recipe directory
    without `.git` (an exported copy) or a clone without tags (`git clone --depth 1`, a CI
    checkout that skips tags) gives them nothing to compare with, so they stay silent. This
    note says so, once per test file, at the first assert they would have checked, so a clean
    run is not mistaken for a checked one.
    """
    fix = """
    Lint a full clone of the recipe with its tags (`git fetch --tags`), or tag a release if the
    recipe has none yet.
    """

    def check(self, recipe):
        seen = set()
        facts = unverifiable_asserts(recipe)
        why = "has no git repository" if recipe.git is None else "has no release tag"
        for fact in facts:
            key = (fact.file.root_kind, fact.file.rel)
            if key in seen:
                continue
            seen.add(key)
            n = sum(1 for f in facts if (f.file.root_kind, f.file.rel) == key)
            yield self.finding(fact, f"{n} assert(s) about images or services in this file cannot be checked "
                                     f"against a release: the recipe {why}", data={"asserts": n})

    _TEST = """\
def test_app_image(stack):
    image = stack.image_of("app")
    assert image == "example/app:1.0"
"""
    _COMPOSE = "services:\n  app:\n    image: example/app:1.0\n"

    valid = [
        Example(compose=_COMPOSE, history=[{"files": {"compose.yml": _COMPOSE}, "tag": "1.0.0+1.0"}],
                overlay={"test_app.py": _TEST}, note="a tagged repository: T001 can check"),
        Example(compose=_COMPOSE, overlay={"test_app.py": "def test_ok(stack):\n    assert stack.ok\n"},
                note="no image or service asserts"),
    ]
    invalid = [
        Example(compose=_COMPOSE, overlay={"test_app.py": _TEST}, expect=[("example/test_app.py", 3, 5)],
                note="no git repository"),
        Example(history=[{"files": {"compose.yml": _COMPOSE}}], overlay={"test_app.py": _TEST},
                expect=[("example/test_app.py", 3, 5)], note="git, but no release tag"),
    ]
