from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ValueNotAString(Rule):
    code = "S011"
    name = "value-not-a-string"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A label or environment value in map form is an unquoted boolean, or a number that changes when made text."
    why = """
    Labels and environment variables are strings. In map form YAML reads an unquoted `true` as a
    boolean, and docker's Swarm compose schema (3.x) accepts only strings, numbers or null there, so
    `traefik.enable: true` under `deploy.labels` stops `docker stack deploy`. A number is accepted and
    turned back into text, which is harmless for `8080` but not for `1.10` (it becomes "1.1"): such
    a number is reported too. The list form (`- traefik.enable=true`) is
    always text. This covers service and `deploy` labels, `environment`, and the labels of
    top-level networks, volumes, configs and secrets.
    """
    fix = 'Quote the value: `traefik.enable: "true"`, `VERSION: "1.10"`.'

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    environment:
      PORT: 8080
      DEBUG: "false"
      EMPTY:
    deploy:
      labels:
        traefik.enable: "true"
        traefik.http.services.app.loadbalancer.server.port: 80
""", note="quoted booleans; numbers that stay the same text"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    deploy:
      labels:
        - traefik.enable=true
""", note="list form is always text"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    deploy:
      labels:
        traefik.enable: true
""", expect=[(6, 25)], note="an unquoted boolean, reported at the value"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    environment:
      DEBUG: false
      APP_VERSION: 1.10
""", expect=[(5, 14), (6, 20)], note="environment values; a number whose text would change"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
networks:
  internal:
    labels:
      backup: false
""", expect=[(7, 15)], note="top-level resources' labels"),
    ]
