"""Knowledge the rules use, kept as tables a reader can extend without touching logic."""

# ---------------------------------------------------------------- backups (B001-B005)
# A command is recognised by its program name (the basename of a simple command's first word,
# after `VAR=x`, `exec`, `sudo`, `sh -c '...'` and friends are peeled off), optionally with
# a regex its arguments must match. So `/usr/bin/pg_dump` counts, `rm -rf /var/lib/mysql` does not.

# Commands that write a database dump (B001, B003): label -> (program regex, argument regex or None).
DUMP_WRITERS = {
    "pg_dump": ("pg_dump", None),
    "pg_dumpall": ("pg_dumpall", None),
    "mysqldump": ("mysqldump", None),
    "mariadb-dump": ("mariadb-dump", None),
    "mongodump": ("mongodump", None),
    "sqlite3 .backup/.dump": ("sqlite3", r"(?:^|[\s\"'])\.(?:backup|dump)\b"),
    "redis-cli --rdb": ("redis-cli", r"--rdb\b"),
}

# Commands that replay a dump into the live database (what a restore.post-hook must do).
DUMP_READERS = {
    "psql": ("psql", None),
    "pg_restore": ("pg_restore", None),
    "mysql": ("mysql", None),
    "mariadb": ("mariadb", None),
    "mongorestore": ("mongorestore", None),
    "sqlite3 .restore/.read": ("sqlite3", r"\.restore\b|\.read\b|<"),
    "redis rdb copy": ("cp|mv|install", r"\.rdb\b"),
}

# Words that may stand before the real program of a simple command: they are skipped.
# value: how many following words they take as their own arguments.
COMMAND_PREFIXES = {
    "exec": 0, "sudo": 0, "nice": 0, "nohup": 0, "time": 0, "command": 0, "env": 0, "then": 0, "do": 0,
    "else": 0, "if": 0, "elif": 0, "while": 0, "until": 0, "!": 0, "{": 0,
    "gosu": 1, "su-exec": 1, "chpst": 0,
}
# Shells whose `-c STRING` is itself a command line.
SHELLS = ("sh", "bash", "ash", "dash", "zsh")

# Where a dump command writes its output, per tool (B003), besides a shell redirection `> FILE`:
# options that take the output file (or directory) as their value.
DUMP_OUTPUT_OPTIONS = {
    "pg_dump": ("-f", "--file"),
    "pg_dumpall": ("-f", "--file"),
    "mysqldump": ("-r", "--result-file"),
    "mariadb-dump": ("-r", "--result-file"),
    "mongodump": ("-o", "--out", "--archive"),
    "redis-cli --rdb": ("--rdb",),
}

# Where database images keep their live data directory by default (B002).
# key: an image's repository name (the last path part, without tag) -> container paths.
LIVE_DATA_DIRS = {
    "postgres": ["/var/lib/postgresql/data", "/var/lib/postgresql"],
    "postgis": ["/var/lib/postgresql/data", "/var/lib/postgresql"],
    "pgvector": ["/var/lib/postgresql/data", "/var/lib/postgresql"],
    "timescaledb": ["/var/lib/postgresql/data"],
    "postgresql": ["/bitnami/postgresql"],  # bitnami/postgresql
    "mariadb": ["/var/lib/mysql", "/bitnami/mariadb"],
    "mysql": ["/var/lib/mysql", "/bitnami/mysql"],
    "percona-server": ["/var/lib/mysql"],
    "mongo": ["/data/db"],
    "mongodb": ["/bitnami/mongodb"],
}
# Env variables that move a live data directory (PGDATA=/x/pgdata); they replace the defaults.
DATA_DIR_ENV = ("PGDATA",)
# Server options (in `command`/`entrypoint`) that move it: `--datadir=/x`, `--dbpath /x`.
DATA_DIR_OPTIONS = ("--datadir", "--dbpath")

# Every label backupbot reads; `<volume>` stands for a volume name (B005). From the backupbot
# specification (docs.coopcloud.tech, backup-bot-two): `backupbot.backup` on one service enables the
# whole stack; volumes are all backed up unless `...volumes.<volume>=false`; `...volumes.<volume>.path`
# limits a volume to comma-separated paths relative to its root; pre/post hooks for backup and
# restore run inside the service's container. `backupbot.backup.path` (container paths) is the
# older backup-bot's label, still found in recipes.
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
# Values of `backupbot.backup` (after interpolation) that enable backups.
TRUTHY = ("true", "1", "yes", "on")

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

# ---------------------------------------------------------------- abra parity (R001-R015)
# The compose file format version abra expects in every compose file (R001).
ABRA_COMPOSE_VERSION = "3.8"

# Image tags that move: the image behind them changes without the recipe changing (R004).
# abra itself only knows `latest`; the others are the usual names of branch or channel builds.
UNSTABLE_TAGS = ("latest", "main", "master", "trunk", "head", "edge", "nightly", "dev", "develop", "development",
                 "unstable", "canary", "next", "rolling", "snapshot", "testing", "experimental")

# README.md metadata block (R007): `<!-- metadata -->` ... `<!-- endmetadata -->` holding lines like
# `* **Category**: Apps`. abra reads these fields; the ones it requires are marked True.
README_METADATA_START = "<!-- metadata -->"
README_METADATA_END = "<!-- endmetadata -->"
README_METADATA_FIELDS = {
    "Category": True, "Status": False, "Image": True, "Healthcheck": True, "Backups": True,
    "Email": True, "Tests": False, "SSO": True,
}
# Values that mean "not filled in yet" (compared case-insensitively, after stripping).
README_METADATA_PLACEHOLDERS = ("", "?", "??", "todo", "tbd", "fixme", "...", "xxx")

# Secret names (R015). abra stores a secret as `<stack>_<secret>_<version>`; Docker refuses config and
# secret names over 64 characters; abra cuts stack names (derived from the app's domain) to 45 characters,
# and keeps secret names to 12 so that 45 + 1 + 12 + 1 + a version of up to 5 characters fits in 64.
DOCKER_OBJECT_NAME_MAX = 64
ABRA_STACK_NAME_MAX = 45
ABRA_SECRET_NAME_MAX = 12
ABRA_DEFAULT_SECRET_VERSION = "v1"

# ---------------------------------------------------------------- reference integrity (I002-I011)
# Variables abra puts into the interpolation environment on every deploy, whatever the app's .env
# holds: STACK_NAME is derived from the app's name (`example.org` -> `example_org`). abra
# interpolates with the app's .env plus abra.sh exports plus these, and nothing from the shell.
ABRA_PROVIDED_VARS = ("STACK_NAME",)

# Compose names a service may use without declaring them at the top level (I002).
IMPLICIT_NETWORKS = ("default",)

# The label abra reads to know which recipe version an app runs (I011); `{stack}` stands for
# the literal `${STACK_NAME}` a recipe writes in the key.
VERSION_LABEL = "coop-cloud.{stack}.version"

# ---------------------------------------------------------------- traefik (P001-P004)
# Traefik's Docker provider in Swarm mode reads a service's `deploy.labels`, never its container
# `labels`; it cannot detect ports in Swarm mode, so every service needs an explicit port; and the
# Co-op Cloud traefik recipe runs with `exposedByDefault: false`, so only `traefik.enable=true`
# services are routed at all.
TRAEFIK_LABEL_PREFIX = "traefik."
TRAEFIK_PROTOCOLS = ("http", "tcp", "udp")
# Values of traefik.enable that switch routing on (after interpolation): Go's strconv.ParseBool.
TRAEFIK_TRUE = ("1", "t", "T", "TRUE", "true", "True")
TRAEFIK_FALSE = ("0", "f", "F", "FALSE", "false", "False")
# The entrypoints the Co-op Cloud traefik recipe defines for HTTP routers (P006). Its overlays add
# TCP/UDP entrypoints (gitea-ssh, ssb-muxrpc, smtp-submission...), which P006 does not judge.
TRAEFIK_HTTP_ENTRYPOINTS = ("web", "web-secure")
# Services into whose environment abra itself copies every variable of the app's env file (and
# abra.sh exports, STACK_NAME) at deploy, without overriding what the recipe sets (abra's
# ExposeAllEnv, for the service called `app`). A golang template mounted by them can read any
# variable the operator's env has (I008).
ABRA_ENV_EXPOSED_SERVICES = ("app",)
