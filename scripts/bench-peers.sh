#!/usr/bin/env bash
# Penguin vs ejabberd vs Prosody (docs/benchmarks.md "Penguin vs ejabberd vs Prosody"): the same XMPP load
# (penguin-load xmpp-chat: N pairs, one side sending chat messages to the other) against each server in turn,
# each server pinned to core 0 (taskset) and the load tool to core 1, same pairs, rate, window and duration;
# Penguin's native chat scenario too. Installs ejabberd and prosody from Debian (apt, non-interactive), writes
# minimal configs (loopback only, own ports, no TLS, in-band registration), starts each by PID, stops it
# at the end of its run. Reports go to bench-results/peers-<time>/, a table to its table.md.
#
# Usage: scripts/bench-peers.sh [pairs] [duration] [rate|max] [window]   (default: 250 30s max 8)
# Run as root (apt, and each server runs as its own Debian user). Ports: Penguin 6180 (HTTP) / 6122 (XMPP),
# ejabberd 6222, Prosody 6232.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
pairs=${1:-250}
duration=${2:-30s}
rate=${3:-max}
window=${4:-8}
server_core=0
load_core=1
domain=localhost
password=peers-secret
stamp=$(date -u +%Y%m%d-%H%M%S)
out="$repo/bench-results/peers-$stamp"
work=$(mktemp -d /tmp/penguin-peers-XXXX)
chmod 755 "$work" # ejabberd and Prosody run as their own users and keep their data below it
mkdir -p "$out"
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

server_pid=""
stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  chmod -R a+rX "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The two servers from Debian. Debian would start them as services on their default ports: a policy-rc.d
#    keeps apt from starting anything (one already there is left as it is).
if ! command -v ejabberdctl >/dev/null || ! command -v prosody >/dev/null; then
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 ejabberd prosody >"$out/apt.log" 2>&1
  [[ -n $own_policy ]] && rm -f /usr/sbin/policy-rc.d
fi
ejabberd_version=$(dpkg-query -W -f='${Version}' ejabberd)
prosody_version=$(dpkg-query -W -f='${Version}' prosody)

# PEERS_NO_BUILD=1: use the Release builds already there (on a busy machine an up-to-date build still takes minutes).
if [[ -z ${PEERS_NO_BUILD:-} ]]; then
  dotnet build src/Penguin.Server -c Release -nologo -v q
  dotnet build src/Penguin.Load -c Release -nologo -v q
fi
load="$repo/src/Penguin.Load/bin/Release/net10.0/penguin-load"
server_dll="$repo/src/Penguin.Server/bin/Release/net10.0/penguin-server.dll"

common=(--pairs "$pairs" --duration "$duration" --rate "$rate" --window "$window")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/conditions.txt"

# Waits until something listens on 127.0.0.1:$1 (or 60 s).
wait_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on port $1" >&2
  return 1
}

run_load() { # name, then penguin-load arguments
  local name=$1
  shift
  echo "== $name: load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/conditions.txt"
  taskset -c $load_core "$load" "$@" --server-pid "$server_pid" "${common[@]}" --out "$out/$name" 2>&1 | tee "$out/$name.log" | tail -25 || true
}

# 2. Penguin: Release, embedded SQLite (durable: every message committed before it is delivered), XMPP on with
#    plaintext c2s allowed on loopback only, the per-user send limit lifted as for every load run, and a
#    minute to log in (its 15 s default is too short for 400 logins on a machine this busy).
mkdir -p "$work/penguin"
taskset -c $server_core env DOTNET_gcServer=0 dotnet "$server_dll" --urls http://127.0.0.1:6180 \
  "--Penguin:DataDirectory=$work/penguin" --Penguin:Accounts:PasswordIterations=1000 \
  --Penguin:Accounts:RegistrationsPerAddress=100000000 --Penguin:Messaging:SendsPerSecond=100000000 \
  --Penguin:Xmpp:Enabled=true --Penguin:Xmpp:Port=6122 --Penguin:Xmpp:Domain=$domain \
  --Penguin:Xmpp:AllowPlaintextOnLoopback=true --Penguin:AuthTimeout=00:01:00 --Logging:LogLevel:Default=Warning >"$out/penguin-server.log" 2>&1 &
server_pid=$!
wait_port 6122
users="$work/penguin-users.json"
run_load penguin-xmpp xmpp-chat --server http://127.0.0.1:6180 --xmpp 127.0.0.1:6122 --xmpp-domain $domain --users-file "$users"
run_load penguin-native chat --server http://127.0.0.1:6180 --users-file "$users"
stop_server

# 3. ejabberd: Mnesia (its default store) in a spool of its own; c2s on 6222 without TLS; no shaper (its default
#    config limits each client to 1,000 B/s); in-band registration from loopback; the modules a chat needs.
#    Stores: accounts and rosters; messages only for offline users (mod_offline) — a message to an online user
#    is routed in memory and never written.
ej="$work/ejabberd"
mkdir -p "$ej/db" "$ej/log"
# Its own ctl settings: Debian's ejabberdctl.cfg names /etc/ejabberd/ejabberd.yml, which would win over --config.
printf 'ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"\n' >"$ej/ejabberdctl.cfg"
cat >"$ej/ejabberd.yml" <<EOF
hosts: ["$domain"]
loglevel: warning
certfiles: []
listen:
  - port: 6222
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
taskset -c $server_core "${ejctl[@]}" foreground >"$out/ejabberd.log" 2>&1 &
ctl_pid=$!
wait_port 6222
# The Erlang VM is the server (the ctl script that started it only waits); the PID is the beam.smp of this node.
server_pid=$(pgrep -f 'beam.smp.*peers-ejabberd' | head -1)
run_load ejabberd xmpp-chat --xmpp 127.0.0.1:6222 --xmpp-domain $domain --xmpp-users 'load{0}' --xmpp-password $password --xmpp-register
"${ejctl[@]}" stop >/dev/null 2>&1 || true
wait "$ctl_pid" 2>/dev/null || true
stop_server

# 4. Prosody: internal file storage in a data directory of its own; c2s on 6232 without TLS (no mod_tls), no s2s,
#    no HTTP, no bandwidth limits (mod_limits not loaded); in-band registration. Stores: accounts, rosters, and
#    messages only for offline users (mod_offline, auto-loaded) — online delivery is in memory.
pr="$work/prosody"
mkdir -p "$pr/data"
cat >"$pr/prosody.cfg.lua" <<EOF
pidfile = "$pr/prosody.pid"
data_path = "$pr/data"
log = { warn = "$pr/prosody.log" }
certificates = "$pr/data"
c2s_ports = { 6232 }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = {}
http_ports = {}
https_ports = {}
modules_disabled = { "s2s" }
c2s_require_encryption = false
allow_unencrypted_plain_auth = false
allow_registration = true
authentication = "internal_hashed"
storage = "internal"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "register"; "posix" }
VirtualHost "$domain"
EOF
chown -R prosody:prosody "$pr"
taskset -c $server_core setpriv --reuid=prosody --regid=prosody --init-groups prosody -F --config "$pr/prosody.cfg.lua" >"$out/prosody.log" 2>&1 &
server_pid=$!
wait_port 6232
run_load prosody xmpp-chat --xmpp 127.0.0.1:6232 --xmpp-domain $domain --xmpp-users 'load{0}' --xmpp-password $password --xmpp-register
stop_server

# 5. The table: one row per run, from each run's JSON report.
python3 - "$out" "$ejabberd_version" "$prosody_version" "$pairs" "$duration" "$rate" "$window" <<'EOF' | tee "$out/table.md"
import glob, json, os, sys
out, ej, pr, pairs, duration, rate, window = sys.argv[1:]
names = {"penguin-xmpp": "Penguin (XMPP front end), durable", "penguin-native": "Penguin (native WebSocket), durable",
         "ejabberd": f"ejabberd {ej}, not durable", "prosody": f"Prosody {pr}, not durable"}
print(f"{pairs} pairs, {duration}, rate {rate} per pair, window {window}; server on core 0, load tool on core 1\n")
print("| server | delivered/s | p50 ms | p99 ms | server CPU µs/msg | server cores busy | tool CPU µs/msg | KiB/connection | RSS end MiB | lost | dup | verdict |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for name in ["penguin-xmpp", "penguin-native", "ejabberd", "prosody"]:
    files = sorted(glob.glob(os.path.join(out, name, "*.json")))
    if not files:
        print(f"| {names[name]} | (no report) |||||||||||")
        continue
    r = json.load(open(files[-1]))
    f = {x["name"]: x["value"] for x in r["figures"]}
    deliver = next((o for o in r["operations"] if o["name"] == "deliver"), None)
    lat = deliver["latencyMs"] if deliver else {}
    lost = f.get("written_never_arrived", f.get("acknowledged_never_arrived", 0))
    def g(k, d=1, scale=1):
        v = f.get(k)
        return "" if v is None else f"{v * scale:,.{d}f}"
    print(f"| {names[name]} | {g('delivered_per_second', 0)} | {lat.get('p50', 0):.1f} | {lat.get('p99', 0):.1f} | {g('server_cpu_us_per_message')} | "
          f"{g('server_cores_busy', 2)} | {g('load_tool_cpu_us_per_message')} | {g('server_kib_per_connection')} | {g('server_rss_end_kib', 0, 1/1024)} | "
          f"{lost:,.0f} | {f.get('duplicates', 0):,.0f} | {'passed' if not r['failures'] else 'FAILED'} |")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/conditions.txt"
echo "reports: $out"
