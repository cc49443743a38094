-- Who is inside each chat room, per node, so `people` counts are right across a cluster: one row per
-- (room, user, node) while the node holds at least one of the user's connections inside. The node refreshes its
-- rows with its presence; rows of a node that died expire after the presence TTL. Cluster (PostgreSQL) only:
-- one embedded node counts from memory, so the SQLite engine has no such table.
CREATE TABLE room_occupancy (
    room_id bigint NOT NULL,
    user_id bigint NOT NULL,
    node_id text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (room_id, user_id, node_id)
);
CREATE INDEX room_occupancy_by_node ON room_occupancy (node_id);
