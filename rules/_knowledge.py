"""Knowledge the rules use, kept as tables a reader can extend without touching logic."""

# Commands that write a database dump (B001, B003): name -> regex over a hook or script.
# `_cmd(x)` matches x as a command word (also as /usr/bin/x), not inside a path like /var/lib/x/.
def _cmd(name: str, tail: str = "") -> str:
    return r"(?<![\w.-])(?:/[\w./-]*/)?" + name + r"(?![\w./-])" + tail


DUMP_WRITERS = {
    "pg_dump": _cmd("pg_dump"),
    "pg_dumpall": _cmd("pg_dumpall"),
    "mysqldump": _cmd("mysqldump"),
    "mariadb-dump": _cmd("mariadb-dump"),
    "mongodump": _cmd("mongodump"),
    "sqlite3 .backup/.dump": _cmd("sqlite3", r"[^;&|\n]*[\"' ]\.(?:backup|dump)\b"),
    "redis-cli --rdb": _cmd("redis-cli", r"[^;&|\n]*--rdb\b"),
}

# Commands that replay a dump into the live database (what a restore.post-hook must do).
DUMP_READERS = {
    "psql": _cmd("psql"),
    "pg_restore": _cmd("pg_restore"),
    "mysql": _cmd("mysql"),
    "mariadb": _cmd("mariadb"),
    "mongorestore": _cmd("mongorestore"),
    "sqlite3 .restore/.read": _cmd("sqlite3", r"[^;&|\n]*(?:\.restore|\.read|<)"),
    "redis rdb copy": _cmd("(?:cp|mv|install)", r"[^;&|\n]*\.rdb\b"),
}

# Where database images keep their live data directory by default (B002).
LIVE_DATA_DIRS = {
    "postgres": ["/var/lib/postgresql/data", "/var/lib/postgresql"],
    "postgis": ["/var/lib/postgresql/data", "/var/lib/postgresql"],
    "pgvector": ["/var/lib/postgresql/data", "/var/lib/postgresql"],
    "mariadb": ["/var/lib/mysql"],
    "mysql": ["/var/lib/mysql"],
    "mongo": ["/data/db"],
}
# Env variables that move a live data directory (PGDATA=/x/pgdata).
DATA_DIR_ENV = ("PGDATA",)

# Every label backupbot reads; `<volume>` stands for a volume name (B005).
BACKUPBOT_LABELS = (
    "backupbot.backup",
    "backupbot.backup.pre-hook",
    "backupbot.backup.post-hook",
    "backupbot.backup.path",
    "backupbot.backup.volumes.<volume>",
    "backupbot.backup.volumes.<volume>.path",
    "backupbot.restore",
    "backupbot.restore.pre-hook",
    "backupbot.restore.post-hook",
)

# Networks that are shared between stacks on a Co-op Cloud swarm even when a recipe
# does not say `external: true` (N001). Any network declared external is shared too.
SHARED_NETWORKS = ("proxy",)

# Bare service names that other stacks on a shared network almost surely also register (N001):
# every Co-op Cloud recipe calls its main service `app`, and most put it on `proxy`.
CONVENTIONAL_SERVICE_NAMES = ("app",)

# Environment variable name patterns whose values are host names or URLs (N001).
ADDRESS_ENV_SUFFIXES = ("_HOST", "_HOSTNAME", "_URL", "_URI", "_ADDR", "_ADDRESS", "_UPSTREAM", "_ENDPOINT",
                        "_SERVER")

# Files that an app rewrites at start or upgrade, so a read-only config over them breaks it (C001).
# image name fragment (matched inside the image's repository) -> container paths the app writes.
# Only apps seen writing the file on a normal start or upgrade belong here (synapse, e.g., only
# writes homeserver.yaml in its explicit `generate` mode, so it is not listed).
APP_REWRITTEN_FILES = {
    "gitea": ["/etc/gitea/app.ini", "/data/gitea/conf/app.ini"],
    "forgejo": ["/etc/gitea/app.ini", "/data/gitea/conf/app.ini"],
    "nextcloud": ["/var/www/html/config/config.php"],
    "mattermost": ["/mattermost/config/config.json"],
}
