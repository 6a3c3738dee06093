from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._backupbot import backup_plan, covers, enabling_labels, is_true, live_data_dirs


class BackupPathIsLiveDatabaseDir(Rule):
    code = "B002"
    name = "backup-path-is-live-database-dir"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = "backup-roundtrip"
    live_verdict = ("confirmed only if the copy tears: after the restore the marker row is missing or the database "
                    "does not start; an idle test database often copies consistently, so a refuted run does not "
                    "clear this finding")
    summary = "backupbot copies a database's live data directory while the database runs."
    why = """
    backupbot copies files out of the running container. A database's data directory (PGDATA,
    MySQL/MariaDB's datadir, mongo's /data/db) changes under the copy: pages, WAL and catalog files
    are caught at different moments, so the copy is torn and may not start, or starts with silently
    lost or corrupt data. Restoring it also writes files under a running server, which keeps its
    own state in memory and overwrites them. A dump taken by a pre-hook is the consistent copy; the
    data directory itself should not be in the backup. The seed's mattermost-lts backed up
    `/var/lib/postgresql/data/` with the legacy `backupbot.backup.path` label.

    The directory is found from the image (postgres, postgis, pgvector, timescaledb, mariadb, mysql,
    mongo, bitnami variants), or from a `PGDATA` environment variable or a `--datadir`/`--dbpath`
    server option, which replace the image's default. A backed-up path counts when it is the data
    directory or one of its parents; a file inside it (a dump such as `backup.sql`) is fine.
    """
    fix = """
    Back up the dump only: write it with a `backupbot.backup.pre-hook` into the data volume and
    limit that volume to the dump file with `backupbot.backup.volumes.<volume>.path: backup.sql`
    (or drop the volume with `backupbot.backup.volumes.<volume>: "false"` when the dump lives
    elsewhere), and replay it with a `backupbot.restore.post-hook`.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            live, known = live_data_dirs(recipe, svc)
            if not known or not live:
                continue
            plan = backup_plan(recipe, view, svc)
            if not plan.paths:
                continue
            own = svc.labels.get("backupbot.backup")  # report a whole volume here, else where the stack enables
            enablers = enabling_labels(recipe, view)
            for item in plan.paths:
                hit = next((d for d in live if covers(item.path, d)), None)
                if hit is None:
                    continue
                if item.label is not None:
                    at = item.label.key_node
                    how = f"{item.label.key} names {item.path}"
                else:
                    lab = own if own is not None and is_true(recipe, own.value) else \
                        (enablers[0][1] if enablers else None)
                    if lab is None:
                        continue
                    at = lab.key_node
                    how = f"the whole volume '{item.volume}' (mounted at {item.path}) is backed up"
                yield self.finding(
                    at,
                    f"service '{svc.name}': {how}, which holds the live database directory {hit}; "
                    "a copy taken while the database runs is torn",
                    service=svc.name, data={"path": item.path, "data_dir": hit, "volume": item.volume},
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
        backupbot.backup.pre-hook: "pg_dump -U app app > /var/lib/postgresql/data/backup.sql"
        backupbot.backup.volumes.db-data.path: "backup.sql"
        backupbot.restore.post-hook: "psql -U app app < /var/lib/postgresql/data/backup.sql"
volumes:
  db-data:
""", note="only the dump file of the data volume is backed up"),
        Example(compose="""\
services:
  app:
    image: nginx
    volumes:
      - uploads:/var/www/uploads
    deploy:
      labels:
        backupbot.backup: "true"
  db:
    image: mariadb:11
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        backupbot.backup.volumes.mariadb: "false"
volumes:
  uploads:
  mariadb:
""", note="the database volume is excluded"),
        Example(compose="""\
services:
  db:
    image: postgres:16
    environment:
      PGDATA: /var/lib/postgresql/data/pgdata
    volumes:
      - db-data:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.path: "/var/lib/postgresql/data/dump"
volumes:
  db-data:
""", note="PGDATA moved to a sub-directory; a sibling dump directory is backed up"),
    ]
    invalid = [
        Example(compose="""\
services:
  postgres:
    image: postgres:15
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U mm mm > /var/lib/postgresql/data/postgres-backup.sql"
        backupbot.backup.path: "/var/lib/postgresql/data/"
volumes:
  postgres:
""", expect=[(10, 9)], note="the seed's mattermost-lts: legacy path label on PGDATA"),
        Example(compose="""\
services:
  db:
    image: mariadb:11
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        - backupbot.backup=true
volumes:
  mariadb:
""", expect=[(8, 11)], note="a whole MariaDB data volume is backed up"),
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:2
    deploy:
      labels:
        backupbot.backup: "true"
  mongo:
    image: mongo:7
    volumes:
      - mongo:/data
    deploy:
      labels:
        backupbot.backup.volumes.mongo.path: "db,dump"
volumes:
  mongo:
""", expect=[(13, 9)], note="a volume path (relative to the volume root) that is mongo's /data/db"),
        Example(compose="""\
services:
  db:
    image: postgres:16
    environment:
      - PGDATA=/srv/pg
    volumes:
      - pg:/srv
    deploy:
      labels:
        backupbot.backup: "true"
volumes:
  pg:
""", expect=[(10, 9)], note="PGDATA moved; the volume above it is backed up whole"),
    ]
