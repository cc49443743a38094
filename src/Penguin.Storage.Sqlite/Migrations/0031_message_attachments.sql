-- A message may carry a file (docs/protocol.md, "Files"): the attachment as its wire JSON, and the file id on its
-- own so a download can be authorized by the messages that carry it. Both are erased by a recall.
ALTER TABLE messages ADD COLUMN attachment TEXT;
ALTER TABLE messages ADD COLUMN file_id TEXT;
CREATE INDEX messages_by_file ON messages (file_id) WHERE file_id IS NOT NULL;
