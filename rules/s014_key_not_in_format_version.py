from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class KeyNotInFormatVersion(Rule):
    code = "S014"
    name = "key-not-in-format-version"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = 'A key the Compose Specification allows but compose file format "3.8" (what `docker stack deploy` checks) does not.'
    why = """
    The Compose Specification grows keys for `docker compose` (`cpus`, `mem_reservation`, `pids_limit`,
    `platform`, healthcheck `start_interval`, `deploy.resources.limits.pids`...), so a generic schema
    check passes them. docker/cli's stack loader instead validates each file against the 3.x schema its
    `version` names, with no room for unknown keys: a `version: "3.8"` file that uses one fails to
    deploy with "Additional property ... is not allowed", and abra, which deploys the same way, fails
    too. The finding points at the key and, where Swarm has one, names the equivalent. Only files that
    say `version: "3.8"` (the Co-op Cloud standard) are checked; the key lists are data in
    `schemas/swarm-overlay.schema.json` (service, `deploy`, `resources`, `healthcheck`, long port and
    volume syntax). A key the compose-spec does not know either is S003's, and a
    key docker forbids outright is S013's.
    """
    fix = """
    Use the Swarm equivalent under `deploy` (`deploy.resources.limits.cpus` for `cpus`,
    `deploy.resources.reservations.memory` for `mem_reservation`), or remove the key.
    """

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    init: true
    x-note: extensions are fine
    healthcheck:
      test: ["CMD", "true"]
      start_period: 30s
    deploy:
      resources:
        limits:
          cpus: "0.5"
          memory: 512M
""", note="keys of format 3.8"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    cpus: 0.5
""", note="only files that say version 3.8 are checked against its key list"),
    ]
    invalid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    cpus: 0.5
    healthcheck:
      test: ["CMD", "true"]
      start_interval: 5s
    deploy:
      resources:
        limits:
          pids: 100
""", expect=[(5, 5), (8, 7), (12, 11)], note="service, healthcheck and resource keys, at each key"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    ports:
      - target: 80
        published: 8080
        host_ip: 127.0.0.1
    volumes:
      - type: volume
        source: tools
        target: /opt/tools
        image:
          subpath: bin
volumes:
  tools:
""", expect=[(8, 9), (13, 9)], note="long port and volume syntax"),
    ]
