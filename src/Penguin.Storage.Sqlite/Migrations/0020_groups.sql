-- Groups (群). A message is one row with the group's seq; members keep their own cursors. Table names avoid
-- GROUPS, a keyword of window frames.
CREATE TABLE chat_groups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    avatar          TEXT    NOT NULL,
    introduction    TEXT    NOT NULL DEFAULT '',
    announcement    TEXT    NOT NULL DEFAULT '',
    join_policy     INTEGER NOT NULL,
    mute_all        INTEGER NOT NULL DEFAULT 0,
    owner_id        INTEGER NOT NULL,
    member_count    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    dissolved       INTEGER NOT NULL DEFAULT 0,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    -- Moves whenever who receives the group's messages changes (joins, leaves, notify settings).
    members_version INTEGER NOT NULL DEFAULT 0
);
-- Group numbers are their own sequence, from 200001 (account numbers start at 10001).
INSERT INTO sqlite_sequence (name, seq) VALUES ('chat_groups', 200000);

CREATE TABLE group_members (
    group_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    role        INTEGER NOT NULL,            -- 0 member, 1 admin, 2 owner
    card        TEXT,
    muted_until INTEGER,
    notify      INTEGER NOT NULL DEFAULT 0,  -- 0 notify, 1 silent, 2 block
    joined_at   INTEGER NOT NULL,
    joined_seq  INTEGER NOT NULL,            -- the group's last seq at joining: history starts after it
    read_seq    INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE TABLE group_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    sender_id   INTEGER NOT NULL,
    client_id   TEXT    NOT NULL,
    body        TEXT,
    sent_at     INTEGER NOT NULL,
    recalled_at INTEGER,
    mentions    TEXT    NOT NULL DEFAULT '',
    mention_all INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, seq),
    UNIQUE (group_id, sender_id, client_id)
);

CREATE TABLE group_requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    message    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (group_id, user_id)
);

CREATE TABLE group_invitations (
    group_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    inviter_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
