#!/usr/bin/env bash
# PostgreSQL's own view of one cluster benchmark run (issue 16): resets pg_stat_statements, runs the command
# (a `penguin-load chat --spawn-cluster …`), samples pg_stat_activity of the run's database (penguin_load_*) every
# 0.2 s meanwhile, and writes to OUT: statements.txt (pg_stat_statements of the run's database, top-level and
# nested, by total time) and waits.txt (backend state and wait event, counted over the samples).
# Usage: scripts/pg-profile.sh OUT -- COMMAND...   (root: reads the statistics as the postgres superuser)
set -euo pipefail
out=$1; shift; [[ ${1:-} == -- ]] && shift
mkdir -p "$out"
sql() { su postgres -s /bin/sh -c "psql -X -q -t -A -F '|' -d penguin_test -c \"$1\"" </dev/null; }
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
sql "SELECT pg_stat_statements_reset()" >/dev/null
: > "$out/samples.txt"
(
  while :; do
    sql "SELECT datid, state, coalesce(wait_event_type,'-') || ':' || coalesce(wait_event,'-') FROM pg_stat_activity
         WHERE datname LIKE 'penguin_load_%' AND backend_type = 'client backend'" >> "$out/samples.txt" 2>/dev/null || true
    echo "--" >> "$out/samples.txt"
    sleep 0.2
  done
) &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
"$@" || echo "pg-profile.sh: exit code $? from the command" >&2
kill $sampler 2>/dev/null || true
samples=$(grep -c '^--$' "$out/samples.txt" || true)
dbid=$(grep -v '^--$' "$out/samples.txt" | cut -d'|' -f1 | sort | uniq -c | sort -rn | awk 'NR==1 {print $2}')
{
  echo "samples: $samples (every 0.2 s); backends by state and wait, average per sample:"
  grep -v '^--$' "$out/samples.txt" | cut -d'|' -f2,3 | sort | uniq -c | sort -rn |
    awk -v n="$samples" '{ printf "%8.2f  %s\n", $1 / n, $2 }'
} > "$out/waits.txt"
sql "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, round((total_exec_time / calls)::numeric, 3) AS mean_ms,
            rows, toplevel, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
     FROM pg_stat_statements WHERE dbid = ${dbid:-0} ORDER BY total_exec_time DESC LIMIT 40" > "$out/statements.txt"
cat "$out/waits.txt" "$out/statements.txt"
