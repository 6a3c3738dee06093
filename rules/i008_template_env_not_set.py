from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule
from recipelint_rules._integrity import documented_vars, service_env_names, template_uses
from recipelint_rules._knowledge import ABRA_ENV_EXPOSED_SERVICES


def _env_names(recipe, svc):
    names = service_env_names(recipe, svc)
    if names is not None and svc.name in ABRA_ENV_EXPOSED_SERVICES:
        names |= documented_vars(recipe)  # abra copies the app's whole env into `app`
    return names


class TemplateEnvNotSet(Rule):
    code = "I008"
    name = "template-env-not-set"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A golang config template reads an environment variable the mounting service does not set."
    why = """
    Swarm renders a `template_driver: golang` config or secret when it starts each task, and the
    template's `{{ env "X" }}` looks X up in that task's container environment: the service's
    `environment:` (and `env_file:`), nothing else. Not the app's `.env`, not abra.sh, not the
    image's ENV. A variable the service does not list renders as an empty string without any
    error, so `server {{ env "STACK_NAME" }}_app:3000;` quietly becomes `server _app:3000;`. The
    one exception is the service called `app`: abra copies the app's whole env (every variable
    `.env.sample` offers, abra.sh exports, STACK_NAME) into its environment at deploy, so for `app`
    only variables the recipe never mentions are reported. A
    service is judged on every variant of the recipe: an overlay that adds the variable to the
    service counts. A call on a comment line of the rendered file (`#`, `;`, `//`) is left alone:
    it renders, but nothing reads it.
    """
    fix = """
    Add the variable to the environment of every service that mounts the template: `- X=${X}`, or
    just `- X` (abra fills it from the app's env; `- STACK_NAME` is the usual idiom).
    """

    def check(self, recipe):
        for svc, what, src, ref in template_uses(recipe, "env", _env_names, skip_comments=True):
            where = f"whose environment does not set {ref.arg} in any variant"
            if svc in ABRA_ENV_EXPOSED_SERVICES:
                where = (f"whose environment does not set {ref.arg}, and neither does .env.sample (which abra "
                         f"copies into '{svc}')")
            yield self.finding(Loc(src.file, ref.line, ref.col, ref.line, ref.end_col),
                               f"{what} is rendered for service '{svc}', {where}; env \"{ref.arg}\" renders as an "
                               f"empty string. Add `- {ref.arg}` to the environment of '{svc}'", service=svc,
                               data={"variable": ref.arg})

    valid = [
        Example(compose="""\
services:
  web:
    image: nginx:1.27
    environment:
      - STACK_NAME
      - DOMAIN=${DOMAIN}
    configs:
      - source: nginx_conf
        target: /etc/nginx/conf.d/default.conf
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}
    file: nginx.conf.tmpl
    template_driver: golang
""", files={"nginx.conf.tmpl": 'upstream app { server {{ env "STACK_NAME" }}_app:3000; }\n'
                               'server { server_name {{ env "DOMAIN" }}; }\n',
            "abra.sh": "export NGINX_CONF_VERSION=v1\n"}, env="DOMAIN=example.com\n",
                note="every variable the template reads is in the service's environment"),
        Example(files={"compose.yml": """\
services:
  app:
    image: traefik:v3.1
    configs:
      - source: traefik_yml
        target: /etc/traefik/traefik.yml
configs:
  traefik_yml:
    file: traefik.yml.tmpl
    template_driver: golang
""", "compose.gitea.yml": "services:\n  app:\n    environment:\n      - GITEA_SSH_ENABLED\n",
            "traefik.yml.tmpl": '{{ if eq (env "GITEA_SSH_ENABLED") "1" }}\n  gitea-ssh:\n    address: ":2222"\n'
                                '{{ end }}\n'},
                note="the variable is wired up by the optional overlay that uses it"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - source: entrypoint
        target: /entrypoint.sh
configs:
  entrypoint:
    file: entrypoint.sh.tmpl
    template_driver: golang
""", files={"entrypoint.sh.tmpl": '#!/bin/sh\n# reaches the db as {{ env "STACK_NAME" }}_db\nexec "$@"\n'},
                note="a call on a comment line renders, but nothing reads it"),
        Example(compose="""\
services:
  app:
    image: traefik:v3.1
    configs:
      - source: traefik_yml
        target: /etc/traefik/traefik.yml
configs:
  traefik_yml:
    file: traefik.yml.tmpl
    template_driver: golang
""", files={"traefik.yml.tmpl": 'email: {{ env "LETS_ENCRYPT_EMAIL" }}\nname: {{ env "STACK_NAME" }}\n'},
                env="LETS_ENCRYPT_EMAIL=certs@example.com\n",
                note="abra copies the app's whole env into the service called app"),
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    configs: [plain]
configs:
  plain:
    file: plain.conf
""", files={"plain.conf": 'not a template: {{ env "X" }}\n'}, note="no template_driver, nothing is rendered"),
    ]
    invalid = [
        Example(compose="""\
services:
  web:
    image: nginx:1.27
    configs:
      - source: nginx_conf
        target: /etc/nginx/conf.d/default.conf
configs:
  nginx_conf:
    file: nginx.conf.tmpl
    template_driver: golang
""", files={"nginx.conf.tmpl": 'upstream app {\n    server {{ env "STACK_NAME" }}_app:3000;\n}\n'},
                expect=[("nginx.conf.tmpl", 2, 12)], note="the stack name is not in the proxy's environment"),
        Example(compose="""\
services:
  mailer:
    image: alpine:3.20
    environment:
      - SMTP_HOST=${SMTP_HOST}
    configs:
      - source: msmtp
        target: /etc/msmtprc
configs:
  msmtp:
    file: msmtp.conf.tmpl
    template_driver: golang
""", files={"msmtp.conf.tmpl": 'host {{ env "SMTP_HOST" }}\n{{ if eq (env "SMTP_AUTH") "on" }}auth on{{ end }}\n'},
                env="SMTP_HOST=mail.example.com\n#SMTP_AUTH=on\n",
                expect=[("msmtp.conf.tmpl", 2, 11)], note="a variable read inside a condition, only set in .env"),
        Example(compose="""\
services:
  app:
    image: traefik:v3.1
    configs:
      - source: traefik_yml
        target: /etc/traefik/traefik.yml
configs:
  traefik_yml:
    file: traefik.yml.tmpl
    template_driver: golang
""", files={"traefik.yml.tmpl": 'email: {{ env "LETS_ENCRYPT_EMAIL" }}\n'}, env="DOMAIN=example.com\n",
                expect=[("traefik.yml.tmpl", 1, 8)],
                note="even abra's copy cannot provide what the recipe never offers"),
    ]
