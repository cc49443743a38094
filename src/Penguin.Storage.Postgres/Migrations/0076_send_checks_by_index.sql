-- The group commit's checks by index (issue 16). 0074 asked, for each item of a batch, whether its users and its
-- conversation exist and whether its client id was used before, as EXISTS tests joined by OR. PostgreSQL may answer
-- such a test with a "hashed SubPlan": it reads the whole table into a hash once per call instead of probing the
-- index per item. auto_explain caught it doing that to messages (10,522 rows hashed for a batch of 32) and to users
-- and conversations; the statement cost ~2.5 ms per call whatever the batch's size, and grows with the table. Scalar
-- subqueries with LIMIT 1 are never hashed: each item costs a few index probes. The function is otherwise unchanged.

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
               count(*) OVER (PARTITION BY x.s, x.c) AS copies
        FROM unnest(p_checks, p_senders, p_recipients, p_client_ids) WITH ORDINALITY x (k, s, r, c, i)),
    odd AS (
        SELECT DISTINCT t.lo, t.hi FROM items t
        WHERE t.s = t.r OR t.copies > 1
           OR (SELECT 1 FROM users u WHERE u.id = t.s LIMIT 1) IS NULL OR (SELECT 1 FROM users u WHERE u.id = t.r LIMIT 1) IS NULL
           OR (SELECT 1 FROM messages m WHERE m.sender_id = t.s AND m.client_id = t.c LIMIT 1) IS NOT NULL
           OR (SELECT 1 FROM conversations c WHERE c.user_lo = t.lo AND c.user_hi = t.hi LIMIT 1) IS NULL
           OR (t.k AND penguin_refusal(t.s, t.r) IS NOT NULL))
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
