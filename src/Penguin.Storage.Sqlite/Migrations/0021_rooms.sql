-- Chat rooms (聊天室): the rooms, their appointed moderators (the creator is one without a row), their bans and
-- their last messages (a send deletes what falls beyond the last 100). Who is inside a room is not stored.
CREATE TABLE chat_rooms (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    creator_id  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
-- Room numbers are their own sequence, from 300001.
INSERT INTO sqlite_sequence (name, seq) VALUES ('chat_rooms', 300000);
CREATE INDEX chat_rooms_by_topic ON chat_rooms (topic, id);
CREATE INDEX chat_rooms_by_creator ON chat_rooms (creator_id);

CREATE TABLE room_moderators (
    room_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    appointed_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE room_bans (
    room_id   INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    banned_by INTEGER NOT NULL,
    banned_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE room_messages (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id   INTEGER NOT NULL,
    sender_id INTEGER NOT NULL,
    body      TEXT    NOT NULL,
    sent_at   INTEGER NOT NULL
);
CREATE INDEX room_messages_by_room ON room_messages (room_id, id);
