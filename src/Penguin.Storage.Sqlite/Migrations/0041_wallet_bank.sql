-- Top-ups and withdrawals through the bank gateway (docs/protocol.md "13. Wallet"). The id is the merchant request id
-- the bank knows the payment by. A payment is pending until settled, once, as succeeded or failed; its money moves in
-- the journal in the same transaction as its status (a withdrawal's hold when it is created).
CREATE TABLE wallet_bank_payments (
    id              TEXT    NOT NULL PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('topup', 'withdrawal')),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    card_last4      TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    idempotency_key TEXT    NOT NULL UNIQUE,
    fingerprint     TEXT    NOT NULL,
    bank_payment_id TEXT,
    failure         TEXT,
    created_at      INTEGER NOT NULL,
    settled_at      INTEGER
) WITHOUT ROWID;
CREATE INDEX wallet_bank_payments_pending ON wallet_bank_payments (status, created_at);
CREATE INDEX wallet_bank_payments_by_user ON wallet_bank_payments (user_id, created_at);
