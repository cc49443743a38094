using Microsoft.Data.Sqlite;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

/// <summary>
/// The ledger in SQLite. A command's checks and changes run together on the writer thread, so no two commands
/// interleave: the balances read are the balances changed. The guarded update and the CHECK are the second line.
/// </summary>
public sealed partial class SqliteWalletStore(SqliteDatabase db) : IWalletStore
{
    private const string TransferColumns = "id, from_id, to_id, amount, memo, status, created_at, expires_at, settled_at";

    public ValueTask<Result<LedgerEntry>> PostAsync(LedgerCommand command, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => Post(c, tx, command), cancellationToken);

    public ValueTask<Result<TransferOutcome>> CreateTransferAsync(TransferRecord transfer, LedgerCommand command, EventsFor<TransferRecord>? events = null,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<TransferOutcome>>((c, tx) =>
        {
            var posted = Post(c, tx, command);
            if (!posted.IsOk) return posted.Error;
            if (posted.Value.Replayed)
                return GetTransfer(c, tx, posted.Value.Reference!) is { } earlier ? new TransferOutcome(earlier, posted.Value) : Errors.NotFound;
            c.Execute(tx, $"INSERT INTO wallet_transfers ({TransferColumns}) VALUES ($id, $f, $t, $a, $m, 'pending', $c, $e, NULL)",
                ("$id", transfer.Id), ("$f", transfer.FromId), ("$t", transfer.ToId), ("$a", transfer.Amount), ("$m", transfer.Memo),
                ("$c", transfer.CreatedAt.ToUnixMs()), ("$e", transfer.ExpiresAt.ToUnixMs()));
            var held = transfer with { Status = TransferStatus.Pending };
            return new TransferOutcome(held, posted.Value) { Events = events is null ? [] : SqliteOutbox.Append(db.EventHeads, c, tx, events(held)) };
        }, cancellationToken);

    public ValueTask<Result<TransferOutcome>> SettleTransferAsync(string transferId, TransferStatus status, LedgerCommand command, EventsFor<TransferRecord>? events = null,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<TransferOutcome>>((c, tx) =>
        {
            if (GetTransfer(c, tx, transferId) is not { } transfer) return Errors.NotFound;
            // The same settlement again replays; any other on a settled transfer finds it closed.
            if (FindEntry(c, tx, command.IdempotencyKey) is { } earlier && LedgerRules.Replay(earlier.Hash, command) is null)
                return new TransferOutcome(transfer, earlier.Entry with { Replayed = true });
            if (transfer.Status != TransferStatus.Pending) return WalletErrors.TransferClosed;
            var posted = Post(c, tx, command);
            if (!posted.IsOk) return posted.Error;
            c.Execute(tx, "UPDATE wallet_transfers SET status = $s, settled_at = $at WHERE id = $id AND status = 'pending'",
                ("$s", LedgerRules.StatusName(status)), ("$at", command.At.ToUnixMs()), ("$id", transferId));
            var settled = transfer with { Status = status, SettledAt = command.At };
            return new TransferOutcome(settled, posted.Value) { Events = events is null ? [] : SqliteOutbox.Append(db.EventHeads, c, tx, events(settled)) };
        }, cancellationToken);

    public ValueTask<TransferRecord?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => GetTransfer(c, null, transferId), cancellationToken);

    public ValueTask<IReadOnlyList<TransferRecord>> ExpiredTransfersAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<TransferRecord>>(c => c.Query(null,
            $"SELECT {TransferColumns} FROM wallet_transfers WHERE status = 'pending' AND expires_at <= $now ORDER BY expires_at LIMIT $n",
            ReadTransfer, ("$now", now.ToUnixMs()), ("$n", limit)), cancellationToken);

    public ValueTask<IReadOnlyList<TransferRecord>> PendingTransfersAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<TransferRecord>>(c => c.Query(null, $"""
            SELECT {TransferColumns} FROM wallet_transfers WHERE status = 'pending' AND from_id = $u
            UNION ALL SELECT {TransferColumns} FROM wallet_transfers WHERE status = 'pending' AND to_id = $u
            ORDER BY created_at DESC, id
            """, ReadTransfer, ("$u", userId)), cancellationToken);

    public ValueTask<long> BalanceAsync(string accountId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Scalar(null, "SELECT balance FROM wallet_accounts WHERE id = $id", ("$id", accountId)), cancellationToken);

    public ValueTask<long> OutgoingSinceAsync(string accountId, DateTimeOffset since, IReadOnlyList<string> kinds, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Outgoing(c, null, accountId, since, kinds), cancellationToken);

    public ValueTask<IReadOnlyList<HistoryItem>> HistoryAsync(long userId, long? before, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<HistoryItem>>(c => c.Query(null, """
            SELECT p.id, p.tx_id, t.kind, p.account_id, p.amount, p.balance_after, t.reference, t.created_at
            FROM wallet_postings p JOIN wallet_transactions t ON t.id = p.tx_id
            WHERE p.account_id IN ($cny, $qc) AND p.id < $before
            ORDER BY p.id DESC LIMIT $n
            """, r => new HistoryItem(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.NullableString(6), r.FromUnixMs(7)),
            ("$cny", LedgerAccounts.UserCny(userId)), ("$qc", LedgerAccounts.UserQCoins(userId)), ("$before", before ?? long.MaxValue), ("$n", limit)), cancellationToken);

    public ValueTask<LedgerEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => FindEntry(c, null, idempotencyKey)?.Entry, cancellationToken);

    public ValueTask<LedgerAudit> AuditAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            // One read transaction: a snapshot of the whole ledger, however many writes commit meanwhile.
            using var tx = c.BeginTransaction(deferred: true);
            var transactions = c.Scalar(tx, "SELECT COUNT(*) FROM wallet_transactions");
            var postings = c.Scalar(tx, "SELECT COUNT(*) FROM wallet_postings");
            var unbalanced = c.Query(tx, """
                SELECT DISTINCT p.tx_id FROM wallet_postings p JOIN wallet_accounts a ON a.id = p.account_id
                GROUP BY p.tx_id, a.currency HAVING SUM(p.amount) <> 0 ORDER BY p.tx_id
                """, r => r.GetInt64(0));
            var orphans = c.Query(tx, """
                SELECT t.id FROM wallet_transactions t WHERE NOT EXISTS (SELECT 1 FROM wallet_postings p WHERE p.tx_id = t.id)
                """, r => r.GetInt64(0));
            var mismatched = c.Query(tx, """
                SELECT a.id FROM wallet_accounts a LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM wallet_postings GROUP BY account_id) s ON s.account_id = a.id
                WHERE a.balance <> COALESCE(s.total, 0) ORDER BY a.id
                """, r => r.GetString(0));
            var negative = c.Query(tx, "SELECT id FROM wallet_accounts WHERE balance < 0 AND allow_negative = 0 ORDER BY id", r => r.GetString(0));
            var totals = c.Query(tx, "SELECT currency, SUM(balance) FROM wallet_accounts GROUP BY currency", r => (r.GetString(0), r.GetInt64(1)))
                .ToDictionary(t => t.Item1, t => t.Item2);
            tx.Commit();
            return new LedgerAudit(transactions, postings, [.. unbalanced.Concat(orphans).Distinct().Order()], mismatched, negative, totals);
        }, cancellationToken);

    public ValueTask<PayPasswordRecord?> GetPayPasswordAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, "SELECT user_id, hash, failures, locked_until FROM wallet_pay_passwords WHERE user_id = $u",
            r => new PayPasswordRecord(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.FromUnixMs(3)), ("$u", userId)), cancellationToken);

    public async ValueTask SetPayPasswordAsync(long userId, string hash, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await db.WriteAsync((c, tx) => c.Execute(tx, """
            INSERT INTO wallet_pay_passwords (user_id, hash, failures, locked_until, updated_at) VALUES ($u, $h, 0, NULL, $at)
            ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, failures = 0, locked_until = NULL, updated_at = excluded.updated_at
            """, ("$u", userId), ("$h", hash), ("$at", at.ToUnixMs())), cancellationToken);

    public ValueTask<PayPasswordRecord?> CountPayPasswordFailureAsync(long userId, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.QuerySingle(tx, """
            UPDATE wallet_pay_passwords
            SET failures = CASE WHEN failures + 1 >= $max THEN 0 ELSE failures + 1 END,
                locked_until = CASE WHEN failures + 1 >= $max THEN $until ELSE locked_until END
            WHERE user_id = $u
            RETURNING user_id, hash, failures, locked_until
            """, r => new PayPasswordRecord(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.FromUnixMs(3)),
            ("$max", maxFailures), ("$until", lockUntil.ToUnixMs()), ("$u", userId)), cancellationToken);

    public async ValueTask RecordPayPasswordAttemptAsync(long userId, int failures, DateTimeOffset? lockedUntil, CancellationToken cancellationToken = default) =>
        await db.WriteAsync((c, tx) => c.Execute(tx, "UPDATE wallet_pay_passwords SET failures = $f, locked_until = $l WHERE user_id = $u",
            ("$f", failures), ("$l", lockedUntil?.ToUnixMs()), ("$u", userId)), cancellationToken);

    /// <summary>Replay, check, then write: nothing is written unless the whole command can be.</summary>
    private static Result<LedgerEntry> Post(SqliteConnection c, SqliteTransaction tx, LedgerCommand command)
    {
        if (command.Problem() is { } problem) throw new ArgumentException(problem, nameof(command));
        if (FindEntry(c, tx, command.IdempotencyKey) is { } earlier)
            return LedgerRules.Replay(earlier.Hash, command) is { } conflict ? conflict : earlier.Entry with { Replayed = true };
        var balances = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in command.Postings)
            balances[p.AccountId] = c.Query(tx, "SELECT balance FROM wallet_accounts WHERE id = $id", r => r.GetInt64(0), ("$id", p.AccountId)).FirstOrDefault();
        var outgoing = command.Limit is { } limit ? Outgoing(c, tx, limit.AccountId, limit.Since, limit.Kinds) : 0;
        if (LedgerRules.Check(command, a => balances[a], outgoing) is { } refused) return refused;

        var txId = c.Scalar(tx, """
            INSERT INTO wallet_transactions (idempotency_key, fingerprint, kind, actor_id, reference, created_at)
            VALUES ($k, $f, $kind, $actor, $ref, $at) RETURNING id
            """, ("$k", command.IdempotencyKey), ("$f", LedgerRules.Hash(command.Fingerprint)), ("$kind", command.Kind), ("$actor", command.ActorId),
            ("$ref", command.Reference), ("$at", command.At.ToUnixMs()));
        foreach (var p in command.Postings.OrderBy(p => p.AccountId, StringComparer.Ordinal))
        {
            c.Execute(tx, "INSERT INTO wallet_accounts (id, owner_id, currency, balance, allow_negative) VALUES ($id, $o, $cur, 0, $neg) ON CONFLICT (id) DO NOTHING",
                ("$id", p.AccountId), ("$o", LedgerAccounts.OwnerOf(p.AccountId)), ("$cur", LedgerAccounts.CurrencyOf(p.AccountId)), ("$neg", LedgerAccounts.MayGoNegative(p.AccountId)));
            var updated = c.Query(tx, """
                UPDATE wallet_accounts SET balance = balance + $a WHERE id = $id AND (allow_negative = 1 OR balance + $a >= 0) RETURNING balance
                """, r => r.GetInt64(0), ("$a", p.Amount), ("$id", p.AccountId));
            if (updated.Count != 1) throw new InvalidOperationException($"The guarded update of {p.AccountId} refused a checked posting.");
            var after = updated[0];
            c.Execute(tx, "INSERT INTO wallet_postings (tx_id, account_id, amount, balance_after) VALUES ($t, $id, $a, $b)",
                ("$t", txId), ("$id", p.AccountId), ("$a", p.Amount), ("$b", after));
        }
        return new LedgerEntry(txId, command.Kind, command.Reference, command.At, command.Postings);
    }

    private static long Outgoing(SqliteConnection c, SqliteTransaction? tx, string accountId, DateTimeOffset since, IReadOnlyList<string> kinds)
    {
        var (inList, parameters) = InKinds(kinds);
        return -c.Scalar(tx, $"""
            SELECT COALESCE(SUM(p.amount), 0) FROM wallet_postings p JOIN wallet_transactions t ON t.id = p.tx_id
            WHERE p.account_id = $acc AND p.amount < 0 AND t.created_at >= $since AND t.kind IN ({inList})
            """, [("$acc", accountId), ("$since", since.ToUnixMs()), .. parameters]);
    }

    private static (string, (string, object?)[]) InKinds(IReadOnlyList<string> kinds) =>
        kinds.Count == 0
            ? ("NULL", [])
            : (string.Join(", ", kinds.Select((_, i) => $"$k{i}")), [.. kinds.Select((k, i) => ($"$k{i}", (object?)k))]);

    private sealed record Found(LedgerEntry Entry, string Hash);

    private static Found? FindEntry(SqliteConnection c, SqliteTransaction? tx, string key)
    {
        var row = c.QuerySingle(tx, "SELECT id, kind, reference, created_at, fingerprint FROM wallet_transactions WHERE idempotency_key = $k",
            r => new Found(new LedgerEntry(r.GetInt64(0), r.GetString(1), r.NullableString(2), r.FromUnixMs(3), []), r.GetString(4)), ("$k", key));
        if (row is null) return null;
        var postings = c.Query(tx, "SELECT account_id, amount FROM wallet_postings WHERE tx_id = $t ORDER BY id",
            r => new Posting(r.GetString(0), r.GetInt64(1)), ("$t", row.Entry.TransactionId));
        return row with { Entry = row.Entry with { Postings = postings } };
    }

    private static TransferRecord? GetTransfer(SqliteConnection c, SqliteTransaction? tx, string id) =>
        c.QuerySingle(tx, $"SELECT {TransferColumns} FROM wallet_transfers WHERE id = $id", ReadTransfer, ("$id", id));

    private static TransferRecord ReadTransfer(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.NullableString(4), LedgerRules.ParseStatus(r.GetString(5)),
            r.FromUnixMs(6), r.FromUnixMs(7), r.IsDBNull(8) ? null : r.FromUnixMs(8));
}
