from recipelint.rule import WARNING, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import inside
from recipelint_rules._traefik import enable_label, parse


class TraefikLabelsWithoutEnable(Rule):
    code = "P004"
    name = "traefik-labels-without-enable"
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "A service has Traefik routers or services but no traefik.enable=true."
    why = """
    The Co-op Cloud traefik recipe runs Traefik with `exposedByDefault: false`: it only routes
    services that carry `traefik.enable=true` in their `deploy.labels`. Router and service labels
    on a service without it are silently ignored, so the domain answers 404. It usually happens
    when labels are split between compose.yml and an overlay and the enable label stayed behind.
    An explicit `traefik.enable=false`, or one that is only unresolved interpolation, is left alone.
    """
    fix = """
    Add `traefik.enable=true` to the same service's `deploy.labels`.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            if enable_label(svc) is not None:
                continue
            tl = [t for t in parse(recipe, svc) if t.section in ("routers", "services")]
            if not tl:
                continue
            t = min(tl, key=lambda t: (t.label.key_node.line or 0, t.label.key_node.col or 0))
            yield self.finding(inside(t.label.key_node),
                               f"service '{svc.name}' has Traefik {t.section[:-1]} labels but no traefik.enable=true; "
                               "Co-op Cloud's Traefik (exposedByDefault: false) ignores them", service=svc.name)

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
  worker:
    image: busybox:1.36
    deploy:
      labels:
        - "traefik.http.middlewares.${STACK_NAME}-auth.basicauth.users=${USERS}"
""", note="enabled service; a service that only defines a middleware"),
    ]
    invalid = [
        Example(files={"compose.yml": """\
services:
  app:
    image: nginx:1.27
""", "compose.web.yml": """\
services:
  app:
    deploy:
      labels:
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
"""}, env='COMPOSE_FILE="compose.yml:compose.web.yml"\n', expect=[("compose.web.yml", 5, 12)],
            note="the overlay adds routing but not the enable label"),
    ]
