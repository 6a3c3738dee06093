from recipelint.rule import STYLE, WARNING, Example, Rule
from recipelint_rules._abra import unresolved
from recipelint_rules._knowledge import ABRA_COMPOSE_VERSION


class ComposeVersionUnexpected(Rule):
    code = "R001"
    name = "compose-version-unexpected"
    severity = WARNING  # abra: warn
    category = STYLE
    probe = None
    summary = f'A compose file does not declare `version: "{ABRA_COMPOSE_VERSION}"` (abra R001).'
    why = f"""
    abra's `recipe lint` expects every compose file of a recipe to say `version: "{ABRA_COMPOSE_VERSION}"`,
    the newest compose file format that `docker stack deploy` understands. Swarm's loader still reads the
    version to decide which keys it accepts, so an overlay without it, or with an older number, can have
    keys silently refused or rejected at deploy time. Co-op Cloud recipes all use the same number, which
    keeps them comparable. A version that is only an unresolved `${{VAR}}` is left alone. A file with no
    `version:` at all is reported once, as S010 (compose-version-missing), which `recipelint fix` also
    repairs; `--select R,S010` gives abra's full R001.
    """
    fix = f"""
    Put `version: "{ABRA_COMPOSE_VERSION}"` at the top of the compose file (quoted, so YAML keeps it a
    string).
    """

    def check(self, recipe):
        for rel in recipe.compose_files:
            doc = recipe.yaml(rel)
            if doc is None or not doc.is_map:
                continue
            ver = doc.get("version")
            if ver is None:
                continue  # a missing version is S010 (compose-version-missing): reported once, there
            text = ver.text
            if text is None:
                yield self.finding(ver.key or ver, f'`version:` is empty; abra expects "{ABRA_COMPOSE_VERSION}"')
                continue
            if unresolved(recipe.interpolate(text)):
                continue
            if recipe.interpolate(text).strip() != ABRA_COMPOSE_VERSION:
                yield self.finding(ver, f'compose file version is "{text}"; abra expects "{ABRA_COMPOSE_VERSION}"')

    valid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n'),
        Example(files={"compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n',
                       "compose.smtp.yml": "version: '3.8'\nservices:\n  app:\n    environment:\n      - SMTP=1\n"},
                note="every compose file, overlays too"),
        Example(compose='version: "${COMPOSE_VERSION}"\nservices:\n  app:\n    image: nginx:1.25\n',
                note="an unresolved variable is not judged"),
    ]
    invalid = [
        Example(compose='version: "3.3"\nservices:\n  app:\n    image: nginx:1.25\n', expect=[(1, 10)],
                note="an older format"),
    ]
    valid.append(Example(compose="# the app\nservices:\n  app:\n    image: nginx:1.25\n",
                         note="no version at all: S010 reports it, not R001 (one finding per defect)"))
