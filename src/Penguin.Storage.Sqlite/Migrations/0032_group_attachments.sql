-- A group message may carry a file (docs/protocol.md §10 "Files in groups"): the attachment as its wire JSON, and the
-- file id on its own so a download can be authorized by the group messages that carry it. Both are erased by a recall.
ALTER TABLE group_messages ADD COLUMN attachment TEXT;
ALTER TABLE group_messages ADD COLUMN file_id TEXT;
CREATE INDEX group_messages_by_file ON group_messages (file_id) WHERE file_id IS NOT NULL;
