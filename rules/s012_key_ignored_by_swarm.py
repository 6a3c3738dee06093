from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._schema import schema_findings


class KeyIgnoredBySwarm(Rule):
    code = "S012"
    name = "key-ignored-by-swarm"
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "A service key that `docker stack deploy` ignores (container_name, build, depends_on, restart, links...)."
    why = """
    The Compose Specification serves `docker compose` and Swarm alike, so its schema accepts keys that
    a stack deploy never applies: docker's stack loader lists `build`, `cgroup_parent`,
    `cgroupns_mode`, `devices`, `domainname`, `external_links`, `ipc`, `links`, `mac_address`,
    `network_mode`, `pid`, `privileged`, `restart`, `security_opt`, `shm_size` and `userns_mode` as
    unsupported, and `container_name` and `expose` as deprecated; its converter never reads
    `depends_on` or the service-level `tmpfs`. A recipe that relies on one (a start order, a
    privileged container, a shared /dev/shm size) behaves differently from what its author expects,
    with only a line on stderr at deploy time. The finding points at the key and says what swarm does
    instead. The list is data: `schemas/swarm-overlay.schema.json`.
    """
    fix = """
    Remove the key, or use what swarm offers: `deploy.restart_policy` for `restart`, a healthcheck or a
    wait loop in the entrypoint for `depends_on`, a `type: tmpfs` entry under `volumes` for `tmpfs` and
    `shm_size`, networks and service names for `links`.
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
      restart_policy:
        condition: on-failure
    volumes:
      - type: tmpfs
        target: /dev/shm
"""),
    ]
    invalid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    container_name: web
    restart: unless-stopped
    depends_on:
      - db
  db:
    image: postgres:16
""", expect=[(5, 5), (6, 5), (7, 5)], note="each ignored key, reported at the key"),
    ]
