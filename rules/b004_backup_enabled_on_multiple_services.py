from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._backupbot import enabling_labels


class BackupEnabledOnMultipleServices(Rule):
    code = "B004"
    name = "backup-enabled-on-multiple-services"
    # A warning, not an error: the backupbot specification says the label MUST NOT be set more than
    # once per stack (and that an implementation MUST then report an error), but its earlier text
    # allowed "any of its services", recipes in the wild (bonfire, llamenos) do it, and the data
    # is still backed up, since the label switches on the whole stack. Nothing is lost today; the
    # recipe is out of spec and misleads its reader, and a stricter backupbot may refuse it.
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "`backupbot.backup=true` is set on more than one service of the same deployment."
    why = """
    `backupbot.backup=true` switches backups on for the whole stack: once one service carries it,
    backupbot copies every named volume of every service (minus exclusions). The backupbot
    specification therefore asks for the label on exactly one service, the main one, and tells
    implementations to report an error when it appears more than once. A second label adds
    nothing, suggests that backups are chosen per service (they are not: to leave a volume out,
    use `backupbot.backup.volumes.<volume>: "false"`), and makes the recipe depend on a lenient
    backupbot.
    """
    fix = """
    Keep `backupbot.backup=true` on the main service only (usually `app`). Hooks and volume labels
    stay on the services they concern; they do not need `backupbot.backup` next to them.
    """

    def check(self, recipe):
        for view in recipe.views:
            enabled = enabling_labels(recipe, view)
            if len(enabled) < 2:
                continue
            first = enabled[0][0].name
            for svc, lab in enabled[1:]:
                yield self.finding(
                    lab.key_node,
                    f"service '{svc.name}': backupbot.backup is already enabled on service '{first}'; "
                    "the label switches on the whole stack and belongs on one service only",
                    service=svc.name, data={"first": first},
                )

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx
    deploy:
      labels:
        backupbot.backup: "true"
  db:
    image: postgres:16
    deploy:
      labels:
        backupbot.backup.pre-hook: "pg_dump -U app app > /var/lib/postgresql/data/backup.sql"
        backupbot.restore.post-hook: "psql -U app app < /var/lib/postgresql/data/backup.sql"
""", note="one enabling label; hooks on the database service"),
        Example(compose="""\
services:
  app:
    image: nginx
    deploy:
      labels:
        backupbot.backup: "true"
  worker:
    image: nginx
    deploy:
      labels:
        backupbot.backup: "false"
""", note="a second label that is false does not enable anything"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx
    deploy:
      labels:
        - "backupbot.backup=true"
  db:
    image: postgres:16
    deploy:
      labels:
        - "backupbot.backup=true"
  minio:
    image: minio/minio
    deploy:
      labels:
        - "backupbot.backup=${ENABLE_BACKUPS:-true}"
""", expect=[(11, 12), (16, 12)], note="three services enable backups: the two extra ones are reported"),
        Example(compose="""\
services:
  app:
    image: nginx
    deploy:
      labels:
        backupbot.backup: "true"
""", files={"compose.db.yml": """\
services:
  db:
    image: postgres:16
    deploy:
      labels:
        backupbot.backup: "true"
"""}, env='COMPOSE_FILE="compose.yml:compose.db.yml"\n',
                expect=[("compose.db.yml", 6, 9)], note="the second label comes from a chained overlay"),
    ]
