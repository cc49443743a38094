-- Who may send to whom, asked of a whole batch in one statement (issue 16). penguin_refusal (0073) is a SQL function
-- the planner cannot inline (it has a FROM clause and subqueries), so the batch's check called it once per item and
-- parsed and planned its query again in every call of penguin_send_messages: ~30 us of PostgreSQL per item (pgbench,
-- a batch of 17 and of 50: 0.83 / 2.25 ms, against 0.21 / 0.25 ms for the rule below) and ~0.37 ms of planning per
-- call (pg_stat_statements with track_planning, 3 nodes: 2.3 s of planning against 1.1 s of running it).
--
-- penguin_refusals is the rule once, over arrays: a set-returning SQL function with one SELECT, which the planner
-- inlines into the statement that reads it, so the batch's check plans it with its own cached plan and runs its
-- subplans per item. penguin_refusal is now that rule for one pair (the per-item path and the store's own check).
-- Same rule, same answers: not_found for a missing or deleted recipient, refused when either blocked the other, or
-- when the recipient takes no strangers' messages and is no friend and never wrote in this conversation.
CREATE FUNCTION penguin_refusals(p_senders bigint[], p_recipients bigint[])
RETURNS TABLE (o_index int, o_refusal text)
LANGUAGE sql STABLE AS $$
    SELECT x.i::int, CASE
        WHEN u.id IS NULL THEN 'not_found'
        WHEN EXISTS (SELECT 1 FROM blocks b WHERE (b.user_id = x.s AND b.blocked_id = x.r)
                                               OR (b.user_id = x.r AND b.blocked_id = x.s)) THEN 'refused'
        WHEN u.allow_stranger_messages OR EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = x.s AND f.friend_id = x.r) THEN NULL
        WHEN EXISTS (SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                     WHERE c.user_lo = LEAST(x.s, x.r) AND c.user_hi = GREATEST(x.s, x.r)
                       AND m.sender_id = x.r AND m.recalled_at IS NULL) THEN NULL
        ELSE 'refused' END
    FROM unnest(p_senders, p_recipients) WITH ORDINALITY x (s, r, i)
    LEFT JOIN users u ON u.id = x.r AND u.deleted_at IS NULL
$$;

CREATE OR REPLACE FUNCTION penguin_refusal(p_sender bigint, p_recipient bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT o_refusal FROM penguin_refusals(ARRAY[p_sender], ARRAY[p_recipient])
$$;

-- penguin_send_messages as in 0074, its check reading penguin_refusals for the whole batch.
CREATE OR REPLACE FUNCTION penguin_send_messages(
    p_checks boolean[], p_senders bigint[], p_recipients bigint[], p_client_ids text[], p_bodies text[], p_sent_ats timestamptz[],
    p_attachments text[], p_file_ids text[])
RETURNS TABLE (o_index int, o_refused text, o_duplicate boolean, o_id bigint, o_sender_id bigint, o_recipient_id bigint, o_seq bigint,
               o_client_id text, o_body text, o_sent_at timestamptz, o_recalled_at timestamptz, o_attachment text, o_event_seqs bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    v_fast         int[];    -- the ordinary items, in item order
    v_slow         int[];    -- the items of conversations that have any other item
    v_ids          bigint[]; -- by position in v_fast
    v_convs        bigint[];
    v_seqs         bigint[];
    v_event_seqs   bigint[]; -- the fast item at position j: its recipient event at 2j - 1, its sender event at 2j
    i              int;
BEGIN
    PERFORM 1 FROM users WHERE id = ANY(p_senders || p_recipients) ORDER BY id FOR UPDATE;

    WITH items AS (
        SELECT x.i::int AS i, x.k, x.s, x.r, x.c, LEAST(x.s, x.r) AS lo, GREATEST(x.s, x.r) AS hi,
               count(*) OVER (PARTITION BY x.s, x.c) AS copies, rf.o_refusal AS refusal
        FROM unnest(p_checks, p_senders, p_recipients, p_client_ids) WITH ORDINALITY x (k, s, r, c, i)
        JOIN penguin_refusals(p_senders, p_recipients) rf ON rf.o_index = x.i),
    odd AS (
        SELECT DISTINCT t.lo, t.hi FROM items t
        WHERE t.s = t.r OR t.copies > 1
           OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.s) OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.r)
           OR EXISTS (SELECT 1 FROM messages m WHERE m.sender_id = t.s AND m.client_id = t.c)
           OR NOT EXISTS (SELECT 1 FROM conversations c WHERE c.user_lo = t.lo AND c.user_hi = t.hi)
           OR (t.k AND t.refusal IS NOT NULL))
    SELECT COALESCE(array_agg(t.i ORDER BY t.i) FILTER (WHERE o.lo IS NULL), '{}'),
           COALESCE(array_agg(t.i ORDER BY t.i) FILTER (WHERE o.lo IS NOT NULL), '{}')
    INTO v_fast, v_slow
    FROM items t LEFT JOIN odd o ON o.lo = t.lo AND o.hi = t.hi;

    FOREACH i IN ARRAY v_slow LOOP
        RETURN QUERY SELECT i, s.* FROM penguin_send_accepted(p_checks[i], p_senders[i], p_recipients[i], p_client_ids[i], p_bodies[i],
            p_sent_ats[i], p_attachments[i], p_file_ids[i], ARRAY[p_recipients[i], p_senders[i]], ARRAY[NULL, NULL]::bytea[]) s;
    END LOOP;
    IF cardinality(v_fast) = 0 THEN RETURN; END IF;

    v_ids := ARRAY(SELECT nextval(pg_get_serial_sequence('messages', 'id')) FROM generate_series(1, cardinality(v_fast)) ORDER BY 1);

    -- Each user's log: bumped once by its number of events, each event numbered in item order.
    WITH events AS (
        SELECT f.j, e.ord, e.u
        FROM unnest(v_fast) WITH ORDINALITY f (i, j)
        CROSS JOIN LATERAL (VALUES (1, p_recipients[f.i]), (2, p_senders[f.i])) e (ord, u)),
    bumped AS (
        UPDATE users SET event_seq = users.event_seq + n.events
        FROM (SELECT u, count(*) AS events FROM events GROUP BY u) n
        WHERE users.id = n.u
        RETURNING users.id, users.event_seq - n.events AS base)
    SELECT array_agg(b.base + e.k ORDER BY e.j, e.ord) INTO v_event_seqs
    FROM (SELECT events.*, row_number() OVER (PARTITION BY events.u ORDER BY events.j, events.ord) AS k FROM events) e
    JOIN bumped b ON b.id = e.u;

    -- Each conversation: its messages numbered in item order; its row ends at the last of them.
    WITH numbered AS (
        SELECT f.j, c.id AS conv, p_sent_ats[f.i] AS t, c.last_seq + row_number() OVER (PARTITION BY c.id ORDER BY f.j) AS seq,
               row_number() OVER (PARTITION BY c.id ORDER BY f.j DESC) AS from_last
        FROM unnest(v_fast) WITH ORDINALITY f (i, j)
        JOIN conversations c ON c.user_lo = LEAST(p_senders[f.i], p_recipients[f.i]) AND c.user_hi = GREATEST(p_senders[f.i], p_recipients[f.i])),
    moved AS (
        UPDATE conversations c SET last_seq = n.seq, updated_at = n.t, last_message_id = v_ids[n.j]
        FROM numbered n WHERE c.id = n.conv AND n.from_last = 1)
    SELECT array_agg(n.conv ORDER BY n.j), array_agg(n.seq ORDER BY n.j) INTO v_convs, v_seqs FROM numbered n;

    INSERT INTO messages (id, conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at, attachment, file_id,
                          sender_event_seq, recipient_event_seq)
    OVERRIDING SYSTEM VALUE
    SELECT v_ids[f.j], v_convs[f.j], v_seqs[f.j], p_senders[f.i], p_recipients[f.i], p_client_ids[f.i], p_bodies[f.i], p_sent_ats[f.i],
           p_attachments[f.i], p_file_ids[f.i], v_event_seqs[2 * f.j], v_event_seqs[2 * f.j - 1]
    FROM unnest(v_fast) WITH ORDINALITY f (i, j);

    -- The message's own events, as references to its row (StoredEventJson.MessageReference).
    INSERT INTO user_events (user_id, seq, payload, message_id)
    SELECT CASE e.ord WHEN 1 THEN p_recipients[f.i] ELSE p_senders[f.i] END, v_event_seqs[2 * f.j - 2 + e.ord], ''::bytea, v_ids[f.j]
    FROM unnest(v_fast) WITH ORDINALITY f (i, j) CROSS JOIN (VALUES (1), (2)) e (ord);

    -- Writing a message means having read everything before it.
    UPDATE dialogs d SET read_seq = w.seq, delivered_seq = w.seq
    FROM (SELECT p_senders[f.i] AS s, p_recipients[f.i] AS r, max(v_seqs[f.j]) AS seq
          FROM unnest(v_fast) WITH ORDINALITY f (i, j) GROUP BY 1, 2) w
    WHERE d.user_id = w.s AND d.peer_id = w.r;

    RETURN QUERY
        SELECT f.i, NULL::text, false, v_ids[f.j], p_senders[f.i], p_recipients[f.i], v_seqs[f.j], p_client_ids[f.i], p_bodies[f.i],
               p_sent_ats[f.i], NULL::timestamptz, p_attachments[f.i], ARRAY[v_event_seqs[2 * f.j - 1], v_event_seqs[2 * f.j]]
        FROM unnest(v_fast) WITH ORDINALITY f (i, j);
END
$$;
