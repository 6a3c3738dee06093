from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import undefined_refs


class UndefinedConfig(Rule):
    code = "I004"
    name = "undefined-config"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A service mounts a config that the compose files never define."
    why = """
    A service's `configs:` entries name configs defined under the top-level `configs:` key (from
    a file, or `external: true`). `docker stack deploy` stops with `undefined config "nginx_conf"`
    when the name is not there, so nothing of the stack is deployed. It happens when a config is
    renamed in one place only, or when it is defined in an overlay that is not deployed.
    """
    fix = """
    Define the config at the top level (`configs: {nginx_conf: {name: ..., file: ...}}`) in the
    file that uses it, or correct the `source:` name in the service.
    """

    def check(self, recipe):
        for view, svc, ref in undefined_refs(recipe, "configs"):
            where = "" if view is recipe.default else f" when deployed with {view.files[-1]}"
            yield self.finding(ref.node, f"service '{svc.name}' mounts config '{ref.name}', which no top-level "
                                         f"`configs:` defines{where}; docker stack deploy refuses the stack",
                               service=svc.name, data={"config": ref.name})

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    configs:
      - source: nginx_conf
        target: /etc/nginx/nginx.conf
      - shared
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}
    file: nginx.conf
  shared:
    external: true
""", files={"nginx.conf": "events {}\n"}, note="a file config and an external one"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    configs:
      - source: nginx_config
        target: /etc/nginx/nginx.conf
configs:
  nginx_conf:
    file: nginx.conf
""", files={"nginx.conf": "events {}\n"}, expect=[(5, 17)], note="renamed in one place only"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    configs: [entrypoint]
""", expect=[(4, 15)], note="short syntax, no top-level configs"),
    ]
