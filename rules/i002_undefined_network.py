from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import undefined_refs
from recipelint_rules._knowledge import SHARED_NETWORKS


class UndefinedNetwork(Rule):
    code = "I002"
    name = "undefined-network"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A service joins a network that the compose files never declare."
    why = """
    `docker stack deploy` only attaches services to networks declared under the top-level
    `networks:` key (plus the implicit `default`). A service that names any other network makes the
    whole deploy stop (`service "app" references network "proxy", which is not declared`) before a
    single task starts.
    The usual cause is the shared Traefik network `proxy`, used by a service but never declared
    `external: true`, or a network declared only in an overlay that is not deployed.
    """
    fix = """
    Declare the network at the top level of the compose file that uses it; for the shared
    `proxy` network that is `networks: {proxy: {external: true}}`. Or correct the name in the
    service.
    """

    def check(self, recipe):
        for view, svc, ref in undefined_refs(recipe, "networks"):
            hint = " (declare it with `external: true`: it is the stack-shared network)" \
                if ref.name in SHARED_NETWORKS else ""
            where = "" if view is recipe.default else f" when deployed with {view.files[-1]}"
            yield self.finding(ref.node, f"service '{svc.name}' joins network '{ref.name}', which no top-level "
                                         f"`networks:` declares{where}; docker stack deploy refuses the "
                                         f"stack{hint}", service=svc.name, data={"network": ref.name})

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    networks:
      - proxy
      - internal
networks:
  proxy:
    external: true
  internal:
""", note="both networks declared; the external one counts as defined"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    networks:
      default:
        aliases: [web]
""", note="the implicit default network needs no declaration"),
        Example(files={"compose.yml": "services:\n  app:\n    image: nginx:1.27\n",
                       "compose.a.yml": "services:\n  app:\n    networks: [backend]\n",
                       "compose.b.yml": "networks:\n  backend:\n"},
                note="an optional overlay may lean on another optional overlay's declaration"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    networks:
      - proxy
""", expect=[(5, 9)], note="the shared proxy network used but never declared"),
        Example(files={"compose.yml": """\
services:
  app:
    image: nginx:1.27
    networks:
      internal:
      backend:
        aliases: [api]
networks:
  internal:
""", "compose.db.yml": "networks:\n  backend:\n"}, env='COMPOSE_FILE="compose.yml"\n',
            expect=[(6, 7)], note="declared only in an overlay that the default deploy leaves out"),
    ]
