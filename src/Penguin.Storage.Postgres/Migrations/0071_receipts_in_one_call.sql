-- Delivery acknowledgements and read cursors in one database round trip each (issue 16), like the send (0070):
-- the same statements the C# store made one by one, in the same lock order (users lowest id first, then dialogs).
--
-- With p_events the receipts' events are appended here too, in StoredEventJson's format 1, byte for byte what
-- StoredEventJson.Write makes of them (the store checks that once at start and otherwise passes false and
-- appends the events itself, in the same transaction):
--   message_receipt   {"v":1,"event":"message_receipt","data":{"peer":R,"deliveredSeq":D,"readSeq":S}}  to the peer
--   conversation_read {"v":1,"event":"conversation_read","data":{"peer":P,"readSeq":S}}               to the reader

-- The user's devices hold the log up to p_event_seq: the messages that reach them are delivered. One row per
-- dialog whose delivered seq moved, peers in id order, with the seq of the receipt event in the peer's log.
CREATE FUNCTION penguin_acknowledge(p_user bigint, p_event_seq bigint, p_events boolean)
RETURNS TABLE (o_peer bigint, o_delivered_seq bigint, o_read_seq bigint, o_event_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_acked  bigint;
    v_head   bigint;
    v_up_to  bigint;
    v_reach  record;
    v_moved  record;
    v_seq    bigint;
BEGIN
    -- The device can only hold events committed before it acknowledged them: the head read now bounds it.
    SELECT acked_seq, event_seq INTO v_acked, v_head FROM users WHERE id = p_user;
    IF NOT FOUND THEN RETURN; END IF;
    v_up_to := LEAST(p_event_seq, v_head);
    IF v_up_to <= v_acked THEN RETURN; END IF;

    -- The receipts go to the senders' logs: lock the user and every sender in the range in id order.
    PERFORM 1 FROM users
    WHERE id = p_user OR id IN (SELECT m.sender_id FROM messages m
                                WHERE m.recipient_id = p_user AND m.recipient_event_seq > v_acked AND m.recipient_event_seq <= v_up_to)
    ORDER BY id FOR UPDATE;

    -- Another device may have acknowledged meanwhile: that only narrows the range (to locked senders).
    SELECT acked_seq INTO v_acked FROM users WHERE id = p_user;
    IF v_up_to <= v_acked THEN RETURN; END IF;
    UPDATE users SET acked_seq = v_up_to WHERE id = p_user;

    FOR v_reach IN
        SELECT m.sender_id AS peer, MAX(m.seq) AS seq FROM messages m
        WHERE m.recipient_id = p_user AND m.recipient_event_seq > v_acked AND m.recipient_event_seq <= v_up_to
        GROUP BY m.sender_id ORDER BY m.sender_id
    LOOP
        UPDATE dialogs d SET delivered_seq = v_reach.seq
        WHERE d.user_id = p_user AND d.peer_id = v_reach.peer AND d.delivered_seq < v_reach.seq
        RETURNING d.delivered_seq, d.read_seq INTO v_moved;
        CONTINUE WHEN NOT FOUND;
        v_seq := NULL;
        IF p_events THEN
            UPDATE users SET event_seq = event_seq + 1 WHERE id = v_reach.peer RETURNING event_seq INTO v_seq;
            INSERT INTO user_events (user_id, seq, payload) VALUES (v_reach.peer, v_seq, convert_to(format(
                '{"v":1,"event":"message_receipt","data":{"peer":%s,"deliveredSeq":%s,"readSeq":%s}}',
                p_user, v_moved.delivered_seq, v_moved.read_seq), 'UTF8'));
        END IF;
        o_peer := v_reach.peer;
        o_delivered_seq := v_moved.delivered_seq;
        o_read_seq := v_moved.read_seq;
        o_event_seq := v_seq;
        RETURN NEXT;
    END LOOP;
END
$$;

-- The user has read the conversation with p_peer up to p_seq (never past its last message, never backwards).
-- No row when nothing moved; otherwise the dialog's seqs and, with p_events, the seqs of the conversation_read
-- event in the reader's log and of the message_receipt event in the peer's.
CREATE FUNCTION penguin_mark_read(p_user bigint, p_peer bigint, p_seq bigint, p_events boolean)
RETURNS TABLE (o_delivered_seq bigint, o_read_seq bigint, o_reader_event_seq bigint, o_peer_event_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_moved  record;
    v_reader bigint;
    v_peer   bigint;
BEGIN
    -- The reader's devices and the peer hear of it: both locks first, in id order.
    PERFORM 1 FROM users WHERE id IN (p_user, p_peer) ORDER BY id FOR UPDATE;
    UPDATE dialogs d
    SET read_seq = LEAST(p_seq, c.last_seq), delivered_seq = GREATEST(d.delivered_seq, LEAST(p_seq, c.last_seq))
    FROM conversations c
    WHERE c.id = d.conversation_id AND d.user_id = p_user AND d.peer_id = p_peer AND d.read_seq < p_seq AND d.read_seq < c.last_seq
    RETURNING d.delivered_seq, d.read_seq INTO v_moved;
    IF NOT FOUND THEN RETURN; END IF;
    IF p_events THEN
        UPDATE users SET event_seq = event_seq + 1 WHERE id = p_user RETURNING event_seq INTO v_reader;
        UPDATE users SET event_seq = event_seq + 1 WHERE id = p_peer RETURNING event_seq INTO v_peer;
        INSERT INTO user_events (user_id, seq, payload) VALUES
            (p_user, v_reader, convert_to(format('{"v":1,"event":"conversation_read","data":{"peer":%s,"readSeq":%s}}',
                p_peer, v_moved.read_seq), 'UTF8')),
            (p_peer, v_peer, convert_to(format('{"v":1,"event":"message_receipt","data":{"peer":%s,"deliveredSeq":%s,"readSeq":%s}}',
                p_user, v_moved.delivered_seq, v_moved.read_seq), 'UTF8'));
    END IF;
    o_delivered_seq := v_moved.delivered_seq;
    o_read_seq := v_moved.read_seq;
    o_reader_event_seq := v_reader;
    o_peer_event_seq := v_peer;
    RETURN NEXT;
END
$$;
