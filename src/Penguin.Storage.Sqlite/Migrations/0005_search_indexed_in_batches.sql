-- Messages join the trigram search index in batches (every so many sends, and before every search) instead of
-- one by one inside each send: FTS5 writes a segment per transaction and merges them, so a segment per group
-- commit of a few dozen messages cost every send more than storing the message itself.
DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_erase;
-- Every message with an id up to here has been indexed (or had no text to index).
CREATE TABLE search_progress (indexed_up_to INTEGER NOT NULL);
INSERT INTO search_progress (indexed_up_to) SELECT COALESCE(MAX(id), 0) FROM messages;
-- A recall erases the text from the index, if it got there already.
CREATE TRIGGER messages_search_erase AFTER UPDATE OF body ON messages
WHEN old.body IS NOT NULL AND old.id <= (SELECT indexed_up_to FROM search_progress) BEGIN
    INSERT INTO message_search (message_search, rowid, body) VALUES ('delete', old.id, old.body);
END;
