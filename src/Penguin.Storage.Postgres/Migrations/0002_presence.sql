-- Cluster presence: one row per online device session, owned by the node holding its connection. Each node
-- pushes expires_at forward periodically; the rows of a node that died stop being refreshed and expire.
-- Times are the database's own clock (now()), so nodes with skewed clocks still agree.
CREATE TABLE presence (
    session_id bigint      PRIMARY KEY,
    user_id    bigint      NOT NULL,
    node_id    text        NOT NULL,
    device     integer     NOT NULL,
    status     integer     NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX presence_by_user ON presence (user_id);
CREATE INDEX presence_by_node ON presence (node_id);
CREATE INDEX presence_by_expiry ON presence (expires_at);
