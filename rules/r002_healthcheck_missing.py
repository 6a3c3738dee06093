from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._abra import service_anchor, services_by_name


class HealthcheckMissing(Rule):
    code = "R002"
    name = "healthcheck-missing"
    severity = WARNING  # abra: warn
    category = RECIPE_DEFECT
    probe = None
    summary = "A service has no `healthcheck:` (abra R002)."
    why = """
    Swarm only knows a task is up when its healthcheck passes. Without one, a container counts as
    running the moment its process starts: `abra app deploy` reports success while the app is still
    migrating or has crashed into a restart loop, rolling updates move on before the new task serves,
    and Traefik routes requests to a task that cannot answer yet. abra's `recipe lint` wants a
    healthcheck on every service. A service counts as covered when any compose file of the recipe gives
    it one (an overlay may add it), and `healthcheck: {disable: true}` counts as a deliberate choice.
    """
    fix = """
    Add a `healthcheck:` with a `test:` that proves the service answers (e.g. `["CMD", "curl", "-f",
    "http://localhost:8080/health"]`, `pg_isready`, `redis-cli ping`), plus `interval`, `timeout`,
    `retries` and a `start_period` long enough for first-start migrations.
    """

    def check(self, recipe):
        for name, pairs in services_by_name(recipe).items():
            if any(svc.node.get("healthcheck") is not None for _, svc in pairs):
                continue
            svc = pairs[0][1]
            yield self.finding(service_anchor(svc), f"service '{name}' has no healthcheck", service=name)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 30s
"""),
        Example(files={"compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n',
                       "compose.health.yml": 'version: "3.8"\nservices:\n  app:\n    healthcheck:\n'
                                             '      disable: true\n'},
                note="an overlay adds it (here: disabled on purpose)"),
    ]
    invalid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
  db:
    image: postgres:15.4
""", expect=[(7, 3)], note="the database has none"),
    ]
