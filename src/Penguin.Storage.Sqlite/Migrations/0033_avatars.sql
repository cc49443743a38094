-- Custom avatars (docs/protocol.md §10.8): a square JPEG made from an uploaded picture, kept here by the SHA-256 of
-- its own bytes, apart from files and their expiry. A profile or group card refers to one by its avatar text
-- '/api/v1/avatars/<sha256>'; the sweeper removes an avatar nobody refers to (after a day's grace, so one just made
-- is not taken before the profile that will name it is written). The indexes make that check a lookup.
CREATE TABLE avatars (
    sha256     TEXT    NOT NULL PRIMARY KEY,
    image      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX avatars_by_age ON avatars (created_at);
CREATE INDEX users_by_avatar ON users (avatar);
CREATE INDEX chat_groups_by_avatar ON chat_groups (avatar);
