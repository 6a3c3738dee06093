from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import inside
from recipelint_rules._traefik import enable_label, enabled, first, groups, parse


class TraefikPortMissing(Rule):
    code = "P003"
    name = "traefik-port-missing"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "Traefik routing is enabled, but no loadbalancer.server.port tells Traefik where the app listens."
    why = """
    With Docker Compose, Traefik can guess the port a container exposes; in Swarm mode it cannot:
    Swarm tells it nothing about ports. A service with `traefik.enable=true` and no
    `traefik.<protocol>.services.<name>.loadbalancer.server.port` label makes Traefik log "port
    is missing" and skip the service entirely, routers included, so the domain answers 404 although
    the app is healthy. The same holds for each service defined with loadbalancer settings but no
    port.
    """
    fix = """
    Add `traefik.http.services.${STACK_NAME}.loadbalancer.server.port=<the port the app listens on>`
    to the service's `deploy.labels` (and point its routers at that service).
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            if enabled(recipe, svc) is not True:
                continue
            tl = parse(recipe, svc)
            services = groups(tl, "services")
            if not services:
                yield self.finding(inside(enable_label(svc).key_node),
                                   f"service '{svc.name}' enables Traefik but defines no "
                                   "traefik.<protocol>.services.<name>.loadbalancer.server.port; in Swarm mode "
                                   "Traefik cannot find the port and skips the service", service=svc.name)
                continue
            for (proto, name), labels in services.items():
                opts = {t.option for t in labels}
                if "loadbalancer.server.port" in opts or any(o.startswith(("weighted.", "mirroring."))
                                                              for o in opts):
                    continue
                yield self.finding(inside(first(labels).label.key_node),
                                   f"service '{svc.name}': {proto} service '{name}' has no "
                                   "loadbalancer.server.port; in Swarm mode Traefik cannot find the port and "
                                   "skips the service", service=svc.name, data={"service": name})

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=${APP_PORT}"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.passhostheader=true"
  worker:
    image: busybox:1.36
    deploy:
      labels:
        - "traefik.enable=${WORKER_ROUTED}"
""", note="a port given (even as a variable); an enable value that is only a variable is left alone"),
        Example(compose="""\
services:
  db:
    image: postgres:16
    deploy:
      labels:
        traefik.enable: "false"
""", note="routing switched off"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}.entrypoints=web-secure"
""", expect=[(6, 12)], note="routing on, no port anywhere"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        traefik.enable: "true"
        traefik.http.services.web.loadbalancer.server.port: "80"
        traefik.http.services.admin.loadBalancer.sticky.cookie: "true"
""", expect=[(8, 9)], note="a second service with loadbalancer settings but no port"),
    ]
