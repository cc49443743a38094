-- Whether the recipient accepts a message is checked inside the send's own call (issue 16). The node used to read
-- the recipient's account, the pair's friendship and blocks and, for strangers, whether the recipient had written
-- first, before calling the send: ~2.3 of the ~2.8 round trips per message. Now a send is one call with no reads
-- before it, and the check runs under both users' row locks — the locks a block, an unfriending or a recall takes
-- too — so whatever such a change committed before the send, on any node, is seen: no cache to invalidate.

-- Why p_recipient would not accept a message from p_sender now: 'not_found' (no such user, or deleted), 'refused'
-- (a block either way; or not friends, strangers not allowed and the recipient never wrote to the sender a message
-- not recalled), NULL when accepted. IMessageStore.RefusalAsync; the SQLite engine has the same rule in one statement.
CREATE FUNCTION penguin_refusal(p_sender bigint, p_recipient bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN u.id IS NULL THEN 'not_found'
        WHEN EXISTS (SELECT 1 FROM blocks b WHERE (b.user_id = p_sender AND b.blocked_id = p_recipient)
                                               OR (b.user_id = p_recipient AND b.blocked_id = p_sender)) THEN 'refused'
        WHEN u.allow_stranger_messages OR EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = p_sender AND f.friend_id = p_recipient) THEN NULL
        WHEN EXISTS (SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                     WHERE c.user_lo = LEAST(p_sender, p_recipient) AND c.user_hi = GREATEST(p_sender, p_recipient)
                       AND m.sender_id = p_recipient AND m.recalled_at IS NULL) THEN NULL
        ELSE 'refused' END
    FROM (SELECT 1) one LEFT JOIN users u ON u.id = p_recipient AND u.deleted_at IS NULL
$$;

-- penguin_send_message (0070), with p_check: first a retried client id answers its stored message (even if the
-- recipient would now refuse it), then the users are locked in id order and penguin_refusal decides; a refused
-- send returns one row with o_refused set and writes nothing.
CREATE FUNCTION penguin_send_accepted(
    p_check boolean, p_sender bigint, p_recipient bigint, p_client_id text, p_body text, p_sent_at timestamptz,
    p_attachment text, p_file_id text, p_event_users bigint[], p_event_payloads bytea[])
RETURNS TABLE (o_refused text, o_duplicate boolean, o_id bigint, o_sender_id bigint, o_recipient_id bigint, o_seq bigint, o_client_id text,
               o_body text, o_sent_at timestamptz, o_recalled_at timestamptz, o_attachment text, o_event_seqs bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    v_refused text;
BEGIN
    IF p_check THEN
        RETURN QUERY
            SELECT NULL::text, true, m.id, m.sender_id, m.recipient_id, m.seq, m.client_id, m.body, m.sent_at, m.recalled_at, m.attachment, NULL::bigint[]
            FROM messages m WHERE m.sender_id = p_sender AND m.client_id = p_client_id;
        IF FOUND THEN RETURN; END IF;
        PERFORM 1 FROM users WHERE id = ANY(ARRAY[p_sender, p_recipient] || COALESCE(p_event_users, '{}')) ORDER BY id FOR UPDATE;
        -- A statement of its own: under READ COMMITTED it reads with a snapshot taken after the locks were granted.
        v_refused := penguin_refusal(p_sender, p_recipient);
        IF v_refused IS NOT NULL THEN
            RETURN QUERY SELECT v_refused, false, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text,
                                NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::bigint[];
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT NULL::text, s.* FROM penguin_send_message(p_sender, p_recipient, p_client_id, p_body, p_sent_at,
        p_attachment, p_file_id, p_event_users, p_event_payloads) s;
END
$$;

-- The group commit of 0072 with a check flag per item (o_refused as above).
DROP FUNCTION penguin_send_messages(bigint[], bigint[], text[], text[], timestamptz[], text[], text[]);
CREATE FUNCTION penguin_send_messages(
    p_checks boolean[], p_senders bigint[], p_recipients bigint[], p_client_ids text[], p_bodies text[], p_sent_ats timestamptz[],
    p_attachments text[], p_file_ids text[])
RETURNS TABLE (o_index int, o_refused text, o_duplicate boolean, o_id bigint, o_sender_id bigint, o_recipient_id bigint, o_seq bigint,
               o_client_id text, o_body text, o_sent_at timestamptz, o_recalled_at timestamptz, o_attachment text, o_event_seqs bigint[])
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = ANY(p_senders || p_recipients) ORDER BY id FOR UPDATE;
    FOR i IN 1 .. COALESCE(array_length(p_senders, 1), 0) LOOP
        RETURN QUERY SELECT i, s.* FROM penguin_send_accepted(p_checks[i], p_senders[i], p_recipients[i], p_client_ids[i], p_bodies[i],
            p_sent_ats[i], p_attachments[i], p_file_ids[i], ARRAY[p_recipients[i], p_senders[i]], ARRAY[NULL, NULL]::bytea[]) s;
    END LOOP;
END
$$;
