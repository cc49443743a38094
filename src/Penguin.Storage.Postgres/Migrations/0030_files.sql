-- Files: the same tables as the SQLite engine's 0030_files.sql, in PostgreSQL types. Several nodes write at once:
-- adding a file locks its blob row FOR SHARE and reclaiming a blob locks it FOR UPDATE, so the two never cross.
CREATE TABLE blobs (
    sha256     text        NOT NULL PRIMARY KEY,
    size       bigint      NOT NULL,
    deleting   boolean     NOT NULL DEFAULT false,
    width      integer,
    height     integer,
    preview    bytea,
    created_at timestamptz NOT NULL
);

CREATE TABLE files (
    id           text        NOT NULL PRIMARY KEY,
    owner_id     bigint      NOT NULL,
    sha256       text        NOT NULL,
    name         text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX files_by_owner ON files (owner_id, expires_at);
CREATE INDEX files_by_blob ON files (sha256, expires_at);

CREATE TABLE uploads (
    id           text        NOT NULL PRIMARY KEY,
    owner_id     bigint      NOT NULL,
    name         text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    sha256       text        NOT NULL,
    received     bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    lease_token  text,
    lease_until  timestamptz
);
CREATE INDEX uploads_by_owner ON uploads (owner_id);
CREATE INDEX uploads_by_expiry ON uploads (expires_at);
