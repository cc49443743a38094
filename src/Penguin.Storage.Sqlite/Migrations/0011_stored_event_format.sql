-- Events are no longer stored as the wire JSON of protocol v1 but in a format of their own (StoredEventJson in
-- Penguin.Core/Outbox, format 1): {"v":1,"event":"<stored name>","data":{<the event's fields, without seq>}}.
-- A new wire format then needs no data migration. Message events (a reference to the message row, no JSON) are
-- unchanged. A wire type without a stored name below leaves the payload NULL: the migration fails rather than
-- keep a row no version can read.
UPDATE user_events
SET payload = CAST('{"v":1,"event":"' ||
    CASE json_extract(CAST(payload AS TEXT), '$.type')
        WHEN 'friend.request' THEN 'friend_requested'
        WHEN 'friend.request.declined' THEN 'friend_request_declined'
        WHEN 'friend.added' THEN 'friend_added'
        WHEN 'friend.removed' THEN 'friend_removed'
        WHEN 'friend.updated' THEN 'friend_updated'
        WHEN 'buddygroups.changed' THEN 'buddy_groups_changed'
        WHEN 'profile.updated' THEN 'profile_updated'
        WHEN 'settings.updated' THEN 'settings_updated'
        WHEN 'blocks.changed' THEN 'blocks_changed'
        WHEN 'message' THEN 'message_received'
        WHEN 'message.receipt' THEN 'message_receipt'
        WHEN 'conversation.read' THEN 'conversation_read'
        WHEN 'message.recalled' THEN 'message_recalled'
        WHEN 'message.deleted' THEN 'message_deleted'
    END
    || '","data":' || json_remove(CAST(payload AS TEXT), '$.type', '$.seq') || '}' AS BLOB)
WHERE message_id IS NULL;
