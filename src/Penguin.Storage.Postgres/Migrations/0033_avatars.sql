-- Custom avatars: the same table as the SQLite engine's 0033_avatars.sql, in PostgreSQL types.
CREATE TABLE avatars (
    sha256     text        NOT NULL PRIMARY KEY,
    image      bytea       NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX avatars_by_age ON avatars (created_at);
CREATE INDEX users_by_avatar ON users (avatar);
CREATE INDEX chat_groups_by_avatar ON chat_groups (avatar);
