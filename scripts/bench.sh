#!/usr/bin/env bash
# Runs the benchmarks of docs/benchmarks.md, one bounded run per line, each against its own spawned
# penguin-server (killed by PID at the end of the run). Reports go to bench-results/.
# Usage: scripts/bench.sh [register|reconnect|idle|connections|chat|catchup|day|all|cluster]   (connections = reconnect + idle)
# cluster (not part of all): needs PostgreSQL and RabbitMQ, from $PENGUIN_BENCH_POSTGRES / $PENGUIN_BENCH_RABBITMQ
# or else scripts/services/*.sh start (root); each run creates and drops its own database.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every connection is a file descriptor in the tool and in the server (the server inherits this limit).
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

dotnet build src/Penguin.Server -c Release -nologo -v q
dotnet build src/Penguin.Load -c Release -nologo -v q
load=src/Penguin.Load/bin/Release/net10.0/penguin-load
out=bench-results
# Users (with tokens) registered once with cheap hashing and reused by the connection benchmarks.
data=$(mktemp -d /tmp/penguin-bench-XXXX)
trap 'rm -rf "$data"' EXIT
users="$data/users.json"
what=${1:-all}

if [[ $what == register || $what == all ]]; then
  # 1. Time to register 1,000 / 3,000 / 10,000 accounts with the default hashing (PBKDF2-SHA512, 100,000 iterations).
  for n in 1000 3000 10000; do
    $load register --spawn-server --users $n --concurrency 8 --duration 10m --out "$out"
  done
fi
if [[ $what == reconnect || $what == connections || $what == all ]]; then
  # 2. Devices holding tokens reconnect at once (WebSocket + auth).
  for n in 1000 5000 10000; do
    $load login-storm --spawn-server --fast-passwords --data-dir "$data/db" --users-file "$users" --users $n --out "$out"
  done
fi
if [[ $what == idle || $what == connections || $what == all ]]; then
  # 3. Idle authenticated connections held for 30 s: server RSS and KiB per connection.
  for n in 1000 5000 10000 19000; do
    $load idle --spawn-server --fast-passwords --data-dir "$data/db" --users-file "$users" --users $n --duration 30s --out "$out"
  done
fi
if [[ $what == chat || $what == all ]]; then
  # 4. 1:1 chat between N online pairs of friends: delivered msgs/s, send→receive latency, every message accounted.
  for n in 100 500 1000; do
    $load chat --spawn-server --fast-passwords --pairs $n --duration 30s --out "$out"
  done
  # Paced, for latency that is service time rather than queueing: 500 to 6,000 messages/s offered.
  for r in 0.5 2 4 6; do
    $load chat --spawn-server --fast-passwords --pairs 1000 --rate $r --duration 20s --out "$out"
  done
fi
if [[ $what == catchup || $what == all ]]; then
  # 5. A device that missed 100,000 messages reconnects with its old cursor.
  for m in 10000 30000 100000; do
    $load catchup --spawn-server --fast-passwords --senders 50 --messages $m --duration 10m --out "$out"
  done
fi
if [[ $what == day || $what == all ]]; then
  # 7. A day of QQ (2004 figures) compressed into 5 minutes: N active accounts, 1 in 12 online at the peak,
  # 11.6 messages per account, logins/logouts/drops along the daily curve, every message accounted.
  for n in 1000 3000 10000; do
    $load day --spawn-server --fast-passwords --users $n --duration 5m --out "$out"
  done
fi
if [[ $what == cluster ]]; then
  # 6. Chat on 1 node (SQLite, then PostgreSQL + RabbitMQ) vs 3 nodes, pairs on the same node vs across nodes.
  pg=${PENGUIN_BENCH_POSTGRES:-$(scripts/services/postgres.sh start)}
  mq=${PENGUIN_BENCH_RABBITMQ:-$(scripts/services/rabbitmq.sh start)}
  services=(--postgres "$pg" --rabbitmq "$mq")
  # A FAILED verdict is in the run's report; go on with the next configuration.
  run() { "$@" || echo "bench.sh: exit code $? from: $*" >&2; }
  for n in 300 1000; do
    common=(--fast-passwords --pairs "$n" --window 1 --duration 20s --out "$out")
    run $load chat --spawn-server "${common[@]}"
    run $load chat --spawn-cluster 1 "${services[@]}" "${common[@]}"
    run $load chat --spawn-cluster 3 "${services[@]}" "${common[@]}"
    run $load chat --spawn-cluster 3 "${services[@]}" --cross-node "${common[@]}"
  done
  # Paced far below saturation: latency is service time, and cross-node vs same-node shows the bus's share.
  paced=(--fast-passwords --pairs 100 --rate 0.25 --duration 20s --out "$out")
  run $load chat --spawn-server "${paced[@]}"
  run $load chat --spawn-cluster 1 "${services[@]}" "${paced[@]}"
  run $load chat --spawn-cluster 3 "${services[@]}" "${paced[@]}"
  run $load chat --spawn-cluster 3 "${services[@]}" --cross-node "${paced[@]}"
fi
