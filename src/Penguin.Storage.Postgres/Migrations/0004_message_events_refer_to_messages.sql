-- A message's events (one in the sender's log, one in the recipient's) refer to the message row instead of
-- holding a copy of its wire JSON, as in the embedded engine (SQLite 0004): the event is built from the row
-- when the log is read, so the text is stored once, a recall has nothing to rewrite, and the stored log does
-- not depend on the wire format of any protocol version.
ALTER TABLE user_events ADD COLUMN message_id bigint;
UPDATE user_events e SET message_id = m.id, payload = ''::bytea
FROM messages m WHERE e.user_id = m.sender_id AND e.seq = m.sender_event_seq;
UPDATE user_events e SET message_id = m.id, payload = ''::bytea
FROM messages m WHERE e.user_id = m.recipient_id AND e.seq = m.recipient_event_seq;
