from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class KeyRefusedBySwarm(Rule):
    code = "S013"
    name = "key-refused-by-swarm"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A service key that `docker stack deploy` refuses outright (extends, mem_limit, cpu_shares, volumes_from...)."
    why = """
    The Compose Specification accepts `extends`, `volume_driver`, `volumes_from`, `cpu_quota`,
    `cpu_shares`, `cpuset`, `mem_limit` and `memswap_limit`, so a generic schema check passes them.
    Docker's stack loader lists them as forbidden: the deploy stops with an error before any service
    is created. The finding points at the key and names the Swarm way to say the same thing.
    """
    fix = """
    Move resource limits to `deploy.resources.limits` (`memory: 512M`, `cpus: "0.5"`), define shared
    volumes at the top level and mount them in each service, and resolve `extends` by hand.
    """

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    deploy:
      resources:
        limits:
          memory: 512M
          cpus: "0.5"
"""),
    ]
    invalid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    mem_limit: 512m
    cpu_shares: 512
""", expect=[(5, 5), (6, 5)], note="reported at each key"),
    ]
