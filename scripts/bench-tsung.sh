#!/usr/bin/env bash
# tsung (Debian's 1.7.0, jabber plugin) against Penguin's XMPP front end, ejabberd and Prosody (docs/benchmarks.md
# "tsung: Penguin vs ejabberd vs Prosody"): registers the users on each server, writes one tsung scenario (each user
# logs in with SASL PLAIN over c2s without TLS on loopback — each step waits for the server's answer, as RFC 6120 asks:
# none of the three accepts a stream restarted before <success/> — binds, opens a session, sends initial presence,
# waits until everyone is in, then sends timestamped chat messages to users online at a fixed pace for a fixed time),
# runs it against each server in turn — the server pinned to core 0, tsung to core 1 — and prints: users logged in,
# chat messages sent and the sustained rate, delivery latency (tsung's xmpp_msg_latency: the receiving tsung user reads
# the sender's timestamp from the body; p50/p99/max over every sample), server CPU per message (user + system time of
# the server's process from /proc: over the chat phase, and over the whole run with the logins) and server memory per
# connection (VmRSS after the logins minus before, over the connections). Servers as in scripts/bench-peers.sh
# (scripts/lib/peer-servers.sh); Penguin durable (every message committed before it is delivered), the others not.
# Reports go to bench-results/tsung-<time>/ (table.md, conditions.txt, each run's tsung logs).
#
# Usage: scripts/bench-tsung.sh [users] [chat seconds] [messages per second per user]   (default: 50 20 5)
#   PEERS_NO_BUILD=1 uses the Release build already there; TSUNG_SERVERS="penguin ejabberd prosody" picks (and orders)
#   the servers; TSUNG_DUMP=true makes tsung dump every packet (tsung.dump; large).
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

# The scenario: users arrive at $users/$ramp a second (tsung's arrivals are random, so the phase runs three times as
# long and stops at $users), log in, send initial presence and wait until all $users are in (tsung's global ack, or
# 30 s after the last one got there); then a pause of $settle s (the script reads the server's memory and CPU in it), a
# random start (exponential, mean half an interval) so the users do not send in step, and $messages_each chat messages
# each, one every $interval s, to users online. Every message carries tsung's timestamp ("stamped"), so the receiving
# tsung user samples the delivery latency (xmpp_msg_latency: the first stamped message in each packet it reads).
ramp=$(( users / 50 + 2 ))
settle=4
interval=$(python3 -c "print(round(1 / $per_user_rate, 3))")
offset=$(python3 -c "print(round(0.5 / $per_user_rate, 3))")
messages_each=$(( chat_seconds * per_user_rate ))
write_scenario() { # xml path, c2s port, users CSV
  cat >"$1" <<EOF
<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="warning" version="1.0" backend="fullstats" dumptraffic="${TSUNG_DUMP:-false}">
  <clients><client host="localhost" use_controller_vm="true" maxusers="$(( users + 10 ))"/></clients>
  <servers><server host="127.0.0.1" port="$2" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="$(( ramp * 3 ))" unit="second">
      <users maxnumber="$users" arrivalrate="$(( users / ramp + 1 ))" unit="second"/>
    </arrivalphase>
  </load>
  <options>
    <option name="file_server" id="users" value="$3"/>
    <option name="global_ack_timeout" value="30000"/>
    <option name="idle_timeout" value="30000"/>
    <option type="ts_jabber" name="userid_max" value="0"/>
    <option type="ts_jabber" name="random_from_fileid" value="users"/>
    <option type="ts_jabber" name="offline_from_fileid" value="users"/>
    <option type="ts_jabber" name="fileid_delimiter" value=";"/>
    <option type="ts_jabber" name="global_number" value="$users"/>
    <option type="ts_jabber" name="domain" value="$domain"/>
  </options>
  <sessions>
    <session probability="100" name="chat" type="ts_jabber" bidi="true">
      <setdynvars sourcetype="file" fileid="users" delimiter=";" order="iter">
        <var name="user"/>
        <var name="pass"/>
      </setdynvars>
      <request subst="true">
        <jabber type="connect" ack="parse" regexp="stream:features"><xmpp_authenticate username="%%_user%%" passwd="%%_pass%%"/></jabber>
      </request>
      <transaction name="login">
        <request><jabber type="auth_sasl" ack="parse" regexp="&lt;success"/></request>
        <request><jabber type="connect" ack="parse" regexp="stream:features"/></request>
        <request><jabber type="auth_sasl_bind" ack="parse" regexp="&lt;jid"/></request>
        <request><jabber type="auth_sasl_session" ack="parse" regexp="type=.result"/></request>
      </transaction>
      <request><jabber type="presence:initial" ack="no_ack"/></request>
      <thinktime value="wait_global"/>
      <thinktime value="$settle" random="false"/>
      <thinktime value="$offset" random="true"/>
      <for from="1" to="$messages_each" var="i">
        <transaction name="chat">
          <request><jabber type="chat" ack="no_ack" size="64" stamped="true" destination="online"/></request>
        </transaction>
        <thinktime value="$interval" random="false"/>
      </for>
      <thinktime value="2" random="false"/>
      <transaction name="close"><request><jabber type="close" ack="no_ack"/></request></transaction>
    </session>
  </sessions>
</tsung>
EOF
}

# user + system clock ticks of a process (fields 14 and 15 of /proc/<pid>/stat); resident memory in KiB.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
established() { ss -Htn state established "( sport = :$1 )" | wc -l; }

# Runs tsung against the server on port $2 and prints the row. Arguments: name, c2s port.
run_tsung() {
  local name=$1 port=$2
  local csv="$work/$name-users.csv" xml="$out/$name.xml" logs="$out/$name-tsung"
  register_users "$csv" "${register[@]}"
  chmod a+r "$csv"
  write_scenario "$xml" "$port" "$csv"
  mkdir -p "$logs"
  echo "== $name: load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/conditions.txt"
  local cpu_start cpu_in cpu_end rss_before rss_in connections=0 tsung_pid
  cpu_start=$(cpu_ticks "$server_pid")
  rss_before=$(rss_kib "$server_pid")
  # tsung's statistics every 2 s (not 10) for the sustained rates.
  ERL_FLAGS="-tsung_controller dumpstats_interval 2000" taskset -c $load_core \
    tsung -n -t 6750 -T 6799 -l "$logs" -f "$xml" start >"$out/$name-tsung.out" 2>&1 &
  tsung_pid=$!
  # Everyone logged in: all $users connections established (or no change for 10 s), then 1 s for the last logins and
  # the global ack; the chat starts $settle s after that ack.
  local last=-1 still=0
  while kill -0 "$tsung_pid" 2>/dev/null; do
    connections=$(established "$port")
    (( connections >= users )) && break
    if (( connections == last && connections > 0 )); then (( ++still >= 50 )) && break; else still=0; fi
    last=$connections
    sleep 0.2
  done
  sleep 1
  rss_in=$(rss_kib "$server_pid")
  cpu_in=$(cpu_ticks "$server_pid")
  connections=$(established "$port")
  # How busy the server's core is in the middle half of the chat (the chat starts about $settle s from here).
  local busy_from busy_to t_from t_to
  sleep "$(python3 -c "print($settle - 1 + $chat_seconds / 4)")"
  busy_from=$(cpu_ticks "$server_pid"); t_from=$(date +%s.%N)
  sleep "$(python3 -c "print($chat_seconds / 2)")"
  busy_to=$(cpu_ticks "$server_pid"); t_to=$(date +%s.%N)
  local busy
  busy=$(python3 -c "print(round(($busy_to - $busy_from) / $(getconf CLK_TCK) / ($t_to - $t_from) * 100))")
  wait "$tsung_pid" || true
  cpu_end=$(cpu_ticks "$server_pid")
  echo "$name: connections $connections, RSS $rss_before KiB before the logins, $rss_in KiB after, CPU ticks $cpu_start $cpu_in $cpu_end, core busy $busy % mid-chat" >>"$out/conditions.txt"
  python3 - "$name" "$logs" "$cpu_start" "$cpu_in" "$cpu_end" "$(getconf CLK_TCK)" "$users" "$rss_before" "$rss_in" "$connections" "$busy" <<'EOF' | tee -a "$out/table.md"
import glob, re, sys
name, logs = sys.argv[1], sys.argv[2]
cpu_start, cpu_in, cpu_end, tck, users, rss_before, rss_in, connections, busy = map(int, sys.argv[3:12])
# tsung.log: a "# stats: dump at <unix time>" line, then per statistic "stats: <name> <count in this interval> <mean>
# <stddev> <max> <min> <mean before> <count before>" (samples: transactions, latencies) or "stats: <name> <count in this
# interval> <total>" (counters); every 2 s here.
totals, intervals = {}, []
for log in glob.glob(f"{logs}/*/tsung.log"):
    for line in open(log):
        parts = line.split()
        if line.startswith("# stats: dump at"):
            intervals.append({})
        elif len(parts) >= 3 and parts[0] == "stats:" and intervals and not parts[1].startswith("{"):
            totals[parts[1]] = totals.get(parts[1], 0) + float(parts[2])
            intervals[-1][parts[1]] = float(parts[2])
# Sustained rate: the 2 s intervals with chat traffic, the first and last (partly outside the chat) left out.
def sustained(stat):
    busy = [i.get(stat, 0) for i in intervals]
    first = next((k for k, v in enumerate(busy) if v), None)
    if first is None: return 0
    last = max(k for k, v in enumerate(busy) if v)
    inner = busy[first + 1:last]
    return sum(inner) / (2 * len(inner)) if inner else busy[first] / 2
# tsung-fullstats.log: every sample, as {sample,Name,Value} or {sample,Name,[Values]} (Erlang terms).
latencies = []
for log in glob.glob(f"{logs}/*/tsung-fullstats.log"):
    text = open(log).read()
    for one, many in re.findall(r"\{sample,xmpp_msg_latency,(?:([-0-9.e+]+)|\[([^\]]*)\])\}", text):
        latencies.extend(float(v) for v in ([one] if one else many.split(",")) if v.strip())
latencies.sort()
def pct(p): return f"{latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]:,.1f}" if latencies else "–"
logged_in, chats = totals.get("tr_login", 0), totals.get("tr_chat", 0)
errors = sum(v for k, v in totals.items() if k.startswith("error"))
per_message = lambda ticks: f"{ticks / tck * 1e6 / chats:,.0f}" if chats else "–"
memory = f"{(rss_in - rss_before) / connections:,.1f}" if connections else "–"
print(f"| {name} | {logged_in:,.0f} of {users} | {chats:,.0f} | {sustained('tr_chat'):,.0f} | {len(latencies):,} | "
      f"{pct(50)} | {pct(99)} | {latencies[-1] if latencies else 0:,.1f} | {per_message(cpu_end - cpu_in)} | "
      f"{per_message(cpu_end - cpu_start)} | {busy} | {memory} | {errors:,.0f} |")
EOF
  gzip -f "$logs"/*/tsung-fullstats.log 2>/dev/null || true
}

printf '%s users, %s s of chat at %s messages/s each (tsung 1.7.0, jabber plugin, SASL PLAIN over c2s without TLS on loopback); server on core %s, tsung on core %s\n\n' \
  "$users" "$chat_seconds" "$per_user_rate" "$server_core" "$load_core" | tee "$out/table.md"
echo "| server | users logged in | chat messages sent | sent/s sustained | latency samples | delivery p50 ms | p99 ms | max ms | server CPU µs/msg (chat) | server CPU µs/msg (whole run, logins included) | server core busy mid-chat % | server KiB/connection (RSS) | tsung errors |" | tee -a "$out/table.md"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" | tee -a "$out/table.md"

# TSUNG_SERVERS: which servers, in this order (default all three).
for server in ${TSUNG_SERVERS:-penguin ejabberd prosody}; do
  case $server in
    penguin) # SASL PLAIN without TLS is allowed only on loopback and only with both operator settings.
      start_penguin 6780 6722 --Penguin:Xmpp:AllowPlainAuthOnLoopback=true
      register=(penguin 6780)
      run_tsung penguin-xmpp 6722 ;;
    ejabberd)
      start_ejabberd 6732
      register=(xmpp 6732)
      run_tsung "ejabberd-$ejabberd_version" 6732 ;;
    prosody)
      start_prosody 6742 plain
      register=(xmpp 6742)
      run_tsung "prosody-$prosody_version" 6742 ;;
  esac
  stop_server
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/conditions.txt"
echo "reports: $out"
