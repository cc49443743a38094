-- A one-to-one send in one database round trip (issue 16). The C# store used to make eight to ten round trips per
-- send inside one transaction, holding SELECT … FOR UPDATE on both users' rows between them: under load the
-- backends sat "idle in transaction" with those locks while the node prepared its next statement. This function
-- does the same work on the server, in the same lock order (users lowest id first, then the conversation, then
-- the sender's dialog), so each lock is held for microseconds and a send is one prepared call.
--
-- Behaviour is the C# store's of before, statement for statement:
--   * a retried client id (sender_id, client_id) answers the stored message (duplicate = true), nothing written;
--   * the users' event seqs and the conversation's seq are bumped with UPDATE … RETURNING under the row lock;
--   * the message row is written with its place in both logs (sender_event_seq, recipient_event_seq) at once;
--   * each event of p_event_users/p_event_payloads is appended in that order: a NULL payload is the message's
--     own event, stored as a reference to the message row (an empty payload and message_id), as
--     StoredEventJson.MessageReference has it; any other payload is stored as given;
--   * writing a message means having read everything before it (the sender's dialog).
-- Two sends racing with one client id: the second fails on UNIQUE (sender_id, client_id) and rolls back whole; the
-- store calls again and then finds the first (a fresh snapshot per statement under READ COMMITTED).
CREATE FUNCTION penguin_send_message(
    p_sender bigint, p_recipient bigint, p_client_id text, p_body text, p_sent_at timestamptz,
    p_attachment text, p_file_id text, p_event_users bigint[], p_event_payloads bytea[])
RETURNS TABLE (o_duplicate boolean, o_id bigint, o_sender_id bigint, o_recipient_id bigint, o_seq bigint, o_client_id text,
               o_body text, o_sent_at timestamptz, o_recalled_at timestamptz, o_attachment text, o_event_seqs bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    v_lo     bigint := LEAST(p_sender, p_recipient);
    v_hi     bigint := GREATEST(p_sender, p_recipient);
    v_users  bigint[];
    v_next   bigint[] := '{}';
    v_seqs   bigint[] := '{}';
    v_user   bigint;
    v_count  int;
    v_head   bigint;
    v_at     int;
    v_conv   bigint;
    v_seq    bigint;
    v_id     bigint;
BEGIN
    -- A retry usually finds its message without taking any lock.
    RETURN QUERY
        SELECT true, m.id, m.sender_id, m.recipient_id, m.seq, m.client_id, m.body, m.sent_at, m.recalled_at, m.attachment, NULL::bigint[]
        FROM messages m WHERE m.sender_id = p_sender AND m.client_id = p_client_id;
    IF FOUND THEN RETURN; END IF;

    -- Both users (and any other user an event goes to) in id order: each event user's seq is bumped by the number
    -- of its events under the row lock, the others only locked, as every write touching two users does.
    v_users := ARRAY(SELECT DISTINCT u FROM unnest(ARRAY[p_sender, p_recipient] || COALESCE(p_event_users, '{}')) u ORDER BY u);
    FOREACH v_user IN ARRAY v_users LOOP
        v_count := COALESCE(array_length(array_positions(p_event_users, v_user), 1), 0);
        IF v_count > 0 THEN
            UPDATE users SET event_seq = event_seq + v_count WHERE id = v_user RETURNING event_seq INTO v_head;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'Event for unknown user %.', v_user USING ERRCODE = 'foreign_key_violation';
            END IF;
            v_next := v_next || (v_head - v_count);
        ELSE
            PERFORM 1 FROM users WHERE id = v_user FOR UPDATE;
            v_next := v_next || 0::bigint;
        END IF;
    END LOOP;
    -- Each event's seq, in the order given: a user's events take its new seqs in turn.
    FOR i IN 1 .. COALESCE(array_length(p_event_users, 1), 0) LOOP
        v_at := array_position(v_users, p_event_users[i]);
        v_next[v_at] := v_next[v_at] + 1;
        v_seqs := v_seqs || v_next[v_at];
    END LOOP;

    -- The conversation's next seq under its row lock; the pair's first message creates it with both dialogs
    -- (two nodes racing to create it meet on UNIQUE (user_lo, user_hi): the later one finds the row).
    v_id := nextval(pg_get_serial_sequence('messages', 'id'));
    UPDATE conversations c SET last_seq = c.last_seq + 1, updated_at = p_sent_at, last_message_id = v_id
    WHERE c.user_lo = v_lo AND c.user_hi = v_hi RETURNING c.id, c.last_seq INTO v_conv, v_seq;
    IF NOT FOUND THEN
        INSERT INTO conversations (user_lo, user_hi, updated_at) VALUES (v_lo, v_hi, p_sent_at)
        ON CONFLICT (user_lo, user_hi) DO NOTHING RETURNING id INTO v_conv;
        IF v_conv IS NOT NULL THEN
            INSERT INTO dialogs (user_id, peer_id, conversation_id) VALUES (v_lo, v_hi, v_conv), (v_hi, v_lo, v_conv);
        END IF;
        UPDATE conversations c SET last_seq = c.last_seq + 1, updated_at = p_sent_at, last_message_id = v_id
        WHERE c.user_lo = v_lo AND c.user_hi = v_hi RETURNING c.id, c.last_seq INTO v_conv, v_seq;
    END IF;

    INSERT INTO messages (id, conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at, attachment, file_id,
                          sender_event_seq, recipient_event_seq)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, v_conv, v_seq, p_sender, p_recipient, p_client_id, p_body, p_sent_at, p_attachment, p_file_id,
            COALESCE(v_seqs[array_position(p_event_users, p_sender)], 0),
            COALESCE(v_seqs[array_position(p_event_users, p_recipient)], 0));

    INSERT INTO user_events (user_id, seq, payload, message_id)
    SELECT e.u, e.s, COALESCE(e.p, ''::bytea), CASE WHEN e.p IS NULL THEN v_id END
    FROM unnest(p_event_users, v_seqs, p_event_payloads) AS e (u, s, p);

    -- Writing a message means having read everything before it.
    UPDATE dialogs SET read_seq = v_seq, delivered_seq = v_seq WHERE user_id = p_sender AND peer_id = p_recipient;

    RETURN QUERY SELECT false, v_id, p_sender, p_recipient, v_seq, p_client_id, p_body, p_sent_at, NULL::timestamptz, p_attachment, v_seqs;
END
$$;
