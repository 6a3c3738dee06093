from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposeValueNotAllowed(Rule):
    code = "S004"
    name = "compose-value-not-allowed"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose value is not one of the few values the Compose Specification allows for its key."
    why = """
    Some keys take one of a fixed set of words, such as `order: start-first | stop-first` in
    `deploy.update_config`. Any other word makes `docker stack deploy` fail when it converts the
    service. The finding points at the value and lists the allowed ones. A value that is still an
    unresolved `${VARIABLE}` is left alone.
    """
    fix = "Use one of the values the message lists."

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    deploy:
      update_config:
        order: start-first
      rollback_config:
        order: ${ROLLBACK_ORDER}
"""),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    deploy:
      update_config:
        order: sideways
""", expect=[(6, 16)], note="reported at the value"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    deploy:
      rollback_config:
        order: ${ORDER}
""", env="ORDER=first\n", expect=[(6, 16)], note="a value resolved from .env.sample is checked as resolved"),
    ]
