-- A conversation's last message is the one at (conversation_id, last_seq): no separate column to keep in
-- step on every send.
ALTER TABLE conversations DROP COLUMN last_message_id;
