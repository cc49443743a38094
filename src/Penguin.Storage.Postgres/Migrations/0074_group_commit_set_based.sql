-- The group commit's batch in one statement per table (issue 16). 0072/0073 ran penguin_send_accepted and
-- penguin_send_message once per item: two nested PL/pgSQL calls and about ten statements for every message, which
-- pg_stat_statements showed as ~45 % of the send's time spent outside any row it wrote. Now a batch whose items are
-- all ordinary — new client ids (in the database and within the batch), accepted by their recipients, an existing
-- conversation, two distinct known users — writes every row of the batch with five statements: the users' event
-- seqs, the conversations' seqs, the message rows, the log rows, the senders' dialogs. Anything else (a retry, a
-- refusal, a pair's first message, a message to oneself, an unknown user) runs the batch item by item exactly as
-- before, so every outcome is the one 0073 gives.
--
-- Same numbers as item by item: a user's events take its next seqs in item order (an item's recipient event before its
-- sender event), a conversation's messages its next seqs in item order, message ids ascend in item order, and the
-- conversation's last message and time are its last item's. All under the batch's user locks, taken first in id order:
-- every writer of these rows (any send, on any node) takes them too, so the seqs read here cannot move until commit.
CREATE OR REPLACE FUNCTION penguin_send_messages(
    p_checks boolean[], p_senders bigint[], p_recipients bigint[], p_client_ids text[], p_bodies text[], p_sent_ats timestamptz[],
    p_attachments text[], p_file_ids text[])
RETURNS TABLE (o_index int, o_refused text, o_duplicate boolean, o_id bigint, o_sender_id bigint, o_recipient_id bigint, o_seq bigint,
               o_client_id text, o_body text, o_sent_at timestamptz, o_recalled_at timestamptz, o_attachment text, o_event_seqs bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    v_count        int := COALESCE(array_length(p_senders, 1), 0);
    v_users        int;
    v_locked       int;
    v_ids          bigint[];
    v_convs        bigint[];
    v_seqs         bigint[];
    v_event_seqs   bigint[]; -- item i's recipient event at 2i - 1, its sender event at 2i
BEGIN
    PERFORM 1 FROM users WHERE id = ANY(p_senders || p_recipients) ORDER BY id FOR UPDATE;
    GET DIAGNOSTICS v_locked = ROW_COUNT;
    SELECT count(DISTINCT u) INTO v_users FROM unnest(p_senders || p_recipients) u;

    IF v_locked < v_users
       OR EXISTS (SELECT 1 FROM unnest(p_senders, p_recipients) x (s, r) WHERE x.s = x.r)
       OR (SELECT count(DISTINCT (x.s, x.c)) FROM unnest(p_senders, p_client_ids) x (s, c)) < v_count
       OR EXISTS (SELECT 1 FROM unnest(p_senders, p_client_ids) x (s, c) JOIN messages m ON m.sender_id = x.s AND m.client_id = x.c)
       OR EXISTS (SELECT 1 FROM unnest(p_senders, p_recipients) x (s, r)
                  WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.user_lo = LEAST(x.s, x.r) AND c.user_hi = GREATEST(x.s, x.r)))
       OR EXISTS (SELECT 1 FROM unnest(p_checks, p_senders, p_recipients) x (k, s, r) WHERE x.k AND penguin_refusal(x.s, x.r) IS NOT NULL)
    THEN
        FOR i IN 1 .. v_count LOOP
            RETURN QUERY SELECT i, s.* FROM penguin_send_accepted(p_checks[i], p_senders[i], p_recipients[i], p_client_ids[i], p_bodies[i],
                p_sent_ats[i], p_attachments[i], p_file_ids[i], ARRAY[p_recipients[i], p_senders[i]], ARRAY[NULL, NULL]::bytea[]) s;
        END LOOP;
        RETURN;
    END IF;

    v_ids := ARRAY(SELECT nextval(pg_get_serial_sequence('messages', 'id')) FROM generate_series(1, v_count) ORDER BY 1);

    -- Each user's log: bumped once by its number of events, each event numbered in item order.
    WITH events AS (
        SELECT x.i, e.ord, e.u
        FROM unnest(p_senders, p_recipients) WITH ORDINALITY x (s, r, i)
        CROSS JOIN LATERAL (VALUES (1, x.r), (2, x.s)) e (ord, u)),
    bumped AS (
        UPDATE users SET event_seq = users.event_seq + n.events
        FROM (SELECT u, count(*) AS events FROM events GROUP BY u) n
        WHERE users.id = n.u
        RETURNING users.id, users.event_seq - n.events AS base)
    SELECT array_agg(b.base + e.k ORDER BY e.i, e.ord) INTO v_event_seqs
    FROM (SELECT events.*, row_number() OVER (PARTITION BY events.u ORDER BY events.i, events.ord) AS k FROM events) e
    JOIN bumped b ON b.id = e.u;

    -- Each conversation: its messages numbered in item order; its row ends at the last of them.
    WITH numbered AS (
        SELECT x.i, c.id AS conv, x.t, c.last_seq + row_number() OVER (PARTITION BY c.id ORDER BY x.i) AS seq,
               row_number() OVER (PARTITION BY c.id ORDER BY x.i DESC) AS from_last
        FROM unnest(p_senders, p_recipients, p_sent_ats) WITH ORDINALITY x (s, r, t, i)
        JOIN conversations c ON c.user_lo = LEAST(x.s, x.r) AND c.user_hi = GREATEST(x.s, x.r)),
    moved AS (
        UPDATE conversations c SET last_seq = n.seq, updated_at = n.t, last_message_id = v_ids[n.i]
        FROM numbered n WHERE c.id = n.conv AND n.from_last = 1)
    SELECT array_agg(n.conv ORDER BY n.i), array_agg(n.seq ORDER BY n.i) INTO v_convs, v_seqs FROM numbered n;

    INSERT INTO messages (id, conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at, attachment, file_id,
                          sender_event_seq, recipient_event_seq)
    OVERRIDING SYSTEM VALUE
    SELECT v_ids[x.i], v_convs[x.i], v_seqs[x.i], x.s, x.r, x.c, x.b, x.t, x.a, x.f, v_event_seqs[2 * x.i], v_event_seqs[2 * x.i - 1]
    FROM unnest(p_senders, p_recipients, p_client_ids, p_bodies, p_sent_ats, p_attachments, p_file_ids) WITH ORDINALITY x (s, r, c, b, t, a, f, i);

    -- The message's own events, as references to its row (StoredEventJson.MessageReference).
    INSERT INTO user_events (user_id, seq, payload, message_id)
    SELECT CASE e.ord WHEN 1 THEN x.r ELSE x.s END, v_event_seqs[2 * x.i - 2 + e.ord], ''::bytea, v_ids[x.i]
    FROM unnest(p_senders, p_recipients) WITH ORDINALITY x (s, r, i) CROSS JOIN (VALUES (1), (2)) e (ord);

    -- Writing a message means having read everything before it.
    UPDATE dialogs d SET read_seq = w.seq, delivered_seq = w.seq
    FROM (SELECT x.s, x.r, max(v_seqs[x.i]) AS seq FROM unnest(p_senders, p_recipients) WITH ORDINALITY x (s, r, i) GROUP BY x.s, x.r) w
    WHERE d.user_id = w.s AND d.peer_id = w.r;

    RETURN QUERY
        SELECT x.i::int, NULL::text, false, v_ids[x.i], x.s, x.r, v_seqs[x.i], x.c, x.b, x.t, NULL::timestamptz, x.a,
               ARRAY[v_event_seqs[2 * x.i - 1], v_event_seqs[2 * x.i]]
        FROM unnest(p_senders, p_recipients, p_client_ids, p_bodies, p_sent_ats, p_attachments) WITH ORDINALITY x (s, r, c, b, t, a, i);
END
$$;
