from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposeRequiredKeyMissing(Rule):
    code = "S002"
    name = "compose-required-key-missing"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose mapping lacks a key the Compose Specification requires in it."
    why = """
    Some long-syntax entries only make sense with a particular key: a volume mount in the long syntax
    needs its `type`, a ulimit given as a mapping needs both `soft` and `hard`. Docker refuses the
    whole file when one is missing. The finding points at the mapping that lacks the key.
    """
    fix = """
    Add the missing key named in the message to the mapping at the reported position, or use the short
    syntax (`- data:/var/lib/app`) where one exists.
    """

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    volumes:
      - type: volume
        source: data
        target: /data
    ulimits:
      nofile:
        soft: 1024
        hard: 4096
volumes:
  data:
"""),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    volumes:
      - source: data
        target: /data
volumes:
  data:
""", expect=[(5, 9)], note="a long-syntax mount without `type`, reported at its mapping"),
        Example(compose="""\
services:
  app:
    image: nginx:1.25
    ulimits:
      nofile:
        soft: 1024
""", expect=[(6, 9)], note="a ulimit mapping without `hard`"),
    ]
