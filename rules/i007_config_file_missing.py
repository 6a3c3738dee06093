from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import compose_docs, resolve_path


class ConfigFileMissing(Rule):
    code = "I007"
    name = "config-file-missing"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A config or secret is created from a file that is not in the recipe."
    why = """
    `docker stack deploy` reads the `file:` of every top-level config and secret it creates, even
    one no service mounts, and stops the whole deploy with `open ...: no such file or directory`
    when it is missing. Relative paths are resolved against the folder of the first compose file
    deployed (the recipe root), not against the overlay that defines them: an overlay in a
    sub-folder still writes `file: postgres/postgres.conf.tmpl`. A path that is only unresolved
    interpolation or an absolute host path is left alone.
    """
    fix = """
    Add the file to the recipe, or correct the `file:` path (relative to the recipe root). Remove
    the definition if nothing uses it any more.
    """

    def check(self, recipe):
        for rel, doc in compose_docs(recipe):
            for kind in ("configs", "secrets"):
                top = doc.get(kind)
                if top is None or not top.is_map:
                    continue
                for name, node in top.items():
                    f = node.get("file") if node.is_map else None
                    if f is None:
                        continue
                    path = resolve_path(recipe, f.text)
                    if path is None or recipe.read(path) is not None:
                        continue
                    what = kind[:-1]
                    yield self.finding(f, f"{what} '{name}' is created from {path}, which is not in the recipe; "
                                          "docker stack deploy stops when it cannot read it",
                                       data={kind[:-1]: name, "file": path})

    valid = [
        Example(files={"compose.yml": """\
services:
  app:
    image: nginx:1.27
    configs: [nginx_conf]
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}
    file: ./nginx.conf.tmpl
    template_driver: golang
  from_var:
    file: ${CUSTOM_CONF}
""", "nginx.conf.tmpl": "events {}\n", "abra.sh": "export NGINX_CONF_VERSION=v1\n"},
                note="present file; a path that is only an unresolved variable is left alone"),
        Example(files={"compose.yml": "services:\n  app:\n    image: postgres:16\n",
                       "postgres/compose.tune.yml": """\
configs:
  tune:
    file: postgres/tune.sh
""", "postgres/tune.sh": "#!/bin/sh\n"},
                env='COMPOSE_FILE="compose.yml:postgres/compose.tune.yml"\n',
                note="an overlay in a sub-folder resolves against the recipe root, as docker does"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
configs:
  entrypoint:
    name: ${STACK_NAME}_entrypoint_${ENTRYPOINT_VERSION}
    file: entrypoint.sh.tmpl
    template_driver: golang
""", expect=[(7, 11)], note="an unused config still has to be readable"),
        Example(files={"compose.yml": "services:\n  app:\n    image: postgres:16\n",
                       "postgres/compose.tune.yml": """\
secrets:
  tune:
    file: tune.sh
""", "postgres/tune.sh": "#!/bin/sh\n"},
                env='COMPOSE_FILE="compose.yml:postgres/compose.tune.yml"\n',
                expect=[("postgres/compose.tune.yml", 3, 11)],
                note="a path written relative to the overlay's own folder: docker looks in the recipe root"),
    ]
