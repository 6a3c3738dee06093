from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule
from recipelint_rules._abra import VAR_USE


class ConfigVersionNotVendored(Rule):
    code = "R012"
    name = "config-version-not-vendored"
    severity = ERROR  # abra: critical
    category = RECIPE_DEFECT
    probe = None
    summary = "A `${X_VERSION}` in a config or secret `name:` is neither exported by abra.sh nor given a value."
    why = """
    Swarm configs and secrets are immutable, so recipes name them `${STACK_NAME}_<name>_${X_VERSION}`
    and bump the version whenever the content changes. For a config the recipe maintainer owns the
    content, so the version must travel with the recipe: abra sources `abra.sh`, and an
    `export X_VERSION=v2` there is what abra's R012 ("config versions are vendored") looks for. A config
    version that only `.env.sample` sets is copied into each app's own `.env` once, at `abra app new`:
    the next recipe release that changes the config keeps the old name on existing apps and the
    deploy fails (Swarm refuses to update a config in place). A version set nowhere makes the name end
    in `_`, and every change collides with the old object.

    Secret versions belong to the operator (they rotate secrets per app), so for a secret `.env.sample`
    (even as a commented-out line offered with an optional overlay) is a fine place as well. A default
    written in the name itself (`${X_VERSION:-v1}`) counts for both. Only variables named `*_VERSION`
    are checked; `STACK_NAME` comes from abra.
    """
    fix = """
    Add `export X_VERSION=v1` to `abra.sh` for a config (and bump it whenever the config's file
    changes); declare `SECRET_X_VERSION=v1` in `.env.sample` for a secret.
    """

    def check(self, recipe):
        env_any = {a.name for a in recipe.env.assigns}
        for view in recipe.views:
            for kind, defs in (("config", view.configs), ("secret", view.secrets)):
                for key, node in defs.items():
                    name = node.get("name") if node.is_map else None
                    if name is None or not name.text:
                        continue
                    for m in VAR_USE.finditer(name.text):
                        var = m.group("braced") or m.group("plain")
                        if not var.endswith("_VERSION"):
                            continue
                        if m.group("op") in (":-", "-") and m.group("arg"):
                            continue
                        if var in recipe.abra:
                            continue
                        line, col, end_line, end_col = name.pos_at(m.start(), m.end() - m.start())
                        at = Loc(name.file, line, col, end_line, end_col)
                        if kind == "secret":
                            if var in env_any:
                                continue
                            yield self.finding(at, f"secret '{key}': {var} is set neither in .env.sample nor in "
                                                   "abra.sh, and has no default in the name")
                        elif recipe.env.get(var) is not None or var in env_any:
                            yield self.finding(at, f"config '{key}': {var} is only set in .env.sample, so each app "
                                                   "keeps the version it was created with; export it from abra.sh")
                        else:
                            yield self.finding(at, f"config '{key}': {var} is not exported by abra.sh and has no "
                                                   "default in the name")

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}
    file: nginx.conf
secrets:
  db_password:
    name: ${STACK_NAME}_db_password_${SECRET_DB_PASSWORD_VERSION}
    external: true
""", env="SECRET_DB_PASSWORD_VERSION=v1\n", files={"abra.sh": "export NGINX_CONF_VERSION=v2\n",
                                                     "nginx.conf": "events {}\n"}),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION:-v1}
    file: nginx.conf
""", files={"nginx.conf": "events {}\n"}, note="a default in the name"),
        Example(files={"compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n',
                       "compose.smtp.yml": """\
version: "3.8"
services:
  app:
    secrets:
      - smtp_password
secrets:
  smtp_password:
    name: ${STACK_NAME}_smtp_password_${SECRET_SMTP_PASSWORD_VERSION}
    external: true
"""}, env='#COMPOSE_FILE="$COMPOSE_FILE:compose.smtp.yml"\n#SECRET_SMTP_PASSWORD_VERSION=v1\n',
                note="an optional overlay's secret, offered as a commented line"),
    ]
    invalid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}
    file: nginx.conf
""", env="NGINX_CONF_VERSION=v1\n", files={"nginx.conf": "events {}\n"}, expect=[(7, 36)],
                note="a config version only in .env.sample"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25.3
configs:
  nginx_conf:
    name: "${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}"
    file: nginx.conf
secrets:
  db_password:
    name: ${STACK_NAME}_db_password_${SECRET_DB_PASSWORD_VERSION}
    external: true
""", files={"nginx.conf": "events {}\n", "abra.sh": "export OTHER_VERSION=v1\n"},
                expect=[(7, 37), (11, 37)], note="set nowhere (quoted name: the column moves past the quote)"),
    ]

