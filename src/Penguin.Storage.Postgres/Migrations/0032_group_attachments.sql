-- A group message may carry a file: the same columns as the SQLite engine's 0032_group_attachments.sql.
ALTER TABLE group_messages ADD COLUMN attachment text;
ALTER TABLE group_messages ADD COLUMN file_id text;
CREATE INDEX group_messages_by_file ON group_messages (file_id) WHERE file_id IS NOT NULL;
