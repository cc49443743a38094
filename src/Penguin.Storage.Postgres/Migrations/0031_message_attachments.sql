-- A message may carry a file: the same columns as the SQLite engine's 0031_message_attachments.sql.
ALTER TABLE messages ADD COLUMN attachment text;
ALTER TABLE messages ADD COLUMN file_id text;
CREATE INDEX messages_by_file ON messages (file_id) WHERE file_id IS NOT NULL;
