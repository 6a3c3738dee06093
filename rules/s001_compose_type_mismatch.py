from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposeTypeMismatch(Rule):
    code = "S001"
    name = "compose-type-mismatch"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose value has the wrong YAML type (a number where a list goes, a list where a string goes...)."
    why = """
    The Compose Specification's JSON schema gives every key a type. `docker stack deploy` checks the
    same types before it converts anything, and stops at the first mismatch with a message that names
    neither file nor line. recipelint checks each compose file on its own and each merged variant, and
    points at the value itself. A value that still holds an unresolved `${VARIABLE}` is not judged,
    and one that interpolation resolves is judged as docker sees it: resolved, and cast to the type the
    key needs when the text allows it.
    """
    fix = """
    Write the value in the type the message names: a list (`- item`) where a list goes, a quoted string
    where a string goes. The schema is the compose-spec schema that the check-jsonschema package ships.
    """

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    ports:
      - "${PORT}:80"
    deploy:
      replicas: ${REPLICAS}
x-custom:
  anything: goes
""", note="unresolved interpolation is never a type error; x- extensions are free"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    healthcheck:
      interval: 30s
      retries: ${RETRIES:-3}
""", note="a value resolved by its inline default"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    ports: 80
""", expect=[(4, 12)], note="a number where a list goes, reported at the value"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    healthcheck:
      test: ["CMD", "true"]
      interval: 10
""", expect=[(6, 17)], note="a duration must be a string: 10 has no unit"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    cap_add:
      - NET_ADMIN
      - 5
""", expect=[(6, 9)], note="a list item of the wrong type, reported at the item"),
        Example(files={"compose.yml": "services:\n  app:\n    image: nginx:1.25\n",
                       "compose.smtp.yml": "services:\n  app:\n    hostname:\n      - mail\n"},
                expect=[("compose.smtp.yml", 4, 7)], note="overlays are checked too"),
    ]
