from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule
from recipelint_rules._traefik import enabled, groups, label_items, parse


class TraefikMiddlewareUndefined(Rule):
    code = "P005"
    name = "traefik-middleware-undefined"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A router uses a stack-scoped middleware (named with ${STACK_NAME}) that no label of the stack defines."
    why = """
    A router's `middlewares` label lists middleware names; one without `@provider` is looked up
    among all labels Traefik's Swarm provider sees. Traefik does not skip a missing middleware:
    it drops the whole router ("middleware does not exist"), so the domain answers 404. A name
    built from `${STACK_NAME}` belongs to this stack by construction, so if no label of this stack
    defines it, nothing does; typically the definition was commented out, renamed, or lives in an
    overlay that is not deployed with the router. Names without `${STACK_NAME}` may be defined by
    another stack (the traefik recipe's own middlewares) and are not judged, nor are `name@file`
    style references.
    """
    fix = """
    Define the middleware (`traefik.http.middlewares.${STACK_NAME}-redirect.redirectscheme.scheme=https`)
    in the same stack and variant as the router, or remove it from the router's `middlewares` list.
    """

    def check(self, recipe):
        defined_in: dict[int, set] = {}  # per variant, computed once and only when a router needs it

        def defined(view) -> set:
            if id(view) not in defined_in:
                found = set()
                for other in view.services.values():
                    found |= groups(parse(recipe, other), "middlewares").keys()
                defined_in[id(view)] = found
            return defined_in[id(view)]

        for view, svc in recipe.services():
            if enabled(recipe, svc) is False:
                continue
            for (proto, rname), labels in groups(parse(recipe, svc), "routers").items():
                for t in labels:
                    if t.option != "middlewares" or "${STACK_NAME}" not in (t.label.value or ""):
                        continue
                    for raw, start in label_items(t.label):
                        name = recipe.interpolate(raw)
                        if "${STACK_NAME}" not in raw or "@" in name or (proto, name) in defined(view):
                            continue
                        line, col, end_line, end_col = t.label.value_node.pos_at(start, len(raw))
                        yield self.finding(Loc(t.label.value_node.file, line, col, end_line, end_col),
                                           f"service '{svc.name}': {proto} router '{rname}' uses middleware "
                                           f"'{name}', which no traefik.{proto}.middlewares label of this stack "
                                           "defines; Traefik drops the router", service=svc.name,
                                           data={"router": rname, "middleware": name})

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
        - "traefik.http.routers.${STACK_NAME}.middlewares=${STACK_NAME}-redirect,security@file,error-pages"
        - "traefik.http.middlewares.${STACK_NAME}-redirect.headers.SSLForceHost=true"
""", note="defined in the stack; @file and names owned by other stacks are not judged"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`${EXTRA_DOMAINS})"
        - "traefik.http.routers.${STACK_NAME}.middlewares=security@file, ${STACK_NAME}-redirect"
        #- "traefik.http.middlewares.${STACK_NAME}-redirect.headers.SSLForceHost=true"
""", expect=[(9, 74)], note="the definition was commented out, the reference was not"),
    ]
