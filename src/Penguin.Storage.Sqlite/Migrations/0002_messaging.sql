-- One-to-one messaging.
ALTER TABLE users ADD COLUMN allow_stranger_messages INTEGER NOT NULL DEFAULT 0;
-- The highest event seq any device of the user has acknowledged: messages up to there are delivered.
ALTER TABLE users ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0;

-- A pair of users (user_lo < user_hi) and its message sequence.
CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_lo         INTEGER NOT NULL,
    user_hi         INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_message_id INTEGER,
    updated_at      INTEGER NOT NULL,
    UNIQUE (user_lo, user_hi)
);

-- Each side of a conversation: how far that user has received and read it.
CREATE TABLE dialogs (
    user_id         INTEGER NOT NULL,
    peer_id         INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    delivered_seq   INTEGER NOT NULL DEFAULT 0,
    read_seq        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, peer_id)
) WITHOUT ROWID;

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id     INTEGER NOT NULL REFERENCES conversations (id),
    seq                 INTEGER NOT NULL,
    sender_id           INTEGER NOT NULL,
    recipient_id        INTEGER NOT NULL,
    client_id           TEXT    NOT NULL,
    body                TEXT,
    sent_at             INTEGER NOT NULL,
    recalled_at         INTEGER,
    sender_event_seq    INTEGER NOT NULL DEFAULT 0,
    recipient_event_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender_id, client_id)
);
CREATE INDEX messages_by_recipient_event ON messages (recipient_id, recipient_event_seq);

CREATE TABLE hidden_messages (
    user_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;

-- Substring search that works for Chinese: trigrams of the text, kept in step with messages by triggers.
CREATE VIRTUAL TABLE message_search USING fts5 (body, content = 'messages', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN new.body IS NOT NULL BEGIN
    INSERT INTO message_search (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_search_erase AFTER UPDATE OF body ON messages WHEN old.body IS NOT NULL BEGIN
    INSERT INTO message_search (message_search, rowid, body) VALUES ('delete', old.id, old.body);
END;
