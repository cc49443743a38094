#!/usr/bin/env bash
# Installs (if needed), starts and stops the local PostgreSQL 15 used by the storage contract tests.
# Usage: scripts/services/postgres.sh start   # prints the connection string on stdout
#        scripts/services/postgres.sh stop
# Idempotent and non-interactive (safe under CI=true with no stdin). Needs root: there is no systemd
# here and Debian's package scripts may not start services, so we drive pg_ctlcluster ourselves.
set -euo pipefail

version=15
cluster=main
role=penguin
password=penguin
database=penguin_test
connection="Host=127.0.0.1;Username=${role};Password=${password};Database=${database}"

log() { echo "postgres.sh: $*" >&2; }

as_postgres() { su postgres -s /bin/sh -c "$1" </dev/null; }

psql_admin() { as_postgres "psql -X -q -t -A -v ON_ERROR_STOP=1 -c \"$1\""; }

install() {
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d "/etc/postgresql/${version}/${cluster}" ]; then return; fi
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q postgresql >&2
}

running() { pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }' | grep -q online; }

# Loopback only: nothing outside this machine may reach the test server. The test classes run in parallel,
# each with its own pool, and the cluster suite starts several nodes: 100 connections (the default) ran out
# in CI, so allow more. The settings live in conf.d so that every start uses them, also the restart made by
# the cluster suite's "database stopped" fault test (it once came back with 100 and a later suite ran out).
# pg_stat_statements (nested statements too, i.e. inside the send function) is loaded for the cluster
# benchmark's profile; it costs the tests nothing measurable.
configure() {
  local file="/etc/postgresql/${version}/${cluster}/conf.d/penguin.conf"
  local wanted="listen_addresses = '127.0.0.1'
max_connections = 400
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all"
  if [ "$(cat "$file" 2>/dev/null)" != "$wanted" ]; then
    mkdir -p "$(dirname "$file")"
    printf '%s\n' "$wanted" > "$file"
    chmod 644 "$file"
    if running; then log "settings changed: restarting"; pg_ctlcluster "$version" "$cluster" restart >&2; fi
  fi
}

start() {
  install
  configure
  if running; then
    log "cluster ${version}/${cluster} already running"
  else
    pg_ctlcluster "$version" "$cluster" start >&2
  fi
  until as_postgres "pg_isready -q -h 127.0.0.1"; do sleep 0.2; done

  if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '${role}'")" != 1 ]; then
    psql_admin "CREATE ROLE ${role} LOGIN PASSWORD '${password}' CREATEDB" >&2
  fi
  # Tests drop their databases WITH (FORCE), which must end every session inside, also ones of other roles (an
  # autovacuum worker): without this grant the drop failed now and then ("must be a member of … pg_signal_backend").
  psql_admin "GRANT pg_signal_backend TO ${role}" >&2
  if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '${database}'")" != 1 ]; then
    # UTF-8 regardless of the machine's locale: nicknames and messages are Chinese first.
    as_postgres "createdb -O ${role} -E UTF8 -T template0 --locale=C.UTF-8 ${database}" >&2
  fi
  echo "$connection"
}

stop() {
  if command -v pg_ctlcluster >/dev/null 2>&1 && running; then
    pg_ctlcluster "$version" "$cluster" stop >&2
    log "stopped"
  else
    log "not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
