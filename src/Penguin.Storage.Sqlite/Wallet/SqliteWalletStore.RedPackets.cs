using Microsoft.Data.Sqlite;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

// Red packets: each command runs whole on the writer thread, so a claim's read of the next free share and its taking
// of it cannot interleave with another claim; the unique index on (packet, claimer) is the second line.
public sealed partial class SqliteWalletStore
{
    private const string PacketColumns =
        "id, from_id, to_id, group_id, amount, count, lucky, greeting, status, claimed_count, claimed_amount, created_at, expires_at, settled_at";

    public ValueTask<Result<RedPacketOutcome>> CreateRedPacketAsync(RedPacketRecord packet, IReadOnlyList<long> shares, LedgerCommand command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default)
    {
        if (shares.Count != packet.Count || shares.Sum() != packet.Amount || shares.Any(s => s <= 0))
            throw new ArgumentException("The shares must be the packet's count of positive amounts summing to its amount.", nameof(shares));
        return db.WriteAsync<Result<RedPacketOutcome>>((c, tx) =>
        {
            var posted = Post(c, tx, command);
            if (!posted.IsOk) return posted.Error;
            if (posted.Value.Replayed)
                return GetPacket(c, tx, posted.Value.Reference!) is { } earlier ? new RedPacketOutcome(earlier, null, true) : Errors.NotFound;
            c.Execute(tx, $"INSERT INTO wallet_red_packets ({PacketColumns}) VALUES ($id, $f, $t, $g, $a, $n, $l, $gr, 'open', 0, 0, $c, $e, NULL)",
                ("$id", packet.Id), ("$f", packet.FromId), ("$t", packet.ToId), ("$g", packet.GroupId), ("$a", packet.Amount), ("$n", packet.Count),
                ("$l", packet.Lucky), ("$gr", packet.Greeting), ("$c", packet.CreatedAt.ToUnixMs()), ("$e", packet.ExpiresAt.ToUnixMs()));
            for (var i = 0; i < shares.Count; i++)
                c.Execute(tx, "INSERT INTO wallet_red_packet_shares (packet_id, idx, amount) VALUES ($p, $i, $a)", ("$p", packet.Id), ("$i", i), ("$a", shares[i]));
            var outcome = new RedPacketOutcome(packet with { Status = RedPacketStatus.Open, ClaimedCount = 0, ClaimedAmount = 0 }, null, false);
            return outcome with { Events = events is null ? [] : SqliteOutbox.Append(db.EventHeads, c, tx, events(outcome)) };
        }, cancellationToken);
    }

    public ValueTask<Result<RedPacketOutcome>> ClaimRedPacketAsync(string packetId, long userId, DateTimeOffset at, Func<RedPacketRecord, long, LedgerCommand> command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<RedPacketOutcome>>((c, tx) =>
        {
            if (GetPacket(c, tx, packetId) is not { } packet) return Errors.NotFound;
            if (c.QuerySingle(tx, "SELECT packet_id, claimer_id, amount, claimed_at FROM wallet_red_packet_shares WHERE packet_id = $p AND claimer_id = $u",
                    ReadClaim, ("$p", packetId), ("$u", userId)) is { } earlier)
                return new RedPacketOutcome(packet, earlier, true);
            if (packet.Status == RedPacketStatus.Finished) return RedPacketErrors.Empty;
            if (packet.Status == RedPacketStatus.Refunded || at >= packet.ExpiresAt) return RedPacketErrors.Expired;
            var share = c.Query(tx, "SELECT idx, amount FROM wallet_red_packet_shares WHERE packet_id = $p AND claimer_id IS NULL ORDER BY idx LIMIT 1",
                r => (Index: r.GetInt32(0), Amount: r.GetInt64(1)), ("$p", packetId));
            if (share.Count == 0) throw new InvalidOperationException($"Red packet {packetId} is open with no free share.");
            var (index, amount) = share[0];
            var posted = Post(c, tx, command(packet, amount));
            if (!posted.IsOk) return posted.Error;
            c.Execute(tx, "UPDATE wallet_red_packet_shares SET claimer_id = $u, claimed_at = $at WHERE packet_id = $p AND idx = $i AND claimer_id IS NULL",
                ("$u", userId), ("$at", at.ToUnixMs()), ("$p", packetId), ("$i", index));
            var finished = packet.ClaimedCount + 1 == packet.Count;
            c.Execute(tx, """
                UPDATE wallet_red_packets SET claimed_count = claimed_count + 1, claimed_amount = claimed_amount + $a,
                    status = CASE WHEN claimed_count + 1 = count THEN 'finished' ELSE status END,
                    settled_at = CASE WHEN claimed_count + 1 = count THEN $at ELSE settled_at END
                WHERE id = $p
                """, ("$a", amount), ("$at", at.ToUnixMs()), ("$p", packetId));
            var after = packet with
            {
                ClaimedCount = packet.ClaimedCount + 1,
                ClaimedAmount = packet.ClaimedAmount + amount,
                Status = finished ? RedPacketStatus.Finished : RedPacketStatus.Open,
                SettledAt = finished ? DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixMs()) : null,
            };
            var outcome = new RedPacketOutcome(after, new RedPacketClaimRecord(packetId, userId, amount, DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixMs())), false);
            return outcome with { Events = events is null ? [] : SqliteOutbox.Append(db.EventHeads, c, tx, events(outcome)) };
        }, cancellationToken);

    public ValueTask<Result<RedPacketOutcome>> RefundRedPacketAsync(string packetId, Func<RedPacketRecord, LedgerCommand> command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<RedPacketOutcome>>((c, tx) =>
        {
            if (GetPacket(c, tx, packetId) is not { } packet) return Errors.NotFound;
            if (packet.Status == RedPacketStatus.Finished) return RedPacketErrors.Empty;
            if (packet.Status == RedPacketStatus.Refunded) return RedPacketErrors.Expired;
            var ledger = command(packet);
            var posted = Post(c, tx, ledger);
            if (!posted.IsOk) return posted.Error;
            c.Execute(tx, "UPDATE wallet_red_packets SET status = 'refunded', settled_at = $at WHERE id = $p AND status = 'open'",
                ("$at", ledger.At.ToUnixMs()), ("$p", packetId));
            var outcome = new RedPacketOutcome(packet with { Status = RedPacketStatus.Refunded, SettledAt = DateTimeOffset.FromUnixTimeMilliseconds(ledger.At.ToUnixMs()) }, null, false);
            return outcome with { Events = events is null ? [] : SqliteOutbox.Append(db.EventHeads, c, tx, events(outcome)) };
        }, cancellationToken);

    public ValueTask<RedPacketRecord?> GetRedPacketAsync(string packetId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => GetPacket(c, null, packetId), cancellationToken);

    public ValueTask<IReadOnlyList<RedPacketClaimRecord>> RedPacketClaimsAsync(string packetId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<RedPacketClaimRecord>>(c => c.Query(null, """
            SELECT packet_id, claimer_id, amount, claimed_at FROM wallet_red_packet_shares
            WHERE packet_id = $p AND claimer_id IS NOT NULL ORDER BY claimed_at, idx
            """, ReadClaim, ("$p", packetId)), cancellationToken);

    public ValueTask<IReadOnlyList<RedPacketRecord>> ExpiredRedPacketsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<RedPacketRecord>>(c => c.Query(null,
            $"SELECT {PacketColumns} FROM wallet_red_packets WHERE status = 'open' AND expires_at <= $now ORDER BY expires_at LIMIT $n",
            ReadPacket, ("$now", now.ToUnixMs()), ("$n", limit)), cancellationToken);

    private static RedPacketRecord? GetPacket(SqliteConnection c, SqliteTransaction? tx, string id) =>
        c.QuerySingle(tx, $"SELECT {PacketColumns} FROM wallet_red_packets WHERE id = $id", ReadPacket, ("$id", id));

    private static RedPacketRecord ReadPacket(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.GetInt64(4), r.GetInt32(5),
            r.GetInt64(6) != 0, r.GetString(7), LedgerRules.ParseRedPacketStatus(r.GetString(8)), r.GetInt32(9), r.GetInt64(10),
            r.FromUnixMs(11), r.FromUnixMs(12), r.IsDBNull(13) ? null : r.FromUnixMs(13));

    private static RedPacketClaimRecord ReadClaim(SqliteDataReader r) => new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.FromUnixMs(3));
}
