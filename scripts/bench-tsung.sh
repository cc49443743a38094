#!/usr/bin/env bash
# tsung (Debian's, jabber plugin) against Penguin's XMPP front end, ejabberd and Prosody (docs/benchmarks.md "Penguin
# vs ejabberd vs Prosody"): registers the users on each server, writes one tsung scenario (each user logs in with
# SASL PLAIN over c2s without TLS on loopback, binds, sends initial presence, waits until everyone is in, then sends
# chat messages to online users at a fixed pace for a fixed time), runs it against each server in turn — the server
# pinned to core 0, tsung to core 1 — and prints users logged in, messages per second and server CPU per message
# (user + system time of the server's process from /proc over the whole run, logins included, divided by the chat
# messages tsung sent). Servers as in scripts/bench-peers.sh (scripts/lib/peer-servers.sh); Penguin durable (every
# message committed before it is delivered), the others not. Reports go to bench-results/tsung-<time>/.
#
# Usage: scripts/bench-tsung.sh [users] [chat seconds] [messages per second per user]   (default: 50 20 5)
# Run as root. Ports: Penguin 6780 (HTTP) / 6722 (XMPP), ejabberd 6732, Prosody 6742; tsung's Erlang nodes 6750-6799.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
users=${1:-50}
chat_seconds=${2:-20}
per_user_rate=${3:-5}
server_core=0
load_core=1
domain=localhost
password=tsung-secret
command -v tsung >/dev/null || { echo "tsung is not installed (apt-get install tsung)" >&2; exit 69; }
source scripts/lib/peer-servers.sh
begin_run tsung

install_peers
if [[ -z ${PEERS_NO_BUILD:-} ]]; then
  dotnet build src/Penguin.Server -c Release -nologo -v q
fi
server_dll="$repo/src/Penguin.Server/bin/Release/net10.0/penguin-server.dll"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/conditions.txt"

# Registers $users accounts and writes them to $1 as "name;password" lines (tsung's user file). Arguments: the
# CSV path, "penguin <http port>" (REST registration; the account number is the XMPP name; each account then accepts
# messages from strangers, as tsung's users are not friends) or "xmpp <c2s port>" (XEP-0077 in-band registration).
register_users() {
  python3 - "$1" "$users" "$password" "$domain" "$2" "$3" <<'EOF'
import json, socket, sys, urllib.request
csv, count, password, domain, kind, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])

def rest(method, path, body, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/{path}", data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")

def in_band(name):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        def until(done):
            data = b""
            while not done(data):
                chunk = s.recv(65536)
                if not chunk: raise IOError(f"the server closed the stream: {data!r}")
                data += chunk
            return data
        s.sendall(f"<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>".encode())
        until(lambda data: b"</stream:features>" in data)
        s.sendall(f"<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>{name}</username><password>{password}</password></query></iq>".encode())
        answer = until(lambda data: (b"id='reg'" in data or b'id="reg"' in data) and data.rstrip().endswith(b">"))
        if b"type='result'" not in answer and b'type="result"' not in answer and b"conflict" not in answer:
            raise IOError(f"registering {name}: {answer!r}")
        s.sendall(b"</stream:stream>")

names = []
for i in range(count):
    if kind == "penguin":
        number = rest("POST", "accounts", {"nickname": f"tsung {i}", "password": password})["number"]
        token = rest("POST", "sessions", {"number": number, "password": password, "device": "pc", "deviceName": "tsung setup"})["token"]
        rest("PUT", "me/settings", {"addPolicy": "verify", "showSignature": True, "showGender": True, "showBirthday": False,
                                    "showRegion": True, "allowStrangerMessages": True}, token)
        names.append(str(number))
    else:
        name = f"tsung{i}"
        in_band(name)
        names.append(name)
with open(csv, "w") as f:
    f.writelines(f"{name};{password}\n" for name in names)
EOF
}

# The scenario: all users arrive within $ramp seconds, wait until everyone is in, then chat for $chat_seconds.
ramp=$(( users / 20 + 2 ))
interval=$(python3 -c "print(round(1 / $per_user_rate, 3))")
messages_each=$(( chat_seconds * per_user_rate ))
write_scenario() { # xml path, c2s port, users CSV
  cat >"$1" <<EOF
<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="warning" version="1.0">
  <clients><client host="localhost" use_controller_vm="true" maxusers="$(( users + 10 ))"/></clients>
  <servers><server host="127.0.0.1" port="$2" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="$ramp" unit="second">
      <users maxnumber="$users" arrivalrate="$(( users / ramp + 1 ))" unit="second"/>
    </arrivalphase>
  </load>
  <options>
    <option name="file_server" id="users" value="$3"/>
    <option type="ts_jabber" name="userid_max" value="0"/>
    <option type="ts_jabber" name="random_from_fileid" value="users"/>
    <option type="ts_jabber" name="offline_from_fileid" value="users"/>
    <option type="ts_jabber" name="fileid_delimiter" value=";"/>
    <option type="ts_jabber" name="global_number" value="$users"/>
    <option type="ts_jabber" name="domain" value="$domain"/>
  </options>
  <sessions>
    <session probability="100" name="chat" type="ts_jabber">
      <setdynvars sourcetype="file" fileid="users" delimiter=";" order="iter">
        <var name="user"/>
        <var name="pass"/>
      </setdynvars>
      <request subst="true">
        <jabber type="connect" ack="local"><xmpp_authenticate username="%%_user%%" passwd="%%_pass%%"/></jabber>
      </request>
      <transaction name="login">
        <request><jabber type="auth_sasl" ack="local"/></request>
        <request><jabber type="connect" ack="local"/></request>
        <request><jabber type="auth_sasl_bind" ack="local"/></request>
        <request><jabber type="auth_sasl_session" ack="local"/></request>
      </transaction>
      <request><jabber type="presence:initial" ack="no_ack"/></request>
      <thinktime value="$(( ramp + 2 ))" random="false"/>
      <for from="1" to="$messages_each" var="i">
        <transaction name="chat">
          <request><jabber type="chat" ack="no_ack" size="16" destination="online"/></request>
        </transaction>
        <thinktime value="$interval" random="false"/>
      </for>
      <transaction name="close"><request><jabber type="close" ack="no_ack"/></request></transaction>
    </session>
  </sessions>
</tsung>
EOF
}

# user + system clock ticks of a process (fields 14 and 15 of /proc/<pid>/stat).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Runs tsung against the server on port $2 and prints the row. Arguments: name, c2s port.
run_tsung() {
  local name=$1 port=$2
  local csv="$work/$name-users.csv" xml="$out/$name.xml" logs="$out/$name-tsung"
  register_users "$csv" "${register[@]}"
  chmod a+r "$csv"
  write_scenario "$xml" "$port" "$csv"
  mkdir -p "$logs"
  echo "== $name: load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/conditions.txt"
  local before after
  before=$(cpu_ticks "$server_pid")
  taskset -c $load_core tsung -n -t 6750 -T 6799 -l "$logs" -f "$xml" start >"$out/$name-tsung.out" 2>&1 || true
  after=$(cpu_ticks "$server_pid")
  python3 - "$name" "$logs" "$before" "$after" "$(getconf CLK_TCK)" "$chat_seconds" "$users" <<'EOF' | tee -a "$out/table.md"
import glob, sys
name, logs, before, after, tck, seconds, users = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
counts = {}
for log in glob.glob(f"{logs}/*/tsung.log"):
    for line in open(log):
        parts = line.split()
        # "stats: <name> <count in this interval> ..." for samples (transactions), every 10 s
        if len(parts) >= 3 and parts[0] == "stats:" and parts[1] in ("tr_login", "tr_chat", "error_no_online"):
            counts[parts[1]] = counts.get(parts[1], 0) + float(parts[2])
logged_in, chats = counts.get("tr_login", 0), counts.get("tr_chat", 0)
cpu_us = (after - before) / tck * 1e6
per_message = f"{cpu_us / chats:,.0f}" if chats else "–"
print(f"| {name} | {logged_in:,.0f} of {users} | {chats:,.0f} | {chats / seconds:,.0f} | {cpu_us / 1e6:,.2f} | {per_message} | {counts.get('error_no_online', 0):,.0f} |")
EOF
}

printf '%s users, %s s of chat at %s messages/s each (tsung, jabber plugin, SASL PLAIN over c2s without TLS on loopback); server on core %s, tsung on core %s\n\n' \
  "$users" "$chat_seconds" "$per_user_rate" "$server_core" "$load_core" | tee "$out/table.md"
echo "| server | users logged in | chat messages sent | messages/s | server CPU s (whole run) | server CPU µs/msg (logins included) | no one online |" | tee -a "$out/table.md"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |" | tee -a "$out/table.md"

# Penguin: SASL PLAIN without TLS is allowed only on loopback and only with both operator settings.
start_penguin 6780 6722 --Penguin:Xmpp:AllowPlainAuthOnLoopback=true
register=(penguin 6780)
run_tsung penguin-xmpp 6722
stop_server

start_ejabberd 6732
register=(xmpp 6732)
run_tsung "ejabberd-$ejabberd_version" 6732
stop_server

start_prosody 6742 plain
register=(xmpp 6742)
run_tsung "prosody-$prosody_version" 6742
stop_server

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/conditions.txt"
echo "reports: $out"
