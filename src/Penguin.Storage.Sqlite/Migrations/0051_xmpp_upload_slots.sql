-- XEP-0363 HTTP upload slots of the XMPP front end: a client asks for one over XMPP (name, size, type); its bytes arrive
-- by an HTTP PUT whose URL carries a random key (only its SHA-256 is kept here) and become one of the user's files
-- through the native upload's checks and limits; file_id then names that file, which the slot's GET URL serves.
-- An unused slot is worthless after expires_at and is deleted when its owner asks for a new one.
CREATE TABLE xmpp_upload_slots (
    id            TEXT    NOT NULL PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    put_key_hash  BLOB    NOT NULL,
    name          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL,
    file_id       TEXT
) WITHOUT ROWID;
CREATE INDEX xmpp_upload_slots_by_user ON xmpp_upload_slots (user_id, expires_at);
