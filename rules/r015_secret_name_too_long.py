from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._abra import VAR_USE
from recipelint_rules._knowledge import (ABRA_DEFAULT_SECRET_VERSION, ABRA_SECRET_NAME_MAX, ABRA_STACK_NAME_MAX,
                                         DOCKER_OBJECT_NAME_MAX)


class SecretNameTooLong(Rule):
    code = "R015"
    name = "secret-name-too-long"
    severity = WARNING  # abra: warn
    category = RECIPE_DEFECT
    probe = None
    summary = f"A secret's name is longer than abra's limit of {ABRA_SECRET_NAME_MAX} characters (abra R015)."
    why = f"""
    abra generates and inserts a recipe's secrets as Swarm secrets named
    `<STACK_NAME>_<secret>_<version>`, e.g. `wiki_example_org_db_password_v1`, and the compose file's
    `name: ${{STACK_NAME}}_db_password_${{SECRET_DB_PASSWORD_VERSION}}` must produce the same name.
    Docker refuses secret and config names longer than {DOCKER_OBJECT_NAME_MAX} characters. The stack
    name comes from the app's domain, and abra cuts it to {ABRA_STACK_NAME_MAX} characters; with the two
    underscores that leaves {DOCKER_OBJECT_NAME_MAX - ABRA_STACK_NAME_MAX - 2} characters for the secret
    name and the version together. abra keeps secret names to {ABRA_SECRET_NAME_MAX} characters, which
    leaves room for versions up to `v9999`. A longer name works on short domains and then fails
    (`secret generate` or the deploy errors out) on the first app with a long domain. The message
    computes the longest composed name for this secret, with the version `.env.sample` gives it.
    """
    fix = f"""
    Rename the secret (its key under `secrets:`, the service references, and its `name:`) to at most
    {ABRA_SECRET_NAME_MAX} characters, e.g. `db_password` rather than `database_admin_password`. Existing
    apps need the secret re-inserted under the new name.
    """

    def check(self, recipe):
        for view in recipe.views:
            for key, node in view.secrets.items():
                if "$" in key or len(key) <= ABRA_SECRET_NAME_MAX:
                    continue
                version = _version(recipe, node)
                total = ABRA_STACK_NAME_MAX + 1 + len(key) + 1 + len(version)
                if total > DOCKER_OBJECT_NAME_MAX:
                    verdict = (f"{total} characters, over Docker's limit of {DOCKER_OBJECT_NAME_MAX}: apps with a long "
                               "domain cannot have this secret")
                else:
                    verdict = (f"{total} of Docker's {DOCKER_OBJECT_NAME_MAX} characters, leaving room only for "
                               f"versions up to {DOCKER_OBJECT_NAME_MAX - total + len(version)} characters")
                yield self.finding(
                    node.key or node,
                    f"secret '{key}' is {len(key)} characters (abra allows {ABRA_SECRET_NAME_MAX}); as "
                    f"<stack>_{key}_{version} with a {ABRA_STACK_NAME_MAX}-character stack name it is {verdict}",
                    data={"secret": key, "composed_length": total})

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
    secrets:
      - db_password
secrets:
  db_password:
    name: ${STACK_NAME}_db_password_${SECRET_DB_PASSWORD_VERSION}
    external: true
""", env="SECRET_DB_PASSWORD_VERSION=v1\n"),
    ]
    invalid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
    secrets:
      - oidc_client_secret
secrets:
  oidc_client_secret:
    name: ${STACK_NAME}_oidc_client_secret_${SECRET_OIDC_CLIENT_SECRET_VERSION}
    external: true
""", env="SECRET_OIDC_CLIENT_SECRET_VERSION=v1\n", expect=[(8, 3)], note="18 characters: 67 composed"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
secrets:
  smtp_password:
    external: true
""", expect=[(6, 3)], note="13 characters: fits with v1, past abra's margin"),
    ]


def _version(recipe, node) -> str:
    """The version the secret's `name:` ends with: its `*_VERSION` variable's value, or abra's default."""
    name = node.get("name") if node.is_map else None
    if name is not None and name.text:
        for m in VAR_USE.finditer(name.text):
            var = m.group("braced") or m.group("plain")
            if var.endswith("_VERSION"):
                value = recipe.env_values.get(var)
                if value is None and m.group("op") in (":-", "-"):
                    value = m.group("arg")
                if value and "$" not in value:
                    return value
    return ABRA_DEFAULT_SECRET_VERSION
