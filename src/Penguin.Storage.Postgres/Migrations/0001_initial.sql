-- The same schema as the SQLite engine, in PostgreSQL types. Keep the two in step.

-- Accounts: numbers come from an identity starting at 10001; sequences never hand a value out twice.
CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY (START WITH 10001) PRIMARY KEY,
    nickname       text     NOT NULL,
    password_hash  text     NOT NULL,
    avatar         text     NOT NULL,
    signature      text,
    gender         integer  NOT NULL DEFAULT 0,
    birthday       date,
    province       text,
    city           text,
    add_policy     integer  NOT NULL DEFAULT 1,
    show_signature boolean  NOT NULL DEFAULT true,
    show_gender    boolean  NOT NULL DEFAULT true,
    show_birthday  boolean  NOT NULL DEFAULT false,
    show_region    boolean  NOT NULL DEFAULT true,
    -- The user's newest event seq; the row lock taken to bump it serializes appends per user.
    event_seq      bigint   NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL
);

CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint  NOT NULL REFERENCES users (id),
    token_hash   bytea   NOT NULL UNIQUE,
    device       integer NOT NULL,
    device_name  text,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE buddy_groups (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint  NOT NULL REFERENCES users (id),
    name       text    NOT NULL,
    position   integer NOT NULL,
    is_default boolean NOT NULL DEFAULT false
);
CREATE INDEX buddy_groups_by_user ON buddy_groups (user_id);

-- One row per side of a friendship.
CREATE TABLE friendships (
    user_id    bigint NOT NULL,
    friend_id  bigint NOT NULL,
    group_id   bigint NOT NULL,
    remark     text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, friend_id)
);

CREATE TABLE friend_requests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_id       bigint  NOT NULL,
    to_id         bigint  NOT NULL,
    message       text    NOT NULL,
    from_group_id bigint  NOT NULL,
    state         integer NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX friend_requests_to ON friend_requests (to_id, state);
CREATE INDEX friend_requests_from ON friend_requests (from_id, state);
-- At most one pending request per direction, even when two nodes upsert at once (ON CONFLICT target).
CREATE UNIQUE INDEX friend_requests_one_pending ON friend_requests (from_id, to_id) WHERE state = 0;

CREATE TABLE blocks (
    user_id    bigint NOT NULL,
    blocked_id bigint NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
);

-- Each user's event log: what sync serves after a cursor. payload is the event's exact wire JSON.
CREATE TABLE user_events (
    user_id bigint NOT NULL,
    seq     bigint NOT NULL,
    payload bytea  NOT NULL,
    PRIMARY KEY (user_id, seq)
);
