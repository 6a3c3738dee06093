from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._backupbot import analyse
from recipelint_rules._knowledge import BACKUPBOT_LABELS

_VOLUMES = "backupbot.backup.volumes."


def _known(key: str, volumes) -> bool:
    if key in BACKUPBOT_LABELS:
        return True
    if not key.startswith(_VOLUMES):
        return False
    rest = key[len(_VOLUMES):]
    if rest.endswith(".path"):
        rest = rest[:-len(".path")]
    # `<volume>` is one name: no dots, unless the recipe declares a volume with dots in its name
    return bool(rest) and ("." not in rest or rest in volumes)


def _candidates(key: str) -> list[str]:
    vol = key[len(_VOLUMES):].split(".", 1)[0] if key.startswith(_VOLUMES) else "<volume>"
    return [k.replace("<volume>", vol or "<volume>") for k in BACKUPBOT_LABELS]


class UnknownBackupbotLabel(Rule):
    code = "B005"
    name = "unknown-backupbot-label"
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "A `backupbot.*` label that backupbot does not read."
    why = """
    backupbot reads a small, fixed set of labels: `backupbot.backup`, its `pre-hook` and
    `post-hook`, `backupbot.backup.volumes.<volume>` and `.path`, `backupbot.restore.pre-hook` and
    `post-hook`, and the older `backupbot.backup.path`. Any other `backupbot.*` key is ignored
    without a word, so a misspelt hook (`prehook`, `post_hook`) or an invented one
    (`backupbot.backup.command`) means the dump or the replay the author meant never runs.
    """
    fix = """
    Rename the label to the one backupbot reads (the message suggests the closest); a command that
    writes a dump belongs in `backupbot.backup.pre-hook`, one that replays it in
    `backupbot.restore.post-hook`.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            volumes = set(view.volumes)
            for key, lab in svc.labels.items():
                if not (key == "backupbot" or key.startswith("backupbot.")) or _known(key, volumes):
                    continue
                hint = None
                if lab.value:  # a command in the value says which hook was meant
                    if analyse(recipe, view, svc, lab.value, readers=False).tools:
                        hint = "backupbot.backup.pre-hook"
                    elif analyse(recipe, view, svc, lab.value, readers=True).tools:
                        hint = "backupbot.restore.post-hook"
                if hint is None:
                    import difflib  # only for an unknown label

                    close = difflib.get_close_matches(key, _candidates(key), n=1, cutoff=0.6)
                    hint = close[0] if close else None
                msg = f"service '{svc.name}': backupbot does not read the label '{key}'"
                msg += f"; did you mean '{hint}'?" if hint else "; it is ignored"
                yield self.finding(lab.key_node, msg, service=svc.name, data={"label": key, "suggest": hint})

    valid = [
        Example(compose="""\
services:
  db:
    image: postgres:16
    volumes:
      - db-data:/var/lib/postgresql/data
      - scratch:/scratch
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U app app > /var/lib/postgresql/data/backup.sql"
        backupbot.backup.post-hook: "rm /var/lib/postgresql/data/backup.sql"
        backupbot.backup.volumes.db-data.path: "backup.sql"
        backupbot.backup.volumes.scratch: "false"
        backupbot.restore.pre-hook: "true"
        backupbot.restore.post-hook: "psql -U app app < /var/lib/postgresql/data/backup.sql"
volumes:
  db-data:
  scratch:
""", note="every label backupbot reads"),
        Example(compose="""\
services:
  app:
    image: nginx
    labels:
      - "backupbot.backup=true"
      - "backupbot.backup.path=/srv/a,/srv/b"
      - "traefik.enable=true"
""", note="the older path label; other label families are not ours"),
    ]
    invalid = [
        Example(compose="""\
services:
  db:
    image: postgres:16
    deploy:
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.command=pg_dump -U app app"
""", expect=[(7, 12)], note="an invented label whose value is a dump: suggests the pre-hook"),
        Example(compose="""\
services:
  db:
    image: postgres:16
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.prehook: "/pg_backup.sh backup"
        backupbot.restore.post_hook: "/pg_backup.sh restore"
        backupbot.backup.volumes.db.paths: "backup.sql"
""", expect=[(7, 9), (8, 9), (9, 9)], note="misspelt hooks and a misspelt volume path"),
    ]
