from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposeConstraintViolated(Rule):
    code = "S007"
    name = "compose-constraint-violated"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose value breaks another constraint of the Compose Specification (a range, unique items...)."
    why = """
    Besides types, keys and forms, the compose schema bounds some numbers (`cpu_percent` from 0 to 100,
    `oom_score_adj` from -1000 to 1000) and requires some lists to hold each item once (`ports`,
    `labels` and `environment` in list form). Docker's loader refuses a file that breaks one. The
    finding points at the value, or at the second copy of a repeated item.
    """
    fix = "Bring the number into range, or remove the repeated item."

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    ports:
      - "8080:80"
      - "8443:443"
"""),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    ports:
      - "8080:80"
      - "8080:80"
""", expect=[(6, 9)], note="a repeated list item, reported at the second copy"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    labels:
      - "a=1"
      - "a=1"
""", expect=[(6, 9)], note="list-form labels"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    oom_score_adj: 5000
""", expect=[(4, 20)], note="a number out of range"),
    ]
