#!/usr/bin/env bash
# Runs every test suite of Penguin and ends with one line: "N passed, N failed, N skipped".
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

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
