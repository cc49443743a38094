-- Group commit (issue 16): a node gathers the sends (and the delivery acknowledgements) that arrive while its
-- previous call is in flight and makes them ONE call of these functions, one transaction, one commit, one round
-- trip. Each item keeps its own outcome (a retried client id answers its stored message; o_index says which
-- item a row belongs to) and nothing is acknowledged to a client before the batch commits. An item that fails
-- (an unknown user, a client id racing on another node) rolls the batch back whole; the node then calls the
-- one-item functions of 0070/0071 for each, so only that item fails.
--
-- Locks: all the users a batch touches are locked first, in id order, so a batch waits for another batch (or a
-- one-item call, which locks in the same order) instead of deadlocking; the one-item functions called for each
-- item then find their user locks already held.

-- Sends whose events are the message's own, to the recipient then to the sender (the messaging service's shape).
CREATE FUNCTION penguin_send_messages(
    p_senders bigint[], p_recipients bigint[], p_client_ids text[], p_bodies text[], p_sent_ats timestamptz[],
    p_attachments text[], p_file_ids text[])
RETURNS TABLE (o_index int, o_duplicate boolean, o_id bigint, o_sender_id bigint, o_recipient_id bigint, o_seq bigint, o_client_id text,
               o_body text, o_sent_at timestamptz, o_recalled_at timestamptz, o_attachment text, o_event_seqs bigint[])
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = ANY(p_senders || p_recipients) ORDER BY id FOR UPDATE;
    FOR i IN 1 .. COALESCE(array_length(p_senders, 1), 0) LOOP
        RETURN QUERY SELECT i, s.* FROM penguin_send_message(p_senders[i], p_recipients[i], p_client_ids[i], p_bodies[i], p_sent_ats[i],
            p_attachments[i], p_file_ids[i], ARRAY[p_recipients[i], p_senders[i]], ARRAY[NULL, NULL]::bytea[]) s;
    END LOOP;
END
$$;

-- Several users' acknowledgements (one per user: the node merges a user's acks before calling), each as
-- penguin_acknowledge would make it, with its receipt events.
CREATE FUNCTION penguin_acknowledge_many(p_users bigint[], p_event_seqs bigint[])
RETURNS TABLE (o_index int, o_peer bigint, o_delivered_seq bigint, o_read_seq bigint, o_event_seq bigint)
LANGUAGE plpgsql AS $$
BEGIN
    -- The users and every sender in the ranges they acknowledge, as read now (a range can only narrow once locked;
    -- one that grew meanwhile takes its new sender's lock late, and a deadlock that may cause is retried whole).
    PERFORM 1 FROM users
    WHERE id = ANY(p_users)
       OR id IN (SELECT m.sender_id
                 FROM unnest(p_users, p_event_seqs) AS a (u, s)
                 JOIN users r ON r.id = a.u
                 JOIN messages m ON m.recipient_id = a.u AND m.recipient_event_seq > r.acked_seq
                                AND m.recipient_event_seq <= LEAST(a.s, r.event_seq))
    ORDER BY id FOR UPDATE;
    FOR i IN 1 .. COALESCE(array_length(p_users, 1), 0) LOOP
        RETURN QUERY SELECT i, a.* FROM penguin_acknowledge(p_users[i], p_event_seqs[i], true) a;
    END LOOP;
END
$$;
