from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._abra import services_anchor, services_by_name


class AppServiceMissing(Rule):
    code = "R009"
    name = "app-service-missing"
    severity = ERROR  # abra: critical
    category = RECIPE_DEFECT
    probe = None
    summary = "No service is named `app` (abra R009)."
    why = """
    abra treats the service called `app` as the recipe's main service: `abra app run`, `app logs`,
    `app cp`, version detection through the `coop-cloud.${STACK_NAME}.version` label, and cc-ci tests
    all default to `app`, and Co-op Cloud operators expect it there. A recipe whose main service has
    another name breaks those defaults. abra's `recipe lint` treats it as critical. Every compose file
    of the recipe counts, overlays included.
    """
    fix = """
    Rename the main (web-facing) service to `app`, and update references to it (`depends_on`, proxy
    configs, `${STACK_NAME}_<old>` host names).
    """

    def check(self, recipe):
        services = services_by_name(recipe)
        if "app" in services:
            return
        at = services_anchor(recipe)
        if at is None:
            return
        names = ", ".join(sorted(services)) or "none"
        yield self.finding(at, f"no service is named 'app' (services: {names})")

    valid = [Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n  db:\n'
                             '    image: postgres:15.4\n')]
    invalid = [
        Example(compose='version: "3.8"\nservices:\n  web:\n    image: nginx:1.25.3\n  db:\n'
                        '    image: postgres:15.4\n', expect=[(2, 1)]),
    ]
