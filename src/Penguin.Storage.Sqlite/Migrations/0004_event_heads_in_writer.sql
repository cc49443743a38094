-- Event seqs are taken by the writer from the log itself (its MAX(seq), then counted in memory) rather than
-- from a counter in the user's row: updating that wide row was the most expensive statement of every send.
ALTER TABLE users DROP COLUMN event_seq;

-- A message's events (one in the sender's log, one in the recipient's) refer to the message instead of holding
-- a copy of it: the wire JSON is built from the message row when the log is read. Each send then writes two
-- small rows instead of two copies of the text, a recall has nothing to rewrite, and an ack finds the messages
-- it delivers through the acknowledged stretch of the user's own log (no index on messages by recipient).
ALTER TABLE user_events ADD COLUMN message_id INTEGER;
UPDATE user_events SET message_id = m.id, payload = x''
FROM messages m WHERE user_events.user_id = m.sender_id AND user_events.seq = m.sender_event_seq;
UPDATE user_events SET message_id = m.id, payload = x''
FROM messages m WHERE user_events.user_id = m.recipient_id AND user_events.seq = m.recipient_event_seq;
DROP INDEX messages_by_recipient_event;
ALTER TABLE messages DROP COLUMN sender_event_seq;
ALTER TABLE messages DROP COLUMN recipient_event_seq;
