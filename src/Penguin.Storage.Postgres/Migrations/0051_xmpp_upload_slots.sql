-- XEP-0363 HTTP upload slots: the same as the SQLite engine's 0051_xmpp_upload_slots.sql, in PostgreSQL types.
CREATE TABLE xmpp_upload_slots (
    id            text        NOT NULL PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users(id),
    put_key_hash  bytea       NOT NULL,
    name          text        NOT NULL,
    size          bigint      NOT NULL,
    content_type  text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    file_id       text
);
CREATE INDEX xmpp_upload_slots_by_user ON xmpp_upload_slots (user_id, expires_at);
