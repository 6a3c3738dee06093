from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import compose_schema_errors


class ComposeSchemaViolation(Rule):
    code = "S001"
    name = "compose-schema-violation"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose file does not match the Compose Specification schema."
    why = """
    `docker stack deploy` (and so abra) rejects a compose file with an unknown key, a value of the wrong
    type or a misplaced block, usually with an error that names neither the file nor the line. Checking
    each file against the Compose Specification's JSON schema finds these before a deploy, at the exact
    key or value. Values that still hold an unresolved `${VARIABLE}` are not judged by type, since docker
    checks them only after interpolation.
    """
    fix = """
    Correct the key or value at the reported position; `recipelint rule S001` shows examples. The schema
    used is the compose-spec schema that the check-jsonschema package ships.
    """

    def check(self, recipe):
        for rel in recipe.compose_files:
            doc = recipe.yaml(rel)
            if doc is None:
                continue
            for node, message in compose_schema_errors(doc):
                yield self.finding(node, message)

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    deploy:
      replicas: ${REPLICAS:-1}
      labels:
        - "traefik.enable=true"
x-custom:
  anything: goes
""", note="interpolated values and x- extensions are fine"),
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
    ports: 80
""", expect=[(4, 12)], note="a value of the wrong type is reported at the value"),
        Example(files={"compose.yml": "services:\n  app:\n    image: nginx\n",
                       "compose.extra.yml": "services:\n  app:\n    enviroment:\n      A: 1\n"},
                expect=[("compose.extra.yml", 3, 5)], note="overlays are checked too"),
    ]
