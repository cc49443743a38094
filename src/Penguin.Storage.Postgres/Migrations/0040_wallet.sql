-- Wallet: the same ledger as the SQLite engine's 0040_wallet.sql, in PostgreSQL types. Several nodes write at once:
-- a command locks the rows of the accounts it touches in id order (SELECT … FOR UPDATE) before checking and changing
-- them, so concurrent transfers among the same accounts serialize instead of deadlocking or overdrawing.
CREATE TABLE wallet_accounts (
    id             text    NOT NULL PRIMARY KEY,
    owner_id       bigint,
    currency       text    NOT NULL,
    balance        bigint  NOT NULL DEFAULT 0,
    allow_negative boolean NOT NULL DEFAULT false,
    CHECK (allow_negative OR balance >= 0)
);

CREATE TABLE wallet_transactions (
    id              bigserial   NOT NULL PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE,
    fingerprint     text        NOT NULL,
    kind            text        NOT NULL,
    actor_id        bigint,
    reference       text,
    created_at      timestamptz NOT NULL
);
CREATE INDEX wallet_transactions_by_time ON wallet_transactions (created_at);

CREATE TABLE wallet_postings (
    id            bigserial NOT NULL PRIMARY KEY,
    tx_id         bigint    NOT NULL REFERENCES wallet_transactions (id),
    account_id    text      NOT NULL REFERENCES wallet_accounts (id),
    amount        bigint    NOT NULL CHECK (amount <> 0),
    balance_after bigint    NOT NULL
);
CREATE INDEX wallet_postings_by_account ON wallet_postings (account_id, id);
CREATE INDEX wallet_postings_by_tx ON wallet_postings (tx_id);

CREATE FUNCTION wallet_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only';
END $$;
CREATE TRIGGER wallet_transactions_append_only BEFORE UPDATE OR DELETE ON wallet_transactions FOR EACH ROW EXECUTE FUNCTION wallet_append_only();
CREATE TRIGGER wallet_postings_append_only BEFORE UPDATE OR DELETE ON wallet_postings FOR EACH ROW EXECUTE FUNCTION wallet_append_only();

CREATE TABLE wallet_transfers (
    id         text        NOT NULL PRIMARY KEY,
    from_id    bigint      NOT NULL,
    to_id      bigint      NOT NULL,
    amount     bigint      NOT NULL CHECK (amount > 0),
    memo       text,
    status     text        NOT NULL CHECK (status IN ('pending', 'accepted', 'returned')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    settled_at timestamptz
);
CREATE INDEX wallet_transfers_pending ON wallet_transfers (status, expires_at);
CREATE INDEX wallet_transfers_by_from ON wallet_transfers (from_id, status);
CREATE INDEX wallet_transfers_by_to ON wallet_transfers (to_id, status);

CREATE TABLE wallet_pay_passwords (
    user_id      bigint      NOT NULL PRIMARY KEY,
    hash         text        NOT NULL,
    failures     integer     NOT NULL DEFAULT 0,
    locked_until timestamptz,
    updated_at   timestamptz NOT NULL
);
