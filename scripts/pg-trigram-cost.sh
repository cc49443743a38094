#!/usr/bin/env bash
# What the trigram search index costs a send in PostgreSQL (issue 16). In a scratch database: the messages table's
# shape, filled the way the group commit writes it (batches of 12 rows, one commit each, the load tool's message
# text), in five variants, interleaved over several rounds, each measured by its own backend's CPU (/proc) and WAL:
#   gin        the index as it is (messages_body_trigrams: GIN, fastupdate on by default, 4 MB pending list)
#   none       no trigram index (the floor)
#   gin-slow   fastupdate = off (every row's trigrams go straight into the GIN tree)
#   gin-64mb   gin_pending_list_limit = 64 MB (the pending list merged into the tree less often, in bigger runs)
#   side-100   no index on the table; a side table with the GIN index filled every 100 batches (1,200 rows) by one
#              INSERT … SELECT, as the SQLite engine indexes search in batches off the write path
# usage: scripts/pg-trigram-cost.sh [batches per variant and round (default 1000)] [rounds (default 3)]
# Connects with PGHOST/PGUSER/PGPASSWORD (default: the services script's penguin role on 127.0.0.1); the role must
# be allowed to create databases. Prints one line per variant and round: µs of backend CPU and WAL bytes per row.
set -euo pipefail
batches=${1:-1000}
rounds=${2:-3}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-penguin} PGPASSWORD=${PGPASSWORD:-penguin}
db="penguin_trgm_$(date +%s)_$RANDOM"
psql -qAt -d postgres -c "CREATE DATABASE $db"
trap 'psql -qAt -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT

psql -qAt -d "$db" <<'SQL'
CREATE EXTENSION pg_trgm;
CREATE PROCEDURE fill(p_table text, p_batches int, p_side_every int) LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint := 0;
    v_indexed bigint := 0;
BEGIN
    FOR b IN 1 .. p_batches LOOP
        EXECUTE format($q$INSERT INTO %I (conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at)
            SELECT 1, $1 + i, 10001, 10002, 'L' || ($1 + i) || '~' || $2, '压测 L' || ($1 + i) || '~' || $2 || ' 你好，今天过得怎么样？', now()
            FROM generate_series(1, 12) i$q$, p_table) USING v_seq, p_table;
        v_seq := v_seq + 12;
        IF p_side_every > 0 AND b % p_side_every = 0 THEN
            EXECUTE format('INSERT INTO %I (id, body) SELECT id, body FROM %I WHERE id > $1', p_table || '_search', p_table) USING v_indexed;
            EXECUTE format('SELECT max(id) FROM %I', p_table) INTO v_indexed;
        END IF;
        COMMIT;
    END LOOP;
END
$$;
SQL

create_table() { # name, extra DDL
    psql -qAt -d "$db" -c "DROP TABLE IF EXISTS $1, ${1}_search;
        CREATE TABLE $1 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, conversation_id bigint NOT NULL, seq bigint NOT NULL,
            sender_id bigint NOT NULL, recipient_id bigint NOT NULL, client_id text NOT NULL, body text, sent_at timestamptz NOT NULL,
            recalled_at timestamptz, sender_event_seq bigint NOT NULL DEFAULT 0, recipient_event_seq bigint NOT NULL DEFAULT 0,
            UNIQUE (conversation_id, seq), UNIQUE (sender_id, client_id));
        CREATE INDEX ON $1 (recipient_id, recipient_event_seq); $2
        ALTER TABLE $1 SET (autovacuum_enabled = off);"
}

run() { # variant, table, side_every
    local out
    out=$(psql -qAt -d "$db" <<SQL
SELECT pg_backend_pid() AS pid, pg_current_wal_lsn() AS lsn \gset
\setenv BACKEND :pid
\! awk '{print \$14 + \$15}' /proc/\$BACKEND/stat
CALL fill('$2', $batches, $3);
-- What the pending lists still hold is merged here, by this backend, so every variant pays for all its rows.
DO \$\$ BEGIN PERFORM gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND i.indrelid IN ('$2'::regclass, to_regclass('${2}_search')); END \$\$;
\! awk '{print \$14 + \$15}' /proc/\$BACKEND/stat
SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), :'lsn');
SQL
)
    read -r t0 t1 wal <<<"$(echo "$out" | tr '\n' ' ')"
    local rows=$((batches * 12)) hz
    hz=$(getconf CLK_TCK)
    awk -v v="$1" -v t="$((t1 - t0))" -v hz="$hz" -v rows="$rows" -v wal="$wal" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
        'BEGIN { printf "%-9s %8.1f µs CPU/row  %7.0f WAL bytes/row  (load %s)\n", v, t / hz * 1e6 / rows, wal / rows, load }'
}

for round in $(seq 1 "$rounds"); do
    echo "round $round"
    create_table m_gin "CREATE INDEX ON m_gin USING gin (body gin_trgm_ops);"
    create_table m_none ""
    create_table m_slow "CREATE INDEX ON m_slow USING gin (body gin_trgm_ops) WITH (fastupdate = off);"
    create_table m_big "CREATE INDEX ON m_big USING gin (body gin_trgm_ops) WITH (gin_pending_list_limit = 65536);"
    create_table m_side "CREATE TABLE m_side_search (id bigint PRIMARY KEY, body text) WITH (autovacuum_enabled = off);
        CREATE INDEX ON m_side_search USING gin (body gin_trgm_ops);"
    run gin m_gin 0
    run none m_none 0
    run gin-slow m_slow 0
    run gin-64mb m_big 0
    run side-100 m_side 100
done
