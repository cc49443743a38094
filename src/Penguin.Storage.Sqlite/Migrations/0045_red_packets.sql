-- Red packets (红包, docs/protocol.md "13.6 Red packets"): a packet and its shares, drawn when it is sent so a claim
-- only takes the next free share. The money waits in the ledger account sys:redpacket:cny; each claim and the
-- refund are journal transactions like any other. A user takes at most one share of a packet (the unique index).
CREATE TABLE wallet_red_packets (
    id             TEXT    NOT NULL PRIMARY KEY,
    from_id        INTEGER NOT NULL,
    to_id          INTEGER,
    group_id       INTEGER,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    count          INTEGER NOT NULL CHECK (count > 0 AND count <= amount),
    lucky          INTEGER NOT NULL,
    greeting       TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('open', 'finished', 'refunded')),
    claimed_count  INTEGER NOT NULL DEFAULT 0 CHECK (claimed_count >= 0 AND claimed_count <= count),
    claimed_amount INTEGER NOT NULL DEFAULT 0 CHECK (claimed_amount >= 0 AND claimed_amount <= amount),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    settled_at     INTEGER,
    CHECK ((to_id IS NULL) <> (group_id IS NULL))
) WITHOUT ROWID;
CREATE INDEX wallet_red_packets_open ON wallet_red_packets (status, expires_at);

CREATE TABLE wallet_red_packet_shares (
    packet_id  TEXT    NOT NULL REFERENCES wallet_red_packets (id),
    idx        INTEGER NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    claimer_id INTEGER,
    claimed_at INTEGER,
    PRIMARY KEY (packet_id, idx)
) WITHOUT ROWID;
CREATE UNIQUE INDEX wallet_red_packet_shares_claimer ON wallet_red_packet_shares (packet_id, claimer_id) WHERE claimer_id IS NOT NULL;
CREATE INDEX wallet_red_packet_shares_free ON wallet_red_packet_shares (packet_id, idx) WHERE claimer_id IS NULL;
