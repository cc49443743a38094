-- The acknowledgements' user locks by index (issue 16). 0071/0072 chose the users to lock with
-- "id = … OR id IN (subquery)", which PostgreSQL cannot answer from the primary key: every acknowledgement scanned the
-- whole users table while holding the locks it had. Cheap with 200 users, 0.6 ms per ack (and 23 ms per batch) with
-- 2,000, and the sends queued behind those locks. Now the ids are gathered into one array first (= ANY: index
-- probes); the functions are otherwise unchanged.

CREATE OR REPLACE FUNCTION penguin_acknowledge(p_user bigint, p_event_seq bigint, p_events boolean)
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
    WHERE id = ANY(p_user || ARRAY(SELECT m.sender_id FROM messages m
                                   WHERE m.recipient_id = p_user AND m.recipient_event_seq > v_acked AND m.recipient_event_seq <= v_up_to))
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

CREATE OR REPLACE FUNCTION penguin_acknowledge_many(p_users bigint[], p_event_seqs bigint[])
RETURNS TABLE (o_index int, o_peer bigint, o_delivered_seq bigint, o_read_seq bigint, o_event_seq bigint)
LANGUAGE plpgsql AS $$
BEGIN
    -- The users and every sender in the ranges they acknowledge, as read now (a range can only narrow once locked;
    -- one that grew meanwhile takes its new sender's lock late, and a deadlock that may cause is retried whole).
    PERFORM 1 FROM users
    WHERE id = ANY(p_users || ARRAY(SELECT m.sender_id
                                    FROM unnest(p_users, p_event_seqs) AS a (u, s)
                                    JOIN users r ON r.id = a.u
                                    JOIN messages m ON m.recipient_id = a.u AND m.recipient_event_seq > r.acked_seq
                                                   AND m.recipient_event_seq <= LEAST(a.s, r.event_seq)))
    ORDER BY id FOR UPDATE;
    FOR i IN 1 .. COALESCE(array_length(p_users, 1), 0) LOOP
        RETURN QUERY SELECT i, a.* FROM penguin_acknowledge(p_users[i], p_event_seqs[i], true) a;
    END LOOP;
END
$$;
