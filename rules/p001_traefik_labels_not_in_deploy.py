from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import inside
from recipelint_rules._knowledge import TRAEFIK_LABEL_PREFIX


class TraefikLabelsNotInDeploy(Rule):
    code = "P001"
    name = "traefik-labels-not-in-deploy"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "Traefik labels are on the container (`labels:`) instead of the service (`deploy.labels:`)."
    why = """
    In a compose file for Swarm, `labels:` puts labels on the containers and `deploy.labels:` puts
    them on the Swarm service. Traefik's provider in Swarm mode reads the service's labels only, so
    `traefik.enable`, routers and ports written under `labels:` are never seen: the app deploys
    and Traefik answers 404 for its domain. Docker Compose (non-Swarm) reads `labels:`, which is
    why examples copied from it put them there.
    """
    fix = """
    Move every `traefik.*` label from the service's `labels:` to its `deploy: labels:`.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            node = svc.node.get("labels")
            if node is None or not node.is_map:
                continue
            deploy = svc.node.find("deploy", "labels")
            in_deploy = set(deploy.value) if deploy is not None and deploy.is_map else set()
            for key, value in node.items():
                if key.startswith(TRAEFIK_LABEL_PREFIX) and key not in in_deploy:
                    yield self.finding(inside(value.key or value),
                                       f"service '{svc.name}': {key} is a container label; Traefik in Swarm mode "
                                       "reads only deploy.labels, so it never sees it", service=svc.name,
                                       data={"label": key})

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    labels:
      com.example.team: web
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
""", note="traefik labels under deploy.labels; other container labels are fine"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
    deploy:
      labels:
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
""", expect=[(5, 10), (6, 10)], note="copied from a docker-compose example"),
    ]
