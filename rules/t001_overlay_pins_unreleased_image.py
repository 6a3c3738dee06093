from recipelint.rule import ERROR, STALE_TEST, Example, Rule
from recipelint_rules._overlay_helpers import stale_asserts


class OverlayPinsUnreleasedImage(Rule):
    code = "T001"
    name = "overlay-pins-unreleased-image"
    severity = ERROR
    category = STALE_TEST
    probe = "stale-overlay"
    summary = "An overlay test asserts an image that the recipe's latest release does not deploy."
    why = """
    The canonical sweep deploys a recipe's latest release tag and runs its cc-ci overlay tests
    against it. A test that asserts an image reference (`image == IMG`,
    `image.startswith(IMG)`, `"bitnamilegacy" not in image`) which only holds on an unmerged
    branch, on unreleased main, or nowhere, fails every sweep by construction: it reads like a
    deploy or upgrade failure while the recipe is fine. This is the seed's discourse: release
    0.8.1+3.5.0 runs bitnamilegacy/discourse:3.5.0, and the overlay asserted the official
    discourse/discourse:3.5.3 image of a not-yet-merged migration. The finding names where the
    asserted image does exist, read from git with each revision's own .env.sample.
    """
    fix = """
    Keep the assertion with the change it tests: move it to the branch's own tests, or gate it
    on the deployed version; once the change is merged and released, the assertion can return
    to the overlay. For a test pinned to an old image, update it to the release's image.
    """

    def check(self, recipe):
        for v in stale_asserts(recipe, "image"):
            yield self.finding(v.fact, v.message(), data=v.data())

    _COMPOSE_V1 = """\
services:
  app:
    image: ${IMAGE:-example/app}:1.0
  db:
    image: postgres:15
"""
    _COMPOSE_V2 = """\
services:
  app:
    image: ${IMAGE:-example/app}:2.0
  db:
    image: postgres:15
"""
    _ENV = "IMAGE=example/app\n"
    _HISTORY = [
        {"files": {"compose.yml": _COMPOSE_V1, ".env.sample": _ENV}, "tag": "1.0.0+1.0"},
        {"branch": "upgrade-2", "files": {"compose.yml": _COMPOSE_V2}},
    ]

    valid = [
        Example(history=_HISTORY, overlay={"test_upgrade.py": """\
APP_IMAGE = "example/app:1.0"


def test_app_image(stack):
    image = stack.image_of("app")
    assert image == APP_IMAGE
    assert "postgres" not in image
"""}, note="asserts what the release deploys (through a constant and the env default)"),
        Example(history=_HISTORY, overlay={"test_misc.py": """\
def test_homepage(stack):
    body = stack.get("/")
    assert "example/app:2.0" not in body
    assert body.startswith("https://example.org/app")
"""}, note="strings compared with a response body, not with an image"),
        Example(history=_HISTORY, overlay={"test_upgrade.py": """\
import pytest

NEW = "example/app:2.0"


@pytest.mark.skipif("not config.getoption('--head')")
def test_head_image(stack):
    assert stack.image_of("app") == NEW


def test_version_gated(stack):
    image = stack.image_of("app")
    if stack.version >= (2, 0):
        assert image == NEW
"""}, note="asserts that may not run against the release (skipif, an if)"),
        Example(overlay={"test_upgrade.py": """\
def test_app_image(stack):
    assert stack.image_of("app") == "example/app:2.0"
"""}, compose=_COMPOSE_V1, note="no git history: nothing to compare against (T003 says so)"),
    ]
    invalid = [
        Example(history=_HISTORY, overlay={"test_upgrade.py": """\
NEW = "example/app:2.0"


def test_runs_new_image(stack):
    image = stack.image_of("app")
    assert image.startswith(NEW)
    assert image == "example/app:1.0"
"""}, expect=[("example/test_upgrade.py", 6, 5)], note="the image only exists on branch upgrade-2"),
        Example(history=_HISTORY + [{"branch": "main", "files": {"compose.yml": _COMPOSE_V2}}],
                overlay={"test_upgrade.py": """\
def test_runs_new_image(stack):
    img = stack.image_of("app")
    assert ":1.0" not in img, "still on 1.0"
"""}, expect=[("example/test_upgrade.py", 3, 5)], note="merged to main but not released: negative form"),
    ]
