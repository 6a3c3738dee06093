from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._backupbot import analyse, backup_plan, covers, dump_outputs


class BackupDumpOutsideBackupPaths(Rule):
    code = "B003"
    name = "backup-dump-outside-backup-paths"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = "backup-roundtrip"
    summary = "A backup pre-hook writes its dump to a file that backupbot does not copy."
    why = """
    The pre-hook's dump only helps if it lands inside what backupbot copies afterwards: the
    service's named volumes (all of them once a service of the stack says `backupbot.backup=true`),
    narrowed by `backupbot.backup.volumes.<volume>.path` (relative to the volume root) or
    `backupbot.backup.volumes.<volume>: "false"`, or the container paths of the older
    `backupbot.backup.path`. A dump written to `/tmp`, to the container's own filesystem, or to a
    volume whose path label names a different file is thrown away with the container, and the
    backup holds no usable copy of the database.

    The dump's file is read from the hook (or from the script it runs): a redirect `> FILE` of the
    pipeline with the dump tool, or the tool's output option (`-f`/`--file`, `-r`/`--result-file`,
    `-o`/`--out`/`--archive`, `--rdb`, sqlite3 `.backup FILE`). When the file or the backed-up
    paths cannot be known statically (a shell variable, an unresolved env value), nothing is
    reported.
    """
    fix = """
    Write the dump into a backed-up volume (for postgres, e.g. `/var/lib/postgresql/data/backup.sql`)
    and, if that volume is limited by `backupbot.backup.volumes.<volume>.path`, make the path name
    the dump file (relative to the volume root).
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            pre = svc.labels.get("backupbot.backup.pre-hook")
            if pre is None or not pre.value:
                continue
            writes = analyse(recipe, view, svc, pre.value, readers=False)
            if not writes.tools:
                continue
            outputs = dump_outputs(writes.text)
            if not outputs:
                continue  # the dump's file is unknown
            plan = backup_plan(recipe, view, svc)
            if not plan.known or not (plan.enabled or plan.paths):
                continue  # what is backed up is unknown, or the stack is not backed up at all
            for out in outputs:
                if any(covers(item.path, out) for item in plan.paths):
                    continue
                where = ", ".join(item.path for item in plan.paths) or "nothing of this service"
                via = f" (in {writes.via_script})" if writes.via_script else ""
                yield self.finding(
                    pre.key_node,
                    f"service '{svc.name}': the backup pre-hook{via} writes its {writes.tools[0]} dump to "
                    f"{out}, which is not under any backed-up path ({where})",
                    service=svc.name, data={"dump": out, "backed_up": [i.path for i in plan.paths]},
                )

    valid = [
        Example(compose="""\
services:
  db:
    image: postgres:16
    volumes:
      - db-data:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U app -f /var/lib/postgresql/data/backup.sql app"
        backupbot.backup.volumes.db-data.path: "backup.sql"
        backupbot.restore.post-hook: "psql -U app -f /var/lib/postgresql/data/backup.sql app"
volumes:
  db-data:
""", note="the dump is the one file the volume path names"),
        Example(compose="""\
services:
  db:
    image: postgres:16
    volumes:
      - db-data:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U app app > $$DUMP_FILE"
volumes:
  db-data:
""", note="the dump's file is a shell variable: unknown, no finding"),
    ]
    invalid = [
        Example(compose="""\
services:
  db:
    image: postgres:16
    volumes:
      - db-data:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U app app > /tmp/backup.sql"
        backupbot.restore.post-hook: "psql -U app app < /tmp/backup.sql"
volumes:
  db-data:
""", expect=[(9, 9)], note="dump to /tmp, which is not a volume"),
        Example(compose="""\
services:
  db:
    image: mariadb:11
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        - backupbot.backup=true
        - backupbot.backup.pre-hook=mariadb-dump -uroot --all-databases --result-file=/var/lib/mysql/dump.sql
        - backupbot.backup.volumes.mariadb.path=backup.sql
volumes:
  mariadb:
""", expect=[(9, 11)], note="the volume path names another file than the dump"),
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:1
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.path: "/srv/uploads"
        backupbot.backup.pre-hook: "/usr/local/bin/dump"
    configs:
      - source: dump
        target: /usr/local/bin/dump
configs:
  dump:
    file: ./dump.sh
""", files={"dump.sh": "#!/bin/sh\nmongodump --host mongo --out /srv/dump\n"},
                expect=[(8, 9)], note="mongodump in a mounted script writes outside the legacy path"),
    ]
