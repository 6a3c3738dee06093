from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule
from recipelint_rules._integrity import config_target_names, template_uses


def _mounted_as(recipe, svc_name: str, source: str) -> str | None:
    """The target under which service ``svc_name`` mounts config ``source`` in some variant, if any."""
    for view in recipe.views:
        svc = view.services.get(svc_name)
        for ref in (svc.filerefs("config") if svc is not None else []):
            t = ref.node.get("target") if ref.node.is_map else None
            if ref.source == source and t is not None and t.text and "$" not in t.text:
                return t.text
    return None


class TemplateConfigNotMounted(Rule):
    code = "I013"
    name = "template-config-not-mounted"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A golang config template reads a config that the mounting service does not mount under that name."
    why = """
    In a `template_driver: golang` config or secret, `{{ config "x" }}` is resolved when swarm
    starts the task (swarmkit, template/context.go): it walks the configs that task mounts and
    takes the one whose file name is exactly x. The file name is the `target:` of the service's
    config entry as written, or the config's source name when no target is given (docker's
    stack convert fills it in). Nothing else is tried: a config mounted with
    `target: /etc/app/app.ini` is found as `/etc/app/app.ini` only, never as `app_ini`, and a
    config the task does not mount is not found at all. Unlike a missing `env`, that is an
    error: the template fails to render ("config target x not found") and the task never
    starts. The config read is the other config's stored text, not its rendering (the getter
    passed to the template is the untemplated one), so a template that reads the very config it
    is gets its own unrendered source back, with no loop: this rule judges that call like any
    other, fine under the template's own file name, reported under any other.
    """
    fix = """
    Mount the config in every service that mounts the template (`configs: [app_ini]`), and use
    the name the service mounts it under in the template: its `target:` as written when it has
    one (`{{ config "/etc/app/app.ini" }}`), else its source name.
    """

    def check(self, recipe):
        for svc, what, src, ref in template_uses(recipe, "config", config_target_names):
            target = _mounted_as(recipe, svc, ref.arg)
            fix = None
            if target is not None:
                fix = (f"'{svc}' mounts config '{ref.arg}' as '{target}': write "
                       f"{{{{ config \"{target}\" }}}} in the template")
            yield self.finding(Loc(src.file, ref.line, ref.col, ref.line, ref.end_col),
                               f"{what} is rendered for service '{svc}', which mounts no config named "
                               f"'{ref.arg}' (the name is the config's target, else its source); the template "
                               "fails to render and the task does not start", service=svc, fix=fix,
                               data={"config": ref.arg})

    valid = [
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - app_ini
      - source: conf
        target: /etc/app.conf
configs:
  app_ini:
    file: app.ini
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.ini": "[server]\n", "app.conf.tmpl": 'include = {{ config "app_ini" }}\n'},
                note="short syntax: the file name is the source name"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - source: app_ini
        target: /etc/app/app.ini
      - source: conf
        target: /etc/app.conf
configs:
  app_ini:
    file: app.ini
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.ini": "[server]\n", "app.conf.tmpl": 'include = {{ config "/etc/app/app.ini" }}\n'},
                note="long syntax: the file name is the target as written"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - app_ini
      - source: conf
        target: /etc/app.conf
  worker:
    image: alpine:3.20
    configs:
      - app_ini
      - source: conf
        target: /etc/app.conf
configs:
  app_ini:
    file: app.ini
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.ini": "[server]\n", "app.conf.tmpl": '{{ if config "app_ini" }}ok{{ end }}\n'},
                note="rendered for two services, both mount what it reads"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    environment:
      - STACK_NAME
    configs:
      - source: conf
        target: /etc/app.conf
configs:
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.conf.tmpl": 'name = {{ env "STACK_NAME" }}\n'}, note="a template that reads no config"),
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
""", files={"app.conf.tmpl": 'source = {{ config "/etc/app.conf" | printf "%q" }}\n'},
                note="a template reading itself under its own file name gets its unrendered text"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - source: conf
        target: /etc/app.conf
configs:
  app_ini:
    file: app.ini
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.ini": "[server]\n", "app.conf.tmpl": 'listen = 8080\ninclude = {{ config "app_ini" }}\n'},
                expect=[("app.conf.tmpl", 2, 11)], note="defined, but the service does not mount it"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - source: app_ini
        target: /etc/app/app.ini
      - source: conf
        target: /etc/app.conf
configs:
  app_ini:
    file: app.ini
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.ini": "[server]\n", "app.conf.tmpl": 'include = {{ config "app_ini" | printf "%q" }}\n'},
                expect=[("app.conf.tmpl", 1, 14)], note="mounted under a target, so the source name is not found"),
        Example(compose="""\
services:
  app:
    image: alpine:3.20
    configs:
      - app_ini
      - source: conf
        target: /etc/app.conf
  worker:
    image: alpine:3.20
    configs:
      - source: conf
        target: /etc/app.conf
configs:
  app_ini:
    file: app.ini
  conf:
    file: app.conf.tmpl
    template_driver: golang
""", files={"app.ini": "[server]\n", "app.conf.tmpl": 'include = {{ config "app_ini" }}\n'},
                expect=[("app.conf.tmpl", 1, 11)], note="rendered for two services, only one mounts what it reads"),
    ]
