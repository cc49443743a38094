#!/usr/bin/env bash
# Usage: run-test.sh [scenario.mjs]
# Runs one scenario — chat.test.mjs (the default: @xmpp/client) or mcabber.test.mjs (Debian's mcabber, scripted) —
# against a fresh Penguin node with XMPP on (ports 6780/6722 unless given).
# Needs Node.js 20+ and a built src/Penguin.Server (dotnet build; PENGUIN_CONFIGURATION=Release for a Release build).
# Prints "N passed, N failed, N skipped" and exits non-zero on failure.
set -euo pipefail
scenario="${1:-chat.test.mjs}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
http_port="${PENGUIN_HTTP_PORT:-6780}"
xmpp_port="${PENGUIN_XMPP_PORT:-6722}"
data="$(mktemp -d)"
cd "$here"
[ -d node_modules/@xmpp/client ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null
# The built server itself (not `dotnet run`), so that stopping it stops the server and nothing is left behind.
dotnet "$root/src/Penguin.Server/bin/${PENGUIN_CONFIGURATION:-Debug}/net10.0/penguin-server.dll" --urls "http://127.0.0.1:$http_port" \
  --Penguin:DataDirectory="$data" --Penguin:Xmpp:Enabled=true --Penguin:Xmpp:Port="$xmpp_port" \
  --Penguin:Accounts:PasswordIterations=1000 --Logging:LogLevel:Default=Warning >"$data/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
# @xmpp/websocket uses the global WebSocket: built into Node 22, behind a flag in Node 20.
node_flags=()
[ "$(node -e 'process.stdout.write(typeof WebSocket)')" = function ] || node_flags+=(--experimental-websocket)
PENGUIN_URL="http://127.0.0.1:$http_port" PENGUIN_XMPP="xmpp://127.0.0.1:$xmpp_port" PENGUIN_XMPP_WS="ws://127.0.0.1:$http_port/xmpp-websocket" \
  NODE_TLS_REJECT_UNAUTHORIZED=0 node "${node_flags[@]}" "$scenario"
