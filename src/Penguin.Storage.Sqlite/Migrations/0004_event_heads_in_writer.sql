-- Event seqs are taken by the writer from the log itself (its MAX(seq), then counted in memory) rather than
-- from a counter in the user's row: updating that wide row was the most expensive statement of every send.
ALTER TABLE users DROP COLUMN event_seq;

-- A received message's event records whom it came from and its seq in that conversation, so an ack finds
-- the messages it delivers in the acknowledged range of the user's own log instead of through an index on
-- messages that every send had to update at a random place.
ALTER TABLE user_events ADD COLUMN from_peer INTEGER;
ALTER TABLE user_events ADD COLUMN message_seq INTEGER;
UPDATE user_events SET from_peer = m.sender_id, message_seq = m.seq
FROM messages m
WHERE m.recipient_id = user_events.user_id AND m.recipient_event_seq = user_events.seq;
DROP INDEX messages_by_recipient_event;
