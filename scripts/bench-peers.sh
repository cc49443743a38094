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
source scripts/lib/peer-servers.sh
begin_run peers

# 1. The two servers from Debian (scripts/lib/peer-servers.sh).
install_peers

# PEERS_NO_BUILD=1: use the Release builds already there (on a busy machine an up-to-date build still takes minutes).
if [[ -z ${PEERS_NO_BUILD:-} ]]; then
  dotnet build src/Penguin.Server -c Release -nologo -v q
  dotnet build src/Penguin.Load -c Release -nologo -v q
fi
load="$repo/src/Penguin.Load/bin/Release/net10.0/penguin-load"
server_dll="$repo/src/Penguin.Server/bin/Release/net10.0/penguin-server.dll"

common=(--pairs "$pairs" --duration "$duration" --rate "$rate" --window "$window")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/conditions.txt"

run_load() { # name, then penguin-load arguments
  local name=$1
  shift
  echo "== $name: load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/conditions.txt"
  taskset -c $load_core "$load" "$@" --server-pid "$server_pid" "${common[@]}" --out "$out/$name" 2>&1 | tee "$out/$name.log" | tail -25 || true
}

# 2. Penguin (scripts/lib/peer-servers.sh): durable, plaintext c2s on loopback only.
start_penguin 6180 6122
users="$work/penguin-users.json"
run_load penguin-xmpp xmpp-chat --server http://127.0.0.1:6180 --xmpp 127.0.0.1:6122 --xmpp-domain $domain --users-file "$users"
run_load penguin-native chat --server http://127.0.0.1:6180 --users-file "$users"
stop_server

# 3. ejabberd (scripts/lib/peer-servers.sh): messages to online users are routed in memory, never written.
start_ejabberd 6222
run_load ejabberd xmpp-chat --xmpp 127.0.0.1:6222 --xmpp-domain $domain --xmpp-users 'load{0}' --xmpp-password $password --xmpp-register
stop_server

# 4. Prosody (scripts/lib/peer-servers.sh): online delivery is in memory.
start_prosody 6232
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
