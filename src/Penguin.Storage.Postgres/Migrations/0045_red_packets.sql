-- Red packets: the same tables as the SQLite engine's 0045_red_packets.sql, in PostgreSQL types. A claim locks the
-- packet's row (SELECT … FOR UPDATE) before taking the next free share, so racing claimers on every node take turns:
-- exactly as many succeed as there are shares.
CREATE TABLE wallet_red_packets (
    id             text        NOT NULL PRIMARY KEY,
    from_id        bigint      NOT NULL,
    to_id          bigint,
    group_id       bigint,
    amount         bigint      NOT NULL CHECK (amount > 0),
    count          integer     NOT NULL CHECK (count > 0 AND count <= amount),
    lucky          boolean     NOT NULL,
    greeting       text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('open', 'finished', 'refunded')),
    claimed_count  integer     NOT NULL DEFAULT 0 CHECK (claimed_count >= 0 AND claimed_count <= count),
    claimed_amount bigint      NOT NULL DEFAULT 0 CHECK (claimed_amount >= 0 AND claimed_amount <= amount),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    settled_at     timestamptz,
    CHECK ((to_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX wallet_red_packets_open ON wallet_red_packets (status, expires_at);

CREATE TABLE wallet_red_packet_shares (
    packet_id  text        NOT NULL REFERENCES wallet_red_packets (id),
    idx        integer     NOT NULL,
    amount     bigint      NOT NULL CHECK (amount > 0),
    claimer_id bigint,
    claimed_at timestamptz,
    PRIMARY KEY (packet_id, idx)
);
CREATE UNIQUE INDEX wallet_red_packet_shares_claimer ON wallet_red_packet_shares (packet_id, claimer_id) WHERE claimer_id IS NOT NULL;
CREATE INDEX wallet_red_packet_shares_free ON wallet_red_packet_shares (packet_id, idx) WHERE claimer_id IS NULL;
