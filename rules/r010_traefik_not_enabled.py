from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._abra import deploy_label, service_anchor, service_label, services_anchor, services_by_name, \
    unresolved
from recipelint_rules._knowledge import SHARED_NETWORKS

_LABEL = "traefik.enable"


class TraefikNotEnabled(Rule):
    code = "R010"
    name = "traefik-not-enabled"
    severity = ERROR  # abra: critical
    category = RECIPE_DEFECT
    probe = None
    summary = "The recipe has a DOMAIN but no service enables Traefik routing (abra R010)."
    why = """
    Co-op Cloud's Traefik only routes to services that opt in with the deploy label
    `traefik.enable=true` (its provider runs with `exposedByDefault=false`). A recipe that offers a
    `DOMAIN` in `.env.sample` but never sets the label deploys fine and then answers every request with
    Traefik's 404. Swarm hands Traefik only `deploy.labels`, so the label under a service's plain
    `labels:` does not count. abra's `recipe lint` treats it as critical, and skips it for recipes
    without a `DOMAIN` (backends, bots, relays), as we do. A value that is an unresolved `${VAR}` is
    given the benefit of the doubt.

    One case abra does not know: a recipe none of whose services joins a shared network (`proxy`, or
    any external network) while some service publishes its own ports (a voice or mail server on host
    ports) is not served through Traefik at all; DOMAIN is then just its public name, and the rule
    stays silent.
    """
    fix = """
    Add `- "traefik.enable=true"` under `deploy.labels` of the web-facing service (usually `app`),
    with its router rule, entrypoint and `loadbalancer.server.port`.
    """

    def check(self, recipe):
        if recipe.env.get("DOMAIN") is None:
            return
        services = services_by_name(recipe)
        if _served_without_proxy(services):
            return
        misplaced = None
        for name, pairs in services.items():
            for _, svc in pairs:
                node = deploy_label(svc, _LABEL)
                if node is not None:
                    value = recipe.interpolate(node.text or "")
                    if unresolved(value) or value.strip().lower() == "true":
                        return
                node = service_label(svc, _LABEL)
                if node is not None and misplaced is None:
                    misplaced = (name, node)
        if misplaced is not None:
            name, node = misplaced
            yield self.finding(node.key or node, f"service '{name}' sets traefik.enable under `labels:`, which "
                                                 "Swarm does not pass to Traefik; it must be under deploy.labels",
                               service=name)
            return
        if "app" in services:
            at = service_anchor(services["app"][0][1])
        else:
            at = services_anchor(recipe)
        if at is None:
            return
        yield self.finding(at, "DOMAIN is set in .env.sample, but no service has the deploy label "
                               "traefik.enable=true, so Traefik routes nothing to this app")

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
    deploy:
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
""", env="DOMAIN=example.example.com\n"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: example/bot:1.2.0\n', env="TYPE=bot\n",
                note="no DOMAIN: skipped"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
    deploy:
      labels:
        traefik.enable: "${TRAEFIK_ENABLED}"
""", env="DOMAIN=example.example.com\n", note="an unresolved variable is not judged"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: mumblevoip/mumble-server:v1.6.870-0
    ports:
      - target: 64738
        published: 64738
        mode: host
""", env="DOMAIN=voice.example.com\n", note="served on its own ports, on no shared network: not a Traefik app"),
    ]
    invalid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n',
                env="DOMAIN=example.example.com\n", expect=[(3, 3)]),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
    labels:
      - "traefik.enable=true"
""", env="DOMAIN=example.example.com\n", expect=[(6, 10)], note="under service labels, not deploy.labels"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
    deploy:
      labels:
        traefik.enable: "false"
""", env="DOMAIN=example.example.com\n", expect=[(3, 3)], note="turned off"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
    networks:
      - proxy
    ports:
      - "8080:80"
networks:
  proxy:
    external: true
""", env="DOMAIN=example.example.com\n", expect=[(3, 3)], note="on proxy: publishing a port does not excuse it"),
    ]


def _served_without_proxy(services) -> bool:
    """No service joins a shared network, and some service publishes ports: not a Traefik-routed app."""
    publishes = False
    for pairs in services.values():
        for view, svc in pairs:
            for net in svc.networks:
                if net in SHARED_NETWORKS or view.is_external_network(net):
                    return False
            ports = svc.node.get("ports")
            if ports is not None and ports.is_seq and ports.value:
                publishes = True
    return publishes
