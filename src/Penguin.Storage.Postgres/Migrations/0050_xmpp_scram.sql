-- The XMPP front end's SCRAM credentials: the same as the SQLite engine's 0050_xmpp_scram.sql, in PostgreSQL types.
CREATE TABLE xmpp_scram (
    user_id         bigint NOT NULL REFERENCES users(id),
    mechanism       integer NOT NULL,
    iterations      integer NOT NULL,
    salt            bytea NOT NULL,
    stored_key      bytea NOT NULL,
    server_key      bytea NOT NULL,
    password_check  bytea NOT NULL,
    PRIMARY KEY (user_id, mechanism)
);
