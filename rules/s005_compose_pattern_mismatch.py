from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposePatternMismatch(Rule):
    code = "S005"
    name = "compose-pattern-mismatch"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose value does not have the form the Compose Specification requires (a pattern or format)."
    why = """
    A few string values must have a particular form, for example `pull_policy` (`always`, `never`,
    `missing`, `every_12h`...). A value of another form is refused by docker's loader. The finding
    points at the value; an unresolved `${VARIABLE}` is left alone.
    """
    fix = "Rewrite the value in the form the message shows."

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    pull_policy: always
  worker:
    image: nginx:1.25
    pull_policy: ${PULL_POLICY}
"""),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    pull_policy: sometimes
""", expect=[(4, 18)], note="reported at the value"),
    ]
