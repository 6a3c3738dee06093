from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import undefined_refs


class UndefinedSecret(Rule):
    code = "I005"
    name = "undefined-secret"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A service mounts a secret that the compose files never define."
    why = """
    Every name in a service's `secrets:` must be defined under the top-level `secrets:` key; in a
    Co-op Cloud recipe that is usually `external: true` with a versioned `name:`, created by
    `abra app secret generate`. An undefined name makes `docker stack deploy` stop with
    `undefined secret "db_password"`. Typical causes: a secret added to a service in an overlay
    without its definition, or a rename done in one place only.
    """
    fix = """
    Define the secret at the top level (`secrets: {db_password: {external: true, name:
    ${STACK_NAME}_db_password_${SECRET_DB_PASSWORD_VERSION}}}`) and add its `SECRET_..._VERSION`
    to `.env.sample`; or correct the name in the service.
    """

    def check(self, recipe):
        for view, svc, ref in undefined_refs(recipe, "secrets"):
            where = "" if view is recipe.default else f" when deployed with {view.files[-1]}"
            yield self.finding(ref.node, f"service '{svc.name}' uses secret '{ref.name}', which no top-level "
                                         f"`secrets:` defines{where}; docker stack deploy refuses the stack",
                               service=svc.name, data={"secret": ref.name})

    valid = [
        Example(compose="""\
services:
  db:
    image: postgres:16
    secrets:
      - db_password
secrets:
  db_password:
    external: true
    name: ${STACK_NAME}_db_password_${SECRET_DB_PASSWORD_VERSION}
""", env="SECRET_DB_PASSWORD_VERSION=v1\n", note="an external secret counts as defined"),
    ]
    invalid = [
        Example(files={"compose.yml": """\
services:
  app:
    image: nginx:1.27
secrets:
  db_password:
    external: true
""", "compose.smtp.yml": """\
services:
  app:
    secrets:
      - source: smtp_password
        target: smtp
"""}, env='COMPOSE_FILE="compose.yml:compose.smtp.yml"\n', expect=[("compose.smtp.yml", 4, 17)],
            note="an overlay mounts a secret it never defines"),
    ]
