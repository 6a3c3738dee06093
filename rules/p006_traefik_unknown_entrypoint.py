from recipelint.rule import WARNING, RECIPE_DEFECT, Example, Loc, Rule
from recipelint_rules._integrity import unresolved_only
from recipelint_rules._knowledge import TRAEFIK_HTTP_ENTRYPOINTS
from recipelint_rules._traefik import enabled, groups, label_items, parse


class TraefikUnknownEntrypoint(Rule):
    code = "P006"
    name = "traefik-unknown-entrypoint"
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "An HTTP router listens on an entrypoint the Co-op Cloud traefik recipe does not define."
    why = """
    The Co-op Cloud traefik recipe defines the HTTP entrypoints `web` (port 80, redirecting to
    HTTPS) and `web-secure` (port 443). Traefik's own documentation calls them `web` and
    `websecure`, so labels copied from it name an entrypoint that does not exist here; Traefik then
    leaves the router without that entrypoint ("entryPoint websecure doesn't exist"), and the
    domain answers 404. TCP and UDP routers are not judged: the traefik recipe's overlays add
    their entrypoints (`gitea-ssh`, `ssb-muxrpc`, ...).
    """
    fix = """
    Use `entrypoints=web-secure` for HTTPS routers (`web` only for plain HTTP).
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            if enabled(recipe, svc) is False:
                continue
            for (proto, rname), labels in groups(parse(recipe, svc), "routers").items():
                if proto != "http":
                    continue
                for t in labels:
                    if t.option != "entrypoints" or unresolved_only(t.value):
                        continue
                    for raw, start in label_items(t.label):
                        name = recipe.interpolate(raw)
                        if not name or "$" in name or name in TRAEFIK_HTTP_ENTRYPOINTS:
                            continue
                        line, col, end_line, end_col = t.label.value_node.pos_at(start, len(raw))
                        yield self.finding(Loc(t.label.value_node.file, line, col, end_line, end_col),
                                           f"service '{svc.name}': router '{rname}' listens on entrypoint "
                                           f"'{name}', which Co-op Cloud's traefik does not define (it has "
                                           f"{' and '.join(TRAEFIK_HTTP_ENTRYPOINTS)})", service=svc.name,
                                           data={"router": rname, "entrypoint": name})

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
        - "traefik.http.routers.${STACK_NAME}.entrypoints=web-secure"
        - "traefik.http.routers.${STACK_NAME}-plain.entrypoints=${PLAIN_ENTRYPOINT}"
        - "traefik.tcp.routers.${STACK_NAME}-ssh.entrypoints=gitea-ssh"
""", note="web-secure; an unresolved variable; a TCP entrypoint from a traefik overlay"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        traefik.enable: "true"
        traefik.http.services.app.loadbalancer.server.port: "80"
        traefik.http.routers.app.rule: Host(`example.com`)
        traefik.http.routers.app.entrypoints: web,websecure
""", expect=[(9, 51)], note="the name from Traefik's documentation"),
    ]
