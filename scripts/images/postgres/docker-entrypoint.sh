#!/bin/bash
# Entrypoint of recipelint-test/postgres:15 (built by
# scripts/build-test-images).  A small re-implementation of the parts of the
# official postgres image's entrypoint that recipes and tests rely on:
#   - POSTGRES_USER (default postgres), POSTGRES_PASSWORD, POSTGRES_DB
#     (default = POSTGRES_USER), POSTGRES_INITDB_ARGS,
#     POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), each also as
#     <VAR>_FILE (docker secrets);
#   - initdb only when $PGDATA holds no cluster yet;
#   - listens on all addresses; password auth over the network, trust on
#     the local unix socket;
#   - runs /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz once, on init;
#   - drops from root to the postgres user and execs the server.
set -Eeuo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%F %T UTC')" "$*"; }
die() { log "error: $*" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR from $VAR or from the file named by $VAR_FILE.
file_env() {
  local var=$1 fvar="${1}_FILE" def=${2:-} val
  if [[ -n ${!var:-} && -n ${!fvar:-} ]]; then
    die "both $var and $fvar are set (but are exclusive)"
  fi
  val=$def
  if [[ -n ${!var:-} ]]; then
    val=${!var}
  elif [[ -n ${!fvar:-} ]]; then
    [[ -r ${!fvar} ]] || die "$fvar=${!fvar}: file not readable"
    val=$(<"${!fvar}")
  fi
  export "$var=$val"
  unset "$fvar"
}

# `docker run img -c foo=bar` means `postgres -c foo=bar`.
if [[ $# -eq 0 || ${1:0:1} == '-' ]]; then
  set -- postgres "$@"
fi

if [[ $1 != postgres ]]; then
  exec "$@" # pg_dump, psql, bash, ... : run as asked
fi
# `postgres --version`, `postgres -C setting`, ... : no server, no init.
for arg in "${@:2}"; do
  case $arg in
    '-?' | --help | --describe-config | -V | --version | -C) exec "$@" ;;
  esac
done

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [[ $(id -u) -eq 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres /var/run/postgresql
  chmod 2777 /var/run/postgresql
  # Only fix ownership of a directory we are about to initialise or that
  # is ours; do not recurse into someone else's data blindly.
  if [[ "$(stat -c %U "$PGDATA")" != postgres ]]; then
    chown -R postgres:postgres "$PGDATA"
  fi
  chmod 700 "$PGDATA"
  # Re-exec ourselves as postgres (setpriv is util-linux, no PAM, no gosu).
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

file_env POSTGRES_USER postgres
file_env POSTGRES_PASSWORD
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    die "database is uninitialized and superuser password is not specified.
  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), or
  POSTGRES_HOST_AUTH_METHOD=trust to allow connections without a password."
  fi
  [[ -z "$(ls -A "$PGDATA")" ]] || die "$PGDATA is not empty but holds no cluster (no PG_VERSION)"

  log "initialising cluster in $PGDATA for user '$POSTGRES_USER'"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" \
    --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
    $POSTGRES_INITDB_ARGS >/dev/null
  rm -f "$pwfile"

  # Listen everywhere; password auth for every network client.
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  if [[ $POSTGRES_HOST_AUTH_METHOD == md5 ]]; then
    printf "password_encryption = md5\n" >>"$PGDATA/postgresql.conf"
  fi
  cat >"$PGDATA/pg_hba.conf" <<EOF
# written by docker-entrypoint.sh
# TYPE  DATABASE        USER    ADDRESS         METHOD
local   all             all                     trust
local   replication     all                     trust
host    all             all     all             $POSTGRES_HOST_AUTH_METHOD
host    replication     all     all             $POSTGRES_HOST_AUTH_METHOD
EOF

  # Temporary socket-only server for POSTGRES_DB and init scripts.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w -t 60 start >/dev/null
  psql_cmd=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password)
  if [[ $POSTGRES_DB != postgres ]]; then
    exists=$("${psql_cmd[@]}" --dbname postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '${POSTGRES_DB//\'/\'\'}'")
    if [[ $exists != 1 ]]; then
      "${psql_cmd[@]}" --dbname postgres --set db="$POSTGRES_DB" -q <<<'CREATE DATABASE :"db";'
    fi
  fi
  shopt -s nullglob
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh)
        if [[ -x $f ]]; then
          log "running $f"
          "$f"
        else
          log "sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) log "running $f"; "${psql_cmd[@]}" --dbname "$POSTGRES_DB" -q -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql_cmd[@]}" --dbname "$POSTGRES_DB" -q ;;
      *) log "ignoring $f" ;;
    esac
  done
  shopt -u nullglob
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  log "init done; starting postgres"
fi

unset POSTGRES_PASSWORD
exec "$@"
