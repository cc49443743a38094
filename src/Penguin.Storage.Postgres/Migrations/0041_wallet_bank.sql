-- Top-ups and withdrawals through the bank gateway: the same table as the SQLite engine's 0041_wallet_bank.sql. A
-- settlement locks its payment's row (FOR UPDATE), so a callback and a query settling it at once take turns.
CREATE TABLE wallet_bank_payments (
    id              text        NOT NULL PRIMARY KEY,
    user_id         bigint      NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('topup', 'withdrawal')),
    amount          bigint      NOT NULL CHECK (amount > 0),
    card_last4      text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    idempotency_key text        NOT NULL UNIQUE,
    fingerprint     text        NOT NULL,
    bank_payment_id text,
    failure         text,
    created_at      timestamptz NOT NULL,
    settled_at      timestamptz
);
CREATE INDEX wallet_bank_payments_pending ON wallet_bank_payments (status, created_at);
CREATE INDEX wallet_bank_payments_by_user ON wallet_bank_payments (user_id, created_at);
