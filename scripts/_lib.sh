# shellcheck shell=bash
# Shared helpers for scripts/docker-up, docker-down, build-test-images.
# Sourced, never executed.  Callers run with `set -euo pipefail`.
#
# Knobs (environment variables), all optional:
#   RECIPELINT_DOCKER          docker CLI to use (default /usr/bin/docker from
#                              Debian's docker.io; /usr/local/bin/docker on
#                              this machine is an unrelated client).
#   RECIPELINT_STATE_FILE      what docker-up started (default
#                              /tmp/recipelint-docker-state).
#   RECIPELINT_VERBOSE=1       print progress messages (default: quiet).

RL_SCRIPT_NAME=${RL_SCRIPT_NAME:-$(basename "$0")}
# shellcheck disable=SC2034
RL_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# dockerd, iptables, mmdebstrap and friends live in sbin; CI shells
# sometimes have a PATH without it.
case ":$PATH:" in
  *:/usr/sbin:*) ;;
  *) PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH" ;;
esac
export PATH

DOCKER=${RECIPELINT_DOCKER:-/usr/bin/docker}
# Always talk to the local engine on the standard socket, whatever the
# caller's DOCKER_HOST / docker context says.
RL_DOCKER_SOCK=/var/run/docker.sock
export DOCKER_HOST="unix://$RL_DOCKER_SOCK"
# Debian's docker.io 20.10 CLI: keep the classic builder (BuildKit in this
# version is not needed and its output is noisier).
export DOCKER_BUILDKIT=0
# Never let the CLI ask questions or phone home.
export DOCKER_CLI_HINTS=false

# shellcheck disable=SC2034  # used by the sourcing scripts
RL_STATE_FILE=${RECIPELINT_STATE_FILE:-/tmp/recipelint-docker-state}
RL_LOCK_FILE=/tmp/recipelint-docker.lock
# shellcheck disable=SC2034
RL_DOCKERD_LOG=/tmp/recipelint-dockerd.log
# shellcheck disable=SC2034
RL_DOCKERD_PIDFILE=/var/run/docker.pid

rl_log() {
  if [[ "${RECIPELINT_VERBOSE:-0}" == 1 ]]; then
    printf '%s: %s\n' "$RL_SCRIPT_NAME" "$*" >&2
  fi
  return 0
}

rl_warn() { printf '%s: warning: %s\n' "$RL_SCRIPT_NAME" "$*" >&2; }

rl_die() {
  printf '%s: error: %s\n' "$RL_SCRIPT_NAME" "$*" >&2
  exit 1
}

rl_need_root() {
  [[ $(id -u) -eq 0 ]] || rl_die "must run as root (uses apt-get, dockerd, mmdebstrap)"
}

# Serialise docker-up / docker-down / build-test-images across processes
# (pytest workers, CI steps).  Holds fd 9 for the rest of the script.
rl_lock() {
  exec 9>>"$RL_LOCK_FILE"
  if ! flock -w "${1:-600}" 9; then
    rl_die "timed out waiting for lock $RL_LOCK_FILE (another docker-up/build running?)"
  fi
}

rl_pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# rl_ensure_packages PKG...: apt-get install whichever are missing.
rl_ensure_packages() {
  local missing=() p
  for p in "$@"; do
    rl_pkg_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  rl_need_root
  rl_log "installing ${missing[*]} with apt-get"
  local log=/tmp/recipelint-apt.log policy=/usr/sbin/policy-rc.d made_policy=0
  # docker.io ships a sysvinit script; without a policy-rc.d its postinst
  # would start dockerd itself, and docker-up would then not know it owns
  # it.  Block service starts during the install if nothing else does.
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
        install -y -q --no-install-recommends "${missing[@]}"
  } >"$log" 2>&1 || rc=$?
  ((made_policy)) && rm -f "$policy"
  if ((rc != 0)); then
    tail -n 30 "$log" >&2
    rl_die "apt-get install ${missing[*]} failed (full log: $log)"
  fi
}

# True if a Docker engine answers on the standard socket.
rl_daemon_answers() {
  [[ -S $RL_DOCKER_SOCK ]] || return 1
  timeout 10 "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# --- state file: simple KEY=VALUE lines ---------------------------------
rl_state_get() {
  [[ -f $RL_STATE_FILE ]] || return 0
  sed -n "s/^$1=//p" "$RL_STATE_FILE" | tail -n 1
}

rl_state_set() {
  local tmp
  tmp=$(mktemp "$RL_STATE_FILE.XXXXXX")
  if [[ -f $RL_STATE_FILE ]]; then
    grep -v "^$1=" "$RL_STATE_FILE" >"$tmp" || true
  fi
  printf '%s=%s\n' "$1" "$2" >>"$tmp"
  mv -f "$tmp" "$RL_STATE_FILE"
}

rl_state_del() {
  [[ -f $RL_STATE_FILE ]] || return 0
  local tmp
  tmp=$(mktemp "$RL_STATE_FILE.XXXXXX")
  grep -v "^$1=" "$RL_STATE_FILE" >"$tmp" || true
  mv -f "$tmp" "$RL_STATE_FILE"
}

# True if PID is alive and is a dockerd process.
rl_is_dockerd_pid() {
  local pid=$1
  [[ -n $pid && -r /proc/$pid/comm ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]
}
