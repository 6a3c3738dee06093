from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._backupbot import analyse


class BackupDumpNotRestored(Rule):
    code = "B001"
    name = "backup-dump-not-restored"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = "backup-roundtrip"
    live_verdict = ("confirmed: restore loses the data - the marker table written before the backup is missing "
                    "after the restore (service '{service}', {dump_tool} dump never replayed)")
    summary = "A backup pre-hook writes a database dump, but no restore post-hook replays it."
    why = """
    backupbot runs `backupbot.backup.pre-hook` in the service's container before it copies the
    backed-up paths, so a pre-hook with `pg_dump`, `pg_dumpall`, `mysqldump`, `mariadb-dump`,
    `mongodump`, sqlite3 `.backup`/`.dump` or `redis-cli --rdb` (directly, through `sh -c`, or in
    a script mounted into the container as a config, secret or bind mount) puts a consistent
    dump into the backup. A restore copies the files back, and then runs
    `backupbot.restore.post-hook`. Without a post-hook that feeds the dump back to the database
    (`psql`, `pg_restore`, `mysql`...), the dump lies unused on the volume and the database keeps
    whatever state it had: the restore silently loses data. This is the seed's mattermost-lts
    failure: `relation "ci_marker" does not exist` after a restore.
    """
    fix = """
    Add a `backupbot.restore.post-hook` on the same service that replays the dump, e.g.
    `psql -U $$POSTGRES_USER -d $$POSTGRES_DB -f /var/lib/postgresql/data/backup.sql`, or use a
    script with backup and restore modes (`/pg_backup.sh backup` / `/pg_backup.sh restore`).
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            labels = svc.labels
            pre = labels.get("backupbot.backup.pre-hook")
            if pre is None or not pre.value:
                continue
            writes = analyse(recipe, view, svc, pre.value, readers=False)
            if not writes.tools:
                continue
            post = labels.get("backupbot.restore.post-hook")
            tool = writes.tools[0] + (f" (in {writes.via_script})" if writes.via_script else "")
            if post is None or not post.value:
                yield self.finding(
                    pre.key_node,
                    f"service '{svc.name}': backup pre-hook writes a {tool} dump, "
                    "but there is no backupbot.restore.post-hook to replay it",
                    service=svc.name, data={"dump_tool": writes.tools[0], "hook": pre.value},
                )
                continue
            replays = analyse(recipe, view, svc, post.value, readers=True)
            if not replays.tools:
                yield self.finding(
                    pre.key_node,
                    f"service '{svc.name}': backup pre-hook writes a {tool} dump, but the "
                    f"backupbot.restore.post-hook ({post.value!r}) does not replay it",
                    service=svc.name, data={"dump_tool": writes.tools[0], "hook": pre.value},
                )

    valid = [
        Example(compose="""\
services:
  db:
    image: postgres:15
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U app app > /var/lib/postgresql/data/backup.sql"
        backupbot.restore.post-hook: "psql -U app app < /var/lib/postgresql/data/backup.sql"
""", note="dump and replay on the same service"),
        Example(compose="""\
services:
  db:
    image: postgres:15
    configs:
      - source: pg_backup
        target: /pg_backup.sh
        mode: 0555
    deploy:
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.pre-hook=/pg_backup.sh backup"
        - "backupbot.restore.post-hook=/pg_backup.sh restore"
configs:
  pg_backup:
    file: ./pg_backup.sh
""", files={"pg_backup.sh": "#!/bin/sh\ncase $1 in\n  backup) pg_dump -U app app > /backup.sql;;\n"
                            "  restore) psql -U app app < /backup.sql;;\nesac\n"},
                note="list-form labels, dump and replay in a mounted script"),
        Example(compose="""\
services:
  app:
    image: nginx
    deploy:
      labels:
        backupbot.backup.pre-hook: "echo flushing"
""", note="a pre-hook that does not dump"),
        Example(compose="""\
services:
  db:
    image: mongo:7
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "mongodump --archive=/data/db/dump.archive"
        backupbot.restore.post-hook: "mongorestore --drop --archive=/data/db/dump.archive"
""", note="mongo dump and restore"),
        Example(compose="""\
services:
  db:
    image: mariadb:11
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "rm -rf /var/lib/mysql/old-dump.sql"
""", note="a data-dir path that contains a tool's name is not a dump"),
    ]
    invalid = [
        Example(compose="""\
services:
  db:
    image: postgres:15
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U app app > /var/lib/postgresql/data/backup.sql"
        backupbot.backup.post-hook: "rm -f /var/lib/postgresql/data/backup.sql"
""", expect=[(7, 9)], note="the seed's mattermost-lts: dump, no replay"),
        Example(compose="""\
services:
  db:
    image: mariadb:11
    labels:
      - "backupbot.backup=true"
      - "backupbot.backup.pre-hook=mariadb-dump -u root --all-databases > /var/lib/mysql/dump.sql"
      - "backupbot.restore.post-hook=rm /var/lib/mysql/dump.sql"
""", expect=[(6, 10)], note="list-form service labels; a post-hook that does not replay"),
        Example(compose="""\
services:
  db:
    image: postgres:15
    configs:
      - source: pg_backup
        target: /pg_backup.sh
    deploy:
      labels:
        backupbot.backup.pre-hook: /pg_backup.sh backup
configs:
  pg_backup:
    file: ./pg_backup.sh
""", files={"pg_backup.sh": "#!/bin/sh\npg_dumpall -U postgres > /var/lib/postgresql/data/all.sql\n"},
                expect=[(9, 9)], note="the dump happens in a mounted script"),
            Example(compose="""\
services:
  db:
    image: mysql:8
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: >-
          sh -c 'exec mysqldump -uroot -p"$$(cat /run/secrets/root)" --all-databases
          | gzip > /var/lib/mysql/backup.sql.gz'
""", expect=[(7, 9)], note="mysqldump inside `sh -c`, piped through gzip"),
        Example(compose="""\
services:
  db:
    image: mongo:7
    deploy:
      labels:
        - backupbot.backup=true
        - backupbot.backup.pre-hook=mongodump --archive=/data/db/dump.archive
        - backupbot.restore.post-hook=echo restored
""", expect=[(7, 11)], note="mongodump, a post-hook that only echoes"),
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:1.0
    volumes:
      - ./scripts:/scripts:ro
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "/scripts/backup.sh"
""", files={"scripts/backup.sh": "#!/bin/sh\nset -e\nsqlite3 /data/app.db \".backup '/data/app.bak'\"\n"},
                expect=[(9, 9)], note="sqlite3 .backup in a script inside a bind-mounted directory"),
        Example(compose="""\
services:
  cache:
    image: redis:7
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "redis-cli --rdb /data/dump.rdb"
""", expect=[(7, 9)], note="redis-cli --rdb with no restore"),
    ]
