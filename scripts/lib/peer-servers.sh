# Shared by scripts/bench-peers.sh and scripts/bench-tsung.sh (sourced, not run): installs ejabberd and Prosody from
# Debian, writes their loopback benchmark configs, starts each server pinned to a core and stops it by PID.
# Expects $domain and $server_core; begin_run sets $out (the run's report directory) and $work (a mode-755 work directory).
# Sets $server_pid to the process that does the server's work (what /proc is read for).

server_pid=""
ctl_pid=""

# begin_run NAME: bench-results/NAME-<time>/ for the reports, a work directory the servers (their own Debian users)
# can read, enough descriptors, and on exit the server stopped and the work directory removed.
begin_run() {
  stamp=$(date -u +%Y%m%d-%H%M%S)
  out="$repo/bench-results/$1-$stamp"
  work=$(mktemp -d "/tmp/penguin-$1-XXXX")
  chmod 755 "$work"
  mkdir -p "$out"
  ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  trap end_run EXIT
}

end_run() {
  stop_server
  chmod -R a+rX "$work" 2>/dev/null || true
  rm -rf "$work"
}

# Stops the running server (ejabberd through its ctl first), waiting up to 10 s before SIGKILL.
stop_server() {
  if [[ -n ${ejctl+x} && -n $ctl_pid ]]; then
    "${ejctl[@]}" stop >/dev/null 2>&1 || true
    wait "$ctl_pid" 2>/dev/null || true
    ctl_pid=""
  fi
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

# Waits until something listens on 127.0.0.1:$1 (or 60 s).
wait_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on port $1" >&2
  return 1
}

# The two servers from Debian. Debian would start them as services on their default ports: a policy-rc.d keeps apt
# from starting anything (one already there is left as it is).
install_peers() {
  if ! command -v ejabberdctl >/dev/null || ! command -v prosody >/dev/null; then
    local own_policy=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
      own_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 ejabberd prosody >"$out/apt.log" 2>&1
    [[ -n $own_policy ]] && rm -f /usr/sbin/policy-rc.d
  fi
  ejabberd_version=$(dpkg-query -W -f='${Version}' ejabberd)
  prosody_version=$(dpkg-query -W -f='${Version}' prosody)
}

# Penguin: Release, embedded SQLite (durable: every message committed before it is delivered), XMPP on with
# plaintext c2s allowed on loopback only, the per-user send limit lifted as for every load run, and a minute to
# log in. Arguments: HTTP port, XMPP port, then extra server settings.
start_penguin() {
  local http_port=$1 xmpp_port=$2
  shift 2
  mkdir -p "$work/penguin"
  taskset -c "$server_core" env DOTNET_gcServer=0 dotnet "$server_dll" --urls "http://127.0.0.1:$http_port" \
    "--Penguin:DataDirectory=$work/penguin" --Penguin:Accounts:PasswordIterations=1000 \
    --Penguin:Accounts:RegistrationsPerAddress=100000000 --Penguin:Messaging:SendsPerSecond=100000000 \
    --Penguin:Xmpp:Enabled=true "--Penguin:Xmpp:Port=$xmpp_port" "--Penguin:Xmpp:Domain=$domain" \
    --Penguin:Xmpp:AllowPlaintextOnLoopback=true --Penguin:AuthTimeout=00:01:00 --Logging:LogLevel:Default=Warning "$@" >"$out/penguin-server.log" 2>&1 &
  server_pid=$!
  wait_port "$xmpp_port"
}

# ejabberd: Mnesia (its default store) in a spool of its own; c2s without TLS; no shaper (its default config limits
# each client to 1,000 B/s); in-band registration from loopback; the modules a chat needs. Stores: accounts and
# rosters; messages only for offline users (mod_offline) — a message to an online user is routed in memory and
# never written. Argument: the c2s port. Sets $ejctl (the ctl command for this node).
start_ejabberd() {
  local port=$1
  local ej="$work/ejabberd"
  mkdir -p "$ej/db" "$ej/log"
  # Its own ctl settings: Debian's ejabberdctl.cfg names /etc/ejabberd/ejabberd.yml, which would win over --config.
  printf 'ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"\n' >"$ej/ejabberdctl.cfg"
  cat >"$ej/ejabberd.yml" <<EOF
hosts: ["$domain"]
loglevel: warning
certfiles: []
listen:
  - port: $port
    ip: "127.0.0.1"
    module: ejabberd_c2s
    backlog: 1024
    starttls: false
    starttls_required: false
    max_stanza_size: 262144
auth_method: internal
auth_password_format: scram
registration_timeout: infinity
acl:
  loopback:
    ip: ["127.0.0.0/8"]
access_rules:
  register:
    allow: loopback
api_permissions:
  "console commands":
    from: [ejabberd_ctl]
    who: all
    what: "*"
modules:
  mod_disco: {}
  mod_offline: {}
  mod_ping: {}
  mod_register:
    access: all
    ip_access: register
  mod_roster: {}
EOF
  chown -R ejabberd:ejabberd "$ej"
  ejctl=(setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME=/var/lib/ejabberd
    ejabberdctl --config "$ej/ejabberd.yml" --ctl-config "$ej/ejabberdctl.cfg" --spool "$ej/db" --logs "$ej/log" --node peers-ejabberd@localhost)
  taskset -c "$server_core" "${ejctl[@]}" foreground >"$out/ejabberd.log" 2>&1 &
  ctl_pid=$!
  wait_port "$port"
  # The Erlang VM is the server (the ctl script that started it only waits); the PID is the beam.smp of this node.
  server_pid=$(pgrep -f 'beam.smp.*peers-ejabberd' | head -1)
}

# Prosody: internal file storage in a data directory of its own; c2s without TLS (no mod_tls), no s2s, no HTTP, no
# bandwidth limits (mod_limits not loaded); in-band registration. Stores: accounts, rosters, and messages only for
# offline users (mod_offline, auto-loaded) — online delivery is in memory. Arguments: the c2s port, then "plain" to
# allow SASL PLAIN without TLS (tsung speaks nothing else).
start_prosody() {
  local port=$1 plain=false
  [[ ${2:-} == plain ]] && plain=true
  local pr="$work/prosody"
  mkdir -p "$pr/data"
  cat >"$pr/prosody.cfg.lua" <<EOF
pidfile = "$pr/prosody.pid"
data_path = "$pr/data"
log = { warn = "$pr/prosody.log" }
certificates = "$pr/data"
c2s_ports = { $port }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = {}
http_ports = {}
https_ports = {}
modules_disabled = { "s2s" }
c2s_require_encryption = false
allow_unencrypted_plain_auth = $plain
allow_registration = true
authentication = "internal_hashed"
storage = "internal"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "register"; "posix" }
VirtualHost "$domain"
EOF
  chown -R prosody:prosody "$pr"
  taskset -c "$server_core" setpriv --reuid=prosody --regid=prosody --init-groups prosody -F --config "$pr/prosody.cfg.lua" >"$out/prosody.log" 2>&1 &
  server_pid=$!
  wait_port "$port"
}
