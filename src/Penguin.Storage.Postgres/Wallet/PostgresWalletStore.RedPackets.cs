using Npgsql;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

// Red packets: a claim locks the packet's row first (FOR UPDATE), so claims on one packet from every node take turns;
// each then takes the next free share and posts it. The unique index on (packet, claimer) is the second line.
public sealed partial class PostgresWalletStore
{
    private const string PacketColumns =
        "id, from_id, to_id, group_id, amount, count, lucky, greeting, status, claimed_count, claimed_amount, created_at, expires_at, settled_at";

    public ValueTask<Result<RedPacketOutcome>> CreateRedPacketAsync(RedPacketRecord packet, IReadOnlyList<long> shares, LedgerCommand command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default)
    {
        if (shares.Count != packet.Count || shares.Sum() != packet.Amount || shares.Any(s => s <= 0))
            throw new ArgumentException("The shares must be the packet's count of positive amounts summing to its amount.", nameof(shares));
        return db.WriteAsync<Result<RedPacketOutcome>>(async (c, tx) =>
        {
            var posted = await PostAsync(c, tx, command);
            if (!posted.IsOk) return posted.Error;
            if (posted.Value.Replayed)
                return await GetPacketAsync(c, tx, posted.Value.Reference!, false) is { } earlier ? new RedPacketOutcome(earlier, null, true) : Errors.NotFound;
            await c.ExecuteAsync(tx, $"INSERT INTO wallet_red_packets ({PacketColumns}) VALUES (@id, @f, @t, @g, @a, @n, @l, @gr, 'open', 0, 0, @c, @e, NULL)",
                ("id", packet.Id), ("f", packet.FromId), ("t", packet.ToId), ("g", packet.GroupId), ("a", packet.Amount), ("n", packet.Count),
                ("l", packet.Lucky), ("gr", packet.Greeting), ("c", packet.CreatedAt.Utc()), ("e", packet.ExpiresAt.Utc()));
            // One statement for every share, however many.
            await c.ExecuteAsync(tx, "INSERT INTO wallet_red_packet_shares (packet_id, idx, amount) SELECT @p, s.i - 1, s.a FROM unnest(@amounts) WITH ORDINALITY AS s(a, i)",
                ("p", packet.Id), ("amounts", shares.ToArray()));
            var outcome = new RedPacketOutcome(packet with
            {
                Status = RedPacketStatus.Open, ClaimedCount = 0, ClaimedAmount = 0, CreatedAt = packet.CreatedAt.Utc(), ExpiresAt = packet.ExpiresAt.Utc(),
            }, null, false);
            return outcome with { Events = events is null ? [] : await PostgresOutbox.AppendAsync(c, tx, events(outcome)) };
        }, cancellationToken);
    }

    public ValueTask<Result<RedPacketOutcome>> ClaimRedPacketAsync(string packetId, long userId, DateTimeOffset at, Func<RedPacketRecord, long, LedgerCommand> command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<RedPacketOutcome>>(async (c, tx) =>
        {
            if (await GetPacketAsync(c, tx, packetId, true) is not { } packet) return Errors.NotFound;
            var earlier = await c.QueryAsync(tx, "SELECT packet_id, claimer_id, amount, claimed_at FROM wallet_red_packet_shares WHERE packet_id = @p AND claimer_id = @u",
                ReadClaim, ("p", packetId), ("u", userId));
            if (earlier.Count > 0) return new RedPacketOutcome(packet, earlier[0], true);
            if (packet.Status == RedPacketStatus.Finished) return RedPacketErrors.Empty;
            if (packet.Status == RedPacketStatus.Refunded || at >= packet.ExpiresAt) return RedPacketErrors.Expired;
            var share = await c.QueryAsync(tx, "SELECT idx, amount FROM wallet_red_packet_shares WHERE packet_id = @p AND claimer_id IS NULL ORDER BY idx LIMIT 1",
                r => (Index: r.GetInt32(0), Amount: r.GetInt64(1)), ("p", packetId));
            if (share.Count == 0) throw new InvalidOperationException($"Red packet {packetId} is open with no free share.");
            var (index, amount) = share[0];
            var posted = await PostAsync(c, tx, command(packet, amount));
            if (!posted.IsOk) return posted.Error;
            await c.ExecuteAsync(tx, "UPDATE wallet_red_packet_shares SET claimer_id = @u, claimed_at = @at WHERE packet_id = @p AND idx = @i AND claimer_id IS NULL",
                ("u", userId), ("at", at.Utc()), ("p", packetId), ("i", index));
            var finished = packet.ClaimedCount + 1 == packet.Count;
            await c.ExecuteAsync(tx, """
                UPDATE wallet_red_packets SET claimed_count = claimed_count + 1, claimed_amount = claimed_amount + @a,
                    status = CASE WHEN claimed_count + 1 = count THEN 'finished' ELSE status END,
                    settled_at = CASE WHEN claimed_count + 1 = count THEN @at ELSE settled_at END
                WHERE id = @p
                """, ("a", amount), ("at", at.Utc()), ("p", packetId));
            var after = packet with
            {
                ClaimedCount = packet.ClaimedCount + 1,
                ClaimedAmount = packet.ClaimedAmount + amount,
                Status = finished ? RedPacketStatus.Finished : RedPacketStatus.Open,
                SettledAt = finished ? at.Utc() : null,
            };
            var outcome = new RedPacketOutcome(after, new RedPacketClaimRecord(packetId, userId, amount, at.Utc()), false);
            return outcome with { Events = events is null ? [] : await PostgresOutbox.AppendAsync(c, tx, events(outcome)) };
        }, cancellationToken);

    public ValueTask<Result<RedPacketOutcome>> RefundRedPacketAsync(string packetId, Func<RedPacketRecord, LedgerCommand> command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<RedPacketOutcome>>(async (c, tx) =>
        {
            // The packet's row lock orders the refund against a last claim: the second sees it closed.
            if (await GetPacketAsync(c, tx, packetId, true) is not { } packet) return Errors.NotFound;
            if (packet.Status == RedPacketStatus.Finished) return RedPacketErrors.Empty;
            if (packet.Status == RedPacketStatus.Refunded) return RedPacketErrors.Expired;
            var ledger = command(packet);
            var posted = await PostAsync(c, tx, ledger);
            if (!posted.IsOk) return posted.Error;
            await c.ExecuteAsync(tx, "UPDATE wallet_red_packets SET status = 'refunded', settled_at = @at WHERE id = @p AND status = 'open'",
                ("at", ledger.At.Utc()), ("p", packetId));
            var outcome = new RedPacketOutcome(packet with { Status = RedPacketStatus.Refunded, SettledAt = ledger.At.Utc() }, null, false);
            return outcome with { Events = events is null ? [] : await PostgresOutbox.AppendAsync(c, tx, events(outcome)) };
        }, cancellationToken);

    public ValueTask<RedPacketRecord?> GetRedPacketAsync(string packetId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => GetPacketAsync(c, null, packetId, false), cancellationToken);

    public ValueTask<IReadOnlyList<RedPacketClaimRecord>> RedPacketClaimsAsync(string packetId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<RedPacketClaimRecord>>(async c => await c.QueryAsync(null, """
            SELECT packet_id, claimer_id, amount, claimed_at FROM wallet_red_packet_shares
            WHERE packet_id = @p AND claimer_id IS NOT NULL ORDER BY claimed_at, idx
            """, ReadClaim, ("p", packetId)), cancellationToken);

    public ValueTask<IReadOnlyList<RedPacketRecord>> ExpiredRedPacketsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<RedPacketRecord>>(async c => await c.QueryAsync(null,
            $"SELECT {PacketColumns} FROM wallet_red_packets WHERE status = 'open' AND expires_at <= @now ORDER BY expires_at LIMIT @n",
            ReadPacket, ("now", now.Utc()), ("n", limit)), cancellationToken);

    private static Task<RedPacketRecord?> GetPacketAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string id, bool forUpdate) =>
        c.QuerySingleAsync(tx, $"SELECT {PacketColumns} FROM wallet_red_packets WHERE id = @id{(forUpdate ? " FOR UPDATE" : "")}", ReadPacket, ("id", id));

    private static RedPacketRecord ReadPacket(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.GetInt64(4), r.GetInt32(5),
            r.GetBoolean(6), r.GetString(7), LedgerRules.ParseRedPacketStatus(r.GetString(8)), r.GetInt32(9), r.GetInt64(10),
            r.Instant(11), r.Instant(12), r.IsDBNull(13) ? null : r.Instant(13));

    private static RedPacketClaimRecord ReadClaim(NpgsqlDataReader r) => new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.Instant(3));
}
