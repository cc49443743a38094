using Npgsql;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// The ledger in PostgreSQL, shared by every node. A command first makes sure its accounts exist, then locks their
/// rows in id order (FOR UPDATE), so concurrent commands on the same accounts take turns and never deadlock; it then
/// checks the locked balances and writes the journal and the balances. A second command with the same idempotency
/// key waits on the key's unique index and then replays the first.
/// </summary>
public sealed partial class PostgresWalletStore(PostgresDatabase db) : IWalletStore
{
    private const string TransferColumns = "id, from_id, to_id, amount, memo, status, created_at, expires_at, settled_at";

    public ValueTask<Result<LedgerEntry>> PostAsync(LedgerCommand command, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => PostAsync(c, tx, command), cancellationToken);

    public ValueTask<Result<TransferOutcome>> CreateTransferAsync(TransferRecord transfer, LedgerCommand command, EventsFor<TransferRecord>? events = null,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<TransferOutcome>>(async (c, tx) =>
        {
            var posted = await PostAsync(c, tx, command);
            if (!posted.IsOk) return posted.Error;
            if (posted.Value.Replayed)
                return await GetTransferAsync(c, tx, posted.Value.Reference!, false) is { } earlier ? new TransferOutcome(earlier, posted.Value) : Errors.NotFound;
            await c.ExecuteAsync(tx, $"INSERT INTO wallet_transfers ({TransferColumns}) VALUES (@id, @f, @t, @a, @m, 'pending', @c, @e, NULL)",
                ("id", transfer.Id), ("f", transfer.FromId), ("t", transfer.ToId), ("a", transfer.Amount), ("m", transfer.Memo),
                ("c", transfer.CreatedAt.Utc()), ("e", transfer.ExpiresAt.Utc()));
            var held = transfer with { Status = TransferStatus.Pending, CreatedAt = transfer.CreatedAt.Utc(), ExpiresAt = transfer.ExpiresAt.Utc() };
            return new TransferOutcome(held, posted.Value) { Events = events is null ? [] : await PostgresOutbox.AppendAsync(c, tx, events(held)) };
        }, cancellationToken);

    public ValueTask<Result<TransferOutcome>> SettleTransferAsync(string transferId, TransferStatus status, LedgerCommand command, EventsFor<TransferRecord>? events = null,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<TransferOutcome>>(async (c, tx) =>
        {
            // The transfer's row lock orders an accept against the sweeper's return: the second sees it closed.
            if (await GetTransferAsync(c, tx, transferId, true) is not { } transfer) return Errors.NotFound;
            // The same settlement again replays; any other on a settled transfer finds it closed.
            if (await FindEntryAsync(c, tx, command.IdempotencyKey) is { } earlier && LedgerRules.Replay(earlier.Hash, command) is null)
                return new TransferOutcome(transfer, earlier.Entry with { Replayed = true });
            if (transfer.Status != TransferStatus.Pending) return WalletErrors.TransferClosed;
            var posted = await PostAsync(c, tx, command);
            if (!posted.IsOk) return posted.Error;
            await c.ExecuteAsync(tx, "UPDATE wallet_transfers SET status = @s, settled_at = @at WHERE id = @id AND status = 'pending'",
                ("s", LedgerRules.StatusName(status)), ("at", command.At.Utc()), ("id", transferId));
            var settled = transfer with { Status = status, SettledAt = command.At.Utc() };
            return new TransferOutcome(settled, posted.Value) { Events = events is null ? [] : await PostgresOutbox.AppendAsync(c, tx, events(settled)) };
        }, cancellationToken);

    public ValueTask<TransferRecord?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => GetTransferAsync(c, null, transferId, false), cancellationToken);

    public ValueTask<IReadOnlyList<TransferRecord>> ExpiredTransfersAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<TransferRecord>>(async c => await c.QueryAsync(null,
            $"SELECT {TransferColumns} FROM wallet_transfers WHERE status = 'pending' AND expires_at <= @now ORDER BY expires_at LIMIT @n",
            ReadTransfer, ("now", now.Utc()), ("n", limit)), cancellationToken);

    public ValueTask<IReadOnlyList<TransferRecord>> PendingTransfersAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<TransferRecord>>(async c => await c.QueryAsync(null, $"""
            SELECT {TransferColumns} FROM wallet_transfers WHERE status = 'pending' AND from_id = @u
            UNION ALL SELECT {TransferColumns} FROM wallet_transfers WHERE status = 'pending' AND to_id = @u
            ORDER BY created_at DESC, id
            """, ReadTransfer, ("u", userId)), cancellationToken);

    public ValueTask<long> BalanceAsync(string accountId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.ScalarAsync(null, "SELECT balance FROM wallet_accounts WHERE id = @id", ("id", accountId)) ?? 0, cancellationToken);

    public ValueTask<long> OutgoingSinceAsync(string accountId, DateTimeOffset since, IReadOnlyList<string> kinds, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => OutgoingAsync(c, null, accountId, since, kinds), cancellationToken);

    public ValueTask<IReadOnlyList<HistoryItem>> HistoryAsync(long userId, long? before, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<HistoryItem>>(async c => await c.QueryAsync(null, """
            SELECT p.id, p.tx_id, t.kind, p.account_id, p.amount, p.balance_after, t.reference, t.created_at
            FROM wallet_postings p JOIN wallet_transactions t ON t.id = p.tx_id
            WHERE p.account_id IN (@cny, @qc) AND p.id < @before
            ORDER BY p.id DESC LIMIT @n
            """, r => new HistoryItem(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.NullableString(6), r.Instant(7)),
            ("cny", LedgerAccounts.UserCny(userId)), ("qc", LedgerAccounts.UserQCoins(userId)), ("before", before ?? long.MaxValue), ("n", limit)), cancellationToken);

    public ValueTask<LedgerEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => (await FindEntryAsync(c, null, idempotencyKey))?.Entry, cancellationToken);

    public ValueTask<LedgerAudit> AuditAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            // REPEATABLE READ: every query sees the same snapshot, however many commands commit meanwhile.
            await using var tx = await c.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            var transactions = await c.ScalarAsync(tx, "SELECT COUNT(*) FROM wallet_transactions") ?? 0;
            var postings = await c.ScalarAsync(tx, "SELECT COUNT(*) FROM wallet_postings") ?? 0;
            var unbalanced = await c.QueryAsync(tx, """
                SELECT p.tx_id FROM wallet_postings p JOIN wallet_accounts a ON a.id = p.account_id
                GROUP BY p.tx_id, a.currency HAVING SUM(p.amount) <> 0
                UNION
                SELECT t.id FROM wallet_transactions t WHERE NOT EXISTS (SELECT 1 FROM wallet_postings p WHERE p.tx_id = t.id)
                ORDER BY 1
                """, r => r.GetInt64(0));
            var mismatched = await c.QueryAsync(tx, """
                SELECT a.id FROM wallet_accounts a LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM wallet_postings GROUP BY account_id) s ON s.account_id = a.id
                WHERE a.balance <> COALESCE(s.total, 0) ORDER BY a.id
                """, r => r.GetString(0));
            var negative = await c.QueryAsync(tx, "SELECT id FROM wallet_accounts WHERE balance < 0 AND NOT allow_negative ORDER BY id", r => r.GetString(0));
            var totals = (await c.QueryAsync(tx, "SELECT currency, SUM(balance)::bigint FROM wallet_accounts GROUP BY currency", r => (r.GetString(0), r.GetInt64(1))))
                .ToDictionary(t => t.Item1, t => t.Item2);
            await tx.CommitAsync(cancellationToken);
            return new LedgerAudit(transactions, postings, unbalanced, mismatched, negative, totals);
        }, cancellationToken);

    public ValueTask<PayPasswordRecord?> GetPayPasswordAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, "SELECT user_id, hash, failures, locked_until FROM wallet_pay_passwords WHERE user_id = @u",
            r => new PayPasswordRecord(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.Instant(3)), ("u", userId)), cancellationToken);

    public async ValueTask SetPayPasswordAsync(long userId, string hash, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, """
            INSERT INTO wallet_pay_passwords (user_id, hash, failures, locked_until, updated_at) VALUES (@u, @h, 0, NULL, @at)
            ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, failures = 0, locked_until = NULL, updated_at = excluded.updated_at
            """, ("u", userId), ("h", hash), ("at", at.Utc())), cancellationToken);

    public ValueTask<PayPasswordRecord?> CountPayPasswordFailureAsync(long userId, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => await c.QuerySingleAsync(tx, """
            UPDATE wallet_pay_passwords
            SET failures = CASE WHEN failures + 1 >= @max THEN 0 ELSE failures + 1 END,
                locked_until = CASE WHEN failures + 1 >= @max THEN @until ELSE locked_until END
            WHERE user_id = @u
            RETURNING user_id, hash, failures, locked_until
            """, r => new PayPasswordRecord(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.Instant(3)),
            ("max", maxFailures), ("until", lockUntil.Utc()), ("u", userId)), cancellationToken);

    public async ValueTask RecordPayPasswordAttemptAsync(long userId, int failures, DateTimeOffset? lockedUntil, CancellationToken cancellationToken = default) =>
        await db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, "UPDATE wallet_pay_passwords SET failures = @f, locked_until = @l WHERE user_id = @u",
            ("f", failures), ("l", lockedUntil?.Utc()), ("u", userId)), cancellationToken);

    /// <summary>Replay, lock and check, then write: nothing is written unless the whole command can be.</summary>
    private static async Task<Result<LedgerEntry>> PostAsync(NpgsqlConnection c, NpgsqlTransaction tx, LedgerCommand command)
    {
        if (command.Problem() is { } problem) throw new ArgumentException(problem, nameof(command));
        if (await FindEntryAsync(c, tx, command.IdempotencyKey) is { } earlier)
            return LedgerRules.Replay(earlier.Hash, command) is { } conflict ? conflict : earlier.Entry with { Replayed = true };
        var ordered = command.Postings.OrderBy(p => p.AccountId, StringComparer.Ordinal).ToList();
        foreach (var p in ordered)
            await c.ExecuteAsync(tx, "INSERT INTO wallet_accounts (id, owner_id, currency, balance, allow_negative) VALUES (@id, @o, @cur, 0, @neg) ON CONFLICT (id) DO NOTHING",
                ("id", p.AccountId), ("o", LedgerAccounts.OwnerOf(p.AccountId)), ("cur", LedgerAccounts.CurrencyOf(p.AccountId)), ("neg", LedgerAccounts.MayGoNegative(p.AccountId)));
        // COLLATE "C": the same order as the ordinal sort above on every node, whatever the database's collation.
        var balances = (await c.QueryAsync(tx, """SELECT id, balance FROM wallet_accounts WHERE id = ANY(@ids) ORDER BY id COLLATE "C" FOR UPDATE""",
            r => (r.GetString(0), r.GetInt64(1)), ("ids", ordered.Select(p => p.AccountId).ToArray()))).ToDictionary(t => t.Item1, t => t.Item2, StringComparer.Ordinal);
        var outgoing = command.Limit is { } limit ? await OutgoingAsync(c, tx, limit.AccountId, limit.Since, limit.Kinds) : 0;
        if (LedgerRules.Check(command, a => balances[a], outgoing) is { } refused) return refused;

        // The key was free when looked up; a concurrent command with it waits here for that one's outcome.
        var txId = await c.ScalarAsync(tx, """
            INSERT INTO wallet_transactions (idempotency_key, fingerprint, kind, actor_id, reference, created_at)
            VALUES (@k, @f, @kind, @actor, @ref, @at) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
            """, ("k", command.IdempotencyKey), ("f", LedgerRules.Hash(command.Fingerprint)), ("kind", command.Kind), ("actor", command.ActorId),
            ("ref", command.Reference), ("at", command.At.Utc()));
        if (txId is null)
        {
            var first = await FindEntryAsync(c, tx, command.IdempotencyKey) ?? throw new InvalidOperationException("An idempotency key conflicted with no row.");
            return LedgerRules.Replay(first.Hash, command) is { } conflict ? conflict : first.Entry with { Replayed = true };
        }
        foreach (var p in ordered)
        {
            var after = await c.ScalarAsync(tx, """
                UPDATE wallet_accounts SET balance = balance + @a WHERE id = @id AND (allow_negative OR balance + @a >= 0) RETURNING balance
                """, ("a", p.Amount), ("id", p.AccountId))
                ?? throw new InvalidOperationException($"The guarded update of {p.AccountId} refused a checked posting.");
            await c.ExecuteAsync(tx, "INSERT INTO wallet_postings (tx_id, account_id, amount, balance_after) VALUES (@t, @id, @a, @b)",
                ("t", txId.Value), ("id", p.AccountId), ("a", p.Amount), ("b", after));
        }
        return new LedgerEntry(txId.Value, command.Kind, command.Reference, command.At.Utc(), command.Postings);
    }

    private static async Task<long> OutgoingAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string accountId, DateTimeOffset since, IReadOnlyList<string> kinds) =>
        -(await c.ScalarAsync(tx, """
            SELECT COALESCE(SUM(p.amount), 0)::bigint FROM wallet_postings p JOIN wallet_transactions t ON t.id = p.tx_id
            WHERE p.account_id = @acc AND p.amount < 0 AND t.created_at >= @since AND t.kind = ANY(@kinds)
            """, ("acc", accountId), ("since", since.Utc()), ("kinds", kinds.ToArray())) ?? 0);

    private sealed record Found(LedgerEntry Entry, string Hash);

    private static async Task<Found?> FindEntryAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string key)
    {
        var row = await c.QuerySingleAsync(tx, "SELECT id, kind, reference, created_at, fingerprint FROM wallet_transactions WHERE idempotency_key = @k",
            r => new Found(new LedgerEntry(r.GetInt64(0), r.GetString(1), r.NullableString(2), r.Instant(3), []), r.GetString(4)), ("k", key));
        if (row is null) return null;
        var postings = await c.QueryAsync(tx, "SELECT account_id, amount FROM wallet_postings WHERE tx_id = @t ORDER BY id",
            r => new Posting(r.GetString(0), r.GetInt64(1)), ("t", row.Entry.TransactionId));
        return row with { Entry = row.Entry with { Postings = postings } };
    }

    private static Task<TransferRecord?> GetTransferAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string id, bool forUpdate) =>
        c.QuerySingleAsync(tx, $"SELECT {TransferColumns} FROM wallet_transfers WHERE id = @id{(forUpdate ? " FOR UPDATE" : "")}", ReadTransfer, ("id", id));

    private static TransferRecord ReadTransfer(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.NullableString(4), LedgerRules.ParseStatus(r.GetString(5)),
            r.Instant(6), r.Instant(7), r.IsDBNull(8) ? null : r.Instant(8));
}
