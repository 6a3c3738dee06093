from recipelint.rule import ERROR, STALE_TEST, Example, Rule
from recipelint_rules._overlay_helpers import stale_asserts


class OverlayAssertsUnreleasedServices(Rule):
    code = "T002"
    name = "overlay-asserts-unreleased-services"
    severity = ERROR
    category = STALE_TEST
    probe = "stale-overlay"
    summary = "An overlay test asserts services that the recipe's latest release does not have (or lacks)."
    why = """
    The canonical sweep deploys the latest release tag. An overlay test asserting that a
    service is present or gone (`"sidekiq" not in services`, `"worker" in services`,
    `set(services) == {...}`) where that only holds on an unmerged branch, on unreleased main,
    or nowhere, fails on every sweep by construction. The seed's discourse overlay asserted
    that sidekiq was dropped, which only the unmerged official-image migration does: release
    0.8.1+3.5.0 still runs app, db, redis and sidekiq. The finding names where the asserted
    set of services does exist.
    """
    fix = """
    Keep the assertion with the change that adds or drops the service (the branch's own tests),
    or make it depend on the deployed version; return it to the overlay once that change is
    released. For a test left behind by an older release, update it to the release's services.
    """

    def check(self, recipe):
        for v in stale_asserts(recipe, "services"):
            yield self.finding(v.fact, v.message(), data=v.data())

    _COMPOSE = """\
services:
  app:
    image: example/app:1.0
  worker:
    image: example/app:1.0
  db:
    image: postgres:15
"""
    _HISTORY = [
        {"files": {"compose.yml": _COMPOSE}, "tag": "1.0.0+1.0"},
        {"branch": "drop-worker", "files": {"compose.yml": _COMPOSE.replace(
            "  worker:\n    image: example/app:1.0\n", "")}},
    ]

    valid = [
        Example(history=_HISTORY, overlay={"test_services.py": """\
EXPECTED = {"app", "worker", "db"}


def test_services(stack):
    services = stack.services()
    assert "db" in services
    assert set(services) == EXPECTED
    assert "sidekiq" not in services
"""}, note="holds at the release"),
        Example(history=_HISTORY, overlay={"test_page.py": """\
def test_page(stack):
    text = stack.get("/services")
    assert "worker" not in text
"""}, note="the runtime side is a page, not a list of services"),
    ]
    invalid = [
        Example(history=_HISTORY, overlay={"test_services.py": """\
def test_worker_dropped(stack):
    services = stack.services()
    assert "worker" not in services
    assert {"app", "db"} <= set(services)
"""}, expect=[("example/test_services.py", 3, 5)], note="only true on branch drop-worker"),
        Example(history=_HISTORY, overlay={"test_services.py": """\
def test_services(stack):
    svc_names = sorted(stack.services())
    assert svc_names == ["app", "db", "cache"]
"""}, expect=[("example/test_services.py", 3, 5)], note="a set that exists nowhere"),
    ]
