#!/usr/bin/env bash
# Installs (if needed), starts and stops the local RabbitMQ used by the bus and cluster tests.
# Usage: scripts/services/rabbitmq.sh start   # prints the AMQP URI on stdout
#        scripts/services/rabbitmq.sh stop
# Idempotent and non-interactive (safe under CI=true with no stdin). Needs root: there is no systemd here
# and Debian's package scripts may not start services, so we run rabbitmq-server ourselves, on loopback only.
set -euo pipefail

node=rabbit@localhost
uri="amqp://guest:guest@127.0.0.1:5672/"
log_file=${RABBITMQ_LOG_FILE:-/tmp/penguin-rabbitmq.log}

log() { echo "rabbitmq.sh: $*" >&2; }

# Loopback only, for AMQP and for Erlang distribution (epmd and the node's own port) alike.
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODENAME="$node" ERL_EPMD_ADDRESS=127.0.0.1 \
       RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

install() {
  if command -v rabbitmq-server >/dev/null 2>&1; then return; fi
  log "installing rabbitmq-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q rabbitmq-server </dev/null >&2
}

ctl() { rabbitmqctl -n "$node" "$@" </dev/null; }

ready() { ctl await_startup >/dev/null 2>&1; }

start() {
  install
  if ctl status >/dev/null 2>&1; then
    log "node ${node} already running"
    # The Erlang node may be up with the app stopped (after a fault test's stop_app).
    ctl start_app >/dev/null 2>&1 || true
  else
    setsid rabbitmq-server </dev/null >"$log_file" 2>&1 &
    local deadline=$((SECONDS + 60))
    until ctl status >/dev/null 2>&1; do
      if [ "$SECONDS" -ge "$deadline" ]; then log "did not start in 60 s; see $log_file"; tail -n 20 "$log_file" >&2; exit 1; fi
      sleep 1
    done
  fi
  if ! ready; then log "node up but the broker is not ready; see $log_file"; exit 1; fi
  echo "$uri"
}

# The PID of the epmd listening on 127.0.0.1:4369 (the one rabbitmq-server started), from the socket table.
epmd_pid() { ss -Hltnp 'sport = :4369' 2>/dev/null | grep -o '"epmd",pid=[0-9]*' | head -n 1 | cut -d= -f2 || true; }

stop() {
  if command -v rabbitmqctl >/dev/null 2>&1 && ctl status >/dev/null 2>&1; then
    ctl stop >&2 || true
    log "stopped"
  else
    log "not running"
  fi
  # rabbitmq-server leaves epmd (the Erlang port mapper) behind: end it by its PID.
  local pid
  pid=$(epmd_pid)
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; log "ended epmd ($pid)"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
