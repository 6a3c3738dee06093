"""Per-rule fixture recipes of the network family (fixtures/rules/N00x/valid-*/ and invalid-*/).

Every folder must be listed here with the exact N findings it gives, so a new fixture cannot
slip in untested and a valid one cannot start firing."""

from pathlib import Path

import pytest

from recipelint import engine
from recipelint.model import Recipe

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "rules"

# folder -> [(code, path, line, col, caller, bare name, target, network)]
EXPECTED = {
    "N001/invalid-caddy-plain-file": [
        ("N001", "caddy/Caddyfile", 4, 21, "caddy", "app", "app", "proxy"),  # reverse_proxy @api app:3000
        ("N001", "caddy/Caddyfile", 9, 14, "caddy", "app", "app", "proxy"),  # to http://app:3001
    ],
    "N001/invalid-nginx-bind-mount-web": [
        ("N001", "nginx/default.conf", 6, 27, "frontend", "web", "web", "proxy"),  # proxy_pass http://web:8080
    ],
    "N001/invalid-env-and-command": [
        ("N001", "compose.yml", 7, 28, "app", "app", "app", "proxy"),  # WEBHOOK_URL naming itself
        ("N001", "compose.yml", 11, 57, "worker", "queue", "queue", "proxy"),  # amqp://guest:guest@queue
        ("N001", "compose.yml", 11, 82, "worker", "app", "app", "proxy"),  # "app:8000" argument
    ],
    "N001/invalid-env-sample-value": [
        # {{ env "UPSTREAM" }} is `app` in .env.sample; {{ env "NOT_IN_SAMPLE" }} stays unknown
        ("N001", "Caddyfile.tmpl", 2, 16, "caddy", "app", "app", "traefik_public"),
    ],
    "N001/valid-stack-qualified": [],
    "N001/valid-longer-words": [],
    "N001/valid-internal-caller": [],
    "N002/invalid-db-host": [
        ("N002", "compose.yml", 6, 17, "app", "db", "db", "proxy"),
        ("N002", "compose.yml", 7, 27, "app", "cache", "cache", "proxy"),
    ],
    "N002/invalid-fastcgi": [
        ("N002", "site.conf.tmpl", 5, 22, "web", "php", "php", "proxy"),
    ],
    "N002/valid-qualified": [],
}


def _folders():
    return sorted(p.parent.relative_to(FIXTURES).as_posix()
                  for p in FIXTURES.glob("N*/*/compose.yml"))


def test_every_fixture_is_listed():
    assert _folders() == sorted(EXPECTED)
    for name in EXPECTED:
        kind = name.split("/")[1].split("-")[0]
        assert kind in ("valid", "invalid")
        assert (EXPECTED[name] == []) == (kind == "valid")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    recipe = Recipe.load(FIXTURES / name)
    assert recipe.default.services, "the fixture did not load"
    findings = engine.run(recipe, engine.discover())
    assert [f for f in findings if f.code.startswith("E")] == []
    got = [(f.code, f.path, f.line, f.column, f.service, f.data["name"], f.data["target"], f.data["network"])
           for f in findings if f.code.startswith("N")]
    assert got == EXPECTED[name]
    for f in findings:
        if f.code.startswith("N"):
            assert f.data["caller"] == f.service
            line = (FIXTURES / name / f.path).read_text().splitlines()[f.line - 1]
            written = line[f.column - 1:f.end_column - 1]
            assert written == f.data["name"] or written.startswith("{{"), (f.path, f.line, written)
