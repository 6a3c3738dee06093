from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposeUnknownKey(Rule):
    code = "S003"
    name = "compose-unknown-key"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose mapping holds a key the Compose Specification does not know there."
    why = """
    A misspelt or misplaced key (`replica:` for `replicas:`, `enviroment:`, `labels:` one level too
    deep) is either refused by `docker stack deploy` or, worse, silently dropped by a tool that does
    not validate, so the setting never takes effect. The finding points at the key itself and suggests
    the nearest known key. Keys starting with `x-` are extensions and always allowed.
    """
    fix = """
    Rename the key to the one the message suggests, move it to where it belongs, or prefix it with
    `x-` if it is meant as an extension field.
    """

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    x-notes: kept for humans
    deploy:
      replicas: 2
x-defaults: &defaults
  restart_policy:
    condition: on-failure
"""),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    deploy:
      replica: 2
""", expect=[(5, 7)], note="a misspelt key is reported at the key"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    ports:
      - target: 80
        publish: 8080
""", expect=[(6, 9)], note="a key inside a list item's long syntax"),
        Example(files={"compose.yml": "services:\n  app:\n    image: nginx:1.25\n",
                       "compose.extra.yml": "services:\n  app:\n    enviroment:\n      A: 1\n"},
                expect=[("compose.extra.yml", 3, 5)], note="overlays are checked on their own"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
secret:
  db_password:
    external: true
""", expect=[(4, 1)], note="a top-level key"),
    ]
