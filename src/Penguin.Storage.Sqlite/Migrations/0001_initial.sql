-- Accounts: numbers are assigned from 10001 by AUTOINCREMENT, which never reuses a number.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    nickname       TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    avatar         TEXT    NOT NULL,
    signature      TEXT,
    gender         INTEGER NOT NULL DEFAULT 0,
    birthday       TEXT,
    province       TEXT,
    city           TEXT,
    add_policy     INTEGER NOT NULL DEFAULT 1,
    show_signature INTEGER NOT NULL DEFAULT 1,
    show_gender    INTEGER NOT NULL DEFAULT 1,
    show_birthday  INTEGER NOT NULL DEFAULT 0,
    show_region    INTEGER NOT NULL DEFAULT 1,
    event_seq      INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);
INSERT INTO sqlite_sequence (name, seq) VALUES ('users', 10000);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    token_hash   BLOB    NOT NULL UNIQUE,
    device       INTEGER NOT NULL,
    device_name  TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE buddy_groups (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX buddy_groups_by_user ON buddy_groups (user_id);

-- One row per side of a friendship.
CREATE TABLE friendships (
    user_id    INTEGER NOT NULL,
    friend_id  INTEGER NOT NULL,
    group_id   INTEGER NOT NULL,
    remark     TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, friend_id)
) WITHOUT ROWID;

CREATE TABLE friend_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    from_id       INTEGER NOT NULL,
    to_id         INTEGER NOT NULL,
    message       TEXT    NOT NULL,
    from_group_id INTEGER NOT NULL,
    state         INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX friend_requests_to ON friend_requests (to_id, state);
CREATE INDEX friend_requests_from ON friend_requests (from_id, state);

CREATE TABLE blocks (
    user_id    INTEGER NOT NULL,
    blocked_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
) WITHOUT ROWID;

-- Each user's event log: what sync serves after a cursor. payload is the event's wire JSON.
CREATE TABLE user_events (
    user_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    payload BLOB    NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
