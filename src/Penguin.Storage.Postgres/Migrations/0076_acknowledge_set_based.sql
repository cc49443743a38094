-- Acknowledgements set-based (issue 16). penguin_acknowledge_many ran penguin_acknowledge once per user of the batch,
-- about seven statements each (pg_stat_statements: ~0.7 ms of wall time per user under load). Now each step is one
-- statement for the whole batch, with the same outcome as one by one: each user's cursor moves to what it
-- acknowledged (bounded by its log's head), each dialog's delivered seq to the last message of the acknowledged
-- range from that peer (when further), and each moved dialog writes one receipt event to the sender's log — a
-- sender's receipts of one batch numbered in item order, gapless after its head. The node merges a user's acks
-- before calling (one item per user), and the locks are taken first, as in 0075.

CREATE OR REPLACE FUNCTION penguin_acknowledge_many(p_users bigint[], p_event_seqs bigint[])
RETURNS TABLE (o_index int, o_peer bigint, o_delivered_seq bigint, o_read_seq bigint, o_event_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_i  bigint[];
    v_u  bigint[];
    v_lo bigint[];
    v_hi bigint[];
    r_i  bigint[];
    r_u  bigint[];
    r_peer bigint[];
    r_delivered bigint[];
    r_read bigint[];
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

    -- The ranges, read under the locks (another device's acknowledgement may have narrowed them): from the cursor to
    -- what was acknowledged, which cannot be beyond the head (a device holds only events committed before it acked).
    SELECT array_agg(a.i ORDER BY a.i), array_agg(a.u ORDER BY a.i), array_agg(r.acked_seq ORDER BY a.i),
           array_agg(LEAST(a.s, r.event_seq) ORDER BY a.i)
    INTO v_i, v_u, v_lo, v_hi
    FROM unnest(p_users, p_event_seqs) WITH ORDINALITY AS a (u, s, i)
    JOIN users r ON r.id = a.u
    WHERE LEAST(a.s, r.event_seq) > r.acked_seq;
    IF v_u IS NULL THEN RETURN; END IF;

    UPDATE users r SET acked_seq = k.hi FROM unnest(v_u, v_hi) AS k (u, hi) WHERE r.id = k.u;

    -- Each (user, sender) pair's last message in the range moves the dialog's delivered seq, when it is further.
    WITH reach AS (
        SELECT k.i, k.u, m.sender_id AS peer, MAX(m.seq) AS seq
        FROM unnest(v_i, v_u, v_lo, v_hi) AS k (i, u, lo, hi)
        JOIN messages m ON m.recipient_id = k.u AND m.recipient_event_seq > k.lo AND m.recipient_event_seq <= k.hi
        GROUP BY k.i, k.u, m.sender_id
    ), moved AS (
        UPDATE dialogs d SET delivered_seq = r.seq
        FROM reach r
        WHERE d.user_id = r.u AND d.peer_id = r.peer AND d.delivered_seq < r.seq
        RETURNING r.i, r.u, r.peer, d.delivered_seq, d.read_seq
    )
    SELECT array_agg(i ORDER BY i, peer), array_agg(u ORDER BY i, peer), array_agg(peer ORDER BY i, peer),
           array_agg(delivered_seq ORDER BY i, peer), array_agg(read_seq ORDER BY i, peer)
    INTO r_i, r_u, r_peer, r_delivered, r_read
    FROM moved;
    IF r_i IS NULL THEN RETURN; END IF;

    -- One receipt per moved dialog in its sender's log: each sender's seqs taken at once, numbered in item order.
    RETURN QUERY
    WITH items AS (
        SELECT f.n, f.i, f.u, f.peer, f.delivered, f.rd, row_number() OVER (PARTITION BY f.peer ORDER BY f.n) AS k
        FROM unnest(r_i, r_u, r_peer, r_delivered, r_read) WITH ORDINALITY AS f (i, u, peer, delivered, rd, n)
    ), bumped AS (
        UPDATE users p SET event_seq = p.event_seq + c.cnt
        FROM (SELECT peer, count(*) AS cnt FROM items GROUP BY peer) c
        WHERE p.id = c.peer
        RETURNING p.id AS peer, p.event_seq - c.cnt AS base
    ), written AS (
        INSERT INTO user_events (user_id, seq, payload)
        SELECT t.peer, b.base + t.k, convert_to(format(
            '{"v":1,"event":"message_receipt","data":{"peer":%s,"deliveredSeq":%s,"readSeq":%s}}',
            t.u, t.delivered, t.rd), 'UTF8')
        FROM items t JOIN bumped b ON b.peer = t.peer
    )
    SELECT t.i::int, t.peer, t.delivered, t.rd, b.base + t.k
    FROM items t JOIN bumped b ON b.peer = t.peer
    ORDER BY t.n;
END
$$;
