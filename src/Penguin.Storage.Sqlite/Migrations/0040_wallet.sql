-- Wallet (docs/protocol.md, "13. Wallet"): a double-entry ledger. Balances live in wallet_accounts and change only
-- together with a journal transaction (wallet_transactions) and its postings (wallet_postings), which are never
-- updated or deleted (the triggers below). A balance may not go below zero unless the account mirrors money outside
-- the ledger (bank clearing, Q-coin issuance): the CHECK holds even if a guarded update were ever wrong.
CREATE TABLE wallet_accounts (
    id             TEXT    NOT NULL PRIMARY KEY,
    owner_id       INTEGER,
    currency       TEXT    NOT NULL,
    balance        INTEGER NOT NULL DEFAULT 0,
    allow_negative INTEGER NOT NULL DEFAULT 0,
    CHECK (allow_negative = 1 OR balance >= 0)
) WITHOUT ROWID;

CREATE TABLE wallet_transactions (
    id              INTEGER NOT NULL PRIMARY KEY,
    idempotency_key TEXT    NOT NULL UNIQUE,
    fingerprint     TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    actor_id        INTEGER,
    reference       TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX wallet_transactions_by_time ON wallet_transactions (created_at);

CREATE TABLE wallet_postings (
    id            INTEGER NOT NULL PRIMARY KEY,
    tx_id         INTEGER NOT NULL REFERENCES wallet_transactions (id),
    account_id    TEXT    NOT NULL REFERENCES wallet_accounts (id),
    amount        INTEGER NOT NULL CHECK (amount <> 0),
    balance_after INTEGER NOT NULL
);
CREATE INDEX wallet_postings_by_account ON wallet_postings (account_id, id);
CREATE INDEX wallet_postings_by_tx ON wallet_postings (tx_id);

CREATE TRIGGER wallet_transactions_append_only_u BEFORE UPDATE ON wallet_transactions BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER wallet_transactions_append_only_d BEFORE DELETE ON wallet_transactions BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER wallet_postings_append_only_u BEFORE UPDATE ON wallet_postings BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER wallet_postings_append_only_d BEFORE DELETE ON wallet_postings BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

-- Transfers (转账) held in escrow until accepted or returned.
CREATE TABLE wallet_transfers (
    id         TEXT    NOT NULL PRIMARY KEY,
    from_id    INTEGER NOT NULL,
    to_id      INTEGER NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    memo       TEXT,
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'returned')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    settled_at INTEGER
) WITHOUT ROWID;
CREATE INDEX wallet_transfers_pending ON wallet_transfers (status, expires_at);
CREATE INDEX wallet_transfers_by_from ON wallet_transfers (from_id, status);
CREATE INDEX wallet_transfers_by_to ON wallet_transfers (to_id, status);

-- Payment passwords: separate from the login password, hashed the same way, with failures and lockout.
CREATE TABLE wallet_pay_passwords (
    user_id      INTEGER NOT NULL PRIMARY KEY,
    hash         TEXT    NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    updated_at   INTEGER NOT NULL
);
