-- Files (docs/architecture.md, "Files"): bytes held once per SHA-256 (blobs), the files people own that refer to
-- them, and uploads in progress. A file row stays after it expires (so its uploader and recipients are told it
-- expired); a blob is reclaimed once no unexpired file refers to it. No foreign key from files to blobs for that
-- reason: a blob's state changes under the writer, which serializes every write.
CREATE TABLE blobs (
    sha256     TEXT    NOT NULL PRIMARY KEY,
    size       INTEGER NOT NULL,
    deleting   INTEGER NOT NULL DEFAULT 0,
    width      INTEGER,
    height     INTEGER,
    preview    BLOB,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE files (
    id           TEXT    NOT NULL PRIMARY KEY,
    owner_id     INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX files_by_owner ON files (owner_id, expires_at);
CREATE INDEX files_by_blob ON files (sha256, expires_at);

CREATE TABLE uploads (
    id           TEXT    NOT NULL PRIMARY KEY,
    owner_id     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    lease_token  TEXT,
    lease_until  INTEGER
) WITHOUT ROWID;
CREATE INDEX uploads_by_owner ON uploads (owner_id);
CREATE INDEX uploads_by_expiry ON uploads (expires_at);
