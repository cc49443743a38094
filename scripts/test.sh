#!/usr/bin/env bash
# Runs every test suite of Penguin (.NET and web) and ends with one line: "N passed, N failed, N skipped".
# Usage: scripts/test.sh [extra dotnet test arguments]
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== building =="
if ! dotnet build Penguin.slnx -c Release -nologo -v q > "$log" 2>&1; then
  tail -n 40 "$log"
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
tail -n 3 "$log"

echo "== .NET tests =="
# One test project at a time (-m:1): the cluster and bus fault tests stop and restart the shared PostgreSQL
# and RabbitMQ, which would fail the storage or bus suites running beside them.
dotnet test Penguin.slnx -c Release --no-build -nologo -m:1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one summary per test project: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12"
# ("Skipped!" when every test of the project skipped, as the cluster suite does without its services).
read -r passed failed skipped < <(grep -E '^(Passed|Failed|Skipped)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')

# A project that crashed prints no summary: count the run as failed.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

# The web client (web/): vitest unit and component tests, then the end-to-end tests in Debian's Chromium
# against the real server built above. Without npm or Chromium they show as skipped, except under CI=true.
web_suite() { # name command...: runs a web suite that ends with "N passed, N failed, N skipped"
  local name=$1; shift
  echo "== web ${name} =="
  if "$@" 2>&1 | tee "$log"; then :; fi
  local counts
  counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
  if [ -z "$counts" ]; then
    echo "web ${name} printed no summary"
    failed=$((failed + 1))
    return
  fi
  read -r p f s < <(echo "$counts" | sed -E 's/([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}
web_missing() { # what: a tool the web suites need is missing
  if [ "${CI:-}" = "true" ]; then
    echo "$1 is missing; failing the web suites (CI=true)"
    failed=$((failed + 1))
  else
    echo "$1 is missing; the web suites show as skipped"
    skipped=$((skipped + 1))
  fi
}
if ! command -v npm > /dev/null; then
  web_missing "npm (Node.js 20+)"
else
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "== web: npm ci =="
    (cd web && npm ci --no-audit --no-fund --loglevel=error) || failed=$((failed + 1))
  fi
  web_suite "unit tests (vitest)" bash -c 'cd web && npx vitest run --reporter=default --reporter=./test/summary-reporter.ts'
  if [ -x "${PENGUIN_CHROMIUM:-/usr/bin/chromium}" ]; then
    web_suite "end-to-end tests (Chromium)" bash -c 'cd web && node e2e/run.mjs'
  else
    web_missing "Chromium (${PENGUIN_CHROMIUM:-/usr/bin/chromium}; apt-get install chromium)"
  fi
  # A real third-party XMPP client library (@xmpp/client) against the XMPP front end of the server built above.
  web_suite "XMPP client (@xmpp/client)" env PENGUIN_CONFIGURATION=Release bash tests/xmpp-client/run-test.sh
  # A real terminal client from Debian (mcabber, installed by .ci/run) scripted through its FIFO, beside a native user.
  web_suite "XMPP terminal client (mcabber)" env PENGUIN_CONFIGURATION=Release bash tests/xmpp-client/run-test.sh mcabber.test.mjs
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
