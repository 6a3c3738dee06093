from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ComposeVersionMissing(Rule):
    code = "S010"
    name = "compose-version-missing"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose file has no top-level `version`, which `docker stack deploy` needs."
    why = """
    The Compose Specification calls `version` obsolete, and generic compose linters flag it; Swarm
    is different. `docker stack deploy` loads each `-c` file on its own and picks the schema it
    validates against from that file's `version`. Docker releases still common on servers (19.03,
    20.10, the docker.io of Debian 12) refuse a file without one ("unsupported Compose file version:
    1.0"), and newer ones assume the latest 3.x and then fail with "version mismatched" when another
    file of the chain says "3.8". The finding points at the file's top-level mapping. Only a missing
    version is reported here; a version with another value is abra's R001.
    """
    fix = """
    Add `version: "3.8"` (quoted) at the top of the file, the value Co-op Cloud recipes use.
    """

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(files={"compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n',
                       "compose.smtp.yml": 'version: "3.8"\nservices:\n  app:\n    environment:\n      - A=1\n'}),
    ]
    invalid = [
        Example(compose="""\
---
# the app
services:
  app:
    image: nginx:1.25
""", expect=[(3, 1)], note="reported at the top-level mapping"),
        Example(files={"compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n',
                       "compose.smtp.yml": "services:\n  app:\n    environment:\n      - A=1\n"},
                expect=[("compose.smtp.yml", 1, 1)], note="every file of the chain needs it"),
    ]
