from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import undefined_refs


class UndefinedVolume(Rule):
    code = "I003"
    name = "undefined-volume"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A service mounts a named volume that the compose files never declare."
    why = """
    In `volumes: - data:/var/lib/app` the source `data` is a named volume (a host path would start
    with `/`, `./` or `~`). `docker stack deploy` requires every named volume to be declared under
    the top-level `volumes:` key and stops with `undefined volume "data"` otherwise. A typo in the
    name (`db-data` vs `db_data`) is the usual cause; a missing `./` that was meant to make a bind
    mount is the other.
    """
    fix = """
    Declare the volume under the top-level `volumes:` (an empty entry is enough: `data:`), or fix
    the name so it matches the declared one; write `./dir` for a bind mount of a recipe folder.
    """

    def check(self, recipe):
        for view, svc, ref in undefined_refs(recipe, "volumes"):
            where = "" if view is recipe.default else f" when deployed with {view.files[-1]}"
            yield self.finding(ref.node, f"service '{svc.name}' mounts named volume '{ref.name}', which no "
                                         f"top-level `volumes:` declares{where}; docker stack deploy refuses "
                                         "the stack (write ./ or / in front for a host path)",
                               service=svc.name, data={"volume": ref.name})

    valid = [
        Example(compose="""\
services:
  app:
    image: postgres:16
    volumes:
      - db_data:/var/lib/postgresql/data
      - ./init.sql:/docker-entrypoint-initdb.d/init.sql:ro
      - /etc/localtime:/etc/localtime:ro
      - type: tmpfs
        target: /tmp
      - /anonymous
volumes:
  db_data:
""", note="named volume declared; bind mounts, tmpfs and anonymous volumes need nothing"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    volumes:
      - ${DATA_DIR}:/data
      - type: volume
        source: ${VOLUME_NAME}
        target: /cache
""", note="a source that is only unresolved interpolation is left alone"),
    ]
    invalid = [
        Example(compose="""\
services:
  db:
    image: postgres:16
    volumes:
      - db-data:/var/lib/postgresql/data
volumes:
  db_data:
""", expect=[(5, 9)], note="hyphen vs underscore"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    volumes:
      - type: volume
        source: uploads
        target: /srv/uploads
""", expect=[(6, 17)], note="long syntax, no top-level volumes at all"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    volumes:
      - "${CONTENT:-content}:/usr/share/nginx/html"
""", expect=[(5, 10)], note="a default that resolves to an undeclared volume name"),
    ]
