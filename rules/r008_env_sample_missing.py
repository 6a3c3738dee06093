from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule

_COMPOSE = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'


class EnvSampleMissing(Rule):
    code = "R008"
    name = "env-sample-missing"
    severity = ERROR  # abra: critical
    category = RECIPE_DEFECT
    probe = None
    summary = "The recipe has no `.env.sample` (abra R008)."
    why = """
    `abra app new` creates an app by copying the recipe's `.env.sample` to the app's `.env`: it is where
    TYPE, DOMAIN, the COMPOSE_FILE chain, secret versions and every setting an operator may change are
    offered. Without it abra cannot create an app from the recipe at all, and every `${VAR}` in the
    compose files is left for the operator to discover. abra's `recipe lint` treats it as critical.
    """
    fix = """
    Add `.env.sample` with at least `TYPE=<recipe>`, `DOMAIN=<recipe>.example.com`, and every variable
    the compose files use, each with a sensible default or a comment.
    """

    def check(self, recipe):
        if recipe.env.file is None:
            yield self.finding(Loc(".env.sample", None, None), "there is no .env.sample; abra app new has nothing "
                                                               "to copy into a new app's .env")

    valid = [Example(compose=_COMPOSE, env="TYPE=example\nDOMAIN=example.example.com\n")]
    invalid = [Example(compose=_COMPOSE, expect=[(".env.sample", None, None)])]
