from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import inside, unresolved_only
from recipelint_rules._traefik import enabled, first, groups, parse


class TraefikRouterServiceUnresolved(Rule):
    code = "P002"
    name = "traefik-router-service-unresolved"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A Traefik router names a service no label defines, or names none while several are defined."
    why = """
    A router sends traffic to the service in its `...routers.<r>.service` label. Without a
    provider suffix (`api@internal`, `auth@file`), that name must be defined by a
    `traefik.<protocol>.services.<name>...` label, in the same protocol; a typo (`${STACK_NAME}-web`
    for `${STACK_NAME}_web`) leaves Traefik with a router whose service "does not exist", and the
    domain answers 404. A router with no `service` label uses the service defined on the same
    container; if that container defines several, Traefik cannot choose and drops the router.
    Names are compared after interpolation, with unknown variables kept as symbols; a value that is
    only unresolved interpolation is left alone.
    """
    fix = """
    Make the router's `service` label name a service defined by a `...services.<name>.loadbalancer`
    label (usually `${STACK_NAME}`), or add `@provider` when it lives elsewhere; when a container
    defines several services, give each of its routers a `service` label.
    """

    def check(self, recipe):
        parsed = {}
        defined: set[tuple[str, str]] = set()
        for view, svc in recipe.services():
            tl = parse(recipe, svc)
            parsed[(id(view), svc.name)] = (svc, tl)
            defined |= set(groups(tl, "services"))
        for svc, tl in parsed.values():
            if enabled(recipe, svc) is False:
                continue
            own = groups(tl, "services")
            for (proto, rname), labels in groups(tl, "routers").items():
                target = [t for t in labels if t.option == "service"]
                if target:
                    t = target[-1]
                    if not t.value or unresolved_only(t.value) or "@" in t.value or (proto, t.value) in defined:
                        continue
                    yield self.finding(inside(t.label.value_node),
                                       f"service '{svc.name}': {proto} router '{rname}' sends traffic to service "
                                       f"'{t.value}', which no traefik.{proto}.services label of this stack "
                                       "defines; Traefik drops the router", service=svc.name,
                                       data={"router": rname, "service": t.value})
                    continue
                mine = sorted(n for p, n in own if p == proto)
                if len(mine) > 1:
                    yield self.finding(inside(first(labels).label.key_node),
                                       f"service '{svc.name}': {proto} router '{rname}' has no service label, and "
                                       f"this service defines {len(mine)} ({', '.join(mine)}); Traefik cannot "
                                       "choose and drops the router", service=svc.name, data={"router": rname})

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}.service=${STACK_NAME}"
        - "traefik.http.routers.${STACK_NAME}-api.rule=Host(`api.${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}-api.service=api@internal"
        - "traefik.http.routers.${STACK_NAME}-x.rule=Host(`x.${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}-x.service=${X_SERVICE}"
""", note="symbolic names match; provider suffixes and unresolved values are left alone"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.routers.web.rule=Host(`example.com`)"
        - "traefik.http.services.web.loadbalancer.server.port=80"
        - "traefik.tcp.routers.ssh.rule=HostSNI(`*`)"
        - "traefik.tcp.services.ssh.loadbalancer.server.port=22"
""", note="one service per protocol: routers without a service label get it"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${STACK_NAME}_web.loadbalancer.server.port=80"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}.service=${STACK_NAME}-web"
""", expect=[(9, 55)], note="underscore vs hyphen in the service name"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        traefik.enable: "true"
        traefik.http.routers.web.rule: Host(`example.com`)
        traefik.http.services.web.loadbalancer.server.port: "80"
        traefik.http.services.admin.loadbalancer.server.port: "8080"
""", expect=[(7, 9)], note="two services on the container, a router that names neither"),
    ]
