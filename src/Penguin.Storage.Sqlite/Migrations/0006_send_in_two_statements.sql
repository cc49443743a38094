-- Storing a message moves its conversation's last seq and the sender's read cursor (writing a message means
-- having read everything before it). Done by the database, so that a send is two statements: the message,
-- taking its seq from the conversation, and its events.
CREATE TRIGGER messages_advance AFTER INSERT ON messages BEGIN
    UPDATE conversations SET last_seq = new.seq, updated_at = new.sent_at WHERE id = new.conversation_id;
    UPDATE dialogs SET read_seq = new.seq, delivered_seq = new.seq WHERE user_id = new.sender_id AND peer_id = new.recipient_id;
END;
