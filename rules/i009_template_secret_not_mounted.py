from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule
from recipelint_rules._integrity import secret_target_names, template_uses


class TemplateSecretNotMounted(Rule):
    code = "I009"
    name = "template-secret-not-mounted"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A golang config template reads a secret that the mounting service does not mount under that name."
    why = """
    In a `template_driver: golang` config, `{{ secret "x" }}` is resolved when swarm starts the
    task, among the secrets that task mounts, by their file name: the `target:` of the service's
    secret entry, or the secret's name when no target is given. Unlike a missing `env`, a missing
    secret is an error: the template fails to render and the task never starts ("secret target x
    not found"). A secret mounted with `target: db-password` is not found as `db_password`, and
    one mounted with `target: /run/secrets/db_password` only as `/run/secrets/db_password`: the
    argument is compared with the target as written, not with the file's base name.
    """
    fix = """
    Mount the secret in every service that mounts the template (`secrets: [db_password]`), and
    use the name the service mounts it under (its `target:` when it has one) in the template.
    """

    def check(self, recipe):
        for svc, what, src, ref in template_uses(recipe, "secret", secret_target_names):
            yield self.finding(Loc(src.file, ref.line, ref.col, ref.line, ref.end_col),
                               f"{what} is rendered for service '{svc}', which mounts no secret named "
                               f"'{ref.arg}' (the name is the secret's target, else its source); the template "
                               "fails to render and the task does not start", service=svc,
                               data={"secret": ref.arg})

    valid = [
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    secrets:
      - db_password
      - source: smtp_password
        target: smtp
    configs:
      - source: conf
        target: /etc/app.conf
configs:
  conf:
    file: app.conf.tmpl
    template_driver: golang
secrets:
  db_password:
    external: true
  smtp_password:
    external: true
""", files={"app.conf.tmpl": 'db = {{ secret "db_password" }}\nsmtp = {{ secret "smtp" }}\n'},
                note="short syntax by name, long syntax by target"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    secrets:
      - source: db_password
        target: db-password
    configs:
      - source: conf
        target: /etc/app.conf
configs:
  conf:
    file: app.conf.tmpl
    template_driver: golang
secrets:
  db_password:
    external: true
""", files={"app.conf.tmpl": 'listen = 8080\ndb = {{ secret "db_password" }}\n'},
                expect=[("app.conf.tmpl", 2, 6)], note="mounted, but under another target name"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - source: conf
        target: /etc/app.conf
configs:
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.conf.tmpl": 'token = {{ secret "api_token" | printf "%q" }}\n'},
                expect=[("app.conf.tmpl", 1, 12)], note="not mounted at all; a call inside a pipeline"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    secrets:
      - source: db_password
        target: /run/secrets/db_password
    configs:
      - source: conf
        target: /etc/app.conf
configs:
  conf:
    file: app.conf.tmpl
    template_driver: golang
secrets:
  db_password:
    external: true
""", files={"app.conf.tmpl": 'db = {{ secret "db_password" }}\nsame = {{ secret "/run/secrets/db_password" }}\n'},
                expect=[("app.conf.tmpl", 1, 6)],
                note="an absolute target is found by that path only (the second line renders)"),
    ]
