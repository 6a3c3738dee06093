from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposeNoFormMatches(Rule):
    code = "S006"
    name = "compose-no-form-matches"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose value has none of the shapes its key accepts (e.g. neither a list nor a mapping)."
    why = """
    Many compose keys accept alternative forms: `environment` and `labels` a list or a mapping,
    `networks` a list of names or a mapping, `ports` items a number, a string or a mapping. When the
    value fits none of them, the schema's own error is a blob listing every alternative; recipelint
    names the accepted forms and points at the value. When the value does fit one form but is wrong
    inside it, that inner error is reported under its own code instead (an unknown key is S003, a
    missing one S002), at the inner node.
    """
    fix = "Write the value in one of the forms the message lists."

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    environment:
      - A=1
    networks:
      - internal
    labels:
      a.b: c
networks:
  internal:
"""),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    networks: internal
""", expect=[(4, 15)], note="a bare name where a list or a mapping goes"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    environment: 5
""", expect=[(4, 18)], note="reported at the value"),
    ]
