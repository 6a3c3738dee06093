from recipelint.rule import WARNING, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import compose_docs, documented_vars, var_uses


class UndocumentedVariable(Rule):
    code = "I006"
    name = "undocumented-variable"
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "A compose file interpolates a variable that nothing sets, documents or defaults."
    why = """
    abra interpolates `${X}` in compose values (overlays included) with the app's `.env`, which
    operators start from `.env.sample`, plus abra.sh exports and `STACK_NAME`. A variable that is
    in none of them, and has no default written in place (`${X:-value}`), is an empty string on
    every fresh deploy: a blank image tag, an empty password, a label with no value, and docker
    only prints a warning. Commented-out assignments in `.env.sample` (`#SMTP_HOST=`) count as
    documented, because that is how recipes offer optional settings that abra users uncomment.
    `${X:?message}` and `${X:+alt}` state their intent in place and count as handled. A `$X` meant
    for the container's shell (a healthcheck, a command) must be written `$$X`, otherwise
    interpolation empties it before the container ever sees it.
    """
    fix = """
    Add `X=...` (or a commented `#X=` with a short explanation) to `.env.sample`, export it from
    abra.sh, or write a default in place: `${X:-value}`. Write `$$X` when the container's shell is
    meant to expand it.
    """

    def check(self, recipe):
        if recipe.env.file is None:
            return  # no .env.sample at all: one finding for that belongs to R008, not one per variable
        known = documented_vars(recipe)
        for rel, doc in compose_docs(recipe):
            for use in var_uses(doc):
                if use.handled or use.name in known:
                    continue
                hint = f"; if the container's shell should expand it, write $${use.name}" if use.shell else ""
                yield self.finding(use.loc, f"{use.text} is not in .env.sample (not even commented out), has no "
                                            f"default (${{{use.name}:-...}}) and is not exported by abra.sh: it "
                                            f"is empty on a fresh deploy{hint}",
                                   data={"variable": use.name})

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:${APP_VERSION:-1.27}
    environment:
      - DOMAIN=${DOMAIN}
      - SMTP_HOST=${SMTP_HOST}
      - NAME=${STACK_NAME}_app
      - HOOK=$${HOME}/x
      - CHECK=${CHECK:?set CHECK in the app's env}
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost/$$PATH_PREFIX"]
configs:
  conf:
    name: ${STACK_NAME}_conf_${CONF_VERSION}
    file: conf.tmpl
""", env="DOMAIN=example.com\n#SMTP_HOST=mail.example.com\n", files={"abra.sh": "export CONF_VERSION=v1\n",
                                                                     "conf.tmpl": "x\n"},
                note="set, commented-out option, abra-provided, abra.sh export, default, escaped, required"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`${EXTRA_DOMAINS})"
""", env="DOMAIN=example.com\n", expect=[(6, 68)], note="an optional variable nobody documents"),
        Example(files={"compose.yml": "services:\n  db:\n    image: postgres:16\n",
                       "compose.check.yml": """\
services:
  db:
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U $POSTGRES_USER"]
"""}, env='COMPOSE_FILE="compose.yml:compose.check.yml"\n', expect=[("compose.check.yml", 4, 42)],
            note="a shell variable interpolated away in an overlay (meant $$POSTGRES_USER)"),
    ]
