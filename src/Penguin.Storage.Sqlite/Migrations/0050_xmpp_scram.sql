-- The XMPP front end's SCRAM credentials (RFC 5802): per account and mechanism, the salt, iteration count, StoredKey
-- and ServerKey, derived whenever the password is known in clear. password_check fingerprints the password hash they
-- were derived with: after a change, reset or deletion it no longer matches and the row is never used.
-- (Numbered 0050: the XMPP branch's range.)
CREATE TABLE xmpp_scram (
    user_id         INTEGER NOT NULL REFERENCES users(id),
    mechanism       INTEGER NOT NULL,
    iterations      INTEGER NOT NULL,
    salt            BLOB NOT NULL,
    stored_key      BLOB NOT NULL,
    server_key      BLOB NOT NULL,
    password_check  BLOB NOT NULL,
    PRIMARY KEY (user_id, mechanism)
) WITHOUT ROWID;
