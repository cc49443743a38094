-- One-to-one messaging: the same schema as the SQLite engine's 0002_messaging.sql, in PostgreSQL types.
-- (Version 0002 is left to presence, which lands on another branch; the runner applies any missing version.)
ALTER TABLE users ADD COLUMN allow_stranger_messages boolean NOT NULL DEFAULT false;
-- The highest event seq any device of the user has acknowledged: messages up to there are delivered.
ALTER TABLE users ADD COLUMN acked_seq bigint NOT NULL DEFAULT 0;

-- A pair of users (user_lo < user_hi) and its message sequence; the row lock taken to bump last_seq
-- serializes the pair's sends.
CREATE TABLE conversations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_lo         bigint NOT NULL,
    user_hi         bigint NOT NULL,
    last_seq        bigint NOT NULL DEFAULT 0,
    last_message_id bigint,
    updated_at      timestamptz NOT NULL,
    UNIQUE (user_lo, user_hi)
);

-- Each side of a conversation: how far that user has received and read it.
CREATE TABLE dialogs (
    user_id         bigint NOT NULL,
    peer_id         bigint NOT NULL,
    conversation_id bigint NOT NULL REFERENCES conversations (id),
    delivered_seq   bigint NOT NULL DEFAULT 0,
    read_seq        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, peer_id)
);

CREATE TABLE messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id     bigint NOT NULL REFERENCES conversations (id),
    seq                 bigint NOT NULL,
    sender_id           bigint NOT NULL,
    recipient_id        bigint NOT NULL,
    client_id           text   NOT NULL,
    body                text,
    sent_at             timestamptz NOT NULL,
    recalled_at         timestamptz,
    sender_event_seq    bigint NOT NULL DEFAULT 0,
    recipient_event_seq bigint NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, seq),
    -- Idempotent sends: a retried client id is the same message, also when two nodes race.
    UNIQUE (sender_id, client_id)
);
CREATE INDEX messages_by_recipient_event ON messages (recipient_id, recipient_event_seq);

CREATE TABLE hidden_messages (
    user_id    bigint NOT NULL,
    message_id bigint NOT NULL,
    PRIMARY KEY (user_id, message_id)
);

-- Substring search that works for Chinese: ILIKE '%text%' served by a trigram index. pg_trgm is a trusted
-- extension (PostgreSQL 13+), so the database owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_body_trigrams ON messages USING gin (body gin_trgm_ops);
